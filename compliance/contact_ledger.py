"""Regulation F counters per contact: borrower-local time, 7-day call count, conversation period and findings."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from compliance.bankruptcy import BankruptcyCase, bankruptcy_cases, debtor_case
from compliance.envelope import CaseEvent
from compliance.evaluation import Evaluation

FREQUENCY, CONVERSATION, HOURS = "regf_call_frequency", "regf_call_after_conversation", "contact_inconvenient_time"
MAX_CALLS = 7  # 1006.14(b)(2)(i)(A): "more than seven times within seven consecutive days"
PERIOD = timedelta(days=6)  # seven consecutive days, the first (or last) counted as day 1
EARLIEST, LATEST = time(8, 0), time(21, 0)  # 1006.6(b)(1)(i): before 8 a.m. or after 9 p.m. local time
TIMED_CHANNELS = frozenset({"phone", "in_person", "email", "text"})


@dataclass(frozen=True)
class ContactEntry:
    """One contact_logged as Regulation F sees it, with every counter an examiner asks for."""

    contact: CaseEvent
    zone: str
    zone_source: str
    local: datetime | None
    calls_in_window: tuple[CaseEvent, ...]
    conversation: CaseEvent | None
    conversation_through: date | None
    stay: BankruptcyCase | None
    findings: dict[str, str] = field(default_factory=dict)

    @property
    def local_day(self) -> date:
        """The borrower-local date (the case's legal date when no timestamp is known)."""
        return self.local.date() if self.local else self.contact.on

    @property
    def is_call(self) -> bool:
        """An outbound telephone call: what 1006.14(b)(2) counts (inbound calls do not count)."""
        data = self.contact.data
        return data.channel == "phone" and data.direction == "outbound"  # type: ignore[attr-defined]

    @property
    def is_timed(self) -> bool:
        """An outbound communication or attempt whose hour 1006.6(b)(1)(i) judges (letters and portal excluded)."""
        data = self.contact.data
        return data.direction == "outbound" and data.channel in TIMED_CHANNELS  # type: ignore[attr-defined]

    def to_json(self) -> dict[str, object]:
        """The counters and findings at this contact, for exports (ids and dates only, no borrower data)."""
        return {
            "event_id": self.contact.id,
            "at": self.contact.at.isoformat() if self.contact.at else None,
            "borrower_local": self.local.isoformat() if self.local else None,
            "zone": self.zone,
            "party": self.contact.data.party,  # type: ignore[attr-defined]
            "outbound_call": self.is_call,
            "calls_in_7_days": len(self.calls_in_window),
            "conversation_period": None if self.conversation is None else {
                "conversation": self.conversation.id, "through": self.conversation_through.isoformat()  # type: ignore[union-attr]
            },
            "automatic_stay": self.stay is not None,
            "findings": dict(self.findings),
        }


def contact_ledger(ev: Evaluation) -> tuple[ContactEntry, ...]:
    """Every effective contact_logged in the order it happened, with its Regulation F counters and findings."""
    contacts = sorted(ev.history.of_type("contact_logged"), key=lambda e: _instant(e, ev.zone))
    cases = bankruptcy_cases(ev.history)
    entries: list[ContactEntry] = []
    for contact in contacts:
        zone, source = _zone(ev, contact)
        local = contact.at.astimezone(ZoneInfo(zone)) if contact.at else None
        draft = ContactEntry(contact, zone, source, local, (), None, None, debtor_case(cases, contact.on))
        calls = _window_calls(draft, [e for e in entries if e.is_call], include_self=draft.is_call)
        conversation = _running_conversation(draft, entries)
        through = conversation.local_day + PERIOD if conversation else None
        entry = ContactEntry(contact, zone, source, local, calls, conversation.contact if conversation else None,
                             through, draft.stay)
        entries.append(replace(entry, findings=findings(entry)))
    return tuple(entries)


def findings(entry: ContactEntry) -> dict[str, str]:
    """What the contact would violate, rule by rule (whether the rule binds this servicer is decided later)."""
    out: dict[str, str] = {}
    party = entry.contact.data.party  # type: ignore[attr-defined]
    if entry.is_call and len(entry.calls_in_window) > MAX_CALLS:
        first = entry.local_day - PERIOD
        out[FREQUENCY] = (f"call number {len(entry.calls_in_window)} to the {party} within the 7 consecutive days "
                          f"{first}..{entry.local_day}: more than 7 calls is a presumed violation "
                          "(12 CFR 1006.14(b)(2)(i)(A); FDCPA 806(5))")
    if entry.is_call and entry.conversation is not None:
        out[CONVERSATION] = (f"call on {entry.local_day} within 7 days after a telephone conversation with the {party} "
                             f"(day 1 {entry.conversation_through - PERIOD}, day 7 {entry.conversation_through}): "  # type: ignore[operator]
                             "presumed violation (12 CFR 1006.14(b)(2)(i)(B))")
    if entry.is_timed and entry.local is not None and not EARLIEST <= entry.local.time() < LATEST:
        side = "before 8:00 a.m." if entry.local.time() < EARLIEST else "at or after 9:00 p.m."
        out[HOURS] = (f"{entry.contact.data.channel} at {entry.local:%H:%M} {entry.local.tzname()} borrower-local "  # type: ignore[attr-defined]
                      f"({entry.zone}), {side}: presumed inconvenient (12 CFR 1006.6(b)(1)(i); FDCPA 805(a)(1))")
    return out


def _instant(contact: CaseEvent, zone: ZoneInfo) -> tuple[datetime, int]:
    # A contact whose timestamp a correction replaced by a plain date sorts at the start of that day.
    at = contact.at or datetime.combine(contact.on, time(0), zone)
    return at, contact.version


def _zone(ev: Evaluation, contact: CaseEvent) -> tuple[str, str]:
    own = contact.data.borrower_timezone  # type: ignore[attr-defined]
    return (own, "the contact's borrower_timezone") if own else (ev.profile.timezone, "the case's time zone")


def _window_calls(entry: ContactEntry, calls: list[ContactEntry], *, include_self: bool) -> tuple[CaseEvent, ...]:
    # 1006.14(b)(2)(i)(A): calls to the same person in the 7 consecutive days ending on this contact's day.
    party, first = entry.contact.data.party, entry.local_day - PERIOD  # type: ignore[attr-defined]
    counted = [c.contact for c in calls if c.contact.data.party == party and first <= c.local_day <= entry.local_day]  # type: ignore[attr-defined]
    return (*counted, entry.contact) if include_self else tuple(counted)


def _running_conversation(entry: ContactEntry, earlier: list[ContactEntry]) -> ContactEntry | None:
    # 1006.14(b)(2)(i)(B): a telephone conversation (either side calling) opens 7 days, its date being day 1.
    party = entry.contact.data.party  # type: ignore[attr-defined]
    for previous in reversed(earlier):
        data = previous.contact.data
        if data.channel != "phone" or data.outcome != "live_contact" or data.party != party:  # type: ignore[attr-defined]
            continue
        if entry.local_day <= previous.local_day + PERIOD:
            return previous
    return None
