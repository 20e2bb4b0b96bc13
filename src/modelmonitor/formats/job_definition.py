"""What a schedule runs: its monitoring job definition (SageMaker's MonitoringJobDefinition, in our words).

Stored as JSON in the catalog; ``to_dict``/``from_dict`` are the only (de)serialisation. The job is the
built-in monitor of ``monitoring_type`` unless ``command`` is set: then it is a custom monitor ("bring your
own container") given the same environment contract. The attributes of the endpoint or batch input that
model-quality, bias and explainability monitors need (``inference_attribute``, ...) are typed here as
``InputAttributes``; the job turns them into SageMaker's environment variables, nothing else does.

Offsets are kept as the ISO 8601 text the user wrote; ``jobs.schedule_window`` parses and validates them
(the service does so when a schedule is created or changed).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal

from modelmonitor.errors import ConfigurationError
from modelmonitor.formats.engine_choice import EngineChoice
from modelmonitor.formats.model_quality import PROBLEM_TYPES, ProblemType
from modelmonitor.formats.processing_job_config import (
    DEFAULT_INPUT_DESTINATION,
    DEFAULT_OUTPUT_SOURCE,
    check_container_path,
    check_separate_paths,
)
from modelmonitor.formats.statuses import MonitoringType

__all__ = [
    "ANALYSIS_CONFIG_VARIABLE",
    "CONTRACT_VARIABLES",
    "DEFAULT_MAX_RUNTIME_SECONDS",
    "DEFAULT_SCHEDULE_EXPRESSION",
    "ENGINE_VARIABLE",
    "EXECUTION_ID_VARIABLE",
    "GROUND_TRUTH_VARIABLE",
    "HTML_REPORT_VARIABLE",
    "MAX_RUNTIME_VARIABLE",
    "MONITORING_TYPE_VARIABLE",
    "PROCESSING_JOB_CONFIG_VARIABLE",
    "SCHEDULED_TIME_VARIABLE",
    "InputAttributes",
    "InputKind",
    "JobDefinition",
    "check_schedule_environment",
]

DEFAULT_MAX_RUNTIME_SECONDS = 3600
# A schedule created without an expression runs daily at midnight UTC: the SageMaker SDK's default
# (create_monitoring_schedule's schedule_cron_expression=None), the same from the CLI, SDK and service.
DEFAULT_SCHEDULE_EXPRESSION = "cron(0 0 ? * * *)"
InputKind = Literal["endpoint", "batch_transform"]
# A batch-transform input's DatasetFormat: SageMaker's three (Csv, Json, Parquet), in the analyzer's spelling.
_DATASET_FORMATS = ("csv", "json", "parquet")
# The container contract's variables (jobs.contract sets them for every run; a schedule may not).
EXECUTION_ID_VARIABLE = "MODELMONITOR_EXECUTION_ID"
MONITORING_TYPE_VARIABLE = "MODELMONITOR_MONITORING_TYPE"
# Ours: SageMaker runs the merge as a job of its own before the analyzer, which then gets merged data.
GROUND_TRUTH_VARIABLE = "MODELMONITOR_GROUND_TRUTH_URI"
MAX_RUNTIME_VARIABLE = "MODELMONITOR_MAX_RUNTIME_SECONDS"
# The time the execution was due (the scheduler's clock): labels collected up to it are merged.
SCHEDULED_TIME_VARIABLE = "MODELMONITOR_SCHEDULED_TIME"
# Ours: the local copy of a Clarify monitor's analysis_config.json (SageMaker mounts it at
# /opt/ml/processing/input/config/analysis_config.json; a process here has no fixed paths).
ANALYSIS_CONFIG_VARIABLE = "MODELMONITOR_ANALYSIS_CONFIG"
# SageMaker's analyzer variables of model-quality jobs (docs/sagemaker.md#container-contract).
ANALYSIS_VARIABLES = (
    "analysis_type",
    "problem_type",
    "features_attribute",
    "inference_attribute",
    "probability_attribute",
    "probability_threshold_attribute",
    "exclude_features_attribute",
)
ENGINE_VARIABLE = "MODELMONITOR_ENGINE"  # the built-in job's engine (EngineChoice as JSON)
HTML_REPORT_VARIABLE = "MODELMONITOR_HTML_REPORT"  # "Enabled": the built-in job also writes report.html
# Where a custom monitor's processingjobconfig.json is (SageMaker: /opt/ml/config/processingjobconfig.json).
PROCESSING_JOB_CONFIG_VARIABLE = "MODELMONITOR_PROCESSING_JOB_CONFIG"
CONTRACT_VARIABLES = frozenset(
    {
        "dataset_source",
        "output_path",
        "start_time",
        "end_time",
        "dataset_format",
        "output_message_file",
        "cloudwatch_metrics_directory",
        "publish_cloudwatch_metrics",
        "sagemaker_endpoint_name",
        "sagemaker_monitoring_schedule_name",
        "sagemaker_endpoint_datacapture_prefix",
        "baseline_statistics",
        "baseline_constraints",
        "record_preprocessor_script",
        "post_analytics_processor_script",
        EXECUTION_ID_VARIABLE,
        MONITORING_TYPE_VARIABLE,
        GROUND_TRUTH_VARIABLE,
        MAX_RUNTIME_VARIABLE,
        SCHEDULED_TIME_VARIABLE,
        ANALYSIS_CONFIG_VARIABLE,
        *ANALYSIS_VARIABLES,
        ENGINE_VARIABLE,
        HTML_REPORT_VARIABLE,
        PROCESSING_JOB_CONFIG_VARIABLE,
    }
)


def check_schedule_environment(environment: Mapping[str, str]) -> None:
    """Refuse a schedule environment that names a contract variable (the scheduler sets those per run)."""
    for name in sorted(environment):
        if name in CONTRACT_VARIABLES:
            raise ConfigurationError(
                f"environment variable {name} (set to {environment[name]!r}): it is part of the job "
                "contract, which the scheduler sets for every execution; expected a variable outside it"
            )


@dataclass(frozen=True)
class InputAttributes:
    """Where a record's features, inference and probability are (SageMaker's EndpointInput attributes)."""

    features_attribute: str | None = None
    inference_attribute: str | None = None
    probability_attribute: str | None = None
    probability_threshold_attribute: float | None = None
    exclude_features_attribute: str | None = None

    def to_env(self) -> dict[str, str]:
        """SageMaker's container variables of the attributes that are set."""
        return {f.name: str(getattr(self, f.name)) for f in fields(self) if getattr(self, f.name) is not None}

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> InputAttributes:
        """The attributes ``to_env`` wrote (``probability_threshold_attribute`` must be a number)."""
        threshold = env.get("probability_threshold_attribute") or None
        try:
            value = None if threshold is None else float(threshold)
        except ValueError:
            raise ConfigurationError(
                f"environment variable probability_threshold_attribute: got {threshold!r}, expected a number"
            ) from None
        return cls(
            features_attribute=env.get("features_attribute") or None,
            inference_attribute=env.get("inference_attribute") or None,
            probability_attribute=env.get("probability_attribute") or None,
            probability_threshold_attribute=value,
            exclude_features_attribute=env.get("exclude_features_attribute") or None,
        )

    @property
    def is_empty(self) -> bool:
        return not self.to_env()


