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

from collections.abc import Callable
from typing import Any

from modelmonitor.clarify import (
    DataConfig,
    ModelConfig,
    ModelPredictedLabelConfig,
    SHAPConfig,
    analysis_config,
)
from modelmonitor.formats.statuses import MonitoringType
from modelmonitor.model_monitor.clarify_monitor import (
    ClarifyAnalysisConfig,
    ClarifyBaseliningConfig,
    ClarifyModelMonitor,
)
from modelmonitor.model_monitor.inputs import BatchTransformInput, EndpointInput
from modelmonitor.model_monitor.monitor import BaseliningJob
from modelmonitor.service.baselines import run_model_explainability_baseline

__all__ = ["ExplainabilityAnalysisConfig", "ModelExplainabilityMonitor"]


class ExplainabilityAnalysisConfig(ClarifyAnalysisConfig):
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


class ModelExplainabilityMonitor(ClarifyModelMonitor):
    """The built-in feature-attribution-drift monitor (SageMaker's ``ModelExplainabilityMonitor``)."""

    _analysis_config_class = "ExplainabilityAnalysisConfig"

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
            data_config.s3_data_input_path, config, output, predictor=predictor, engine=self.engine
        )
        # The monitoring config names the features only (SDK: the label is taken out of the headers).
        headers = list(data_config.headers) if data_config.headers else None
        if headers and data_config.label in headers:
            headers.remove(data_config.label)
        reused = ClarifyBaseliningConfig(
            ExplainabilityAnalysisConfig(
                explainability_config, model_config, headers=headers, label_headers=label_headers
            ),
            features_attribute=data_config.features,
            inference_attribute=inference_attribute,
        )
        return self._record_clarify_baselining_job(name, output, result, reused)

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
        self._create_clarify_schedule(
            ground_truth_input=None,
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
        )
