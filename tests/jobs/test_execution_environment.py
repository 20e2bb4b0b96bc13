"""The job contract is the scheduler's: schedules cannot override it; custom monitors see no more than it."""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from modelmonitor.cli.main import main
from modelmonitor.errors import ConfigurationError, ModelMonitorError
from modelmonitor.formats.engine_choice import EngineChoice
from modelmonitor.formats.job_definition import CONTRACT_VARIABLES, InputAttributes, JobDefinition
from modelmonitor.formats.statuses import ExecutionStatus, MonitoringType
from modelmonitor.jobs.contract import JobContract, execution_environment
from modelmonitor.scheduler.worker import start_execution

DUMP_ENVIRONMENT = """\
import json, os, pathlib
from modelmonitor.jobs.custom import finish, read_contract
contract = read_contract()
pathlib.Path(contract.output_path).mkdir(parents=True, exist_ok=True)
(pathlib.Path(contract.output_path) / "env.json").write_text(json.dumps(dict(os.environ)))
finish(contract)
"""


def _contract() -> JobContract:
    return JobContract(
        dataset_source="/capture",
        output_path="/out",
        start_time=datetime(2026, 11, 21, 9, tzinfo=UTC),
        end_time=datetime(2026, 11, 21, 10, tzinfo=UTC),
        dataset_format={},
        output_message_file="/m",
        cloudwatch_metrics_directory="/c",
        endpoint_name="ep",
        schedule_name="s",
        baseline_statistics="/b/statistics.json",
        baseline_constraints="/b/constraints.json",
        record_preprocessor_script="/p.py",
        post_analytics_processor_script="/q.py",
        execution_id=7,
        monitoring_type=MonitoringType.MODEL_QUALITY,
        attributes=InputAttributes("f", "0", "1", 0.7, "g"),
        problem_type="BinaryClassification",
        ground_truth_uri="/gt",
        max_runtime_seconds=600,
        scheduled_time=datetime(2026, 11, 22, 10, tzinfo=UTC),
        analysis_config="/a/analysis_config.json",
        engine=EngineChoice("spark"),  # the engine variable is set only for an engine other than local
        html_report=True,  # the report variable only when asked for
        capture_prefix="/capture-root",
        processing_job_config="/opt/ml/config/processingjobconfig.json",
    )


def test_every_variable_the_contract_sets_is_a_contract_variable() -> None:
    assert set(_contract().to_env()) == CONTRACT_VARIABLES


def test_the_job_reads_back_the_contract_it_was_given() -> None:
    env = _contract().to_env()
    assert env["analysis_type"] == "MODEL_QUALITY"
    assert env["probability_threshold_attribute"] == "0.7"
    assert JobContract.from_env(env) == _contract()


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("problem_type", "Binary", "expected one of BinaryClassification"),
        ("probability_threshold_attribute", "half", "expected a number"),
        ("MODELMONITOR_MAX_RUNTIME_SECONDS", "1h", "expected whole seconds"),
    ],
)
def test_a_bad_model_quality_variable_is_named(name: str, value: str, expected: str) -> None:
    env = {**_contract().to_env(), name: value}
    with pytest.raises(ConfigurationError, match=f"{name}: got '{value}', {expected}"):
        JobContract.from_env(env)


def test_a_scheduled_time_that_is_not_a_time_is_named() -> None:
    env = {**_contract().to_env(), "MODELMONITOR_SCHEDULED_TIME": "noon"}
    with pytest.raises(ModelMonitorError, match="SCHEDULED_TIME: 'noon' is not an ISO 8601 time"):
        JobContract.from_env(env)


@pytest.mark.parametrize("name", sorted(CONTRACT_VARIABLES))
def test_a_schedule_cannot_set_a_contract_variable(name: str) -> None:
    with pytest.raises(ConfigurationError, match=f"environment variable {name} .*part of the job contract"):
        JobDefinition(
            input_kind="batch_transform", capture_uri="/b", output_uri="/o", environment={name: "999"}
        )


