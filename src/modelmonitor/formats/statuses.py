"""Statuses of schedules and executions and the monitoring types, SageMaker's names exactly
(docs/sagemaker.md#statuses).

Schedule:  Pending → Scheduled ⇄ Stopped; Failed when it cannot run at all.
Execution: Pending → InProgress → Completed | CompletedWithViolations | Failed | Stopping → Stopped.
The catalog stores the plain string values; these enums are the closed sets every layer compares against,
so no layer spells a status or a monitoring type as a string of its own.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "FINISHED_STATUSES",
    "UNFINISHED_STATUSES",
    "ExecutionStatus",
    "MonitoringType",
    "ScheduleStatus",
    "is_terminal",
]


class MonitoringType(StrEnum):
    """What a schedule monitors (SageMaker's ``MonitoringType``)."""

    DATA_QUALITY = "DataQuality"
    MODEL_QUALITY = "ModelQuality"
    MODEL_BIAS = "ModelBias"
    MODEL_EXPLAINABILITY = "ModelExplainability"


class ScheduleStatus(StrEnum):
    PENDING = "Pending"
    SCHEDULED = "Scheduled"
    STOPPED = "Stopped"
    FAILED = "Failed"


class ExecutionStatus(StrEnum):
    PENDING = "Pending"
    IN_PROGRESS = "InProgress"
    COMPLETED = "Completed"
    COMPLETED_WITH_VIOLATIONS = "CompletedWithViolations"
    FAILED = "Failed"
    STOPPING = "Stopping"
    STOPPED = "Stopped"


# An execution in one of these has ended: it will not change any more.
FINISHED_STATUSES = (
    ExecutionStatus.COMPLETED,
    ExecutionStatus.COMPLETED_WITH_VIOLATIONS,
    ExecutionStatus.FAILED,
    ExecutionStatus.STOPPED,
)

# An execution in one of these may still run; a schedule's next execution waits for it.
UNFINISHED_STATUSES = (ExecutionStatus.PENDING, ExecutionStatus.IN_PROGRESS, ExecutionStatus.STOPPING)


def is_terminal(status: str) -> bool:
    """True when an execution with this status has ended (it will not change any more)."""
    return status in FINISHED_STATUSES
