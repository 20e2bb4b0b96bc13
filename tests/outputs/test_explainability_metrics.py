"""Explainability metrics: CloudWatch records feature_{name} and ExpectedValue with SageMaker's dimensions
(ExplainabilityMethod, Label, ValueType), our feature_attribution_drift score, and the Prometheus gauges
the scheduler makes of them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from prometheus_client import generate_latest

from modelmonitor.formats.clarify import AnalysisFile
from modelmonitor.outputs.metrics import (
    MetricsExporter,
    explainability_metric_records,
    read_cloudwatch_metrics,
    write_cloudwatch_metrics,
)


def test_attribution_records_become_gauges_labelled_by_label_and_value_type(tmp_path: Path) -> None:
    analysis = AnalysisFile.from_data(
        {
            "version": "1.0",
            "explanations": {
                "kernel_shap": {
                    "label0": {"global_shap_values": {"age": 0.25, "income": 0.125}, "expected_value": 0.5}
                }
            },
        }
    )
    records = explainability_metric_records(
        analysis,
        {"label0": 0.75},
        endpoint="ep",
        schedule="attr",
        timestamp=datetime(2026, 11, 26, tzinfo=UTC),
    )
    assert [(r["MetricName"], r["Value"]) for r in records] == [
        ("feature_age", 0.25),
        ("feature_income", 0.125),
        ("ExpectedValue", 0.5),
        ("feature_attribution_drift", 0.75),
    ]
    assert records[0]["Dimensions"] == [
        {"Name": "Endpoint", "Value": "ep"},
        {"Name": "MonitoringSchedule", "Value": "attr"},
        {"Name": "ExplainabilityMethod", "Value": "KernelShap"},
        {"Name": "Label", "Value": "label0"},
        {"Name": "ValueType", "Value": "GlobalShapValues"},
    ]
    assert records[2]["Dimensions"][-1] == {"Name": "ValueType", "Value": "ExpectedValue"}
    write_cloudwatch_metrics(tmp_path, records)
    points, problems = read_cloudwatch_metrics(tmp_path)
    assert problems == []
    exporter = MetricsExporter()
    exporter.record_points(points, "ep", "attr")
    exposition = generate_latest(exporter.registry).decode()
    assert (
        'feature_age{endpoint="ep",explainability_method="KernelShap",label="label0",'
        'monitoring_schedule="attr",value_type="GlobalShapValues"} 0.25'
    ) in exposition
    assert (
        'feature_attribution_drift{endpoint="ep",explainability_method="KernelShap",label="label0",'
        'monitoring_schedule="attr"} 0.75'
    ) in exposition


def test_a_check_without_constraints_sends_attributions_without_a_drift_score() -> None:
    analysis = AnalysisFile.from_data(
        {"explanations": {"kernel_shap": {"yes": {"global_shap_values": {"x": 1.0}}}}}
    )
    records = explainability_metric_records(
        analysis, {}, endpoint=None, schedule="attr", timestamp=datetime(2026, 11, 26, tzinfo=UTC)
    )
    assert [r["MetricName"] for r in records] == ["feature_x"]