def test_schedule_create_refuses_a_contract_variable_with_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MODELMONITOR_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MODELMONITOR_CATALOG_URL", raising=False)
    argv = ["schedule", "create", "s", "--batch-capture", str(tmp_path / "b")]
    with pytest.raises(SystemExit) as exited:
        main([*argv, "--env", "MODELMONITOR_EXECUTION_ID=999"])
    assert exited.value.code == 2
    assert "MODELMONITOR_EXECUTION_ID" in capsys.readouterr().err
    main([*argv, "--env", "MY_SETTING=1"])  # a variable outside the contract is kept
    assert json.loads(capsys.readouterr().out)["definition"]["environment"] == {"MY_SETTING": "1"}


def test_the_contract_wins_over_the_schedule_and_the_inherited_environment() -> None:
    # A definition stored before the check existed may name a contract variable: the worker's order holds.
    inherited = {"PATH": "/bin", "dataset_source": "/elsewhere", "baseline_statistics": "/x"}
    for custom in (True, False):
        env = execution_environment(
            _contract(), {"MODELMONITOR_EXECUTION_ID": "999"}, inherited, custom=custom
        )
        assert env["MODELMONITOR_EXECUTION_ID"] == "7"
        assert env["dataset_source"] == "/capture"
        assert env["baseline_statistics"] == "/b/statistics.json"


def test_the_built_in_job_drops_inherited_contract_variables_it_does_not_set() -> None:
    contract = JobContract(
        dataset_source="/capture",
        output_path="/out",
        start_time=datetime(2026, 11, 21, 9, tzinfo=UTC),
        end_time=datetime(2026, 11, 21, 10, tzinfo=UTC),
        dataset_format={},
        output_message_file="/m",
        cloudwatch_metrics_directory="/c",
    )
    inherited = {"AWS_ACCESS_KEY_ID": "k", "baseline_constraints": "/stale", "MODELMONITOR_EXECUTION_ID": "3"}
    env = execution_environment(contract, {}, inherited, custom=False)
    assert env["AWS_ACCESS_KEY_ID"] == "k"
    assert "baseline_constraints" not in env
    assert "MODELMONITOR_EXECUTION_ID" not in env


def test_a_custom_monitor_gets_the_contract_the_schedule_and_basics_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODELMONITOR_CATALOG_URL", "postgresql://admin:s3cret@db/catalog")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "scheduler-secret")
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    script = tmp_path / "monitor.py"
    script.write_text(DUMP_ENVIRONMENT)
    definition = JobDefinition(
        input_kind="batch_transform",
        capture_uri=str(tmp_path / "capture"),
        output_uri=str(tmp_path / "out"),
        command=(sys.executable, str(script)),
        environment={"MY_SETTING": "on"},
    )
    running = start_execution(
        execution_id=41,
        definition=definition,
        schedule_name="custom",
        scheduled_time=datetime(2026, 11, 21, 10, tzinfo=UTC),
        capture_uri=None,
        home=tmp_path / "home",
    )
    outcome = running.poll()
    deadline = time.monotonic() + 60
    while outcome is None and time.monotonic() < deadline:
        time.sleep(0.05)
        outcome = running.poll()
    assert outcome is not None
    assert outcome.status == ExecutionStatus.COMPLETED, running.paths.log.read_text()
    env = json.loads(next((tmp_path / "out").rglob("env.json")).read_text())
    assert env["MODELMONITOR_EXECUTION_ID"] == "41"
    assert env["MY_SETTING"] == "on"
    assert env["PATH"]
    assert env["LC_ALL"] == "C.UTF-8"
    assert "MODELMONITOR_CATALOG_URL" not in env
    assert "AWS_SECRET_ACCESS_KEY" not in env
    inherited = set(env) - CONTRACT_VARIABLES - {"MY_SETTING", "PYTHONUNBUFFERED"}
    assert inherited <= {
        "PATH",
        "HOME",
        "USER",
        "LOGNAME",
        "SHELL",
        "LANG",
        "LANGUAGE",
        "TZ",
        "TMPDIR",
        "LC_ALL",
        "LC_CTYPE",
    } | {n for n in env if n.startswith("LC_")}
