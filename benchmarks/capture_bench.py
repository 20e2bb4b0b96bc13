"""Capture benchmark: what the capturing proxy and the ASGI middleware add to a model call.

    .venv/bin/python -m benchmarks.capture_bench [--seconds 5] [--rate 500] [--rounds 3] [--pin] [...]

Measures, all on loopback with real processes (model server and proxies are uvicorn subprocesses; this
process is the load generator):
- latency p50/p99 at a fixed request rate (open loop: latency counts from the scheduled send time), direct
  to the model, through the proxy with capture off, and with capture on (100% sampling);
- throughput (requests/s) at concurrency 32 for the same three paths;
- the middleware's added time per request, in process, without network: a Starlette app called through
  ASGI with and without ``CaptureMiddleware``.
Prints the figures and writes benchmarks/results/capture.json. Targets (issue #3): p99 added ≤ 1 ms at
500 req/s; throughput with capture ≥ 90% of capture off.

Three processes share this machine's cores with whatever else runs on it, so a p99 of a few thousand
requests moves with other work far more than with the proxy. Each fixed-rate run therefore also records
(benchmarks/measure.py's accounting) the CPU seconds other processes used meanwhile and the time the
hypervisor stole, and the proxy's own CPU time per request, which other work hardly moves. A run is
"disturbed" when others and steal took more than a tenth of one core; the p99 of the undisturbed runs is
reported beside the median of all. ``--pin`` puts the load generator on CPU 0 and the servers on the other
CPUs (see ``_pin``); it is off by default because on a 2-core machine it measures throughput on one core.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from benchmarks.measure import machine_cpu_s

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results" / "capture.json"
MODELMONITOR = str(Path(sys.executable).parent / "modelmonitor")
BODY = b"138,0,46.5,104,186.0,114,167.5,95,9.6,4,4,0,0,0,0,0,0,0,0,1,0,0,0,0,0,0,0,0,0,0,0,0,0,0,1,0,1,1,0"


async def _invocations(request: Request) -> Response:
    values = (await request.body()).split(b",")
    return Response(f"{len(values) / 100:.6f}", media_type="text/csv; charset=utf-8")


async def _ping(_: Request) -> Response:
    return Response("ok")


model_app = Starlette(routes=[Route("/invocations", _invocations, methods=["POST"]), Route("/ping", _ping)])


# -- processes -------------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server for {url} exited with {process.returncode}")
        try:
            httpx.get(url, timeout=0.5)
            return
        except httpx.HTTPError:
            time.sleep(0.05)
    raise RuntimeError(f"no answer from {url}")


def _start_model(port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "benchmarks.capture_bench:model_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=ROOT,
    )
    _wait(f"http://127.0.0.1:{port}/ping", process)
    return process


def _start_proxy(model_port: int, port: int, destination: str, capture: bool) -> subprocess.Popen[bytes]:
    command = [
        MODELMONITOR,
        "capture",
        "proxy",
        "--upstream",
        f"http://127.0.0.1:{model_port}",
        "--listen",
        f"127.0.0.1:{port}",
        "--endpoint-name",
        "bench",
        "--destination",
        destination,
        "--sampling-percentage",
        "100",
        "--queue-size",
        "100000",
    ]
    if not capture:
        command.append("--no-enable-capture")
    # The proxy registers its endpoint in the catalog under MODELMONITOR_HOME: keep the benchmark's apart.
    env = {**os.environ, "MODELMONITOR_HOME": str(Path(destination).parent / "home")}
    env.pop("MODELMONITOR_CATALOG_URL", None)
    process = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.DEVNULL, env=env)
    _wait(f"http://127.0.0.1:{port}/metrics", process)
    return process


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process (Linux /proc), None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
    try:
        process.wait(60)
    except subprocess.TimeoutExpired:
        process.kill()


def _pin(generator: int, servers: list[int]) -> dict[str, list[int]] | None:
    """Load generator on CPU 0, servers on the rest (None when the machine has a single CPU).

    Unpinned, the scheduler may run the generator's sends and the server it is timing on the same CPU while
    the other one idles; the generator then delays the very answers it measures. Proxy and model stay on
    the same CPUs because they take turns on each request anyway. Measured on the 2-core VM (01:57 and 01:59
    UTC, 5 rounds each): pinned, the per-round p99s stayed at 1.9-2.0 ms through rounds where other work
    took up to 1 CPU s (unpinned: 1.9-4.3 ms), but the servers then share one core, so throughput with
    capture on fell to 0.75 of capture off (unpinned 0.92): the writer thread competes with the model.
    """
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None
    os.sched_setaffinity(generator, {cpus[0]})
    for pid in servers:
        for task in os.listdir(f"/proc/{pid}/task"):  # every thread, the capture writer included
            os.sched_setaffinity(int(task), set(cpus[1:]))
    return {"generator": cpus[:1], "servers": cpus[1:]}


def _own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class _Disturbance:
    """Other processes' CPU time and hypervisor steal over a span, as benchmarks/measure.py counts them."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        (self._busy, self._steal), self._ours = machine_cpu_s(), self._our_cpu()

    def _our_cpu(self) -> float:
        return _own_cpu_seconds() + sum(_cpu_seconds(pid) or 0.0 for pid in self.pids)

    def result(self) -> tuple[float, float]:
        """(others' CPU seconds, stolen seconds) since construction."""
        (busy, steal), ours = machine_cpu_s(), self._our_cpu()
        return max(0.0, busy - self._busy - (ours - self._ours)), steal - self._steal


