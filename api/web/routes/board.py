"""The deadline board page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from api.deps import EngineDep, NowDep, SettingsDep, StateDep
from api.routes.cases import Reader
from api.web.board import BUCKETS, BoardFilters, build_board
from api.web.forms import query_values
from api.web.rendering import render
from compliance.rulebook import RULES_BY_ID

router = APIRouter(prefix="/console", tags=["console"])
Text = Annotated[str | None, Field(max_length=200)]
TITLES = {"overdue": "Overdue", "today": "Due today", "soon": "Due soon"}


class BoardQuery(BaseModel):
    """The board's filters as the page's form sends them."""

    model_config = ConfigDict(extra="forbid")

    team: Text = None
    manager: Text = None
    rule: Text = None
    state: Annotated[str | None, Field(min_length=2, max_length=2)] = None
    horizon: Annotated[int, Field(ge=1, le=30)] = 5


@router.get("/board", summary="The deadline board")
def board_page(
    request: Request, principal: Reader, engine: EngineDep, settings: SettingsDep, state: StateDep, now: NowDep
) -> Response:
    """Overdue, due today and due within N business days, for the cases the token may read (as GET /v1/cases)."""
    query = BoardQuery.model_validate(query_values(request))
    filters = BoardFilters(**query.model_dump())
    board = build_board(engine, principal, filters, calendar=settings.calendar_policy, now=now,
                        memo=state.console_memo, readings=settings.readings)
    context = {
        "board": board, "filters": query, "buckets": BUCKETS, "titles": TITLES, "counts": board.counts(),
        "rules": RULES_BY_ID,
    }
    return render(request, "board.html", context, principal=principal)
