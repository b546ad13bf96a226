"""The channels against real local servers: an SMTP server (aiosmtpd) and an HTTP stub that
records every provider call and checks signatures the way the providers do (its own code,
written from the providers' documentation). No network."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message as Mail
from email.policy import default
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote_plus, urlsplit

import pytest
from aiosmtpd.controller import Controller

from hazardflow.config import Settings
from hazardflow.workflows.delivery_channels import Message, configured_channels
from hazardflow.workflows.delivery_im import DingTalkRobot, WeComChannel, forget_tokens
from hazardflow.workflows.delivery_sms import AliyunSms, WebhookSms
from hazardflow.workflows.delivery_smtp import SmtpChannel

ALIYUN_SECRET = "testsecret"
DING_SECRET = "SEC0123456789abcdef"


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


Route = Callable[[Call], tuple[int, dict[str, Any]]]


def _aliyun_encode(value: str) -> str:
    """Aliyun's recipe: form-encode, then + → %20, * → %2A, %7E → ~."""
    return quote_plus(value, safe="").replace("+", "%20").replace("*", "%2A").replace("%7E", "~")


def aliyun_route(call: Call) -> tuple[int, dict[str, Any]]:
    params = {k: v for k, v in call.query.items() if k != "Signature"}
    query = "&".join(f"{_aliyun_encode(k)}={_aliyun_encode(v)}" for k, v in sorted(params.items()))
    to_sign = "GET&%2F&" + _aliyun_encode(query)
    expected = base64.b64encode(hmac.new(f"{ALIYUN_SECRET}&".encode(), to_sign.encode(),
                                         hashlib.sha1).digest()).decode()
    if call.query.get("Signature") != expected:
        return 400, {"Code": "SignatureDoesNotMatch"}
    return 200, {"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0"}


def dingtalk_route(call: Call) -> tuple[int, dict[str, Any]]:
    stamp = call.query.get("timestamp", "")
    expected = base64.b64encode(hmac.new(DING_SECRET.encode(), f"{stamp}\n{DING_SECRET}".encode(),
                                         hashlib.sha256).digest()).decode()
    if call.query.get("sign") != expected:
        return 200, {"errcode": 310000, "errmsg": "sign not match"}
    return 200, {"errcode": 0, "errmsg": "ok"}


class WeComStub:
    """Gives out tokens T1, T2…; only the newest is accepted (older ones: 42001 expired)."""

    def __init__(self, expires_in: int = 7200) -> None:
        self.issued: list[str] = []
        self.expires_in = expires_in

    def token(self, call: Call) -> tuple[int, dict[str, Any]]:
        if call.query.get("corpsecret") != "wecom-secret":
            return 200, {"errcode": 40001, "errmsg": "invalid credential"}
        self.issued.append(f"T{len(self.issued) + 1}")
        return 200, {"errcode": 0, "access_token": self.issued[-1], "expires_in": self.expires_in}

    def send(self, call: Call) -> tuple[int, dict[str, Any]]:
        if not self.issued or call.query.get("access_token") != self.issued[-1]:
            return 200, {"errcode": 42001, "errmsg": "access_token expired"}
        return 200, {"errcode": 0, "errmsg": "ok", "invaliduser": ""}

    def expire(self) -> None:
        self.issued.append("revoked")  # no token given out so far is the newest


