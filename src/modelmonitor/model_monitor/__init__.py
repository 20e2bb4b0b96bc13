"""Mirrors of ``sagemaker.model_monitor`` names, so SageMaker SDK code runs after changing the import."""

from modelmonitor.model_monitor.data_capture_config import DataCaptureConfig
from modelmonitor.model_monitor.data_quality_monitoring_config import (
    DataQualityDistributionConstraints,
    DataQualityMonitoringConfig,
)
from modelmonitor.model_monitor.dataset_format import DatasetFormat, MonitoringDatasetFormat
from modelmonitor.model_monitor.monitor import BaseliningJob, DefaultModelMonitor, ModelMonitor
from modelmonitor.model_monitor.monitoring_files import Constraints, ConstraintViolations, Statistics

__all__ = [
    "BaseliningJob",
    "ConstraintViolations",
    "Constraints",
    "DataCaptureConfig",
    "DataQualityDistributionConstraints",
    "DataQualityMonitoringConfig",
    "DatasetFormat",
    "DefaultModelMonitor",
    "ModelMonitor",
    "MonitoringDatasetFormat",
    "Statistics",
]
