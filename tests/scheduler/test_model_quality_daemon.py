"""Data quality and model quality on one endpoint under the daemon: both schedules' gauges and an alert."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from modelmonitor.formats.job_definition import InputAttributes, JobDefinition
from modelmonitor.formats.statuses import MonitoringType
from modelmonitor.scheduler.clock import SteppingClock
from modelmonitor.service import MonitoringService
from modelmonitor.service.ground_truth import upload_ground_truth
from modelmonitor.storage.catalog import Catalog
from tests.monitoring_data import write_baseline, write_capture, write_labels
from tests.webhook_receiver import webhook_receiver

T0 = datetime(2026, 11, 21, 0, 0, tzinfo=UTC)


# Six real job subprocesses. e2e so the quick loop can leave it out; make test runs it.
@pytest.mark.e2e
def test_data_and_model_quality_schedules_on_one_endpoint(tmp_path: Path) -> None:
    write_capture(tmp_path / "capture", "ep", T0, hours=3, per_hour=240)
    write_labels(tmp_path / "capture", tmp_path / "labels.csv", wrong_every=3)
    upload_ground_truth(
        str(tmp_path / "labels.csv"), str(tmp_path / "gt"), collected_at=T0 + timedelta(hours=1)
    )
    statistics, constraints = write_baseline(tmp_path / "baseline")
    quality_constraints = tmp_path / "quality-constraints.json"
    quality_constraints.write_text(
        json.dumps(
            {
                "version": 0.0,
                "binary_classification_constraints": {
                    "accuracy": {"threshold": 0.9, "comparison_operator": "LessThanThreshold"}
                },
            }
        )
    )
    clock = SteppingClock(T0 + timedelta(seconds=30), real_pause_seconds=0.01)
    service = MonitoringService(Catalog(f"sqlite:///{tmp_path / 'catalog.sqlite'}"), tmp_path / "home", clock)
    service.register_endpoint("ep", str(tmp_path / "capture"))
    common = {"input_kind": "endpoint", "endpoint_name": "ep", "output_uri": str(tmp_path / "results")}
    service.create_schedule(
        "data",
        "cron(0 * ? * * *)",
        JobDefinition(**common, baseline_statistics=str(statistics), baseline_constraints=str(constraints)),  # type: ignore[arg-type]
    )
    service.create_schedule(
        "quality",
        "cron(0 * ? * * *)",
        JobDefinition(
            **common,  # type: ignore[arg-type]
            baseline_constraints=str(quality_constraints),
            monitoring_type=MonitoringType.MODEL_QUALITY,
            problem_type="BinaryClassification",
            ground_truth_uri=str(tmp_path / "gt"),
            attributes=InputAttributes(inference_attribute="0"),
            # the window waits an hour for labels (SageMaker's -P8D/-P1D, scaled down)
            start_time_offset="-PT2H",
            end_time_offset="-PT1H",
        ),
    )
    with webhook_receiver() as hook:
        service.put_alert(
            "quality-drop", "quality", datapoints_to_alert=1, evaluation_period=1, webhook_url=hook.url
        )
        scheduler = service.scheduler(poll_seconds=0.1, max_idle_seconds=3600)
        scheduler.run(until=T0 + timedelta(hours=3, minutes=1))
        bodies = list(hook.bodies)

    data_runs = service.list_executions(schedule_name="data")
    assert [r.status for r in data_runs] == ["Completed"] * 3, [r.failure_reason for r in data_runs]
    quality_runs = service.list_executions(schedule_name="quality")
    assert [r.status for r in quality_runs] == [
        "Failed",
        "CompletedWithViolations",
        "CompletedWithViolations",
    ]
    # at 01:00 the window [23:00, 00:00) holds no prediction: said with the window and the label prefix
    assert "no captured prediction between 2026-11-20T23:00:00Z and 2026-11-21T00:00:00Z" in (
        quality_runs[0].failure_reason or ""
    )
    assert str(tmp_path / "gt") in (quality_runs[0].failure_reason or "")
    assert [b["AlertStatus"] for b in bodies] == ["InAlert"]

    families = {
        f.name: f
        for f in text_string_to_metric_families(generate_latest(scheduler.exporter.registry).decode())
    }
    accuracy = {s.labels["monitoring_schedule"]: s for s in families["accuracy"].samples}
    assert set(accuracy) == {"quality"}
    assert accuracy["quality"].labels["endpoint"] == "ep"
    assert 0.6 < accuracy["quality"].value < 0.72
    non_null = {s.labels["monitoring_schedule"]: s.value for s in families["feature_non_null_f2"].samples}
    assert non_null == {"data": 1.0}
    service.close()
