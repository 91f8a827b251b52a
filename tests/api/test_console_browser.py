"""The console in a real browser: Debian's Chromium driven by Playwright against a real uvicorn server.

The server is the app factory under uvicorn on a free local port, on a SQLite file seeded through the real
write path (tests/api/test_console_seed.py), its clock fixed at NOW. Screenshots of every page go to
test-artifacts/console/, and the board's to docs/images/board.png for the README.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.app import create_app
from tests.api.support import NOW
from tests.api.test_console_seed import CLOCK_ENV, FEATURED_ID, console_settings, seed

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "console"
README_IMAGE = ROOT / "docs" / "images" / "board.png"
STARTUP_SECONDS = 60  # an upper bound to wait for the server, not a performance assertion
VIEWPORT = {"width": 1440, "height": 900}

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed: pip install -e '.[dev]' (never `playwright install`)"
)
if not CHROMIUM.exists():
    pytest.skip("Debian's Chromium is absent: apt-get install -y chromium (it provides /usr/bin/chromium)",
                allow_module_level=True)
expect = sync_api.expect


@dataclass(frozen=True)
class Served:
    """A running console: its base URL and a token secret per role."""

    url: str
    tokens: dict[str, str]

    def api(self, role: str) -> httpx.Client:
        """An API client with that role's bearer token."""
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {self.tokens[role]}"}, timeout=30)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _environment(folder: Path) -> dict[str, str]:
    settings = console_settings(folder)
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPLIANCE_")}
    env.update(COMPLIANCE_DATA_DIR=str(folder), COMPLIANCE_DATABASE_URL=settings.database_url,
               COMPLIANCE_LOG_FORMAT="json", COMPLIANCE_RATE_LIMIT_PER_SECOND="0",
               COMPLIANCE_SCHEDULER_ENABLED="false", PYTHONPATH=str(ROOT))
    env[CLOCK_ENV] = NOW.isoformat()
    return env


def _wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    pytest.fail(f"server did not come up in {STARTUP_SECONDS} s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """Seed a database, then serve it with `uvicorn --factory` on a free port until the module is done."""
    folder = tmp_path_factory.mktemp("console")
    app = create_app(console_settings(folder), clock=lambda: NOW)
    tokens = seed(app)
    app.state.engine.dispose()
    port, log = _free_port(), folder / "server.log"
    command = [sys.executable, "-m", "uvicorn", "--factory", "tests.api.test_console_seed:served_app",
               "--host", "127.0.0.1", "--port", str(port), "--no-access-log"]
    with log.open("wb") as sink:
        process = subprocess.Popen(command, cwd=ROOT, env=_environment(folder), stdout=sink, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process, log)
        yield Served(url, tokens)
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium."""
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser context (no cookies) and page at a laptop-sized viewport."""
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    yield context.new_page()
    context.close()


def shoot(page: Any, name: str) -> Path:
    """A full-page screenshot into test-artifacts/console/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    target = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(target), full_page=True)
    return target


def sign_in(page: Any, served: Served, role: str) -> None:
    """Sign in through the form and land on the role's first page."""
    page.goto(served.url + "/console/")
    expect(page).to_have_url(re.compile(r"/console/sign-in"))
    page.get_by_label("Token").fill(served.tokens[role])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def _board_shows_the_breach(page: Any) -> Any:
    """The board: the featured case's breached lm_ack_notice is overdue, and only the manager's team is there."""
    expect(page.get_by_role("heading", name="Deadline board")).to_be_visible()
    breached_row = page.locator("#overdue").get_by_role("row").filter(has_text=FEATURED_ID).filter(
        has_text="lm_ack_notice")
    expect(breached_row).to_have_count(1)
    expect(page.locator("#today").get_by_role("row").filter(has_text="rfi_ack")).to_have_count(1)
    expect(page.get_by_text("C-2002")).to_have_count(0)
    shoot(page, "02-board")
    return breached_row


def _case_explains_the_breach(page: Any) -> None:
    """The case: timeline drawn, the breached clock's derivation on demand, the correction and the findings."""
    expect(page.get_by_role("heading", name=re.compile(FEATURED_ID))).to_be_visible()
    expect(page.locator("svg.timeline-svg .tl-breach")).to_have_count(1)
    clock = page.locator("details.clock", has=page.locator("summary", has_text="lm_ack_notice")).first
    clock.locator("summary").click()
    expect(clock.locator("ol.derivation")).to_be_visible()
    expect(clock.locator("ol.derivation")).to_contain_text("2026-06-29")
    expect(page.locator(".correction ins")).to_contain_text("2026-06-02")
    expect(page.locator(".row-finding")).to_have_count(2)
    shoot(page, "03-case")
    page.locator("figure.timeline").screenshot(path=str(ARTIFACTS / "03-case-timeline.png"))


