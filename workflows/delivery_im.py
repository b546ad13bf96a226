"""Messaging apps: 企业微信 / 政务微信 application messages, and 钉钉 group robots.

企业微信: ``GET {base}/cgi-bin/gettoken?corpid=…&corpsecret=…`` answers an access token good
for ``expires_in`` seconds; ``POST {base}/cgi-bin/message/send?access_token=…`` sends a text
to a member (``touser``) from the application (``agentid``), with 企业微信's duplicate check on
(a repeat of the same text within four hours is not shown twice). The token is cached per
(base URL, corp id) and fetched again before it expires, or when the answer says it is
invalid or expired (errcode 40014, 42001, 40001). 政务微信 is the same API at its own
self-hosted base URL.

钉钉: the robot's webhook with ``timestamp`` (ms) and ``sign`` = Base64(HMAC-SHA256(secret,
"{timestamp}\\n{secret}")), posting a text that @-mentions the person's mobile number and
names the idempotency key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import time
from collections.abc import Callable
from urllib.parse import quote_plus, urlencode

from hazardflow.config import Settings

from .delivery_channels import ANSWER_CHARS, Message, Outcome
from .delivery_http import Answer, call

TOKEN_ERRORS = frozenset({40001, 40014, 42001})  # invalid credential, invalid/expired token
TOKEN_MARGIN = 300.0  # seconds before its expiry a token is fetched again
DUPLICATE_CHECK_SECONDS = 4 * 3600

_tokens: dict[tuple[str, str], tuple[str, float]] = {}  # (base, corp) → (token, expires at)
_tokens_lock = threading.Lock()


def forget_tokens() -> None:
    """Drop every cached 企业微信 token (tests; a changed secret)."""
    with _tokens_lock:
        _tokens.clear()


class WeComChannel:
    name = "wecom"

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.clock = clock
        self.base = settings.wecom_base_url.rstrip("/")

    @property
    def _cache_key(self) -> tuple[str, str]:
        return self.base, self.settings.wecom_corp_id

    def token(self, fresh: bool = False) -> str:
        """The cached access token, fetched again when missing, near expiry or ``fresh``.
        Raises OSError when 企业微信 gives none."""
        with _tokens_lock:
            cached = _tokens.get(self._cache_key)
            if cached and not fresh and cached[1] > self.clock():
                return cached[0]
            query = urlencode({"corpid": self.settings.wecom_corp_id,
                               "corpsecret": self.settings.wecom_secret})
            found = call(f"{self.base}/cgi-bin/gettoken?{query}").json()
            token = found.get("access_token")
            if found.get("errcode", 0) != 0 or not isinstance(token, str) or not token:
                raise OSError(f"企业微信未发放令牌 (no access token): {found}")
            lifetime = float(found.get("expires_in") or 7200)
            _tokens[self._cache_key] = (token, self.clock() + lifetime - TOKEN_MARGIN)
            return token

    def _post(self, message: Message, token: str) -> Answer:
        payload = {"touser": message.address, "msgtype": "text",
                   "agentid": self.settings.wecom_agent_id,
                   "text": {"content": f"{message.title}\n{message.body}"},
                   "enable_duplicate_check": 1,
                   "duplicate_check_interval": DUPLICATE_CHECK_SECONDS}
        return call(f"{self.base}/cgi-bin/message/send?access_token={quote_plus(token)}",
                    payload, {"Idempotency-Key": message.key})

    def send(self, message: Message) -> Outcome:
        try:
            answer = self._post(message, self.token())
            if answer.json().get("errcode") in TOKEN_ERRORS:
                answer = self._post(message, self.token(fresh=True))
        except OSError as error:
            return Outcome.failed(f"{type(error).__name__}: {error}")
        found = answer.json()
        if answer.status == 200 and found.get("errcode") == 0 and not found.get("invaliduser"):
            return Outcome(True, answer.status, answer.text[:ANSWER_CHARS])
        unknown_user = bool(found.get("invaliduser"))
        return Outcome.failed(f"企业微信未受理 (WeCom refused): {found.get('errcode')}",
                              answer.status, answer.text, retry=not unknown_user)


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """钉钉's robot signature of a timestamp (Base64 of HMAC-SHA256), not yet URL-encoded."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(),
                      hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class DingTalkRobot:
    name = "dingtalk"

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.clock = clock

    def url(self) -> str:
        url = self.settings.dingtalk_webhook
        if not self.settings.dingtalk_secret:
            return url
        stamp = int(self.clock() * 1000)
        sign = quote_plus(dingtalk_sign(self.settings.dingtalk_secret, stamp))
        return f"{url}{'&' if '?' in url else '?'}timestamp={stamp}&sign={sign}"

    def send(self, message: Message) -> Outcome:
        payload = {"msgtype": "text",
                   "text": {"content": f"{message.title}\n{message.body}\n@{message.address}"
                                       f"（编号 {message.key}）"},
                   "at": {"atMobiles": [message.address], "isAtAll": False}}
        try:
            answer = call(self.url(), payload, {"Idempotency-Key": message.key})
        except OSError as error:
            return Outcome.failed(f"{type(error).__name__}: {error}")
        found = answer.json()
        if answer.status == 200 and found.get("errcode") == 0:
            return Outcome(True, answer.status, answer.text[:ANSWER_CHARS])
        return Outcome.failed(f"钉钉未受理 (DingTalk refused): {found.get('errcode')}",
                              answer.status, answer.text, retry=found.get("errcode") != 310000)
