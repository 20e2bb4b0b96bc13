"""``ModelBiasMonitor`` and ``BiasAnalysisConfig`` with the SageMaker SDK v2 signatures.

``suggest_baseline(data_config, bias_config, model_config, model_predicted_label_config)`` runs the bias
baseline in this process: pre-training metrics from the data set's labels, post-training metrics from its
predicted labels (``DataConfig(predicted_label=...)``: the column holding the model's predicted labels or
scores). Its ``analysis.json`` is the monitor's constraints. ``create_monitoring_schedule`` takes the
analysis config (a ``BiasAnalysisConfig``, a path/URI of an ``analysis_config.json``, or None: the latest
baselining job's), the labels' location (``ground_truth_input``) and the endpoint input, whose
attributes left None are taken from the latest baselining job, as the SDK does. Details:
docs/clarify.md#the-bias-monitor.
"""

from __future__ import annotations

import logging
from typing import Any

from modelmonitor.clarify import (
    BiasConfig,
    DataConfig,
    ModelConfig,
    ModelPredictedLabelConfig,
    analysis_config,
)
from modelmonitor.errors import ConfigurationError
from modelmonitor.formats.statuses import MonitoringType
from modelmonitor.model_monitor.clarify_monitor import (
    ClarifyAnalysisConfig,
    ClarifyBaseliningConfig,
    ClarifyModelMonitor,
)
from modelmonitor.model_monitor.inputs import BatchTransformInput, EndpointInput
from modelmonitor.model_monitor.monitor import BaseliningJob
from modelmonitor.service.baselines import run_model_bias_baseline

__all__ = ["BiasAnalysisConfig", "ModelBiasMonitor"]

_log = logging.getLogger(__name__)


class BiasAnalysisConfig(ClarifyAnalysisConfig):
    """The analysis config of a bias monitoring schedule (SDK: ``BiasAnalysisConfig``): the bias config's
    label values, facets and group variable, plus the data's ``headers`` and ``label``."""

    def __init__(self, bias_config: BiasConfig, headers: list[str] | None = None, label: str | None = None):
        self.analysis_config: dict[str, Any] = bias_config.get_config()
        if headers is not None:
            self.analysis_config["headers"] = headers
        if label is not None:
            self.analysis_config["label"] = label


