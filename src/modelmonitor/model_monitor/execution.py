"""``MonitoringExecution``: one execution of a schedule, with its result files.

The SDK's accessors: docs/sagemaker.md#schedules-and-results-in-the-sdk.
"""

from __future__ import annotations

from typing import Any

from modelmonitor.model_monitor.monitoring_files import ConstraintViolations, Statistics
from modelmonitor.model_monitor.session import LocalSession, session_of
from modelmonitor.service import Execution

__all__ = ["MonitoringExecution", "execution_summary"]

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
    """An execution; ``statistics()`` and ``constraint_violations()`` read ``{output}/{file_name}``
    through the session's service."""

    def __init__(self, execution: Execution, sagemaker_session: LocalSession | None = None) -> None:
        self.execution = execution
        self.sagemaker_session = session_of(sagemaker_session)
        self.job_name = f"monitoring-execution-{execution.id}"
        self.destination = execution.output_uri

    def describe(self) -> dict[str, Any]:
        return execution_summary(self.execution)

    def statistics(self, file_name: str = "statistics.json", kms_key: str | None = None) -> Statistics:
        uri, text = self.sagemaker_session.service.read_execution_output(self.execution.id, file_name)
        return Statistics.from_text(text, uri, kms_key, self.sagemaker_session)

    def constraint_violations(
        self, file_name: str = "constraint_violations.json", kms_key: str | None = None
    ) -> ConstraintViolations:
        uri, text = self.sagemaker_session.service.read_execution_output(self.execution.id, file_name)
        return ConstraintViolations.from_text(text, uri, kms_key, self.sagemaker_session)
