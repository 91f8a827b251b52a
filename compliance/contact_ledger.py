"""Regulation F counters per contact: borrower-local time, 7-day call count, conversation period and findings."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from compliance.bankruptcy import BankruptcyCase, bankruptcy_cases, stayed_case
from compliance.envelope import CaseEvent
from compliance.evaluation import Evaluation

FREQUENCY, CONVERSATION, HOURS = "regf_call_frequency", "regf_call_after_conversation", "contact_inconvenient_time"
MAX_CALLS = 7  # 1006.14(b)(2)(i)(A): "more than seven times within seven consecutive days"
PERIOD = timedelta(days=6)  # seven consecutive days, the first (or last) counted as day 1
EARLIEST, LATEST = time(8, 0), time(21, 0)  # 1006.6(b)(1)(i): before 8 a.m. or after 9 p.m. local time
TIMED_CHANNELS = frozenset({"phone", "in_person", "email", "text"})
NO_TALK = (None, None)
_NO_CALLS: tuple[tuple[CaseEvent, ...], int] = ((), 0)
# ContactEntry(...) in one C call (a named tuple's generated __new__ is a Python frame): one per contact.
_new = tuple.__new__


def inconvenient_hour(local: datetime) -> bool:
    """FDCPA 805(a)(1), 1006.6(b)(1)(i): before 8 o'clock a.m. or AFTER 9 o'clock p.m.; 9:00:00 itself is allowed."""
    hour = local.hour
    return hour < 8 or hour > 21 or (hour == 21 and local.time() != LATEST)


class ContactEntry(NamedTuple):
    """One contact_logged as Regulation F sees it, with every counter an examiner asks for.

    A named tuple rather than a frozen dataclass: a portfolio scan builds one per contact, millions in all.
    """

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
    return ev.memo("contact_ledger", _ledger)


def _ledger(ev: Evaluation) -> tuple[ContactEntry, ...]:
    contacts = ev.history.of_type("contact_logged")
    if not contacts:
        return ()
    if len(contacts) > 1:
        contacts = _in_time_order(ev, contacts)
    cases = bankruptcy_cases(ev.history)
    calls: dict[str, _Placed] = {}
    talks: dict[str, tuple[date, CaseEvent]] = {}
    zones: dict[str, ZoneInfo] = {}
    entries = []
    profile_zone = ev.profile.timezone
    for contact in contacts:
        data = contact.data
        zone, source = (data.borrower_timezone, "the contact's borrower_timezone") if data.borrower_timezone else (  # type: ignore[attr-defined]
            profile_zone, "the case's time zone")
        tz = zones.get(zone)
        if tz is None:
            tz = zones[zone] = ZoneInfo(zone)
        at = contact.at
        local = at.astimezone(tz) if at else None
        day, party, channel = local.date() if local else contact.on, data.party, data.channel  # type: ignore[attr-defined]
        outbound = data.direction == "outbound"  # type: ignore[attr-defined]
        is_call = channel == "phone" and outbound
        # Calls to this party so far: none yet (and this contact no call) is an empty window, without bookkeeping.
        window, busy = (_calls_in_window(calls, party, day, contact if is_call else None)
                        if is_call or party in calls else _NO_CALLS)
        # 1006.14(b)(2)(i)(B): a telephone conversation (either side calling) opens 7 days, its date being day 1.
        talk = talks.get(party)
        talked, through = (talk[1], talk[0] + PERIOD) if talk is not None and day <= talk[0] + PERIOD else NO_TALK
        entries.append(_new(ContactEntry, (
            contact, party, zone, source, local, day, is_call, outbound and channel in TIMED_CHANNELS,
            window, busy, talked, through, stayed_case(cases, contact.on) if cases else None,
        )))
        if channel == "phone" and data.outcome == "live_contact":  # type: ignore[attr-defined]
            talks[party] = (day, contact)
    return tuple(entries)


def _calls_in_window(
    calls: dict[str, _Placed], party: str, day: date, call: CaseEvent | None
) -> tuple[tuple[CaseEvent, ...], int]:
    # 1006.14(b)(2)(i)(A): calls to the same person in the 7 consecutive days ending on this contact's day
    # (this call included), and how many of them got a busy signal.
    placed = calls.get(party)
    if placed is None:
        placed = calls[party] = _Placed([], [], [], [True])
    days, made, busy_flags, in_order = placed
    if call is not None:
        if days and day < days[-1]:
            in_order[0] = False  # local days can step back when borrower time zones differ between calls
        days.append(day)
        made.append(call)
        busy_flags.append(call.data.outcome == "busy")  # type: ignore[attr-defined]
    first = day - PERIOD
    if in_order[0]:
        low, high = bisect_left(days, first), bisect_right(days, day)
        return tuple(made[low:high]), sum(busy_flags[low:high])
    inside = [first <= placed_on <= day for placed_on in days]
    window = tuple(placed_call for placed_call, keep in zip(made, inside, strict=True) if keep)
    return window, sum(got_busy for got_busy, keep in zip(busy_flags, inside, strict=True) if keep)


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
    if entry.is_timed and local is not None and inconvenient_hour(local):
        side = "before 8:00 a.m." if local.time() < EARLIEST else "after 9:00 p.m."
        out[HOURS] = (f"{entry.contact.data.channel} at {hh_mm(local)} {local.tzname()} borrower-local "  # type: ignore[attr-defined]
                      f"({entry.zone}), {side}: presumed inconvenient (12 CFR 1006.6(b)(1)(i); FDCPA 805(a)(1))")
    return out


class _Placed(NamedTuple):
    # One party's outbound calls so far: their local days, events and busy signals, and whether the days
    # are still in order (then a 7-day window is a slice found by bisection).
    days: list[date]
    calls: list[CaseEvent]
    busy: list[bool]
    in_order: list[bool]


def hh_mm(moment: datetime) -> str:
    """"07:45", or "21:00:30" when the seconds matter (cheaper than strftime on the hot path)."""
    if moment.second or moment.microsecond:
        return f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}"
    return f"{moment.hour:02d}:{moment.minute:02d}"


def _in_time_order(ev: Evaluation, contacts: list[CaseEvent]) -> list[CaseEvent]:
    # sorted(contacts, key=_instant), on POSIX timestamps: timed contacts carry fixed UTC offsets, so instants
    # order them exactly as their datetimes would, without a utcoffset() pair per comparison. The index keeps
    # the sort stable; the timestamps are kept for ordering the clocks they trigger.
    stamps = ev.stamps
    keyed = []
    for index, contact in enumerate(contacts):
        at = contact.at
        if at is None:
            moment = _instant(contact, ev.zone)[0].timestamp()
        else:
            # stamps[at], filled here rather than by Stamps.__missing__ (a Python call per contact).
            moment = stamps.get(at)
            if moment is None:
                moment = stamps[at] = at.timestamp()
        keyed.append((moment, contact.version, index))
    keyed.sort()
    return [contacts[key[2]] for key in keyed]


def _instant(contact: CaseEvent, zone: ZoneInfo) -> tuple[datetime, int]:
    # A contact whose timestamp a correction replaced by a plain date sorts at the start of that day.
    at = contact.at or datetime.combine(contact.on, time(0), zone)
    return at, contact.version
