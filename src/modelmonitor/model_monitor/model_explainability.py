"""``ModelExplainabilityMonitor`` and ``ExplainabilityAnalysisConfig`` with the SageMaker SDK v2 signatures.

``suggest_baseline(data_config, explainability_config, model_config, model_scores)`` explains a sample of
the data set (features: ``DataConfig.headers`` without its label) with Kernel SHAP in this process,
calling the model at ``ModelConfig(endpoint_url=...)`` (ours: the model server's own URL, not the capture
proxy's) or, with ``predictor=`` (ours), a Python callable rows → scores. Its ``analysis.json`` is the
monitor's constraints. ``create_monitoring_schedule`` takes the analysis config (an
``ExplainabilityAnalysisConfig``, a path/URI of an ``analysis_config.json``, or None: the latest
baselining job's, as the SDK does) and an endpoint or batch-transform input; each execution explains a
bounded sample of the window and judges the ranking of its attributions by NDCG against the baseline.
Details: docs/clarify.md#the-feature-attribution-monitor.
"""

from __future__ import annotations

import copy
import logging
import uuid
from collections.abc import Callable
from typing import Any

from modelmonitor.clarify import (
    DataConfig,
    ModelConfig,
    ModelPredictedLabelConfig,
    SHAPConfig,
    analysis_config,
)
from modelmonitor.errors import ConfigurationError
from modelmonitor.formats.clarify import ANALYSIS_CONFIG_FILE, ANALYSIS_FILE, AnalysisConfig
from modelmonitor.formats.layout import join_uri
from modelmonitor.formats.statuses import MonitoringType
from modelmonitor.model_monitor.inputs import BatchTransformInput, EndpointInput
from modelmonitor.model_monitor.monitor import BaseliningJob, ModelMonitor
from modelmonitor.model_monitor.monitoring_files import Constraints, Statistics
from modelmonitor.model_monitor.schedule import timestamped_name
from modelmonitor.service import default_output_uri
from modelmonitor.service.baselines import run_model_explainability_baseline
from modelmonitor.service.files import write_text

__all__ = ["ExplainabilityAnalysisConfig", "ModelExplainabilityMonitor"]

_log = logging.getLogger(__name__)


class ExplainabilityAnalysisConfig:
    """The analysis config of an explainability schedule (SDK: ``ExplainabilityAnalysisConfig``): the SHAP
    settings, the model (``predictor``), the feature ``headers`` (no label) and the ``label_headers`` that
    name the model's outputs."""

    def __init__(
        self,
        explainability_config: SHAPConfig,
        model_config: ModelConfig,
        headers: list[str] | None = None,
        label_headers: list[str] | None = None,
    ) -> None:
        predictor = model_config.get_predictor_config()
        self.analysis_config: dict[str, Any] = {
            "methods": explainability_config.get_explainability_config(),
            "predictor": predictor,
        }
        if headers is not None:
            self.analysis_config["headers"] = headers
        if label_headers is not None:
            predictor["label_headers"] = label_headers

    def _to_dict(self) -> dict[str, Any]:
        return copy.deepcopy(self.analysis_config)

    def to_file(self) -> AnalysisConfig:
        """The ``analysis_config.json`` this config is."""
        return AnalysisConfig.from_data(self._to_dict(), source="ExplainabilityAnalysisConfig")


class _BaseliningJobConfig:
    """What a later schedule reuses of the latest baselining job (SDK: ``ClarifyBaseliningConfig``)."""

    def __init__(
        self,
        analysis_config: ExplainabilityAnalysisConfig,
        features_attribute: str | None = None,
        inference_attribute: str | None = None,
    ) -> None:
        self.analysis_config = analysis_config
        self.features_attribute = features_attribute
        self.inference_attribute = inference_attribute


def _scores(
    model_scores: int | str | ModelPredictedLabelConfig | None,
) -> tuple[ModelPredictedLabelConfig | None, str | None, list[str] | None]:
    """``model_scores`` as the predictor settings it stands for, the inference attribute and label headers."""
    if model_scores is None:
        return None, None, None
    if isinstance(model_scores, ModelPredictedLabelConfig):
        return model_scores, str(model_scores.label), model_scores.label_headers
    # An index or JMESPath expression of the score in the model's answer.
    return ModelPredictedLabelConfig(probability=model_scores), str(model_scores), None


