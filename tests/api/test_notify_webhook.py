"""Webhook channel against a real local HTTP server that checks signatures and fails on command."""

from __future__ import annotations

import email
import socket
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import Engine
from structlog.testing import capture_logs

from api.notify import (
    AlertMessage,
    DeliveryFailed,
    EmailChannel,
    LogChannel,
    RetryPolicy,
    Route,
    SignatureRejected,
    WebhookChannel,
    deliver,
    retry_due,
    verify_signature,
)
from audit import deliveries
from audit.database import make_engine
from audit.migrate import upgrade

SECRET = "webhook-secret-for-tests"
NOW = datetime(2026, 7, 10, 15, 0, tzinfo=UTC)
POLICY = RetryPolicy(max_attempts=4, base_delay=timedelta(seconds=10))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Receiver(ThreadingHTTPServer):
    """Answers each POST with the next scripted status (then 200), after checking its signature (401)."""

    def __init__(self, *, statuses: list[int], always: int | None = None) -> None:
        super().__init__(("127.0.0.1", 0), ReceiverHandler)
        self.statuses, self.always = list(statuses), always
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.url = f"http://127.0.0.1:{self.server_address[1]}/hooks/compliance"

    def answer(self, headers: dict[str, str], body: bytes) -> int:
        self.requests.append((headers, body))
        try:
            verify_signature(SECRET, body, headers=headers, now=datetime.now(UTC))
        except SignatureRejected:
            return 401
        if self.always is not None:
            return self.always
        return self.statuses.pop(0) if self.statuses else 200


class ReceiverHandler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        status = self.server.answer(dict(self.headers.items()), body)
        self.send_response(status)
        if status == 302:
            self.send_header("Location", "/elsewhere")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def serve() -> Iterator[object]:
    servers: list[Receiver] = []

    def start(*statuses: int, always: int | None = None) -> Receiver:
        server = Receiver(statuses=list(statuses), always=always)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


class Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, _server: object, _session: object, envelope: object) -> str:  # noqa: N802
        self.messages.append(envelope.content)  # type: ignore[attr-defined]
        return "250 OK"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'deliveries.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


def alert() -> AlertMessage:
    return AlertMessage(
        alert_id=f"al-{uuid.uuid4().hex[:10]}",
        level="approaching",
        case_id="C-1",
        rule="rfi_response",
        citation="12 CFR 1024.36(d)(2)",
        clock_id="rfi_response:ev-3",
        due=date(2026, 7, 14),
        status="open",
        recipients=("mgr-7", "mgr7@servicer.example"),
        routed_to=Route(manager_id="mgr-7", team="east"),
        created_at=NOW,
        text="rfi_response is due 2026-07-14",
    )


def hook(server: Receiver, secret: str = SECRET) -> WebhookChannel:
    return WebhookChannel(server.url, secret, name="webhook")


def test_posts_the_signed_json_body(serve) -> None:  # type: ignore[no-untyped-def]
    server, message = serve(), alert()
    hook(server).send(message)
    ((headers, body),) = server.requests
    assert body == message.to_body()
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Alert-Id"] == message.alert_id
    verify_signature(SECRET, body, headers=headers, now=datetime.now(UTC))


def test_a_receiver_failing_twice_gets_the_alert_on_the_third_attempt(serve, store: Engine) -> None:  # type: ignore[no-untyped-def]
    server, message = serve(503, 502), alert()
    channel = hook(server)
    deliver(message, [channel], store=store, now=NOW, policy=POLICY)
    retry_due([channel], store=store, now=NOW + timedelta(seconds=10), policy=POLICY)
    (last,) = retry_due([channel], store=store, now=NOW + timedelta(seconds=30), policy=POLICY)
    assert (last.attempt, last.result) == (3, "delivered")
    assert [body for _h, body in server.requests] == [message.to_body()] * 3
    assert [(a.attempt, a.outcome, a.error) for a in deliveries.attempts(store, alert_id=message.alert_id)] == [
        (1, "retry_scheduled", "HTTP 503"),
        (2, "retry_scheduled", "HTTP 502"),
        (3, "delivered", None),
    ]


