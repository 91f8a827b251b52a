"""The rulebook as data: one row per rule id of CONTRACT §3, with citation, clock length and effective dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from compliance.clock import Kind

Unit = Literal["cal", "rxbd"]

# 2014-01-10: original mortgage servicing rules (78 FR 10696); 2017-10-19: 2016 amendments (81 FR 72160,
# 82 FR 47953) — rulebook-regx §5. Rows carry these so an old case is judged by the rule then in force.
MORTGAGE_SERVICING_RULES = date(2014, 1, 10)
AMENDMENTS_2016 = date(2017, 10, 19)
REG_F_EFFECTIVE = date(2021, 11, 30)


@dataclass(frozen=True)
class Rule:
    """A regulatory clock definition; the engine interprets rows, special cases are named predicates."""

    id: str
    citation: str
    kind: Kind
    title: str
    triggers: tuple[str, ...]
    length: int | None = None
    unit: Unit | None = None
    satisfied_by: tuple[str, ...] = ()
    extended_by: tuple[str, ...] = ()
    extension: int | None = None
    applies_when: tuple[str, ...] = ()
    effective_from: date = MORTGAGE_SERVICING_RULES
    effective_to: date | None = None
    confidence: Literal["high", "medium-high", "medium", "low"] = "high"

    def in_force_on(self, day: date) -> bool:
        """Whether this version of the rule governs a clock triggered on `day`."""
        return self.effective_from <= day and (self.effective_to is None or day < self.effective_to)

    def to_json(self) -> dict[str, object]:
        """A stable JSON form for the rules endpoint and exports."""
        return {
            "id": self.id,
            "citation": self.citation,
            "kind": self.kind,
            "title": self.title,
            "triggers": list(self.triggers),
            "length": self.length,
            "unit": self.unit,
            "satisfied_by": list(self.satisfied_by),
            "extended_by": list(self.extended_by),
            "extension": self.extension,
            "applies_when": list(self.applies_when),
            "effective_from": self.effective_from.isoformat(),
            "effective_to": self.effective_to.isoformat() if self.effective_to else None,
            "confidence": self.confidence,
        }


RULES: tuple[Rule, ...] = (
    # --- 1024.39 early intervention / 1024.40 continuity of contact ----------------------------------------
    Rule("ei_live_contact", "12 CFR 1024.39(a)", "deadline", "Live contact or good-faith efforts",
         ("payment_missed",), 36, "cal", ("contact_logged",),
         applies_when=("regx_subpart_c_scope", "still_delinquent", "not_in_bankruptcy", "not_fdcpa_ceased")),
    # Triggers: each missed installment, each notice (the 180-day cycle) and each bankruptcy case (39(c)).
    Rule("ei_written_notice", "12 CFR 1024.39(b)", "deadline", "Written early intervention notice",
         ("payment_missed", "early_intervention_notice_sent", "bankruptcy_filed"), 45, "cal",
         ("early_intervention_notice_sent",),
         applies_when=("regx_subpart_c_scope", "not_in_bankruptcy", "still_delinquent", "once_per_180_days")),
    Rule("coc_assign_personnel", "12 CFR 1024.40(a)", "deadline", "Assign continuity-of-contact personnel",
         ("payment_missed",), 45, "cal", ("personnel_assigned", "case_assigned"),
         applies_when=("regx_subpart_c_scope", "still_delinquent")),
    # --- 1024.41 loss mitigation ---------------------------------------------------------------------------
    Rule("lm_ack_notice", "12 CFR 1024.41(b)(2)(i)(B)", "deadline", "Acknowledge a loss mitigation application",
         ("application_received",), 5, "rxbd", ("application_acknowledged",),
         applies_when=("regx_subpart_c_scope", "received_45_days_before_sale", "not_duplicative_41i")),
    Rule("lm_reasonable_date", "12 CFR 1024.41(b)(2)(ii)", "deadline",
         "Latest reasonable date the acknowledgment may give for missing items (advisory)",
         ("application_acknowledged",), 30, "cal", (),
         applies_when=("regx_subpart_c_scope", "application_incomplete", "not_duplicative_41i")),
    Rule("lm_complete_notice", "12 CFR 1024.41(c)(3)", "deadline", "Notice of complete application",
         ("application_completed",), 5, "rxbd", ("complete_application_notice_sent",),
         applies_when=("regx_subpart_c_scope", "complete_more_than_37_days_before_sale",
                       "complete_notice_required_41c3ii", "not_duplicative_41i"),
         effective_from=AMENDMENTS_2016),
    Rule("lm_evaluate", "12 CFR 1024.41(c)(1)", "deadline", "Evaluate a complete application for all options",
         ("application_completed",), 30, "cal", ("evaluation_decided",),
         applies_when=("regx_subpart_c_scope", "complete_more_than_37_days_before_sale", "not_duplicative_41i")),
    Rule("lm_third_party_delay_notice", "12 CFR 1024.41(c)(4)(ii)(B)", "deadline",
         "Notice of delay caused by missing third-party documents",
         ("application_completed",), 30, "cal", ("third_party_delay_notice_sent", "evaluation_decided"),
         applies_when=("regx_subpart_c_scope", "complete_more_than_37_days_before_sale", "not_duplicative_41i"),
         effective_from=AMENDMENTS_2016),
    Rule("lm_short_term_notice", "12 CFR 1024.41(c)(2)(iii)", "deadline",
         "Written notice of a short-term forbearance or repayment plan (5-day safe harbor, comment 41(c)(2)(iii)-6)",
         ("short_term_option_offered",), 5, "rxbd", ("short_term_option_notice_sent",),
         applies_when=("regx_subpart_c_scope", "not_duplicative_41i"), effective_from=AMENDMENTS_2016,
         confidence="medium-high"),
    Rule("lm_accept_window", "12 CFR 1024.41(e)", "window", "Borrower's period to accept or reject an offer",
         ("evaluation_decided", "appeal_decided"), 14, "cal", ("offer_accepted", "offer_rejected"),
         applies_when=("regx_subpart_c_scope", "offer_made", "not_duplicative_41i")),
    Rule("lm_appeal_window", "12 CFR 1024.41(h)(2)", "window", "Borrower's period to appeal a modification denial",
         ("evaluation_decided",), 14, "cal", ("appeal_received",),
         applies_when=("regx_subpart_c_scope", "loan_modification_denied", "appeal_right_41h1", "not_duplicative_41i")),
    Rule("lm_appeal_decision", "12 CFR 1024.41(h)(4)", "deadline", "Decide an appeal",
         ("appeal_received",), 30, "cal", ("appeal_decided",),
         applies_when=("regx_subpart_c_scope", "appeal_of_modification_denial", "appeal_right_41h1",
                       "not_duplicative_41i")),
    # --- 1024.41(f)/(g) foreclosure bars -----------------------------------------------------------------
    Rule("fc_120_day_bar", "12 CFR 1024.41(f)(1)", "bar", "No first notice or filing before 120 days delinquent",
         ("payment_missed",), 121, "cal", (), applies_when=("regx_scope_41j", "oldest_unpaid_installment")),
    Rule("fc_referral_bar_complete_app", "12 CFR 1024.41(f)(2)", "bar",
         "No first notice or filing while a complete application is pending",
         ("application_completed",), None, None, (),
         applies_when=("regx_subpart_c_scope", "complete_before_first_filing", "not_duplicative_41i")),
    Rule("fc_sale_bar_dual_tracking", "12 CFR 1024.41(g)", "bar",
         "No dispositive motion, order of sale or sale while a complete application is pending",
         ("application_completed",), None, None, (),
         applies_when=("regx_subpart_c_scope", "complete_after_first_filing", "complete_more_than_37_days_before_sale",
                       "not_duplicative_41i")),
    # --- 1024.41(k) servicing transfers ------------------------------------------------------------------
    Rule("xfer_ack", "12 CFR 1024.41(k)(2)", "deadline", "Transferee acknowledges an application in flight",
         ("servicing_transferred",), 10, "rxbd", ("application_acknowledged",),
         applies_when=("regx_subpart_c_scope", "transferor_ack_period_unexpired"), effective_from=AMENDMENTS_2016),
    Rule("xfer_complete_pending", "12 CFR 1024.41(k)(3)", "deadline",
         "Transferee evaluates a complete application pending at transfer",
         ("servicing_transferred",), 30, "cal", ("evaluation_decided",),
         applies_when=("regx_subpart_c_scope", "complete_application_pending_at_transfer"),
         effective_from=AMENDMENTS_2016),
    Rule("xfer_appeal", "12 CFR 1024.41(k)(4)", "deadline", "Transferee decides an appeal pending at transfer",
         ("servicing_transferred", "appeal_received"), 30, "cal", ("appeal_decided",),
         applies_when=("regx_subpart_c_scope", "appeal_pending_at_transfer"), effective_from=AMENDMENTS_2016),
    # --- 1024.35 notices of error / 1024.36 requests for information -------------------------------------
    Rule("noe_ack", "12 CFR 1024.35(d)", "deadline", "Acknowledge a notice of error",
         ("error_notice_received",), 5, "rxbd", ("error_notice_acknowledged", "error_notice_resolved"),
         applies_when=("not_late_foreclosure_notice_35f2",)),
    Rule("noe_response", "12 CFR 1024.35(e)(3)", "deadline", "Respond to a notice of error",
         ("error_notice_received",), 30, "rxbd", ("error_notice_resolved",),
         extended_by=("error_response_extended",), extension=15, applies_when=("not_late_foreclosure_notice_35f2",)),
    Rule("rfi_ack", "12 CFR 1024.36(c)", "deadline", "Acknowledge a request for information",
         ("information_request_received",), 5, "rxbd",
         ("information_request_acknowledged", "information_request_answered")),
    Rule("rfi_response", "12 CFR 1024.36(d)(2)", "deadline", "Respond to a request for information",
         ("information_request_received",), 30, "rxbd", ("information_request_answered",),
         extended_by=("information_request_extended",), extension=15),
    # --- Regulation F contact checks ---------------------------------------------------------------------
    Rule("regf_call_frequency", "12 CFR 1006.14(b)(2)(i)(A)", "check",
         "More than 7 calls within 7 consecutive days", ("contact_logged",), 7, "cal",
         applies_when=("fdcpa_debt_collector",), effective_from=REG_F_EFFECTIVE),
    Rule("regf_call_after_conversation", "12 CFR 1006.14(b)(2)(i)(B)", "check",
         "A call within 7 days after a telephone conversation", ("contact_logged",), 7, "cal",
         applies_when=("fdcpa_debt_collector",), effective_from=REG_F_EFFECTIVE),
    Rule("contact_inconvenient_time", "12 CFR 1006.6(b)(1)(i)", "check",
         "Contact before 8 a.m. or after 9 p.m. at the borrower's location", ("contact_logged",),
         applies_when=("fdcpa_debt_collector",), effective_from=REG_F_EFFECTIVE),
)

RULES_BY_ID: dict[str, Rule] = {r.id: r for r in RULES}

# Historical rules kept as dated history (rulebook-regx §5): replayed for old audits, never alerted on today.
HISTORICAL_RULES: tuple[Rule, ...] = (
    Rule("covid_ei_live_contact", "12 CFR 1024.39(e) (2021; expired 2022-10-01; removed 90 FR 20791)", "deadline",
         "COVID-19 live-contact scripting", ("payment_missed",), 36, "cal", ("contact_logged",),
         effective_from=date(2021, 8, 31), effective_to=date(2022, 10, 1), confidence="medium-high"),
    Rule("covid_fc_procedural_safeguards", "12 CFR 1024.41(f)(3) (2021; first filings before 2022-01-01)", "bar",
         "COVID-19 procedural safeguards before first notice or filing", ("payment_missed",),
         effective_from=date(2021, 8, 31), effective_to=date(2022, 1, 1), confidence="medium-high"),
)


def rule(rule_id: str) -> Rule:
    """The row for a rule id; KeyError names the unknown id."""
    try:
        return RULES_BY_ID[rule_id]
    except KeyError:
        raise KeyError(f"unknown rule id {rule_id!r}") from None
