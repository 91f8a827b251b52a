"""Contact compliance: Regulation F findings by rule, contacts at forbidden hours, calls after a cease-communication
notice or during a bankruptcy, from the check clocks of the contacts made in a period.

A check is a violation when its status is "breached". A check that is not applicable (the servicer is not a
debt collector for the loan, Regulation F not yet in force) but carries a finding would have been one: it is
counted apart as outside Regulation F's scope (still a UDAAP or state-law risk). The cease and bankruptcy
counts read the flags the checks carry (compliance.contact_checks): calls are what 1006.14(b)(2) counts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from compliance.contact_ledger import CONVERSATION, FREQUENCY, HOURS
from compliance.reports.records import ClockRecord, Period
from compliance.reports.table import Table
from compliance.reports.timeliness import grouped, rule_order, team_order
from compliance.rulebook import RULES_BY_ID

CALL_RULES = frozenset({FREQUENCY, CONVERSATION})  # judged on outbound telephone calls only
AFTER_CEASE, IN_BANKRUPTCY = "after_cease_communication", "automatic_stay"
RULE_COLUMNS = ("judged", "violations", "outside_regf_scope")
TEAM_COLUMNS = ("contacts", "calls", "contacts_with_violations", "forbidden_hours", "forbidden_hours_outside_regf",
                "calls_after_cease", "calls_in_bankruptcy")
COLUMNS = ("group", "rule", "team", *RULE_COLUMNS, *TEAM_COLUMNS)
Predicate = Callable[[ClockRecord], bool]


def is_violation(check: ClockRecord) -> bool:
    """The contact broke a rule that binds the servicer."""
    return check.status == "breached"


def is_outside_scope(check: ClockRecord) -> bool:
    """The contact would have broken the rule had Regulation F applied to the loan."""
    return check.status == "not_applicable" and check.finding is not None


def contact_key(check: ClockRecord) -> tuple[str, str]:
    """(case, contact event): the contact a check judged."""
    return check.case_id, check.trigger_event_id or check.clock_id.split(":", 1)[-1]


@dataclass(frozen=True)
class RuleRow:
    """One Regulation F rule: contacts judged, violations, would-be violations outside its scope."""

    rule: str
    judged: int
    violations: int
    outside_regf_scope: int

    def to_json(self) -> dict[str, object]:
        """The row as JSON, with the rule's citation."""
        cite = RULES_BY_ID[self.rule].citation if self.rule in RULES_BY_ID else None
        return {"rule": self.rule, "citation": cite, "judged": self.judged, "violations": self.violations,
                "outside_regf_scope": self.outside_regf_scope}


@dataclass(frozen=True)
class TeamRow:
    """One team's contacts (or every team's when `team` is None and `group` is "total")."""

    group: str
    team: str | None
    contacts: int
    calls: int
    contacts_with_violations: int
    forbidden_hours: int
    forbidden_hours_outside_regf: int
    calls_after_cease: int
    calls_in_bankruptcy: int

    def counts(self) -> tuple[int, ...]:
        """The counts in TEAM_COLUMNS order."""
        return (self.contacts, self.calls, self.contacts_with_violations, self.forbidden_hours,
                self.forbidden_hours_outside_regf, self.calls_after_cease, self.calls_in_bankruptcy)

    def to_json(self) -> dict[str, object]:
        """The row as JSON."""
        return {"team": self.team, **dict(zip(TEAM_COLUMNS, self.counts(), strict=True))}


@dataclass(frozen=True)
class Finding:
    """One check with a finding: which contact, which rule, and what the finding says (no borrower data)."""

    case_id: str
    contact_event_id: str
    rule: str
    on: date
    team: str | None
    staff_id: str | None
    status: str
    flags: tuple[str, ...]
    finding: str

    def to_json(self) -> dict[str, object]:
        """The finding as JSON."""
        return {"case_id": self.case_id, "contact_event_id": self.contact_event_id, "rule": self.rule,
                "on": self.on.isoformat(), "team": self.team, "staff_id": self.staff_id, "status": self.status,
                "flags": list(self.flags), "finding": self.finding}


@dataclass(frozen=True)
class ContactReport:
    """Regulation F contact compliance for the contacts made in a period."""

    period: Period
    as_of: date
    by_rule: tuple[RuleRow, ...]
    total: TeamRow
    by_team: tuple[TeamRow, ...]
    findings: tuple[Finding, ...]

    def table(self) -> Table:
        """The report as one table: rule rows fill RULE_COLUMNS, total and team rows TEAM_COLUMNS."""
        blank_team = (None,) * len(TEAM_COLUMNS)
        blank_rule = (None,) * len(RULE_COLUMNS)
        rows = [("rule", r.rule, None, r.judged, r.violations, r.outside_regf_scope, *blank_team) for r in self.by_rule]
        rows += [(t.group, None, t.team, *blank_rule, *t.counts()) for t in (self.total, *self.by_team)]
        return Table(COLUMNS, tuple(rows))

    def to_json(self) -> dict[str, object]:
        """The report as JSON."""
        return {"report": "contacts", "period": self.period.to_json(), "as_of": self.as_of.isoformat(),
                "by_rule": [r.to_json() for r in self.by_rule], "total": self.total.to_json(),
                "by_team": [t.to_json() for t in self.by_team], "findings": [f.to_json() for f in self.findings]}


def contact_report(checks: Iterable[ClockRecord], period: Period, *, as_of: date) -> ContactReport:
    """Contact compliance for the check clocks whose contact was made in `period`."""
    judged = [c for c in checks if c.kind == "check" and period.contains(c.trigger_on) and c.status != "cancelled"]
    rules = grouped(judged, lambda c: c.rule)
    teams = grouped(judged, lambda c: c.team)
    return ContactReport(
        period, as_of,
        tuple(_rule_row(rid, rules[rid]) for rid in sorted(rules, key=rule_order)),
        team_row(judged, "total", None),
        tuple(team_row(teams[t], "team", t) for t in sorted(teams, key=team_order)),
        tuple(_finding(c) for c in sorted(judged, key=_finding_order) if is_violation(c) or is_outside_scope(c)),
    )


def _rule_row(rule_id: str, checks: Sequence[ClockRecord]) -> RuleRow:
    return RuleRow(rule_id, len(checks), sum(map(is_violation, checks)), sum(map(is_outside_scope, checks)))


def team_row(checks: Sequence[ClockRecord], group: str, team: str | None) -> TeamRow:
    """Distinct contacts and calls of the checks, and how many of them each count covers."""
    def contacts(when: Predicate) -> int:
        return len({contact_key(c) for c in checks if when(c)})

    return TeamRow(
        group, team, contacts(lambda c: True), contacts(lambda c: c.rule in CALL_RULES), contacts(is_violation),
        contacts(lambda c: c.rule == HOURS and is_violation(c)),
        contacts(lambda c: c.rule == HOURS and is_outside_scope(c)),
        contacts(lambda c: c.rule in CALL_RULES and AFTER_CEASE in c.flags),
        contacts(lambda c: c.rule in CALL_RULES and IN_BANKRUPTCY in c.flags),
    )


def _finding(check: ClockRecord) -> Finding:
    return Finding(check.case_id, contact_key(check)[1], check.rule, check.trigger_on, check.team, check.staff_id,
                   check.status, check.flags, check.finding or "")


def _finding_order(check: ClockRecord) -> tuple[object, ...]:
    at = check.trigger_at.isoformat() if check.trigger_at else ""
    return check.trigger_on, check.case_id, at, rule_order(check.rule)
