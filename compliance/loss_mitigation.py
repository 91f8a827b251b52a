"""Rule family loss_mitigation: every 1024.41(b)-(e), (h) clock, application by application, screened by 41(i)."""

from __future__ import annotations

from collections.abc import Sequence

from compliance.applications import applications
from compliance.clock import Clock
from compliance.duplicates import Screened, screen
from compliance.evaluation import Evaluation
from compliance.lm_completion import complete_notice, evaluate, third_party_delay_notice
from compliance.lm_decisions import accept_window, accept_window_on_appeal, appeal_decision, appeal_window
from compliance.lm_intake import ack_notice, reasonable_date, short_term_notice
from compliance.periods import annotate


def clocks(ev: Evaluation) -> list[Clock]:
    """Every clock of this family for the case."""
    found = [clock for screened in screenings(ev) for clock in application_clocks(ev, screened)]
    return mark_transferred(ev, found)


def screenings(ev: Evaluation) -> list[Screened]:
    """Every application in receipt order with its 41(i) screening (earlier applications judge later ones)."""
    return ev.memo("screenings", _screen_all)


def _screen_all(ev: Evaluation) -> list[Screened]:
    lives = applications(ev.history)
    done: list[tuple[Screened, list[Clock]]] = []
    for index, life in enumerate(lives):
        screened = screen(ev, life, done)
        # Only a later application needs this one's compliance record, so the last one skips it.
        record = compliance_record(ev, screened) if index + 1 < len(lives) else []
        done.append((screened, record))
    return [screened for screened, _ in done]


def compliance_record(ev: Evaluation, screened: Screened) -> list[Clock]:
    """The clocks 41(i) reads to decide whether the servicer fully complied for an application."""
    life = screened.life
    out = [ack_notice(ev, screened, e) for e in life.of("application_received")]
    for completion in life.completions:
        out += [complete_notice(ev, screened, completion), evaluate(ev, screened, completion)]
    return out + [appeal_decision(ev, screened, e) for e in life.of("appeal_received")]


def application_clocks(ev: Evaluation, screened: Screened) -> list[Clock]:
    """One application's clocks: one per trigger event of each rule."""
    life = screened.life
    out = [ack_notice(ev, screened, e) for e in life.of("application_received")]
    out += [reasonable_date(ev, screened, e) for e in life.of("application_acknowledged")]
    out += [short_term_notice(ev, screened, e) for e in life.of("short_term_option_offered")]
    for completion in life.completions:
        out += [build(ev, screened, completion) for build in (complete_notice, evaluate, third_party_delay_notice)]
    for decision in life.decisions:
        out += [accept_window(ev, screened, decision), appeal_window(ev, screened, decision)]
    out += [accept_window_on_appeal(ev, screened, e) for e in life.of("appeal_decided")]
    out += [appeal_decision(ev, screened, e) for e in life.of("appeal_received")]
    return out


def mark_transferred(ev: Evaluation, found: Sequence[Clock]) -> list[Clock]:
    """Clocks begun with the transferor keep running, flagged "transferred" (41(k) gives the transferee its own)."""
    transfers = sorted(
        t.data.transfer_date  # type: ignore[attr-defined]
        for t in ev.history.of_type("servicing_transferred")
        if t.data.direction == "in"  # type: ignore[attr-defined]
    )
    if not transfers:
        return list(found)
    out = []
    for clock in found:
        later = [day for day in transfers if clock.trigger.on < day]
        if later:
            line = (f"servicing transferred in on {later[0]}: this clock began with the transferor; the transferee's "
                    "duties are its xfer_* clocks (12 CFR 1024.41(k))")
            clock = annotate(clock, steps=(line,), flags=("transferred",))
        out.append(clock)
    return out
