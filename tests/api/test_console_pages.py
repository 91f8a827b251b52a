"""The console through TestClient: the session cookie's flags, CSRF on every form, and the API's role rules.

Every page is checked against the API endpoint it mirrors: for each role the console admits exactly the
tokens the API admits, and lists no case the API would not list to that token.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.routes import alerts as alert_api
from api.web.access import roles_of
from api.web.forms import MAX_FORM_BYTES
from audit.alerts import list_alerts
from audit.tokens import revoke_token
from tests.api.support import NOW
from tests.api.test_console_seed import FEATURED_ID, console_settings, seed, seeded  # noqa: F401 - fixture

ROLES = ("specialist", "manager", "officer", "examiner", "admin")
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
CASE_LINK = re.compile(r'class="case-link" href="/console/cases/([^"#?]+)')


@dataclass(frozen=True)
class World:
    """A seeded service and the token secret of each role."""

    app: FastAPI
    tokens: dict[str, str]

    def client(self, **kwargs: Any) -> TestClient:
        """A fresh browser-like client (its own cookie jar)."""
        return TestClient(self.app, raise_server_exceptions=False, follow_redirects=False, **kwargs)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """One seeded service shared by the read-only tests of this module."""
    app = create_app(console_settings(tmp_path_factory.mktemp("pages")), clock=lambda: NOW)
    yield World(app, seed(app))
    app.state.engine.dispose()


def csrf_of(page: Any) -> str:
    """The CSRF token of the first form on a page."""
    found = CSRF.search(page.text)
    assert found is not None, page.text
    return found.group(1)


def sign_in(client: TestClient, secret: str) -> str:
    """Sign in through the form; the signed-in session's CSRF token."""
    form = client.get("/console/sign-in")
    response = client.post("/console/sign-in", data={"csrf_token": csrf_of(form), "token": secret, "next": ""})
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/console/sign-in"))


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


# --- the session cookie -------------------------------------------------------------------------------------


def test_sign_in_sets_an_httponly_strict_cookie_scoped_to_the_console(world: World) -> None:
    with world.client() as client:
        form = client.get("/console/sign-in")
        response = client.post("/console/sign-in",
                               data={"csrf_token": csrf_of(form), "token": world.tokens["manager"]})
    cookie = response.headers["set-cookie"]
    assert response.status_code == 303 and response.headers["location"] == "/console/"
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie  # plain http: a Secure cookie would never come back
    assert world.tokens["manager"] not in cookie  # sealed: the bearer secret is not readable in the cookie


