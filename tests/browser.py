"""Debian's chromium as every browser test launches it (Playwright; scripts/test-services.sh installs it).

The flags keep it headless and quiet: without the background-networking ones it keeps trying hosts
that this machine's closed network refuses.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Any name lookup fails too: a page that reaches for the network shows it.
OFFLINE_ARGS = ["--host-resolver-rules=MAP * ~NOTFOUND"]


def launch_chromium(playwright: Playwright, extra_args: list[str] | None = None) -> Browser:
    assert CHROMIUM.exists(), "Debian's chromium is missing: run scripts/test-services.sh (make test does)"
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS + (extra_args or []))
