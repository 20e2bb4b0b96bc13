"""Request bodies of the REST API (pydantic): unknown fields are refused, every message names its field.

``JobDefinitionBody`` is ``formats.job_definition.JobDefinition`` as JSON (its ``to_dict()`` shape), so
the SDK's HTTP session sends exactly what the local service would be given.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from modelmonitor.formats.job_definition import DEFAULT_MAX_RUNTIME_SECONDS, JobDefinition

__all__ = [
    "BaselineRequest",
    "EndpointRequest",
    "JobDefinitionBody",
    "RunNowRequest",
    "ScheduleRequest",
    "ScheduleUpdateRequest",
    "TokenRequest",
]

_NAME = Field(min_length=1, max_length=63, pattern=r"^[A-Za-z0-9_-]+$")
_TEXT = Field(default=None, max_length=4096)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class InputAttributesBody(_Body):
    features_attribute: str | None = _TEXT
    inference_attribute: str | None = _TEXT
    probability_attribute: str | None = _TEXT
    probability_threshold_attribute: float | None = None
    exclude_features_attribute: str | None = _TEXT


class JobDefinitionBody(_Body):
    input_kind: Literal["endpoint", "batch_transform"]
    output_uri: str | None = Field(
        default=None, max_length=4096, description="Default: the server's home/monitoring/{schedule}/results"
    )
    endpoint_name: str | None = _TEXT
    capture_uri: str | None = _TEXT
    dataset_format: dict[str, Any] | None = None
    start_time_offset: str | None = Field(default=None, max_length=64)
    end_time_offset: str | None = Field(default=None, max_length=64)
    data_analysis_start_time: str | None = Field(default=None, max_length=64)
    data_analysis_end_time: str | None = Field(default=None, max_length=64)
    baseline_statistics: str | None = _TEXT
    baseline_constraints: str | None = _TEXT
    record_preprocessor_script: str | None = _TEXT
    post_analytics_processor_script: str | None = _TEXT
    publish_cloudwatch_metrics: bool = True
    max_runtime_seconds: int = Field(default=DEFAULT_MAX_RUNTIME_SECONDS, ge=1, le=86400)
    command: list[str] | None = Field(default=None, max_length=256)
    arguments: list[str] = Field(default_factory=list, max_length=256)
    environment: dict[str, str] = Field(default_factory=dict)
    monitoring_type: Literal["DataQuality", "ModelQuality", "ModelBias", "ModelExplainability"] = (
        "DataQuality"
    )
    attributes: InputAttributesBody = Field(default_factory=InputAttributesBody)

    def to_definition(self, default_output_uri: str) -> JobDefinition:
        values = self.model_dump()
        values["output_uri"] = self.output_uri or default_output_uri
        return JobDefinition.from_dict(values)


class ScheduleRequest(_Body):
    name: str = _NAME
    expression: str | None = Field(
        default=None,
        max_length=256,
        description="cron(...), NOW or 5-field cron; default daily at 00:00 UTC (SageMaker's SDK)",
    )
    definition: JobDefinitionBody


class ScheduleUpdateRequest(_Body):
    """Parts left out keep their values; ``definition`` replaces the whole job definition."""

    expression: str | None = Field(default=None, max_length=256)
    definition: JobDefinitionBody | None = None


class RunNowRequest(_Body):
    start_offset: str | None = Field(default=None, max_length=64, description="e.g. -PT3H")
    end_offset: str | None = Field(default=None, max_length=64, description="e.g. -PT0H")


class EndpointRequest(_Body):
    name: str = _NAME
    capture_destination: str = Field(min_length=1, max_length=4096)
    variants: list[str] = Field(default_factory=lambda: ["AllTraffic"], min_length=1, max_length=64)


class BaselineRequest(_Body):
    name: str = _NAME
    dataset_uri: str = Field(min_length=1, max_length=4096)
    dataset_format: dict[str, Any] = Field(
        description='SageMaker\'s dataset_format, e.g. {"csv": {"header": true}}, {"json": {"lines": true}}'
    )
    output_uri: str | None = Field(
        default=None, max_length=4096, description="Default: the server's home/baselining/{name}/results"
    )


class TokenRequest(_Body):
    role: Literal["viewer", "operator", "admin"]
    name: str | None = Field(default=None, min_length=1, max_length=63, pattern=r"^[A-Za-z0-9_-]+$")
