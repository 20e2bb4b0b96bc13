"""Bias metrics: CloudWatch records named bias_metric_{NAME} with SageMaker's dimensions, read back into
Prometheus gauges labelled by stage, label, facet and facet value."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from prometheus_client import generate_latest

from modelmonitor.formats.clarify import AnalysisFile
from modelmonitor.outputs.metrics import (
    MetricPoint,
    MetricsExporter,
    bias_metric_records,
    read_cloudwatch_metrics,
    write_cloudwatch_metrics,
)


def _analysis() -> AnalysisFile:
    def section(metrics: list[dict[str, object]]) -> dict[str, object]:
        return {
            "label": "target",
            "label_value_or_threshold": "1",
            "facets": {"sex": [{"value_or_threshold": "0", "metrics": metrics}]},
        }

    return AnalysisFile.from_data(
        {
            "version": "1.0",
            "post_training_bias_metrics": section(
                [
                    {"name": "DI", "description": "Disparate Impact (DI)", "value": 0.5},
                    {"name": "TE", "description": "Treatment Equality (TE)", "value": "Infinity"},
                    {"name": "CDDPL", "description": "x", "value": None, "error": "Group variable is empty"},
                ]
            ),
            "pre_training_bias_metrics": section(
                [{"name": "CI", "description": "Class Imbalance (CI)", "value": 0.1}]
            ),
        }
    )


def test_bias_records_carry_the_facet_dimensions_and_become_labelled_gauges(tmp_path: Path) -> None:
    records = bias_metric_records(
        _analysis(), endpoint="ep", schedule="bias", timestamp=datetime(2026, 11, 26, 14, tzinfo=UTC)
    )
    assert [r["MetricName"] for r in records] == ["bias_metric_CI", "bias_metric_DI", "bias_metric_TE"]
    assert records[1]["Dimensions"] == [
        {"Name": "Endpoint", "Value": "ep"},
        {"Name": "MonitoringSchedule", "Value": "bias"},
        {"Name": "BiasStage", "Value": "Post-Training"},
        {"Name": "Label", "Value": "target"},
        {"Name": "LabelValue", "Value": "1"},
        {"Name": "Facet", "Value": "sex"},
        {"Name": "FacetValue", "Value": "0"},
    ]
    assert records[2]["Value"] == 2.348543e108  # infinity as SageMaker sends it; the error is not sent
    write_cloudwatch_metrics(tmp_path, records)
    points, problems = read_cloudwatch_metrics(tmp_path)
    assert problems == []
    exporter = MetricsExporter()
    exporter.record_points(points, "ep", "bias")
    exposition = generate_latest(exporter.registry).decode()
    assert (
        'bias_metric_DI{bias_stage="Post-Training",endpoint="ep",facet="sex",facet_value="0",label="target",'
        'label_value="1",monitoring_schedule="bias"} 0.5'
    ) in exposition
    assert 'bias_metric_CI{bias_stage="Pre-training"' in exposition
    # a second facet value is a second series of the same gauge
    second = [
        dict(r, Dimensions=[*r["Dimensions"][:-1], {"Name": "FacetValue", "Value": "1"}]) for r in records
    ]
    write_cloudwatch_metrics(tmp_path, second, "second.jsonl")
    exporter.record_points(read_cloudwatch_metrics(tmp_path)[0], "ep", "bias")
    exposition = generate_latest(exporter.registry).decode()
    assert exposition.count("bias_metric_DI{") == 2
    exporter.keep_schedules(set())
    assert "bias_metric_DI{" not in generate_latest(exporter.registry).decode()


def test_a_metric_whose_dimensions_differ_from_its_gauge_is_logged_not_exported(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    exporter = MetricsExporter()
    plain = MetricPoint("bias_metric_DI", 0.5, (("Endpoint", "ep"), ("MonitoringSchedule", "bias")))
    faceted = MetricPoint("bias_metric_DI", 0.7, (*plain.dimensions, ("Facet", "sex")))
    exporter.record_points([plain, faceted], "ep", "bias")
    exposition = generate_latest(exporter.registry).decode()
    assert 'bias_metric_DI{endpoint="ep",monitoring_schedule="bias"} 0.5' in exposition
    assert "0.7" not in exposition
    assert "metric bias_metric_DI of schedule bias not exported: its dimensions facet differ" in caplog.text
