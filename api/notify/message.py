"""The alert as it leaves the service: an immutable message with a PII-free JSON shape."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal, cast, get_args

Level = Literal["approaching", "breached", "escalated", "digest"]
LEVELS: tuple[str, ...] = get_args(Level)


@dataclass(frozen=True)
class Route:
    """Who the alert was routed to, from the case's latest `case_assigned` (or the configured fallback)."""

    manager_id: str | None
    team: str | None


@dataclass(frozen=True)
class AlertMessage:
    """One alert for one set of recipients; `text` is composed by the service, never borrower free text.

    Case, rule, citation and clock are None only for a `digest`, which covers many clocks.
    """

    alert_id: str
    level: Level
    case_id: str | None
    rule: str | None
    citation: str | None
    clock_id: str | None
    due: date | None
    status: str
    recipients: tuple[str, ...]
    routed_to: Route
    created_at: datetime
    text: str

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"unknown alert level {self.level!r}; expected one of {LEVELS}")
        if self.created_at.utcoffset() is None:
            raise ValueError("created_at must be timezone-aware")
        # Accept any sequence (a list from JSON) but keep the value hashable and immutable.
        object.__setattr__(self, "recipients", tuple(self.recipients))

    def to_json(self) -> dict[str, object]:
        """The wire shape: ids, dates and the service's own text only (CONTRACT §2: no borrower_ref)."""
        return {
            "alert_id": self.alert_id,
            "level": self.level,
            "case_id": self.case_id,
            "rule": self.rule,
            "citation": self.citation,
            "clock_id": self.clock_id,
            "due": self.due.isoformat() if self.due else None,
            "status": self.status,
            "recipients": list(self.recipients),
            "routed_to": {"manager_id": self.routed_to.manager_id, "team": self.routed_to.team},
            "created_at": self.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "text": self.text,
        }

    def to_body(self) -> bytes:
        """The JSON body sent and stored: sorted keys, no insignificant whitespace, UTF-8."""
        return json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> AlertMessage:
        """Rebuild a message from its wire shape (a stored delivery being retried)."""
        routed = cast(Mapping[str, str | None], data["routed_to"])
        due = data.get("due")
        return cls(
            alert_id=str(data["alert_id"]),
            level=cast(Level, data["level"]),
            case_id=cast(str | None, data.get("case_id")),
            rule=cast(str | None, data.get("rule")),
            citation=cast(str | None, data.get("citation")),
            clock_id=cast(str | None, data.get("clock_id")),
            due=date.fromisoformat(str(due)) if due else None,
            status=str(data["status"]),
            recipients=tuple(cast(list[str], data["recipients"])),
            routed_to=Route(manager_id=routed.get("manager_id"), team=routed.get("team")),
            created_at=datetime.fromisoformat(str(data["created_at"]).replace("Z", "+00:00")),
            text=str(data["text"]),
        )

    @classmethod
    def from_body(cls, body: bytes | str) -> AlertMessage:
        """Rebuild a message from the bytes `to_body` produced."""
        return cls.from_json(json.loads(body))
