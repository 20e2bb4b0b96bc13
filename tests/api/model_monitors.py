"""Model monitors with a history of real executions, for the dashboard's pages: each schedule is created
through the service on a clock that starts at ``T0`` (``api_from_t0``), and the scheduler runs it hourly
(the built-in job in its own process, window: the hour before) over the hours captured from ``T0`` on;
each hour's labels are collected before the run that reads them.

- ``quality_history``: ModelQuality (binary classification) on endpoint ``ep``, 210 captured calls an hour
  for three hours (the model's output is its probability of 1), the labels uploaded before the runs; the
  model gets more wrong each hour (none, every 10th, every 2nd label flipped), so accuracy falls below its
  constraint (LessThanThreshold 0.8) in the last.
- ``regression_history``: ModelQuality (regression) whose errors grow from the first hour to the second.
- ``bias_history``: ModelBias on endpoint ``credit``: a credit model's scores for two hours; in the second
  the model takes 0.5 off the approval probability of sex 0, so disparate impact drifts.
- ``attribution_history``: ModelExplainability on endpoint ``ep3`` against a model server on loopback:
  traffic shaped like the baseline's, then traffic whose feature importance shifted.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from modelmonitor.capture.config import CaptureSettings
from modelmonitor.capture.pipeline import CapturePipeline
from modelmonitor.formats.clarify import (
    AnalysisConfig,
    FacetConfig,
    MethodsConfig,
    PredictorConfig,
    ShapConfig,
)
from modelmonitor.formats.job_definition import InputAttributes, JobDefinition
from modelmonitor.formats.statuses import MonitoringType
from modelmonitor.service import Execution, MonitoringService
from modelmonitor.service.baselines import run_model_bias_baseline, run_model_explainability_baseline
from modelmonitor.service.ground_truth import upload_ground_truth
from tests.explain_data import FEATURES, features, trained_model, write_csv

QUALITY = "quality"
BIAS = "credit-bias"
ATTRIBUTION = "attribution"
QUALITY_CONSTRAINTS = {
    "version": 0.0,
    "binary_classification_constraints": {
        "accuracy": {"threshold": 0.8, "comparison_operator": "LessThanThreshold"},
        "false_positive_rate": {"threshold": 0.9, "comparison_operator": "GreaterThanThreshold"},
    },
}
T0 = datetime(2026, 11, 21, 0, 0, tzinfo=UTC)


def _capture(
    destination: Path,
    endpoint: str,
    start: datetime,
    calls: Sequence[tuple[str, str, str]],
) -> None:
    """(inference id, CSV request, CSV response) calls through the capture pipeline, from ``start`` on."""
    now = [start.timestamp()]
    pipeline = CapturePipeline(
        CaptureSettings(endpoint_name=endpoint, destination=str(destination), sampling_percentage=100.0),
        disk_probe=lambda: 0.0,
        clock=lambda: now[0],
    )
    pipeline.start()
    for index, (inference_id, request, response) in enumerate(calls):
        now[0] = (start + timedelta(seconds=1 + index * 3600 // max(len(calls), 1))).timestamp()
        pipeline.submit(
            status=200,
            request_body=request.encode(),
            request_content_type="text/csv",
            response_body=response.encode(),
            response_content_type="text/csv",
            inference_id=inference_id,
        )
    pipeline.close()


def _labels(destination: Path, hour: int, labels: Sequence[tuple[str, str]]) -> None:
    """Upload the labels of the calls of hour ``hour``, collected before that hour's run reads them."""
    csv = destination.parent / f"{destination.name}-{hour}.csv"
    csv.write_text("inference_id,label\n" + "".join(f"{i},{label}\n" for i, label in labels))
    upload_ground_truth(str(csv), str(destination), collected_at=T0 + timedelta(hours=hour, minutes=50))


def _run_hourly(service: MonitoringService, schedule: str, hours: int) -> list[Execution]:
    """The scheduler's runs at T0+1h ... T0+hours (each over the hour before), oldest first."""
    service.scheduler(poll_seconds=0.1, max_idle_seconds=3600).run(
        until=T0 + timedelta(hours=hours, minutes=1)
    )
    return sorted(service.list_executions(schedule_name=schedule), key=lambda e: e.scheduled_time)


