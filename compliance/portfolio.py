"""A pure, seeded generator of a realistic synthetic servicing portfolio, as CONTRACT §5 case files.

Same seed and same `today` give identical output; case i depends only on (seed, i, today), so a smaller
portfolio is a prefix of a larger one. Every date is at most yesterday (nothing is in the future for the
store), and every identifier is synthetic: borrower_ref "B-000123", staff "S-1001", never personal data.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from compliance.portfolio_case import CaseBuilder, Team
from compliance.portfolio_contacts import notes, other_channels
from compliance.portfolio_foreclosure import JUDICIAL_STATES, transfer_out
from compliance.portfolio_ledger import misposted_installment, months_before
from compliance.portfolio_lm_stories import foreclosure, loss_mitigation, transfer
from compliance.portfolio_requests import error_notice, information_request
from compliance.portfolio_stories import (
    ceased,
    cured,
    early_delinquency,
    in_bankruptcy,
    regulation_f,
    servicing_requests,
)
from timelines.calendar import calendar_for

SERVICER_ZONE = "America/New_York"  # CONTRACT §1: the servicer's zone, the default legal zone of a case
CALENDAR = "us-6103a"

# (USPS code, the property's IANA zone, relative weight in the book).
STATES: tuple[tuple[str, str, int], ...] = (
    ("NY", "America/New_York", 9), ("NJ", "America/New_York", 5), ("PA", "America/New_York", 6),
    ("FL", "America/New_York", 10), ("GA", "America/New_York", 5), ("NC", "America/New_York", 5),
    ("OH", "America/New_York", 5), ("MI", "America/Detroit", 4), ("MA", "America/New_York", 3),
    ("IL", "America/Chicago", 6), ("TX", "America/Chicago", 10), ("MN", "America/Chicago", 2),
    ("MO", "America/Chicago", 2), ("CO", "America/Denver", 3), ("UT", "America/Denver", 1),
    ("AZ", "America/Phoenix", 4), ("CA", "America/Los_Angeles", 12), ("WA", "America/Los_Angeles", 3),
    ("OR", "America/Los_Angeles", 1), ("NV", "America/Los_Angeles", 2), ("HI", "Pacific/Honolulu", 1),
    ("AK", "America/Anchorage", 1), ("PR", "America/Puerto_Rico", 1),
)
INVESTORS = (("fannie_mae", 35), ("freddie_mac", 25), ("fha", 15), ("va", 8), ("usda", 3), ("portfolio", 8),
             ("private", 6))


def _staff(prefix: int) -> tuple[str, ...]:
    return tuple(f"S-{prefix + n}" for n in range(1, 7))


# Teams slip at different rates so that reports by team have something to say.
TEAMS: dict[str, Team] = {
    "east-1": Team("east-1", "M-101", _staff(1000), late=0.05, missing=0.02),
    "east-2": Team("east-2", "M-102", _staff(1100), late=0.11, missing=0.05),
    "central-1": Team("central-1", "M-201", _staff(2000), late=0.06, missing=0.03),
    "west-1": Team("west-1", "M-301", _staff(3000), late=0.08, missing=0.03),
}


@dataclass(frozen=True)
class Story:
    """A kind of case: how to play it, how common it is, and how often its servicer is a debt collector."""

    name: str
    play: Callable[[CaseBuilder], None]
    weight: int
    fdcpa: float


STORIES: tuple[Story, ...] = (
    Story("early_delinquency", early_delinquency, 18, 0.1),
    Story("cured", cured, 9, 0.1),
    Story("loss_mitigation", loss_mitigation, 26, 0.1),
    Story("foreclosure", foreclosure, 14, 0.15),
    Story("transfer", transfer, 7, 0.7),
    Story("bankruptcy", in_bankruptcy, 5, 0.15),
    Story("cease_communication", ceased, 3, 1.0),
    Story("regulation_f", regulation_f, 8, 1.0),
    Story("servicing_requests", servicing_requests, 10, 0.05),
)


def generate_portfolio(n_cases: int, *, seed: int, today: date) -> Iterator[dict[str, Any]]:
    """Yield n_cases CONTRACT §5 case files, dated around `today` (nothing later than yesterday)."""
    for index in range(n_cases):
        yield case_file(index, seed=seed, today=today)


def case_file(index: int, *, seed: int, today: date) -> dict[str, Any]:
    """The index-th case of the portfolio for `seed` (independent of every other case)."""
    rng = random.Random(f"demo-portfolio/{seed}/{index}")  # noqa: S311 - synthetic data, not security
    story = rng.choices(STORIES, [s.weight for s in STORIES])[0]
    case = _profile(rng, case_id=f"DEMO-{seed}-{index + 1:05d}", story=story)
    builder = _builder(rng, case, today=today)
    story.play(builder)
    _extras(builder, story)
    if not builder.events():
        builder.assign(builder.last_day)  # every case is routed to someone
    return {"case": case, "calendar": CALENDAR, "as_of": today.isoformat(), "events": builder.events()}


def _profile(rng: random.Random, *, case_id: str, story: Story) -> dict[str, Any]:
    state, zone, _ = rng.choices(STATES, [s[2] for s in STATES])[0]
    exotic = story.name in ("transfer", "regulation_f", "cease_communication")
    return {
        "id": case_id,
        "loan_id": f"L-{rng.randint(10**9, 10**10 - 1)}",
        "borrower_ref": f"B-{rng.randint(0, 999_999):06d}",
        "property_state": state,
        # Most cases run on the servicer's zone; some are kept in the property's own zone.
        "timezone": SERVICER_ZONE if rng.random() < 0.75 else zone,
        "principal_residence": rng.random() < 0.96,
        "lien_position": "first" if rng.random() < 0.92 else "subordinate",
        "small_servicer": not exotic and rng.random() < 0.02,
        "fdcpa_debt_collector": rng.random() < story.fdcpa,
        "investor": rng.choices([i for i, _ in INVESTORS], [w for _, w in INVESTORS])[0],
        "_borrower_zone": zone,
    }


def _team_for(zone: str, rng: random.Random) -> Team:
    if zone in ("America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu"):
        return TEAMS["west-1"]
    if zone in ("America/Chicago", "America/Denver", "America/Phoenix"):
        return TEAMS["central-1"]
    return TEAMS["east-1"] if rng.random() < 0.55 else TEAMS["east-2"]


def _builder(rng: random.Random, case: dict[str, Any], *, today: date) -> CaseBuilder:
    borrower_zone = case.pop("_borrower_zone")
    team = _team_for(borrower_zone, rng)
    return CaseBuilder(
        case["id"], rng, today, ZoneInfo(case["timezone"]), ZoneInfo(borrower_zone), team, rng.choice(team.staff),
        calendar_for(CALENDAR), judicial=case["property_state"] in JUDICIAL_STATES,
    )


def _extras(b: CaseBuilder, story: Story) -> None:
    """What happens to any case now and then: notes, letters, a misposting, a reassignment, a transfer out."""
    start = min((date.fromisoformat(e["occurred_at"][:10]) for e in b.events()), default=b.last_day)
    recent = max(start, b.last_day - timedelta(days=b.rng.randint(0, 90)))
    if b.rng.random() < 0.45:
        notes(b, start)
    if story.name != "servicing_requests" and b.rng.random() < 0.1:
        category = "foreclosure" if b.sale_on(recent) and b.rng.random() < 0.6 else None
        error_notice(b, recent, category=category, corrected=b.rng.random() < 0.1)
    if story.name != "servicing_requests" and b.rng.random() < 0.08:
        information_request(b, b.days(recent, 0, 10))
    if b.ledger.missed() and b.rng.random() < 0.05:
        misposted_installment(b, due=months_before(b.ledger.missed()[0], 1))
    if b.rng.random() < 0.2:
        other_channels(b, b.days(start, 3, 40))
    if b.rng.random() < 0.08:
        b.assign(b.days(start, 30, 200), team=b.rng.choice(list(TEAMS.values())))
    if story.name in ("early_delinquency", "cured") and b.rng.random() < 0.03:
        transfer_out(b, b.last_day - timedelta(days=b.rng.randint(1, 20)))
