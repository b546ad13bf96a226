"""E-mail over SMTP (smtplib): plain, STARTTLS or implicit TLS, with or without a login."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, parseaddr

from hazardflow.config import Settings

from .delivery_channels import Message, Outcome

TIMEOUT = 20.0


class SmtpChannel:
    name = "email"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def compose(self, message: Message) -> EmailMessage:
        """The e-mail: its Message-ID is the idempotency key (a mail system that keeps
        Message-IDs can tell a repeat)."""
        mail = EmailMessage()
        mail["From"] = self.settings.smtp_from
        mail["To"] = message.address
        mail["Subject"] = message.title
        mail["Date"] = formatdate(localtime=False)
        domain = parseaddr(self.settings.smtp_from)[1].rpartition("@")[2] or "hazardflow"
        mail["Message-ID"] = f"<{message.key}@{domain}>"
        mail["Idempotency-Key"] = message.key
        mail.set_content(f"{message.body}\n\n（{message.kind_name}，来自隐患排查治理系统）\n")
        return mail

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.smtp_tls == "ssl":
            return smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=TIMEOUT,
                                    context=ssl.create_default_context())
        client = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=TIMEOUT)
        if s.smtp_tls == "starttls":
            client.starttls(context=ssl.create_default_context())
        return client

    def send(self, message: Message) -> Outcome:
        try:
            with self._connect() as client:
                if self.settings.smtp_user:
                    client.login(self.settings.smtp_user, self.settings.smtp_password)
                refused = client.send_message(self.compose(message))
        except smtplib.SMTPRecipientsRefused as error:
            return Outcome.failed(f"收件人被拒绝 (recipient refused): {error.recipients}",
                                  retry=False)
        except smtplib.SMTPResponseException as error:
            # 5xx: refused for good; 4xx: try again later
            return Outcome.failed(f"SMTP {error.smtp_code}: {error.smtp_error!r}",
                                  status=error.smtp_code, retry=error.smtp_code < 500)
        except (OSError, smtplib.SMTPException) as error:
            return Outcome.failed(f"{type(error).__name__}: {error}")
        if refused:
            return Outcome.failed(f"收件人被拒绝 (recipient refused): {refused}", retry=False)
        return Outcome(True, 250, "accepted")
