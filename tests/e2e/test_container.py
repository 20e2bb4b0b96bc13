"""``ModelMonitor(role, image_uri=..., env=...)`` alone, as SageMaker's SDK writes it, runs the image.

The image is built here, from scratch: Debian's python3 with its standard library and the libraries it
links, and examples/contract_monitor.py (a monitor written only against SageMaker's documented contract)
as its entrypoint; ``podman import`` makes it an image, so no registry is needed. Podman runs it rootful
with the settings this kind of machine needs (vfs storage, runc with cgroupfs, no network, rlimits no
higher than the host's: the sandbox lacks CAP_SYS_RESOURCE), given through MODELMONITOR_CONTAINER_RUNTIME
and MODELMONITOR_CONTAINER_RUN_OPTIONS. scripts/test-services.sh installs podman and runc.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from modelmonitor.cli.main import main
from modelmonitor.errors import ConfigurationError
from modelmonitor.model_monitor import CronExpressionGenerator, EndpointInput, ModelMonitor, MonitoringOutput
from modelmonitor.service import MonitoringService
from modelmonitor.settings import Settings
from tests.monitoring_data import write_capture

EXAMPLE = Path(__file__).parents[2] / "examples" / "contract_monitor.py"
IMAGE = "localhost/modelmonitor-contract-monitor:test"
RUNTIME = "podman --storage-driver vfs --runtime runc --cgroup-manager cgroupfs"
RUN_OPTIONS = "--network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024"
PYTHON = Path("/usr/bin/python3.11")


def _linked_libraries(program: Path) -> list[Path]:
    listed = subprocess.run(["ldd", str(program)], capture_output=True, text=True, check=True).stdout
    found = []
    for line in listed.splitlines():
        parts = line.split()
        if "=>" in parts and len(parts) >= 3 and parts[2].startswith("/"):
            found.append(Path(parts[2]))
        elif parts and parts[0].startswith("/"):
            found.append(Path(parts[0]))  # the dynamic loader
    return found


def _image_tar() -> bytes:
    """A root file system: python3, its libraries and standard library, and the example monitor."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for library in _linked_libraries(PYTHON):
            tar.add(library.resolve(), arcname=str(library).lstrip("/"))
        tar.add(PYTHON, arcname="usr/bin/python3")
        stdlib = PYTHON.parent.parent / "lib" / PYTHON.name

        def keep(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
            skipped = ("/test/", "/dist-packages", "/__pycache__", "/idlelib", "/tkinter")
            return None if any(part in f"/{info.name}/" for part in skipped) else info

        tar.add(stdlib, arcname=str(stdlib).lstrip("/"), filter=keep)
        tar.add(EXAMPLE, arcname="opt/program/contract_monitor.py")
        for folder in ("tmp", "opt/ml"):
            info = tarfile.TarInfo(folder)
            info.type, info.mode = tarfile.DIRTYPE, 0o1777 if folder == "tmp" else 0o755
            tar.addfile(info)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def image() -> str:
    for program in ("podman", "runc"):
        assert shutil.which(program), f"{program} is needed (scripts/test-services.sh installs it)"
    assert PYTHON.is_file(), f"{PYTHON} (Debian's python3) is needed: the image is built from it"
    entrypoint = 'ENTRYPOINT ["/usr/bin/python3", "/opt/program/contract_monitor.py"]'
    subprocess.run(
        [*RUNTIME.split(), "import", "--change", entrypoint, "-", IMAGE],
        input=_image_tar(),
        capture_output=True,
        check=True,
        timeout=300,
    )
    return IMAGE


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MODELMONITOR_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MODELMONITOR_CATALOG_URL", raising=False)
    monkeypatch.setenv("MODELMONITOR_CONTAINER_RUNTIME", RUNTIME)
    monkeypatch.setenv("MODELMONITOR_CONTAINER_RUN_OPTIONS", RUN_OPTIONS)
    now = datetime.now(UTC)
    # Every record drifts: f1 far above the monitor's limit.
    write_capture(
        tmp_path / "capture",
        "ep",
        now - timedelta(minutes=59),
        hours=1,
        per_hour=10,
        drift_from=now - timedelta(hours=2),
    )
    service = MonitoringService.from_settings(Settings.from_env())
    service.register_endpoint("ep", str(tmp_path / "capture"), source="proxy")
    service.close()
    return tmp_path


def _run_due_executions() -> None:
    service = MonitoringService.from_settings(Settings.from_env())
    scheduler = service.scheduler(poll_seconds=0.1)
    scheduler.tick()
    deadline = time.monotonic() + 180
    while scheduler.running and time.monotonic() < deadline:
        time.sleep(0.1)
        scheduler.tick()
    service.close()


def _schedule(monitor: ModelMonitor, home: Path) -> None:
    monitor.create_monitoring_schedule(
        monitor_schedule_name="byoc",
        endpoint_input=EndpointInput(endpoint_name="ep", destination="/opt/ml/processing/endpointdata"),
        output=MonitoringOutput(source="/opt/ml/processing/resultdata", destination=str(home / "reports")),
        schedule_cron_expression=CronExpressionGenerator.now(),
        data_analysis_start_time="-PT1H",
        data_analysis_end_time="-PT0H",
    )


def _only_violation(monitor: ModelMonitor) -> dict[str, str]:
    executions = monitor.list_executions()
    assert len(executions) == 1
    described = executions[-1].describe()
    assert described["MonitoringExecutionStatus"] == "CompletedWithViolations", described
    violations = monitor.latest_monitoring_constraint_violations()
    assert violations is not None
    (violation,) = violations.body_dict["violations"]
    return dict(violation)


def test_model_monitor_with_only_an_image_runs_it_in_a_container(image: str, home: Path) -> None:
    monitor = ModelMonitor(
        role="arn:aws:iam::111122223333:role/monitor", image_uri=image, env={"F1_LIMIT": "20"}
    )
    _schedule(monitor, home)
    _run_due_executions()
    assert _only_violation(monitor) == {
        "feature_name": "f1",
        "constraint_check_type": "baseline_drift_check",
        "description": "10 of 10 records have f1 above 20.0",
    }
    log = (home / "reports").rglob("log.txt")
    (path,) = list(log)
    assert "10 records in the window, 10 with f1 above 20.0" in path.read_text()
    assert (
        monitor.describe_schedule()["MonitoringScheduleConfig"]["MonitoringJobDefinition"][
            "MonitoringAppSpecification"
        ]["ImageUri"]
        == image
    )


def test_the_same_monitor_as_an_entrypoint_gives_the_same_violation(home: Path) -> None:
    monitor = ModelMonitor(role="r", entrypoint=[sys.executable, str(EXAMPLE)], env={"F1_LIMIT": "20"})
    _schedule(monitor, home)
    _run_due_executions()
    assert _only_violation(monitor)["description"] == "10 of 10 records have f1 above 20.0"


def _docker_without_engine(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The docker client alone on PATH, answering as it does without an engine (as on these machines)."""
    fake = home / "bin" / "docker"
    fake.parent.mkdir()
    fake.write_text(
        "#!/bin/sh\necho 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock.' >&2\nexit 1\n"
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(fake.parent))
    monkeypatch.delenv("MODELMONITOR_CONTAINER_RUNTIME")


NO_RUNTIME = (
    "image_uri needs a container runtime (docker or podman) that can run containers; none found "
    "(podman: not installed; docker: 'info' failed (Cannot connect to the Docker daemon at "
    "unix:///var/run/docker.sock.)); use --command (the SDK's entrypoint=[...]) to run the monitor as a "
    "local command, or set MODELMONITOR_CONTAINER_RUNTIME to a working runtime"
)


def test_without_a_container_runtime_the_schedule_is_refused_in_one_line(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _docker_without_engine(home, monkeypatch)
    monitor = ModelMonitor(role="r", image_uri="my-monitor:1", env={"F1_LIMIT": "20"})
    with pytest.raises(ConfigurationError) as raised:
        _schedule(monitor, home)
    assert str(raised.value) == NO_RUNTIME
    assert monitor.monitoring_schedule_name is None


def test_the_cli_refuses_an_image_without_a_runtime_with_exit_2(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _docker_without_engine(home, monkeypatch)
    with pytest.raises(SystemExit) as exited:
        main(["schedule", "create", "byoc", "--endpoint", "ep", "--image-uri", "my-monitor:1"])
    assert exited.value.code == 2
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1
    assert NO_RUNTIME in err


def test_the_cli_stores_the_image_and_its_local_paths(
    image: str, home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main(
        [
            "schedule", "create", "byoc", "--endpoint", "ep", "--image-uri", image,
            "--input-destination", "opt/ml/processing/endpointdata",
            "--output-source", "/opt/ml/processing/reports",
        ]
    )  # fmt: skip
    definition = json.loads(capsys.readouterr().out)["definition"]
    assert (definition["image_uri"], definition["input_destination"], definition["output_source"]) == (
        image,
        "/opt/ml/processing/endpointdata",
        "/opt/ml/processing/reports",
    )


def test_a_runtime_gone_by_the_run_fails_the_execution_with_that_line(
    image: str, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monitor = ModelMonitor(role="r", image_uri=image)
    _schedule(monitor, home)
    monkeypatch.setenv("MODELMONITOR_CONTAINER_RUNTIME", str(home / "no-such-runtime"))
    _run_due_executions()
    (execution,) = monitor.list_executions()
    described = execution.describe()
    assert described["MonitoringExecutionStatus"] == "Failed"
    assert "image_uri needs a container runtime (docker or podman)" in described["FailureReason"]
    assert "no-such-runtime: not installed" in described["FailureReason"]


def test_the_container_saw_sagemakers_paths(image: str, home: Path) -> None:
    monitor = ModelMonitor(role="r", image_uri=image, env={"F1_LIMIT": "20"})
    _schedule(monitor, home)
    _run_due_executions()
    root = home / "home" / "executions" / "1"
    config = json.loads((root / "opt/ml/config/processingjobconfig.json").read_text())
    assert config["AppSpecification"] == {"ImageUri": image}
    assert config["Environment"]["dataset_source"] == "/opt/ml/processing/endpointdata"
    assert config["Environment"]["output_path"] == "/opt/ml/processing/resultdata"
    assert (
        config["Environment"]["MODELMONITOR_PROCESSING_JOB_CONFIG"]
        == "/opt/ml/config/processingjobconfig.json"
    )
    assert config["Environment"]["F1_LIMIT"] == "20"
    # the report was written inside the container and collected from the mapped output folder
    assert (root / "opt/ml/processing/resultdata/constraint_violations.json").is_file()


def test_past_its_max_runtime_the_container_is_stopped_too(image: str, home: Path) -> None:
    monitor = ModelMonitor(
        role="r",
        image_uri=image,
        # it ignores the stop: the runtime's client is killed after the grace, the container removed
        entrypoint=[
            "/usr/bin/python3",
            "-c",
            "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(120)",
        ],
        max_runtime_in_seconds=2,
    )
    _schedule(monitor, home)
    started = time.monotonic()
    _run_due_executions()
    assert time.monotonic() - started < 60
    (execution,) = monitor.list_executions()
    described = execution.describe()
    assert described["MonitoringExecutionStatus"] == "Failed"
    assert "MaxRuntimeInSeconds=2" in described["FailureReason"]
    left = subprocess.run(
        [
            *RUNTIME.split(),
            "ps",
            "--all",
            "--quiet",
            "--filter",
            f"name=modelmonitor-execution-1-{os.getpid()}",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert left.stdout.strip() == ""
