"""`make bench`: time `modelmonitor baseline` against whylogs, Evidently and a raw DuckDB scan in one
run on the same Parquet file, check peak memory on 10M rows, and write the figures to
benchmarks/results/<time>.json and BENCHMARKS.md.

Usage: python -m benchmarks.run [--repeats N] [--rows N] [--memory-rows N] [--tools ...]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import data, machine, report
from benchmarks.measure import Measurement, RunResult, run_once
from benchmarks.tools import (
    BENCH_VENV,
    PROJECT_VENV,
    ROOT,
    TOOLS,
    Tool,
    ToolName,
    baseline_available,
    bench_venv_ready,
)

RESULTS_DIR = Path(__file__).resolve().parent / "results"
BENCHMARKS_MD = ROOT / "BENCHMARKS.md"
MEMORY_LIMIT_BYTES = 2**30

# (name, peer, target text, minimum speed-up of ours over the peer)
TARGETS: tuple[tuple[str, ToolName, str, float], ...] = (
    ("speed-up vs whylogs", "whylogs", "≥ 3×", 3.0),
    ("speed-up vs Evidently", "evidently", "≥ 10×", 10.0),
)


def _warm_page_cache(path: Path) -> None:
    with path.open("rb") as handle:
        while handle.read(1 << 24):
            pass


def _run_rounds(tools: list[Tool], data_path: Path, rows: int, repeats: int) -> dict[str, dict[str, Any]]:
    """Run every tool once per round, `repeats` rounds; a tool that fails is not run again."""
    runs: dict[str, list[RunResult]] = {tool.name: [] for tool in tools}
    errors: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="bench-out-", dir=data.DATA_DIR) as scratch:
        out_dir = Path(scratch) / "out"
        for round_index in range(repeats):
            for tool in tools:
                if tool.name in errors:
                    continue
                shutil.rmtree(out_dir, ignore_errors=True)
                result = run_once(tool.command(data_path, out_dir))
                startup = tool.startup_command()
                if startup is not None and result.exit_code == 0:
                    # Peers time their own imports; ours is a CLI, so time its start on its own.
                    started = run_once(startup)
                    result = replace(result, reported={**result.reported, "import_s": started.wall_s})
                runs[tool.name].append(result)
                problem = (
                    f"exit code {result.exit_code}: {result.stderr_tail.strip()[-400:]}"
                    if result.exit_code
                    else tool.check(out_dir, rows, result.reported)
                )
                if problem:
                    errors[tool.name] = problem
                print(
                    f"  round {round_index + 1}/{repeats} {tool.name:<12} wall {result.wall_s:7.2f} s  "
                    f"cpu {result.cpu_s:7.2f} s  {result.peak_rss_bytes / 2**20:6.0f} MiB  "
                    f"others' cpu {result.others_cpu_s:6.2f} s  steal {result.steal_s:5.2f} s"
                    f"{'' if not problem else '  FAILED: ' + problem}",
                    flush=True,
                )
    return {
        tool.name: _tool_summary(tool, data_path, runs[tool.name], errors.get(tool.name)) for tool in tools
    }


def _tool_summary(tool: Tool, data_path: Path, runs: list[RunResult], error: str | None) -> dict[str, Any]:
    measurement = Measurement(tool=tool.name, command=tool.command(data_path, Path("OUT")), runs=runs)
    ok = error is None and measurement.ok
    summary: dict[str, Any] = {
        "tool": tool.name,
        "description": tool.description,
        "interpreter": str(tool.venv.relative_to(ROOT)),
        "command": tool.display_command(data_path, Path("OUT")),
        "ok": ok,
        "error": error,
        "runs": [
            {
                "wall_s": r.wall_s,
                "cpu_s": r.cpu_s,
                "peak_rss_bytes": r.peak_rss_bytes,
                "others_cpu_s": r.others_cpu_s,
                "steal_s": r.steal_s,
                "exit_code": r.exit_code,
                **r.reported,
            }
            for r in runs
        ],
    }
    if ok:
        summary["median_wall_s"] = measurement.median_wall_s
        summary["median_cpu_s"] = measurement.median_cpu_s
        summary["median_peak_rss_bytes"] = measurement.median_peak_rss_bytes
        summary["median_import_s"] = measurement.median_reported("import_s")
        summary["median_compute_s"] = measurement.median_reported("compute_s")
    return summary


def _ratio(summaries: dict[str, dict[str, Any]], numerator: str, denominator: str, key: str) -> float | None:
    top = summaries.get(numerator, {}).get(key)
    bottom = summaries.get(denominator, {}).get(key)
    return top / bottom if top and bottom else None


def _targets(summaries: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The targets of issue #2, judged on median wall time; CPU-time ratios are shown beside them."""
    found = []
    for name, peer, target, threshold in TARGETS:
        measured = _ratio(summaries, peer, "modelmonitor", "median_wall_s")
        found.append(
            {
                "name": name,
                "measured": measured,
                "measured_cpu": _ratio(summaries, peer, "modelmonitor", "median_cpu_s"),
                "unit": "×",
                "target": target,
                "met": None if measured is None else measured >= threshold,
            }
        )
    slowdown = _ratio(summaries, "modelmonitor", "duckdb", "median_wall_s")
    found.append(
        {
            "name": "time vs raw DuckDB scan",
            "measured": slowdown,
            "measured_cpu": _ratio(summaries, "modelmonitor", "duckdb", "median_cpu_s"),
            "unit": "×",
            "target": "≤ 2×",
            "met": None if slowdown is None else slowdown <= 2.0,
        }
    )
    return found


