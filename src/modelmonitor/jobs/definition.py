"""What a schedule runs: its monitoring job definition (SageMaker's MonitoringJobDefinition, in our words).

Stored as JSON in the catalog; ``to_dict``/``from_dict`` are the only (de)serialisation. The command is the
built-in data-quality job unless ``command`` is set: then it is a custom monitor ("bring your own
container") given the same environment contract.
"""

from __future__ import annotations

import os
import sys
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from modelmonitor.dataset.window import AnalysisWindow, check_offsets, parse_offset
from modelmonitor.errors import ConfigurationError
from modelmonitor.jobs.contract import check_schedule_environment
from modelmonitor.storage.objects import absolute_location

__all__ = ["BUILTIN_COMMAND", "DEFAULT_MAX_RUNTIME_SECONDS", "InputKind", "JobDefinition"]

DEFAULT_MAX_RUNTIME_SECONDS = 3600
BUILTIN_COMMAND = ("{python}", "-m", "modelmonitor.jobs.monitoring")
InputKind = Literal["endpoint", "batch_transform"]


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
    monitoring_type: str = "DataQuality"

    def __post_init__(self) -> None:
        if self.input_kind == "endpoint" and not self.endpoint_name:
            raise ConfigurationError("an endpoint input needs endpoint_name")
        if self.input_kind == "batch_transform" and not self.capture_uri:
            raise ConfigurationError("a batch-transform input needs data_captured_destination_s3_uri")
        if not 1 <= self.max_runtime_seconds <= 86400:
            raise ConfigurationError(
                f"max_runtime_in_seconds: {self.max_runtime_seconds} is outside 1-86400 (SageMaker's range)"
            )
        check_schedule_environment(self.environment)
        self.offsets()  # validates the offsets and their order at creation

    def offsets(self) -> tuple[timedelta | None, timedelta | None]:
        """(start, end) offsets: the schedule's data-analysis times win over the input's offsets."""
        start_text = self.data_analysis_start_time or self.start_time_offset
        end_text = self.data_analysis_end_time or self.end_time_offset
        start = parse_offset(start_text, field="start offset") if start_text else None
        end = parse_offset(end_text, field="end offset") if end_text else None
        if start is not None or end is not None:
            check_offsets(
                start if start is not None else timedelta(hours=-1), end if end is not None else timedelta(0)
            )
        return start, end

    def window(self, scheduled: datetime) -> AnalysisWindow:
        start, end = self.offsets()
        return AnalysisWindow.for_run(scheduled, start, end)

    def argv(self) -> list[str]:
        base = self.command or BUILTIN_COMMAND
        return [sys.executable if part == "{python}" else part for part in base] + list(self.arguments)

    def with_absolute_locations(self) -> JobDefinition:
        """Every local path made absolute, as where the definition is accepted: the job runs elsewhere.

        A custom command given as a relative path (``./monitor.sh``, ``bin/check``) is resolved too; a bare
        program name (``python3``) is left for ``PATH`` to find.
        """
        command = self.command
        if command and os.sep in command[0] and not os.path.isabs(command[0]):
            command = (os.path.abspath(command[0]), *command[1:])
        return replace(
            self,
            output_uri=absolute_location(self.output_uri),
            capture_uri=_absolute_or_none(self.capture_uri),
            baseline_statistics=_absolute_or_none(self.baseline_statistics),
            baseline_constraints=_absolute_or_none(self.baseline_constraints),
            record_preprocessor_script=_absolute_or_none(self.record_preprocessor_script),
            post_analytics_processor_script=_absolute_or_none(self.post_analytics_processor_script),
            command=command,
        )

    @property
    def is_custom(self) -> bool:
        return self.command is not None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["command"] = list(self.command) if self.command is not None else None
        data["arguments"] = list(self.arguments)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> JobDefinition:
        values = dict(data)
        if values.get("command") is not None:
            values["command"] = tuple(values["command"])
        values["arguments"] = tuple(values.get("arguments") or ())
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in values.items() if k in known})


def _absolute_or_none(uri: str | None) -> str | None:
    return absolute_location(uri) if uri else uri
