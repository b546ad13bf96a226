"""Every setting, declared once, read from ``HAZARDFLOW_*`` environment variables.

The web app, the CLI and (later) the Celery workers all read their settings here.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PREFIX = "HAZARDFLOW_"


class ConfigError(ValueError):
    """Settings that cannot work together; the message says what to change."""


def default_instance_path() -> str:
    return str(Path(os.environ.get(PREFIX + "INSTANCE_PATH", Path.cwd() / "instance")).resolve())


@dataclass(frozen=True)
class Settings:
    instance_path: str = field(default_factory=default_instance_path)
    database_url: str = ""  # default: SQLite in the instance folder
    secret_key: str = ""  # default: generated once and kept in the instance folder
    broker_url: str = ""  # Celery broker (Redis); empty: the embedded scheduler drives work
    result_backend: str = ""
    business_tz: str = "Asia/Shanghai"
    max_bpmn_bytes: int = 2 * 1024 * 1024
    max_request_bytes: int = 16 * 1024 * 1024
    token_ttl_seconds: int = 12 * 3600
    step_budget: int = 200
    scheduler: bool = True  # run the in-process timer/outbox sweep (embedded mode)
    scheduler_interval_seconds: float = 5.0
    # failed sign-ins (web/signin.py): a (username, address) pair waits 1 s, 2 s, 4 s … up to
    # the maximum after its free failures; an address has an hourly ceiling across usernames
    signin_free_failures: int = 5
    signin_max_wait_seconds: int = 300
    signin_failures_per_address_hour: int = 100
    ratelimit_storage_url: str = ""  # where the counts live; default: the Redis broker, else memory
    log_format: str = "text"  # text or json (one JSON object per line)
    handler_modules: str = ""  # comma-separated modules, each with register_handlers(registry)
    # seconds before Redis hands an unacknowledged task (its worker died) to another worker
    visibility_timeout_seconds: int = 3600
    max_upload_bytes: int = 20 * 1024 * 1024  # one evidence file (photo, PDF, document)
    storage_path: str = ""  # evidence files on local disk; default <instance_path>/evidence
    secure_cookies: bool = False  # behind HTTPS: the session cookie is sent over HTTPS only
    # The audit log's sealing key(s), hex, comma-separated: the current key first, then
    # retired ones. Set, it wins over the key file. Never kept in the database.
    audit_key: str = field(default="", repr=False)
    audit_key_file: str = ""  # default <instance_path>/audit.key (one hex key per line)
    audit_witness_file: str = ""  # default <instance_path>/audit.witness (checkpoints written)
    # where the public reaches the app: the base of the /verify/<code> URL an issued
    # document's QR code carries (e.g. https://yh.lawjw.gov.cn); default the request's host
    public_url: str = ""
    # /verify/<code> needs no sign-in: requests per address per minute before 429
    verify_per_address_minute: int = 30
    # how far ahead a person may set a rectification deadline (order, plan, extension), in
    # days from today; a deadline before today is refused always (workflows/deadlines.py)
    max_deadline_days: int = 365
    # Notices outside the app (workflows/delivery.py, workflows/delivery_*.py): each channel is
    # off until configured. E-mail over SMTP: tls none | starttls | ssl.
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = field(default="", repr=False)
    smtp_tls: str = "starttls"
    smtp_from: str = ""  # the sender, e.g. 隐患排查治理 <noreply@wjw.luan.gov.cn>
    # SMS: aliyun (SendSms) or webhook (a generic HTTP provider); empty: no SMS
    sms_provider: str = ""
    aliyun_sms_endpoint: str = "https://dysmsapi.aliyuncs.com/"
    aliyun_sms_region: str = "cn-hangzhou"
    aliyun_access_key_id: str = ""
    aliyun_access_key_secret: str = field(default="", repr=False)
    aliyun_sms_sign_name: str = ""  # 短信签名
    aliyun_sms_template_code: str = ""  # template with the variables ${kind} and ${title}
    sms_webhook_url: str = ""
    sms_webhook_token: str = field(default="", repr=False)  # sent as Authorization: Bearer
    # 企业微信 (or a self-hosted 政务微信: its own base URL) application messages
    wecom_base_url: str = "https://qyapi.weixin.qq.com"
    wecom_corp_id: str = ""
    wecom_secret: str = field(default="", repr=False)
    wecom_agent_id: int = 0
    # 钉钉 group robot: its webhook URL (with access_token) and signing secret (SEC…)
    dingtalk_webhook: str = ""
    dingtalk_secret: str = field(default="", repr=False)
    # non-urgent SMS wait out these business hours (HH:MM-HH:MM; empty: never held)
    notify_quiet_hours: str = "22:00-07:00"
    notify_max_attempts: int = 8
    notify_backoff_seconds: float = 60.0  # the first retry's wait, doubled each time
    notify_interval_seconds: float = 15.0  # how often the delivery job runs
    # official holidays and 调休 workdays for years chinese_calendar lacks (JSON, see
    # workflows/workdays.py); default: the file shipped in workflows/reference
    workday_overrides: str = ""
    # the one map (应急一张图): the basemap, a GeoJSON file (default: the one shipped in
    # workflows/reference; production in China: the approved 标准地图), and how many days
    # before its expiry a supply item is flagged and its depot's keeper told
    map_basemap: str = ""
    map_expiry_days: int = 30

    @property
    def sqlite_path(self) -> Path:
        return Path(self.instance_path) / "hazardflow.db"

    def validate(self) -> Settings:
        try:
            ZoneInfo(self.business_tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"{PREFIX}BUSINESS_TZ={self.business_tz!r} is not a time zone "
                              "name such as Asia/Shanghai") from None
        if self.result_backend and not self.broker_url:
            raise ConfigError(f"{PREFIX}RESULT_BACKEND is set but {PREFIX}BROKER_URL is not: "
                              "a result backend needs a broker")
        if self.broker_url and self.database_url.startswith("sqlite"):
            raise ConfigError(f"{PREFIX}BROKER_URL is set (distributed mode) but the database "
                              "is SQLite: Celery workers need a shared PostgreSQL database "
                              f"({PREFIX}DATABASE_URL=postgresql+psycopg://...)")
        if self.log_format not in ("text", "json"):
            raise ConfigError(f"{PREFIX}LOG_FORMAT must be text or json, not {self.log_format!r}")
        if self.step_budget < 0 or self.token_ttl_seconds <= 0:
            raise ConfigError("step budget and token lifetime must be positive")
        if self.visibility_timeout_seconds <= 0:
            raise ConfigError(f"{PREFIX}VISIBILITY_TIMEOUT_SECONDS must be positive")
        if min(self.signin_free_failures, self.signin_max_wait_seconds,
               self.signin_failures_per_address_hour) <= 0:
            raise ConfigError(f"{PREFIX}SIGNIN_FREE_FAILURES, {PREFIX}SIGNIN_MAX_WAIT_SECONDS and "
                              f"{PREFIX}SIGNIN_FAILURES_PER_ADDRESS_HOUR must be positive")
        if self.max_upload_bytes <= 0:
            raise ConfigError(f"{PREFIX}MAX_UPLOAD_BYTES must be positive")
        if self.audit_key:
            parse_audit_keys(self.audit_key, f"{PREFIX}AUDIT_KEY")
        if self.public_url and not self.public_url.startswith(("https://", "http://")):
            raise ConfigError(f"{PREFIX}PUBLIC_URL must be an absolute http(s) URL such as "
                              f"https://yh.example.gov.cn, not {self.public_url!r}")
        if self.verify_per_address_minute <= 0:
            raise ConfigError(f"{PREFIX}VERIFY_PER_ADDRESS_MINUTE must be positive")
        if not 1 <= self.max_deadline_days <= 3650:
            raise ConfigError(f"{PREFIX}MAX_DEADLINE_DAYS must be from 1 to 3650 (days)")
        self._validate_channels()
        return self

    def _validate_channels(self) -> None:
        if self.smtp_tls not in ("none", "starttls", "ssl"):
            raise ConfigError(f"{PREFIX}SMTP_TLS must be none, starttls or ssl")
        if self.sms_provider not in ("", "aliyun", "webhook"):
            raise ConfigError(f"{PREFIX}SMS_PROVIDER must be aliyun, webhook or empty")
        if self.notify_quiet_hours and not re.fullmatch(
                r"([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d", self.notify_quiet_hours):
            raise ConfigError(f"{PREFIX}NOTIFY_QUIET_HOURS must look like 22:00-07:00, not "
                              f"{self.notify_quiet_hours!r}")
        if self.notify_max_attempts <= 0 or self.notify_backoff_seconds <= 0 \
                or self.notify_interval_seconds <= 0:
            raise ConfigError(f"{PREFIX}NOTIFY_MAX_ATTEMPTS, {PREFIX}NOTIFY_BACKOFF_SECONDS and "
                              f"{PREFIX}NOTIFY_INTERVAL_SECONDS must be positive")


def _coerce(kind: Any, raw: str, name: str) -> Any:
    if kind in (bool, "bool"):
        if raw.lower() in ("1", "true", "yes", "on"):
            return True
        if raw.lower() in ("0", "false", "no", "off", ""):
            return False
        raise ConfigError(f"{name}={raw!r} is not a boolean (use true or false)")
    if kind in (int, "int"):
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(f"{name}={raw!r} is not a whole number") from None
    if kind in (float, "float"):
        try:
            return float(raw)
        except ValueError:
            raise ConfigError(f"{name}={raw!r} is not a number") from None
    return raw


def load_settings(env: Mapping[str, str] | None = None,
                  overrides: Mapping[str, Any] | None = None) -> Settings:
    """Settings from the environment, then ``overrides``; defaults filled and checked."""
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    for f in fields(Settings):
        name = PREFIX + f.name.upper()
        if name in env:
            values[f.name] = _coerce(f.type, env[name], name)
    settings = Settings(**values)
    if overrides:
        settings = replace(settings, **{k.lower(): v for k, v in overrides.items()
                                        if k.lower() in {f.name for f in fields(Settings)}})
    if not settings.database_url:
        settings = replace(settings, database_url=f"sqlite:///{settings.sqlite_path}")
    if not settings.secret_key:
        settings = replace(settings, secret_key=_read_secret(settings.instance_path))
    if not settings.storage_path:
        settings = replace(settings, storage_path=str(Path(settings.instance_path) / "evidence"))
    if not settings.audit_key_file:
        settings = replace(settings, audit_key_file=str(Path(settings.instance_path) / "audit.key"))
    if not settings.audit_witness_file:
        settings = replace(settings, audit_witness_file=str(Path(settings.instance_path)
                                                            / "audit.witness"))
    return settings.validate()


def _read_secret(instance_path: str) -> str:
    path = Path(instance_path) / "secret_key"
    return path.read_text().strip() if path.is_file() else ""


def ensure_instance(settings: Settings) -> Settings:
    """Create the instance folder and, unless one is configured, its secret key file.

    Loading settings writes nothing; the shells that serve pages or set up an instance
    (``hazardflow init-db``, ``hazardflow serve``, the WSGI entry point) call this."""
    Path(settings.instance_path).mkdir(parents=True, exist_ok=True)
    if settings.secret_key:
        return settings
    path = Path(settings.instance_path) / "secret_key"
    if not path.exists():  # written aside, then linked: a racing process never reads half
        draft = path.with_name(f".secret_key.{os.getpid()}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return replace(settings, secret_key=_read_secret(settings.instance_path))


AUDIT_KEY_BYTES = 16  # at least; generated keys have 32


def parse_audit_keys(text: str, source: str) -> list[bytes]:
    """Hex keys separated by commas or lines (``#`` starts a comment line), in order."""
    keys: list[bytes] = []
    lines = (line for line in text.splitlines() if not line.lstrip().startswith("#"))
    for item in ",".join(lines).split(","):
        item = item.strip()
        if not item:
            continue
        try:
            key = bytes.fromhex(item)
        except ValueError:  # not echoed: it may be a key with a typo
            raise ConfigError(f"{source}: key {len(keys) + 1} is not hexadecimal") from None
        if len(key) < AUDIT_KEY_BYTES:
            raise ConfigError(f"{source}: an audit key needs at least {AUDIT_KEY_BYTES} bytes "
                              f"({2 * AUDIT_KEY_BYTES} hex digits); make one with "
                              "`openssl rand -hex 32`")
        keys.append(key)
    return keys
