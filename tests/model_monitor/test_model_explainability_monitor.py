"""ModelExplainabilityMonitor with the SageMaker SDK's signatures: a SHAP baseline of a validation set
(the model as a Python callable, and as an HTTP server), then an hourly schedule over an endpoint's
capture whose feature importance has shifted, judged by NDCG against the baseline."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from modelmonitor.capture.batch import write_batch_manifests
from modelmonitor.capture.config import CaptureSettings
from modelmonitor.capture.pipeline import CapturePipeline
from modelmonitor.clarify import DataConfig, ModelConfig, ModelPredictedLabelConfig, SHAPConfig
from modelmonitor.errors import ConfigurationError
from modelmonitor.model_monitor import (
    BatchTransformInput,
    EndpointInput,
    ExplainabilityAnalysisConfig,
    ModelExplainabilityMonitor,
    MonitoringDatasetFormat,
)
from modelmonitor.model_monitor.session import LocalSession
from modelmonitor.scheduler.clock import SteppingClock
from modelmonitor.service import MonitoringService
from modelmonitor.storage.catalog import Catalog
from tests.explain_data import FEATURES, features, trained_model, write_csv
from tests.model_server import model_server

pytest.importorskip("shap")
pytestmark = pytest.mark.filterwarnings("error::modelmonitor.formats.base.UnknownKeyWarning")

T0 = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)
SHAP = SHAPConfig(baseline=[[0.0, 0.0, 0.0]], num_samples=64, agg_method="mean_abs", seed=3)


@pytest.fixture
def session(tmp_path: Path) -> LocalSession:
    service = MonitoringService(
        Catalog(f"sqlite:///{tmp_path / 'c.sqlite'}"),
        tmp_path / "home",
        SteppingClock(T0, real_pause_seconds=0.02),
    )
    return LocalSession(service=service)


def _validation(tmp_path: Path) -> DataConfig:
    """A headerless CSV with the label first, as the notebooks write it."""
    model = trained_model()
    rows = features(50, seed=8)
    path = write_csv(tmp_path / "validation.csv", rows, labels=model.predict(rows))
    return DataConfig(
        s3_data_input_path=str(path),
        s3_output_path=str(tmp_path / "baseline"),
        label="target",
        headers=["target", *FEATURES],
        dataset_type="text/csv",
    )


def _positive(rows: Any) -> Any:
    return trained_model().predict_proba(rows)[:, 1]


def _capture(destination: Path, endpoint: str, rows: np.ndarray, start: datetime) -> None:
    now = [start.timestamp()]
    pipeline = CapturePipeline(
        CaptureSettings(endpoint_name=endpoint, destination=str(destination), sampling_percentage=100.0),
        disk_probe=lambda: 0.0,
        clock=lambda: now[0],
    )
    pipeline.start()
    for index, row in enumerate(rows):
        now[0] = (start + timedelta(seconds=1 + index * 20)).timestamp()
        pipeline.submit(
            status=200,
            request_body=",".join(f"{v:.6f}" for v in row).encode(),
            request_content_type="text/csv",
            response_body=b"0.5",
            response_content_type="text/csv",
            inference_id=f"call-{index}",
        )
    pipeline.close()


def test_suggest_baseline_with_a_python_predictor_writes_the_analysis_that_is_the_constraints(
    tmp_path: Path, session: LocalSession
) -> None:
    monitor = ModelExplainabilityMonitor(sagemaker_session=session)
    job = monitor.suggest_baseline(
        data_config=_validation(tmp_path),
        explainability_config=SHAP,
        model_config=ModelConfig(model_name="m", content_type="text/csv", accept_type="text/csv"),
        model_scores=ModelPredictedLabelConfig(label_headers=["yes"]),
        predictor=_positive,
    )
    job.wait(logs=False)
    assert {path.name for path in (tmp_path / "baseline").iterdir()} == {
        "analysis.json",
        "analysis_config.json",
    }
    constraints = monitor.suggested_constraints()
    assert constraints is not None
    values = constraints.body_dict["explanations"]["kernel_shap"]["yes"]["global_shap_values"]
    assert list(values) == FEATURES
    assert values["a"] > values["b"] > values["c"]
    assert monitor.baseline_statistics() is None
    written = json.loads((tmp_path / "baseline" / "analysis_config.json").read_text())
    assert written["methods"]["shap"]["baseline"] == [[0.0, 0.0, 0.0]]
    assert written["predictor"]["label_headers"] == ["yes"]
    # The schedule's analysis config names the features only (the label is left out, as the SDK does).
    reused = monitor.latest_baselining_job_config
    assert reused is not None
    assert reused.analysis_config.to_file().headers == FEATURES
    session.close()


def test_an_hourly_schedule_reports_feature_attribution_drift_from_the_model_server(
    tmp_path: Path, session: LocalSession
) -> None:
    service = session.service
    with model_server(trained_model()) as server:
        model_config = ModelConfig(
            endpoint_name="ep", content_type="text/csv", accept_type="text/csv", endpoint_url=server.url
        )
        monitor = ModelExplainabilityMonitor(sagemaker_session=session, max_runtime_in_seconds=300)
        monitor.suggest_baseline(
            data_config=_validation(tmp_path), explainability_config=SHAP, model_config=model_config
        )
        service.register_endpoint("ep", str(tmp_path / "capture"))
        _capture(tmp_path / "capture", "ep", features(40, shifted=True, seed=12), T0 - timedelta(hours=2))
        monitor.create_monitoring_schedule(
            monitor_schedule_name="attribution",
            analysis_config=ExplainabilityAnalysisConfig(SHAP, model_config, headers=FEATURES),
            endpoint_input=EndpointInput(
                endpoint_name="ep",
                destination="/opt/ml/processing/input/endpoint",
                start_time_offset="-PT2H",
                end_time_offset="-PT1H",
            ),
            output_s3_uri=str(tmp_path / "results"),
            schedule_cron_expression="cron(0 * ? * * *)",
        )
        definition = service.schedule_definition("attribution")
        assert definition.analysis_config_uri is not None
        assert definition.baseline_constraints == str(tmp_path / "baseline" / "analysis.json")
        execution = service.run_now("attribution")
    assert execution.status == "CompletedWithViolations", execution.failure_reason
    violations = monitor.latest_monitoring_constraint_violations()
    assert violations is not None
    [violation] = violations.body_dict["violations"]
    assert violation["constraint_check_type"] == "feature_attribution_drift_check"
    assert violation["label"] == "label0"
    output = Path(execution.output_uri or "")
    outputs = sorted(path.name for path in output.iterdir() if path.is_file())
    assert outputs == ["analysis.json", "constraint_violations.json", "log.txt"]
    log = (output / "log.txt").read_text()
    assert "explaining 40 row(s) sampled from 40" in log  # progress, then the summary with the model calls
    assert "explained 40 of 40 rows" in log
    assert "0 failed request(s)" in log
    assert monitor.describe_schedule()["MonitoringType"] == "ModelExplainability"
    session.close()


def test_a_batch_transform_schedule_explains_the_jobs_input_files(
    tmp_path: Path, session: LocalSession
) -> None:
    service = session.service
    (tmp_path / "job").mkdir()
    inputs = write_csv(tmp_path / "job" / "input.csv", features(30, shifted=True, seed=14))
    (tmp_path / "job" / "output.csv").write_text("0.5\n" * 30)
    write_batch_manifests(
        [str(inputs)],
        [str(tmp_path / "job" / "output.csv")],
        str(tmp_path / "batch"),
        job_start=T0 - timedelta(hours=2),
        job_name="scoring",
    )
    with model_server(trained_model()) as server:
        model_config = ModelConfig(model_name="m", content_type="text/csv", endpoint_url=server.url)
        monitor = ModelExplainabilityMonitor(sagemaker_session=session)
        monitor.suggest_baseline(
            data_config=_validation(tmp_path), explainability_config=SHAP, model_config=model_config
        )
        monitor.create_monitoring_schedule(
            monitor_schedule_name="attribution-batch",
            batch_transform_input=BatchTransformInput(
                data_captured_destination_s3_uri=str(tmp_path / "batch"),
                destination="/opt/ml/processing/input",
                dataset_format=MonitoringDatasetFormat.csv(header=False),
                start_time_offset="-PT2H",
                end_time_offset="-PT1H",
            ),
            output_s3_uri=str(tmp_path / "results"),
            schedule_cron_expression="cron(0 * ? * * *)",
        )
        execution = service.run_now("attribution-batch")
    assert execution.status == "CompletedWithViolations", execution.failure_reason
    log = (Path(execution.output_uri or "") / "log.txt").read_text()
    assert "explaining 30 row(s) sampled from 30" in log
    session.close()


@pytest.mark.e2e
def test_a_slow_model_cannot_keep_an_execution_past_its_maximum_runtime(
    tmp_path: Path, session: LocalSession
) -> None:
    service = session.service
    model = trained_model()
    with model_server(model) as fast, model_server(model, delay=2.0) as slow:
        monitor = ModelExplainabilityMonitor(sagemaker_session=session, max_runtime_in_seconds=60)
        monitor.suggest_baseline(
            data_config=_validation(tmp_path),
            explainability_config=SHAP,
            model_config=ModelConfig(model_name="m", content_type="text/csv", endpoint_url=fast.url),
        )
        service.register_endpoint("ep", str(tmp_path / "capture"))
        _capture(tmp_path / "capture", "ep", features(40, seed=5), T0 - timedelta(hours=2))
        slow_model = ModelConfig(model_name="m", content_type="text/csv", endpoint_url=slow.url)
        monitor.create_monitoring_schedule(
            monitor_schedule_name="slow",
            analysis_config=ExplainabilityAnalysisConfig(SHAP, slow_model, headers=FEATURES),
            endpoint_input=EndpointInput("ep", "/opt/ml/processing/input/endpoint", start_time_offset="-PT2H",
                                         end_time_offset="-PT1H"),
            output_s3_uri=str(tmp_path / "results"),
        )  # fmt: skip
        execution = service.run_now("slow")
    # 40 rows at two 2-second calls each need 160 s; the analysis stops at 80% of the 60 s and reports.
    assert execution.status in ("Completed", "CompletedWithViolations"), execution.failure_reason
    log = (Path(execution.output_uri or "") / "log.txt").read_text()
    assert "the time budget ran out" in log
    assert "stopped by the time budget" in log
    session.close()


def test_a_shap_baseline_with_the_wrong_number_of_columns_is_refused_at_baselining(
    tmp_path: Path, session: LocalSession
) -> None:
    monitor = ModelExplainabilityMonitor(sagemaker_session=session)
    with pytest.raises(ConfigurationError, match=r"SHAP baseline has 2 columns, expected 3"):
        monitor.suggest_baseline(
            data_config=_validation(tmp_path),
            explainability_config=SHAPConfig(baseline=[[0.0, 0.0]]),
            model_config=ModelConfig(model_name="m"),
            predictor=_positive,
        )
    session.close()


def test_without_a_model_url_or_predictor_baselining_says_what_to_give(
    tmp_path: Path, session: LocalSession
) -> None:
    monitor = ModelExplainabilityMonitor(sagemaker_session=session)
    with pytest.raises(ConfigurationError, match=r"give ModelConfig\(endpoint_url="):
        monitor.suggest_baseline(
            data_config=_validation(tmp_path),
            explainability_config=SHAP,
            model_config=ModelConfig(model_name="m"),
        )
    session.close()


def test_a_schedule_without_analysis_config_or_baseline_is_refused(
    tmp_path: Path, session: LocalSession
) -> None:
    session.service.register_endpoint("ep", str(tmp_path / "capture"))
    with pytest.raises(
        ConfigurationError, match="analysis_config is None and this monitor has no baselining job"
    ):
        ModelExplainabilityMonitor(sagemaker_session=session).create_monitoring_schedule(endpoint_input="ep")
    session.close()
