"""E-mail channel against a real local SMTP server (aiosmtpd): content, STARTTLS + login, failure classes."""

from __future__ import annotations

import email
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from api.notify import AlertMessage, DeliveryFailed, EmailChannel, Route

NOW = datetime(2026, 7, 10, 15, 0, tzinfo=UTC)
SENDER = "alerts@servicer.example"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Inbox:
    """aiosmtpd handler: keeps every message; refuses recipients listed in `refuse` with their reply."""

    def __init__(self, refuse: dict[str, str] | None = None) -> None:
        self.received: list[tuple[str, list[str], Message]] = []
        self.refuse = refuse or {}

    async def handle_RCPT(self, _server: Any, _session: Any, envelope: Any, address: str, _options: Any) -> str:  # noqa: N802
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), email.message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[Any]:
    controllers: list[Controller] = []

    def start(inbox: Inbox, **server_options: Any) -> Controller:
        controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), **server_options)
        controller.start()
        controllers.append(controller)
        return controller

    yield start
    for controller in controllers:
        controller.stop()


def alert(**changes: Any) -> AlertMessage:
    message = AlertMessage(
        alert_id="al-42",
        level="approaching",
        case_id="C-1",
        rule="rfi_response",
        citation="12 CFR 1024.36(d)(2)",
        clock_id="rfi_response:ev-3",
        due=date(2026, 7, 14),
        status="open",
        recipients=("mgr-7", "mgr7@servicer.example", "team-east@servicer.example"),
        routed_to=Route(manager_id="mgr-7", team="east"),
        created_at=NOW,
        text="rfi_response is due 2026-07-14",
    )
    return replace(message, **changes)


def test_the_alert_arrives_as_plain_text_to_the_address_recipients(smtp: Any) -> None:
    inbox = Inbox()
    server = smtp(inbox)
    EmailChannel("127.0.0.1", server.port, sender=SENDER).send(alert())
    ((mail_from, rcpt_tos, message),) = inbox.received
    assert mail_from == SENDER
    assert rcpt_tos == ["mgr7@servicer.example", "team-east@servicer.example"]  # "mgr-7" is an id, not an address
    assert message["Subject"] == "[APPROACHING] rfi_response due 2026-07-14, case C-1"
    assert message["Message-ID"] == "<al-42@servicer.example>"
    assert message["X-Alert-Id"] == "al-42"
    assert message.get_content_type() == "text/plain"
    body = message.get_payload(decode=True).decode().replace("\r\n", "\n")
    assert body.startswith("rfi_response is due 2026-07-14\n\n")
    assert "Rule: rfi_response (12 CFR 1024.36(d)(2))" in body
    assert "Due: 2026-07-14" in body and "Manager: mgr-7" in body and "Team: east" in body


def test_ids_only_recipients_go_to_the_fallback_list(smtp: Any) -> None:
    inbox = Inbox()
    server = smtp(inbox)
    channel = EmailChannel("127.0.0.1", server.port, sender=SENDER, fallback_recipients=["duty@servicer.example"])
    channel.send(alert(recipients=("mgr-7",)))
    assert [rcpt for _f, rcpt, _m in inbox.received] == [["duty@servicer.example"]]


def test_no_address_and_no_fallback_is_a_permanent_failure(smtp: Any) -> None:
    server = smtp(Inbox())
    with pytest.raises(DeliveryFailed) as failed:
        EmailChannel("127.0.0.1", server.port, sender=SENDER).send(alert(recipients=("mgr-7",)))
    assert not failed.value.retryable


def test_a_digest_subject_uses_its_first_line(smtp: Any) -> None:
    inbox = Inbox()
    server = smtp(inbox)
    digest = alert(
        level="digest",
        case_id=None,
        rule=None,
        citation=None,
        clock_id=None,
        due=None,
        text="3 open alerts for mgr-7\n...",
    )
    EmailChannel("127.0.0.1", server.port, sender=SENDER).send(digest)
    assert inbox.received[0][2]["Subject"] == "[DIGEST] 3 open alerts for mgr-7"