def _acknowledge_the_breach(page: Any) -> None:
    """The alerts inbox: acknowledge the breach in one click; it moves to the acknowledged tab."""
    page.get_by_role("link", name="Alerts").click()
    row = page.get_by_role("row").filter(has_text=FEATURED_ID).filter(has_text="lm_ack_notice")
    shoot(page, "04-alerts")
    row.get_by_role("button", name=re.compile("Acknowledge")).click()
    expect(page.get_by_role("status")).to_contain_text("acknowledged")
    expect(page.get_by_role("row").filter(has_text="lm_ack_notice")).to_have_count(0)
    page.get_by_role("link", name=re.compile("Acknowledged")).click()
    expect(page.get_by_role("row").filter(has_text="lm_ack_notice")).to_contain_text("mgr-east")
    shoot(page, "05-alerts-acknowledged")


def test_manager_sees_the_breach_reads_the_derivation_and_acknowledges_the_alert(page: Any, served: Served) -> None:
    page.goto(served.url + "/console/sign-in")
    shoot(page, "01-sign-in")
    sign_in(page, served, "manager")
    _board_shows_the_breach(page).get_by_role("link", name=FEATURED_ID).click()
    _case_explains_the_breach(page)
    _acknowledge_the_breach(page)
    with served.api("officer") as officer:
        trail = officer.get(f"/v1/cases/{FEATURED_ID}/events", params={"type": "alert_acknowledged"}).json()
    # The log records alert_acknowledged with the manager as its actor (the token's identity).
    assert [(e["actor"]["id"], e["actor"]["role"]) for e in trail["items"]] == [("mgr-east", "manager")]


def test_officer_searches_the_audit_log_and_verifies_integrity(page: Any, served: Served) -> None:
    sign_in(page, served, "officer")
    expect(page.locator("#overdue .case-link").first).to_be_visible()
    shoot(page, "02-board-officer")
    README_IMAGE.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(README_IMAGE))
    page.get_by_role("link", name="Audit search").click()
    page.get_by_label("Event type").select_option("entry_corrected")
    page.get_by_role("button", name="Search").click()
    results = page.locator("table.grid tbody tr")
    expect(results.filter(has_text=FEATURED_ID)).to_have_count(1)
    shoot(page, "06-audit")

    page.get_by_role("link", name="Reports").click()
    charts = page.locator(".chart img")
    expect(charts).to_have_count(3)
    for index in range(3):
        expect(charts.nth(index)).to_have_js_property("complete", True)
        assert charts.nth(index).evaluate("img => img.naturalWidth") > 0
    shoot(page, "08-reports")

    page.get_by_role("link", name="Integrity").click()
    expect(page.get_by_text("has not verified the log")).to_be_visible()
    page.get_by_role("button", name="Verify the whole log now").click()
    expect(page.locator(".verdict")).to_have_text("Passed")
    expect(page.locator("pre.pem")).to_contain_text("BEGIN PUBLIC KEY")
    shoot(page, "07-integrity")


def test_examiner_limited_to_one_case_sees_only_that_case(page: Any, served: Served) -> None:
    sign_in(page, served, "examiner")
    case_links = page.locator("a.case-link")
    expect(case_links.first).to_be_visible()
    assert set(case_links.all_inner_texts()) == {FEATURED_ID}
    expect(page.get_by_role("link", name="Alerts")).to_have_count(0)
    page.goto(served.url + "/console/cases/C-2002")
    expect(page.get_by_role("heading", name="Not permitted")).to_be_visible()


def test_examiner_exports_the_bundle(page: Any, served: Served) -> None:
    with served.api("examiner") as examiner:
        served_export = examiner.get(f"/v1/cases/{FEATURED_ID}/export").status_code != 404
    if not served_export:
        pytest.skip("the API has no GET /v1/cases/{id}/export yet (issue 6): the console shows no export button")
    sign_in(page, served, "examiner")
    page.goto(f"{served.url}/console/cases/{FEATURED_ID}")
    shoot(page, "09-case-as-examiner")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export bundle").click()
    saved = ARTIFACTS / "export" / download.value.suggested_filename
    download.value.save_as(str(saved))
    assert saved.stat().st_size > 0


def test_keyboard_reaches_the_skip_link_and_every_field_has_a_label(page: Any, served: Served) -> None:
    sign_in(page, served, "officer")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to content"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    for _ in range(30):  # on through the menu to the board's first filter, by keyboard alone
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "f-team":
            break
    assert page.evaluate("document.activeElement.id") == "f-team"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    page.screenshot(path=str(ARTIFACTS / "10-keyboard-focus.png"))
    for path in ("/console/board", "/console/audit", "/console/reports", f"/console/cases/{FEATURED_ID}"):
        page.goto(served.url + path)
        unlabeled = page.evaluate(
            "[...document.querySelectorAll('input:not([type=hidden]), select')]"
            ".filter(e => !e.labels || e.labels.length === 0).map(e => e.name)"
        )
        assert unlabeled == [], path
