"""benchmarks/report.py renders the catalog-pages benchmark (the API's execution list) into
BENCHMARKS.md's tables from a results file, misses shown as misses."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from benchmarks.report import markdown

# A results file `make bench` wrote (kept in the repository), to which the catalog-pages figures are added.
RESULTS = Path(__file__).resolve().parent.parent / "benchmarks" / "results" / "20261122T013626Z.json"


def _results(catalog_pages: dict[str, Any] | None) -> dict[str, Any]:
    results: dict[str, Any] = json.loads(RESULTS.read_text())
    if catalog_pages is not None:
        results["catalog_pages_bench"] = catalog_pages
    return results


def _figures(catalog: str, worst: float, **more: Any) -> dict[str, Any]:
    return {
        "catalog": catalog,
        "executions": 10000,
        "page_size": 100,
        "pages": 101,
        "build_seconds": 51.2,
        "median_page_ms": 11.2,
        "p95_page_ms": 21.3,
        "worst_page_ms": worst,
        "filtered_page_ms": 10.6,
        "met": worst < 200,
        **more,
    }


def test_the_catalog_pages_figures_are_a_table_of_benchmarks_md() -> None:
    figures = [
        _figures("sqlite", 44.6, gc_full_passes=0, gc_longest_full_pass_ms=0.0),
        _figures("postgresql", 324.7, gc_full_passes=1, gc_longest_full_pass_ms=310.0),
    ]
    text = markdown(_results({"ok": False, "figures": figures}), "")
    section = text.split("## The API's execution list (issue 11)\n\n", 1)[1].split("\n## ", 1)[0]
    assert "| SQLite | 10,000 | 100 | 101 | 11.2 | 21.3 | 44.6 | 10.6 | 0 (0.0) | yes |" in section
    assert "| PostgreSQL | 10,000 | 100 | 101 | 11.2 | 21.3 | 324.7 | 10.6 | 1 (310.0) | **no** |" in section
    assert "PostgreSQL not measured" not in section


def test_sqlite_only_older_figures_a_failure_and_a_skipped_run_are_said_so() -> None:
    older = markdown(_results({"ok": True, "figures": [_figures("sqlite", 90.5)]}), "")
    assert "| SQLite | 10,000 | 100 | 101 | 11.2 | 21.3 | 90.5 | 10.6 | – | yes |" in older
    assert "PostgreSQL not measured (`--catalog-pages-postgres-url`)." in older
    failed = markdown(_results({"ok": False, "error": "OperationalError: no database"}), "")
    assert "## The API's execution list (issue 11)\n\nFAILED: OperationalError: no database" in failed
    skipped = markdown(_results(None), "")
    assert "## The API's execution list (issue 11)\n\nNot run (`--skip-catalog-pages`)." in skipped
