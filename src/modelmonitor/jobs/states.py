"""Statuses of schedules and executions, SageMaker's names exactly (docs/sagemaker.md#statuses).

Schedule:  Pending → Scheduled ⇄ Stopped; Failed when it cannot run at all.
Execution: Pending → InProgress → Completed | CompletedWithViolations | Failed | Stopping → Stopped.
The catalog stores the plain string values; these enums are the closed sets code compares against.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["UNFINISHED_STATUSES", "ExecutionStatus", "ScheduleStatus", "is_terminal"]


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


_TERMINAL = frozenset(
    {
        ExecutionStatus.COMPLETED,
        ExecutionStatus.COMPLETED_WITH_VIOLATIONS,
        ExecutionStatus.FAILED,
        ExecutionStatus.STOPPED,
    }
)

# An execution in one of these may still run; a schedule's next execution waits for it.
UNFINISHED_STATUSES = (ExecutionStatus.PENDING, ExecutionStatus.IN_PROGRESS, ExecutionStatus.STOPPING)


def is_terminal(status: str) -> bool:
    """True when an execution with this status has ended (it will not change any more)."""
    return status in _TERMINAL