_HOURLY = {"data_analysis_start_time": "-PT1H", "data_analysis_end_time": "-PT0H"}


def quality_history(tmp: Path, service: MonitoringService) -> list[Execution]:
    rng = np.random.default_rng(5)
    for index, flip_every in enumerate((0, 10, 2)):
        calls, labels = [], []
        for call in range(210):
            probability = float(rng.uniform())
            prediction = int(probability > 0.5)
            inference_id = f"q{index}-{call}"
            features_csv = f"{rng.normal():.4f},{rng.normal():.4f}"
            calls.append((inference_id, features_csv, f"{probability:.4f}"))
            wrong = flip_every and call % flip_every == 0
            labels.append((inference_id, str(1 - prediction if wrong else prediction)))
        _capture(tmp / "capture", "ep", T0 + timedelta(hours=index), calls)
        _labels(tmp / "quality-gt", index, labels)
    constraints = tmp / "quality-constraints.json"
    constraints.write_text(json.dumps(QUALITY_CONSTRAINTS))
    service.register_endpoint("ep", str(tmp / "capture"))
    service.create_schedule(
        QUALITY,
        "cron(0 * ? * * *)",
        JobDefinition(
            input_kind="endpoint",
            endpoint_name="ep",
            output_uri=str(tmp / "quality-out"),
            baseline_constraints=str(constraints),
            monitoring_type=MonitoringType.MODEL_QUALITY,
            problem_type="BinaryClassification",
            ground_truth_uri=str(tmp / "quality-gt"),
            attributes=InputAttributes(probability_attribute="0", probability_threshold_attribute=0.5),
            **_HOURLY,
        ),
    )
    return _run_hourly(service, QUALITY, 3)


REGRESSION = "regression"


def regression_history(tmp: Path, service: MonitoringService) -> list[Execution]:
    """ModelQuality (regression) on endpoint ``reg``: 210 predictions an hour for two hours, the labels
    off by about 0.1 in the first hour and by about 2 in the second; mae held GreaterThanThreshold 1."""
    rng = np.random.default_rng(9)
    for index, error in enumerate((0.1, 2.0)):
        calls, labels = [], []
        for call in range(210):
            prediction = float(rng.normal(10.0, 3.0))
            inference_id = f"r{index}-{call}"
            calls.append((inference_id, f"{rng.normal():.4f}", f"{prediction:.4f}"))
            labels.append((inference_id, f"{prediction + rng.normal(0.0, error):.4f}"))
        _capture(tmp / "reg-capture", "reg", T0 + timedelta(hours=index), calls)
        _labels(tmp / "reg-gt", index, labels)
    constraints = tmp / "reg-constraints.json"
    constraints.write_text(
        json.dumps(
            {
                "regression_constraints": {
                    "mae": {"threshold": 1.0, "comparison_operator": "GreaterThanThreshold"}
                }
            }
        )
    )
    service.register_endpoint("reg", str(tmp / "reg-capture"))
    service.create_schedule(
        REGRESSION,
        "cron(0 * ? * * *)",
        JobDefinition(
            input_kind="endpoint",
            endpoint_name="reg",
            output_uri=str(tmp / "reg-out"),
            baseline_constraints=str(constraints),
            monitoring_type=MonitoringType.MODEL_QUALITY,
            problem_type="Regression",
            ground_truth_uri=str(tmp / "reg-gt"),
            attributes=InputAttributes(inference_attribute="0"),
            **_HOURLY,
        ),
    )
    return _run_hourly(service, REGRESSION, 2)


BIAS_CONFIG = AnalysisConfig(
    headers=["approved", "sex", "age", "income", "score"],
    label="approved",
    predicted_label="score",
    probability_threshold=0.5,
    label_values_or_threshold=[1],
    facet=[FacetConfig(name_or_index="sex", value_or_threshold=[0])],
    group_variable="age",
)


