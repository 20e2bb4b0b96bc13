"""A schedule's engine: stored in its job definition, handed to the built-in job, used by its execution."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from modelmonitor.errors import ConfigurationError
from modelmonitor.formats.engine_choice import EngineChoice
from modelmonitor.formats.job_definition import ENGINE_VARIABLE, JobDefinition
from modelmonitor.formats.statuses import ExecutionStatus
from modelmonitor.jobs.contract import JobContract
from modelmonitor.model_monitor import DefaultModelMonitor, EndpointInput
from modelmonitor.model_monitor.session import LocalSession
from modelmonitor.scheduler.worker import start_execution
from modelmonitor.settings import Settings
from tests.monitoring_data import write_baseline, write_capture

T0 = datetime(2026, 11, 21, 9, tzinfo=UTC)
SPARK = EngineChoice("spark", "local[1]", (("spark.ui.enabled", "false"),))


def _definition(tmp_path: Path, engine: EngineChoice) -> JobDefinition:
    statistics, constraints = write_baseline(tmp_path / "baseline")
    return JobDefinition(
        input_kind="endpoint",
        endpoint_name="ep",
        output_uri=str(tmp_path / f"out-{engine.kind}"),
        start_time_offset="-PT3H",
        end_time_offset="-PT0H",
        baseline_statistics=str(statistics),
        baseline_constraints=str(constraints),
        engine=engine,
    )


def test_the_engine_survives_the_catalog_and_the_contract(tmp_path: Path) -> None:
    definition = _definition(tmp_path, SPARK)
    assert JobDefinition.from_dict(definition.to_dict()) == definition
    stored_before_engines = {k: v for k, v in definition.to_dict().items() if k != "engine"}
    assert JobDefinition.from_dict(stored_before_engines).engine == EngineChoice()
    contract = JobContract("/c", "/o", T0, T0 + timedelta(hours=1), {}, "/m", "/w", engine=SPARK)
    assert JobContract.from_env(contract.to_env()).engine == SPARK
    local = JobContract("/c", "/o", T0, T0 + timedelta(hours=1), {}, "/m", "/w")
    assert ENGINE_VARIABLE not in local.to_env()
    with pytest.raises(ConfigurationError, match="with a custom monitor command"):
        JobDefinition(
            input_kind="endpoint", endpoint_name="ep", output_uri="/o", command=("x",), engine=SPARK
        )
    with pytest.raises(ConfigurationError, match="expected --engine spark"):
        EngineChoice("local", "local[2]")


def _run(tmp_path: Path, execution_id: int, definition: JobDefinition) -> dict[str, str]:
    running = start_execution(
        execution_id=execution_id,
        definition=definition,
        schedule_name="hourly",
        scheduled_time=T0 + timedelta(hours=3),
        capture_uri=str(tmp_path / "capture"),
        home=tmp_path / "home",
    )
    deadline = time.monotonic() + 240
    outcome = running.poll()
    while outcome is None and time.monotonic() < deadline:
        time.sleep(0.2)
        outcome = running.poll()
    assert outcome is not None, "the execution did not end in 240 s"
    log = running.paths.log.read_text()
    assert outcome.status == ExecutionStatus.COMPLETED_WITH_VIOLATIONS, log
    assert f"engine {definition.engine.kind}" in log
    assert ("started Spark 4." in log) == (definition.engine.kind == "spark")
    folder = Path(definition.output_uri)
    return {
        name: next(folder.rglob(name)).read_text()
        for name in ("statistics.json", "constraint_violations.json")
    }


@pytest.mark.spark
def test_a_scheduled_execution_on_spark_writes_the_local_engines_files(tmp_path: Path) -> None:
    """The built-in job in its own process, its own Spark (local[1]) started from the contract."""
    write_capture(tmp_path / "capture", "ep", T0, hours=3, per_hour=200, drift_from=T0 + timedelta(hours=2))
    local = _run(tmp_path, 1, _definition(tmp_path, EngineChoice()))
    spark = _run(tmp_path, 2, _definition(tmp_path, SPARK))
    assert spark == local


@pytest.mark.spark
def test_the_sdk_engine_runs_the_baseline_and_goes_into_the_schedule(spark: Any, tmp_path: Path) -> None:
    data = tmp_path / "train.csv"
    data.write_text("a,b\n" + "".join(f"{i},{'pq'[i % 2]}\n" for i in range(200)))
    session = LocalSession(
        Settings(home=tmp_path / "home", catalog_url=f"sqlite:///{tmp_path / 'catalog.sqlite'}")
    )
    files = {}
    for engine in ("local", "spark"):
        monitor = DefaultModelMonitor(sagemaker_session=session, engine=engine)
        monitor.suggest_baseline(str(data), {"csv": {"header": True}}, output_s3_uri=str(tmp_path / engine))
        files[engine] = [(tmp_path / engine / f).read_text() for f in ("statistics.json", "constraints.json")]
    assert files["spark"] == files["local"]
    session.service.register_endpoint("ep", str(tmp_path / "capture"))
    monitor = DefaultModelMonitor(sagemaker_session=session, engine=SPARK)
    monitor.create_monitoring_schedule(
        endpoint_input=EndpointInput("ep", "/opt/ml/processing/input"),
        monitor_schedule_name="daily",
        output_s3_uri=str(tmp_path / "out"),
    )
    stored = JobDefinition.from_dict(session.service.describe_schedule("daily").definition)
    assert stored.engine == SPARK
    session.close()
