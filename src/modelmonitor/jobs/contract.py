"""SageMaker's container environment contract, as one value passed to every job.

The variables: docs/sagemaker.md#environment-variables.

The scheduler's worker turns a ``JobContract`` into environment variables; the built-in monitoring job and
any custom monitor read them back. Names are SageMaker's (``dataset_source``, ``output_path``,
``start_time``, ...). Four are ours, because a process here has no ``/opt/ml`` to write to:
``output_message_file`` (SageMaker: ``/opt/ml/output/message``), ``cloudwatch_metrics_directory``
(SageMaker: ``/opt/ml/output/metrics/cloudwatch``) — both names come from the analyzer's own input model —
``MODELMONITOR_EXECUTION_ID``, ``MODELMONITOR_MONITORING_TYPE`` (which built-in monitor runs; SageMaker
picks it by container image), ``MODELMONITOR_GROUND_TRUTH_URI`` (model quality: the labels' prefix; SageMaker
merges in a job of its own before the analyzer starts), ``MODELMONITOR_MAX_RUNTIME_SECONDS`` (the merge
takes its share of it), ``MODELMONITOR_SCHEDULED_TIME`` (when the execution was due on the scheduler's
clock: the merge reads labels collected up to it; without it, up to ``end_time``) and
``MODELMONITOR_ANALYSIS_CONFIG`` (bias and explainability: the local copy of the Clarify
``analysis_config.json``; SageMaker mounts it at ``/opt/ml/processing/input/config``). Model-quality jobs
also get SageMaker's analyzer variables ``analysis_type``, ``problem_type`` and the ``*_attribute`` ones.
``MODELMONITOR_ENGINE`` is set when the schedule asked for an engine other than the local one
(``EngineChoice`` as JSON; docs/spark.md), and ``MODELMONITOR_HTML_REPORT`` (``Enabled``) when it asked
for an HTML report (docs/reports.md).

The contract is the scheduler's to set: a schedule's own environment (``--env``, the SDK's ``env``) may not
name a contract variable (``CONTRACT_VARIABLES``, which ``formats.job_definition`` holds and checks), and
``execution_environment`` applies the contract after the schedule's variables. A custom monitor gets
only ``BASIC_VARIABLES`` of the scheduler's environment (what running a command needs), never the rest:
the scheduler's catalog URL and credentials are not the monitor's business. The built-in job is our code
and gets the scheduler's whole environment (object-store credentials, ``MODELMONITOR_*`` settings).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from modelmonitor.dataset.window import format_time, parse_time
from modelmonitor.errors import ConfigurationError
from modelmonitor.formats.engine_choice import EngineChoice
from modelmonitor.formats.job_definition import (
    ANALYSIS_CONFIG_VARIABLE,
    CONTRACT_VARIABLES,
    ENGINE_VARIABLE,
    EXECUTION_ID_VARIABLE,
    GROUND_TRUTH_VARIABLE,
    HTML_REPORT_VARIABLE,
    MAX_RUNTIME_VARIABLE,
    MONITORING_TYPE_VARIABLE,
    PROCESSING_JOB_CONFIG_VARIABLE,
    SCHEDULED_TIME_VARIABLE,
    InputAttributes,
)
from modelmonitor.formats.model_quality import PROBLEM_TYPES, ProblemType
from modelmonitor.formats.statuses import MonitoringType

__all__ = [
    "BASIC_VARIABLES",
    "CAPTURE_DATASET_FORMAT",
    "JobContract",
    "execution_environment",
]

# What a custom monitor inherits from the scheduler: finding and running a command, its locale and clock.
BASIC_VARIABLES = frozenset({"PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LANGUAGE", "TZ", "TMPDIR"})
BASIC_VARIABLE_PREFIX = "LC_"
CAPTURE_DATASET_FORMAT: dict[str, Any] = {
    "sagemakerCaptureJson": {"captureIndexNames": ["endpointInput", "endpointOutput"]}
}


def _required(env: Mapping[str, str], name: str) -> str:
    value = env.get(name)
    if not value:
        raise ConfigurationError(f"environment variable {name} is missing (SageMaker container contract)")
    return value


def _capture_prefix(env: Mapping[str, str]) -> str | None:
    prefix = env.get("sagemaker_endpoint_datacapture_prefix") or None
    return None if prefix == env.get("dataset_source") else prefix


def execution_environment(
    contract: JobContract,
    schedule_environment: Mapping[str, str],
    inherited: Mapping[str, str],
    *,
    custom: bool,
) -> dict[str, str]:
    """The process environment of one execution: inherited basics, then the schedule's, then the contract.

    ``custom`` monitors inherit only ``BASIC_VARIABLES`` (and ``LC_*``) of ``inherited``; the built-in job
    inherits all of it. The contract comes last, so nothing overrides it.
    """
    if custom:
        env = {
            name: value
            for name, value in inherited.items()
            if name in BASIC_VARIABLES or name.startswith(BASIC_VARIABLE_PREFIX)
        }
    else:
        env = {name: value for name, value in inherited.items() if name not in CONTRACT_VARIABLES}
    env.update(schedule_environment)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(contract.to_env())
    return env


@dataclass(frozen=True)
class JobContract:
    """Everything one execution is told. ``dataset_source`` is a local path or a URI."""

    dataset_source: str
    output_path: str
    start_time: datetime
    end_time: datetime
    dataset_format: dict[str, Any]
    output_message_file: str
    cloudwatch_metrics_directory: str
    endpoint_name: str | None = None
    schedule_name: str | None = None
    baseline_statistics: str | None = None
    baseline_constraints: str | None = None
    record_preprocessor_script: str | None = None
    post_analytics_processor_script: str | None = None
    publish_cloudwatch_metrics: bool = True
    execution_id: int | None = None
    monitoring_type: MonitoringType = MonitoringType.DATA_QUALITY
    attributes: InputAttributes = field(default_factory=InputAttributes)
    problem_type: ProblemType | None = None
    ground_truth_uri: str | None = None
    max_runtime_seconds: int | None = None
    scheduled_time: datetime | None = None
    analysis_config: str | None = None
    engine: EngineChoice = field(default_factory=EngineChoice)
    html_report: bool = False
    # A custom monitor's dataset_source is the window's files staged in its input folder; this is where
    # they came from (SageMaker's sagemaker_endpoint_datacapture_prefix). None: dataset_source itself.
    capture_prefix: str | None = None
    processing_job_config: str | None = None

    def to_env(self) -> dict[str, str]:
        env = {
            "dataset_source": self.dataset_source,
            "output_path": self.output_path,
            "start_time": format_time(self.start_time),
            "end_time": format_time(self.end_time),
            "dataset_format": json.dumps(self.dataset_format),
            "output_message_file": self.output_message_file,
            "cloudwatch_metrics_directory": self.cloudwatch_metrics_directory,
            "publish_cloudwatch_metrics": "Enabled" if self.publish_cloudwatch_metrics else "Disabled",
            MONITORING_TYPE_VARIABLE: self.monitoring_type.value,
        }
        optional = {
            "sagemaker_endpoint_name": self.endpoint_name,
            "sagemaker_monitoring_schedule_name": self.schedule_name,
            "sagemaker_endpoint_datacapture_prefix": (self.capture_prefix or self.dataset_source)
            if self.endpoint_name
            else None,
            "baseline_statistics": self.baseline_statistics,
            "baseline_constraints": self.baseline_constraints,
            "record_preprocessor_script": self.record_preprocessor_script,
            "post_analytics_processor_script": self.post_analytics_processor_script,
            EXECUTION_ID_VARIABLE: None if self.execution_id is None else str(self.execution_id),
            "analysis_type": "MODEL_QUALITY"
            if self.monitoring_type == MonitoringType.MODEL_QUALITY
            else None,
            "problem_type": self.problem_type,
            GROUND_TRUTH_VARIABLE: self.ground_truth_uri,
            MAX_RUNTIME_VARIABLE: None if self.max_runtime_seconds is None else str(self.max_runtime_seconds),
            SCHEDULED_TIME_VARIABLE: None
            if self.scheduled_time is None
            else format_time(self.scheduled_time),
            ANALYSIS_CONFIG_VARIABLE: self.analysis_config,
            **self.attributes.to_env(),
            ENGINE_VARIABLE: None if self.engine == EngineChoice() else json.dumps(self.engine.to_dict()),
            HTML_REPORT_VARIABLE: "Enabled" if self.html_report else None,
            PROCESSING_JOB_CONFIG_VARIABLE: self.processing_job_config,
        }
        env.update({k: v for k, v in optional.items() if v})
        return env

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> JobContract:
        try:
            dataset_format = json.loads(env.get("dataset_format") or json.dumps(CAPTURE_DATASET_FORMAT))
        except json.JSONDecodeError as exc:
            raise ConfigurationError(f"environment variable dataset_format is not JSON: {exc}") from exc
        execution = env.get(EXECUTION_ID_VARIABLE)
        kind = env.get(MONITORING_TYPE_VARIABLE) or MonitoringType.DATA_QUALITY.value
        try:
            monitoring_type = MonitoringType(kind)
        except ValueError as exc:
            raise ConfigurationError(
                f"environment variable {MONITORING_TYPE_VARIABLE}: got {kind!r}, expected one of "
                f"{', '.join(t.value for t in MonitoringType)}"
            ) from exc
        problem_type = env.get("problem_type") or None
        if problem_type is not None and problem_type not in PROBLEM_TYPES:
            raise ConfigurationError(
                f"environment variable problem_type: got {problem_type!r}, expected one of "
                f"{', '.join(PROBLEM_TYPES)}"
            )
        max_runtime = env.get(MAX_RUNTIME_VARIABLE) or None
        if max_runtime is not None and not max_runtime.isdigit():
            raise ConfigurationError(
                f"environment variable {MAX_RUNTIME_VARIABLE}: got {max_runtime!r}, expected whole seconds"
            )
        scheduled = env.get(SCHEDULED_TIME_VARIABLE) or None
        try:
            engine = EngineChoice.from_dict(json.loads(env.get(ENGINE_VARIABLE) or "{}"))
        except json.JSONDecodeError as exc:
            raise ConfigurationError(f"environment variable {ENGINE_VARIABLE} is not JSON: {exc}") from exc
        return cls(
            dataset_source=_required(env, "dataset_source"),
            output_path=_required(env, "output_path"),
            start_time=parse_time(_required(env, "start_time"), field="start_time"),
            end_time=parse_time(_required(env, "end_time"), field="end_time"),
            dataset_format=dataset_format,
            output_message_file=env.get("output_message_file") or "/opt/ml/output/message",
            cloudwatch_metrics_directory=env.get("cloudwatch_metrics_directory")
            or "/opt/ml/output/metrics/cloudwatch",
            endpoint_name=env.get("sagemaker_endpoint_name") or None,
            schedule_name=env.get("sagemaker_monitoring_schedule_name") or None,
            baseline_statistics=env.get("baseline_statistics") or None,
            baseline_constraints=env.get("baseline_constraints") or None,
            record_preprocessor_script=env.get("record_preprocessor_script") or None,
            post_analytics_processor_script=env.get("post_analytics_processor_script") or None,
            publish_cloudwatch_metrics=env.get("publish_cloudwatch_metrics", "Enabled") != "Disabled",
            execution_id=int(execution) if execution else None,
            monitoring_type=monitoring_type,
            attributes=InputAttributes.from_env(env),
            problem_type=problem_type,
            ground_truth_uri=env.get(GROUND_TRUTH_VARIABLE) or None,
            max_runtime_seconds=int(max_runtime) if max_runtime else None,
            scheduled_time=None
            if scheduled is None
            else parse_time(scheduled, field=SCHEDULED_TIME_VARIABLE),
            analysis_config=env.get(ANALYSIS_CONFIG_VARIABLE) or None,
            engine=engine,
            html_report=env.get(HTML_REPORT_VARIABLE) == "Enabled",
            capture_prefix=_capture_prefix(env),
            processing_job_config=env.get(PROCESSING_JOB_CONFIG_VARIABLE) or None,
        )
