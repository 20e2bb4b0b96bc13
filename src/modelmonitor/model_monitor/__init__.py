"""Mirrors of ``sagemaker.model_monitor`` names, so SageMaker SDK code runs after changing the import."""

from modelmonitor.model_monitor.cron_expression_generator import CronExpressionGenerator
from modelmonitor.model_monitor.data_capture_config import DataCaptureConfig
from modelmonitor.model_monitor.data_quality_monitoring_config import (
    DataQualityDistributionConstraints,
    DataQualityMonitoringConfig,
)
from modelmonitor.model_monitor.dataset_format import DatasetFormat, MonitoringDatasetFormat
from modelmonitor.model_monitor.execution import MonitoringExecution
from modelmonitor.model_monitor.ground_truth import upload_ground_truth
from modelmonitor.model_monitor.inputs import BatchTransformInput, EndpointInput, MonitoringOutput
from modelmonitor.model_monitor.model_bias import BiasAnalysisConfig, ModelBiasMonitor
from modelmonitor.model_monitor.model_explainability import (
    ExplainabilityAnalysisConfig,
    ModelExplainabilityMonitor,
)
from modelmonitor.model_monitor.monitor import (
    BaseliningJob,
    DefaultModelMonitor,
    ModelMonitor,
    ModelQualityMonitor,
)
from modelmonitor.model_monitor.monitoring_files import Constraints, ConstraintViolations, Statistics

__all__ = [
    "BaseliningJob",
    "BatchTransformInput",
    "BiasAnalysisConfig",
    "ConstraintViolations",
    "Constraints",
    "CronExpressionGenerator",
    "DataCaptureConfig",
    "DataQualityDistributionConstraints",
    "DataQualityMonitoringConfig",
    "DatasetFormat",
    "DefaultModelMonitor",
    "EndpointInput",
    "ExplainabilityAnalysisConfig",
    "ModelBiasMonitor",
    "ModelExplainabilityMonitor",
    "ModelMonitor",
    "ModelQualityMonitor",
    "MonitoringDatasetFormat",
    "MonitoringExecution",
    "MonitoringOutput",
    "Statistics",
    "upload_ground_truth",
]
