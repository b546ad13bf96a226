"""SMS: Aliyun's SendSms (dysmsapi, RPC signature v1) or a generic HTTP webhook.

Aliyun: a GET of the endpoint with the common parameters (AccessKeyId, Action, Format,
RegionId, SignatureMethod HMAC-SHA1, SignatureNonce, SignatureVersion 1.0, Timestamp,
Version 2017-05-25) and SendSms's own (PhoneNumbers, SignName, TemplateCode, TemplateParam,
OutId). The signature, as Aliyun documents it: sort the parameters by name, percent-encode
names and values (RFC 3986: only A-Z a-z 0-9 - _ . ~ stay as they are, a space is %20), join
them as a query string, sign ``GET&%2F&`` + the encoded query with HMAC-SHA1 under the
AccessKey secret followed by ``&``, Base64. The answer's ``Code`` is ``OK`` when accepted.
``OutId`` carries the idempotency key.

The webhook: a POST of ``{"to", "text", "title", "kind", "key"}`` with the header
``Idempotency-Key``; any 2xx answer is accepted.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime
from urllib.parse import quote

from hazardflow.config import Settings

from .delivery_channels import ANSWER_CHARS, Message, Outcome
from .delivery_http import call

TEMPLATE_VALUE_CHARS = 35  # Aliyun's limit on one template variable
# refusals that another try will not change (the number, template or signature is wrong)
PERMANENT = frozenset({"isv.MOBILE_NUMBER_ILLEGAL", "isv.TEMPLATE_MISSING_PARAMETERS",
                       "isv.SMS_SIGNATURE_ILLEGAL", "isv.SMS_TEMPLATE_ILLEGAL",
                       "isv.INVALID_PARAMETERS", "isv.BLACK_KEY_CONTROL_LIMIT",
                       "isv.SMS_SIGN_ILLEGAL", "InvalidAccessKeyId.NotFound",
                       "SignatureDoesNotMatch"})


def percent_encode(value: str) -> str:
    return quote(value, safe="~")


def aliyun_signature(params: dict[str, str], secret: str, method: str = "GET") -> str:
    """The RPC signature (v1, HMAC-SHA1) of ``params`` under the AccessKey secret."""
    query = "&".join(f"{percent_encode(k)}={percent_encode(v)}"
                     for k, v in sorted(params.items()))
    to_sign = f"{method}&{percent_encode('/')}&{percent_encode(query)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _text(message: Message) -> str:
    return f"{message.title} {message.body}"


class AliyunSms:
    name = "sms"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def params(self, message: Message, now: datetime | None = None) -> dict[str, str]:
        """The signed request's parameters (Signature included)."""
        s = self.settings
        moment = (now or datetime.now(UTC)).astimezone(UTC)
        template = {"kind": message.kind_name[:TEMPLATE_VALUE_CHARS],
                    "title": message.title[:TEMPLATE_VALUE_CHARS]}
        params = {
            "AccessKeyId": s.aliyun_access_key_id, "Action": "SendSms", "Format": "JSON",
            "RegionId": s.aliyun_sms_region, "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex, "SignatureVersion": "1.0",
            "Timestamp": moment.strftime("%Y-%m-%dT%H:%M:%SZ"), "Version": "2017-05-25",
            "PhoneNumbers": message.address, "SignName": s.aliyun_sms_sign_name,
            "TemplateCode": s.aliyun_sms_template_code,
            "TemplateParam": json.dumps(template, ensure_ascii=False), "OutId": message.key,
        }
        params["Signature"] = aliyun_signature(params, s.aliyun_access_key_secret)
        return params

    def send(self, message: Message) -> Outcome:
        query = "&".join(f"{percent_encode(k)}={percent_encode(v)}"
                         for k, v in self.params(message).items())
        base = self.settings.aliyun_sms_endpoint
        try:
            answer = call(f"{base}{'&' if '?' in base else '?'}{query}")
        except OSError as error:
            return Outcome.failed(f"{type(error).__name__}: {error}")
        code = str(answer.json().get("Code", ""))
        if answer.status == 200 and code == "OK":
            return Outcome(True, answer.status, answer.text[:ANSWER_CHARS])
        return Outcome.failed(f"阿里云短信未受理 (Aliyun SMS refused): {code or answer.status}",
                              answer.status, answer.text, retry=code not in PERMANENT)


class WebhookSms:
    name = "sms"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, message: Message) -> Outcome:
        headers = {"Idempotency-Key": message.key}
        if self.settings.sms_webhook_token:
            headers["Authorization"] = f"Bearer {self.settings.sms_webhook_token}"
        payload = {"to": message.address, "text": _text(message), "title": message.title,
                   "kind": message.kind_name, "key": message.key}
        try:
            answer = call(self.settings.sms_webhook_url, payload, headers)
        except OSError as error:
            return Outcome.failed(f"{type(error).__name__}: {error}")
        if 200 <= answer.status < 300:
            return Outcome(True, answer.status, answer.text[:ANSWER_CHARS])
        # 4xx other than 408/429: the request itself is wrong, a repeat will not help
        retry = answer.status >= 500 or answer.status in (408, 429)
        return Outcome.failed(f"短信网关未受理 (SMS webhook refused): HTTP {answer.status}",
                              answer.status, answer.text, retry=retry)