# -- a small HTTP/1.1 keep-alive client (httpx's pool costs more CPU than the servers measured) -----------
class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> None:
        self.reader, self.writer, self.request = reader, writer, request

    @classmethod
    async def open(cls, port: int) -> _Connection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        request = (
            f"POST /invocations HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: text/csv\r\n"
            f"Content-Length: {len(BODY)}\r\n\r\n"
        ).encode() + BODY
        return cls(reader, writer, request)

    async def call(self) -> int:
        self.writer.write(self.request)
        await self.writer.drain()
        status = int((await self.reader.readuntil(b"\r\n")).split(b" ", 2)[1])
        length = 0
        while (line := await self.reader.readuntil(b"\r\n")) != b"\r\n":
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        await self.reader.readexactly(length)
        return status


async def _open_loop(port: int, rate: float, seconds: float, connections: int) -> list[float]:
    """Latencies (s) of requests sent at ``rate``/s, measured from each request's scheduled time."""
    pool: asyncio.Queue[_Connection] = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait(await _Connection.open(port))
    latencies: list[float] = []
    total = int(rate * seconds)
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.1

    async def one(scheduled: float) -> None:
        connection = await pool.get()
        try:
            if await connection.call() == 200:
                latencies.append(loop.time() - scheduled)
        finally:
            pool.put_nowait(connection)

    tasks = []
    for index in range(total):
        scheduled = start + index / rate
        delay = scheduled - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(scheduled)))
    await asyncio.gather(*tasks)
    return latencies


async def _closed_loop(port: int, requests: int, concurrency: int) -> float:
    """Requests per second with ``concurrency`` callers each waiting for its answer."""
    connections = [await _Connection.open(port) for _ in range(concurrency)]
    remaining = requests

    async def caller(connection: _Connection) -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await connection.call()

    started = time.perf_counter()
    await asyncio.gather(*(caller(c) for c in connections))
    return requests / (time.perf_counter() - started)


def _quiet(figures: dict[str, float], seconds: float) -> bool:
    """Undisturbed: other processes and steal took less than a tenth of one core (measure.py's rule)."""
    return figures["others_cpu_s"] + figures["steal_s"] <= 0.1 * seconds


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


# -- middleware, in process --------------------------------------------------------------------------------
def _middleware_added_microseconds(iterations: int, destination: str) -> dict[str, float]:
    from modelmonitor.capture.asgi import CaptureMiddleware
    from modelmonitor.capture.config import CaptureSettings

    settings = CaptureSettings(
        endpoint_name="bench",
        destination=destination,
        sampling_percentage=100,
        queue_size=iterations + 10,
        flush_interval=timedelta(seconds=1),
    )
    wrapped = CaptureMiddleware(model_app, config=settings)
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/invocations",
        "raw_path": b"/invocations",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"content-type", b"text/csv"), (b"x-inference-id", b"bench")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 2),
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": BODY, "more_body": False}

    async def send(_: Any) -> None:
        return None

    async def timed(app: Any) -> float:
        for _ in range(500):  # warm up
            await app(dict(scope), receive, send)
        started = time.perf_counter()
        for _ in range(iterations):
            await app(dict(scope), receive, send)
        return (time.perf_counter() - started) / iterations

    async def run() -> tuple[float, float]:
        bare, captured = [], []
        for _ in range(3):  # interleave to share the machine's noise
            bare.append(await timed(model_app))
            captured.append(await timed(wrapped))
        return min(bare), min(captured)

    bare, captured = asyncio.run(run())
    wrapped.pipeline.close()
    return {
        "app_us": bare * 1e6,
        "app_with_middleware_us": captured * 1e6,
        "added_us": (captured - bare) * 1e6,
    }


