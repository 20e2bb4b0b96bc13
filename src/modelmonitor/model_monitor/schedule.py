"""Monitoring schedules on a monitor object, with the SageMaker SDK v2 method names.

The SDK's methods: docs/sagemaker.md#schedules-and-results-in-the-sdk.

``ModelMonitor`` inherits ``MonitoringScheduleMixin``. ``DefaultModelMonitor`` runs the built-in
data-quality job; a ``ModelMonitor`` given an ``image_uri`` runs that image with podman or docker, one
given only an ``entrypoint`` runs that command on this host: both are custom monitors given SageMaker's
container contract (docs/scheduling.md#custom-monitors-sagemakers-processing-job-layout). S3 URIs and local
paths both work for outputs, baselines and scripts.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any, Self

from modelmonitor.errors import ConfigurationError
from modelmonitor.formats.engine_choice import EngineChoice
from modelmonitor.formats.job_definition import DEFAULT_MAX_RUNTIME_SECONDS, InputAttributes, JobDefinition
from modelmonitor.formats.statuses import MonitoringType
from modelmonitor.model_monitor.describe import describe_schedule_response
from modelmonitor.model_monitor.execution import MonitoringExecution
from modelmonitor.model_monitor.http_session import RemoteService
from modelmonitor.model_monitor.inputs import BatchTransformInput, EndpointInput, MonitoringOutput
from modelmonitor.model_monitor.monitoring_files import ConstraintViolations, Statistics
from modelmonitor.model_monitor.session import Session, session_of
from modelmonitor.service import MonitoringService, default_output_uri

__all__ = ["MonitoringScheduleMixin"]

_log = logging.getLogger(__name__)
_JOB_DEFINITION_BASES = {
    MonitoringType.DATA_QUALITY: "data-quality-job-definition",
    MonitoringType.MODEL_QUALITY: "model-quality-job-definition",
    MonitoringType.MODEL_BIAS: "model-bias-job-definition",
    MonitoringType.MODEL_EXPLAINABILITY: "model-explainability-job-definition",
}


def timestamped_name(base: str) -> str:
    """SageMaker's job naming: base + ``-YYYY-MM-DD-HH-MM-SS-mmm`` (UTC)."""
    now = datetime.now(UTC)
    return f"{base}-{now:%Y-%m-%d-%H-%M-%S}-{now.microsecond // 1000:03d}"


def _uri(value: Any) -> str | None:
    """A baseline given as a URI/path or as a Statistics/Constraints object."""
    if value is None or isinstance(value, str):
        return value
    uri = getattr(value, "file_s3_uri", None)
    if not isinstance(uri, str):
        raise ConfigurationError(f"expected a file path, URI or Statistics/Constraints object, got {value!r}")
    return uri


def _dataset_format(value: dict[str, Any]) -> dict[str, Any]:
    """``{"Csv": {"Header": False}}`` (API shape) → ``{"csv": {"header": false}}`` (container env shape)."""
    return {str(k).lower(): {str(ik).lower(): iv for ik, iv in (v or {}).items()} for k, v in value.items()}


def _offset_text(value: Any) -> str | None:
    return None if value is None else str(value)