def test_the_cookie_is_secure_behind_https(world: World) -> None:
    with world.client(base_url="https://console.test") as client:
        cookie = client.get("/console/sign-in").headers["set-cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie


def test_a_tampered_cookie_is_no_session(world: World) -> None:
    with world.client() as client:
        sign_in(client, world.tokens["officer"])
        sealed = client.cookies["console_session"]
        for value, status in ((sealed, 200), (sealed[:-6] + "AAAAAA", 303), (sealed, 200)):
            client.cookies.clear()
            client.cookies.set("console_session", value, domain="testserver.local", path="/console")
            assert client.get("/console/board").status_code == status


def test_a_bearer_header_does_not_open_the_console(world: World) -> None:
    with world.client() as client:
        response = client.get("/console/board", headers=bearer(world.tokens["officer"]))
    assert response.status_code == 303 and response.headers["location"] == "/console/sign-in?next=%2Fconsole%2Fboard"


def test_an_unknown_token_is_refused_at_sign_in(world: World) -> None:
    with world.client() as client:
        form = client.get("/console/sign-in")
        response = client.post("/console/sign-in", data={"csrf_token": csrf_of(form), "token": "not-a-token"})
    assert response.status_code == 401 and "unknown, revoked or expired" in response.text
    assert "console_session" not in response.headers.get("set-cookie", "")


@pytest.mark.parametrize("target", ["https://evil.example/console/", "//evil.example/console", "/v1/cases",
                                    "/console\\@evil.example"])
def test_sign_in_never_redirects_off_the_console(world: World, target: str) -> None:
    with world.client() as client:
        form = client.get("/console/sign-in")
        response = client.post("/console/sign-in", data={
            "csrf_token": csrf_of(form), "token": world.tokens["officer"], "next": target})
    assert response.headers["location"] == "/console/"


def test_sign_in_returns_to_the_page_asked_for(world: World) -> None:
    with world.client() as client:
        asked = client.get(f"/console/cases/{FEATURED_ID}?as_of=2026-07-01")
        form = client.get(asked.headers["location"])
        response = client.post("/console/sign-in", data={
            "csrf_token": csrf_of(form), "token": world.tokens["officer"], "next": f"/console/cases/{FEATURED_ID}"})
    assert response.headers["location"] == f"/console/cases/{FEATURED_ID}"


def test_pages_carry_security_headers(world: World) -> None:
    with world.client() as client:
        sign_in(client, world.tokens["officer"])
        response = client.get("/console/board")
    assert response.status_code == 200
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-request-id"]


# --- CSRF on every form ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, "", "forged"])
def test_sign_in_without_the_right_csrf_token_is_refused(world: World, token: str | None) -> None:
    with world.client() as client:
        client.get("/console/sign-in")
        data = {"token": world.tokens["officer"], **({"csrf_token": token} if token is not None else {})}
        response = client.post("/console/sign-in", data=data)
    assert response.status_code == 403 and "Form expired" in response.text


def test_sign_in_with_the_csrf_token_of_another_session_is_refused(world: World) -> None:
    with world.client() as attacker, world.client() as victim:
        stolen = csrf_of(attacker.get("/console/sign-in"))
        victim.get("/console/sign-in")
        response = victim.post("/console/sign-in", data={"csrf_token": stolen, "token": world.tokens["officer"]})
    assert response.status_code == 403


def test_acknowledging_without_csrf_changes_nothing(seeded: tuple[FastAPI, dict[str, str]]) -> None:  # noqa: F811
    app, tokens = seeded
    alert = next(a for a in list_alerts(app.state.engine) if a.case_id == FEATURED_ID and a.level == "breached")
    with TestClient(app, follow_redirects=False) as client:
        sign_in(client, tokens["manager"])
        for data in ({"back": "open"}, {"csrf_token": "forged"}):
            response = client.post(f"/console/alerts/{alert.alert_id}/acknowledge", data=data)
            assert response.status_code == 403 and "Form expired" in response.text
        events = client.get(f"/v1/cases/{FEATURED_ID}/events", params={"type": "alert_acknowledged"},
                            headers=bearer(tokens["officer"])).json()
    assert events["items"] == []
    assert next(a for a in list_alerts(app.state.engine) if a.alert_id == alert.alert_id).state == "open"


def test_acknowledging_with_csrf_records_the_manager_in_the_log(seeded: tuple[FastAPI, dict[str, str]]) -> None:  # noqa: F811
    app, tokens = seeded
    alert = next(a for a in list_alerts(app.state.engine) if a.case_id == FEATURED_ID and a.level == "breached")
    with TestClient(app, follow_redirects=False) as client:
        csrf = sign_in(client, tokens["manager"])
        response = client.post(f"/console/alerts/{alert.alert_id}/acknowledge", data={"csrf_token": csrf})
        assert response.status_code == 303 and f"acknowledged={alert.alert_id}" in response.headers["location"]
        events = client.get(f"/v1/cases/{FEATURED_ID}/events", params={"type": "alert_acknowledged"},
                            headers=bearer(tokens["officer"])).json()
    assert [(e["actor"]["id"], e["data"]["alert_id"]) for e in events["items"]] == [("mgr-east", alert.alert_id)]


def test_an_officer_may_not_acknowledge_as_the_api_says(seeded: tuple[FastAPI, dict[str, str]]) -> None:  # noqa: F811
    app, tokens = seeded
    assert "compliance_officer" not in roles_of(alert_api.Manager)
    alert = next(a for a in list_alerts(app.state.engine) if a.case_id == FEATURED_ID)
    with TestClient(app, follow_redirects=False) as client:
        csrf = sign_in(client, tokens["officer"])
        page = client.get("/console/alerts")
        response = client.post(f"/console/alerts/{alert.alert_id}/acknowledge", data={"csrf_token": csrf})
    assert page.status_code == 200 and "Acknowledge</button>" not in page.text
    assert response.status_code == 403 and "Not permitted" in response.text


def test_sign_out_needs_csrf_and_ends_the_session(world: World) -> None:
    with world.client() as client:
        csrf = sign_in(client, world.tokens["officer"])
        assert client.post("/console/sign-out", data={"csrf_token": ""}).status_code == 403
        assert client.get("/console/board").status_code == 200
        response = client.post("/console/sign-out", data={"csrf_token": csrf})
        assert response.status_code == 303 and 'console_session=""' in response.headers["set-cookie"]
        assert client.get("/console/board").status_code == 303


def test_verify_now_needs_csrf(world: World) -> None:
    with world.client() as client:
        csrf = sign_in(client, world.tokens["officer"])
        assert client.post("/console/integrity/verify", data={"csrf_token": "x"}).status_code == 403
        assert client.post("/console/integrity/verify", data={"csrf_token": csrf}).status_code == 303
        assert "Passed" in client.get("/console/integrity").text


def test_only_urlencoded_small_forms_are_read(world: World) -> None:
    with world.client() as client:
        csrf = sign_in(client, world.tokens["officer"])
        as_json = client.post("/console/sign-out", json={"csrf_token": csrf})
        huge = client.post("/console/sign-out", data={"csrf_token": csrf, "pad": "x" * (MAX_FORM_BYTES + 1)})
    assert as_json.status_code == 415 and huge.status_code == 413


def test_a_revoked_token_ends_the_session(seeded: tuple[FastAPI, dict[str, str]]) -> None:  # noqa: F811
    app, tokens = seeded
    with TestClient(app, follow_redirects=False) as client:
        sign_in(client, tokens["officer"])
        assert client.get("/console/board").status_code == 200
        revoke_token(app.state.engine, "officer-1", now=NOW)
        response = client.get("/console/board")
    assert response.status_code == 303 and response.headers["location"].startswith("/console/sign-in")
    assert 'console_session=""' in response.headers["set-cookie"]


# --- the same role rules as the API ---------------------------------------------------------------------------

# Each console page and the API endpoint whose rule it must follow.
MIRRORS = (
    ("/console/board", "/v1/cases"),
    ("/console/alerts", "/v1/alerts"),
    ("/console/audit", "/v1/audit/events"),
    ("/console/integrity", "/v1/integrity"),
    ("/console/reports", "/v1/reports/timeliness"),
    (f"/console/cases/{FEATURED_ID}", f"/v1/cases/{FEATURED_ID}/clocks"),
    ("/console/cases/C-2002", "/v1/cases/C-2002/clocks"),
)


def _allowed_by_api(client: TestClient, api_path: str, role: str) -> bool:
    """Whether the API answers this role's token at api_path (rather than 403)."""
    status = client.get(api_path, headers=bearer(client.tokens[role])).status_code  # type: ignore[attr-defined]
    assert status in (200, 403), (api_path, status)
    return status == 200


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("console_path", "api_path"), MIRRORS)
def test_each_page_admits_exactly_whom_its_api_endpoint_admits(
    world: World, role: str, console_path: str, api_path: str
) -> None:
    with world.client() as client:
        client.tokens = world.tokens  # type: ignore[attr-defined]
        sign_in(client, world.tokens[role])
        page = client.get(console_path)
        allowed = _allowed_by_api(client, api_path, role)
    assert page.status_code == (200 if allowed else 403), page.text[:500]
    if not allowed:
        assert "Not permitted" in page.text