class ModelExplainabilityMonitor(ModelMonitor):
    """The built-in feature-attribution-drift monitor (SageMaker's ``ModelExplainabilityMonitor``)."""

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
        return MonitoringType.MODEL_EXPLAINABILITY.value

    def suggest_baseline(
        self,
        data_config: DataConfig,
        explainability_config: SHAPConfig,
        model_config: ModelConfig,
        model_scores: int | str | ModelPredictedLabelConfig | None = None,
        wait: bool = False,
        logs: bool = False,
        job_name: str | None = None,
        kms_key: str | None = None,
        predictor: Callable[[Any], Any] | None = None,
    ) -> BaseliningJob:
        """The baseline ``analysis.json`` (global SHAP values per feature) of ``data_config``'s data set.

        ``predictor`` is ours: a Python callable (rows × features → one score or a row of scores per
        row) used instead of calling the model at ``model_config``'s ``endpoint_url``.
        """
        name, _ = self._baselining_target(job_name, None)
        output = data_config.s3_output_path
        label_config, inference_attribute, label_headers = _scores(model_scores)
        config = analysis_config(
            data_config=data_config,
            model_config=model_config,
            model_predicted_label_config=label_config,
            explainability_config=explainability_config,
        )
        result = run_model_explainability_baseline(
            data_config.s3_data_input_path, config, output, predictor=predictor
        )
        # The monitoring config names the features only (SDK: the label is taken out of the headers).
        headers = list(data_config.headers) if data_config.headers else None
        if headers and data_config.label in headers:
            headers.remove(data_config.label)
        self.latest_baselining_job_config = _BaseliningJobConfig(
            ExplainabilityAnalysisConfig(
                explainability_config, model_config, headers=headers, label_headers=label_headers
            ),
            features_attribute=data_config.features,
            inference_attribute=inference_attribute,
        )
        return self._record_baselining_job(name, output, result)

    def baseline_statistics(
        self, file_name: str = "statistics.json", kms_key: str | None = None
    ) -> Statistics | None:
        """None with a warning: an explainability baseline has no statistics file (the SDK raises
        NotImplementedError)."""
        _log.warning("an explainability baseline has no statistics; its analysis.json is the constraints")
        return None

    def suggested_constraints(
        self, file_name: str = ANALYSIS_FILE, kms_key: str | None = None
    ) -> Constraints | None:
        """The latest baselining job's ``analysis.json``, the explainability monitor's constraints."""
        return super().suggested_constraints(file_name, kms_key)

    def _analysis_config_uri(
        self, given: ExplainabilityAnalysisConfig | str | None, output_uri: str, job_definition: str
    ) -> str:
        if isinstance(given, str):
            return given
        if given is None:
            if self.latest_baselining_job_config is None:
                raise ConfigurationError(
                    "analysis_config is None and this monitor has no baselining job to take it from: give "
                    "analysis_config=ExplainabilityAnalysisConfig(...) or an analysis_config.json path"
                )
            given = self.latest_baselining_job_config.analysis_config
        # The SDK uploads it to {output}/{job definition}/{uuid}/analysis_config.json.
        uri = join_uri(output_uri, job_definition, str(uuid.uuid4()), ANALYSIS_CONFIG_FILE)
        write_text(uri, given.to_file().to_json_text())
        return uri

    def _backfilled(self, source: EndpointInput | BatchTransformInput) -> EndpointInput | BatchTransformInput:
        baseline = self.latest_baselining_job_config
        if baseline is not None:
            for attribute in ("features_attribute", "inference_attribute"):
                if getattr(source, attribute) is None:
                    setattr(source, attribute, getattr(baseline, attribute))
        return source

    def create_monitoring_schedule(  # type: ignore[override]  # SageMaker's ModelExplainabilityMonitor signature
        self,
        endpoint_input: EndpointInput | str | None = None,
        analysis_config: ExplainabilityAnalysisConfig | str | None = None,
        output_s3_uri: str | None = None,
        constraints: Any = None,
        monitor_schedule_name: str | None = None,
        schedule_cron_expression: str | None = None,
        enable_cloudwatch_metrics: bool = True,
        batch_transform_input: BatchTransformInput | None = None,
        data_analysis_start_time: str | None = None,
        data_analysis_end_time: str | None = None,
    ) -> None:
        """Create the feature-attribution-drift schedule (constraints: the baseline's analysis.json)."""
        name = monitor_schedule_name or timestamped_name("monitoring-schedule")
        output = output_s3_uri or default_output_uri(self._service().home, name)
        job_definition = timestamped_name("model-explainability-job-definition")
        if isinstance(endpoint_input, str):
            endpoint_input = EndpointInput(endpoint_name=endpoint_input)
        if endpoint_input is not None:
            endpoint_input = self._backfilled(endpoint_input)  # type: ignore[assignment]
        if batch_transform_input is not None:
            batch_transform_input = self._backfilled(batch_transform_input)  # type: ignore[assignment]
        if constraints is None and self.latest_baselining_job is not None:
            constraints = join_uri(self.latest_baselining_job.output_uri, ANALYSIS_FILE)
        self._definition_inputs = (
            ("analysis_config_uri", self._analysis_config_uri(analysis_config, output, job_definition)),
        )
        super().create_monitoring_schedule(
            endpoint_input=endpoint_input,
            output_s3_uri=output,
            constraints=constraints,
            monitor_schedule_name=name,
            schedule_cron_expression=schedule_cron_expression,
            enable_cloudwatch_metrics=enable_cloudwatch_metrics,
            batch_transform_input=batch_transform_input,
            data_analysis_start_time=data_analysis_start_time,
            data_analysis_end_time=data_analysis_end_time,
        )
