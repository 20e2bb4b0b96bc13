"""The explainability analyzer: a data set or a capture window → a bounded sample → Kernel SHAP →
Clarify's analysis.json, with a Python predictor and with a real model server over HTTP."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from modelmonitor.analyzers.endpoint_predictor import Deadline, EndpointPredictor
from modelmonitor.analyzers.model_explainability import explain, explain_source
from modelmonitor.capture.config import CaptureSettings
from modelmonitor.capture.pipeline import CapturePipeline
from modelmonitor.dataset.source import DatasetFormat, DatasetSource
from modelmonitor.dataset.window import AnalysisWindow
from modelmonitor.errors import ConfigurationError, JobError
from modelmonitor.formats.clarify import AnalysisConfig, PredictorConfig
from tests.explain_data import FEATURES, features, trained_model, write_csv
from tests.model_server import model_server

pytest.importorskip("shap")

PREDICTOR = PredictorConfig(endpoint_name="churn", content_type="text/csv", accept_type="text/csv")


def _config(**shap: Any) -> AnalysisConfig:
    return AnalysisConfig.from_data(
        {
            "version": "1.0",
            "headers": FEATURES,
            "methods": {"shap": {"baseline": [[0.0, 0.0, 0.0]], "num_samples": 64, "seed": 1} | shap},
            "predictor": {"endpoint_name": "churn", "content_type": "text/csv", "accept_type": "text/csv"},
        },
        source="test",
    )


def _positive(model: Any) -> Any:
    return lambda rows: model.predict_proba(rows)[:, 1]


def test_a_baseline_data_set_with_its_label_column_is_explained_with_a_python_predictor(
    tmp_path: Path,
) -> None:
    model = trained_model()
    rows = features(60, seed=5)
    data = write_csv(tmp_path / "train.csv", rows, labels=model.predict(rows), header=True)
    config = AnalysisConfig.from_data(
        _config().to_dict() | {"headers": ["label", *FEATURES], "label": "label"}, source="t"
    )
    profile, report = explain_source(
        DatasetSource.table(str(data), "csv", header=True), config, _positive(model)
    )
    explanation = profile.analysis.explanations.kernel_shap["label0"]  # type: ignore[union-attr]
    values = explanation.global_shap_values
    assert list(values) == FEATURES
    assert values["a"] > values["b"] > values["c"] > 0
    assert explanation.expected_value == pytest.approx(model.predict_proba([[0.0, 0.0, 0.0]])[0, 1])
    assert profile.explained_rows == 60
    assert profile.population == 60
    assert report.bad_record_count == 0
    text = profile.analysis.to_json_text()
    assert text.startswith('{\n    "version": "1.0",\n    "explanations": {\n        "kernel_shap": {')


def _capture(destination: Path, rows: np.ndarray, start: datetime) -> None:
    now = [start.timestamp()]
    pipeline = CapturePipeline(
        CaptureSettings(endpoint_name="churn", destination=str(destination), sampling_percentage=100.0),
        disk_probe=lambda: 0.0,
        clock=lambda: now[0],
    )
    pipeline.start()
    for index, row in enumerate(rows):
        now[0] = (start + timedelta(seconds=index)).timestamp()
        pipeline.submit(
            status=200,
            request_body=",".join(f"{v:.6f}" for v in row).encode(),
            request_content_type="text/csv",
            response_body=b"0.5",
            response_content_type="text/csv",
            inference_id=str(index),
        )
    pipeline.close()


def test_captured_inputs_are_explained_through_the_model_endpoint_and_the_sample_is_bounded(
    tmp_path: Path,
) -> None:
    model = trained_model()
    start = datetime(2026, 1, 5, 10, tzinfo=UTC)
    _capture(tmp_path / "capture", features(300, seed=9), start)
    source = DatasetSource(
        (str(tmp_path / "capture"),),
        DatasetFormat.CAPTURE_JSONL,
        window=AnalysisWindow(start, start + timedelta(hours=1)),
        endpoint="churn",
    )
    config = _config()
    with model_server(model) as server, EndpointPredictor(server.url, PREDICTOR, FEATURES) as predict:
        profile, report = explain_source(source, config, predict, max_rows=12, calls=predict.calls)
    assert report.records_in_window == 300
    assert (profile.sampled_rows, profile.population, profile.explained_rows) == (12, 300, 12)
    # 1 request for the baseline, then two per explained row: the row itself, and its 6 coalitions (3
    # features: every subset but the empty and the full one, fewer than num_samples) in one batch.
    assert server.requests == predict.calls.requests == 1 + 2 * 12
    assert server.rows == predict.calls.rows == 1 + 12 * (1 + 6)
    assert predict.calls.failed_rows == 0
    values = profile.analysis.explanations.kernel_shap["label0"].global_shap_values  # type: ignore[union-attr]
    assert values["a"] > values["b"] > values["c"]


def test_rows_the_endpoint_fails_on_are_skipped_counted_and_named(tmp_path: Path) -> None:
    model = trained_model()
    rows = features(10, seed=2)
    rows[3, 0] = rows[7, 0] = 999.0  # the model server errors on these values
    with (
        model_server(model, fail_when=lambda row: row[0] > 100) as server,
        EndpointPredictor(server.url, PREDICTOR, FEATURES, retries=0) as predict,
    ):
        profile = explain(rows, _config(), predict, calls=predict.calls)
    assert profile.explained_rows == 8
    assert [s.row for s in profile.skipped] == [3, 7]
    assert "HTTP 500" in profile.skipped[0].reason
    assert "999" in profile.skipped[0].reason
    assert predict.calls.failed_requests == 2
    assert "2 skipped" in profile.summary()


def test_an_endpoint_failing_on_every_row_fails_the_job_with_the_reason(tmp_path: Path) -> None:
    model = trained_model()
    rows = np.full((3, 3), 999.0)
    with (
        model_server(model, fail_when=lambda row: row[0] > 100) as server,
        EndpointPredictor(server.url, PREDICTOR, FEATURES, retries=0) as predict,
        pytest.raises(JobError, match=r"no row could be explained.*HTTP 500"),
    ):
        explain(rows, _config(), predict)


def test_a_shap_baseline_with_the_wrong_number_of_columns_is_refused_naming_both_counts() -> None:
    config = _config(baseline=[[0.0, 0.0]])
    with pytest.raises(ConfigurationError, match=r"2 columns, expected 3 \(the features \['a', 'b', 'c'\]\)"):
        explain(features(3), config, _positive(trained_model()))


def test_values_that_are_not_numbers_are_bad_records_not_fatal(tmp_path: Path) -> None:
    data = tmp_path / "data.csv"
    data.write_text("0.1,0.2,0.3\n0.5,oops,0.1\n-0.2,0.4,1.0\n")
    profile, report = explain_source(
        DatasetSource.table(str(data), "csv"), _config(), _positive(trained_model())
    )
    assert profile.population == 2
    assert profile.explained_rows == 2
    assert report.bad_record_count == 1
    assert "(field b): value 'oops' is not a number" in str(report.bad_records[0])


def test_the_time_budget_stops_the_run_with_the_rows_explained_so_far() -> None:
    model = trained_model()

    def slow(rows: np.ndarray) -> np.ndarray:
        time.sleep(0.05)
        return np.asarray(model.predict_proba(rows)[:, 1])

    started = time.monotonic()
    profile = explain(features(200, seed=4), _config(), slow, deadline=Deadline.after(0.5))
    assert time.monotonic() - started < 3.0
    assert profile.out_of_time
    assert 0 < profile.explained_rows < 200
    assert "stopped by the time budget" in profile.summary()


def test_a_predictor_config_with_label_headers_names_the_outputs() -> None:
    config = AnalysisConfig.from_data(
        _config().to_dict() | {"predictor": {"endpoint_name": "churn", "label_headers": ["yes"]}}, source="t"
    )
    profile = explain(features(5), config, _positive(trained_model()))
    assert list(profile.analysis.explanations.kernel_shap) == ["yes"]  # type: ignore[union-attr]
