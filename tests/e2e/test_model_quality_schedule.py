"""Model quality end to end: a model behind the capture proxy, labels that come later, an hourly schedule.

Real processes on loopback: the model (uvicorn), `modelmonitor capture proxy`, `modelmonitor baseline` and
`modelmonitor ground-truth upload`; the scheduler runs in this process on an injected clock that starts
an hour or more after the traffic (the capture's times are the real ones), and each execution is the
built-in job in its own process. The schedule's offsets (-PT5H/-PT1H: SageMaker's -P8D/-P1D scaled down)
put the traffic in three hourly windows in a row:

1. the first runs before any label was collected: Failed, naming the window and the label prefix;
2. labels of the healthy model's calls are uploaded after it (collected at the scheduler's time): the
   second merges them and completes without violations;
3. the model is degraded on purpose (every answer wrong) and the labels of those calls arrive: the third
   sees accuracy fall below the baseline's and completes with violations.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from modelmonitor.formats.job_definition import InputAttributes, JobDefinition
from modelmonitor.formats.statuses import MonitoringType
from modelmonitor.scheduler.clock import SteppingClock
from modelmonitor.service import MonitoringService
from modelmonitor.storage.catalog import Catalog
from tests.e2e.support import capture_two_phases, run_cli, served_model, upload_labels

pytestmark = pytest.mark.e2e

CALLS = 100  # per phase: below 200 rows the metrics carry no standard deviation, so the check is exact


@pytest.fixture
def model_port() -> Iterator[int]:
    with served_model("tests.e2e.quality_model:app") as port:
        yield port


def _feature(index: int) -> float:
    return (index + 0.5) / CALLS  # never 0.5 itself: the true label is 1 when x >= 0.5


def _call(client: httpx.Client, port: int, phase: str) -> list[tuple[str, str]]:
    """CALLS requests with inference ids; (id, true label) of each."""
    labels = []
    for index in range(CALLS):
        x = _feature(index)
        inference_id = f"{phase}-{index}"
        response = client.post(
            f"http://127.0.0.1:{port}/invocations",
            content=f"{x}",
            headers={"Content-Type": "text/csv", "X-Amzn-SageMaker-Inference-Id": inference_id},
        )
        response.raise_for_status()
        labels.append((inference_id, "1" if x >= 0.5 else "0"))
    return labels


def _upload(labels: list[tuple[str, str]], path: Path, gt: Path, collected_at: datetime) -> None:
    assert f"wrote {len(labels)} label(s)" in upload_labels(labels, path, gt, collected_at)


def _baseline(client: httpx.Client, model_port: int, folder: Path) -> Path:
    """The healthy model's answers on a validation set, with the true labels: `modelmonitor baseline`."""
    rows = ["probability,label"]
    for index in range(CALLS):
        x = _feature(index)
        answer = client.post(f"http://127.0.0.1:{model_port}/invocations", content=f"{x}").text
        rows.append(f"{answer},{1 if x >= 0.5 else 0}")
    folder.mkdir()
    validation = folder / "validation_with_predictions.csv"
    validation.write_text("\n".join(rows) + "\n")
    run_cli("baseline", str(validation), "--out", str(folder), "--monitoring-type", "ModelQuality",
            "--problem-type", "BinaryClassification", "--probability-attribute", "probability",
            "--ground-truth-attribute", "label")  # fmt: skip
    return folder / "constraints.json"