# -- main -------------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=5.0, help="duration of each fixed-rate run")
    parser.add_argument(
        "--rate", type=float, default=500.0, help="requests per second of the fixed-rate runs"
    )
    parser.add_argument("--requests", type=int, default=5000, help="requests of each throughput run")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; medians are reported")
    parser.add_argument("--middleware-iterations", type=int, default=5000)
    parser.add_argument(
        "--pin", action="store_true", help="load generator on CPU 0, model server and proxies on the others"
    )
    args = parser.parse_args(argv)

    scratch = Path(tempfile.mkdtemp(prefix="capture-bench-"))
    model_port, off_port, on_port = _free_port(), _free_port(), _free_port()
    processes = [_start_model(model_port)]
    try:
        processes.append(_start_proxy(model_port, off_port, str(scratch / "off"), capture=False))
        processes.append(_start_proxy(model_port, on_port, str(scratch / "on"), capture=True))
        paths = {"direct": model_port, "proxy_capture_off": off_port, "proxy_capture_on": on_port}
        pids = {"proxy_capture_off": processes[1].pid, "proxy_capture_on": processes[2].pid}
        server_pids = [process.pid for process in processes]
        pinned = _pin(os.getpid(), server_pids) if args.pin else None
        cpu_per_request: dict[str, list[float]] = {name: [] for name in pids}
        latency: dict[str, dict[str, Any]] = {}
        throughput: dict[str, float] = {}
        for port in paths.values():
            asyncio.run(_closed_loop(port, 500, 8))  # warm up connections and code paths
        # Rounds interleave the three paths so that noise from other work on the machine hits all of them;
        # each figure is the median over rounds.
        rounds: dict[str, list[dict[str, float]]] = {name: [] for name in paths}
        for _ in range(args.rounds):
            for name, port in paths.items():
                disturbance = _Disturbance(server_pids)
                proxy_before = _cpu_seconds(pids[name]) if name in pids else None
                values = asyncio.run(_open_loop(port, args.rate, args.seconds, 64))
                proxy_after = _cpu_seconds(pids[name]) if name in pids else None
                others, steal = disturbance.result()
                before = _cpu_seconds(pids[name]) if name in pids else None
                rps = asyncio.run(_closed_loop(port, args.requests, args.concurrency))
                after = _cpu_seconds(pids[name]) if name in pids else None
                if before is not None and after is not None:
                    cpu_per_request[name].append((after - before) / args.requests)
                figures = {
                    "p50": _percentile(values, 0.50),
                    "p99": _percentile(values, 0.99),
                    "rps": rps,
                    "others_cpu_s": others,
                    "steal_s": steal,
                }
                if proxy_before is not None and proxy_after is not None:
                    figures["proxy_cpu_us"] = (proxy_after - proxy_before) / len(values) * 1e6
                rounds[name].append(figures)
        for name, per_round in rounds.items():
            quiet = [f["p99"] for f in per_round if _quiet(f, args.seconds)]
            latency[name] = {
                "p50_ms": statistics.median(f["p50"] for f in per_round) * 1e3,
                "p99_ms": statistics.median(f["p99"] for f in per_round) * 1e3,
                "p99_ms_rounds": [f["p99"] * 1e3 for f in per_round],
                # CPU seconds other processes used and the hypervisor stole during each fixed-rate run.
                "others_cpu_s_rounds": [f["others_cpu_s"] for f in per_round],
                "steal_s_rounds": [f["steal_s"] for f in per_round],
                "p99_ms_undisturbed": statistics.median(quiet) * 1e3 if quiet else None,
                "undisturbed_rounds": len(quiet),
            }
            if "proxy_cpu_us" in per_round[0]:
                latency[name]["proxy_cpu_us_per_request"] = statistics.median(
                    f["proxy_cpu_us"] for f in per_round
                )
            throughput[name] = statistics.median(f["rps"] for f in per_round)
    finally:
        for process in reversed(processes):
            _stop(process)
    middleware = _middleware_added_microseconds(args.middleware_iterations, str(scratch / "middleware"))
    shutil.rmtree(scratch, ignore_errors=True)

    p99_added = latency["proxy_capture_on"]["p99_ms"] - latency["direct"]["p99_ms"]
    capture_cost = latency["proxy_capture_on"]["p99_ms"] - latency["proxy_capture_off"]["p99_ms"]
    ratio = throughput["proxy_capture_on"] / throughput["proxy_capture_off"]
    quiet_on = latency["proxy_capture_on"]["p99_ms_undisturbed"]
    quiet_direct = latency["direct"]["p99_ms_undisturbed"]
    disturbed = sum(args.rounds - figures["undisturbed_rounds"] for figures in latency.values())
    result: dict[str, Any] = {
        "when": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_avg_1m": os.getloadavg()[0],
            "pinned": pinned,
        },
        "settings": vars(args),
        "latency_at_rate": latency,
        "throughput_rps": throughput,
        "middleware": middleware,
        # CPU time is far less sensitive than wall time to other work on the machine.
        "proxy_cpu_us_per_request": {
            name: statistics.median(values) * 1e6 for name, values in cpu_per_request.items() if values
        },
        "targets": {
            "proxy_p99_added_ms": p99_added,
            "proxy_p99_added_by_capture_ms": capture_cost,
            "p99_added_le_1ms": p99_added <= 1.0,
            "throughput_capture_on_over_off": ratio,
            "throughput_ratio_ge_0_9": ratio >= 0.9,
            # The same target on the runs other work did not disturb (None when either path had none),
            # and how many runs were disturbed: a missed target with many disturbed runs says little.
            "proxy_p99_added_undisturbed_ms": (
                quiet_on - quiet_direct if quiet_on is not None and quiet_direct is not None else None
            ),
            "disturbed_runs": f"{disturbed} of {args.rounds * len(latency)}",
        },
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(
        f"latency at {args.rate:.0f} req/s (open loop, {args.seconds:.0f} s, median of {args.rounds} rounds):"
    )
    for name, shown in latency.items():
        quiet = shown["p99_ms_undisturbed"]
        print(
            f"  {name:<18} p50 {shown['p50_ms']:7.2f} ms   p99 {shown['p99_ms']:7.2f} ms   undisturbed "
            f"rounds {shown['undisturbed_rounds']}/{args.rounds}"
            + (f", their p99 {quiet:.2f} ms" if quiet is not None else "")
        )
        print(
            "  "
            + " " * 18
            + " per round: p99 "
            + " ".join(f"{v:.1f}" for v in shown["p99_ms_rounds"])
            + " ms; others+steal CPU s "
            + " ".join(
                f"{o + t:.1f}"
                for o, t in zip(shown["others_cpu_s_rounds"], shown["steal_s_rounds"], strict=True)
            )
            + (
                f"; proxy CPU {shown['proxy_cpu_us_per_request']:.0f} µs/request"
                if "proxy_cpu_us_per_request" in shown
                else ""
            )
        )
    print(f"throughput at concurrency {args.concurrency} ({args.requests} requests each):")
    for name, rps in throughput.items():
        print(f"  {name:<18} {rps:8.0f} req/s")
    print(
        f"middleware: {middleware['app_us']:.1f} µs bare, {middleware['app_with_middleware_us']:.1f} µs with "
        f"capture, added {middleware['added_us']:.1f} µs per request"
    )
    print(
        f"p99 added by the proxy with capture: {p99_added:.2f} ms (target ≤ 1 ms); by capture alone: "
        f"{capture_cost:.2f} ms"
    )
    for name, micros in result["proxy_cpu_us_per_request"].items():
        print(f"  {name:<18} {micros:8.0f} µs of proxy CPU per request (closed loop)")
    print(f"throughput capture on / off: {ratio:.2f} (target ≥ 0.90)")
    print(f"written to {RESULTS.relative_to(ROOT)}")
    return result


if __name__ == "__main__":
    main()