def test_a_receiver_always_failing_is_dead_lettered_while_log_and_email_deliver(serve, store: Engine) -> None:  # type: ignore[no-untyped-def]
    server, message, inbox = serve(always=500), alert(), Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        mail = EmailChannel("127.0.0.1", controller.port, sender="alerts@servicer.example")
        channels = [hook(server), LogChannel(), mail]
        with capture_logs() as logs:
            first = deliver(message, channels, store=store, now=NOW, policy=POLICY)
            for seconds in (10, 30, 70, 150, 310):
                retry_due(channels, store=store, now=NOW + timedelta(seconds=seconds), policy=POLICY)
    finally:
        controller.stop()
    assert {r.channel: r.result for r in first} == {
        "webhook": "retry_scheduled",
        "log": "delivered",
        "email": "delivered",
    }
    assert {(d.channel, d.state, d.attempts) for d in deliveries.deliveries(store, alert_id=message.alert_id)} == {
        ("webhook", "dead_letter", 4),
        ("log", "delivered", 1),
        ("email", "delivered", 1),
    }
    assert len(server.requests) == POLICY.max_attempts
    assert len(inbox.messages) == 1
    assert [line["event"] for line in logs].count("alert_delivered") == 1


def test_a_client_error_is_not_retried(serve, store: Engine) -> None:  # type: ignore[no-untyped-def]
    server, message = serve(always=400), alert()
    channel = hook(server)
    (result,) = deliver(message, [channel], store=store, now=NOW, policy=POLICY)
    assert (result.result, result.error) == ("dead_letter", "HTTP 400")
    assert retry_due([channel], store=store, now=NOW + timedelta(days=1), policy=POLICY) == []
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    ("status", "retryable"),
    [(500, True), (503, True), (408, True), (429, True), (400, False), (404, False), (410, False), (302, False)],
)
def test_status_classification(serve, status: int, retryable: bool) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DeliveryFailed) as failed:
        hook(serve(always=status)).send(alert())
    assert (failed.value.reason, failed.value.retryable) == (f"HTTP {status}", retryable)


def test_a_wrong_secret_is_refused_by_the_receiver_and_not_retried(serve) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DeliveryFailed) as failed:
        hook(serve(), secret="not-the-shared-secret").send(alert())
    assert (failed.value.reason, failed.value.retryable) == ("HTTP 401", False)


def test_connection_refused_is_retryable_and_hides_the_url() -> None:
    url = f"http://127.0.0.1:{free_port()}/hooks?token=abc123"
    with pytest.raises(DeliveryFailed) as failed:
        WebhookChannel(url, SECRET).send(alert())
    assert failed.value.retryable
    assert "abc123" not in failed.value.reason and "127.0.0.1" not in failed.value.reason


def test_a_timeout_is_retryable() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    channel = WebhookChannel("https://hooks.example/x?token=abc123", SECRET, transport=httpx.MockTransport(slow))
    with pytest.raises(DeliveryFailed) as failed:
        channel.send(alert())
    assert failed.value.retryable and failed.value.reason == "timeout (ReadTimeout)"


def test_the_default_name_is_stable_and_does_not_reveal_the_url() -> None:
    first = WebhookChannel("https://hooks.example/x?token=abc123", SECRET)
    again = WebhookChannel("https://hooks.example/x?token=abc123", SECRET)
    other = WebhookChannel("https://hooks.example/y", SECRET)
    assert first.name == again.name != other.name
    assert first.name.startswith("webhook-") and "abc123" not in first.name


def test_the_email_sent_alongside_is_the_alert(serve) -> None:  # type: ignore[no-untyped-def]
    # Guards the combined test above: the inbox message really is this alert, not any mail.
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        message = alert()
        EmailChannel("127.0.0.1", controller.port, sender="alerts@servicer.example").send(message)
    finally:
        controller.stop()
    (raw,) = inbox.messages
    assert email.message_from_bytes(raw)["X-Alert-Id"] == message.alert_id
