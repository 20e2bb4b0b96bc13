"""Spark engine benchmark: `modelmonitor baseline` on the local engine and on Spark local[2], same Parquet.

    .venv/bin/python -m benchmarks.spark_bench [--rows 10000000] [--files 10] [--keep DIR]
        [--engines local spark]

With ``--keep DIR`` the data is generated once and reused; running one engine per invocation then
compares with the other engine's output left under ``DIR/out``.

Writes ``rows`` rows of the benchmark data set (benchmarks/data.py: 30 columns) as ``files`` Parquet
files (Spark runs one task per file), then runs the command in its own process for each engine,
measured by benchmarks/measure.py: wall time, CPU time and the peak RSS of the whole process tree (for
Spark: the driver's Python, the JVM and the Python workers), and for Spark the JVM's own peak RSS
(sampled here from /proc). While each command runs, the RSS of the driver (the command's own process),
of the JVM and of the Python workers is sampled every 50 ms: the figures give each one's peak and its
value at each tenth of the run, so a driver that holds states and never rows shows a flat line.
``statistics.json`` of the two engines is compared with the KLL sketches left out (they depend on
batch boundaries and agree within their bound): every other number must be identical.
Prints the figures and a JSON line; `make bench` runs it (benchmarks/run.py).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from benchmarks import data
from benchmarks.measure import (
    SAMPLE_PERIOD_S,
    RunResult,
    children,
    descendants,
    rss_bytes,
    run_once,
    tree_rss_by_command,
)

ENGINES: dict[str, list[str]] = {
    "local": [],
    "spark local[2]": [
        "--engine",
        "spark",
        "--spark-master",
        "local[2]",
        "--spark-conf",
        "spark.ui.enabled=false",
        "--spark-conf",
        "spark.driver.memory=1g",
    ],
}


def generate(folder: Path, rows: int, files: int) -> None:
    """``files`` Parquet files of ``rows // files`` rows each, chunk ``i`` of the benchmark data in file i
    (a file already there with that many rows, from an earlier run with ``--keep``, is kept)."""
    folder.mkdir(parents=True, exist_ok=True)
    per_file = rows // files
    for index in range(files):
        path = folder / f"part-{index:05d}.parquet"
        if path.exists() and pq.ParquetFile(path).metadata.num_rows == per_file:
            continue
        pq.write_table(data.chunk(index, per_file), path)


class _TreeWatch(threading.Thread):
    """While a command runs: the peak RSS of the ``java`` processes below this one (the Spark JVM), the
    RSS of the driver, the JVM and the workers over time, and the CPU time of every process below this
    one, read from /proc (wait4 misses the JVM and its Python workers, which the command does not wait
    for)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.java_peak_bytes = 0
        self.series: list[tuple[float, int, int, int]] = []  # (seconds, driver, JVM, workers) RSS bytes
        self._cpu_ticks: dict[int, int] = {}
        self._done = threading.Event()
        self._start = time.monotonic()

    def run(self) -> None:
        while not self._done.is_set():
            self._sample()
            self._done.wait(SAMPLE_PERIOD_S * 5)

    def _sample(self) -> None:
        by_command = tree_rss_by_command(os.getpid())
        java = by_command.get("java", 0)
        self.java_peak_bytes = max(self.java_peak_bytes, java)
        drivers = children(os.getpid())
        driver = sum(rss_bytes(pid) for pid in drivers)
        workers = sum(by_command.values()) - rss_bytes(os.getpid()) - driver - java
        if driver:  # not before the command started, nor after it ended
            self.series.append((time.monotonic() - self._start, driver, java, max(0, workers)))
        for pid in descendants(os.getpid()):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            self._cpu_ticks[pid] = int(fields[11]) + int(fields[12])  # utime + stime

    def stop(self) -> tuple[int, float]:
        """(peak RSS of the JVM in bytes, CPU seconds of the tree) up to the last sample."""
        self._done.set()
        self.join()
        return self.java_peak_bytes, sum(self._cpu_ticks.values()) / os.sysconf("SC_CLK_TCK")


