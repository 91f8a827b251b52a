"""Regulation F checks on each contact: call frequency, calls after a conversation, inconvenient hours."""

from __future__ import annotations

from functools import partial

from compliance.clock import Clock, Status, new_trigger
from compliance.contact_ledger import (
    CONVERSATION,
    FREQUENCY,
    HOURS,
    MAX_CALLS,
    PERIOD,
    ContactEntry,
    contact_ledger,
    findings,
    hh_mm,
)
from compliance.deadlines import clock_id, trigger_of
from compliance.ei_scope import first_cease, not_in_force
from compliance.envelope import CaseEvent
from compliance.evaluation import Evaluation
from compliance.rulebook import Rule, rule

RULES = (rule(FREQUENCY), rule(CONVERSATION), rule(HOURS))
_CHECKS = tuple((r, r.id, r.id == HOURS, r.effective_from, r.effective_to, r.citation, r.kind) for r in RULES)
_new = tuple.__new__
_NONE_FOUND: dict[str, str] = {}
NOT_COLLECTOR = (
    "the servicer is not an FDCPA debt collector for this loan (servicing acquired before default, FDCPA "
    "803(6)(F)(iii)): Regulation F does not bind it (reading regf_scope = debt_collector_only)"
)
WOULD_BE = "would be a presumed violation if Regulation F applied; UDAAP/state-law risk: "


def clocks(ev: Evaluation) -> list[Clock]:
    """One check clock per judged contact and rule; voided contacts leave cancelled checks behind."""
    out: list[Clock] = []
    entries = contact_ledger(ev)
    if entries:
        scope = _scope(ev)
        cease = first_cease(ev) if ev.profile.fdcpa_debt_collector else None
        for entry in entries:
            if entry[7]:  # entry.is_timed: letters and portal messages are judged by no rule
                out += contact_checks(ev, entry, scope=scope, cease=cease)
    for voiding in ev.history.voidings:
        if voiding.voided.type == "contact_logged":
            out += _cancelled(ev, voiding.voided, voiding.by)
    return out


def ledger_json(ev: Evaluation) -> list[dict[str, object]]:
    """The Regulation F counters and findings at each contact (exports), and whether Regulation F binds it."""
    scope = _scope(ev)
    return [{**entry.to_json(), "regulation_f_applies": scope is None and RULES[0].in_force_on(entry.contact.on)}
            for entry in contact_ledger(ev)]


def judges(r: Rule, entry: ContactEntry) -> bool:
    """Whether the rule judges this contact: calls for 1006.14(b)(2); outbound contacts for 1006.6(b)(1)."""
    return entry.is_timed if r.id == HOURS else entry.is_call


def contact_checks(
    ev: Evaluation, entry: ContactEntry, *, scope: str | None, cease: CaseEvent | None = None
) -> list[Clock]:
    """Each rule's verdict on one contact: met, breached with a finding, or not applicable (with a would-be one)."""
    contact, party, _, _, local, _, is_call, is_timed, window, busy, _, through, stay = entry
    on = contact.on
    # The contact's flags: an automatic stay, a prior cease notice, the all-loans reading (per contact, not per rule).
    flags: tuple[str, ...] = ("automatic_stay",) if stay is not None else ()
    if cease is not None and cease.on <= on:
        flags += ("after_cease_communication",)
    if not ev.profile.fdcpa_debt_collector and ev.readings.regf_scope == "all_loans":
        flags += ("regf_scope_all_loans",)
    # findings(entry) is empty unless a call is the 8th in 7 days or follows a conversation, or the hour is off
    # (8 <= hour < 21 is EARLIEST <= time() < LATEST, 8:00 and 21:00 being whole hours, without a time object).
    suspect = (is_call and (len(window) > MAX_CALLS or through is not None)) or (
        is_timed and local is not None and not 8 <= local.hour < 21)
    found = findings(entry) if suspect else _NONE_FOUND
    trigger, calendar, suffix = new_trigger((contact.id, contact.type, on, contact.at)), ev.calendar_name, \
        ":" + contact.id
    out = []
    for r, rule_id, hours, starts, ends, citation, kind in _CHECKS:
        if not (is_timed if hours else is_call):  # judges(r, entry)
            continue
        finding = found.get(rule_id) if suspect else None
        # _rule_flags(r, entry): busy signals for the call count, an attorney for the hour check.
        rule_flags = flags + _rule_flags(r, entry) if busy or (hours and party == "attorney") else flags
        # not_in_force(r, on) or scope, with the rule's dates read once (three checks per contact).
        reason = scope if starts <= on and (ends is None or on < ends) else not_in_force(r, on)
        if reason is None:
            if hours and local is None:
                reason = "the contact has no timestamp (a correction gave a date only)"
                rule_flags = (*rule_flags, "no_timestamp")
                status: Status = "not_applicable"
            else:
                status = "met" if finding is None else "breached"
        else:
            status = "not_applicable"
            if finding is not None:
                finding = WOULD_BE + finding
        # The lines are written only when read (CONTRACT §6 derivation): most checks are judged, not printed.
        out.append(_new(Clock, (rule_id + suffix, rule_id, citation, kind, trigger, status, calendar, None, None,
                                None, None, None, partial(_steps, r, entry, found, reason), (), reason, finding,
                                rule_flags)))
    return out


