"""Executions with owners, as users run them: daemons and run-now as processes, killed and interrupted.

Every process gets ``MODELMONITOR_LEASE_SECONDS=1``, so a dead owner's executions are taken over within
about a second; each test is bounded (tens of seconds at most on a loaded machine).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from modelmonitor.formats.job_definition import JobDefinition
from modelmonitor.scheduler.clock import SystemClock
from modelmonitor.service import MonitoringService
from modelmonitor.storage.catalog import Catalog, Execution
from tests.capture.servers import free_port
from tests.daemons import CLI_MAIN, alive, wait_until

pytestmark = pytest.mark.e2e

LEASE_SECONDS = 1.0

# A custom monitor that runs JOB_SECONDS, then writes a Completed exit message.
JOB = textwrap.dedent(
    """
    import os, pathlib, time
    time.sleep(float(os.environ["JOB_SECONDS"]))
    pathlib.Path(os.environ["output_message_file"]).write_text(
        "Completed: Job completed successfully with no violations.")
    """
)


def _cli(home: Path, url: str, log: Path, *args: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "MODELMONITOR_HOME": str(home),
        "MODELMONITOR_CATALOG_URL": url,
        "MODELMONITOR_LEASE_SECONDS": str(LEASE_SECONDS),
    }
    # stdout (JSON records) to ``log``, stderr (the daemon's log lines) to ``log`` + ".err"
    with log.open("ab") as out, log.with_suffix(".err").open("ab") as err:
        return subprocess.Popen(
            [sys.executable, "-c", CLI_MAIN, *args],
            env=env,
            stdout=out,
            stderr=err,
        )


@pytest.fixture
def service(catalog_url: str, tmp_path: Path) -> Iterator[MonitoringService]:
    svc = MonitoringService(Catalog(catalog_url), tmp_path / "home-test", SystemClock())
    svc.register_endpoint("ep", str(tmp_path / "capture"))
    yield svc
    svc.close()


def _schedule(service: MonitoringService, tmp_path: Path, name: str, seconds: float) -> None:
    service.create_schedule(
        name,
        "NOW",
        JobDefinition(
            input_kind="endpoint",
            endpoint_name="ep",
            output_uri=str(tmp_path / "out"),
            data_analysis_start_time="-PT1H",
            data_analysis_end_time="-PT0H",
            command=(sys.executable, "-c", JOB),
            environment={"JOB_SECONDS": str(seconds)},
        ),
    )


def _running(service: MonitoringService, name: str) -> Execution | None:
    runs = [e for e in service.list_executions(name) if e.status == "InProgress" and e.pid]
    return runs[0] if runs else None


def _owner_pid(execution: Execution) -> int:
    assert execution.owner is not None
    return int(execution.owner.split(":")[1])


def _recovered_total(port: int, schedule: str) -> float:
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    return sum(
        s.value
        for f in text_string_to_metric_families(text)
        for s in f.samples
        if s.name == "modelmonitor_recovered_executions_total" and s.labels["monitoring_schedule"] == schedule
    )


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        process.wait(30)


def test_two_daemons_with_different_homes_share_one_catalog(
    service: MonitoringService, catalog_url: str, tmp_path: Path
) -> None:
    ports = {"a": free_port(), "b": free_port()}
    logs = {name: tmp_path / f"daemon-{name}.log" for name in ports}
    stderr = {name: log.with_suffix(".err") for name, log in logs.items()}
    _schedule(service, tmp_path, "shared", seconds=4 * LEASE_SECONDS)
    home_a = tmp_path / "home-a"
    daemons = {"a": _cli(home_a, catalog_url, logs["a"], "scheduler", "--metrics-port", str(ports["a"]))}
    try:
        wait_until(lambda: _running(service, "shared") is not None, 60, "daemon a to start the run")
        daemons["b"] = _cli(
            tmp_path / "home-b", catalog_url, logs["b"], "scheduler", "--metrics-port", str(ports["b"])
        )
        first = _running(service, "shared")
        assert first is not None
        assert first.pid is not None
        assert _owner_pid(first) == daemons["a"].pid
        # Daemon b starts and passes (its start-up recovery included) while a's job runs: it leaves it.
        wait_until(
            lambda: service.describe_execution(first.id).status != "InProgress", 60, "the first run to end"
        )
        done = service.describe_execution(first.id)
        assert (done.status, done.failure_reason) == ("Completed", None)
        assert "adopted" not in stderr["b"].read_text()

        # Now the owner of a run dies with its job (the host went down): the survivor recovers it.
        _schedule(service, tmp_path, "long", seconds=120)
        wait_until(lambda: _running(service, "long") is not None, 60, "a daemon to start the long run")
        orphan = _running(service, "long")
        assert orphan is not None
        assert orphan.pid is not None
        dead = "a" if _owner_pid(orphan) == daemons["a"].pid else "b"
        survivor = "b" if dead == "a" else "a"
        daemons[dead].send_signal(signal.SIGKILL)
        daemons[dead].wait()
        os.killpg(orphan.pid, signal.SIGKILL)
        wait_until(
            lambda: service.describe_execution(orphan.id).status == "Failed", 30, "the survivor to recover"
        )
        failed = service.describe_execution(orphan.id)
        assert failed.failure_reason is not None
        assert f"its owner {orphan.owner} stopped renewing its lease" in failed.failure_reason
        assert "the job wrote no exit message" in failed.failure_reason
        assert failed.owner is not None
        assert _owner_pid(failed) == daemons[survivor].pid
        assert f"execution {orphan.id} of long: its owner {orphan.owner}" in stderr[survivor].read_text()
        assert _recovered_total(ports[survivor], "long") == 1.0
        assert _recovered_total(ports[survivor], "shared") == 0.0
    finally:
        for process in daemons.values():
            _stop(process)


def test_a_daemon_started_while_run_now_runs_leaves_its_execution_alone(
    service: MonitoringService, catalog_url: str, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    _schedule(service, tmp_path, "job", seconds=4 * LEASE_SECONDS)
    service.stop_schedule("job")  # the daemon starts nothing of its own: only run-now's execution exists
    run_now = _cli(home, catalog_url, tmp_path / "run-now.log", "run-now", "job")
    daemon = None
    try:
        wait_until(lambda: _running(service, "job") is not None, 60, "run-now to start its execution")
        daemon = _cli(home, catalog_url, tmp_path / "daemon.log", "scheduler", "--metrics-port", "0")
        assert run_now.wait(60) == 0, (tmp_path / "run-now.err").read_text()
    finally:
        if daemon is not None:
            _stop(daemon)
    (execution,) = service.list_executions("job")
    assert (execution.status, execution.failure_reason) == ("Completed", None)
    assert _owner_pid(execution) == run_now.pid
    assert "adopted" not in (tmp_path / "daemon.err").read_text()


def test_ctrl_c_on_run_now_stops_its_job_and_marks_it_stopped(
    service: MonitoringService, catalog_url: str, tmp_path: Path
) -> None:
    _schedule(service, tmp_path, "job", seconds=120)
    log = tmp_path / "run-now.log"
    run_now = _cli(tmp_path / "home", catalog_url, log, "run-now", "job")
    try:
        wait_until(lambda: _running(service, "job") is not None, 60, "run-now to start its execution")
        execution = _running(service, "job")
        assert execution is not None
        assert execution.pid is not None
        run_now.send_signal(signal.SIGINT)
        assert run_now.wait(30) == 130  # 128 + SIGINT, as shells report an interrupted command
    finally:
        if run_now.poll() is None:
            run_now.kill()
    stopped = service.describe_execution(execution.id)
    assert stopped.status == "Stopped", log.read_text()
    assert stopped.failure_reason is not None
    assert "interrupted (SIGINT)" in stopped.failure_reason
    wait_until(lambda: not alive(execution.pid or 0), 10, "the job's process group to end")
    # The schedule is free: the next run is accepted.
    again = service.start_execution("job")
    assert again.status == "InProgress"
    service.stop_execution(again.id)
    assert service.wait_for_execution(again.id).status == "Stopped"


def test_executions_stop_of_an_orphan_works_without_a_daemon(
    service: MonitoringService, catalog_url: str, tmp_path: Path
) -> None:
    _schedule(service, tmp_path, "job", seconds=120)
    home = tmp_path / "home"
    run_now = _cli(home, catalog_url, tmp_path / "run-now.log", "run-now", "job")
    wait_until(lambda: _running(service, "job") is not None, 60, "run-now to start its execution")
    run_now.send_signal(signal.SIGKILL)
    run_now.wait()
    orphan = _running(service, "job")
    assert orphan is not None
    assert orphan.pid is not None
    assert alive(orphan.pid)  # the job runs on without its owner
    time.sleep(LEASE_SECONDS + 0.2)
    stop_log = tmp_path / "stop.log"
    stop = _cli(home, catalog_url, stop_log, "executions", "stop", str(orphan.id))
    assert stop.wait(60) == 0, stop_log.with_suffix(".err").read_text()
    assert json.loads(stop_log.read_text())["status"] == "Stopped"
    wait_until(lambda: not alive(orphan.pid or 0), 10, "the orphan's process group to be killed")
    stopped = service.describe_execution(orphan.id)
    assert stopped.status == "Stopped"
    assert stopped.failure_reason is not None
    assert "stopped on request (modelmonitor executions stop)" in stopped.failure_reason
