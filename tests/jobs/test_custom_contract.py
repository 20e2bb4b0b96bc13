"""SageMaker's container contract for custom monitors: staged window, job config, collected outputs.

The monitor is examples/contract_monitor.py, written only against SageMaker's documented contract (no
modelmonitor import, no exit message); it runs unchanged as a command over capture-pipeline files.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from modelmonitor.capture.batch import write_batch_manifests
from modelmonitor.errors import ConfigurationError
from modelmonitor.formats.job_definition import JobDefinition
from modelmonitor.formats.statuses import ExecutionStatus
from modelmonitor.jobs.container import container_runtime
from modelmonitor.scheduler.clock import SystemClock
from modelmonitor.scheduler.worker import Outcome, RunningExecution, start_execution
from modelmonitor.service import MonitoringService
from modelmonitor.storage.catalog import Catalog
from tests.e2e.test_s3_schedule import _upload, s3  # noqa: F401  # the moto S3 server fixture
from tests.monitoring_data import write_capture

EXAMPLE = Path(__file__).parents[2] / "examples" / "contract_monitor.py"
START = datetime(2026, 11, 21, 8, tzinfo=UTC)
# The run at 10:00 analyses 09:00-10:00 (SageMaker's default window): the second captured hour.
SCHEDULED = datetime(2026, 11, 21, 10, tzinfo=UTC)


def _wait(running: RunningExecution) -> Outcome:
    deadline = time.monotonic() + 120
    outcome = running.poll()
    while outcome is None and time.monotonic() < deadline:
        time.sleep(0.05)
        outcome = running.poll()
    assert outcome is not None, "the execution did not end within 120 s"
    return outcome


def _captured(tmp_path: Path) -> Path:
    """Three hours of capture (08:00-11:00) through the capture pipeline; f1 drifts from 09:00 on."""
    capture = tmp_path / "capture"
    write_capture(
        capture, "ep", START, hours=3, per_hour=10, drift_from=datetime(2026, 11, 21, 9, tzinfo=UTC)
    )
    return capture


def _definition(tmp_path: Path, **changes: object) -> JobDefinition:
    values: dict[str, object] = {
        "input_kind": "endpoint",
        "endpoint_name": "ep",
        "output_uri": str(tmp_path / "out"),
        "command": (sys.executable, str(EXAMPLE)),
        "environment": {"F1_LIMIT": "20"},
    }
    values.update(changes)
    return JobDefinition(**values)  # type: ignore[arg-type]


def test_a_contract_only_monitor_runs_as_a_command_and_its_violations_become_the_executions(
    tmp_path: Path,
) -> None:
    capture = _captured(tmp_path)
    running = start_execution(
        execution_id=3,
        definition=_definition(tmp_path),
        schedule_name="byoc",
        scheduled_time=SCHEDULED,
        capture_uri=str(capture),
        home=tmp_path / "home",
    )
    outcome = _wait(running)
    assert (outcome.status, outcome.violation_count) == (ExecutionStatus.COMPLETED_WITH_VIOLATIONS, 1)
    root = tmp_path / "home" / "executions" / "3"
    # dataset_source holds the window's files only, in SageMaker's layout under the input's local path.
    staged = root / "opt" / "ml" / "processing" / "input" / "endpoint"
    hours = sorted(p.parent.relative_to(staged).as_posix() for p in staged.rglob("*.jsonl"))
    assert hours == ["ep/AllTraffic/2026/11/21/09"]
    result = tmp_path / "out" / "ep" / "byoc" / "2026" / "11" / "21" / "10"
    assert "1 files, 10 records in the window, 10 with f1 above 20.0" in (result / "log.txt").read_text()
    violations = json.loads((result / "constraint_violations.json").read_text())["violations"]
    assert violations == [
        {
            "feature_name": "f1",
            "constraint_check_type": "baseline_drift_check",
            "description": "10 of 10 records have f1 above 20.0",
        }
    ]
    assert (
        (root / "message")
        .read_text()
        .startswith("CompletedWithViolations: Job completed successfully with 1 violations.")
    )


def test_the_job_config_is_written_in_sagemakers_shape_and_the_command_is_told_where(
    tmp_path: Path,
) -> None:
    capture = _captured(tmp_path)
    baseline = tmp_path / "statistics.json"
    baseline.write_text('{"version": 0.0, "dataset": {"item_count": 0}, "features": []}\n')
    code = (
        "import json, os, pathlib; config = json.loads(pathlib.Path("
        "os.environ['MODELMONITOR_PROCESSING_JOB_CONFIG']).read_text()); "
        "out = pathlib.Path(os.environ['output_path']); out.mkdir(parents=True, exist_ok=True); "
        "(out / 'seen.json').write_text(json.dumps({'config': config, 'env': dict(os.environ)})); "
        "(out / 'statistics.json').write_text('{}')"
    )
    definition = _definition(
        tmp_path,
        command=(sys.executable, "-c", code),
        baseline_statistics=str(baseline),
        input_destination="/opt/ml/processing/endpointdata",
        output_source="/opt/ml/processing/reports",
        max_runtime_seconds=600,
    )
    running = start_execution(
        execution_id=4,
        definition=definition,
        schedule_name="byoc",
        scheduled_time=SCHEDULED,
        capture_uri=str(capture),
        home=tmp_path / "home",
    )
    outcome = _wait(running)
    # statistics.json without constraint_violations.json: completed with no violations.
    assert (outcome.status, outcome.violation_count) == (ExecutionStatus.COMPLETED, 0)
    root = tmp_path / "home" / "executions" / "4"
    seen = json.loads(
        (tmp_path / "out" / "ep" / "byoc" / "2026" / "11" / "21" / "10" / "seen.json").read_text()
    )
    config, env = seen["config"], seen["env"]
    mapped = root / "opt" / "ml" / "processing"
    assert env["dataset_source"] == str(mapped / "endpointdata")
    assert env["output_path"] == str(mapped / "reports")
    assert env["baseline_statistics"] == str(mapped / "baseline" / "stats" / "statistics.json")
    assert env["sagemaker_endpoint_datacapture_prefix"] == f"{capture}/ep"
    assert env["MODELMONITOR_PROCESSING_JOB_CONFIG"] == str(root / "opt/ml/config/processingjobconfig.json")
    assert config["ProcessingJobName"] == "monitoring-execution-4"
    assert config["ProcessingInputs"] == [
        {
            "InputName": "endpoint_input",
            "AppManaged": False,
            "S3Input": {
                "S3Uri": f"{capture}/ep",
                "LocalPath": "/opt/ml/processing/endpointdata",
                "S3DataType": "S3Prefix",
                "S3InputMode": "File",
                "S3DataDistributionType": "FullyReplicated",
                "S3CompressionType": "None",
            },
        },
        {
            "InputName": "baseline",
            "AppManaged": False,
            "S3Input": {
                "S3Uri": str(baseline),
                "LocalPath": "/opt/ml/processing/baseline/stats",
                "S3DataType": "S3Prefix",
                "S3InputMode": "File",
                "S3DataDistributionType": "FullyReplicated",
                "S3CompressionType": "None",
            },
        },
    ]
    assert config["ProcessingOutputConfig"]["Outputs"][0]["S3Output"] == {
        "S3Uri": str(tmp_path / "out" / "ep" / "byoc" / "2026" / "11" / "21" / "10"),
        "LocalPath": "/opt/ml/processing/reports",
        "S3UploadMode": "EndOfJob",
    }
    assert config["StoppingCondition"] == {"MaxRuntimeInSeconds": 600}
    assert config["AppSpecification"]["ContainerEntrypoint"][0] == sys.executable
    assert config["ProcessingResources"]["ClusterConfig"]["InstanceCount"] == 1
    assert config["Environment"]["dataset_source"] == env["dataset_source"]
    assert config["Environment"]["F1_LIMIT"] == "20"
    # the config holds the job's variables; the command's process also has the host's basics
    assert "PATH" not in config["Environment"]
    assert "PATH" in env


def test_a_job_that_writes_neither_message_nor_reports_is_failed(tmp_path: Path) -> None:
    definition = _definition(tmp_path, command=(sys.executable, "-c", "print('nothing')"))
    (tmp_path / "capture").mkdir()
    running = start_execution(
        execution_id=5,
        definition=definition,
        schedule_name="byoc",
        scheduled_time=SCHEDULED,
        capture_uri=str(tmp_path / "capture"),
        home=tmp_path / "home",
    )
    outcome = _wait(running)
    assert outcome.status == ExecutionStatus.FAILED
    assert outcome.failure_reason is not None
    assert "the job wrote no exit message" in outcome.failure_reason


def test_a_bad_violations_file_fails_the_execution_naming_it(tmp_path: Path) -> None:
    code = (
        "import os, pathlib; out = pathlib.Path(os.environ['output_path']); out.mkdir(parents=True, "
        "exist_ok=True); (out / 'constraint_violations.json').write_text('[1, 2]')"
    )
    (tmp_path / "capture").mkdir()
    running = start_execution(
        execution_id=6,
        definition=_definition(tmp_path, command=(sys.executable, "-c", code)),
        schedule_name="byoc",
        scheduled_time=SCHEDULED,
        capture_uri=str(tmp_path / "capture"),
        home=tmp_path / "home",
    )
    outcome = _wait(running)
    assert outcome.status == ExecutionStatus.FAILED
    assert outcome.failure_reason is not None
    assert "constraint_violations.json: cannot be read" in outcome.failure_reason


def test_a_sagemaker_sentence_without_a_count_gets_the_count_of_its_violations_file(tmp_path: Path) -> None:
    sentence = "CompletedWithViolations: Job completed successfully with 2 violations."
    code = (
        "import json, os, pathlib; out = pathlib.Path(os.environ['output_path']); "
        "out.mkdir(parents=True, exist_ok=True); violation = {'feature_name': 'f', "
        "'constraint_check_type': 'data_type_check', 'description': 'd'}; "
        "(out / 'constraint_violations.json').write_text(json.dumps({'violations': [violation] * 2})); "
        f"pathlib.Path(os.environ['output_message_file']).write_text({sentence!r})"
    )
    (tmp_path / "capture").mkdir()
    running = start_execution(
        execution_id=9,
        definition=_definition(tmp_path, command=(sys.executable, "-c", code)),
        schedule_name="byoc",
        scheduled_time=SCHEDULED,
        capture_uri=str(tmp_path / "capture"),
        home=tmp_path / "home",
    )
    outcome = _wait(running)
    assert (outcome.status, outcome.violation_count, outcome.exit_message) == (
        ExecutionStatus.COMPLETED_WITH_VIOLATIONS,
        2,
        sentence,
    )


def test_batch_transform_capture_is_staged_at_its_destination(tmp_path: Path) -> None:
    data = tmp_path / "transform-input"
    data.mkdir()
    (data / "part-0.csv").write_text("1,5.1\n")
    (data / "part-1.csv").write_text("0,4.9\n")
    capture = tmp_path / "batch-capture"
    files = [str(data / "part-0.csv"), str(data / "part-1.csv")]
    write_batch_manifests(
        files, [f"{f}.out" for f in files], str(capture), job_start=SCHEDULED - timedelta(minutes=30)
    )
    # an older job, outside the window: not staged
    (data / "old.csv").write_text("1,1\n")
    write_batch_manifests(
        [str(data / "old.csv")],
        [str(data / "old.csv.out")],
        str(capture),
        job_start=SCHEDULED - timedelta(hours=5),
    )
    code = (
        "import os, pathlib; source = pathlib.Path(os.environ['dataset_source']); "
        "names = [p.relative_to(source).as_posix() for p in source.rglob('*') if p.is_file()]; "
        "print('staged', sorted(names)); "
        "out = pathlib.Path(os.environ['output_path']); out.mkdir(parents=True, exist_ok=True); "
        "(out / 'statistics.json').write_text('{}')"
    )
    definition = JobDefinition(
        input_kind="batch_transform",
        capture_uri=str(capture),
        dataset_format={"csv": {"header": False}},
        output_uri=str(tmp_path / "out"),
        command=(sys.executable, "-c", code),
        input_destination="/opt/ml/processing/input",
    )
    running = start_execution(
        execution_id=10,
        definition=definition,
        schedule_name="batch-byoc",
        scheduled_time=SCHEDULED,
        capture_uri=None,
        home=tmp_path / "home",
    )
    outcome = _wait(running)
    assert outcome.status == ExecutionStatus.COMPLETED
    log = (tmp_path / "home" / "executions" / "10" / "log.txt").read_text()
    assert "staged ['part-0.csv', 'part-1.csv']" in log


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"input_destination": "/opt/ml/input/data"}, "expected an absolute path under /opt/ml/processing"),
        ({"output_source": "/opt/ml/processing/../config"}, "expected an absolute path under /opt/ml"),
        ({"output_source": "/opt/ml/processing"}, "expected a folder below /opt/ml/processing"),
        ({"output_source": "/opt/ml/processing/input/endpoint/out"}, "overlap; expected separate folders"),
        ({"image_uri": " "}, "image_uri: got an empty name"),
    ],
)
def test_bad_local_paths_are_refused_naming_the_field(
    tmp_path: Path, changes: dict[str, str], problem: str
) -> None:
    with pytest.raises(ConfigurationError, match=re.escape(problem)):
        _definition(tmp_path, **changes)


def test_a_local_path_without_its_leading_slash_is_taken_from_the_root(tmp_path: Path) -> None:
    # SageMaker's own guide writes destination="opt/ml/processing/input"
    definition = _definition(tmp_path, input_destination="opt/ml/processing/input")
    assert definition.input_destination == "/opt/ml/processing/input"


def test_no_container_runtime_is_one_clear_line(tmp_path: Path) -> None:
    # An empty PATH: neither podman nor docker can be found.
    with pytest.raises(ConfigurationError) as raised:
        container_runtime({"PATH": str(tmp_path)})
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith("image_uri needs a container runtime (docker or podman)")
    assert "podman: not installed; docker: not installed" in message
    assert "use --command" in message


def test_a_runtime_without_an_engine_is_named_with_its_error(tmp_path: Path) -> None:
    fake = tmp_path / "docker"
    fake.write_text(
        "#!/bin/sh\necho 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock' >&2\nexit 1\n"
    )
    fake.chmod(0o755)
    with pytest.raises(ConfigurationError) as raised:
        container_runtime({"PATH": str(tmp_path), "MODELMONITOR_CONTAINER_RUNTIME": "docker"})
    assert "docker: 'info' failed (Cannot connect to the Docker daemon" in str(raised.value)


def test_capture_in_an_object_store_is_staged_and_reports_go_back_to_it(s3: object, tmp_path: Path) -> None:  # noqa: F811
    now = datetime.now(UTC)
    write_capture(
        tmp_path / "capture",
        "ep",
        now - timedelta(minutes=59),
        hours=1,
        per_hour=10,
        drift_from=now - timedelta(hours=2),
    )
    _upload(s3, tmp_path / "capture", "data-capture")
    service = MonitoringService(
        Catalog(f"sqlite:///{tmp_path / 'c.sqlite'}"), tmp_path / "home", SystemClock()
    )
    service.register_endpoint("ep", "s3://bucket/data-capture")
    # the monitor gets no object-store credentials: it reads the staged copies only
    service.create_schedule(
        "s3-byoc", "cron(0 * ? * * *)", _definition(tmp_path, output_uri="s3://bucket/reports")
    )
    execution = service.run_now("s3-byoc", "-PT1H", "-PT0H")
    service.close()
    assert (execution.status, execution.violation_count) == ("CompletedWithViolations", 1), (
        execution.failure_reason
    )
    assert execution.output_uri is not None
    key = execution.output_uri.removeprefix("s3://bucket/") + "/constraint_violations.json"
    body = s3.get_object(Bucket="bucket", Key=key)["Body"].read()  # type: ignore[attr-defined]
    (violation,) = json.loads(body)["violations"]
    assert violation["description"] == "10 of 10 records have f1 above 20.0"


def test_the_exact_runtime_command_line_and_env_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A stand-in docker client records how it is called (the real run: tests/e2e/test_container.py)."""
    fake = tmp_path / "docker"
    fake.write_text('#!/bin/sh\n[ "$1" = info ] && exit 0\nprintf "%s\\n" "$@" > "$ARGV_FILE"\n')
    fake.chmod(0o755)
    monkeypatch.setenv("MODELMONITOR_CONTAINER_RUNTIME", str(fake))
    monkeypatch.setenv("MODELMONITOR_CONTAINER_RUN_OPTIONS", "--network none")
    monkeypatch.setenv("ARGV_FILE", str(tmp_path / "argv.txt"))
    (tmp_path / "capture").mkdir()
    definition = _definition(
        tmp_path,
        image_uri="my-monitor:1",
        command=("python3", "/opt/program/monitor.py"),
        arguments=("--flag",),
    )
    running = start_execution(
        execution_id=11,
        definition=definition,
        schedule_name="byoc",
        scheduled_time=SCHEDULED,
        capture_uri=str(tmp_path / "capture"),
        home=tmp_path / "home",
    )
    outcome = _wait(running)
    assert outcome.status == ExecutionStatus.FAILED  # the stand-in wrote no report
    root = tmp_path / "home" / "executions" / "11"
    assert (tmp_path / "argv.txt").read_text().splitlines() == [
        "run", "--rm", "--init", "--name", f"modelmonitor-execution-11-{os.getpid()}",
        "--env-file", f"{root}/container.env",
        "-v", f"{root}/opt/ml/processing/input/endpoint:/opt/ml/processing/input/endpoint:ro",
        "-v", f"{root}/opt/ml/processing/resultdata:/opt/ml/processing/resultdata",
        "-v", f"{root}/opt/ml/config:/opt/ml/config:ro",
        "-v", f"{root}/opt/ml/output:/opt/ml/output",
        "--network", "none",
        "--entrypoint", "python3", "my-monitor:1", "/opt/program/monitor.py", "--flag",
    ]  # fmt: skip
    env = dict(line.split("=", 1) for line in (root / "container.env").read_text().splitlines())
    assert env["dataset_source"] == "/opt/ml/processing/input/endpoint"
    assert env["output_path"] == "/opt/ml/processing/resultdata"
    assert env["output_message_file"] == "/opt/ml/output/message"
    assert env["cloudwatch_metrics_directory"] == "/opt/ml/output/metrics/cloudwatch"
    assert env["F1_LIMIT"] == "20"
    assert "PATH" not in env
    assert "ARGV_FILE" not in env  # the scheduler's environment stays out of the container
