"""E-mail channel: a plain-text message over SMTP (optional STARTTLS and login), one session per alert."""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import format_datetime

import structlog

from api.notify.channel import DeliveryFailed
from api.notify.message import AlertMessage

DEFAULT_TIMEOUT_SECONDS = 10.0
log = structlog.get_logger("notify")


class EmailChannel:
    """Sends each alert to the e-mail addresses among its recipients, or to the fallback list."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        sender: str,
        starttls: bool = False,
        username: str | None = None,
        password: str | None = None,
        fallback_recipients: Sequence[str] = (),
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        ssl_context: ssl.SSLContext | None = None,
        name: str = "email",
    ) -> None:
        self.name = name
        self._host, self._port, self._sender = host, port, sender
        self._starttls, self._timeout = starttls, timeout
        self._login = (username, password or "") if username else None
        self._fallback = tuple(fallback_recipients)
        self._ssl_context = ssl_context

    def send(self, alert: AlertMessage) -> None:
        """Hand the alert to the SMTP server; raise DeliveryFailed if it does not accept it."""
        to = [r for r in alert.recipients if "@" in r] or list(self._fallback)
        if not to:
            raise DeliveryFailed("no e-mail address among the recipients and no fallback", retryable=False)
        message = compose(alert, sender=self._sender, to=to)
        try:
            refused = self._submit(message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _text in exc.recipients.values()]
            raise DeliveryFailed(f"SMTP recipients refused {sorted(set(codes))}", retryable=min(codes) < 500) from None
        except smtplib.SMTPNotSupportedError:
            raise DeliveryFailed("SMTP server lacks a required extension (STARTTLS/AUTH)", retryable=False) from None
        except smtplib.SMTPResponseException as exc:
            # RFC 5321 §4.2.1: 4yz is transient, 5yz permanent.
            raise DeliveryFailed(f"SMTP {exc.smtp_code}", retryable=exc.smtp_code < 500) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryFailed(f"SMTP connection failed ({type(exc).__name__})", retryable=True) from None
        if refused:
            # Some addresses were accepted: retrying would mail them twice, so this counts as delivered.
            log.warning("alert_recipients_refused", alert_id=alert.alert_id, refused=len(refused))

    def _submit(self, message: EmailMessage) -> dict[str, tuple[int, bytes]]:
        with smtplib.SMTP(self._host, self._port, timeout=self._timeout) as smtp:
            if self._starttls:
                smtp.starttls(context=self._ssl_context or ssl.create_default_context())
            if self._login:
                smtp.login(*self._login)
            return smtp.send_message(message)


def compose(alert: AlertMessage, *, sender: str, to: Sequence[str]) -> EmailMessage:
    """The e-mail for one alert: a subject line that sorts by level and a plain-text body."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Subject"] = subject(alert)
    message["Date"] = format_datetime(alert.created_at)
    # A stable Message-ID lets mail clients fold a retried delivery into the first one.
    message["Message-ID"] = f"<{alert.alert_id}@{sender.rpartition('@')[2] or 'localhost'}>"
    message["X-Alert-Id"] = alert.alert_id
    message.set_content(body_text(alert))
    return message


def subject(alert: AlertMessage) -> str:
    """ "[BREACHED] lm_ack_notice due 2026-07-09, case C-1" (no borrower data)."""
    if alert.level == "digest":
        return f"[DIGEST] {alert.text.splitlines()[0] if alert.text else 'compliance alerts'}"
    due = f" due {alert.due.isoformat()}" if alert.due else ""
    return f"[{alert.level.upper()}] {alert.rule}{due}, case {alert.case_id}"


def body_text(alert: AlertMessage) -> str:
    """The plain-text body: the service's text, then one labelled line per identifier."""
    fields = [
        ("Alert", alert.alert_id),
        ("Level", alert.level),
        ("Case", alert.case_id),
        ("Rule", f"{alert.rule} ({alert.citation})" if alert.rule else None),
        ("Clock", alert.clock_id),
        ("Due", alert.due.isoformat() if alert.due else None),
        ("Status", alert.status),
        ("Manager", alert.routed_to.manager_id),
        ("Team", alert.routed_to.team),
    ]
    lines = [f"{label}: {value}" for label, value in fields if value]
    return f"{alert.text}\n\n" + "\n".join(lines) + "\n"
