"""Run one command as a child process and measure its wall time, CPU time and peak memory.

CPU time (user + system of the process tree, from wait4) is kept beside wall time because it is
far less disturbed by other work on a shared machine. So that a disturbed run can be seen as such,
the CPU time the rest of the machine used meanwhile is kept too (busy time from /proc/stat over the
run, less the CPU time of the command and of this process), and so is the time the hypervisor stole
from this virtual machine (/proc/stat steal), which slows every process alike.

Peak memory is taken two ways, and the larger is reported:
- ru_maxrss from wait4(): exact, but the peak of the largest single process of the tree;
- the sum of VmRSS over the child and all its descendants, sampled from /proc every few
  milliseconds: catches worker pools whose processes are alive at the same time, but may miss a
  peak shorter than the sampling period.
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

SAMPLE_PERIOD_S = 0.01


@dataclass(frozen=True)
class RunResult:
    """One run of a command: wall time, peak memory, exit code and what it reported on stdout."""

    wall_s: float
    peak_rss_bytes: int
    exit_code: int
    cpu_s: float = 0.0
    others_cpu_s: float = 0.0
    steal_s: float = 0.0
    reported: dict[str, float] = field(default_factory=dict)
    stderr_tail: str = ""


def children(pid: int) -> list[int]:
    """The processes started by `pid`, right now."""
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            text = Path(f"/proc/{pid}/task/{task}/children").read_text()
        except OSError:
            continue
        found.extend(int(child) for child in text.split())
    return found


def rss_bytes(pid: int) -> int:
    """Resident memory of `pid` alone, right now (0 once it has gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return 0


def tree_rss_bytes(root: int) -> int:
    """Resident memory of `root` and all its descendants, right now."""
    total, pending = 0, [root]
    while pending:
        pid = pending.pop()
        total += rss_bytes(pid)
        pending.extend(children(pid))
    return total


def descendants(root: int) -> list[int]:
    """The processes below `root`, right now."""
    found, pending = [], children(root)
    while pending:
        pid = pending.pop()
        found.append(pid)
        pending.extend(children(pid))
    return found


def tree_rss_by_command(root: int) -> dict[str, int]:
    """Resident memory of `root` and its descendants right now, summed per command name (/proc comm)."""
    totals: dict[str, int] = {}
    pending = [root]
    while pending:
        pid = pending.pop()
        try:
            name = Path(f"/proc/{pid}/comm").read_text().strip()
        except OSError:
            name = "?"
        totals[name] = totals.get(name, 0) + rss_bytes(pid)
        pending.extend(children(pid))
    return totals


class _TreeSampler(threading.Thread):
    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.peak_bytes = 0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.peak_bytes = max(self.peak_bytes, tree_rss_bytes(self.root))
            self._stop_event.wait(SAMPLE_PERIOD_S)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def machine_cpu_s() -> tuple[float, float]:
    """CPU seconds since boot, all cores: (used by this machine's processes, stolen by the hypervisor)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    # user nice system idle iowait irq softirq steal: busy is all but idle, iowait and steal.
    ticks = [int(value) for value in fields[:8]]
    hertz = os.sysconf("SC_CLK_TCK")
    return (sum(ticks[:3]) + ticks[5] + ticks[6]) / hertz, ticks[7] / hertz


def _own_cpu_s() -> float:
    """CPU time of this process (the sampler thread included), which is not "other work"."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _last_json_line(text: str) -> dict[str, float]:
    """Peer scripts print their own phase timings as one JSON object on their last stdout line."""
    for line in reversed(text.strip().splitlines()):
        if line.startswith("{"):
            try:
                loaded = json.loads(line)
            except json.JSONDecodeError:
                return {}
            return {str(k): float(v) for k, v in loaded.items() if isinstance(v, int | float)}
    return {}


def run_once(
    command: Sequence[str], env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> RunResult:
    """Run `command` to completion and measure it; a failing command is reported, not raised."""
    (busy_before, steal_before), own_before = machine_cpu_s(), _own_cpu_s()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(list(command), stdout=out, stderr=err, env=env, cwd=cwd)
        sampler = _TreeSampler(process.pid)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        wall_s = time.perf_counter() - started
        (busy_after, steal_after), own_after = machine_cpu_s(), _own_cpu_s()
        sampler.stop()
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    cpu_s = usage.ru_utime + usage.ru_stime
    peak = max(usage.ru_maxrss * 1024, sampler.peak_bytes)  # ru_maxrss is in KiB on Linux
    return RunResult(
        wall_s=wall_s,
        peak_rss_bytes=peak,
        exit_code=process.returncode,
        cpu_s=cpu_s,
        others_cpu_s=max(0.0, busy_after - busy_before - cpu_s - (own_after - own_before)),
        steal_s=steal_after - steal_before,
        reported=_last_json_line(stdout),
        stderr_tail=stderr[-2000:] if process.returncode else "",
    )


@dataclass(frozen=True)
class Measurement:
    """Repeated runs of one tool on one input, summarised by medians."""

    tool: str
    command: list[str]
    runs: list[RunResult]

    @property
    def ok(self) -> bool:
        return bool(self.runs) and all(run.exit_code == 0 for run in self.runs)

    @property
    def median_wall_s(self) -> float:
        return statistics.median(run.wall_s for run in self.runs)

    @property
    def median_cpu_s(self) -> float:
        return statistics.median(run.cpu_s for run in self.runs)

    @property
    def median_peak_rss_bytes(self) -> int:
        return int(statistics.median(run.peak_rss_bytes for run in self.runs))

    def median_reported(self, key: str) -> float | None:
        values = [run.reported[key] for run in self.runs if key in run.reported]
        return statistics.median(values) if values else None