def _steps(r: Rule, entry: ContactEntry, found: dict[str, str], reason: str | None) -> tuple[str, ...]:
    steps = (_head(entry), _line(r, entry, found))
    return steps if reason is None else (*steps, f"not applicable: {reason}")


def _scope(ev: Evaluation) -> str | None:
    if ev.profile.fdcpa_debt_collector or ev.readings.regf_scope == "all_loans":
        return None
    return NOT_COLLECTOR


def _head(entry: ContactEntry) -> str:
    data = entry.contact.data
    if entry.local is None:
        when = f"{entry.local_day} (no time recorded)"
    else:
        when = f"{entry.local_day} {hh_mm(entry.local)} {entry.local.tzname()}"
    return (f"{data.direction} {data.channel} to the {entry.party} ({data.outcome}) at {when} borrower-local, "  # type: ignore[attr-defined]
            f"{entry.zone} from {entry.zone_source}")


def _line(r: Rule, entry: ContactEntry, found: dict[str, str]) -> str:
    if r.id == FREQUENCY:
        calls = len(entry.calls_in_window)
        verdict = "more than 7: presumed violation" if calls > 7 else "7 or fewer: presumed compliance"
        return (f"outbound calls to the {entry.party} on {entry.local_day - PERIOD}..{entry.local_day}, this one "
                f"included: {calls}; {verdict} (12 CFR 1006.14(b)(2)(i)(A); inbound calls do not count)")
    if r.id == CONVERSATION and entry.conversation_through is not None:
        return (f"telephone conversation on {entry.conversation_through - PERIOD} is day 1; calls are barred "
                f"through day 7, {entry.conversation_through} (12 CFR 1006.14(b)(2)(i)(B))")
    if r.id == CONVERSATION:
        return f"no telephone conversation with the {entry.party} in the 7 days ending {entry.local_day}"
    if entry.local is None:
        return "no time of day recorded: the hour cannot be judged"
    inside = "outside" if HOURS in found else "within"
    return f"{hh_mm(entry.local)} is {inside} 8:00 a.m.-9:00 p.m. at the borrower's location (12 CFR 1006.6(b)(1)(i))"


def _rule_flags(r: Rule, entry: ContactEntry) -> tuple[str, ...]:
    if r.id == FREQUENCY and entry.busy_in_window:
        # 1006.14(b)(3)(iii): calls not connected to the dialed number are excluded; a busy signal may be one.
        return ("busy_calls_counted",)
    if r.id == HOURS and entry.party == "attorney":
        return ("attorney_contact",)
    return ()


def _cancelled(ev: Evaluation, contact: CaseEvent, by: CaseEvent) -> list[Clock]:
    data = contact.data
    call = data.channel == "phone" and data.direction == "outbound"  # type: ignore[attr-defined]
    timed = data.direction == "outbound" and data.channel in ("phone", "in_person", "email", "text")  # type: ignore[attr-defined]
    reason = f"trigger voided: {by.data.reason}"  # type: ignore[attr-defined]
    return [
        Clock(id=clock_id(r.id, contact), rule=r.id, citation=r.citation, kind=r.kind, trigger=trigger_of(contact),
              status="cancelled", calendar=ev.calendar.name, reason=reason,
              derivation=("cancelled: the contact was voided (entry_voided) and no longer counts",))
        for r in RULES if (timed if r.id == HOURS else call)
    ]
