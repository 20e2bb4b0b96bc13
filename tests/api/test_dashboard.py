"""The dashboard's home page: the HTML from the server, and the page in a real browser (chromium)."""

from __future__ import annotations

from pathlib import Path

from tests.api.conftest import Api, monitored_schedule
from tests.browser import launch_chromium


def _one_monitor_with_violations(api: Api) -> int:
    """Schedule ``hourly`` on ``ep`` with one finished run that found 2 violations."""
    monitored_schedule(api)
    now = api.service.clock.now()
    execution = api.service.catalog.add_execution(
        schedule_name="hourly",
        endpoint_name="ep",
        monitoring_type="DataQuality",
        scheduled_time=now,
        status="InProgress",
        now=now,
    )
    api.service.catalog.update_execution(
        execution.id, now, status="CompletedWithViolations", violation_count=2
    )
    return execution.id


def test_home_page_lists_every_endpoint_and_monitor(api: Api) -> None:
    _one_monitor_with_violations(api)
    api.service.register_endpoint("idle", str(api.tmp / "idle"))
    with api.client(None) as anonymous:
        sent_away = anonymous.get("/")  # to sign in (test_login.py), then back
        assert (sent_away.status_code, sent_away.headers["location"]) == (303, "/login?next=%2F")
    with api.client("viewer") as viewer:
        page = viewer.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert '<section class="target endpoint broken" data-target="ep">' in html
    assert '<section class="target endpoint" data-target="idle">' in html
    assert '<td class="status CompletedWithViolations">CompletedWithViolations</td>' in html
    assert '<td class="count-nonzero">2</td><td class="count-nonzero">2</td>' in html
    assert "no monitoring schedule" in html
    assert '<span id="broken-count">1</span>' in html
    assert "http://" not in html  # nothing is loaded from elsewhere
    assert "https://" not in html


def test_home_page_in_chromium(api: Api, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    _one_monitor_with_violations(api)
    screenshots = tmp_path / "screenshots"
    screenshots.mkdir()
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            context = browser.new_context(
                extra_http_headers={"Authorization": f"Bearer {api.tokens['viewer']}"}
            )
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on(
                "console", lambda message: errors.append(message.text) if message.type == "error" else None
            )
            answer = page.goto(api.url + "/")
            assert answer is not None
            assert answer.status == 200
            assert page.title() == "modelmonitor"
            row = page.locator('section[data-target="ep"] tr[data-schedule="hourly"]')
            assert row.locator("td.status").inner_text() == "CompletedWithViolations"
            assert page.locator("#broken-count").inner_text() == "1"
            # The status is shown in red, so "what is broken" is visible at a glance.
            colour = row.locator("td.status").evaluate("cell => getComputedStyle(cell).color")
            assert colour == "rgb(179, 38, 30)"
            page.screenshot(path=str(screenshots / "home.png"), full_page=True)
            assert errors == []
        finally:
            browser.close()
    assert (screenshots / "home.png").stat().st_size > 1000
