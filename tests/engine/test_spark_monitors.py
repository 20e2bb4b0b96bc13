"""Model quality and bias on the Spark engine give the local engine's files: the same inputs through both.

The ground-truth merge runs as a Spark join (engine/spark_merge.py) and the merged files are read by
one Spark task each; the statistics (bias: analysis.json), the violations, the merge's counts, listed
ids and bad records, and the merged records in the order the analysis reads them are compared with the
local engine's.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from modelmonitor.analyzers.model_quality import ModelQualitySettings
from modelmonitor.capture.batch import run_batch
from modelmonitor.dataset.merge import MergeReport
from modelmonitor.dataset.source import DatasetSource
from modelmonitor.dataset.window import AnalysisWindow
from modelmonitor.engine.base import Engine
from modelmonitor.engine.local import LocalEngine
from modelmonitor.engine.spark import SparkEngine
from modelmonitor.errors import DatasetError, InputFileError
from modelmonitor.formats.clarify import AnalysisConfig, FacetConfig
from modelmonitor.formats.model_quality import ModelQualityConstraintsFile
from modelmonitor.jobs.monitors import MODEL_BIAS, MODEL_QUALITY, GroundTruthMerge, JobData
from modelmonitor.jobs.pipeline import Check, JobResult, Outputs, Suggest, run_pipeline
from modelmonitor.service.ground_truth import upload_ground_truth
from tests.monitoring_data import write_capture, write_labels

pytestmark = pytest.mark.spark

T0 = datetime(2026, 11, 21, 10, tzinfo=UTC)
CAPTURE = {"sagemakerCaptureJson": {"captureIndexNames": ["endpointInput", "endpointOutput"]}}
CONSTRAINTS = {
    "version": 0.0,
    "binary_classification_constraints": {
        "accuracy": {"threshold": 0.9, "comparison_operator": "LessThanThreshold"},
        "false_positive_rate": {"threshold": 0.1, "comparison_operator": "GreaterThanThreshold"},
    },
}
LOG = logging.getLogger("test")


def _labelled_capture(root: Path) -> DatasetSource:
    """Three hours of captures (450 calls) with every case of the merge: a bad capture line, calls out of
    the window, labels uploaded twice (the later upload wins), labels never captured, calls never labelled."""
    capture = root / "capture"
    write_capture(capture, "ep", T0 - timedelta(hours=3), hours=4, per_hour=150)
    labels = root / "labels.csv"
    write_labels(capture, labels, wrong_every=3)
    first = sorted(capture.rglob("*.jsonl"))[0]
    # a call without an inference id: joined by its event id
    record = json.loads(first.read_text().splitlines()[0])
    del record["eventMetadata"]["inferenceId"]
    record["eventMetadata"]["eventId"] = "event-only"
    with first.open("a") as out:
        out.write("not json\n" + json.dumps(record) + "\n")
    rows = labels.read_text().splitlines()
    kept = [row for index, row in enumerate(rows) if index == 0 or index % 17]  # every 17th call unlabelled
    labels.write_text("\n".join([*kept, "event-only,1", "orphan-1,1", "orphan-2,0"]) + "\n")
    upload_ground_truth(str(labels), str(root / "gt"), collected_at=T0 - timedelta(minutes=50))
    # a second upload later: flipped labels for a few calls (the latest collection wins)
    again = [row for index, row in enumerate(kept) if index == 0 or index % 40 == 1]
    flipped = [again[0], *(f"{row.split(',')[0]},{1 - int(row.split(',')[1])}" for row in again[1:])]
    (root / "relabels.csv").write_text("\n".join(flipped) + "\n")
    upload_ground_truth(str(root / "relabels.csv"), str(root / "gt"), collected_at=T0 - timedelta(minutes=20))
    window = AnalysisWindow(T0 - timedelta(hours=3), T0)
    return DatasetSource.for_job(str(capture), CAPTURE, window=window, endpoint="ep", preprocessor=None)


def _run(
    source: DatasetSource, settings: ModelQualitySettings, root: Path, out: str, engine: Engine
) -> JobResult[Any, Any, Any, Any, Any]:
    data = JobData(
        source, merge=GroundTruthMerge(str(root / "gt"), T0, str(root / out)), model_quality=settings
    )
    constraints = ModelQualityConstraintsFile.model_validate(CONSTRAINTS)
    step = Check(None, constraints) if settings.problem_type == "BinaryClassification" else Suggest()
    return run_pipeline(MODEL_QUALITY, data, step, Outputs(str(root / out)), logger=LOG, engine=engine)


def _merged_lines(merge: MergeReport) -> list[str]:
    return [line for uri in merge.files for line in Path(uri).read_text().splitlines()]


def _counts(merge: MergeReport) -> dict[str, Any]:
    fields = ("captured", "labels", "matched", "unmatched_predictions", "orphan_labels", "duplicate_labels")
    counts: dict[str, Any] = {name: getattr(merge, name) for name in fields}
    counts["ids"] = (merge.unmatched_ids, merge.orphan_ids)
    for name, read in (("captures", merge.capture_read), ("labels", merge.label_read)):
        counts[name] = (read.summary(), [str(bad) for bad in read.bad_records])
    return counts


def _same_results(
    root: Path, local: JobResult[Any, Any, Any, Any, Any], spark: JobResult[Any, Any, Any, Any, Any]
) -> None:
    for name in ("statistics.json", "constraint_violations.json"):
        assert (root / "spark" / name).read_text() == (root / "local" / name).read_text(), name
    assert local.merge is not None
    assert spark.merge is not None
    assert _counts(spark.merge) == _counts(local.merge)
    assert _merged_lines(spark.merge) == _merged_lines(local.merge)
    # the merged records are cut into files differently (one part per prediction file): the files
    # read differ in number, not what was read from them
    assert (spark.read.records, spark.read.rows, spark.read.bad_record_count) == (
        local.read.records,
        local.read.rows,
        local.read.bad_record_count,
    )
    assert [str(bad) for bad in spark.read.bad_records] == [str(bad) for bad in local.read.bad_records]


def test_model_quality_of_a_capture_window_is_the_local_engines(tmp_path: Path, spark: Any) -> None:
    source = _labelled_capture(tmp_path)
    settings = ModelQualitySettings("BinaryClassification", inference_attribute="0")
    local = _run(source, settings, tmp_path, "local", LocalEngine())
    result = _run(source, settings, tmp_path, "spark", SparkEngine())
    assert local.merge is not None
    # the data exercise every case, and bootstraps (over 200 rows)
    assert local.merge.matched > 200
    assert local.merge.unmatched_predictions
    assert local.merge.orphan_labels
    assert local.merge.duplicate_labels
    assert local.merge.capture_read.bad_record_count == 1
    assert "event-only" not in local.merge.unmatched_ids
    assert any('"eventId":"event-only"' in line.replace(" ", "") for line in _merged_lines(result.merge))  # type: ignore[arg-type]
    assert local.violation_count > 0
    _same_results(tmp_path, local, result)
    statistics = json.loads((tmp_path / "spark/statistics.json").read_text())
    assert statistics["binary_classification_metrics"]["accuracy"]["standard_deviation"] > 0
    # Spark's names: one part per capture file (and hour folder), cut at 100,000 records
    assert all(Path(uri).name.endswith(".c000.jsonl") for uri in result.merge.files)  # type: ignore[union-attr]
    assert {Path(uri).parent.name for uri in result.merge.files} == {"07", "08", "09"}  # type: ignore[union-attr]


@pytest.mark.parametrize("problem", ["Regression", "MulticlassClassification"])
def test_regression_and_multiclass_metrics_are_the_local_engines(
    tmp_path: Path, spark: Any, problem: str
) -> None:
    source = _labelled_capture(tmp_path)
    settings = ModelQualitySettings(problem, inference_attribute="0")  # type: ignore[arg-type]
    local = _run(source, settings, tmp_path, "local", LocalEngine())
    result = _run(source, settings, tmp_path, "spark", SparkEngine())
    assert (tmp_path / "spark/statistics.json").read_text() == (
        tmp_path / "local/statistics.json"
    ).read_text()
    assert result.read.rows == local.read.rows > 200


def test_batch_transform_model_quality_is_the_local_engines(tmp_path: Path, spark: Any) -> None:
    inputs = tmp_path / "transform-input"
    inputs.mkdir()
    features = [(i + 0.5) / 300 for i in range(300)]
    for part in range(3):
        (inputs / f"part-{part}.csv").write_text("".join(f"{x}\n" for x in features[part::3]))

    def model(record: str) -> str:
        x = float(record)
        return f"{1 - x if round(x * 300) % 4 == 0 else x:.6f}"

    batch = run_batch(
        model,
        [str(path) for path in sorted(inputs.iterdir())],
        str(tmp_path / "transform-output"),
        str(tmp_path / "batch"),
        record_format="csv",
        job_start=T0 - timedelta(minutes=30),
    )
    labels = ["inference_id,label"]
    for output in batch.output_files:
        for line in Path(output).read_text().splitlines():
            value, inference_id = line.rsplit(",", 2)[:2]
            labels.append(f"{inference_id},{int(float(value) >= 0.5) if float(value) < 0.9 else 0}")
    (tmp_path / "labels.csv").write_text("\n".join(labels) + "\n")
    upload_ground_truth(
        str(tmp_path / "labels.csv"), str(tmp_path / "gt"), collected_at=T0 - timedelta(minutes=5)
    )
    window = AnalysisWindow(T0 - timedelta(hours=1), T0)
    source = DatasetSource.for_job(
        str(tmp_path / "batch"), {"csv": {"header": False}}, window=window, endpoint=None, preprocessor=None
    )
    settings = ModelQualitySettings(
        "BinaryClassification", probability_attribute="0", probability_threshold=0.5
    )
    local = _run(source, settings, tmp_path, "local", LocalEngine())
    result = _run(source, settings, tmp_path, "spark", SparkEngine())
    assert local.merge is not None
    assert local.merge.matched == 300
    _same_results(tmp_path, local, result)


def test_a_task_error_is_raised_on_the_driver_with_its_message(tmp_path: Path, spark: Any) -> None:
    """A model-quality baseline's CSV read on an executor: a wrong attribute fails with our message."""
    data = tmp_path / "validation.csv"
    data.write_text("label,prediction\n1,1\n0,1\n")
    settings = ModelQualitySettings(
        "BinaryClassification", inference_attribute="nope", ground_truth_attribute="label"
    )
    source = DatasetSource.table(str(data), "csv", header=True)
    for engine in (LocalEngine(), SparkEngine()):
        with pytest.raises(InputFileError, match="inference_attribute 'nope' is neither a column name"):
            MODEL_QUALITY.profile(JobData(source, model_quality=settings), engine)