@pytest.mark.parametrize(("reply", "retryable"), [("550 5.1.1 no such user", False), ("451 4.3.0 try later", True)])
def test_refused_recipients(smtp: Any, reply: str, retryable: bool) -> None:
    server = smtp(Inbox(refuse={"mgr7@servicer.example": reply, "team-east@servicer.example": reply}))
    with pytest.raises(DeliveryFailed) as failed:
        EmailChannel("127.0.0.1", server.port, sender=SENDER).send(alert())
    assert failed.value.retryable is retryable
    assert "servicer.example" not in failed.value.reason


def test_one_refused_recipient_of_two_still_counts_as_delivered(smtp: Any) -> None:
    inbox = Inbox(refuse={"team-east@servicer.example": "550 no such user"})
    server = smtp(inbox)
    EmailChannel("127.0.0.1", server.port, sender=SENDER).send(alert())
    assert [rcpt for _f, rcpt, _m in inbox.received] == [["mgr7@servicer.example"]]


def test_a_server_that_is_down_is_a_retryable_failure() -> None:
    with pytest.raises(DeliveryFailed) as failed:
        EmailChannel("127.0.0.1", free_port(), sender=SENDER, timeout=2).send(alert())
    assert failed.value.retryable


def test_starttls_missing_on_the_server_is_a_permanent_failure(smtp: Any) -> None:
    server = smtp(Inbox())
    with pytest.raises(DeliveryFailed) as failed:
        EmailChannel("127.0.0.1", server.port, sender=SENDER, starttls=True).send(alert())
    assert not failed.value.retryable


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A throw-away self-signed certificate for 127.0.0.1."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    start = datetime.now(UTC) - timedelta(minutes=5)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return folder / "cert.pem", folder / "key.pem"


def tls_server(smtp: Any, inbox: Inbox, tls_files: tuple[Path, Path]) -> Controller:
    cert, key = tls_files
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    def authenticator(_server: Any, _session: Any, _envelope: Any, _mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (b"alerts", b"pa55word")
        # handled=False: aiosmtpd itself then answers 235 / 535.
        return AuthResult(success=ok, handled=False)

    # auth_require_tls (the default) makes the server refuse AUTH before STARTTLS.
    return smtp(inbox, tls_context=context, require_starttls=True, authenticator=authenticator, auth_required=True)


def test_starttls_and_login(smtp: Any, tls_files: tuple[Path, Path]) -> None:
    inbox = Inbox()
    server = tls_server(smtp, inbox, tls_files)
    client_context = ssl.create_default_context(cafile=str(tls_files[0]))
    channel = EmailChannel(
        "127.0.0.1",
        server.port,
        sender=SENDER,
        starttls=True,
        username="alerts",
        password="pa55word",
        ssl_context=client_context,
    )
    channel.send(alert())
    assert len(inbox.received) == 1


def test_a_wrong_password_is_a_permanent_failure(smtp: Any, tls_files: tuple[Path, Path]) -> None:
    inbox = Inbox()
    server = tls_server(smtp, inbox, tls_files)
    client_context = ssl.create_default_context(cafile=str(tls_files[0]))
    channel = EmailChannel(
        "127.0.0.1",
        server.port,
        sender=SENDER,
        starttls=True,
        username="alerts",
        password="wrong",
        ssl_context=client_context,
    )
    with pytest.raises(DeliveryFailed) as failed:
        channel.send(alert())
    assert (failed.value.reason, failed.value.retryable) == ("SMTP 535", False)
    assert inbox.received == []


def test_an_untrusted_certificate_is_refused(smtp: Any, tls_files: tuple[Path, Path]) -> None:
    server = tls_server(smtp, Inbox(), tls_files)
    channel = EmailChannel(
        "127.0.0.1", server.port, sender=SENDER, starttls=True, username="alerts", password="pa55word"
    )  # default context: the self-signed certificate is not trusted
    with pytest.raises(DeliveryFailed) as failed:
        channel.send(alert())
    assert failed.value.reason == "SMTP connection failed (SSLCertVerificationError)"
