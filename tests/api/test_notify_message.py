"""AlertMessage: the PII-free wire shape, its round trip, and the level check."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from api.notify import AlertMessage, Route

CREATED = datetime(2026, 7, 10, 15, 0, tzinfo=UTC)


def breach(**changes: object) -> AlertMessage:
    message = AlertMessage(
        alert_id="al-1",
        level="breached",
        case_id="C-1",
        rule="lm_ack_notice",
        citation="12 CFR 1024.41(b)(2)(i)(B)",
        clock_id="lm_ack_notice:ev-1",
        due=date(2026, 7, 9),
        status="breached",
        recipients=("mgr-7", "team-east@servicer.example"),
        routed_to=Route(manager_id="mgr-7", team="east"),
        created_at=CREATED,
        text="lm_ack_notice was due 2026-07-09 and is breached",
    )
    return replace(message, **changes)  # type: ignore[arg-type]


def test_to_json_has_exactly_the_public_fields() -> None:
    assert breach().to_json() == {
        "alert_id": "al-1",
        "level": "breached",
        "case_id": "C-1",
        "rule": "lm_ack_notice",
        "citation": "12 CFR 1024.41(b)(2)(i)(B)",
        "clock_id": "lm_ack_notice:ev-1",
        "due": "2026-07-09",
        "status": "breached",
        "recipients": ["mgr-7", "team-east@servicer.example"],
        "routed_to": {"manager_id": "mgr-7", "team": "east"},
        "created_at": "2026-07-10T15:00:00Z",
        "text": "lm_ack_notice was due 2026-07-09 and is breached",
    }


def test_no_borrower_fields_in_the_body() -> None:
    body = json.loads(breach().to_body())
    assert not {"borrower_ref", "borrower_name", "summary", "name", "address"} & body.keys()


def test_body_is_canonical_json() -> None:
    body = breach().to_body()
    assert body == json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()


def test_round_trip_through_the_body() -> None:
    message = breach()
    assert AlertMessage.from_body(message.to_body()) == message


def test_round_trip_of_a_digest_without_clock() -> None:
    digest = breach(level="digest", case_id=None, rule=None, citation=None, clock_id=None, due=None, status="open")
    assert AlertMessage.from_body(digest.to_body()) == digest


def test_created_at_is_rendered_in_utc() -> None:
    eastern = CREATED.astimezone(timezone(timedelta(hours=-4)))
    assert breach(created_at=eastern).to_json()["created_at"] == "2026-07-10T15:00:00Z"


def test_recipients_given_as_a_list_become_a_tuple() -> None:
    message = breach(recipients=["mgr-7"])
    assert message.recipients == ("mgr-7",)
    hash(message)


def test_unknown_level_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown alert level"):
        breach(level="urgent")


def test_naive_created_at_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        breach(created_at=datetime(2026, 7, 10, 15, 0))
