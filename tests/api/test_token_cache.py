"""The token cache: grants kept for a TTL by token hash, expiry judged per request, revocations seen at once."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from api.app import create_app
from api.token_cache import TokenCache
from audit.database import make_engine
from audit.tokens import TokenGrant, TokenRequest, hash_secret, issue_token, revoke_token
from tests.api.support import NOW, assert_problem, bearer, make_settings


def grant(name: str = "g") -> TokenGrant:
    return TokenGrant(id=f"id-{name}", name=name, role="admin", team=None, cases=None, valid_from=None,
                      valid_to=None, created_at="2026-01-01T00:00:00.000000Z", expires_at=None, revoked_at=None)


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_grant_is_kept_for_its_ttl_only() -> None:
    clock = FakeClock()
    cache = TokenCache(ttl=5.0, clock=clock)
    cache.put("h", grant(), generation=cache.generation)
    assert cache.get("h") == grant()
    clock.now += 4.9
    assert cache.get("h") == grant()
    clock.now += 0.1
    assert cache.get("h") is None


def test_a_zero_ttl_keeps_nothing() -> None:
    cache = TokenCache(ttl=0.0)
    cache.put("h", grant(), generation=cache.generation)
    assert cache.get("h") is None


def test_a_lookup_that_began_before_an_invalidation_is_not_kept() -> None:
    cache = TokenCache(ttl=5.0)
    began = cache.generation
    cache.clear()  # a token changed while the lookup read the database
    cache.put("h", grant(), generation=began)
    assert cache.get("h") is None
    cache.put("h", grant(), generation=cache.generation)
    assert cache.get("h") == grant()


def test_the_oldest_entry_makes_room_when_full() -> None:
    cache = TokenCache(ttl=5.0, max_entries=2)
    for name in ("a", "b", "c"):
        cache.put(name, grant(name), generation=cache.generation)
    assert cache.get("a") is None
    assert cache.get("b") == grant("b") and cache.get("c") == grant("c")


def test_changing_api_tokens_through_the_engine_clears_the_cache(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path), clock=lambda: NOW)
    cache: TokenCache = app.state.token_cache
    secret, issued = issue_token(app.state.engine, TokenRequest(name="kept", role="admin"), now=NOW)
    cache.put(hash_secret(secret), issued, generation=cache.generation)
    issue_token(app.state.engine, TokenRequest(name="other", role="admin"), now=NOW)  # an INSERT: no change
    assert cache.get(hash_secret(secret)) == issued
    before = cache.generation
    revoke_token(app.state.engine, "other", now=NOW)
    assert cache.get(hash_secret(secret)) is None
    assert cache.generation >= before + 2  # at the UPDATE, and again once its connection is back in the pool


def test_a_cached_token_revoked_in_process_stops_at_once(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path), clock=lambda: NOW)
    secret, _ = issue_token(app.state.engine, TokenRequest(name="soon-gone", role="admin"), now=NOW)
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/v1/rules", headers=bearer(secret)).status_code == 200
        assert app.state.token_cache.get(hash_secret(secret)) is not None  # cached by that request
        revoke_token(app.state.engine, "soon-gone", now=NOW)
        assert_problem(client.get("/v1/rules", headers=bearer(secret)), 401)


def test_a_cached_token_expires_on_time(tmp_path: Path) -> None:
    now = [NOW]
    app = create_app(make_settings(tmp_path), clock=lambda: now[0])
    request = TokenRequest(name="brief", role="admin", expires_at=NOW + timedelta(seconds=30))
    secret, _ = issue_token(app.state.engine, request, now=NOW)
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/v1/rules", headers=bearer(secret)).status_code == 200
        now[0] = NOW + timedelta(seconds=30)
        assert_problem(client.get("/v1/rules", headers=bearer(secret)), 401)


def test_a_revocation_by_another_process_applies_within_the_ttl(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path), clock=lambda: NOW)
    clock = FakeClock()
    app.state.token_cache = TokenCache(ttl=5.0, clock=clock)
    secret, _ = issue_token(app.state.engine, TokenRequest(name="elsewhere", role="admin"), now=NOW)
    other_process = make_engine(str(app.state.engine.url))  # its statements are not this app's to see
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/v1/rules", headers=bearer(secret)).status_code == 200
        revoke_token(other_process, "elsewhere", now=NOW)
        assert client.get("/v1/rules", headers=bearer(secret)).status_code == 200  # within the TTL
        clock.now += 5.0
        assert_problem(client.get("/v1/rules", headers=bearer(secret)), 401)
    other_process.dispose()


def test_unknown_tokens_are_not_cached(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path), clock=lambda: NOW)
    with TestClient(app, raise_server_exceptions=False) as client:
        assert_problem(client.get("/v1/rules", headers=bearer("no-such-token")), 401)
    assert app.state.token_cache.get(hash_secret("no-such-token")) is None


def test_the_ttl_comes_from_the_settings(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path, token_cache_seconds=0), clock=lambda: NOW)
    assert app.state.token_cache.ttl == 0
