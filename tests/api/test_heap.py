"""The server's start-up heap is frozen while the service runs (api.heap), and given back when it stops."""

from __future__ import annotations

import gc

from fastapi import FastAPI
from fastapi.testclient import TestClient


def test_the_startup_heap_is_frozen_while_serving(api_app: FastAPI) -> None:
    before = gc.get_threshold()
    with TestClient(api_app) as client:
        assert client.get("/healthz").status_code == 200
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] >= 10_000
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before
