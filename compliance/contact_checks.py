"""Regulation F checks on each contact: call frequency, calls after a conversation, inconvenient hours."""

from __future__ import annotations

from compliance.clock import Clock
from compliance.contact_ledger import CONVERSATION, FREQUENCY, HOURS, PERIOD, ContactEntry, contact_ledger
from compliance.deadlines import clock_id, trigger_of
from compliance.derived_deadline import inapplicable_clock
from compliance.ei_scope import cease_notice, not_in_force
from compliance.envelope import CaseEvent
from compliance.evaluation import Evaluation
from compliance.rulebook import Rule, rule

RULES = (rule(FREQUENCY), rule(CONVERSATION), rule(HOURS))
NOT_COLLECTOR = (
    "the servicer is not an FDCPA debt collector for this loan (servicing acquired before default, FDCPA "
    "803(6)(F)(iii)): Regulation F does not bind it (reading regf_scope = debt_collector_only)"
)


def clocks(ev: Evaluation) -> list[Clock]:
    """One check clock per judged contact and rule; voided contacts leave cancelled checks behind."""
    out = [check(ev, r, entry) for entry in contact_ledger(ev) for r in RULES if judges(r, entry)]
    for voiding in ev.history.voidings:
        if voiding.voided.type == "contact_logged":
            out += _cancelled(ev, voiding.voided, voiding.by)
    return out


def judges(r: Rule, entry: ContactEntry) -> bool:
    """Whether the rule judges this contact: calls for 1006.14(b)(2); outbound contacts for 1006.6(b)(1)."""
    return entry.is_timed if r.id == HOURS else entry.is_call


def check(ev: Evaluation, r: Rule, entry: ContactEntry) -> Clock:
    """The rule's verdict on one contact: met, breached with a finding, or not applicable with the would-be finding."""
    steps, flags = _steps(ev, r, entry), _flags(ev, r, entry)
    finding = entry.findings.get(r.id)
    reason = not_in_force(r, entry.contact.on) or _scope(ev)
    if reason is not None:
        would = f"would be a presumed violation if Regulation F applied; UDAAP/state-law risk: {finding}" if finding else None
        return inapplicable_clock(ev, r, entry.contact, reason, steps=steps, flags=flags, finding=would)
    if r.id == HOURS and entry.local is None:
        return inapplicable_clock(ev, r, entry.contact, "the contact has no timestamp (a correction gave a date only)",
                                  steps=steps, flags=(*flags, "no_timestamp"))
    return Clock(
        id=clock_id(r.id, entry.contact), rule=r.id, citation=r.citation, kind=r.kind,
        trigger=trigger_of(entry.contact), status="breached" if finding else "met", calendar=ev.calendar.name,
        derivation=steps, finding=finding, flags=flags,
    )


def _scope(ev: Evaluation) -> str | None:
    if ev.profile.fdcpa_debt_collector or ev.readings.regf_scope == "all_loans":
        return None
    return NOT_COLLECTOR


def _steps(ev: Evaluation, r: Rule, entry: ContactEntry) -> tuple[str, ...]:
    data = entry.contact.data
    when = f"{entry.local:%Y-%m-%d %H:%M %Z}" if entry.local else f"{entry.local_day} (no time recorded)"
    lines = [f"{data.direction} {data.channel} to the {data.party} ({data.outcome}) at {when} borrower-local, "  # type: ignore[attr-defined]
             f"{entry.zone} from {entry.zone_source}"]
    if r.id == FREQUENCY:
        calls = len(entry.calls_in_window)
        verdict = "more than 7: presumed violation" if calls > 7 else "7 or fewer: presumed compliance"
        lines.append(f"outbound calls to the {data.party} on {entry.local_day - PERIOD}..{entry.local_day}, this one "  # type: ignore[attr-defined]
                     f"included: {calls}; {verdict} (12 CFR 1006.14(b)(2)(i)(A); inbound calls do not count)")
    elif r.id == CONVERSATION and entry.conversation_through is not None:
        lines.append(f"telephone conversation on {entry.conversation_through - PERIOD} is day 1; calls are barred "
                     f"through day 7, {entry.conversation_through} (12 CFR 1006.14(b)(2)(i)(B))")
    elif r.id == CONVERSATION:
        lines.append(f"no telephone conversation with the {data.party} in the 7 days ending {entry.local_day}")  # type: ignore[attr-defined]
    elif entry.local is not None:
        inside = "within" if HOURS not in entry.findings else "outside"
        lines.append(f"{entry.local:%H:%M} is {inside} 8:00 a.m.-9:00 p.m. at the borrower's location (12 CFR 1006.6(b)(1)(i))")
    return tuple(lines)


def _flags(ev: Evaluation, r: Rule, entry: ContactEntry) -> tuple[str, ...]:
    flags = []
    if entry.stay is not None:
        flags.append("automatic_stay")
    if ev.profile.fdcpa_debt_collector and cease_notice(ev, entry.contact.on) is not None:
        flags.append("after_cease_communication")
    if r.id == FREQUENCY and any(c.data.outcome == "busy" for c in entry.calls_in_window):  # type: ignore[attr-defined]
        # 1006.14(b)(3)(iii): calls not connected to the dialed number are excluded; a busy signal may be one.
        flags.append("busy_calls_counted")
    if r.id == HOURS and entry.contact.data.party == "attorney":  # type: ignore[attr-defined]
        flags.append("attorney_contact")
    if not ev.profile.fdcpa_debt_collector and ev.readings.regf_scope == "all_loans":
        flags.append("regf_scope_all_loans")
    return tuple(flags)


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
