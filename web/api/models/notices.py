"""Requests and answers about notices outside the app: one's contacts and channel choices,
the admins' defaults per role, the delivery log."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field, StrictStr

from .common import Envelope as E
from .common import Paging, Row

CHOICES_DESCRIPTION = ("通知种类 → 开启的渠道（空数组：只在系统内通知）；种类：task_new 新待办、"
                       "due_soon 即将到期、overdue 已超期、supervision 督办、report 报表轮次、"
                       "other 其他；渠道：email、sms、wecom、dingtalk (kind of notice → the "
                       "channels on; an empty list: in the app only)")


class Contacts(E):
    mobile: StrictStr | None = Field(None, examples=["13800000001"],
                                     description="手机号：短信、钉钉 (mobile: SMS, DingTalk)")
    email: StrictStr | None = Field(None, examples=["anquan@example.cn"])
    wecom_userid: StrictStr | None = Field(None, description="企业微信/政务微信账号 (WeCom id)")


class Kind(E):
    code: str
    name: str
    urgent: bool = Field(description="紧急：短信不受夜间免打扰限制 (urgent: SMS not held at "
                                     "night)")


class ChannelInfo(E):
    code: str
    name: str
    configured: bool = Field(description="本系统已配置该渠道 (this installation sends by it)")


class Preferences(E):
    contacts: Contacts
    choices: dict[str, list[str]] = Field(description=CHOICES_DESCRIPTION)
    kinds: list[Kind]
    channels: list[ChannelInfo]


class PreferencesRequest(E):
    """只改给出的部分：联系方式中给出的字段（空字符串清除）、给出的通知种类 (only what is given
    changes: the contact fields given, an empty string clears one; the kinds given)."""

    contacts: Contacts | None = None
    choices: dict[str, list[StrictStr]] | None = Field(None, description=CHOICES_DESCRIPTION)


class RoleDefaults(E):
    items: dict[str, dict[str, list[str]]] = Field(
        description="角色 → 通知种类 → 开启的渠道；未列出的角色用系统默认 (role → kind → "
                    "channels; a role not listed follows the built-in defaults)")


class RoleDefaultsRequest(E):
    choices: dict[str, list[StrictStr]] = Field(description=CHOICES_DESCRIPTION)


class DeliveryQuery(Paging):
    status: str | None = Field(None, description="pending, sent, failed, withheld, skipped")


class DeliveryRow(Row):
    id: int
    notification_id: int
    display_name: str = Field(description="收件人 (the person)")
    title: str
    channel: str
    channel_name: str
    status: str
    status_name: str
    attempts: int
    idempotency_key: str
    created_at: datetime
    sent_at: datetime | None
    last_error: str | None


class DeliveryLog(E):
    items: list[DeliveryRow]
    total: int
