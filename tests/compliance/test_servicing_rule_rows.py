"""The rule rows of 1024.35/.36/.39/.40 and Regulation F name only conditions their families implement."""

from __future__ import annotations

from compliance import contact_checks, early_intervention, ei_scope, errors_requests, written_notice
from compliance.rulebook import rule

# applies_when name -> the function that decides it (row data and code must not drift apart).
IMPLEMENTED_BY = {
    "regx_subpart_c_scope": ei_scope.subpart_c_scope,
    "still_delinquent": ei_scope.cured_reason,
    "not_in_bankruptcy": ei_scope.EarlyIntervention.bankruptcy_reason,
    "not_fdcpa_ceased": ei_scope.EarlyIntervention.fdcpa_ceased,
    "once_per_180_days": written_notice.installment_clock,
    "not_late_foreclosure_notice_35f2": errors_requests.error_notice_clocks,
    "fdcpa_debt_collector": contact_checks.contact_checks,
}
MY_RULES = ("ei_live_contact", "ei_written_notice", "coc_assign_personnel", "noe_ack", "noe_response", "rfi_ack",
            "rfi_response", "regf_call_frequency", "regf_call_after_conversation", "contact_inconvenient_time")


def test_every_applies_when_name_is_implemented() -> None:
    names = {name for rule_id in MY_RULES for name in rule(rule_id).applies_when}
    assert names == set(IMPLEMENTED_BY), names ^ set(IMPLEMENTED_BY)


def test_rows_name_the_triggers_the_families_run_from() -> None:
    """Voided triggers are cancelled from the rows (engine.cancelled_by_voids), so the rows must be complete."""
    assert set(rule("ei_written_notice").triggers) == {"payment_missed", "early_intervention_notice_sent",
                                                      "bankruptcy_filed"}
    assert rule("ei_live_contact").triggers == rule("coc_assign_personnel").triggers == ("payment_missed",)
    assert early_intervention.LIVE is rule("ei_live_contact")