@dataclass(frozen=True)
class JobDefinition:
    """One schedule's job. Offsets are SageMaker's ISO 8601 strings, kept as the user wrote them."""

    input_kind: InputKind
    output_uri: str
    endpoint_name: str | None = None
    capture_uri: str | None = None
    dataset_format: dict[str, Any] | None = None
    start_time_offset: str | None = None
    end_time_offset: str | None = None
    data_analysis_start_time: str | None = None
    data_analysis_end_time: str | None = None
    baseline_statistics: str | None = None
    baseline_constraints: str | None = None
    record_preprocessor_script: str | None = None
    post_analytics_processor_script: str | None = None
    publish_cloudwatch_metrics: bool = True
    max_runtime_seconds: int = DEFAULT_MAX_RUNTIME_SECONDS
    command: tuple[str, ...] | None = None
    arguments: tuple[str, ...] = ()
    environment: dict[str, str] = field(default_factory=dict)
    monitoring_type: MonitoringType = MonitoringType.DATA_QUALITY
    attributes: InputAttributes = field(default_factory=InputAttributes)
    # Model quality (SageMaker's GroundTruthS3Input.S3Uri and ModelQualityAppSpecification.ProblemType).
    ground_truth_uri: str | None = None
    problem_type: ProblemType | None = None
    # Model bias / explainability (SageMaker's Model{Bias,Explainability}AppSpecification.ConfigUri): the
    # Clarify analysis_config.json, copied under the home when the schedule is created.
    analysis_config_uri: str | None = None
    engine: EngineChoice = field(default_factory=EngineChoice)
    # Ours: each execution also writes report.html beside its statistics (docs/reports.md).
    html_report: bool = False
    # A custom monitor's container image (SDK ``ModelMonitor(image_uri=...)``); ``command`` is then its
    # entrypoint, if given. The input's and the output's local paths (SDK ``EndpointInput(destination=)``,
    # ``MonitoringOutput(source=)``): None is SageMaker's default (formats.processing_job_config).
    image_uri: str | None = None
    input_destination: str | None = None
    output_source: str | None = None

    def __post_init__(self) -> None:
        if self.input_kind == "endpoint" and not self.endpoint_name:
            raise ConfigurationError("an endpoint input needs endpoint_name")
        if self.input_kind == "batch_transform" and not self.capture_uri:
            raise ConfigurationError("a batch-transform input needs data_captured_destination_s3_uri")
        if not 1 <= self.max_runtime_seconds <= 86400:
            raise ConfigurationError(
                f"max_runtime_in_seconds: {self.max_runtime_seconds} is outside 1-86400 (SageMaker's range)"
            )
        if not isinstance(self.monitoring_type, MonitoringType):
            raise ConfigurationError(
                f"monitoring_type: got {self.monitoring_type!r}, expected one of "
                f"{', '.join(t.value for t in MonitoringType)}"
            )
        if self.dataset_format is not None and (
            len(self.dataset_format) != 1 or next(iter(self.dataset_format)) not in _DATASET_FORMATS
        ):
            raise ConfigurationError(
                f"dataset format {self.dataset_format!r}: expected one of {', '.join(_DATASET_FORMATS)}"
            )
        if self.problem_type is not None and self.problem_type not in PROBLEM_TYPES:
            raise ConfigurationError(
                f"problem_type: got {self.problem_type!r}, expected one of {', '.join(PROBLEM_TYPES)}"
            )
        check_schedule_environment(self.environment)
        if self.is_custom and self.engine.kind != "local":
            raise ConfigurationError(
                f"engine {self.engine.kind!r} with a custom monitor command: the engine is the built-in "
                "job's; a custom monitor runs its own code (expected no engine with --command)"
            )
        if self.html_report and (self.is_custom or self.monitoring_type != MonitoringType.DATA_QUALITY):
            raise ConfigurationError(
                "html_report: the built-in DataQuality job writes report.html; got "
                + (
                    f"a custom monitor command {self.command[0]!r}"
                    if self.command
                    else f"a custom monitor image {self.image_uri!r}"
                    if self.image_uri
                    else self.monitoring_type.value
                )
                + " (expected no --html-report with it)"
            )
        if self.image_uri is not None and not self.image_uri.strip():
            raise ConfigurationError("image_uri: got an empty name, expected a container image")
        # Stored absolute (frozen: set once, here), so the stored definition says where the files are.
        if self.input_destination is not None:
            path = check_container_path(self.input_destination, "input destination (LocalPath)")
            object.__setattr__(self, "input_destination", path)
        if self.output_source is not None:
            path = check_container_path(self.output_source, "output source (LocalPath)")
            object.__setattr__(self, "output_source", path)
        if self.is_custom:
            check_separate_paths(
                self.input_destination or DEFAULT_INPUT_DESTINATION,
                self.output_source or DEFAULT_OUTPUT_SOURCE,
            )

    @property
    def is_custom(self) -> bool:
        """A custom monitor (a command, or a container image) rather than the built-in job."""
        return self.command is not None or self.image_uri is not None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["command"] = list(self.command) if self.command is not None else None
        data["arguments"] = list(self.arguments)
        data["monitoring_type"] = self.monitoring_type.value
        data["engine"] = self.engine.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JobDefinition:
        values = dict(data)
        if values.get("command") is not None:
            values["command"] = tuple(values["command"])
        values["arguments"] = tuple(values.get("arguments") or ())
        kind = values.get("monitoring_type", MonitoringType.DATA_QUALITY)
        try:
            values["monitoring_type"] = MonitoringType(kind)
        except ValueError as exc:
            raise ConfigurationError(
                f"monitoring_type: got {kind!r}, expected one of {', '.join(t.value for t in MonitoringType)}"
            ) from exc
        attributes = values.get("attributes") or {}
        if not isinstance(attributes, InputAttributes):
            known_attributes = {f.name for f in fields(InputAttributes)}
            values["attributes"] = InputAttributes(
                **{k: v for k, v in attributes.items() if k in known_attributes}
            )
        if not isinstance(values.get("engine"), EngineChoice):
            values["engine"] = EngineChoice.from_dict(values.get("engine"))
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})
