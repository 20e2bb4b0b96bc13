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
import uuid
from typing import Any

from modelmonitor.clarify import (
    BiasConfig,
    DataConfig,
    ModelConfig,
    ModelPredictedLabelConfig,
    analysis_config,
)
from modelmonitor.errors import ConfigurationError
from modelmonitor.formats.clarify import ANALYSIS_CONFIG_FILE, ANALYSIS_FILE, AnalysisConfig
from modelmonitor.formats.job_definition import JobDefinition
from modelmonitor.formats.layout import join_uri
from modelmonitor.formats.statuses import MonitoringType
from modelmonitor.model_monitor.inputs import BatchTransformInput, EndpointInput
from modelmonitor.model_monitor.monitor import BaseliningJob, ModelMonitor
from modelmonitor.model_monitor.monitoring_files import Constraints, Statistics
from modelmonitor.model_monitor.schedule import timestamped_name
from modelmonitor.service import default_output_uri
from modelmonitor.service.baselines import run_model_bias_baseline
from modelmonitor.service.files import write_text

__all__ = ["BiasAnalysisConfig", "ModelBiasMonitor"]

_log = logging.getLogger(__name__)

_ATTRIBUTES = (
    "features_attribute",
    "inference_attribute",
    "probability_attribute",
    "probability_threshold_attribute",
)


class BiasAnalysisConfig:
    """The analysis config of a bias monitoring schedule (SDK: ``BiasAnalysisConfig``): the bias config's
    label values, facets and group variable, plus the data's ``headers`` and ``label``."""

    def __init__(self, bias_config: BiasConfig, headers: list[str] | None = None, label: str | None = None):
        self.analysis_config: dict[str, Any] = bias_config.get_config()
        if headers is not None:
            self.analysis_config["headers"] = headers
        if label is not None:
            self.analysis_config["label"] = label

    def _to_dict(self) -> dict[str, Any]:
        return dict(self.analysis_config)

    def to_file(self) -> AnalysisConfig:
        """The ``analysis_config.json`` this config is."""
        return AnalysisConfig.from_data(self._to_dict(), source="BiasAnalysisConfig")


class _BaseliningJobConfig:
    """What a later schedule reuses of the latest baselining job (SDK: ``ClarifyBaseliningConfig``)."""

    def __init__(
        self,
        analysis_config: BiasAnalysisConfig,
        features_attribute: str | None = None,
        inference_attribute: str | None = None,
        probability_attribute: str | None = None,
        probability_threshold_attribute: float | None = None,
    ) -> None:
        self.analysis_config = analysis_config
        self.features_attribute = features_attribute
        self.inference_attribute = inference_attribute
        self.probability_attribute = probability_attribute
        self.probability_threshold_attribute = probability_threshold_attribute


