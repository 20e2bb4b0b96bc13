"""Turn a results dict (as written to benchmarks/results/*.json) into a terminal table and BENCHMARKS.md.

Only figures from the results are printed; nothing here rounds a miss into a pass.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

NOTES_MARKER = "<!-- Hand-written notes below this line are kept when `make bench` rewrites the file. -->"
MIB = 2**20


def _mib(value: float | None) -> str:
    return "–" if value is None else f"{value / MIB:,.0f}"


def _seconds(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def tool_rows(results: dict[str, Any]) -> list[list[str]]:
    """One row per tool: name, median wall, range, peak RSS, self-reported phases, status."""
    rows = []
    for tool in results["tools"]:
        walls = [run["wall_s"] for run in tool["runs"]]
        status = "ok" if tool["ok"] else f"FAILED: {tool['error']}"
        others = [_disturbance_s(run) for run in tool["runs"]]
        rows.append(
            [
                tool["tool"],
                _seconds(tool.get("median_wall_s")),
                f"{min(walls):.2f}–{max(walls):.2f}" if walls else "–",
                _seconds(tool.get("median_cpu_s")),
                f"{max(others):.1f}" if others else "–",
                _mib(tool.get("median_peak_rss_bytes")),
                _seconds(tool.get("median_import_s")),
                _seconds(tool.get("median_compute_s")),
                str(len(walls)),
                status,
            ]
        )
    return rows


TOOL_HEADER = [
    "tool",
    "wall s (median)",
    "wall s (min–max)",
    "CPU s (median)",
    "others' CPU + steal s (max)",
    "peak RSS MiB",
    "imports s",
    "read+profile+write s",
    "runs",
    "status",
]
TARGET_HEADER = ["comparison", "measured (wall time)", "target", "met", "same ratio on CPU time"]


def _ratio_text(value: float | None, unit: str) -> str:
    return "–" if value is None else f"{value:.2f}{unit}"


def target_rows(results: dict[str, Any]) -> list[list[str]]:
    rows = []
    for target in results["targets"]:
        met = {True: "yes", False: "**no**", None: "not measured"}[target["met"]]
        rows.append(
            [
                target["name"],
                _ratio_text(target["measured"], target["unit"]),
                target["target"],
                met,
                _ratio_text(target.get("measured_cpu"), target["unit"]),
            ]
        )
    return rows


def _markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def terminal_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows, strict=False)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * width for width in widths))
    lines += ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(lines)


def _memory_section(memory: dict[str, Any] | None) -> str:
    if memory is None:
        return "Not run (`--skip-memory`, or `modelmonitor baseline` was not available)."
    status = "every row profiled" if memory["ok"] else f"FAILED: {memory['error']}"
    peaks = ", ".join(f"{run['peak_rss_bytes'] / MIB:,.0f}" for run in memory.get("runs", []))
    return (
        f"`{memory['command']}` on {memory['rows']:,} rows ({memory['file_mib']:.0f} MiB of Parquet), "
        f"{len(memory.get('runs', [])) or 1} run(s), peaks {peaks} MiB; the highest counts: "
        f"peak RSS **{memory['peak_rss_bytes'] / MIB:,.0f} MiB** (limit 1024 MiB) in the run that took "
        f"wall time {memory['wall_s']:.1f} s, CPU time {memory.get('cpu_s', 0.0):.1f} s, "
        f"other processes used {memory.get('others_cpu_s', 0.0):.1f} CPU s meanwhile and the hypervisor "
        f"stole {memory.get('steal_s', 0.0):.1f} s, {status}."
    )


def _capture_section(capture: dict[str, Any] | None) -> str:
    """The figures benchmarks/capture_bench.py returned (its own module; rendered defensively)."""
    if capture is None:
        return "Not run (`--skip-capture`, or benchmarks/capture_bench.py not found)."
    if not capture.get("ok"):
        return f"FAILED: {capture.get('error')}"
    figures = capture.get("figures", {})
    lines = [
        "Run by `make bench` through `benchmarks.capture_bench.main()` (its own results file: "
        "`benchmarks/results/capture.json`).",
        "",
    ]
    latency = figures.get("latency_at_rate", {})
    throughput = figures.get("throughput_rps", {})
    if latency:
        settings = figures.get("settings", {})
        lines.append(
            f"Latency at {settings.get('rate', '?')} req/s (open loop) and throughput at concurrency "
            f"{settings.get('concurrency', '?')}, medians of {settings.get('rounds', '?')} rounds:"
        )
        lines.append("")
        rows = [
            [
                name,
                f"{values.get('p50_ms', 0.0):.2f}",
                f"{values.get('p99_ms', 0.0):.2f}",
                f"{throughput.get(name, 0.0):,.0f}",
            ]
            for name, values in latency.items()
        ]
        lines.append(_markdown_table(["path", "p50 ms", "p99 ms", "requests/s"], rows))
        lines.append("")
    middleware = figures.get("middleware")
    if middleware:
        lines.append(f"ASGI middleware added time: {middleware.get('added_us', 0.0):.1f} µs per request.")
        lines.append("")
    for name, value in figures.get("targets", {}).items():
        shown = f"{value:.2f}" if isinstance(value, float) else str(value)
        lines.append(f"- {name}: {shown}")
    return "\n".join(lines).strip()


def _spark_section(spark: dict[str, Any] | None) -> str:
    """The figures benchmarks/spark_bench.py returned: one run per engine, same Parquet files."""
    if spark is None:
        return "Not run (`--skip-spark`)."
    if not spark.get("ok"):
        return f"FAILED: {spark.get('error')}"
    figures = spark["figures"]
    rows = [
        [
            name,
            f"{values['wall_s']:.1f}",
            f"{values['cpu_s']:.1f}",
            f"{values['peak_rss_mib']:,}",
            f"{values['others_cpu_s']:.1f}",
        ]
        for name, values in figures.items()
        if isinstance(values, dict) and "wall_s" in values
    ]
    identical = ", ".join(
        f"{name} {'identical' if same else 'differs'}" for name, same in figures["identical_files"].items()
    )
    return (
        f"`modelmonitor baseline` on {figures['rows']:,} rows × 30 columns in {figures['files']} Parquet "
        f"files, one run per engine (`python -m benchmarks.spark_bench --rows {figures['rows']}`):\n\n"
        + _markdown_table(["engine", "wall s", "CPU s", "peak RSS MiB (tree)", "others' CPU s"], rows)
        + f"\n\nThe JVM alone peaked at {figures['jvm_peak_rss_mib']:,} MiB (part of the Spark tree). "
        f"Spark's files against the local engine's: {identical}."
    )


CATALOG_PAGES_HEADER = [
    "catalog",
    "executions",
    "page size",
    "pages",
    "median ms",
    "p95 ms",
    "worst ms",
    "filtered page ms",
    "full GC passes (longest ms)",
    "< 200 ms every page",
]


def _catalog_pages_section(pages: dict[str, Any] | None) -> str:
    """The figures benchmarks/catalog_pages_bench.py returned: one line per catalog."""
    if pages is None:
        return "Not run (`--skip-catalog-pages`)."
    if "error" in pages:
        return f"FAILED: {pages['error']}"
    rows = [
        [
            "PostgreSQL" if figures["catalog"].startswith("postgres") else "SQLite",
            f"{figures['executions']:,}",
            str(figures["page_size"]),
            str(figures["pages"]),
            f"{figures['median_page_ms']:.1f}",
            f"{figures['p95_page_ms']:.1f}",
            f"{figures['worst_page_ms']:.1f}",
            f"{figures['filtered_page_ms']:.1f}",
            # Figures of runs made before the bench counted collections have none: shown as unknown.
            f"{figures['gc_full_passes']} ({figures['gc_longest_full_pass_ms']:.1f})"
            if "gc_full_passes" in figures
            else "–",
            "yes" if figures["met"] else "**no**",
        ]
        for figures in pages["figures"]
    ]
    postgres = "" if len(rows) > 1 else " PostgreSQL not measured (`--catalog-pages-postgres-url`)."
    return (
        "`GET /api/v1/executions?limit=P&offset=...` newest first, from the first page to the empty one "
        "past the last, each page timed at the client over the real API on 127.0.0.1, then one page "
        "filtered by schedule (`python -m benchmarks.catalog_pages_bench`). Target: every page under "
        f"200 ms.{postgres}\n\n" + _markdown_table(CATALOG_PAGES_HEADER, rows)
    )


def _disturbance_s(run: dict[str, Any]) -> float:
    """CPU seconds taken from the machine by others during a run: other processes plus steal."""
    return float(run.get("others_cpu_s", 0.0)) + float(run.get("steal_s", 0.0))


def _runs_section(results: dict[str, Any]) -> str:
    """Every run, so a run disturbed by other work on the machine can be told from the others."""
    rows = []
    disturbed = 0
    for tool in results["tools"]:
        for index, run in enumerate(tool["runs"], start=1):
            # Disturbed: other processes and steal took more than a tenth of one core over the run.
            flag = _disturbance_s(run) > 0.1 * run["wall_s"]
            disturbed += flag
            rows.append(
                [
                    tool["tool"],
                    str(index),
                    f"{run['wall_s']:.2f}",
                    f"{run.get('cpu_s', 0.0):.2f}",
                    f"{run.get('others_cpu_s', 0.0):.1f}",
                    f"{run['steal_s']:.1f}" if "steal_s" in run else "in others'",
                    f"{run['peak_rss_bytes'] / MIB:,.0f}",
                    "yes" if flag else "",
                ]
            )
    total = len(rows)
    header = ["tool", "round", "wall s", "CPU s", "others' CPU s", "steal s", "peak RSS MiB", "disturbed"]
    summary = (
        f"{disturbed} of {total} runs were disturbed (other processes and hypervisor steal took more "
        "than 0.1 CPU s per second of the run); their wall times are longer than on a quiet machine."
    )
    return summary + "\n\n" + _markdown_table(header, rows)


def _versions_section(results: dict[str, Any]) -> str:
    lines = []
    for venv, found in results["versions"].items():
        listed = ", ".join(f"{name} {version}" for name, version in found.items())
        lines.append(f"- `{venv}`: {listed}")
    return "\n".join(lines)


def _source_text(results: dict[str, Any]) -> str:
    source = results.get("source")
    if not source:
        return ""
    dirty = " plus uncommitted changes under src/" if source.get("src_dirty") else ""
    return f"; code at commit {source['commit']}{dirty}"


def _kept_notes(path: Path) -> str:
    if not path.exists():
        return ""
    text = path.read_text()
    return text.split(NOTES_MARKER, 1)[1].strip() if NOTES_MARKER in text else ""


def markdown(results: dict[str, Any], notes: str) -> str:
    machine = results["machine"]
    data = results["dataset"]
    env = ", ".join(f"{name}={value}" for name, value in machine["env"].items())
    capture_text = _capture_section(results.get("capture_bench"))
    sections = [
        "# Benchmarks",
        f"Written by `make bench` (`benchmarks/run.py`) on {results['date_utc']}; results file "
        f"`{results['results_file']}`{_source_text(results)}. Figures are as measured, misses included.",
        "## Reproduce\n\n```\nmake bench\n```\n\nIt creates `.venv-bench` (the peers, pinned in "
        "`benchmarks/requirements-peers.txt`, kept out of the project's `.venv`), generates the data "
        "sets under `benchmarks/.data/` (seeded: the same rows on every run with the "
        "same NumPy; the sha256 below tells), runs every tool in "
        "interleaved rounds and rewrites this file. `python -m benchmarks.run --help` lists options.",
        "## Machine\n\n"
        f"- CPU: {machine['cpu_model']}, {machine['logical_cores']} logical cores\n"
        f"- RAM: {machine['memory_gib']} GiB\n- OS: {machine['os']}\n- Environment: {env}",
        "## Versions\n\n" + _versions_section(results),
        "## Data set\n\n"
        f"`{data['path']}`: {data['rows']:,} rows × {data['columns']} columns ({data['numeric']} numeric: "
        f"{data['integer']} integer and {data['fractional']} float; "
        f"{data['categorical']} string columns with "
        f"{data['cardinalities']} distinct values), {data['null_fraction']:.0%} nulls per column, "
        f"{data['file_mib']:.1f} MiB of Snappy Parquet, sha256 `{data['sha256'][:16]}…`.",
        f"## Results: {data['rows']:,} rows, median of {results['repeats']} runs\n\n"
        + _markdown_table(TOOL_HEADER, tool_rows(results))
        + "\n\nCommands (OUT is a fresh folder per run):\n\n"
        + "\n".join(f"- {tool['tool']}: `{tool['command']}`" for tool in results["tools"]),
        "### Every run\n\n" + _runs_section(results),
        "## Against the targets of issue #2\n\n" + _markdown_table(TARGET_HEADER, target_rows(results)),
        "## Peak memory, 10M rows\n\n" + _memory_section(results.get("memory_check")),
        "## Capture benchmark\n\n" + capture_text,
        "## Spark engine against the local engine\n\n" + _spark_section(results.get("spark_bench")),
        "## The API's execution list (issue 11)\n\n"
        + _catalog_pages_section(results.get("catalog_pages_bench")),
        "## Method\n\n"
        "- Wall time is the whole command as a user runs it, interpreter start and imports included, "
        "from process start to exit; the ratios are taken on it. Peers also report their own phases "
        "(imports; read Parquet into pandas + profile + write the result), shown for reference; "
        "for ours, imports s is the wall time of `modelmonitor --version` run after each round.\n"
        "- CPU time is user + system time of the process tree (wait4). The machine may be shared, so "
        "each run also records the CPU seconds every other process used meanwhile (busy time from "
        "/proc/stat less the run's own) and the time the hypervisor stole from this virtual machine "
        "(/proc/stat steal): near 0 for both means an undisturbed run. On a loaded machine wall "
        "times grow while CPU times move much less, so the CPU-time ratios are shown beside the "
        "wall-time ones (a multi-threaded tool spends more CPU than wall time, so CPU ratios favour "
        "single-threaded tools).\n"
        "- Peak memory is the larger of the process tree's ru_maxrss (wait4) and the sum of VmRSS over "
        "the tree sampled every 10 ms.\n"
        "- The Parquet file is read once before timing so every tool starts with a warm page cache; "
        "tools run in interleaved rounds so slow drifts of the machine hit all of them alike.\n"
        "- A run counts only if it profiled every row: `statistics.json` must say "
        "`dataset.item_count` = rows; peers must report the row count.\n"
        "- whylogs and Evidently read the Parquet file with `pandas.read_parquet` (pyarrow), which is "
        "how their docs start; Evidently is given the numeric/categorical roles instead of inferring "
        "them. DuckDB computes count, sum, min, max, stddev_pop and approx_quantile per numeric column "
        "and count, count(DISTINCT) and value counts per string column in one SELECT.\n"
        "- The environment is left as it is: OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, which this "
        "workplace sets on some processors and which slow a current NumPy, are recorded under Machine "
        "and not changed, so the figures are what a user of this machine gets.",
        NOTES_MARKER,
    ]
    text = "\n\n".join(sections) + "\n"
    return text + ("\n" + notes + "\n" if notes else "")


def write_markdown(results: dict[str, Any], path: Path) -> None:
    """Rewrite BENCHMARKS.md from `results`, keeping the hand-written notes below the marker."""
    path.write_text(markdown(results, _kept_notes(path)))


def main(argv: list[str] | None = None) -> None:
    """`python -m benchmarks.report RESULTS.json`: rewrite BENCHMARKS.md from a results file."""
    import argparse
    import json

    parser = argparse.ArgumentParser(description="Rewrite BENCHMARKS.md from a results file.")
    parser.add_argument("results", type=Path, help="a benchmarks/results/<time>.json file")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "BENCHMARKS.md")
    args = parser.parse_args(argv)
    write_markdown(json.loads(args.results.read_text()), args.out)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