def _memory_profile(series: list[tuple[float, int, int, int]]) -> dict[str, list[int] | int]:
    """Peak and value at each tenth of the run (MiB) of the driver, the JVM and the workers."""
    profile: dict[str, list[int] | int] = {}
    if not series:
        return profile
    for index, role in enumerate(("driver", "jvm", "workers"), start=1):
        values = [sample[index] for sample in series]
        tenths = [values[min(len(values) - 1, len(values) * tenth // 10)] for tenth in range(1, 11)]
        profile[f"{role}_peak_mib"] = round(max(values) / 2**20)
        profile[f"{role}_tenths_mib"] = [round(value / 2**20) for value in tenths]
    return profile


def measure(
    folder: Path, out: Path, engines: list[str]
) -> tuple[dict[str, RunResult], int, dict[str, float], dict[str, dict[str, Any]]]:
    """Each engine's run, the JVM's peak RSS during the Spark run, each run's tree CPU seconds and
    memory profile."""
    results, jvm_peak, tree_cpu, memory = {}, 0, {}, {}
    for name, options in ENGINES.items():
        if name.split()[0] not in engines:
            continue
        command = [str(Path(sys.executable).with_name("modelmonitor")), "baseline", str(folder), "--format"]
        command += ["parquet", "--out", str(out / name.split()[0]), *options]
        watch = _TreeWatch()
        watch.start()
        results[name] = run_once(command)
        java, tree_cpu[name] = watch.stop()
        memory[name] = _memory_profile(watch.series)
        jvm_peak = max(jvm_peak, java)
        if results[name].exit_code:
            raise SystemExit(f"{name} failed: {results[name].stderr_tail}")
    return results, jvm_peak, tree_cpu, memory


def _without_sketches(path: Path) -> dict[str, Any]:
    """statistics.json without the KLL sketches and buckets (``distribution``)."""
    statistics = json.loads(path.read_text(encoding="utf-8"))
    for feature in statistics["features"]:
        for kind in ("numerical_statistics", "string_statistics"):
            if kind in feature:
                feature[kind].pop("distribution", None)
    return dict(statistics)


def _differing(local: dict[str, Any], spark: dict[str, Any]) -> list[str]:
    """Names of the features whose statistics (sketches left out) are not identical."""
    if local["dataset"] != spark["dataset"]:
        return ["dataset"]
    theirs = {feature["name"]: feature for feature in spark["features"]}
    return [feature["name"] for feature in local["features"] if theirs.get(feature["name"]) != feature]


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--files", type=int, default=10)
    parser.add_argument("--keep", type=Path, default=None, help="write the data here and keep it")
    parser.add_argument("--engines", nargs="+", choices=["local", "spark"], default=["local", "spark"])
    args = parser.parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="spark-bench-")) if args.keep is None else args.keep
    same: dict[str, bool] = {}
    differing: list[str] | None = None
    try:
        generate(scratch / "data", args.rows, args.files)
        results, jvm_peak, tree_cpu, memory = measure(scratch / "data", scratch / "out", args.engines)
        out = scratch / "out"
        # With --keep, one engine per invocation still compares with the other's earlier output.
        if all((out / engine / "statistics.json").exists() for engine in ("local", "spark")):
            same = {  # statistics.json differs in the KLL sketches (batch boundaries): compared below
                name: (out / "spark" / name).read_bytes() == (out / "local" / name).read_bytes()
                for name in ("statistics.json", "constraints.json")
            }
            differing = _differing(
                _without_sketches(out / "local" / "statistics.json"),
                _without_sketches(out / "spark" / "statistics.json"),
            )
    finally:
        if args.keep is None:
            shutil.rmtree(scratch, ignore_errors=True)
    figures: dict[str, Any] = {
        "rows": args.rows,
        "files": args.files,
        "identical_files": same,
        "features_differing_but_sketches": differing,
        "jvm_peak_rss_mib": round(jvm_peak / 2**20),
    }
    for name, result in results.items():
        # The JVM and the Python workers' CPU is in the /proc figure, not in wait4's, nor "others'".
        cpu_s = max(result.cpu_s, tree_cpu[name])
        others_s = max(0.0, result.others_cpu_s - (cpu_s - result.cpu_s))
        print(
            f"{name:>15}: wall {result.wall_s:7.2f} s  cpu {cpu_s:7.2f} s  "
            f"peak RSS {result.peak_rss_bytes / 2**20:7.0f} MiB  (others' CPU {others_s:.1f} s)"
        )
        figures[name] = {
            "wall_s": round(result.wall_s, 2),
            "cpu_s": round(cpu_s, 2),
            "peak_rss_mib": round(result.peak_rss_bytes / 2**20),
            "others_cpu_s": round(others_s, 1),
            "memory": memory[name],
        }
        for role in ("driver", "jvm", "workers"):
            if f"{role}_tenths_mib" in memory[name]:
                tenths = " ".join(f"{value:5d}" for value in memory[name][f"{role}_tenths_mib"])
                print(f"{'':>17}{role:>8} RSS MiB at each tenth of the run: {tenths}")
    print(f"{'JVM alone':>15}: peak RSS {figures['jvm_peak_rss_mib']:7.0f} MiB (within the Spark run's tree)")
    if differing is not None:
        print(f"statistics.json, sketches left out: {differing if differing else 'identical'}")
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