@pytest.mark.parametrize("role", ["specialist", "manager", "officer", "examiner"])
def test_the_board_lists_no_case_the_api_would_not_list(world: World, role: str) -> None:
    with world.client() as client:
        sign_in(client, world.tokens[role])
        board = client.get("/console/board")
        listed = client.get("/v1/cases", params={"limit": 1000}, headers=bearer(world.tokens[role])).json()
    on_board = set(CASE_LINK.findall(board.text))
    assert on_board and on_board <= {c["case_id"] for c in listed["items"]}
    if role in ("specialist", "manager", "examiner"):
        assert "C-2002" not in on_board


def test_the_menu_offers_only_the_pages_the_role_may_open(world: World) -> None:
    with world.client() as client:
        sign_in(client, world.tokens["examiner"])
        menu = client.get("/console/board").text.split("</nav>")[0]
    assert "/console/board" in menu and "/console/audit" in menu and "/console/integrity" in menu
    assert "/console/alerts" not in menu


def test_an_examiner_reading_a_case_page_is_in_the_access_log(seeded: tuple[FastAPI, dict[str, str]]) -> None:  # noqa: F811
    app, tokens = seeded
    with TestClient(app, follow_redirects=False) as client:
        sign_in(client, tokens["examiner"])
        assert client.get(f"/console/cases/{FEATURED_ID}").status_code == 200
        log = client.get("/v1/access-log", params={"actor": "examiner-1"}, headers=bearer(tokens["officer"])).json()
    reads = {(e["action"], e["case_id"]) for e in log["items"]}
    assert {("case_clocks_read", FEATURED_ID), ("case_trail_read", FEATURED_ID)} <= reads