def _memory_check(rows: int, repeats: int) -> dict[str, Any]:
    """Peak memory of ours on `rows` rows; the highest of `repeats` runs counts (peaks vary run to run)."""
    path = data.generate(rows)
    _warm_page_cache(path)
    tool = TOOLS["modelmonitor"]
    runs: list[RunResult] = []
    error = None
    with tempfile.TemporaryDirectory(prefix="bench-mem-", dir=data.DATA_DIR) as scratch:
        out_dir = Path(scratch) / "out"
        for _ in range(repeats):
            shutil.rmtree(out_dir, ignore_errors=True)
            result = run_once(tool.command(path, out_dir))
            runs.append(result)
            print(
                f"  {rows:,} rows: wall {result.wall_s:7.2f} s  cpu {result.cpu_s:7.2f} s  "
                f"{result.peak_rss_bytes / 2**20:6.0f} MiB  others' cpu {result.others_cpu_s:6.2f} s  "
                f"steal {result.steal_s:5.2f} s",
                flush=True,
            )
            error = (
                f"exit code {result.exit_code}: {result.stderr_tail.strip()[-400:]}"
                if result.exit_code
                else tool.check(out_dir, rows, result.reported)
            )
            if error:
                break
    worst = max(runs, key=lambda run: run.peak_rss_bytes)
    return {
        "rows": rows,
        "command": tool.display_command(path, Path("OUT")),
        "file_mib": path.stat().st_size / 2**20,
        "runs": [
            {
                "wall_s": r.wall_s,
                "cpu_s": r.cpu_s,
                "others_cpu_s": r.others_cpu_s,
                "steal_s": r.steal_s,
                "peak_rss_bytes": r.peak_rss_bytes,
            }
            for r in runs
        ],
        "wall_s": worst.wall_s,
        "cpu_s": worst.cpu_s,
        "others_cpu_s": worst.others_cpu_s,
        "steal_s": worst.steal_s,
        "peak_rss_bytes": worst.peak_rss_bytes,
        "limit_bytes": MEMORY_LIMIT_BYTES,
        "ok": error is None,
        "error": error,
        "met": error is None and worst.peak_rss_bytes < MEMORY_LIMIT_BYTES,
    }


def _capture_bench() -> dict[str, Any] | None:
    """Run benchmarks/capture_bench.py's main() if that module exists; its failure is recorded, not raised."""
    if not (Path(__file__).resolve().parent / "capture_bench.py").exists():
        return None
    print("capture benchmark (benchmarks/capture_bench.py)", flush=True)
    try:
        returned = importlib.import_module("benchmarks.capture_bench").main([])
    except (Exception, SystemExit) as exc:  # a separate benchmark: its failure must not sink this run
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    result: dict[str, Any] = {"ok": True}
    if isinstance(returned, dict):
        result["figures"] = returned
    return result


