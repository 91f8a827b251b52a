"""Regulation F checks on each contact: call frequency, calls after a conversation, inconvenient hours."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from functools import partial

from compliance.clock import Clock, Status, Trigger
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
    inconvenient_hour,
)
from compliance.deadlines import clock_id, trigger_of
from compliance.ei_scope import first_cease, not_in_force
from compliance.envelope import CaseEvent
from compliance.evaluation import Evaluation
from compliance.rulebook import Rule, rule

RULES = (rule(FREQUENCY), rule(CONVERSATION), rule(HOURS))
_CHECKS = tuple((r, r.id, r.id == HOURS, r.effective_from, r.effective_to, r.citation, r.kind) for r in RULES)
# An outbound contact that is not a telephone call is judged by the hour check alone (1006.6(b)(1)).
_TIMED_ONLY = tuple(check for check in _CHECKS if check[2])
_new = tuple.__new__
# Which rules findings(entry) holds a finding for, by (more than 7 calls, after a conversation), and the hour's.
_NONE_FOUND: frozenset[str] = frozenset()
_CALL_FINDINGS = {(True, True): frozenset({FREQUENCY, CONVERSATION}), (True, False): frozenset({FREQUENCY}),
                  (False, True): frozenset({CONVERSATION})}
_HOUR_FINDING = frozenset({HOURS})
NOT_COLLECTOR = (
    "the servicer is not an FDCPA debt collector for this loan (servicing acquired before default, FDCPA "
    "803(6)(F)(iii)): Regulation F does not bind it (reading regf_scope = debt_collector_only)"
)
WOULD_BE = "would be a presumed violation if Regulation F applied; UDAAP/state-law risk: "


def clocks(ev: Evaluation) -> list[Clock]:
    """One check clock per judged contact and rule; voided contacts leave cancelled checks behind."""
    entries = contact_ledger(ev)
    out: list[Clock] = []
    if entries:
        cease = first_cease(ev) if ev.profile.fdcpa_debt_collector else None
        out = judged(ev, entries, scope=_scope(ev), cease=cease)
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
    return judged(ev, (entry,), scope=scope, cease=cease)


def judged(
    ev: Evaluation, entries: Sequence[ContactEntry], *, scope: str | None, cease: CaseEvent | None = None
) -> list[Clock]:
    """contact_checks for each entry in turn (letters and portal messages, judged by no rule, yield none).

    One loop for the case: what every contact shares (the reading, the cease date, the calendar) is read once.
    """
    # The all-loans reading flags every check of a loan Regulation F does not bind (per case, not per contact).
    base: tuple[str, ...] = ("regf_scope_all_loans",) if not ev.profile.fdcpa_debt_collector and \
        ev.readings.regf_scope == "all_loans" else ()
    ceased_on = cease.on if cease is not None else None
    calendar = ev.calendar_name
    out: list[Clock] = []
    append = out.append
    for entry in entries:
        contact, party, _, _, local, _, is_call, is_timed, window, busy, _, through, stay = entry
        if not is_timed:  # judges(r, entry) is false for every rule: calls are timed too
            continue
        on = contact.on
        # The contact's flags: an automatic stay, a prior cease notice, the all-loans reading (per contact).
        flags = ("automatic_stay",) if stay is not None else ()
        if ceased_on is not None and ceased_on <= on:
            flags += ("after_cease_communication",)
        if base:
            flags += base
        # The rules findings(entry) has a finding for: the 8th call in 7 days, a call after a conversation, an hour
        # off (contact_ledger.inconvenient_hour). Their text is written only when read, like the derivation: most
        # findings are counted, not printed.
        found = _NONE_FOUND
        if is_call and (len(window) > MAX_CALLS or through is not None):
            found = _CALL_FINDINGS[len(window) > MAX_CALLS, through is not None]
        if local is not None and inconvenient_hour(local):
            found = found | _HOUR_FINDING
        trigger, suffix = _new(Trigger, (contact.id, contact.type, on, contact.at)), ":" + contact.id
        # _rule_flags(r, entry) adds a flag only for busy signals in the count or an attorney reached.
        special = busy or party == "attorney"
        for r, rule_id, hours, starts, ends, citation, kind in (_CHECKS if is_call else _TIMED_ONLY):
            rule_flags = flags + _rule_flags(r, entry) if special else flags
            # not_in_force(r, on) or scope, with the rule's dates read once.
            reason = scope if starts <= on and (ends is None or on < ends) else not_in_force(r, on)
            if reason is not None:
                status: Status = "not_applicable"
                finding = partial(_would_be, entry, rule_id) if rule_id in found else None
            elif hours and local is None:
                reason = "the contact has no timestamp (a correction gave a date only)"
                rule_flags = (*rule_flags, "no_timestamp")
                status, finding = "not_applicable", None
            elif rule_id in found:
                status, finding = "breached", partial(_finding, entry, rule_id)
            else:
                status, finding = "met", None
            # The lines are written only when read (CONTRACT §6 derivation): most checks are judged, not printed.
            append(_new(Clock, (rule_id + suffix, rule_id, citation, kind, trigger, status, calendar, None, None,
                                None, None, None, partial(_steps, r, entry, found, reason), (), reason, finding,
                                rule_flags)))
    return out


def _finding(entry: ContactEntry, rule_id: str) -> str:
    return findings(entry)[rule_id]


def _would_be(entry: ContactEntry, rule_id: str) -> str:
    return WOULD_BE + findings(entry)[rule_id]


def _steps(r: Rule, entry: ContactEntry, found: Collection[str], reason: str | None) -> tuple[str, ...]:
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


def _line(r: Rule, entry: ContactEntry, found: Collection[str]) -> str:
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