def test_bias_of_a_capture_window_is_the_local_engines(tmp_path: Path, spark: Any) -> None:
    """The merge on Spark, each merged file parsed by a task, the metrics (all of them, the flip test's
    nearest neighbours too) from the collected rows: the same analysis.json and bad records."""
    source = _labelled_capture(tmp_path)
    config = AnalysisConfig(
        headers=["label", "f1", "f2", "f3"],
        label="label",
        label_values_or_threshold=[1],
        facet=[FacetConfig(name_or_index="f3", value_or_threshold=[5])],
    )
    results = {}
    for name, engine in (("local", LocalEngine()), ("spark", SparkEngine())):
        merge = GroundTruthMerge(str(tmp_path / "gt"), T0, str(tmp_path / name))
        data = JobData(source, merge=merge, analysis_config=config)
        results[name] = run_pipeline(
            MODEL_BIAS, data, Suggest(), Outputs(str(tmp_path / name)), logger=LOG, engine=engine
        )
    local, result = results["local"], results["spark"]
    analysis = (tmp_path / "local/analysis.json").read_text()
    assert (tmp_path / "spark/analysis.json").read_text() == analysis
    assert '"FT"' in analysis
    assert local.merge is not None
    assert result.merge is not None
    assert _counts(result.merge) == _counts(local.merge)
    assert (result.read.records, result.read.rows) == (local.read.records, local.read.rows)


def test_no_label_yet_fails_with_the_local_engines_reason(tmp_path: Path, spark: Any) -> None:
    source = _labelled_capture(tmp_path)
    settings = ModelQualitySettings("BinaryClassification", inference_attribute="0")
    reasons = []
    for name, engine in (("local", LocalEngine()), ("spark", SparkEngine())):
        merge = GroundTruthMerge(str(tmp_path / "no-labels"), T0, str(tmp_path / name))
        data = JobData(source, merge=merge, model_quality=settings)
        with pytest.raises(DatasetError) as failed:
            run_pipeline(
                MODEL_QUALITY, data, Suggest(), Outputs(str(tmp_path / name)), logger=LOG, engine=engine
            )
        reasons.append(str(failed.value))
    assert reasons[0].startswith("no ground truth yet for the 451 prediction(s) captured")
    assert reasons[1] == reasons[0]
