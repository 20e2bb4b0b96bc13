"""``--engine spark`` and ``engine=`` for model quality, bias and attribution, from each interface.

The CLI's baselines, the SDK's monitors, and a ModelQuality schedule whose execution (its own process,
its own Spark) merges and analyses on Spark: the local engine's files every time. Attribution runs in
the job's process whatever the engine, and says so.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from modelmonitor.cli.main import main
from modelmonitor.formats.clarify import AnalysisConfig, MethodsConfig, ShapConfig
from modelmonitor.formats.engine_choice import EngineChoice
from modelmonitor.formats.job_definition import InputAttributes, JobDefinition
from modelmonitor.formats.statuses import ExecutionStatus, MonitoringType
from modelmonitor.model_monitor import EndpointInput, ModelQualityMonitor
from modelmonitor.model_monitor.session import LocalSession
from modelmonitor.scheduler.clock import SteppingClock
from modelmonitor.service import MonitoringService
from modelmonitor.service.baselines import run_model_explainability_baseline
from modelmonitor.service.ground_truth import upload_ground_truth
from modelmonitor.settings import Settings
from modelmonitor.storage.catalog import Catalog
from tests.explain_data import FEATURES, features, trained_model, write_csv
from tests.monitoring_data import write_capture, write_labels

pytestmark = pytest.mark.spark

T0 = datetime(2026, 11, 21, 10, tzinfo=UTC)
SPARK = EngineChoice("spark", "local[1]", (("spark.ui.enabled", "false"),))
CONSTRAINTS = {
    "version": 0.0,
    "binary_classification_constraints": {
        "accuracy": {"threshold": 0.9, "comparison_operator": "LessThanThreshold"},
    },
}


def _validation(path: Path) -> Path:
    rng = np.random.default_rng(4)
    probability = rng.uniform(size=300)
    label = (probability + rng.normal(scale=0.3, size=300) > 0.5).astype(int)
    rows = [f"{y},{int(p >= 0.5)},{p:.6f},{int(p * 10) % 3}" for y, p in zip(label, probability, strict=True)]
    path.write_text("label,prediction,probability,group\n" + "\n".join(rows) + "\n")
    return path


def _files(folder: Path, *names: str) -> list[str]:
    return [(folder / name).read_text() for name in names]


def test_cli_model_quality_and_bias_baselines_on_spark(spark: Any, tmp_path: Path) -> None:
    data = str(_validation(tmp_path / "validation.csv"))
    quality = [
        "--monitoring-type", "ModelQuality", "--problem-type", "BinaryClassification",
        "--inference-attribute", "prediction", "--probability-attribute", "probability",
        "--ground-truth-attribute", "label",
    ]  # fmt: skip
    main(["baseline", data, "--out", str(tmp_path / "q-local"), *quality])
    main(["baseline", data, "--out", str(tmp_path / "q-spark"), *quality, "--engine", "spark"])
    names = ("statistics.json", "constraints.json")
    assert _files(tmp_path / "q-spark", *names) == _files(tmp_path / "q-local", *names)
    config = tmp_path / "analysis_config.json"
    config.write_text(
        json.dumps(
            {
                "dataset_type": "text/csv",
                "label": "label",
                "predicted_label": "prediction",
                "label_values_or_threshold": [1],
                "facet": [{"name_or_index": "group", "value_or_threshold": [0]}],
            }
        )
    )
    bias = ["--monitoring-type", "ModelBias", "--analysis-config", str(config)]
    main(["baseline", data, "--out", str(tmp_path / "b-local"), *bias])
    main(["baseline", data, "--out", str(tmp_path / "b-spark"), *bias, "--engine", "spark"])
    assert _files(tmp_path / "b-spark", "analysis.json") == _files(tmp_path / "b-local", "analysis.json")


def test_spark_options_without_the_spark_engine_are_refused_for_every_type(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = str(_validation(tmp_path / "validation.csv"))
    with pytest.raises(SystemExit) as exited:
        main(
            ["baseline", data, "--out", str(tmp_path / "o"), "--monitoring-type", "ModelQuality",
             "--problem-type", "BinaryClassification", "--inference-attribute", "prediction",
             "--ground-truth-attribute", "label", "--spark-master", "local[1]"]
        )  # fmt: skip
    assert exited.value.code == 2
    assert "expected --engine spark" in " ".join(capsys.readouterr().err.split())
    assert not (tmp_path / "o").exists()


def test_attribution_runs_in_the_jobs_process_and_says_so(
    spark: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    model = trained_model()
    validation = write_csv(tmp_path / "validation.csv", features(20, seed=8))
    config = AnalysisConfig(
        headers=FEATURES,
        methods=MethodsConfig(shap=ShapConfig(baseline=[[0.0, 0.0, 0.0]], num_samples=32, seed=3)),
    )
    outputs = {}
    for name, engine in (("local", None), ("spark", EngineChoice("spark"))):
        with caplog.at_level(logging.WARNING, logger="modelmonitor.jobs.monitors"):
            run_model_explainability_baseline(
                str(validation),
                config,
                str(tmp_path / name),
                predictor=lambda x: model.predict_proba(x)[:, 1],
                engine=engine,
            )
        outputs[name] = (tmp_path / name / "analysis.json").read_text()
    assert outputs["spark"] == outputs["local"]
    said = [
        r.getMessage() for r in caplog.records if "ModelExplainability runs in this process" in r.getMessage()
    ]
    assert len(said) == 1  # the Spark run only


def test_the_sdk_model_quality_monitor_takes_the_engine(spark: Any, tmp_path: Path) -> None:
    data = str(_validation(tmp_path / "validation.csv"))
    session = LocalSession(
        Settings(home=tmp_path / "home", catalog_url=f"sqlite:///{tmp_path / 'catalog.sqlite'}")
    )
    for engine in ("local", "spark"):
        monitor = ModelQualityMonitor(sagemaker_session=session, engine=engine)
        monitor.suggest_baseline(
            data,
            {"csv": {"header": True}},
            problem_type="BinaryClassification",
            inference_attribute="prediction",
            probability_attribute="probability",
            ground_truth_attribute="label",
            output_s3_uri=str(tmp_path / engine),
        )
    names = ("statistics.json", "constraints.json")
    assert _files(tmp_path / "spark", *names) == _files(tmp_path / "local", *names)
    session.service.register_endpoint("ep", str(tmp_path / "capture"))
    monitor = ModelQualityMonitor(sagemaker_session=session, engine=SPARK)
    monitor.create_monitoring_schedule(
        endpoint_input=EndpointInput("ep", "/opt/ml/processing/input", inference_attribute="0"),
        ground_truth_input=str(tmp_path / "gt"),
        problem_type="BinaryClassification",
        monitor_schedule_name="quality",
        output_s3_uri=str(tmp_path / "out"),
    )
    stored = JobDefinition.from_dict(session.service.describe_schedule("quality").definition)
    assert stored.engine == SPARK
    session.close()


def _run_now(service: MonitoringService, name: str) -> tuple[str, dict[str, str]]:
    execution = service.run_now(name)
    log = service.execution_log(execution.id)
    assert execution.status == ExecutionStatus.COMPLETED_WITH_VIOLATIONS, (execution.failure_reason, log)
    files = {
        name: service.read_execution_output(execution.id, name)[1]
        for name in ("statistics.json", "constraint_violations.json")
    }
    return log, files


def test_a_model_quality_schedule_on_spark_merges_and_analyses_there(tmp_path: Path) -> None:
    """run-now of a ModelQuality schedule created with the Spark engine: the execution's own process
    starts Spark (local[1]), joins the labels there and writes the local engine's files."""
    write_capture(tmp_path / "capture", "ep", T0 - timedelta(hours=2), hours=2, per_hour=150)
    write_labels(tmp_path / "capture", tmp_path / "labels.csv", wrong_every=4)
    upload_ground_truth(
        str(tmp_path / "labels.csv"), str(tmp_path / "gt"), collected_at=T0 - timedelta(minutes=10)
    )
    constraints = tmp_path / "constraints.json"
    constraints.write_text(json.dumps(CONSTRAINTS))
    files = {}
    for engine in (EngineChoice(), SPARK):
        # one service (and clock) per run: both run at T0, over the same window
        service = MonitoringService(
            Catalog(f"sqlite:///{tmp_path / f'{engine.kind}.sqlite'}"),
            tmp_path / f"home-{engine.kind}",
            SteppingClock(T0, real_pause_seconds=0.2),
        )
        service.register_endpoint("ep", str(tmp_path / "capture"))
        service.create_schedule(
            "quality",
            "cron(0 * ? * * *)",
            JobDefinition(
                input_kind="endpoint",
                endpoint_name="ep",
                output_uri=str(tmp_path / f"out-{engine.kind}"),
                start_time_offset="-PT2H",
                end_time_offset="-PT0H",
                baseline_constraints=str(constraints),
                monitoring_type=MonitoringType.MODEL_QUALITY,
                problem_type="BinaryClassification",
                ground_truth_uri=str(tmp_path / "gt"),
                attributes=InputAttributes(inference_attribute="0"),
                engine=engine,
            ),
        )
        log, files[engine.kind] = _run_now(service, "quality")
        service.close()
        assert f"engine {engine.kind}" in log
        assert "300 matched of 300 prediction(s)" in log
    assert "started Spark 4." in log
    assert files["spark"] == files["local"]
