"""A report written by `modelmonitor report` opens in chromium with the network cut: no console error,
every plot drawn with its data. The screenshot is kept under the test's tmp folder."""

from __future__ import annotations

from pathlib import Path

from modelmonitor.cli.main import main
from tests.browser import OFFLINE_ARGS, launch_chromium
from tests.reports.conftest import CheckedFiles


def test_report_opens_offline_and_draws_every_plot(drifted: CheckedFiles, tmp_path: Path) -> None:
    from playwright.sync_api import Route, sync_playwright

    out = tmp_path / "report.html"
    code = main(
        [
            "report",
            "--statistics",
            str(drifted.output / "statistics.json"),
            "--baseline",
            str(drifted.baseline),
            "--violations",
            str(drifted.output / "constraint_violations.json"),
            "--out",
            str(out),
        ]
    )
    assert code in (None, 0)
    refused: list[str] = []
    errors: list[str] = []

    def only_files(route: Route) -> None:
        if route.request.url.startswith("file://"):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright, OFFLINE_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.route("**/*", only_files)
            page.on(
                "console", lambda message: errors.append(message.text) if message.type == "error" else None
            )
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(out.as_uri())
            page.wait_for_function(
                "document.querySelectorAll('.plot[data-figure]').length > 0 && "
                "[...document.querySelectorAll('.plot[data-figure]')]"
                ".every(p => p.querySelector('svg.main-svg'))",
                timeout=60_000,
            )
            plots = page.locator(".plot[data-figure]").count()
            drawn = page.evaluate(
                "[...document.querySelectorAll('.plot[data-figure]')]"
                ".filter(p => p.querySelectorAll('.point path, .trace.scatter .point').length > 0).length"
            )
            first = page.locator("section.feature").first
            first_name = first.get_attribute("data-feature")
            bars_in_first = first.locator(".trace.bars .point path").count()
            page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
        finally:
            browser.close()
    assert errors == []
    assert refused == []  # the page asked for nothing but its own file
    assert plots >= 1 + 6 * 2  # the drift overview, then per feature a distribution and a missing share
    assert drawn == plots  # every plot has data points, not only axes
    assert first_name == "_c2"
    assert bars_in_first >= 2  # baseline and current buckets
    assert (tmp_path / "report.png").stat().st_size > 10_000