def _model_quality_bench(records: int) -> dict[str, Any]:
    """Run benchmarks/merge_bench.py (merge + metrics against a DuckDB join); its failure is recorded."""
    print(f"model-quality benchmark (benchmarks/merge_bench.py), {records:,} records", flush=True)
    try:
        figures = importlib.import_module("benchmarks.merge_bench").main(["--records", str(records)])
    except (Exception, SystemExit) as exc:  # a separate benchmark: its failure must not sink this run
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    return {"ok": "error" not in figures, "figures": figures}


def _monitoring_bench(records: int) -> dict[str, Any]:
    """Run benchmarks/monitoring_bench.py (a scheduled execution against a DuckDB parse); failure recorded."""
    print(f"monitoring benchmark (benchmarks/monitoring_bench.py), {records:,} captured records", flush=True)
    try:
        figures = importlib.import_module("benchmarks.monitoring_bench").measure(records, 3)
    except (Exception, SystemExit) as exc:  # a separate benchmark: its failure must not sink this run
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    return {"ok": "error" not in figures, "figures": figures}


def _spark_bench(rows: int) -> dict[str, Any]:
    """Run benchmarks/spark_bench.py (local engine against Spark local[2]); its failure is recorded."""
    print(f"Spark engine benchmark (benchmarks/spark_bench.py), {rows:,} rows", flush=True)
    try:
        figures = importlib.import_module("benchmarks.spark_bench").main(["--rows", str(rows)])
    except (Exception, SystemExit) as exc:  # a separate benchmark: its failure must not sink this run
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    return {"ok": True, "figures": figures}


def _catalog_pages_bench(postgres_url: str | None) -> dict[str, Any]:
    """Run benchmarks/catalog_pages_bench.py (the API's execution list, page by page); failure recorded."""
    print("catalog pages benchmark (benchmarks/catalog_pages_bench.py), 10,000 executions", flush=True)
    argv = ["--postgres-url", postgres_url] if postgres_url else []
    try:
        figures = importlib.import_module("benchmarks.catalog_pages_bench").main(argv)
    except (Exception, SystemExit) as exc:  # a separate benchmark: its failure must not sink this run
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    return {"ok": all(f["met"] for f in figures), "figures": figures}


def _dataset_info(path: Path, rows: int) -> dict[str, Any]:
    integer = sum(1 for c in data.NUMERIC_COLUMNS if str(c.arrow_type).startswith("int"))
    return {
        "path": str(path.relative_to(ROOT)),
        "rows": rows,
        "columns": len(data.NUMERIC_COLUMNS) + len(data.CATEGORICAL_COLUMNS),
        "numeric": len(data.NUMERIC_COLUMNS),
        "integer": integer,
        "fractional": len(data.NUMERIC_COLUMNS) - integer,
        "categorical": len(data.CATEGORICAL_COLUMNS),
        "cardinalities": "/".join(str(c.cardinality) for c in data.CATEGORICAL_COLUMNS),
        "null_fraction": data.NULL_FRACTION,
        "file_mib": path.stat().st_size / 2**20,
        "sha256": data.file_digest(path),
    }


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Benchmark modelmonitor baseline against its peers.")
    parser.add_argument("--repeats", type=int, default=3, help="rounds per tool; the median is reported")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--memory-rows", type=int, default=10_000_000)
    parser.add_argument("--tools", nargs="+", choices=sorted(TOOLS), default=list(TOOLS))
    parser.add_argument("--memory-repeats", type=int, default=2, help="the highest peak counts")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--skip-capture", action="store_true")
    parser.add_argument("--skip-model-quality", action="store_true")
    parser.add_argument("--model-quality-records", type=int, default=1_000_000)
    parser.add_argument("--skip-monitoring", action="store_true")
    parser.add_argument("--monitoring-records", type=int, default=1_000_000)
    parser.add_argument("--skip-spark", action="store_true")
    parser.add_argument("--spark-rows", type=int, default=10_000_000)
    parser.add_argument("--skip-catalog-pages", action="store_true")
    parser.add_argument(
        "--catalog-pages-postgres-url",
        default=None,
        help="an empty PostgreSQL database: the catalog pages benchmark measures it too (else SQLite only)",
    )
    parser.add_argument("--no-write", action="store_true", help="print only; write no results file")
    return parser.parse_args(argv)