# --- what the pages show ---------------------------------------------------------------------------------------


def test_the_board_filters_by_rule_and_links_each_row_to_its_clock(world: World) -> None:
    with world.client() as client:
        sign_in(client, world.tokens["officer"])
        page = client.get("/console/board", params={"rule": "lm_ack_notice", "team": "", "horizon": "5"})
    assert page.status_code == 200
    rows = re.findall(r'<span class="rule">([a-z_0-9]+)</span>', page.text)
    assert rows and set(rows) == {"lm_ack_notice"}
    assert re.search(rf'href="/console/cases/{FEATURED_ID}#clock-[0-9a-f]{{12}}"', page.text)


def test_a_bad_filter_is_a_422_page_not_a_crash(world: World) -> None:
    with world.client() as client:
        sign_in(client, world.tokens["officer"])
        board = client.get("/console/board", params={"horizon": "900"})
        case = client.get(f"/console/cases/{FEATURED_ID}", params={"as_of": "1999-01-01"})
        audit = client.get("/console/audit", params={"occurred_from": "yesterday"})
    assert board.status_code == case.status_code == audit.status_code == 422
    assert "horizon" in board.text and "occurred_from" in audit.text


def test_the_case_page_explains_its_clocks_and_shows_corrections_and_findings(world: World) -> None:
    with world.client() as client:
        sign_in(client, world.tokens["officer"])
        page = client.get(f"/console/cases/{FEATURED_ID}").text
    assert "<svg" in page and 'class="tl-breach"' in page
    assert "day 0 Mon 2026-06-22 (application received)" in page  # lm_ack_notice's derivation
    assert "<del>2026-06-01</del>" in page and "<ins>2026-06-02</ins>" in page  # the corrected receipt date
    assert "contact_inconvenient_time" in page and "regf_call_after_conversation" in page
    assert page.count('class="row-finding"') == 2


def test_audit_search_pages_through_the_results(world: World) -> None:
    with world.client() as client:
        sign_in(client, world.tokens["officer"])
        first = client.get("/console/audit", params={"actor": "seed", "type": "contact_logged"})
        link = re.search(r'href="/console/audit\?([^"]*after=\d+[^"]*)">Next page', first.text)
        assert link is not None, first.text
        second = client.get("/console/audit?" + link.group(1).replace("&amp;", "&"))
    positions = [re.findall(r"<tr>\s*<td>(\d+)</td>", r.text) for r in (first, second)]
    assert len(positions[0]) == 50 and positions[1]
    assert int(positions[1][0]) > int(positions[0][-1])


