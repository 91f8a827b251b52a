"""The request path's internals: request ids, blocking calls off the event loop, rendered JSON, metric children."""

from __future__ import annotations

import asyncio
import contextvars
import json
import re
import threading
from pathlib import Path

from fastapi.testclient import TestClient
from starlette.datastructures import State

from api.app import create_app
from api.blocking import blocking_pool, run_blocking
from api.metrics import build_metrics
from api.middleware import RequestContextMiddleware, RequestIds
from api.responses import RenderedJSON
from audit.database import make_engine
from tests.api.support import NOW, bearer, issue, make_settings, open_case

_WHO = contextvars.ContextVar("who", default="nobody")


def test_request_ids_are_unique_32_hex_digits() -> None:
    ids = RequestIds()
    drawn = [ids.next() for _ in range(1000)]
    assert len(set(drawn)) == 1000
    assert all(re.fullmatch(r"[0-9a-f]{32}", i) for i in drawn)
    assert RequestIds().next()[:16] != ids.next()[:16]  # another process (or app) draws another prefix


def test_blocking_calls_run_in_the_apps_pool_with_the_callers_context(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{(tmp_path / 'b.db').as_posix()}")
    state = State()
    state.blocking_pool = blocking_pool(engine)

    def where(suffix: str, *, sep: str) -> str:
        return f"{threading.current_thread().name}{sep}{_WHO.get()}{sep}{suffix}"

    async def call() -> str:
        _WHO.set("request-7")
        return await run_blocking(state, where, "x", sep="|")

    try:
        thread, who, suffix = asyncio.run(call()).split("|")
    finally:
        state.blocking_pool.shutdown()
        engine.dispose()
    assert thread.startswith("api-blocking") and thread != threading.main_thread().name
    assert (who, suffix) == ("request-7", "x")


def test_the_blocking_pool_leaves_the_group_committer_a_pooled_connection(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{(tmp_path / 'p.db').as_posix()}")
    pool = blocking_pool(engine)
    assert pool._max_workers == engine.pool.size() - 1  # type: ignore[attr-defined]
    pool.shutdown()
    engine.dispose()


def test_without_the_lifespan_blocking_calls_use_the_loops_default_pool() -> None:
    async def call() -> str:
        return await run_blocking(State(), lambda: threading.current_thread().name)

    assert asyncio.run(call()) != threading.main_thread().name


def test_rendered_json_is_compact_utf8() -> None:
    response = RenderedJSON({"a": "é", "b": [1, None, True]}, status_code=201, headers={"ETag": '"3"'})
    assert response.body == '{"a":"é","b":[1,null,true]}'.encode()
    assert response.status_code == 201 and response.headers["etag"] == '"3"'
    assert response.headers["content-type"] == "application/json"


def test_metric_children_are_made_once_per_label_set() -> None:
    middleware = RequestContextMiddleware(lambda *_: None, metrics=build_metrics())  # type: ignore[arg-type]
    first = middleware._metrics_of("GET", "/v1/rules", "200")
    assert middleware._metrics_of("GET", "/v1/rules", "200") is first
    assert middleware._metrics_of("GET", "/v1/rules", "404") is not first


def test_appends_and_trails_keep_their_shape_and_headers(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path), clock=lambda: NOW)
    token = issue(app, "spec", "specialist", team="east")
    with TestClient(app) as client:
        open_case(client, token, "C-1")
        event = {"type": "application_received", "occurred_at": "2026-07-01", "data": {"application_id": "A1"}}
        appended = client.post("/v1/cases/C-1/events", json=event, headers=bearer(token, **{"Idempotency-Key": "k"}))
        replayed = client.post("/v1/cases/C-1/events", json=event, headers=bearer(token, **{"Idempotency-Key": "k"}))
        trail = client.get("/v1/cases/C-1/events", headers=bearer(token))
    assert appended.status_code == 201 and appended.headers["etag"] == '"3"'
    assert replayed.status_code == 200 and replayed.headers["idempotent-replayed"] == "true"
    assert json.loads(replayed.content) == {**json.loads(appended.content), "replayed": True}
    body = trail.json()
    assert trail.headers["content-type"] == "application/json" and body["next_after"] is None
    assert [e["version"] for e in body["items"]] == [1, 2, 3]
    assert set(body["items"][2]) == {"id", "case_id", "version", "position", "type", "schema_version", "occurred_at",
                                     "recorded_at", "actor", "data", "idempotency_key", "prev_hash", "hash"}
