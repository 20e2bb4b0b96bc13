"""``MonitoringExecution``: one execution of a schedule, with its result files.

The SDK's accessors: docs/sagemaker.md#schedules-and-results-in-the-sdk.
"""

from __future__ import annotations

import logging
from typing import Any

from modelmonitor.errors import JobError, NotFoundError
from modelmonitor.formats.layout import join_uri
from modelmonitor.formats.statuses import ExecutionStatus
from modelmonitor.model_monitor.monitoring_files import ConstraintViolations, Statistics
from modelmonitor.storage.catalog import Execution

__all__ = ["MonitoringExecution", "execution_summary"]

_log = logging.getLogger(__name__)
_ARN = "arn:modelmonitor:local:000000000000:processing-job/{}"


def execution_summary(execution: Execution) -> dict[str, Any]:
    """A ``MonitoringExecutionSummary`` (SageMaker's keys), plus where the outputs and log are."""
    summary: dict[str, Any] = {
        "MonitoringScheduleName": execution.schedule_name,
        "ScheduledTime": execution.scheduled_time,
        "CreationTime": execution.created_at,
        "LastModifiedTime": execution.modified_at,
        "MonitoringExecutionStatus": execution.status,
        "ProcessingJobArn": _ARN.format(execution.id),
        "MonitoringType": execution.monitoring_type,
    }
    if execution.endpoint_name:
        summary["EndpointName"] = execution.endpoint_name
    if execution.failure_reason:
        summary["FailureReason"] = execution.failure_reason
    if execution.exit_message:
        summary["ExitMessage"] = execution.exit_message
    if execution.output_uri:
        summary["OutputUri"] = execution.output_uri
    return summary


class MonitoringExecution:
    """An execution; ``statistics()`` and ``constraint_violations()`` read ``{output}/{file_name}``."""

    def __init__(self, execution: Execution) -> None:
        self.execution = execution
        self.job_name = f"monitoring-execution-{execution.id}"
        self.destination = execution.output_uri

    def describe(self) -> dict[str, Any]:
        return execution_summary(self.execution)

    def _file(self, file_name: str) -> str:
        if self.destination is None:
            raise JobError(
                f"execution {self.execution.id} ({self.execution.status}) has no outputs: "
                f"{self.execution.failure_reason or 'it never started'}"
            )
        return join_uri(self.destination, file_name)

    def _load(self, kind: type[Statistics] | type[ConstraintViolations], file_name: str) -> Any:
        uri = self._file(file_name)
        try:
            return kind.from_s3_uri(uri)
        except NotFoundError as exc:
            if self.execution.status not in (
                ExecutionStatus.COMPLETED,
                ExecutionStatus.COMPLETED_WITH_VIOLATIONS,
            ):
                raise JobError(
                    f"execution {self.execution.id} is {self.execution.status}, and {uri} does not exist: "
                    f"{self.execution.failure_reason or ''}"
                ) from exc
            raise

    def statistics(self, file_name: str = "statistics.json", kms_key: str | None = None) -> Statistics:
        loaded: Statistics = self._load(Statistics, file_name)
        return loaded

    def constraint_violations(
        self, file_name: str = "constraint_violations.json", kms_key: str | None = None
    ) -> ConstraintViolations:
        loaded: ConstraintViolations = self._load(ConstraintViolations, file_name)
        return loaded
