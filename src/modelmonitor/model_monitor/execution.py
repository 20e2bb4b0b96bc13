"""``MonitoringExecution``: one execution of a schedule, with its result files.

The SDK's accessors: docs/sagemaker.md#schedules-and-results-in-the-sdk.
"""

from __future__ import annotations

from typing import Any

from modelmonitor.errors import NotFoundError
from modelmonitor.model_monitor.monitoring_files import ConstraintViolations, Statistics
from modelmonitor.model_monitor.processing import (
    OUTPUT_LOCAL_PATH,
    ProcessingOutput,
    describe_processing_job,
    execution_job_name,
    processing_job_arn,
    schedule_arn,
)
from modelmonitor.model_monitor.session import Session, session_of
from modelmonitor.service import Execution

__all__ = ["MonitoringExecution", "execution_summary"]


def execution_summary(execution: Execution) -> dict[str, Any]:
    """A ``MonitoringExecutionSummary`` (SageMaker's keys), plus where the outputs and log are."""
    summary: dict[str, Any] = {
        "MonitoringScheduleName": execution.schedule_name,
        "ScheduledTime": execution.scheduled_time,
        "CreationTime": execution.created_at,
        "LastModifiedTime": execution.modified_at,
        "MonitoringExecutionStatus": execution.status,
        "ProcessingJobArn": processing_job_arn(execution_job_name(execution.id)),
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
    """An execution as the SDK's ``MonitoringExecution`` (a processing job): ``wait``, ``describe``,
    ``output.destination``, ``statistics()`` and ``constraint_violations()`` through the session's service."""

    def __init__(self, execution: Execution, sagemaker_session: Session | None = None) -> None:
        self.execution = execution
        self.sagemaker_session = session_of(sagemaker_session)
        self.job_name = execution_job_name(execution.id)
        self.inputs: list[Any] = []
        self._set(execution)

    def _set(self, execution: Execution) -> None:
        # A pending execution has no output yet: it is known once the scheduler started it.
        self.execution = execution
        self.destination = execution.output_uri
        self.output = ProcessingOutput(
            source=OUTPUT_LOCAL_PATH, destination=execution.output_uri, output_name="monitoring_output"
        )
        self.outputs = [self.output]

    def _refresh(self) -> Execution:
        self._set(self.sagemaker_session.service.describe_execution(self.execution.id))
        return self.execution

    def describe(self) -> dict[str, Any]:
        """``DescribeProcessingJob``'s response, read now (``ProcessingJobStatus``, ``ExitMessage``, ...).

        ``MonitoringExecutionStatus`` is added (ours): it tells ``CompletedWithViolations`` apart.
        """
        execution = self._refresh()
        return describe_processing_job(
            self.job_name,
            execution.status,
            self.output,
            created=execution.created_at,
            modified=execution.modified_at,
            exit_message=execution.exit_message,
            failure_reason=execution.failure_reason,
            extra={
                "MonitoringScheduleArn": schedule_arn(execution.schedule_name),
                "MonitoringExecutionStatus": execution.status,
            },
        )

    def wait(self, logs: bool = True) -> None:
        """Block until the execution has ended; with ``logs``, print its log then (as the SDK prints it)."""
        self._set(self.sagemaker_session.service.wait_for_execution(self.execution.id))
        if logs:
            try:
                print(self.sagemaker_session.service.execution_log(self.execution.id), end="")
            except NotFoundError as exc:
                print(exc)

    def stop(self) -> None:
        """Ask for the execution to stop (``Stopping``, then ``Stopped``)."""
        self._set(self.sagemaker_session.service.stop_execution(self.execution.id))

    def statistics(self, file_name: str = "statistics.json", kms_key: str | None = None) -> Statistics:
        uri, text = self.sagemaker_session.service.read_execution_output(self.execution.id, file_name)
        return Statistics.from_text(text, uri, kms_key, self.sagemaker_session)

    def constraint_violations(
        self, file_name: str = "constraint_violations.json", kms_key: str | None = None
    ) -> ConstraintViolations:
        uri, text = self.sagemaker_session.service.read_execution_output(self.execution.id, file_name)
        return ConstraintViolations.from_text(text, uri, kms_key, self.sagemaker_session)