def _select_tools(names: list[str]) -> list[Tool]:
    tools = [TOOLS[name] for name in TOOLS if name in names]
    if "modelmonitor" in names and not baseline_available():
        print("! `modelmonitor baseline` is not available in .venv yet; measuring the others only")
        tools = [tool for tool in tools if tool.name != "modelmonitor"]
    if any(tool.venv == BENCH_VENV for tool in tools) and not bench_venv_ready():
        sys.exit(
            "error: .venv-bench is missing or broken; run `make bench` (it installs "
            "benchmarks/requirements-peers.txt there)"
        )
    return tools


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    started = datetime.now(UTC)
    tools = _select_tools(args.tools)
    print(f"data set: {args.rows:,} rows", flush=True)
    data_path = data.generate(args.rows)
    _warm_page_cache(data_path)
    print(f"running {', '.join(tool.name for tool in tools)}, {args.repeats} rounds", flush=True)
    summaries = _run_rounds(tools, data_path, args.rows, args.repeats)
    memory = None
    if not args.skip_memory and "modelmonitor" in summaries:
        print(f"peak-memory check: modelmonitor baseline on {args.memory_rows:,} rows", flush=True)
        memory = _memory_check(args.memory_rows, args.memory_repeats)
    capture = None if args.skip_capture else _capture_bench()
    model_quality = None if args.skip_model_quality else _model_quality_bench(args.model_quality_records)
    monitoring = None if args.skip_monitoring else _monitoring_bench(args.monitoring_records)
    spark = None if args.skip_spark else _spark_bench(args.spark_rows)
    catalog_pages = None if args.skip_catalog_pages else _catalog_pages_bench(args.catalog_pages_postgres_url)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    results: dict[str, Any] = {
        "date_utc": started.strftime("%Y-%m-%d %H:%M UTC"),
        "command": "make bench",
        "duration_s": round(time.time() - started.timestamp(), 1),
        "results_file": f"benchmarks/results/{stamp}.json",
        "source": machine.source_state(ROOT),
        "machine": machine.machine_dict(),
        "versions": {
            ".venv": machine.versions(PROJECT_VENV / "bin" / "python", machine.PROJECT_PACKAGES),
            ".venv-bench": machine.versions(BENCH_VENV / "bin" / "python", machine.PEER_PACKAGES),
        },
        "dataset": _dataset_info(data_path, args.rows),
        "repeats": args.repeats,
        "tools": list(summaries.values()),
        "targets": _targets(summaries),
        "memory_check": memory,
        "capture_bench": capture,
        "model_quality_bench": model_quality,
        "monitoring_bench": monitoring,
        "spark_bench": spark,
        "catalog_pages_bench": catalog_pages,
    }
    if memory is not None:
        results["targets"].append(
            {
                "name": f"peak memory, {args.memory_rows:,} rows",
                "measured": memory["peak_rss_bytes"] / 2**20,
                "measured_cpu": None,
                "unit": " MiB",
                "target": "< 1024 MiB",
                "met": memory["met"],
            }
        )
    print()
    print(report.terminal_table(report.TOOL_HEADER, report.tool_rows(results)))
    print()
    print(report.terminal_table(report.TARGET_HEADER, report.target_rows(results)))
    if not args.no_write:
        RESULTS_DIR.mkdir(exist_ok=True)
        (RESULTS_DIR / f"{stamp}.json").write_text(json.dumps(results, indent=2) + "\n")
        report.write_markdown(results, BENCHMARKS_MD)
        print(f"\nwrote {results['results_file']} and BENCHMARKS.md")
    failed = [tool["tool"] for tool in results["tools"] if not tool["ok"]]
    return 1 if failed else 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
