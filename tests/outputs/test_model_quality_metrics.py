"""Model-quality metrics: CloudWatch records with SageMaker's names, read back into Prometheus gauges."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from prometheus_client import generate_latest

from modelmonitor.formats.model_quality import ModelQualityDataset, ModelQualityStatisticsFile
from modelmonitor.outputs.metrics import (
    MetricsExporter,
    model_quality_metric_records,
    read_cloudwatch_metrics,
    write_cloudwatch_metrics,
)
from modelmonitor.stats.classification import binary_classification_metrics


def test_every_defined_metric_becomes_a_gauge_of_its_name(tmp_path: Path) -> None:
    # one class only: auc is NaN and must not be published
    metrics = binary_classification_metrics([0, 0, 0, 0], [0, 1, 0, 0], [0.1, 0.8, 0.2, 0.3])
    statistics = ModelQualityStatisticsFile(
        dataset=ModelQualityDataset(item_count=4), binary_classification_metrics=metrics
    )
    records = model_quality_metric_records(
        statistics, endpoint="churn", schedule="mq-hourly", timestamp=datetime(2026, 11, 26, 14, tzinfo=UTC)
    )
    names = [r["MetricName"] for r in records]
    assert "auc" not in names
    assert names[:3] == ["recall", "precision", "accuracy"]
    assert len(names) == 16
    assert records[2] == {
        "MetricName": "accuracy",
        "Timestamp": "2026-11-26T14:00:00Z",
        "Dimensions": [
            {"Name": "Endpoint", "Value": "churn"},
            {"Name": "MonitoringSchedule", "Value": "mq-hourly"},
        ],
        "Value": 0.75,
    }
    write_cloudwatch_metrics(tmp_path, records)
    points, problems = read_cloudwatch_metrics(tmp_path)
    assert problems == []
    exporter = MetricsExporter()
    exporter.record_points(points, "churn", "mq-hourly")
    exposition = generate_latest(exporter.registry).decode()
    assert 'accuracy{endpoint="churn",monitoring_schedule="mq-hourly"} 0.75' in exposition
    assert 'false_positive_rate{endpoint="churn",monitoring_schedule="mq-hourly"} 0.25' in exposition
