"""The dashboard in a real browser (Debian's chromium through Playwright), signed in at /login as a
user would: home → monitor → feature → execution with every plot drawn, run-now from the monitor page
as an operator (a real execution that ends Completed, its page showing what the job read), and a viewer
who sees no action and whose forged POST is refused; signing in with a wrong token, forged cross-site
POSTs from pages of other origins (refused, nothing changed), signing out; and stopping a long custom
execution from its page; a model-quality monitor's page and its metric page with their plots drawn. A
screenshot of each page is kept under the test's tmp folder."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from modelmonitor.formats.job_definition import JobDefinition
from modelmonitor.formats.statuses import is_terminal
from modelmonitor.service.access import AccessControl
from tests.api.conftest import Api, loopback_socket
from tests.api.model_monitors import QUALITY, quality_history
from tests.browser import launch_chromium
from tests.monitor_history import SCHEDULE, write_history

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Route

# Plotly draws into the element: the figure's data (kept on the element) and the SVG marks it drew.
_DRAWN = """element => ({
  traces: (element.data || []).length,
  points: (element.data || []).reduce((n, trace) => n + (trace.x || []).length, 0),
  marks: element.querySelectorAll(
    "svg.main-svg .point, svg.main-svg .scatterlayer path.js-line, svg.main-svg .hm image"
  ).length,
})"""


def _drawn(page: Page, element: str) -> dict[str, int]:
    page.wait_for_selector(f"#{element} svg.main-svg")
    drawn: dict[str, int] = page.locator(f"#{element}").evaluate(_DRAWN)
    assert drawn["traces"] > 0, f"{element}: no trace"
    assert drawn["points"] > 0, f"{element}: no data"
    assert drawn["marks"] > 0, f"{element}: nothing drawn"
    return drawn


def _new_page(browser: Browser, errors: list[str]) -> Page:
    page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    return page


def _sign_in(page: Page, api: Api, role: str, going_to: str = "/") -> None:
    """Ask for a page, get sent to /login, paste the token, land on the page asked for."""
    page.goto(api.url + going_to)
    assert page.url.startswith(f"{api.url}/login?next=")
    page.fill("#token", api.tokens[role])
    page.click("#sign-in")
    assert page.url == api.url + going_to
    assert page.locator("#signed-in-as").inner_text() == f"test-{role}"


def _signed_in(browser: Browser, api: Api, role: str, errors: list[str], going_to: str = "/") -> Page:
    page = _new_page(browser, errors)
    _sign_in(page, api, role, going_to)
    return page


def _post_form(signed_in: Page, url: str) -> int:
    """Submit a form made on the spot (a forged one) from a page of this server in the same browser
    context (its cookie); the answer's status. A page of its own: chromium reports a refused
    navigation (and the favicon it then asks for) as console errors, which here are expected."""
    page = signed_in.context.new_page()
    page.goto(signed_in.url)
    with page.expect_navigation() as navigation:
        page.evaluate(
            """url => { const form = document.createElement("form");
               form.method = "post"; form.action = url; document.body.append(form); form.submit(); }""",
            url,
        )
    answer = navigation.value
    assert answer is not None
    assert "needs the operator role" in page.locator("body").inner_text()
    return answer.status


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
            page = _signed_in(browser, api, "operator", errors)
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

            viewer = _signed_in(browser, api, "viewer", errors, f"/monitors/{SCHEDULE}")
            assert viewer.locator(".actions").count() == 0
            viewer.screenshot(path=str(shots / "monitor-viewer.png"), full_page=True)
            # The viewer's own session, from this server's page: refused for the role, not the origin.
            assert _post_form(viewer, f"{api.url}/monitors/{SCHEDULE}/actions/stop") == 403
            assert api.service.describe_schedule(SCHEDULE).status == "Scheduled"
        finally:
            browser.close()
    assert errors == []
    for name in ("monitor", "feature", "execution", "run-now", "monitor-viewer"):
        assert (shots / f"{name}.png").stat().st_size > 10_000


def test_a_model_quality_monitor_and_its_metric_page_in_chromium(api_from_t0: Api, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    api = api_from_t0
    runs = quality_history(api.tmp, api.service)
    shots = tmp_path / "screenshots"
    shots.mkdir()
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = _signed_in(browser, api, "viewer", errors)
            page.click(f'tr[data-schedule="{QUALITY}"] a')
            assert page.url == f"{api.url}/monitors/{QUALITY}"
            assert _drawn(page, "executions-plot")["points"] >= 3
            # Every metric's line and each constrained one's threshold (the others hidden in the legend).
            assert _drawn(page, "metrics-plot")["traces"] >= 4
            assert page.locator("#violations tr").count() == 2  # the header and accuracy's
            page.screenshot(path=str(shots / "quality-monitor.png"), full_page=True)

            page.click('tr[data-metric="accuracy"] a')
            assert page.locator("#metric-name").inner_text() == "accuracy"
            assert _drawn(page, "metric-plot")["points"] == 6  # three executions and their threshold
            _drawn(page, "confusion-plot")
            _drawn(page, "roc-plot")
            _drawn(page, "pr-plot")
            assert page.locator('#merge [data-count="matched"]').inner_text() == "210"
            page.screenshot(path=str(shots / "quality-metric.png"), full_page=True)

            page.click("h2 a")  # "Results of execution N"
            assert page.url == f"{api.url}/executions/{runs[-1].id}"
            assert page.locator("#records").inner_text() == "210"
            page.screenshot(path=str(shots / "quality-execution.png"), full_page=True)
        finally:
            browser.close()
    assert errors == []
    for name in ("quality-monitor", "quality-metric", "quality-execution"):
        assert (shots / f"{name}.png").stat().st_size > 10_000


def _serving(html: str) -> Callable[[Route], None]:
    """A route handler answering every request with ``html`` (Playwright passes the route alone to a
    handler of one parameter)."""

    def fulfill(route: Route) -> None:
        route.fulfill(status=200, content_type="text/html", body=html)

    return fulfill


_FORGED = """<!doctype html><title>prize</title><form method="post" action="{target}"></form>
<script>document.forms[0].submit()</script>"""


def test_sign_in_refusal_cross_site_posts_and_sign_out_in_chromium(api: Api, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    write_history(api.tmp, api.service, api.service.clock.now(), count=3)
    shots = tmp_path / "screenshots"
    shots.mkdir()
    errors: list[str] = []
    monitor = f"{api.url}/monitors/{SCHEDULE}"
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            # Console errors are expected on this page only: chromium reports the refused sign-in (401)
            # and the refused forged posts (403) as such. The pages it reaches after are checked.
            page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(monitor)
            assert page.url == f"{api.url}/login?next=%2Fmonitors%2F{SCHEDULE}"
            page.fill("#token", api.tokens["operator"][:-4])  # not copied whole
            page.click("#sign-in")
            refusal = page.locator("#login-error").inner_text()
            assert refusal.startswith(
                "That token was not accepted: it is unknown, revoked, or not copied whole."
            )
            page.screenshot(path=str(shots / "login-refused.png"), full_page=True)

            page.fill("#token", api.tokens["operator"])
            page.click("#sign-in")
            assert page.url == monitor  # back where it was going
            assert page.locator("#action-run-now").is_visible()
            _drawn(page, "drift-plot")
            page.screenshot(path=str(shots / "monitor-operator.png"), full_page=True)

            # Pages of other origins, in the same browser, auto-submitting a form to the action: from
            # another site (SameSite keeps the cookie off) and from another port of this host (same
            # site: the cookie goes along, and the Sec-Fetch-Site check refuses it).
            with loopback_socket() as unused:  # a port of this host no one serves: the route answers
                other_port = unused.getsockname()[1]
            attackers = {"cross-site": "http://attacker.test", "same-site": f"http://127.0.0.1:{other_port}"}
            for kind, origin in attackers.items():
                target = f"{monitor}/actions/run-now"

                page.context.route(f"{origin}/**", _serving(_FORGED.format(target=target)))
                with page.expect_response(target) as answer:
                    page.goto(f"{origin}/prize", wait_until="commit")  # it submits at once
                assert answer.value.status == 403, kind
                assert "cross-site request refused" in answer.value.text()
                refused = AccessControl(api.service).audit_log(limit=1)[0]
                assert (refused.target, refused.outcome) == (
                    f"POST /monitors/{SCHEDULE}/actions/run-now",
                    403,
                )
                # Who it came as: nobody from the other site, the signed-in operator from this host.
                expected = "test-operator" if kind == "same-site" else "unauthenticated"
                assert refused.actor.startswith(expected), (kind, refused.actor)
            assert len(api.service.list_executions(schedule_name=SCHEDULE)) == 3  # none started

            page.goto(monitor)
            page.click("#sign-out")
            assert page.url == f"{api.url}/login?done=signed-out"
            assert page.locator("#notice").inner_text() == "You are signed out."
            page.screenshot(path=str(shots / "signed-out.png"), full_page=True)
            page.goto(monitor)
            assert page.url.startswith(f"{api.url}/login?next=")
        finally:
            browser.close()
    assert errors == []
    for name in ("login-refused", "monitor-operator", "signed-out"):
        assert (shots / f"{name}.png").stat().st_size > 5_000


def test_stop_execution_from_its_page_in_chromium(api: Api, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    api.service.register_endpoint("ep", str(api.tmp / "capture"))
    api.service.create_schedule(
        "slow",
        "cron(0 * ? * * *)",
        JobDefinition(
            input_kind="endpoint",
            endpoint_name="ep",
            output_uri=str(api.tmp / "out"),
            data_analysis_start_time="-PT1H",
            data_analysis_end_time="-PT0H",
            # A custom monitor that would run for two minutes: bounded if the stop never came.
            command=(sys.executable, "-c", "import time; time.sleep(120)"),
        ),
    )
    shots = tmp_path / "screenshots"
    shots.mkdir()
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = _signed_in(browser, api, "operator", errors, "/monitors/slow")
            page.click("#action-run-now")
            page.locator("#notice a").click()
            execution_id = int(page.url.rsplit("/", 1)[1])
            assert api.service.describe_execution(execution_id).status == "InProgress"
            page.screenshot(path=str(shots / "execution-running.png"), full_page=True)
            begin = time.monotonic()
            page.click("#action-stop-execution")
            assert page.url == f"{api.url}/executions/{execution_id}"
            assert _wait_ended(api, execution_id) == "Stopped"
            assert time.monotonic() - begin < 60  # stopped, not run out
            page.reload()
            assert page.locator("#action-stop-execution").count() == 0
            page.screenshot(path=str(shots / "execution-stopped.png"), full_page=True)
        finally:
            browser.close()
    stopped = api.service.describe_execution(execution_id)
    assert stopped.failure_reason is not None
    assert "stopped on request" in stopped.failure_reason
    entry = AccessControl(api.service).audit_log(limit=1)[0]
    assert (entry.target, entry.outcome) == (f"POST /executions/{execution_id}/actions/stop", 303)
    assert errors == []
