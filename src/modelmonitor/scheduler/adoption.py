"""Taking over executions whose owner died: which ones, the compare-and-set, and how to watch them.

An execution is an orphan when its owner's lease has expired (``scheduler.ownership``), or when it has no
owner at all (started by a version without leases). ``Adoption.take`` makes this scheduler its owner — of
several schedulers trying at once, one wins — and ``Adoption.watch`` gives the ``RunningExecution`` that
finishes it: its process when it still runs on this host, otherwise the exit message and exit status it
left (docs/scheduling.md#reliability).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from modelmonitor.dataset.window import format_time
from modelmonitor.errors import ModelMonitorError
from modelmonitor.formats.job_definition import DEFAULT_MAX_RUNTIME_SECONDS, JobDefinition
from modelmonitor.formats.statuses import UNFINISHED_STATUSES
from modelmonitor.scheduler.ownership import LeaseKeeper
from modelmonitor.scheduler.worker import ExecutionPaths, RunningExecution
from modelmonitor.storage.catalog import Catalog, Execution

__all__ = ["Adoption", "lease_expired", "ownerless"]


def lease_expired(execution: Execution, lease_now: datetime) -> bool:
    return execution.lease_expires_at is None or execution.lease_expires_at < lease_now


def ownerless(execution: Execution) -> str:
    """Why an execution has no live owner, for its failure reason and the log."""
    if execution.owner is None or execution.lease_expires_at is None:
        return "no scheduler owned it (it was started by an earlier version)"
    return (
        f"its owner {execution.owner} stopped renewing its lease "
        f"(expired at {format_time(execution.lease_expires_at)})"
    )


class Adoption:
    """Orphans of the catalog, taken over for ``leases.owner``."""

    def __init__(self, catalog: Catalog, leases: LeaseKeeper) -> None:
        self.catalog = catalog
        self.leases = leases

    def orphans(self) -> list[Execution]:
        """The unfinished executions whose lease has expired (or that never had an owner)."""
        lease_now = self.leases.now()
        unfinished = self.catalog.list_executions(statuses=UNFINISHED_STATUSES)
        return [execution for execution in unfinished if lease_expired(execution, lease_now)]

    def take(self, execution: Execution) -> bool:
        """Become the owner of an orphan (and renew its lease from now on); False if it is not one."""
        lease_now = self.leases.now()
        if not lease_expired(execution, lease_now):
            return False
        if not self.catalog.take_over(
            execution.id,
            previous_owner=execution.owner,
            owner=self.leases.owner.id,
            lease_now=lease_now,
            expires_at=self.leases.expiry(),
        ):
            return False
        self.leases.hold(execution.id)
        return True

    def watch(self, execution: Execution, because: str) -> RunningExecution | None:
        """What finishes a taken-over execution; None when it never started (it has no process or files)."""
        if execution.log_path is None:
            return None
        paths = ExecutionPaths(Path(execution.log_path).parent)
        here = execution.host in (None, self.leases.owner.host)
        if not here:
            because += (
                f"; its process on host {execution.host} cannot be checked from {self.leases.owner.host}"
            )
        return RunningExecution.adopt(
            execution.id,
            execution.pid if here else None,
            paths,
            execution.output_uri or str(paths.staging),
            self._max_runtime_seconds(execution.schedule_name),
            because,
        )

    def _max_runtime_seconds(self, schedule_name: str) -> int:
        try:
            definition = JobDefinition.from_dict(self.catalog.get_schedule(schedule_name).definition)
        except (ModelMonitorError, TypeError):
            return DEFAULT_MAX_RUNTIME_SECONDS  # a deleted or broken schedule: the default limit
        return definition.max_runtime_seconds
