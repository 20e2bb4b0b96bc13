"""Spark engine benchmark: `modelmonitor baseline` on the local engine and on Spark local[2], same Parquet.

    .venv/bin/python -m benchmarks.spark_bench [--rows 10000000] [--files 10] [--keep DIR]

Writes ``rows`` rows of the benchmark data set (benchmarks/data.py: 30 columns) as ``files`` Parquet
files (Spark runs one task per file), then runs the command in its own process for each engine,
measured by benchmarks/measure.py: wall time, CPU time and the peak RSS of the whole process tree (for
Spark: the driver's Python, the JVM and the Python workers), and for Spark the JVM's own peak RSS
(sampled here from /proc). Prints the figures and a JSON line; `make bench` runs it (benchmarks/run.py).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from benchmarks import data
from benchmarks.measure import SAMPLE_PERIOD_S, RunResult, descendants, run_once, tree_rss_by_command

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
    """``files`` Parquet files of ``rows // files`` rows each, chunk ``i`` of the benchmark data in file i."""
    folder.mkdir(parents=True, exist_ok=True)
    per_file = rows // files
    for index in range(files):
        pq.write_table(data.chunk(index, per_file), folder / f"part-{index:05d}.parquet")


class _TreeWatch(threading.Thread):
    """While a command runs: the peak RSS of the ``java`` processes below this one (the Spark JVM) and
    the CPU time of every process below this one, read from /proc (wait4 misses the JVM and its Python
    workers, which the command does not wait for)."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.java_peak_bytes = 0
        self._cpu_ticks: dict[int, int] = {}
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.is_set():
            self._sample()
            self._done.wait(SAMPLE_PERIOD_S * 5)

    def _sample(self) -> None:
        java = tree_rss_by_command(os.getpid()).get("java", 0)
        self.java_peak_bytes = max(self.java_peak_bytes, java)
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


def measure(folder: Path, out: Path) -> tuple[dict[str, RunResult], int, dict[str, float]]:
    """Each engine's run, the JVM's peak RSS during the Spark run and each run's tree CPU seconds."""
    results, jvm_peak, tree_cpu = {}, 0, {}
    for name, options in ENGINES.items():
        command = [str(Path(sys.executable).with_name("modelmonitor")), "baseline", str(folder), "--format"]
        command += ["parquet", "--out", str(out / name.split()[0]), *options]
        watch = _TreeWatch()
        watch.start()
        results[name] = run_once(command)
        java, tree_cpu[name] = watch.stop()
        jvm_peak = max(jvm_peak, java)
        if results[name].exit_code:
            raise SystemExit(f"{name} failed: {results[name].stderr_tail}")
    return results, jvm_peak, tree_cpu


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--files", type=int, default=10)
    parser.add_argument("--keep", type=Path, default=None, help="write the data here and keep it")
    args = parser.parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="spark-bench-")) if args.keep is None else args.keep
    try:
        generate(scratch / "data", args.rows, args.files)
        results, jvm_peak, tree_cpu = measure(scratch / "data", scratch / "out")
        same = {  # statistics.json may differ in the last bits of mean/std_dev (docs/spark.md)
            name: (scratch / "out" / "spark" / name).read_bytes()
            == (scratch / "out" / "local" / name).read_bytes()
            for name in ("statistics.json", "constraints.json")
        }
    finally:
        if args.keep is None:
            shutil.rmtree(scratch, ignore_errors=True)
    figures: dict[str, Any] = {
        "rows": args.rows,
        "files": args.files,
        "identical_files": same,
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
        }
    print(f"{'JVM alone':>15}: peak RSS {figures['jvm_peak_rss_mib']:7.0f} MiB (within the Spark run's tree)")
    print(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
