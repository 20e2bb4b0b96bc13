"""The REST API's execution list, page by page, over a catalog of N executions (issue 11: < 200 ms a page).

    .venv/bin/python -m benchmarks.catalog_pages_bench [--executions 10000] [--page-size 100]
        [--postgres-url postgresql://user@127.0.0.1:PORT/db] [--unfrozen-heap]

Fills a catalog with N finished executions of 4 schedules (an hour apart, as a scheduler leaves them),
starts the real API (uvicorn on a free 127.0.0.1 port, as ``modelmonitor serve``) over it and reads
``GET /api/v1/executions?limit=P&offset=...`` from the first page to the empty one past the last, newest
first (the default), then a page of one schedule (the ``schedule`` filter). Every page is timed at the
client: request, query, JSON and loopback included. SQLite always; PostgreSQL when ``--postgres-url``
names an empty database (its tables are dropped at the end).

The server's start-up heap is frozen as ``modelmonitor serve`` freezes it (``freeze_startup_heap``):
without that, a full garbage-collection pass over it (~90 ms of CPU) landed in one page and was the
worst page. The full passes during the pages and the longest one are reported (``gc_full_passes``,
``gc_longest_full_pass_ms``) so such a pause shows for what it is; ``--unfrozen-heap`` measures
without the freeze.

Prints one JSON line per catalog: median, p95 and worst page in milliseconds; returns them.
"""

from __future__ import annotations

import argparse
import gc
import json
import shutil
import socket
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from modelmonitor.api.server import running_api
from modelmonitor.scheduler.clock import SteppingClock
from modelmonitor.service import MonitoringService
from modelmonitor.service.access import AccessControl, Role
from modelmonitor.storage.catalog import Catalog
from modelmonitor.storage.catalog_records import Base

TARGET_MS = 200.0
START = datetime(2025, 1, 1, tzinfo=UTC)
SCHEDULES = ("churn-quality", "churn-model", "fraud-quality", "fraud-bias")


def _fill(catalog: Catalog, executions: int) -> None:
    for index in range(executions):
        scheduled = START + timedelta(hours=index // len(SCHEDULES))
        catalog.add_execution(
            schedule_name=SCHEDULES[index % len(SCHEDULES)],
            endpoint_name=None,
            monitoring_type="DataQuality",
            scheduled_time=scheduled,
            status="Completed" if index % 7 else "CompletedWithViolations",
            now=scheduled,
        )


def _page_ms(client: httpx.Client, params: dict[str, Any]) -> tuple[float, int]:
    started = time.perf_counter()
    answer = client.get("/api/v1/executions", params=params)
    elapsed = (time.perf_counter() - started) * 1000
    answer.raise_for_status()
    return elapsed, len(answer.json())


class _FullCollections:
    """The generation-2 garbage-collection passes while it is active, and how long each took (ms)."""

    def __init__(self) -> None:
        self.passes: list[float] = []
        self._started = 0.0

    def __enter__(self) -> _FullCollections:
        gc.callbacks.append(self._observe)
        return self

    def __exit__(self, *_exc: object) -> None:
        gc.callbacks.remove(self._observe)

    def _observe(self, phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.passes.append((time.perf_counter() - self._started) * 1000)


def _measure(
    catalog_url: str, home: Path, executions: int, page_size: int, *, freeze_heap: bool = True
) -> dict[str, Any]:
    catalog = Catalog(catalog_url)
    service = MonitoringService(catalog, home, SteppingClock(START))
    try:
        started = time.perf_counter()
        _fill(catalog, executions)
        build_seconds = time.perf_counter() - started
        token = AccessControl(service).create_token(Role.VIEWER, "bench")[0]
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        with (
            running_api(service, sock, freeze_heap=freeze_heap) as url,
            httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as client,
        ):
            _page_ms(client, {"limit": 1})  # the first request opens the catalog's connections
            pages: list[float] = []
            listed = 0
            with _FullCollections() as collections:
                while True:
                    elapsed, count = _page_ms(client, {"limit": page_size, "offset": listed})
                    pages.append(elapsed)
                    listed += count
                    if count == 0:
                        break
            filtered, _ = _page_ms(
                client, {"limit": page_size, "offset": executions // 8, "schedule": SCHEDULES[1]}
            )
        assert listed == executions, f"listed {listed} of {executions} executions"
        ordered = sorted(pages)
        return {
            "catalog": catalog_url.split(":", 1)[0],
            "executions": executions,
            "page_size": page_size,
            "pages": len(pages),
            "build_seconds": round(build_seconds, 1),
            "median_page_ms": round(statistics.median(ordered), 1),
            "p95_page_ms": round(ordered[int(0.95 * (len(ordered) - 1))], 1),
            "worst_page_ms": round(ordered[-1], 1),
            "filtered_page_ms": round(filtered, 1),
            "gc_full_passes": len(collections.passes),
            "gc_longest_full_pass_ms": round(max(collections.passes, default=0.0), 1),
            "heap_frozen": freeze_heap,
            "met": ordered[-1] < TARGET_MS,
        }
    finally:
        if catalog_url.startswith("postgresql"):
            Base.metadata.drop_all(catalog._engine)
        service.close()


def main(argv: list[str] | None = None) -> list[dict[str, Any]]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--executions", type=int, default=10_000)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--postgres-url", default=None, help="an empty PostgreSQL database to measure too")
    parser.add_argument(
        "--unfrozen-heap", action="store_true", help="don't freeze the start-up heap (serve does)"
    )
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="catalog-pages-bench-"))
    urls = [f"sqlite:///{folder / 'catalog.sqlite'}"]
    if args.postgres_url:
        urls.append(args.postgres_url)
    try:
        results = []
        for url in urls:
            figures = _measure(
                url, folder / "home", args.executions, args.page_size, freeze_heap=not args.unfrozen_heap
            )
            print(json.dumps(figures), flush=True)
            results.append(figures)
        return results
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(0 if all(figures["met"] for figures in main()) else 1)
