"""Request bodies of the REST API (pydantic): unknown fields are refused, every message names its field.

``JobDefinitionBody`` is built from the fields of ``formats.job_definition.JobDefinition`` (its
``to_dict()`` shape as JSON), so the SDK's HTTP session sends exactly what the local service would be
given, and a field added to the definition is accepted here with no second list to keep.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, Literal, get_type_hints

from pydantic import BaseModel, ConfigDict, Field, create_model

from modelmonitor.formats.job_definition import JobDefinition

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


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _JobDefinitionModel(_Body):
    def to_definition(self, default_output_uri: str) -> JobDefinition:
        # Back to the JSON shape, then the one reader of a definition dict (the catalog's too).
        values = self.model_dump(mode="json", exclude_none=True)
        values["output_uri"] = values.get("output_uri") or default_output_uri
        return JobDefinition.from_dict(values)


def _job_definition_fields() -> dict[str, Any]:
    """The fields of ``JobDefinition`` as pydantic fields (in their ``to_dict()`` JSON shape), so the body
    follows the definition as it grows."""
    hints = get_type_hints(JobDefinition)
    result: dict[str, Any] = {}
    for item in dataclasses.fields(JobDefinition):
        if item.name == "output_uri":
            description = "Default: the server's home/monitoring/{schedule}/results"
            result[item.name] = (str | None, Field(default=None, description=description))
        elif dataclasses.is_dataclass(hints[item.name]):
            # A nested part (attributes, engine) has a JSON shape of its own (its to_dict): its from_dict,
            # called by JobDefinition.from_dict, reads and checks it.
            result[item.name] = (dict[str, Any] | None, None)
        elif item.default is not dataclasses.MISSING:
            result[item.name] = (hints[item.name], item.default)
        elif item.default_factory is not dataclasses.MISSING:
            result[item.name] = (hints[item.name], Field(default_factory=item.default_factory))
        else:
            result[item.name] = (hints[item.name], ...)
    return result


if TYPE_CHECKING:
    JobDefinitionBody = _JobDefinitionModel
else:
    JobDefinitionBody = create_model(
        "JobDefinitionBody", __base__=_JobDefinitionModel, **_job_definition_fields()
    )


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
