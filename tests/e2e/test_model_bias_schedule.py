"""Bias drift end to end: a scikit-learn model behind the capture proxy, labels uploaded later, an hourly
ModelBias schedule that catches a model turned against one facet value.

Real processes on loopback: the model (uvicorn), `modelmonitor capture proxy`, `modelmonitor baseline
--monitoring-type ModelBias` and `modelmonitor ground-truth upload`; the scheduler runs in this process on
an injected clock that starts after the traffic, and each execution is the built-in job in its own process.

The validation set is sent twice through the proxy: first to the healthy model, then, after ``/shift``, to
a model that takes 0.5 off the approval probability of sex 0. The labels of the first pass are collected
before the first run, which therefore sees exactly the baseline's rows and finds no drift; the second pass's
labels come before the second run, whose disparate impact against sex 0 falls: bias_drift_check fires.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from modelmonitor.formats.job_definition import InputAttributes, JobDefinition
from modelmonitor.formats.statuses import MonitoringType
from modelmonitor.scheduler.clock import SteppingClock
from modelmonitor.service import MonitoringService
from modelmonitor.storage.catalog import Catalog
from tests.e2e.bias_model import applicants
from tests.e2e.support import capture_two_phases, run_cli, served_model, upload_labels

pytestmark = pytest.mark.e2e

ROWS = 300
CONFIG = {
    "headers": ["approved", "sex", "age", "income", "score"],
    "label": "approved",
    "predicted_label": "score",
    "probability_threshold": 0.5,
    "label_values_or_threshold": [1],
    "facet": [{"name_or_index": "sex", "value_or_threshold": [0]}],
    "group_variable": "age",
}


@pytest.fixture
def model_port() -> Iterator[int]:
    with served_model("tests.e2e.bias_model:app") as port:
        yield port


def _payload(row: list[float]) -> str:
    return f"{int(row[0])},{int(row[1])},{row[2]}"


def _call(client: httpx.Client, port: int, phase: str) -> list[tuple[str, str]]:
    """The validation rows through the proxy with inference ids; (id, true label) of each."""
    features, labels = applicants(ROWS, seed=2)
    sent = []
    for index, (row, label) in enumerate(zip(features.tolist(), labels.tolist(), strict=True)):
        inference_id = f"{phase}-{index}"
        client.post(
            f"http://127.0.0.1:{port}/invocations",
            content=_payload(row),
            headers={"Content-Type": "text/csv", "X-Amzn-SageMaker-Inference-Id": inference_id},
        ).raise_for_status()
        sent.append((inference_id, str(label)))
    return sent


def _baseline(client: httpx.Client, model_port: int, folder: Path) -> Path:
    """The healthy model's scores on the validation set beside the labels: `modelmonitor baseline`."""
    features, labels = applicants(ROWS, seed=2)
    lines = []
    for row, label in zip(features.tolist(), labels.tolist(), strict=True):
        answer = client.post(f"http://127.0.0.1:{model_port}/invocations", content=_payload(row)).text
        lines.append(f"{label},{_payload(row)},{answer}")
    folder.mkdir()
    (folder / "validation.csv").write_text("\n".join(lines) + "\n")
    (folder / "analysis_config.json").write_text(json.dumps(CONFIG))
    config = str(folder / "analysis_config.json")
    out = run_cli("baseline", str(folder / "validation.csv"), "--out", str(folder / "out"),
                  "--monitoring-type", "ModelBias", "--analysis-config", config)  # fmt: skip
    assert "post-training bias metrics of 300 rows" in out
    return folder / "out" / "analysis.json"