class MonitoringScheduleMixin:
    """Schedule methods of ``ModelMonitor``; expects the monitor's constructor attributes."""

    monitoring_schedule_name: str | None = None
    job_definition_name: str | None = None
    # JobDefinition fields a subclass adds (ModelQualityMonitor: ground_truth_uri, problem_type;
    # ModelBiasMonitor: ground_truth_uri, analysis_config_uri), given to create_monitoring_schedule.
    _definition_inputs: tuple[tuple[str, str], ...] = ()
    # Set by ModelMonitor's constructor; declared here so attach() can restore them.
    max_runtime_in_seconds: int | None
    env: dict[str, str] | None
    entrypoint: list[str] | None
    image_uri: str | None
    sagemaker_session: Session

    # -- helpers ----------------------------------------------------------------------------------

    def _service(self) -> MonitoringService | RemoteService:
        """The one service of this monitor's session (held for the session's lifetime)."""
        return self.sagemaker_session.service

    def _monitoring_type(self) -> MonitoringType:
        kind = getattr(type(self), "monitoring_type", None)
        return MonitoringType(str(kind())) if callable(kind) else MonitoringType.DATA_QUALITY

    def _new_job_definition_name(self) -> str:
        """A timestamped job-definition name of this monitor's type (SageMaker's naming)."""
        return timestamped_name(
            _JOB_DEFINITION_BASES.get(self._monitoring_type(), "monitoring-job-definition")
        )

    def _command(self) -> tuple[str, ...] | None:
        entrypoint = getattr(self, "entrypoint", None)
        if entrypoint:
            return tuple(str(part) for part in entrypoint)
        if type(self).__name__ == "ModelMonitor" and not self._image_uri():
            raise ConfigurationError(
                "ModelMonitor needs image_uri=... (a container image, run with podman or docker) or "
                "entrypoint=[...] (a command run on this host) for your custom monitor. Use "
                "DefaultModelMonitor for the built-in data-quality monitor."
            )
        return None

    def _image_uri(self) -> str | None:
        """A ``ModelMonitor``'s own image (the built-in monitors' image is ours, never run)."""
        if type(self).__name__ != "ModelMonitor":
            return None
        image = getattr(self, "image_uri", None)
        return str(image) if image else None

    def _schedule_name(self) -> str:
        if self.monitoring_schedule_name is None:
            raise ConfigurationError(
                "this monitor has no monitoring schedule; call create_monitoring_schedule or attach first"
            )
        return self.monitoring_schedule_name

    def _definition(
        self,
        *,
        endpoint_input: EndpointInput | str | None,
        batch_transform_input: BatchTransformInput | None,
        output_uri: str,
        statistics: Any,
        constraints: Any,
        record_preprocessor_script: str | None,
        post_analytics_processor_script: str | None,
        enable_cloudwatch_metrics: bool,
        data_analysis_start_time: str | None,
        data_analysis_end_time: str | None,
        arguments: list[str] | None,
        output_source: str | None = None,
    ) -> JobDefinition:
        environment = dict(getattr(self, "env", None) or {})
        max_runtime = getattr(self, "max_runtime_in_seconds", None) or DEFAULT_MAX_RUNTIME_SECONDS
        common: dict[str, Any] = {
            "output_uri": output_uri,
            "baseline_statistics": _uri(statistics),
            "baseline_constraints": _uri(constraints),
            "record_preprocessor_script": record_preprocessor_script,
            "post_analytics_processor_script": post_analytics_processor_script,
            "publish_cloudwatch_metrics": enable_cloudwatch_metrics,
            "data_analysis_start_time": data_analysis_start_time,
            "data_analysis_end_time": data_analysis_end_time,
            "max_runtime_seconds": int(max_runtime),
            "command": self._command(),
            "arguments": tuple(arguments or ()),
            "environment": environment,
            "monitoring_type": self._monitoring_type(),
            **dict(self._definition_inputs),
            "engine": getattr(self, "engine", None) or EngineChoice(),
            "image_uri": self._image_uri(),
            "output_source": output_source,
        }
        if isinstance(endpoint_input, str):
            endpoint_input = EndpointInput(endpoint_name=endpoint_input)
        source: EndpointInput | BatchTransformInput | None = endpoint_input or batch_transform_input
        common["attributes"] = InputAttributes(
            features_attribute=getattr(source, "features_attribute", None),
            inference_attribute=getattr(source, "inference_attribute", None),
            probability_attribute=getattr(source, "probability_attribute", None),
            probability_threshold_attribute=getattr(source, "probability_threshold_attribute", None),
            exclude_features_attribute=getattr(source, "exclude_features_attribute", None),
        )
        if endpoint_input is not None:
            return JobDefinition(
                input_kind="endpoint",
                endpoint_name=endpoint_input.endpoint_name,
                start_time_offset=_offset_text(endpoint_input.start_time_offset),
                end_time_offset=_offset_text(endpoint_input.end_time_offset),
                input_destination=endpoint_input.destination,
                **common,
            )
        assert batch_transform_input is not None
        return JobDefinition(
            input_kind="batch_transform",
            capture_uri=batch_transform_input.data_captured_destination_s3_uri,
            dataset_format=_dataset_format(batch_transform_input.dataset_format),
            start_time_offset=_offset_text(batch_transform_input.start_time_offset),
            end_time_offset=_offset_text(batch_transform_input.end_time_offset),
            input_destination=batch_transform_input.destination,
            **common,
        )

    # -- create / update / lifecycle --------------------------------------------------------------

    def create_monitoring_schedule(
        self,
        endpoint_input: EndpointInput | str | None = None,
        record_preprocessor_script: str | None = None,
        post_analytics_processor_script: str | None = None,
        output_s3_uri: str | None = None,
        constraints: Any = None,
        statistics: Any = None,
        monitor_schedule_name: str | None = None,
        schedule_cron_expression: str | None = None,
        enable_cloudwatch_metrics: bool = True,
        batch_transform_input: BatchTransformInput | None = None,
        data_analysis_start_time: str | None = None,
        data_analysis_end_time: str | None = None,
        output: MonitoringOutput | None = None,
        arguments: list[str] | None = None,
    ) -> None:
        """Create the schedule this monitor represents (one per monitor object, as in the SDK)."""
        if self.monitoring_schedule_name is not None:
            raise ConfigurationError(
                "It seems that this object was already used to create a monitoring schedule. To create "
                "another, first delete the existing one using my_monitor.delete_monitoring_schedule()."
            )
        if (batch_transform_input is not None) == (endpoint_input is not None):
            raise ConfigurationError(
                "Need to have either batch_transform_input or endpoint_input to create a monitoring "
                "schedule. Please provide only one of the above required inputs"
            )
        name = monitor_schedule_name or timestamped_name("monitoring-schedule")
        service = self._service()
        output_uri = output_s3_uri or (output.destination if output else None)
        definition = self._definition(
            endpoint_input=endpoint_input,
            batch_transform_input=batch_transform_input,
            output_uri=output_uri or default_output_uri(service.home, name),
            statistics=statistics,
            constraints=constraints,
            record_preprocessor_script=record_preprocessor_script,
            post_analytics_processor_script=post_analytics_processor_script,
            enable_cloudwatch_metrics=enable_cloudwatch_metrics,
            data_analysis_start_time=data_analysis_start_time,
            data_analysis_end_time=data_analysis_end_time,
            arguments=arguments,
            output_source=output.source if output else None,
        )
        service.create_schedule(name, schedule_cron_expression, definition)
        self.monitoring_schedule_name = name
        self.job_definition_name = self._new_job_definition_name()

    def update_monitoring_schedule(
        self,
        endpoint_input: EndpointInput | str | None = None,
        record_preprocessor_script: str | None = None,
        post_analytics_processor_script: str | None = None,
        output_s3_uri: str | None = None,
        statistics: Any = None,
        constraints: Any = None,
        schedule_cron_expression: str | None = None,
        instance_count: int | None = None,
        instance_type: str | None = None,
        volume_size_in_gb: int | None = None,
        volume_kms_key: str | None = None,
        output_kms_key: str | None = None,
        max_runtime_in_seconds: int | None = None,
        env: dict[str, str] | None = None,
        network_config: Any = None,
        enable_cloudwatch_metrics: bool | None = None,
        role: str | None = None,
        batch_transform_input: BatchTransformInput | None = None,
        data_analysis_start_time: str | None = None,
        data_analysis_end_time: str | None = None,
    ) -> None:
        """Change the schedule; arguments left None keep their current values."""
        if endpoint_input is not None and batch_transform_input is not None:
            raise ConfigurationError("give at most one of endpoint_input and batch_transform_input")
        name = self._schedule_name()
        service = self._service()
        current = service.schedule_definition(name)
        values = current.to_dict()
        if endpoint_input is not None or batch_transform_input is not None:
            replaced = self._definition(
                endpoint_input=endpoint_input,
                batch_transform_input=batch_transform_input,
                output_uri=current.output_uri,
                statistics=None,
                constraints=None,
                record_preprocessor_script=None,
                post_analytics_processor_script=None,
                enable_cloudwatch_metrics=current.publish_cloudwatch_metrics,
                data_analysis_start_time=None,
                data_analysis_end_time=None,
                arguments=list(current.arguments),
            ).to_dict()
            for key in (
                "input_kind",
                "endpoint_name",
                "capture_uri",
                "dataset_format",
                "start_time_offset",
                "end_time_offset",
                "attributes",
                "input_destination",
            ):
                values[key] = replaced[key]
        updates = {
            "record_preprocessor_script": record_preprocessor_script,
            "post_analytics_processor_script": post_analytics_processor_script,
            "output_uri": output_s3_uri,
            "baseline_statistics": _uri(statistics),
            "baseline_constraints": _uri(constraints),
            "max_runtime_seconds": max_runtime_in_seconds,
            "environment": env,
            "publish_cloudwatch_metrics": enable_cloudwatch_metrics,
            "data_analysis_start_time": data_analysis_start_time,
            "data_analysis_end_time": data_analysis_end_time,
        }
        values.update({k: v for k, v in updates.items() if v is not None})
        if max_runtime_in_seconds is not None:
            self.max_runtime_in_seconds = max_runtime_in_seconds
        service.update_schedule(
            name, expression=schedule_cron_expression, definition=JobDefinition.from_dict(values)
        )

    def stop_monitoring_schedule(self) -> None:
        service = self._service()
        service.stop_schedule(self._schedule_name())

    def start_monitoring_schedule(self) -> None:
        service = self._service()
        service.start_schedule(self._schedule_name())

    def delete_monitoring_schedule(self) -> None:
        """Delete the schedule (its executions' history is kept); the object can then create another."""
        service = self._service()
        service.delete_schedule(self._schedule_name())
        self.monitoring_schedule_name = None
        self.job_definition_name = None

    # -- reading ----------------------------------------------------------------------------------

    def describe_schedule(self) -> dict[str, Any]:
        """A ``DescribeMonitoringSchedule`` response (SageMaker's keys)."""
        name = self._schedule_name()
        service = self._service()
        schedule = service.describe_schedule(name)
        latest = service.list_executions(schedule_name=name, newest_first=True, limit=1)
        return describe_schedule_response(schedule, self.job_definition_name, latest[0] if latest else None)

    def list_executions(self) -> list[MonitoringExecution]:
        """Executions of the schedule, oldest first (so ``[-1]`` is the latest)."""
        name = self._schedule_name()
        service = self._service()
        executions = service.list_executions(schedule_name=name)
        if not executions:
            _log.warning("No executions found for schedule. monitoring_schedule_name: %s", name)
        return [MonitoringExecution(e, self.sagemaker_session) for e in executions]

    def latest_monitoring_statistics(self, file_name: str = "statistics.json") -> Statistics | None:
        executions = self.list_executions()
        return executions[-1].statistics(file_name=file_name) if executions else None

    def latest_monitoring_constraint_violations(
        self, file_name: str = "constraint_violations.json"
    ) -> ConstraintViolations | None:
        executions = self.list_executions()
        return executions[-1].constraint_violations(file_name=file_name) if executions else None

    def get_latest_execution_logs(self, wait: bool = False) -> None:
        """Print the log of the latest execution."""
        executions = self.list_executions()
        if not executions:
            raise ConfigurationError("No execution jobs were kicked off.")
        service = self._service()
        print(service.execution_log(executions[-1].execution.id))

    @classmethod
    def attach(cls, monitor_schedule_name: str, sagemaker_session: Any = None) -> Self:
        """A monitor object for an existing schedule (its max runtime and env restored)."""
        monitor = cls(sagemaker_session=session_of(sagemaker_session))  # type: ignore[call-arg]
        schedule = monitor._service().describe_schedule(monitor_schedule_name)
        definition = JobDefinition.from_dict(schedule.definition)
        monitor.max_runtime_in_seconds = definition.max_runtime_seconds
        monitor.env = dict(definition.environment) or None
        if definition.command is not None:
            monitor.entrypoint = list(definition.command)
        if definition.image_uri is not None:
            monitor.image_uri = definition.image_uri
        monitor.monitoring_schedule_name = monitor_schedule_name
        return monitor
