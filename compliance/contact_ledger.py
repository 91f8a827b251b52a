"""Regulation F counters per contact: borrower-local time, 7-day call count, conversation period and findings."""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True, slots=True)
class ContactEntry:
    """One contact_logged as Regulation F sees it, with every counter an examiner asks for."""

    contact: CaseEvent
    party: str
    zone: str
    zone_source: str
    local: datetime | None
    # The borrower-local date (the case's legal date when a correction left no timestamp).
    local_day: date
    # An outbound telephone call: what 1006.14(b)(2) counts (inbound calls do not count).
    is_call: bool
    # An outbound communication or attempt whose hour 1006.6(b)(1)(i) judges (letters and portal excluded).
    is_timed: bool
    calls_in_window: tuple[CaseEvent, ...]
    # How many of those calls got a busy signal (1006.14(b)(3)(iii) may exclude calls not connected).
    busy_in_window: int
    conversation: CaseEvent | None
    conversation_through: date | None
    stay: BankruptcyCase | None

    def to_json(self) -> dict[str, object]:
        """The counters and findings at this contact, for exports (ids and dates only, no borrower data)."""
        period = None
        if self.conversation is not None and self.conversation_through is not None:
            period = {"conversation": self.conversation.id, "through": self.conversation_through.isoformat()}
        return {
            "event_id": self.contact.id,
            "at": self.contact.at.isoformat() if self.contact.at else None,
            "borrower_local": self.local.isoformat() if self.local else None,
            "zone": self.zone,
            "party": self.party,
            "outbound_call": self.is_call,
            "calls_in_7_days": len(self.calls_in_window),
            "conversation_period": period,
            "automatic_stay": self.stay is not None,
            "findings": findings(self),
        }


def contact_ledger(ev: Evaluation) -> tuple[ContactEntry, ...]:
    """Every effective contact_logged in the order it happened, with its Regulation F counters and findings."""
    contacts = sorted(ev.history.of_type("contact_logged"), key=lambda e: _instant(e, ev.zone))
    cases = bankruptcy_cases(ev.history)
    calls: dict[str, list[tuple[date, CaseEvent, bool]]] = {}
    talks: dict[str, tuple[date, CaseEvent]] = {}
    entries = []
    for contact in contacts:
        data = contact.data
        zone, source = (data.borrower_timezone, "the contact's borrower_timezone") if data.borrower_timezone else (  # type: ignore[attr-defined]
            ev.profile.timezone, "the case's time zone")
        local = contact.at.astimezone(ZoneInfo(zone)) if contact.at else None
        day, party = local.date() if local else contact.on, data.party  # type: ignore[attr-defined]
        is_call = data.channel == "phone" and data.direction == "outbound"  # type: ignore[attr-defined]
        placed = calls.setdefault(party, [])
        if is_call:
            placed.append((day, contact, data.outcome == "busy"))  # type: ignore[attr-defined]
        # 1006.14(b)(2)(i)(A): calls to the same person in the 7 consecutive days ending on this contact's day.
        window = [(c, busy) for d, c, busy in placed if day - PERIOD <= d <= day]
        # 1006.14(b)(2)(i)(B): a telephone conversation (either side calling) opens 7 days, its date being day 1.
        talk = talks.get(party)
        running = talk if talk is not None and day <= talk[0] + PERIOD else None
        entry = ContactEntry(
            contact, party, zone, source, local, day, is_call,
            data.direction == "outbound" and data.channel in TIMED_CHANNELS,  # type: ignore[attr-defined]
            tuple(c for c, _ in window), sum(busy for _, busy in window),
            running[1] if running else None, running[0] + PERIOD if running else None,
            debtor_case(cases, contact.on),
        )
        entries.append(entry)
        if data.channel == "phone" and data.outcome == "live_contact":  # type: ignore[attr-defined]
            talks[party] = (day, contact)
    return tuple(entries)


def findings(entry: ContactEntry) -> dict[str, str]:
    """What the contact would violate, rule by rule (whether the rule binds this servicer is decided later)."""
    out: dict[str, str] = {}
    if entry.is_call and len(entry.calls_in_window) > MAX_CALLS:
        first = entry.local_day - PERIOD
        out[FREQUENCY] = (f"call number {len(entry.calls_in_window)} to the {entry.party} within the 7 consecutive "
                          f"days {first}..{entry.local_day}: more than 7 calls is a presumed violation "
                          "(12 CFR 1006.14(b)(2)(i)(A); FDCPA 806(5))")
    if entry.is_call and entry.conversation_through is not None:
        out[CONVERSATION] = (f"call on {entry.local_day} within 7 days after a telephone conversation with the "
                             f"{entry.party} (day 1 {entry.conversation_through - PERIOD}, day 7 "
                             f"{entry.conversation_through}): presumed violation (12 CFR 1006.14(b)(2)(i)(B))")
    local = entry.local
    if entry.is_timed and local is not None and not EARLIEST <= local.time() < LATEST:
        side = "before 8:00 a.m." if local.time() < EARLIEST else "at or after 9:00 p.m."
        out[HOURS] = (f"{entry.contact.data.channel} at {hh_mm(local)} {local.tzname()} borrower-local "  # type: ignore[attr-defined]
                      f"({entry.zone}), {side}: presumed inconvenient (12 CFR 1006.6(b)(1)(i); FDCPA 805(a)(1))")
    return out


def hh_mm(moment: datetime) -> str:
    """"07:45" (cheaper than strftime on the hot path)."""
    return f"{moment.hour:02d}:{moment.minute:02d}"


def _instant(contact: CaseEvent, zone: ZoneInfo) -> tuple[datetime, int]:
    # A contact whose timestamp a correction replaced by a plain date sorts at the start of that day.
    at = contact.at or datetime.combine(contact.on, time(0), zone)
    return at, contact.version