class Stub:
    """A local HTTP server recording calls; ``routes`` answer by path (default: 200 OK)."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.routes: dict[str, Route] = {"/sms": aliyun_route, "/robot/send": dingtalk_route}
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                parts = urlsplit(self.path)
                size = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(size) if size else b""
                call = Call(self.command, parts.path, dict(parse_qsl(parts.query)),
                            dict(self.headers.items()), json.loads(raw) if raw else None)
                stub.calls.append(call)
                route = stub.routes.get(parts.path)
                status, answer = route(call) if route else (200, {"ok": True})
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _answer

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                       daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def at(self, path: str) -> list[Call]:
        return [c for c in self.calls if c.path == path]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class SmtpSink:
    port: int
    mails: list[Mail] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        mail = message_from_bytes(envelope.content, policy=default)
        mail["X-Envelope-To"] = ",".join(envelope.rcpt_tos)
        self.mails.append(mail)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def stub() -> Iterator[Stub]:
    server = Stub()
    forget_tokens()
    yield server
    server.close()


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    sink = SmtpSink(free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    yield sink
    controller.stop()


def channel_settings(stub: Stub, smtp: SmtpSink | None = None, **more: Any) -> dict[str, Any]:
    """Settings of every channel, pointing at the local servers."""
    return {"smtp_host": "127.0.0.1", "smtp_port": smtp.port if smtp else 1, "smtp_tls": "none",
            "smtp_from": "隐患排查 <noreply@wjw.example.cn>",
            "sms_provider": "aliyun", "aliyun_sms_endpoint": f"{stub.url}/sms",
            "aliyun_access_key_id": "testid", "aliyun_access_key_secret": ALIYUN_SECRET,
            "aliyun_sms_sign_name": "六安卫健", "aliyun_sms_template_code": "SMS_1",
            "sms_webhook_url": f"{stub.url}/webhook", "wecom_base_url": stub.url,
            "wecom_corp_id": "corp", "wecom_secret": "wecom-secret", "wecom_agent_id": 1000002,
            "dingtalk_webhook": f"{stub.url}/robot/send?access_token=abc",
            "dingtalk_secret": DING_SECRET, **more}


MSG = Message(key="hf-key-1", address="13800000001", title="【新待办】下达整改通知",
              body="隐患 YH-2026-000001：下达整改通知。", kind_name="新待办")


def test_an_aliyun_sms_is_signed_as_aliyun_checks_and_carries_the_key_as_out_id(
        stub: Stub) -> None:
    outcome = AliyunSms(Settings(**channel_settings(stub))).send(MSG)
    assert outcome.ok, outcome
    [call] = stub.at("/sms")
    assert call.query["OutId"] == "hf-key-1" and call.query["PhoneNumbers"] == "13800000001"
    assert (call.query["Action"], call.query["SignName"]) == ("SendSms", "六安卫健")
    assert json.loads(call.query["TemplateParam"])["kind"] == "新待办"
    wrong = AliyunSms(Settings(**channel_settings(stub, aliyun_access_key_secret="other")))
    refused = wrong.send(MSG)
    assert not refused.ok and not refused.retry and "SignatureDoesNotMatch" in refused.answer


def test_the_sms_webhook_passes_the_idempotency_key_and_retries_only_server_errors(
        stub: Stub) -> None:
    channel = WebhookSms(Settings(**channel_settings(stub, sms_provider="webhook",
                                                     sms_webhook_token="tok")))
    assert channel.send(MSG).ok
    [call] = stub.at("/webhook")
    assert call.headers["Idempotency-Key"] == "hf-key-1"
    assert call.headers["Authorization"] == "Bearer tok" and call.body["to"] == "13800000001"
    stub.routes["/webhook"] = lambda c: (503, {"busy": True})
    assert channel.send(MSG).retry
    stub.routes["/webhook"] = lambda c: (400, {"bad": True})
    assert not channel.send(MSG).retry


def test_wecom_fetches_a_token_once_and_again_when_it_expired(stub: Stub) -> None:
    wecom = WeComStub()
    stub.routes.update({"/cgi-bin/gettoken": wecom.token, "/cgi-bin/message/send": wecom.send})
    channel = WeComChannel(Settings(**channel_settings(stub)))
    to = Message(**{**MSG.__dict__, "address": "zhangsan"})
    assert channel.send(to).ok and channel.send(to).ok
    assert len(stub.at("/cgi-bin/gettoken")) == 1  # cached
    wecom.expire()  # 企业微信 answers 42001 for the cached token
    assert channel.send(to).ok
    sends = stub.at("/cgi-bin/message/send")
    assert [c.query["access_token"] for c in sends] == ["T1", "T1", "T1", "T3"]
    assert sends[-1].body["touser"] == "zhangsan" and sends[-1].body["agentid"] == 1000002


def test_wecom_fetches_a_new_token_before_the_old_one_runs_out(stub: Stub) -> None:
    wecom = WeComStub(expires_in=7200)
    stub.routes.update({"/cgi-bin/gettoken": wecom.token, "/cgi-bin/message/send": wecom.send})
    clock = [1000.0]
    channel = WeComChannel(Settings(**channel_settings(stub)), clock=lambda: clock[0])
    assert channel.send(MSG).ok
    clock[0] += 7200 - 299  # within the margin before expiry
    assert channel.send(MSG).ok
    assert len(stub.at("/cgi-bin/gettoken")) == 2
    assert [c.query["access_token"] for c in stub.at("/cgi-bin/message/send")] == ["T1", "T2"]


def test_a_dingtalk_robot_message_is_signed_and_the_stub_checks_the_signature(
        stub: Stub) -> None:
    assert DingTalkRobot(Settings(**channel_settings(stub))).send(MSG).ok
    [call] = stub.at("/robot/send")
    assert call.query["access_token"] == "abc" and call.body["at"]["atMobiles"] == ["13800000001"]
    forged = DingTalkRobot(Settings(**channel_settings(stub, dingtalk_secret="SECwrong")))
    outcome = forged.send(MSG)
    assert not outcome.ok and not outcome.retry and "310000" in outcome.error


def test_an_email_carries_the_key_as_its_message_id(stub: Stub, smtp: SmtpSink) -> None:
    assert SmtpChannel(Settings(**channel_settings(stub, smtp))).send(
        Message(**{**MSG.__dict__, "address": "safety@example.cn"})).ok
    [mail] = smtp.mails
    assert mail["Message-ID"] == "<hf-key-1@wjw.example.cn>"
    assert mail["X-Envelope-To"] == "safety@example.cn" and "新待办" in mail["Subject"]


def test_an_unreachable_smtp_server_is_an_outcome_to_retry(stub: Stub) -> None:
    outcome = SmtpChannel(Settings(**channel_settings(stub, smtp_port=free_port()))).send(MSG)
    assert not outcome.ok and outcome.retry and outcome.error


def test_channels_are_off_until_configured(stub: Stub) -> None:
    assert configured_channels(Settings()) == {}
    assert sorted(configured_channels(Settings(**channel_settings(stub)))) == [
        "dingtalk", "email", "sms", "wecom"]
