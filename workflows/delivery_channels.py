"""The channels a notice leaves the app by, behind one interface.

A :class:`Channel` sends one :class:`Message` to one address and answers an :class:`Outcome`:
accepted or not, the provider's status and answer, and whether trying again may help. Every
message carries its idempotency key: the e-mail as its Message-ID, the SMS adapters as
Aliyun's ``OutId`` or the webhook's ``Idempotency-Key`` header; 企业微信 and 钉钉 get the
header too, 钉钉 the key in its text, 企业微信 its own duplicate check. A channel never
raises for a provider's refusal; a network failure is an outcome that may be retried.

:func:`configured_channels` builds the channels the settings configure (each is off until
its settings are given): ``email`` (SMTP), ``sms`` (Aliyun SendSms or a generic webhook),
``wecom`` (企业微信 / 政务微信 application messages), ``dingtalk`` (a signed group robot).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from hazardflow.config import Settings

CHANNELS: dict[str, str] = {
    "email": "电子邮件",
    "sms": "短信",
    "wecom": "企业微信/政务微信",
    "dingtalk": "钉钉",
}
# which contact field each channel needs (workflows/schema_delivery.user_contact)
ADDRESS_FIELD: dict[str, str] = {
    "email": "email", "sms": "mobile", "wecom": "wecom_userid", "dingtalk": "mobile",
}
ANSWER_CHARS = 2000  # how much of a provider's answer the attempt log keeps


@dataclass(frozen=True)
class Message:
    key: str  # the idempotency key
    address: str  # e-mail address, mobile number or 企业微信 user id
    title: str
    body: str
    kind_name: str  # the notice's kind, in Chinese (an SMS template's variable)


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status: int | None = None  # the provider's HTTP or SMTP status
    answer: str = ""  # the provider's answer (shortened)
    error: str = ""
    retry: bool = True  # whether trying again may help (a refusal for good: False)

    @classmethod
    def failed(cls, error: str, status: int | None = None, answer: str = "",
               retry: bool = True) -> Outcome:
        return cls(False, status, answer[:ANSWER_CHARS], error[:ANSWER_CHARS], retry)


class Channel(Protocol):
    name: str

    def send(self, message: Message) -> Outcome: ...


def configured_channels(settings: Settings) -> dict[str, Channel]:
    """The channels the settings configure, by name."""
    from .delivery_im import DingTalkRobot, WeComChannel
    from .delivery_sms import AliyunSms, WebhookSms
    from .delivery_smtp import SmtpChannel

    found: dict[str, Channel] = {}
    if settings.smtp_host and settings.smtp_from:
        found["email"] = SmtpChannel(settings)
    if settings.sms_provider == "aliyun" and settings.aliyun_access_key_id:
        found["sms"] = AliyunSms(settings)
    elif settings.sms_provider == "webhook" and settings.sms_webhook_url:
        found["sms"] = WebhookSms(settings)
    if settings.wecom_corp_id and settings.wecom_secret and settings.wecom_agent_id:
        found["wecom"] = WeComChannel(settings)
    if settings.dingtalk_webhook:
        found["dingtalk"] = DingTalkRobot(settings)
    return found