def bias_history(tmp: Path, service: MonitoringService) -> list[Execution]:
    from tests.e2e.bias_model import applicants, score

    rows, truth = applicants(300, seed=2)
    healthy = [score(row) for row in rows]
    shifted = [max(0.0, s - 0.5) if row[0] == 0 else s for row, s in zip(rows, healthy, strict=True)]

    def payload(row: np.ndarray) -> str:
        return f"{int(row[0])},{int(row[1])},{row[2]}"

    baseline_csv = tmp / "bias-validation.csv"
    baseline_csv.write_text(
        "".join(
            f"{label},{payload(row)},{s:.6f}\n" for row, label, s in zip(rows, truth, healthy, strict=True)
        )
    )
    result = run_model_bias_baseline(str(baseline_csv), BIAS_CONFIG, str(tmp / "bias-baseline"))
    for index, scores in enumerate((healthy, shifted)):
        calls = [
            (f"b{index}-{n}", payload(row), f"{s:.6f}")
            for n, (row, s) in enumerate(zip(rows, scores, strict=True))
        ]
        _capture(tmp / "credit-capture", "credit", T0 + timedelta(hours=index), calls)
        _labels(tmp / "bias-gt", index, [(f"b{index}-{n}", str(label)) for n, label in enumerate(truth)])
    monitoring_config = tmp / "bias-analysis-config.json"
    # The capture holds the features only; the label comes from the ground truth (BiasAnalysisConfig's shape).
    monitoring_config.write_text(
        BIAS_CONFIG.model_copy(
            update={
                "headers": ["approved", "sex", "age", "income"],
                "predicted_label": None,
                "probability_threshold": None,
            }
        ).to_json_text()
    )
    service.register_endpoint("credit", str(tmp / "credit-capture"))
    service.create_schedule(
        BIAS,
        "cron(0 * ? * * *)",
        JobDefinition(
            input_kind="endpoint",
            endpoint_name="credit",
            output_uri=str(tmp / "bias-out"),
            baseline_constraints=result.outputs["analysis.json"],
            monitoring_type=MonitoringType.MODEL_BIAS,
            ground_truth_uri=str(tmp / "bias-gt"),
            analysis_config_uri=str(monitoring_config),
            attributes=InputAttributes(probability_threshold_attribute=0.5),
            **_HOURLY,
        ),
    )
    return _run_hourly(service, BIAS, 2)


SHAP = ShapConfig(baseline=[[0.0, 0.0, 0.0]], num_samples=64, agg_method="mean_abs", seed=3)


def attribution_history(tmp: Path, service: MonitoringService, model_url: str) -> list[Execution]:
    model = trained_model()
    rows = features(50, seed=8)
    validation = write_csv(tmp / "attribution-validation.csv", rows)
    positive: Callable[[np.ndarray], np.ndarray] = lambda x: model.predict_proba(x)[:, 1]  # noqa: E731
    config = AnalysisConfig(
        headers=FEATURES,
        methods=MethodsConfig(shap=SHAP),
        predictor=PredictorConfig(content_type="text/csv", accept_type="text/csv", endpoint_url=model_url),
    )
    result = run_model_explainability_baseline(
        str(validation), config, str(tmp / "attribution-baseline"), predictor=positive
    )
    for index, shifted in enumerate((False, True)):
        traffic = features(30, shifted=shifted, seed=12 + index)
        calls = [(f"a{index}-{n}", ",".join(f"{v:.6f}" for v in row), "0.5") for n, row in enumerate(traffic)]
        _capture(tmp / "attribution-capture", "ep3", T0 + timedelta(hours=index), calls)
    monitoring_config = tmp / "attribution-analysis-config.json"
    monitoring_config.write_text(config.to_json_text())
    service.register_endpoint("ep3", str(tmp / "attribution-capture"))
    service.create_schedule(
        ATTRIBUTION,
        "cron(0 * ? * * *)",
        JobDefinition(
            input_kind="endpoint",
            endpoint_name="ep3",
            output_uri=str(tmp / "attribution-out"),
            baseline_constraints=result.outputs["analysis.json"],
            monitoring_type=MonitoringType.MODEL_EXPLAINABILITY,
            analysis_config_uri=str(monitoring_config),
            max_runtime_seconds=600,
            **_HOURLY,
        ),
    )
    return _run_hourly(service, ATTRIBUTION, 2)
