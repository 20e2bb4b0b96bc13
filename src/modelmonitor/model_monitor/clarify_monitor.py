"""What the bias and explainability monitors share (the SageMaker SDK's ``ClarifyModelMonitor``).

Both keep what a later schedule reuses of their latest baselining job (the analysis config and the
input's attributes), stage the schedule's ``analysis_config.json`` beside its results and are judged
against their baseline's ``analysis.json``; only their baselines and analysis configs differ.
"""

from __future__ import annotations

import copy
import logging
import uuid
from typing import Any, TypeVar

from modelmonitor.errors import ConfigurationError
from modelmonitor.formats.clarify import ANALYSIS_CONFIG_FILE, ANALYSIS_FILE, AnalysisConfig
from modelmonitor.formats.job_definition import JobDefinition
from modelmonitor.formats.layout import join_uri
from modelmonitor.model_monitor.inputs import BatchTransformInput, EndpointInput
from modelmonitor.model_monitor.monitor import BaselineResult, BaseliningJob, BuiltInModelMonitor
from modelmonitor.model_monitor.monitoring_files import Constraints, Statistics
from modelmonitor.model_monitor.schedule import timestamped_name
from modelmonitor.service import default_output_uri
from modelmonitor.service.files import write_text

__all__ = ["ClarifyAnalysisConfig", "ClarifyBaseliningConfig", "ClarifyModelMonitor"]

_log = logging.getLogger(__name__)

_Source = TypeVar("_Source", EndpointInput, BatchTransformInput)

# The input attributes a schedule takes from the latest baselining job when they are left None.
_BASELINE_ATTRIBUTES = (
    "features_attribute",
    "inference_attribute",
    "probability_attribute",
    "probability_threshold_attribute",
)


class ClarifyAnalysisConfig:
    """An analysis config of a Clarify monitoring schedule: the ``analysis_config`` dict it writes."""

    analysis_config: dict[str, Any]

    def _to_dict(self) -> dict[str, Any]:
        return copy.deepcopy(self.analysis_config)

    def to_file(self) -> AnalysisConfig:
        """The ``analysis_config.json`` this config is."""
        return AnalysisConfig.from_data(self._to_dict(), source=type(self).__name__)


class ClarifyBaseliningConfig:
    """What a later schedule reuses of the latest baselining job (SDK: ``ClarifyBaseliningConfig``)."""

    def __init__(
        self,
        analysis_config: ClarifyAnalysisConfig,
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


class ClarifyModelMonitor(BuiltInModelMonitor):
    """Base of ``ModelBiasMonitor`` and ``ModelExplainabilityMonitor`` (SDK: ``ClarifyModelMonitor``)."""

    # Named in the error when a schedule has no analysis config to take (the subclass's config class).
    _analysis_config_class: str = "ClarifyAnalysisConfig"
    latest_baselining_job_config: ClarifyBaseliningConfig | None = None

    def baseline_statistics(
        self, file_name: str = "statistics.json", kms_key: str | None = None
    ) -> Statistics | None:
        """None with a warning: a Clarify baseline has no statistics file (the SDK raises
        NotImplementedError; AWS's own bias schedule example passes this value, so it is let through)."""
        _log.warning("the %s baseline has no statistics; its analysis.json is the constraints", self._kind())
        return None

    def suggested_constraints(
        self, file_name: str = ANALYSIS_FILE, kms_key: str | None = None
    ) -> Constraints | None:
        """The latest baselining job's ``analysis.json``, the monitor's constraints."""
        return super().suggested_constraints(file_name, kms_key)

    def _kind(self) -> str:
        return self._monitoring_type().value.removeprefix("Model").lower()

    def _record_clarify_baselining_job(
        self, name: str, output: str, result: BaselineResult, reused: ClarifyBaseliningConfig
    ) -> BaseliningJob:
        self.latest_baselining_job_config = reused
        return self._record_baselining_job(name, output, result)

    def _analysis_config_uri(self, given: ClarifyAnalysisConfig | str | None, output_uri: str) -> str:
        """Where the schedule's analysis config is: ``given`` if a path/URI, else written for it."""
        if isinstance(given, str):
            return given
        if given is None:
            if self.latest_baselining_job_config is None:
                raise ConfigurationError(
                    "analysis_config is None and this monitor has no baselining job to take it from: give "
                    f"analysis_config={self._analysis_config_class}(...) or an analysis_config.json path"
                )
            given = self.latest_baselining_job_config.analysis_config
        # The SDK uploads it to {output}/{job definition}/{uuid}/analysis_config.json.
        uri = join_uri(output_uri, self._new_job_definition_name(), str(uuid.uuid4()), ANALYSIS_CONFIG_FILE)
        write_text(uri, given.to_file().to_json_text())
        return uri

    def _backfilled(self, source: _Source) -> _Source:
        """``source`` with the attributes it leaves None taken from the latest baselining job."""
        baseline = self.latest_baselining_job_config
        if baseline is not None:
            for attribute in _BASELINE_ATTRIBUTES:
                if getattr(source, attribute) is None:
                    setattr(source, attribute, getattr(baseline, attribute))
        return source

    def _create_clarify_schedule(
        self,
        *,
        ground_truth_input: str | None,
        analysis_config: ClarifyAnalysisConfig | str | None,
        endpoint_input: EndpointInput | str | None,
        batch_transform_input: BatchTransformInput | None,
        output_s3_uri: str | None,
        constraints: Any,
        monitor_schedule_name: str | None,
        schedule_cron_expression: str | None,
        enable_cloudwatch_metrics: bool,
        data_analysis_start_time: str | None,
        data_analysis_end_time: str | None,
        post_analytics_processor_script: str | None = None,
    ) -> None:
        """The schedule of either Clarify monitor: inputs backfilled from the latest baselining job,
        constraints its ``analysis.json`` unless given, the analysis config staged beside the results."""
        name = monitor_schedule_name or timestamped_name("monitoring-schedule")
        output = output_s3_uri or default_output_uri(self._service().home, name)
        if isinstance(endpoint_input, str):
            endpoint_input = EndpointInput(endpoint_name=endpoint_input)
        if endpoint_input is not None:
            endpoint_input = self._backfilled(endpoint_input)
        if batch_transform_input is not None:
            batch_transform_input = self._backfilled(batch_transform_input)
        if constraints is None and self.latest_baselining_job is not None:
            constraints = join_uri(self.latest_baselining_job.output_uri, ANALYSIS_FILE)
        ground_truth = () if ground_truth_input is None else (("ground_truth_uri", ground_truth_input),)
        self._definition_inputs = (
            *ground_truth,
            ("analysis_config_uri", self._analysis_config_uri(analysis_config, output)),
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

    def _update_clarify_inputs(
        self, ground_truth_input: str | None, analysis_config: ClarifyAnalysisConfig | str | None
    ) -> None:
        """Replace the schedule's labels' location and analysis config where given (a new analysis
        config is written beside the results, as at creation)."""
        if ground_truth_input is None and analysis_config is None:
            return
        service, name = self._service(), self._schedule_name()
        values = service.schedule_definition(name).to_dict()
        if ground_truth_input is not None:
            values["ground_truth_uri"] = ground_truth_input
        if analysis_config is not None:
            values["analysis_config_uri"] = self._analysis_config_uri(analysis_config, values["output_uri"])
        service.update_schedule(name, definition=JobDefinition.from_dict(values))
