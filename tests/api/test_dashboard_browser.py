"""The dashboard in a real browser (Debian's chromium through Playwright): home → monitor → feature →
execution with every plot drawn, run-now from the monitor page as an operator (a real execution that
ends Completed, its page showing what the job read), and a viewer who sees no action and whose forged
POST is refused. A screenshot of each page is kept under the test's tmp folder."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from modelmonitor.formats.statuses import is_terminal
from tests.api.conftest import Api
from tests.browser import launch_chromium
from tests.monitor_history import SCHEDULE, write_history

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

# Plotly draws into the element: the figure's data (kept on the element) and the SVG marks it drew.
_DRAWN = """element => ({
  traces: (element.data || []).length,
  points: (element.data || []).reduce((n, trace) => n + (trace.x || []).length, 0),
  marks: element.querySelectorAll("svg.main-svg .point, svg.main-svg .scatterlayer path.js-line").length,
})"""


def _drawn(page: Page, element: str) -> dict[str, int]:
    page.wait_for_selector(f"#{element} svg.main-svg")
    drawn: dict[str, int] = page.locator(f"#{element}").evaluate(_DRAWN)
    assert drawn["traces"] > 0, f"{element}: no trace"
    assert drawn["points"] > 0, f"{element}: no data"
    assert drawn["marks"] > 0, f"{element}: nothing drawn"
    return drawn


def _page(browser: Browser, api: Api, role: str, errors: list[str]) -> Page:
    context = browser.new_context(
        extra_http_headers={"Authorization": f"Bearer {api.tokens[role]}"},
        viewport={"width": 1400, "height": 900},
    )
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    return page


def _wait_ended(api: Api, execution_id: int) -> str:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status = api.service.describe_execution(execution_id).status
        if is_terminal(status):
            return status
        time.sleep(0.5)
    raise AssertionError(f"execution {execution_id} still running after 120 s")


def test_home_monitor_feature_execution_and_actions_in_chromium(api: Api, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    history = write_history(api.tmp, api.service, api.service.clock.now(), count=9)
    shots = tmp_path / "screenshots"
    shots.mkdir()
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = _page(browser, api, "operator", errors)
            page.goto(api.url + "/")
            page.click(f'tr[data-schedule="{SCHEDULE}"] a')
            assert page.url == f"{api.url}/monitors/{SCHEDULE}"
            assert _drawn(page, "executions-plot")["points"] >= 9
            assert _drawn(page, "drift-plot")["traces"] == 5  # four features and the threshold
            assert page.locator("#violations tr").count() > 1
            page.screenshot(path=str(shots / "monitor.png"), full_page=True)

            page.click('tr[data-feature="f1"] a')
            assert page.locator("#feature-name").inner_text() == "f1"
            _drawn(page, "distribution-plot")
            _drawn(page, "missing-plot")
            _drawn(page, "history-plot")
            page.screenshot(path=str(shots / "feature.png"), full_page=True)

            page.click("h2 a")  # "Baseline against execution N"
            assert page.url == f"{api.url}/executions/{history.executions[-1].id}"
            assert page.locator("#records").inner_text() == "20"
            page.screenshot(path=str(shots / "execution.png"), full_page=True)

            # Run now, as an operator: a real execution of the monitor, ending Completed.
            page.goto(f"{api.url}/monitors/{SCHEDULE}")
            page.click("#action-run-now")
            notice = page.locator("#notice")
            assert notice.inner_text().startswith("Execution ")
            started = int(notice.locator("a").inner_text())
            assert _wait_ended(api, started) in ("Completed", "CompletedWithViolations")
            notice.locator("a").click()
            assert page.locator("#records").inner_text() == "20"  # what the job itself read
            assert page.locator("#bad-records").inner_text() == "0"
            page.screenshot(path=str(shots / "run-now.png"), full_page=True)

            viewer = _page(browser, api, "viewer", errors)
            viewer.goto(f"{api.url}/monitors/{SCHEDULE}")
            assert viewer.locator(".actions").count() == 0
            forged = viewer.request.post(f"{api.url}/monitors/{SCHEDULE}/actions/stop")
            assert forged.status == 403
            assert api.service.describe_schedule(SCHEDULE).status == "Scheduled"
            viewer.screenshot(path=str(shots / "monitor-viewer.png"), full_page=True)
        finally:
            browser.close()
    assert errors == []
    for name in ("monitor", "feature", "execution", "run-now", "monitor-viewer"):
        assert (shots / f"{name}.png").stat().st_size > 10_000
