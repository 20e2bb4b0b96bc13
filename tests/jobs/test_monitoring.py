"""The built-in monitoring job as the scheduler runs it: a subprocess given SageMaker's env contract."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.monitoring_data import capture_job_contract, write_baseline, write_capture

T0 = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)

# Throws on records whose inference id ends in 3 (1 of 10 per hour) at line 5.
PREPROCESSOR = """\
def preprocess_handler(inference_record, logger):
    inference_id = inference_record.event_metadata.inference_id
    values = inference_record.endpoint_input.data.split(",")
    if inference_id.endswith("3"):
        raise ValueError(f"cannot handle {inference_id}")
    label = inference_record.endpoint_output.data
    return {str(i).zfill(20): v for i, v in enumerate([label, *values])}
"""

POSTPROCESSOR = """\
import os, pathlib
def postprocess_handler():
    out = pathlib.Path(os.environ["output_path"])
    (out / "postprocessed.txt").write_text(str((out / "constraint_violations.json").exists()))
"""


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("monitoring-job")
    write_capture(root / "capture", "ep", T0, hours=1, per_hour=10)
    write_baseline(root / "baseline")
    return root


def _run(data: Path, tmp_path: Path, **extra: str) -> tuple[int, str, Path]:
    contract = capture_job_contract(data, tmp_path, T0)
    env = {**os.environ, **contract.to_env(), **extra}
    done = subprocess.run(
        [sys.executable, "-m", "modelmonitor.jobs.monitoring"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    message = (tmp_path / "message").read_text().strip() if (tmp_path / "message").exists() else ""
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, message + "\n" + done.stderr, tmp_path / "out"


def test_preprocess_failures_below_the_threshold_are_counted_and_logged(data: Path, tmp_path: Path) -> None:
    script = tmp_path / "preprocessor.py"
    script.write_text(PREPROCESSOR)
    post = tmp_path / "postprocessor.py"
    post.write_text(POSTPROCESSOR)
    code, output, out = _run(
        data,
        tmp_path,
        record_preprocessor_script=str(script),
        post_analytics_processor_script=str(post),
        MODELMONITOR_PREPROCESS_ERROR_THRESHOLD="0.2",
    )
    assert code == 0, output
    assert output.startswith("Completed: Job completed successfully with no violations.")
    assert f"preprocess_handler raised ValueError('cannot handle 0-3') at {script}:5" in output
    assert "10 records, 1 failed" in output
    # The outcome is logged once (the pipeline logs it; the job's main only writes the message file).
    assert output.count("Job completed successfully with no violations.") == 2  # message file + log
    statistics = json.loads((out / "statistics.json").read_text())
    assert statistics["dataset"]["item_count"] == 9
    assert [f["name"] for f in statistics["features"]] == ["label", "f1", "f2", "f3"]
    assert (out / "postprocessed.txt").read_text() == "True"
    metrics = [
        json.loads(line)
        for line in (tmp_path / "metrics" / "cloudwatch_metrics.jsonl").read_text().splitlines()
    ]
    assert {m["MetricName"] for m in metrics} >= {
        "feature_baseline_drift_f1",
        "feature_non_null_f1",
        "feature_data_f1",
    }


def test_preprocess_failures_past_the_threshold_fail_the_execution(data: Path, tmp_path: Path) -> None:
    script = tmp_path / "preprocessor.py"
    script.write_text(PREPROCESSOR)
    code, output, _ = _run(
        data, tmp_path, record_preprocessor_script=str(script), MODELMONITOR_PREPROCESS_ERROR_THRESHOLD="0.05"
    )
    assert code == 1
    assert output.startswith("Failed: preprocess_handler failed on 1 of 10 records (10%, threshold 5%)")


def test_an_empty_window_fails_with_an_actionable_reason(data: Path, tmp_path: Path) -> None:
    code, output, _ = _run(data, tmp_path, start_time="2026-11-21T12:00:00Z", end_time="2026-11-21T13:00:00Z")
    assert code == 1
    assert output.startswith(
        "Failed: no captured data between 2026-11-21T12:00:00Z and 2026-11-21T13:00:00Z "
        f"under {data}/capture/ep"
    )


def test_metrics_are_not_written_when_publishing_is_disabled(data: Path, tmp_path: Path) -> None:
    code, output, out = _run(data, tmp_path, publish_cloudwatch_metrics="Disabled")
    assert code == 0, output
    assert (out / "constraint_violations.json").exists()
    assert not (tmp_path / "metrics").exists()


def test_an_explainability_job_without_its_analysis_config_fails_saying_so(
    data: Path, tmp_path: Path
) -> None:
    code, _, _ = _run(data, tmp_path, MODELMONITOR_MONITORING_TYPE="ModelExplainability")
    assert code == 1
    message = (tmp_path / "message").read_text()
    assert message.startswith(
        "Failed: a ModelExplainability job needs MODELMONITOR_ANALYSIS_CONFIG (the analysis_config.json)"
    )
    assert not (tmp_path / "out" / "analysis.json").exists()


def test_a_model_quality_job_without_ground_truth_fails_saying_so(data: Path, tmp_path: Path) -> None:
    code, _, _ = _run(data, tmp_path, MODELMONITOR_MONITORING_TYPE="ModelQuality", problem_type="Regression")
    assert code == 1
    message = (tmp_path / "message").read_text()
    assert message.startswith("Failed: a ModelQuality job needs MODELMONITOR_GROUND_TRUTH_URI")