class ModelBiasMonitor(ClarifyModelMonitor):
    """The built-in bias-drift monitor (SageMaker's ``ModelBiasMonitor``): captured predictions merged
    with their ground-truth labels, Clarify's bias metrics judged against the baseline analysis.json."""

    _analysis_config_class = "BiasAnalysisConfig"

    @staticmethod
    def monitoring_type() -> str:
        return MonitoringType.MODEL_BIAS.value

    def suggest_baseline(
        self,
        data_config: DataConfig,
        bias_config: BiasConfig,
        model_config: ModelConfig | None,
        model_predicted_label_config: ModelPredictedLabelConfig | None = None,
        wait: bool = False,
        logs: bool = False,
        job_name: str | None = None,
        kms_key: str | None = None,
    ) -> BaseliningJob:
        """The baseline ``analysis.json`` (pre- and post-training metrics) of ``data_config``'s CSV.

        The predictions come from the data set's ``predicted_label`` column, else from the model at
        ``model_config``'s ``endpoint_url`` (docs/clarify.md#the-bias-monitor).
        """
        name, _ = self._baselining_target(job_name, None)
        output = data_config.s3_output_path
        config = analysis_config(
            data_config=data_config,
            bias_config=bias_config,
            model_config=model_config,
            model_predicted_label_config=model_predicted_label_config,
            pre_training_methods="all",
            post_training_methods="all",
        )
        result = run_model_bias_baseline(data_config.s3_data_input_path, config, output, engine=self.engine)
        label = model_predicted_label_config
        # The data set's predicted-label column (ours to read predictions from) is no model input.
        predicted = data_config.get_config().get("predicted_label")
        headers = None if data_config.headers is None else [h for h in data_config.headers if h != predicted]
        reused = ClarifyBaseliningConfig(
            BiasAnalysisConfig(bias_config, headers=headers, label=data_config.label),
            features_attribute=data_config.features,
            inference_attribute=None if label is None or label.label is None else str(label.label),
            probability_attribute=None
            if label is None or label.probability is None
            else str(label.probability),
            probability_threshold_attribute=None if label is None else label.probability_threshold,
        )
        return self._record_clarify_baselining_job(name, output, result, reused)

    def create_monitoring_schedule(  # type: ignore[override]  # SageMaker's ModelBiasMonitor signature
        self,
        endpoint_input: EndpointInput | str | None = None,
        ground_truth_input: str | None = None,
        analysis_config: BiasAnalysisConfig | str | None = None,
        output_s3_uri: str | None = None,
        constraints: Any = None,
        monitor_schedule_name: str | None = None,
        schedule_cron_expression: str | None = None,
        enable_cloudwatch_metrics: bool = True,
        batch_transform_input: BatchTransformInput | None = None,
        data_analysis_start_time: str | None = None,
        data_analysis_end_time: str | None = None,
        statistics: Any = None,
        post_analytics_processor_script: str | None = None,
    ) -> None:
        """Create the bias schedule. ``statistics`` and ``post_analytics_processor_script`` are not the
        SDK's (AWS's documented example passes them): statistics are ignored, the script runs after each
        analysis as for the other monitors."""
        if not ground_truth_input:
            raise ConfigurationError("ground_truth_input can not be None (the labels' location)")
        if statistics is not None:
            _log.warning("statistics ignored: a bias monitor is checked against its analysis.json")
        self._create_clarify_schedule(
            ground_truth_input=ground_truth_input,
            analysis_config=analysis_config,
            endpoint_input=endpoint_input,
            batch_transform_input=batch_transform_input,
            output_s3_uri=output_s3_uri,
            constraints=constraints,
            monitor_schedule_name=monitor_schedule_name,
            schedule_cron_expression=schedule_cron_expression,
            enable_cloudwatch_metrics=enable_cloudwatch_metrics,
            data_analysis_start_time=data_analysis_start_time,
            data_analysis_end_time=data_analysis_end_time,
            post_analytics_processor_script=post_analytics_processor_script,
        )

    def update_monitoring_schedule(  # type: ignore[override]  # SageMaker's ModelBiasMonitor signature
        self,
        endpoint_input: EndpointInput | str | None = None,
        ground_truth_input: str | None = None,
        analysis_config: BiasAnalysisConfig | str | None = None,
        output_s3_uri: str | None = None,
        constraints: Any = None,
        schedule_cron_expression: str | None = None,
        enable_cloudwatch_metrics: bool | None = None,
        role: str | None = None,
        instance_count: int | None = None,
        instance_type: str | None = None,
        volume_size_in_gb: int | None = None,
        volume_kms_key: str | None = None,
        output_kms_key: str | None = None,
        max_runtime_in_seconds: int | None = None,
        env: dict[str, str] | None = None,
        network_config: Any = None,
        batch_transform_input: BatchTransformInput | None = None,
    ) -> None:
        """Change the schedule; arguments left None keep their values (a new ``analysis_config`` is
        written beside the results, as at creation)."""
        super().update_monitoring_schedule(
            endpoint_input=endpoint_input,
            output_s3_uri=output_s3_uri,
            constraints=constraints,
            schedule_cron_expression=schedule_cron_expression,
            enable_cloudwatch_metrics=enable_cloudwatch_metrics,
            role=role,
            instance_count=instance_count,
            instance_type=instance_type,
            volume_size_in_gb=volume_size_in_gb,
            volume_kms_key=volume_kms_key,
            output_kms_key=output_kms_key,
            max_runtime_in_seconds=max_runtime_in_seconds,
            env=env,
            network_config=network_config,
            batch_transform_input=batch_transform_input,
        )
        self._update_clarify_inputs(ground_truth_input, analysis_config)