def test_a_model_turned_against_one_facet_value_fires_bias_drift_check(
    model_port: int, tmp_path: Path
) -> None:
    capture, gt, results = tmp_path / "capture", tmp_path / "gt", tmp_path / "results"
    with httpx.Client(timeout=10) as client:
        constraints = _baseline(client, model_port, tmp_path / "baseline")
        healthy, shifted = capture_two_phases(client, model_port, capture, _call, "shift", "shifted")
    first = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(hours=2)
    clock = SteppingClock(first - timedelta(seconds=30), real_pause_seconds=0.01)
    service = MonitoringService(Catalog(f"sqlite:///{tmp_path / 'catalog.sqlite'}"), tmp_path / "home", clock)
    service.register_endpoint("churn", str(capture))
    analysis_config = tmp_path / "monitoring_analysis_config.json"
    # BiasAnalysisConfig's shape: the capture holds the features only, the label comes from the labels
    analysis_config.write_text(json.dumps({k: CONFIG[k] for k in ("label", "label_values_or_threshold",
                                                                  "facet", "group_variable")}
                                          | {"headers": CONFIG["headers"][:4]}))  # fmt: skip
    service.create_schedule(
        "churn-bias",
        "cron(0 * ? * * *)",
        JobDefinition(
            input_kind="endpoint",
            endpoint_name="churn",
            output_uri=str(results),
            baseline_constraints=str(constraints),
            monitoring_type=MonitoringType.MODEL_BIAS,
            ground_truth_uri=str(gt),
            analysis_config_uri=str(analysis_config),
            attributes=InputAttributes(probability_threshold_attribute=0.5),
            start_time_offset="-PT5H",
            end_time_offset="-PT1H",
            max_runtime_seconds=1800,
        ),
    )
    # an alert as for data quality: violations in 1 of the last 1 executions
    service.put_alert("bias-drift", "churn-bias", 1, 1, None)
    scheduler = service.scheduler(poll_seconds=0.1, max_idle_seconds=3600)
    upload_labels(healthy, tmp_path / "healthy.csv", gt, first - timedelta(minutes=30))
    scheduler.run(until=first + timedelta(minutes=1))
    upload_labels(shifted, tmp_path / "shifted.csv", gt, first + timedelta(minutes=30))
    scheduler.run(until=first + timedelta(hours=1, minutes=1))

    runs = sorted(service.list_executions(schedule_name="churn-bias"), key=lambda r: r.scheduled_time)
    assert [r.status for r in runs] == ["Completed", "CompletedWithViolations"], [
        r.failure_reason for r in runs
    ]
    healthy_run, shifted_run = (_outputs(results, r.scheduled_time) for r in runs)
    baseline = json.loads(constraints.read_text())
    # the first run saw the baseline's rows and the healthy model's scores: the same metrics
    assert json.loads((healthy_run / "analysis.json").read_text()) == baseline
    assert json.loads((healthy_run / "constraint_violations.json").read_text())["violations"] == []
    violations = json.loads((shifted_run / "constraint_violations.json").read_text())["violations"]
    di = next(v for v in violations if v["metric_name"] == "DI")
    assert di["facet"] == "sex"
    assert di["facet_value"] == "0"
    assert di["constraint_check_type"] == "bias_drift_check"
    assert di["description"].startswith("Metric value ")
    assert di["description"].endswith(
        f"doesn't meet the baseline constraint requirement {_metric(baseline, 'DI')!r}"
    )
    shifted_di = _metric(json.loads((shifted_run / "analysis.json").read_text()), "DI")
    assert shifted_di < _metric(baseline, "DI")
    # the latest execution's metrics as Prometheus gauges, labelled by SageMaker's dimensions
    families = {
        f.name: f
        for f in text_string_to_metric_families(generate_latest(scheduler.exporter.registry).decode())
    }
    di_gauge = [s for s in families["bias_metric_DI"].samples if s.labels["bias_stage"] == "Post-Training"]
    assert len(di_gauge) == 1
    assert di_gauge[0].value == shifted_di
    assert di_gauge[0].labels == {
        "endpoint": "churn",
        "monitoring_schedule": "churn-bias",
        "bias_stage": "Post-Training",
        "label": "approved",
        "label_value": "1",
        "facet": "sex",
        "facet_value": "0",
    }
    assert [(e.status, e.execution_id) for e in service.alert_history("bias-drift")] == [
        ("InAlert", runs[1].id)
    ]
    violations_gauge = families["modelmonitor_execution_violations"].samples
    assert [s.value for s in violations_gauge] == [len(violations)]
    service.close()


def _metric(analysis: dict[str, object], name: str) -> float:
    section = analysis["post_training_bias_metrics"]
    assert isinstance(section, dict)
    value: float = next(m["value"] for m in section["facets"]["sex"][0]["metrics"] if m["name"] == name)
    return value


def _outputs(results: Path, scheduled: datetime) -> Path:
    found = list(results.glob(f"*/*/{scheduled.astimezone(UTC):%Y/%m/%d/%H}"))
    assert len(found) == 1, found
    return found[0]