def test_the_reports_page_shows_the_api_report_with_its_charts_and_csv(world: World) -> None:
    with world.client() as client:
        sign_in(client, world.tokens["manager"])
        page = client.get("/console/reports", params={"name": "timeliness"})
        charts = re.findall(r'<img src="([^"]+)"', page.text)
        svg = client.get(charts[0].replace("&amp;", "&"))
        csv = client.get(re.search(r'href="(/console/reports/timeliness\.csv[^"]*)"', page.text).group(1)
                         .replace("&amp;", "&"))
        other_team = client.get("/console/reports", params={"name": "timeliness", "team": "central-1"})
    assert page.status_code == 200 and len(charts) == 3 and "breach rate" in page.text
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert csv.status_code == 200 and csv.text.startswith("group,rule,team")
    assert other_team.status_code == 403  # a manager reads their own team's reports only, as in the API


def test_static_files_are_served(world: World) -> None:
    with world.client() as client:
        response = client.get("/console/static/console.css")
    assert response.status_code == 200 and ":focus-visible" in response.text


def test_an_unknown_console_page_is_an_html_404(world: World) -> None:
    with world.client() as client:
        response = client.get("/console/nowhere")
    assert response.status_code == 404 and response.headers["content-type"].startswith("text/html")


def test_the_api_is_untouched_by_the_console(world: World) -> None:
    with world.client() as client:
        response = client.get("/v1/cases", headers=bearer(world.tokens["officer"]))
        refused = client.post("/v1/timeline/preview", content=b"case=1", headers={
            **bearer(world.tokens["officer"]), "Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 200 and refused.status_code == 415


@pytest.fixture
def exporting(tmp_path: Path) -> Iterator[World]:
    """A freshly seeded service (the export test reads the access log from empty)."""
    app = create_app(console_settings(tmp_path), clock=lambda: NOW)
    yield World(app, seed(app))
    app.state.engine.dispose()


def test_the_export_button_hands_the_download_to_the_api_export(exporting: World) -> None:
    with exporting.client() as client:
        sign_in(client, exporting.tokens["examiner"])
        page = client.get(f"/console/cases/{FEATURED_ID}")
        assert f'href="/console/cases/{FEATURED_ID}/export"' in page.text
        bundle = client.get(f"/console/cases/{FEATURED_ID}/export")
        refused = client.get("/console/cases/C-2002/export")
        log = client.get("/v1/access-log", params={"action": "case_export"},
                         headers=bearer(exporting.tokens["officer"])).json()
    assert bundle.status_code == 200 and bundle.headers["content-type"] == "application/zip"
    assert zipfile.ZipFile(io.BytesIO(bundle.content)).namelist()
    assert refused.status_code == 403
    assert ("examiner-1", FEATURED_ID) in [(e["actor"]["id"], e["case_id"]) for e in log["items"]]


def test_no_export_button_for_a_role_the_export_refuses(exporting: World) -> None:
    with exporting.client() as client:
        sign_in(client, exporting.tokens["manager"])
        page = client.get(f"/console/cases/{FEATURED_ID}")
        direct = client.get(f"/console/cases/{FEATURED_ID}/export")
    assert page.status_code == 200 and "Export bundle" not in page.text
    assert direct.status_code == 403


def test_a_failing_page_is_an_html_500_with_the_request_id(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("SELECT secret FROM somewhere")

    monkeypatch.setattr("api.web.routes.board.build_board", broken)
    with world.client() as client:
        sign_in(client, world.tokens["officer"])
        response = client.get("/console/board")
    assert response.status_code == 500 and response.headers["content-type"].startswith("text/html")
    assert response.headers["x-request-id"] in response.text
    assert "SELECT" not in response.text and "Traceback" not in response.text


def test_recorded_text_is_shown_escaped(seeded: tuple[FastAPI, dict[str, str]]) -> None:  # noqa: F811
    app, tokens = seeded
    note = {"type": "note_added", "occurred_at": "2026-07-09", "data": {"text": '<script>alert("x")</script>'}}
    with TestClient(app, follow_redirects=False) as client:
        appended = client.post(f"/v1/cases/{FEATURED_ID}/events", json={"events": [note]},
                               headers=bearer(tokens["specialist"]))
        assert appended.status_code == 201, appended.text
        sign_in(client, tokens["officer"])
        page = client.get(f"/console/cases/{FEATURED_ID}")
    assert page.status_code == 200
    assert '<script>alert("x")</script>' not in page.text and "&lt;script&gt;" in page.text
