"""What the SDK's ``ProcessingJob`` family shows: ``ProcessingOutput`` and ``DescribeProcessingJob``.

SageMaker runs each monitoring execution and each baselining job as a processing job, and notebooks read
their results through it: ``execution.output.destination``, ``execution.describe()["ProcessingJobStatus"]``,
``["ExitMessage"]``, ``["ProcessingOutputConfig"]["Outputs"][0]["S3Output"]["S3Uri"]``. A processing job
knows no ``CompletedWithViolations``: it is ``Completed`` and its exit message says the rest.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from modelmonitor.formats.processing_job_config import execution_job_name, processing_job_arn, schedule_arn
from modelmonitor.formats.statuses import ExecutionStatus

__all__ = [
    "OUTPUT_LOCAL_PATH",
    "ProcessingOutput",
    "describe_processing_job",
    "execution_job_name",
    "processing_job_arn",
    "processing_job_status",
    "schedule_arn",
]

OUTPUT_LOCAL_PATH = "/opt/ml/processing/output"

_PROCESSING_STATUS = {
    ExecutionStatus.PENDING: "InProgress",
    ExecutionStatus.IN_PROGRESS: "InProgress",
    ExecutionStatus.COMPLETED: "Completed",
    ExecutionStatus.COMPLETED_WITH_VIOLATIONS: "Completed",
    ExecutionStatus.FAILED: "Failed",
    ExecutionStatus.STOPPING: "Stopping",
    ExecutionStatus.STOPPED: "Stopped",
}


class ProcessingOutput:
    """The SDK's ``sagemaker.processing.ProcessingOutput``: ``destination`` is where the files are."""

    def __init__(
        self,
        source: str | None = None,
        destination: str | None = None,
        output_name: str | None = None,
        s3_upload_mode: str = "EndOfJob",
    ) -> None:
        self.source = source
        self.destination = destination
        self.output_name = output_name
        self.s3_upload_mode = s3_upload_mode

    def _to_request_dict(self) -> dict[str, Any]:
        return {
            "OutputName": self.output_name,
            "S3Output": {
                "S3Uri": self.destination,
                "LocalPath": self.source,
                "S3UploadMode": self.s3_upload_mode,
            },
        }

    def __repr__(self) -> str:
        return f"ProcessingOutput(destination={self.destination!r}, output_name={self.output_name!r})"


def processing_job_status(status: str) -> str:
    """A processing job's status for an execution status (``CompletedWithViolations`` is ``Completed``)."""
    return _PROCESSING_STATUS[ExecutionStatus(status)]


def describe_processing_job(
    job_name: str,
    status: str,
    output: ProcessingOutput,
    *,
    created: datetime | None = None,
    modified: datetime | None = None,
    exit_message: str | None = None,
    failure_reason: str | None = None,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """``DescribeProcessingJob``'s response with the keys a notebook reads (execution status given)."""
    described: dict[str, Any] = {
        "ProcessingJobName": job_name,
        "ProcessingJobArn": processing_job_arn(job_name),
        "ProcessingJobStatus": processing_job_status(status),
        "ProcessingOutputConfig": {"Outputs": [output._to_request_dict()]},
    }
    if created is not None:
        described["CreationTime"] = created
        described["ProcessingStartTime"] = created
    if modified is not None:
        described["LastModifiedTime"] = modified
        if described["ProcessingJobStatus"] in ("Completed", "Failed", "Stopped"):
            described["ProcessingEndTime"] = modified
    if exit_message:
        described["ExitMessage"] = exit_message
    if failure_reason:
        described["FailureReason"] = failure_reason
    described.update(extra or {})
    return described