class ModelBiasMonitor(ModelMonitor):
    """The built-in bias-drift monitor (SageMaker's ``ModelBiasMonitor``): captured predictions merged
    with their ground-truth labels, Clarify's bias metrics judged against the baseline analysis.json."""

    def __init__(
        self,
        role: str | None = None,
        instance_count: int = 1,
        instance_type: str = "ml.m5.xlarge",
        volume_size_in_gb: int = 30,
        volume_kms_key: str | None = None,
        output_kms_key: str | None = None,
        max_runtime_in_seconds: int | None = None,
        base_job_name: str | None = None,
        sagemaker_session: Any = None,
        env: dict[str, str] | None = None,
        tags: list[dict[str, str]] | None = None,
        network_config: Any = None,
    ) -> None:
        super().__init__(
            role=role,
            instance_count=instance_count,
            instance_type=instance_type,
            volume_size_in_gb=volume_size_in_gb,
            volume_kms_key=volume_kms_key,
            output_kms_key=output_kms_key,
            max_runtime_in_seconds=max_runtime_in_seconds,
            base_job_name=base_job_name,
            sagemaker_session=sagemaker_session,
            env=env,
            tags=tags,
            network_config=network_config,
        )
        self.latest_baselining_job_config: _BaseliningJobConfig | None = None

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
        result = run_model_bias_baseline(data_config.s3_data_input_path, config, output)
        label = model_predicted_label_config
        # The data set's predicted-label column (ours to read predictions from) is no model input.
        predicted = data_config.get_config().get("predicted_label")
        headers = None if data_config.headers is None else [h for h in data_config.headers if h != predicted]
        self.latest_baselining_job_config = _BaseliningJobConfig(
            BiasAnalysisConfig(bias_config, headers=headers, label=data_config.label),
            features_attribute=data_config.features,
            inference_attribute=None if label is None or label.label is None else str(label.label),
            probability_attribute=None
            if label is None or label.probability is None
            else str(label.probability),
            probability_threshold_attribute=None if label is None else label.probability_threshold,
        )
        return self._record_baselining_job(name, output, result)

    def baseline_statistics(
        self, file_name: str = "statistics.json", kms_key: str | None = None
    ) -> Statistics | None:
        """None with a warning: a bias baseline has no statistics file (the SDK raises
        NotImplementedError; AWS's own schedule example passes this value, so it is let through)."""
        _log.warning("a bias baseline has no statistics; its analysis.json is the constraints")
        return None

    def suggested_constraints(
        self, file_name: str = ANALYSIS_FILE, kms_key: str | None = None
    ) -> Constraints | None:
        """The latest baselining job's ``analysis.json``, the bias monitor's constraints."""
        return super().suggested_constraints(file_name, kms_key)

    def _analysis_config_uri(
        self, given: BiasAnalysisConfig | str | None, output_uri: str, job_definition: str
    ) -> str:
        if isinstance(given, str):
            return given
        if given is None:
            if self.latest_baselining_job_config is None:
                raise ConfigurationError(
                    "analysis_config is None and this monitor has no baselining job to take it from: give "
                    "analysis_config=BiasAnalysisConfig(...) or an analysis_config.json path"
                )
            given = self.latest_baselining_job_config.analysis_config
        # The SDK uploads it to {output}/{job definition}/{uuid}/analysis_config.json.
        uri = join_uri(output_uri, job_definition, str(uuid.uuid4()), ANALYSIS_CONFIG_FILE)
        write_text(uri, given.to_file().to_json_text())
        return uri

    def _backfilled(self, source: EndpointInput | BatchTransformInput) -> EndpointInput | BatchTransformInput:
        baseline = self.latest_baselining_job_config
        if baseline is not None:
            for attribute in _ATTRIBUTES:
                if getattr(source, attribute) is None:
                    setattr(source, attribute, getattr(baseline, attribute))
        return source

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
        name = monitor_schedule_name or timestamped_name("monitoring-schedule")
        output = output_s3_uri or default_output_uri(self._service().home, name)
        job_definition = timestamped_name("model-bias-job-definition")
        if isinstance(endpoint_input, str):
            endpoint_input = EndpointInput(endpoint_name=endpoint_input)
        if endpoint_input is not None:
            endpoint_input = self._backfilled(endpoint_input)  # type: ignore[assignment]
        if batch_transform_input is not None:
            batch_transform_input = self._backfilled(batch_transform_input)  # type: ignore[assignment]
        if constraints is None and self.latest_baselining_job is not None:
            constraints = join_uri(self.latest_baselining_job.output_uri, ANALYSIS_FILE)
        self._definition_inputs = (
            ("ground_truth_uri", ground_truth_input),
            ("analysis_config_uri", self._analysis_config_uri(analysis_config, output, job_definition)),
        )
        super().create_monitoring_schedule(
            endpoint_input=endpoint_input,
            post_analytics_processor_script=post_analytics_processor_script,
            output_s3_uri=output,
            constraints=constraints,
            monitor_schedule_name=name,
            schedule_cron_expression=schedule_cron_expression,
            enable_cloudwatch_metrics=enable_cloudwatch_metrics,
            batch_transform_input=batch_transform_input,
            data_analysis_start_time=data_analysis_start_time,
            data_analysis_end_time=data_analysis_end_time,
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
        if ground_truth_input is None and analysis_config is None:
            return
        service, name = self._service(), self._schedule_name()
        values = service.schedule_definition(name).to_dict()
        if ground_truth_input is not None:
            values["ground_truth_uri"] = ground_truth_input
        if analysis_config is not None:
            job_definition = timestamped_name("model-bias-job-definition")
            values["analysis_config_uri"] = self._analysis_config_uri(
                analysis_config, values["output_uri"], job_definition
            )
        service.update_schedule(name, definition=JobDefinition.from_dict(values))