def test_labels_uploaded_later_feed_an_hourly_schedule_that_catches_a_degraded_model(
    model_port: int, tmp_path: Path
) -> None:
    capture, gt, results = tmp_path / "capture", tmp_path / "gt", tmp_path / "results"
    with httpx.Client(timeout=10) as client:
        constraints = _baseline(client, model_port, tmp_path / "baseline")
        healthy, degraded = capture_two_phases(client, model_port, capture, _call, "degrade", "degraded")
    last_call = datetime.now(UTC)
    # The first run whose window [S-5h, S-1h) holds every call (the traffic took seconds, not an hour).
    first = last_call.replace(minute=0, second=0, microsecond=0) + timedelta(hours=2)

    clock = SteppingClock(first - timedelta(seconds=30), real_pause_seconds=0.01)
    service = MonitoringService(Catalog(f"sqlite:///{tmp_path / 'catalog.sqlite'}"), tmp_path / "home", clock)
    service.register_endpoint("churn", str(capture))
    service.create_schedule(
        "churn-quality",
        "cron(0 * ? * * *)",
        JobDefinition(
            input_kind="endpoint",
            endpoint_name="churn",
            output_uri=str(results),
            baseline_constraints=str(constraints),
            monitoring_type=MonitoringType.MODEL_QUALITY,
            problem_type="BinaryClassification",
            ground_truth_uri=str(gt),
            attributes=InputAttributes(probability_attribute="0", probability_threshold_attribute=0.5),
            start_time_offset="-PT5H",
            end_time_offset="-PT1H",
            max_runtime_seconds=1800,
        ),
    )
    scheduler = service.scheduler(poll_seconds=0.1, max_idle_seconds=3600)
    scheduler.run(until=first + timedelta(minutes=1))
    # Collected on the scheduler's clock, half an hour after each run: the next run reads them.
    _upload(healthy, tmp_path / "healthy.csv", gt, first + timedelta(minutes=30))
    scheduler.run(until=first + timedelta(hours=1, minutes=1))
    _upload(degraded, tmp_path / "degraded.csv", gt, first + timedelta(hours=1, minutes=30))
    scheduler.run(until=first + timedelta(hours=2, minutes=1))

    runs = sorted(service.list_executions(schedule_name="churn-quality"), key=lambda r: r.scheduled_time)
    assert [r.status for r in runs] == ["Failed", "Completed", "CompletedWithViolations"], [
        r.failure_reason for r in runs
    ]
    window = f"between {_iso(first - timedelta(hours=5))} and {_iso(first - timedelta(hours=1))}"
    assert runs[0].failure_reason is not None
    assert (
        f"no ground truth yet for the {2 * CALLS} prediction(s) captured {window}" in runs[0].failure_reason
    )
    assert f"labels collected up to {_iso(first)} read from {gt}" in runs[0].failure_reason

    second, third = (_outputs(results, r.scheduled_time) for r in runs[1:])
    assert _statistics(second)["dataset"]["item_count"] == CALLS  # the degraded calls had no label yet
    assert _accuracy(second) == 1.0
    assert list((second / "merge/churn/AllTraffic").rglob("part-*.jsonl"))
    assert _statistics(third)["dataset"]["item_count"] == 2 * CALLS
    assert _accuracy(third) == 0.5
    violations = json.loads((third / "constraint_violations.json").read_text())["violations"]
    accuracy = next(v for v in violations if v["metric_name"] == "accuracy")
    assert accuracy["constraint_check_type"] == "LessThanThreshold"
    assert accuracy["description"].startswith("Metric accuracy with 0.5 +/- ")
    assert accuracy["description"].endswith("was LessThanThreshold '1.0'")
    service.close()


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _outputs(results: Path, scheduled: datetime) -> Path:
    # {output}/{endpoint}/{schedule}/yyyy/mm/dd/hh: SageMaker's execution output layout
    found = list(results.glob(f"*/*/{scheduled.astimezone(UTC):%Y/%m/%d/%H}"))
    assert len(found) == 1, found
    return found[0]


def _statistics(folder: Path) -> dict[str, object]:
    statistics: dict[str, object] = json.loads((folder / "statistics.json").read_text())
    return statistics


def _accuracy(folder: Path) -> float:
    metrics = _statistics(folder)["binary_classification_metrics"]
    assert isinstance(metrics, dict)
    value: float = metrics["accuracy"]["value"]
    return value
