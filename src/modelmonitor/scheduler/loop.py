"""The scheduler loop: due slots → executions (one process each); finished ones → catalog, metrics, alerts.

Rules (docs/sagemaker.md#monitoring-schedules, issue #4):
- A cron schedule's slots are the cron times after its anchor (creation, then the last slot run). When
  several slots are due at once (the daemon was down, or a run overran), the earlier ones are reported as
  missed and only the latest runs — once, not once per missed slot. A ``NOW`` schedule runs once, at its
  creation time.
- No two executions of one schedule overlap: a due slot waits while the previous execution runs.
- Claiming a slot is a compare-and-set in the catalog, so a slot never runs twice.
- On start, executions a previous daemon left Pending/InProgress are marked Failed with the reason (their
  processes, if still alive, are killed); one daemon per home directory (a lock file).
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO

from sqlalchemy.exc import SQLAlchemyError

from modelmonitor.dataset.window import format_time
from modelmonitor.errors import ConflictError, ModelMonitorError, NotFoundError
from modelmonitor.jobs.definition import JobDefinition
from modelmonitor.jobs.states import UNFINISHED_STATUSES, ExecutionStatus, ScheduleStatus
from modelmonitor.outputs.alerts import AlertDispatcher
from modelmonitor.outputs.metrics import MetricsExporter, read_cloudwatch_metrics
from modelmonitor.scheduler.clock import Clock
from modelmonitor.scheduler.cron import next_run, parse_expression, runs_between
from modelmonitor.scheduler.worker import (
    ExecutionPaths,
    Outcome,
    RunningExecution,
    kill_orphan,
    start_execution,
)
from modelmonitor.storage.catalog import Catalog, Execution, Schedule

__all__ = ["Scheduler", "TickReport"]

logger = logging.getLogger("modelmonitor.scheduler")

_ACTIVE = {ScheduleStatus.PENDING, ScheduleStatus.SCHEDULED}


@dataclass
class TickReport:
    started: list[int] = field(default_factory=list)
    finished: list[tuple[int, str]] = field(default_factory=list)
    missed: dict[str, list[datetime]] = field(default_factory=dict)


class Scheduler:
    """Runs schedules from the catalog on an injected clock. ``run`` loops; ``tick`` is one pass."""

    def __init__(
        self,
        catalog: Catalog,
        home: Path,
        clock: Clock,
        *,
        exporter: MetricsExporter | None = None,
        alerts: AlertDispatcher | None = None,
        poll_seconds: float = 1.0,
        max_idle_seconds: float = 60.0,
    ) -> None:
        self.catalog = catalog
        self.home = home
        self.clock = clock
        self.exporter = exporter or MetricsExporter()
        self.alerts = alerts
        self.poll_seconds = poll_seconds
        self.max_idle_seconds = max_idle_seconds
        self.running: dict[str, RunningExecution] = {}
        self.missed_total: dict[str, int] = {}
        self._lock_file: IO[str] | None = None

    # -- start-up -----------------------------------------------------------------------------------

    def acquire_lock(self) -> None:
        """One scheduler per home: a second one would fail the first one's executions on start-up."""
        self.home.mkdir(parents=True, exist_ok=True)
        handle = (self.home / "scheduler.lock").open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            handle.close()
            raise ConflictError(f"another scheduler is running with home {self.home}") from exc
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._lock_file = handle

    def release_lock(self) -> None:
        if self._lock_file is not None:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None

    def recover(self) -> list[int]:
        """Fail the executions a previous scheduler left unfinished; return their ids."""
        now = self.clock.now()
        recovered = []
        for execution in self.catalog.list_executions(statuses=UNFINISHED_STATUSES):
            if execution.schedule_name in self.running:
                continue
            killed = execution.pid is not None and kill_orphan(execution.pid, execution.id)
            reason = (
                f"the scheduler stopped while this execution was {execution.status} "
                f"(noticed when it restarted at {format_time(now)})"
                + ("; its process was still running and was killed" if killed else "")
                + "; it will not be retried, the next scheduled run proceeds as usual"
            )
            status = (
                ExecutionStatus.STOPPED
                if execution.status == ExecutionStatus.STOPPING
                else ExecutionStatus.FAILED
            )
            self.catalog.update_execution(execution.id, now, status=str(status), failure_reason=reason)
            self.exporter.record_execution(
                execution.endpoint_name, execution.schedule_name, str(status), None
            )
            logger.warning("execution %s of %s: %s", execution.id, execution.schedule_name, reason)
            recovered.append(execution.id)
        return recovered

    def prime_metrics(self) -> None:
        """Load each schedule's latest finished execution into the gauges, so /metrics is whole at start."""
        finished = [
            str(s)
            for s in (
                ExecutionStatus.COMPLETED,
                ExecutionStatus.COMPLETED_WITH_VIOLATIONS,
                ExecutionStatus.FAILED,
                ExecutionStatus.STOPPED,
            )
        ]
        for schedule in self.catalog.list_schedules():
            latest = self.catalog.list_executions(
                schedule_name=schedule.name, statuses=finished, newest_first=True, limit=1
            )
            if not latest:
                continue
            execution = latest[0]
            points, _ = read_cloudwatch_metrics(
                ExecutionPaths(self.home / "executions" / str(execution.id)).metrics
            )
            self.exporter.record_points(points, execution.endpoint_name, execution.schedule_name)
            self.exporter.record_execution(
                execution.endpoint_name, execution.schedule_name, execution.status, execution.violation_count
            )

    # -- one pass -----------------------------------------------------------------------------------

    def tick(self) -> TickReport:
        report = TickReport()
        self._collect(report)
        for schedule in self.catalog.list_schedules():
            if schedule.status in _ACTIVE:
                self._maybe_start(schedule, report)
        return report

    def _collect(self, report: TickReport) -> None:
        for name, running in list(self.running.items()):
            outcome: Outcome | None
            current = self.catalog.get_execution(running.execution_id)
            if current.status == ExecutionStatus.STOPPING:
                outcome = running.stop("stopped on request (modelmonitor executions stop)")
            else:
                outcome = running.poll()
            if outcome is None:
                continue
            del self.running[name]
            self.finalize(running, outcome)
            report.finished.append((running.execution_id, str(outcome.status)))

    def add_pending_execution(self, schedule: Schedule, scheduled_time: datetime, now: datetime) -> Execution:
        """The catalog row of an execution about to start (also used by ``run-now``)."""
        return self.catalog.add_execution(
            schedule_name=schedule.name,
            endpoint_name=schedule.endpoint_name,
            monitoring_type=schedule.monitoring_type,
            scheduled_time=scheduled_time,
            status=str(ExecutionStatus.PENDING),
            now=now,
        )

    def mark_started(self, execution_id: int, now: datetime, running: RunningExecution) -> None:
        """Record a started process (pid, output, log) so a restarted scheduler can find it."""
        self.catalog.update_execution(
            execution_id,
            now,
            status=str(ExecutionStatus.IN_PROGRESS),
            pid=running.pid,
            output_uri=running.output_uri,
            log_path=str(running.paths.log),
        )

    def finalize(self, running: RunningExecution, outcome: Outcome) -> None:
        now = self.clock.now()
        execution = self.catalog.update_execution(
            running.execution_id,
            now,
            status=str(outcome.status),
            failure_reason=outcome.failure_reason,
            exit_message=outcome.exit_message,
            violation_count=outcome.violation_count,
        )
        points, problems = read_cloudwatch_metrics(running.paths.metrics)
        for problem in problems:
            logger.warning("execution %s metrics: %s", execution.id, problem)
        self.exporter.record_points(points, execution.endpoint_name, execution.schedule_name)
        self.exporter.record_execution(
            execution.endpoint_name, execution.schedule_name, execution.status, outcome.violation_count
        )
        logger.info(
            "execution %s of %s at %s: %s%s",
            execution.id,
            execution.schedule_name,
            format_time(execution.scheduled_time),
            execution.status,
            f" ({execution.failure_reason})" if execution.failure_reason else "",
        )
        if self.alerts is not None:
            try:
                self.alerts.evaluate(execution.schedule_name, now)
            except ModelMonitorError as exc:
                logger.error("alerts of %s: %s", execution.schedule_name, exc)

    def _unfinished(self, schedule_name: str) -> bool:
        # An execution started elsewhere (``run-now`` in another process) also blocks the next slot.
        return bool(
            self.catalog.list_executions(schedule_name=schedule_name, statuses=UNFINISHED_STATUSES, limit=1)
        )

    def _due(self, schedule: Schedule, now: datetime) -> list[datetime]:
        expression = parse_expression(schedule.expression)
        if expression.is_one_time:
            return [schedule.created_at] if schedule.last_slot is None and schedule.created_at <= now else []
        anchor = schedule.last_slot or schedule.created_at
        return runs_between(expression, anchor, now)

    def _maybe_start(self, schedule: Schedule, report: TickReport) -> None:
        now = self.clock.now()
        if schedule.status == ScheduleStatus.PENDING:
            schedule = self.catalog.update_schedule(schedule.name, now, status=str(ScheduleStatus.SCHEDULED))
        if schedule.name in self.running or self._unfinished(schedule.name):
            return
        due = self._due(schedule, now)
        if not due:
            return
        slot = due[-1]
        if not self.catalog.claim_slot(schedule.name, schedule.last_slot, slot, now):
            return
        if len(due) > 1:
            missed = due[:-1]
            report.missed[schedule.name] = missed
            self.missed_total[schedule.name] = self.missed_total.get(schedule.name, 0) + len(missed)
            self.exporter.missed_slots.labels(monitoring_schedule=schedule.name).set(
                self.missed_total[schedule.name]
            )
            logger.warning(
                "schedule %s: %d run(s) missed (%s ... %s); running only the latest slot %s",
                schedule.name,
                len(missed),
                format_time(missed[0]),
                format_time(missed[-1]),
                format_time(slot),
            )
        self._start(schedule, slot, report)

    def _start(self, schedule: Schedule, slot: datetime, report: TickReport) -> None:
        now = self.clock.now()
        try:
            definition = JobDefinition.from_dict(schedule.definition)
        except (ModelMonitorError, TypeError) as exc:
            # A definition that no longer validates cannot run at any slot: the schedule itself fails.
            reason = f"the monitoring job definition is invalid: {exc}"
            self.catalog.update_schedule(
                schedule.name, now, status=str(ScheduleStatus.FAILED), failure_reason=reason
            )
            logger.error("schedule %s: %s", schedule.name, reason)
            return
        execution = self.add_pending_execution(schedule, slot, now)
        try:
            capture_uri = None
            if definition.input_kind == "endpoint":
                assert definition.endpoint_name is not None
                try:
                    capture_uri = self.catalog.get_endpoint(definition.endpoint_name).capture_destination
                except NotFoundError as exc:
                    raise NotFoundError(
                        f"endpoint {definition.endpoint_name!r} is not registered, so its captured data "
                        "cannot be found; start its capture proxy or run 'modelmonitor endpoint register'"
                    ) from exc
            running = start_execution(
                execution_id=execution.id,
                definition=definition,
                schedule_name=schedule.name,
                scheduled_time=slot,
                capture_uri=capture_uri,
                home=self.home,
            )
        except (ModelMonitorError, OSError) as exc:
            self.catalog.update_execution(
                execution.id, now, status=str(ExecutionStatus.FAILED), failure_reason=str(exc)
            )
            self.exporter.record_execution(schedule.endpoint_name, schedule.name, "Failed", None)
            logger.error("execution %s of %s could not start: %s", execution.id, schedule.name, exc)
            report.finished.append((execution.id, str(ExecutionStatus.FAILED)))
            return
        self.mark_started(execution.id, now, running)
        self.running[schedule.name] = running
        report.started.append(execution.id)

    # -- the loop -----------------------------------------------------------------------------------

    def _sleep_seconds(self) -> float:
        if self.running:
            return self.poll_seconds
        now = self.clock.now()
        wake = now + timedelta(seconds=self.max_idle_seconds)
        for schedule in self.catalog.list_schedules():
            if schedule.status not in _ACTIVE:
                continue
            expression = parse_expression(schedule.expression)
            if expression.is_one_time:
                if schedule.last_slot is None:
                    wake = min(wake, schedule.created_at)
                continue
            upcoming = next_run(expression, schedule.last_slot or schedule.created_at)
            if upcoming is not None:
                wake = min(wake, upcoming)
        return max(0.0, (wake - now).total_seconds())

    def run(self, *, until: datetime | None = None, stop: threading.Event | None = None) -> None:
        """Loop until ``stop`` is set, or the clock passes ``until`` with nothing running."""
        self.recover()
        self.prime_metrics()
        while not (stop is not None and stop.is_set()):
            try:
                self.tick()
            except (SQLAlchemyError, ModelMonitorError, OSError):
                # A catalog or disk hiccup must not end the daemon; the next pass retries.
                logger.exception("scheduler pass failed; retrying after %.1f s", self.poll_seconds)
            if until is not None and self.clock.now() >= until and not self.running:
                break
            pause = self._sleep_seconds()
            if until is not None and not self.running:
                pause = min(pause, max(0.0, (until - self.clock.now()).total_seconds()) + 0.001)
            self.clock.sleep(pause)

    def shutdown(self, reason: str = "the scheduler was shut down") -> None:
        """Stop the running executions (Stopped, with ``reason``)."""
        for name, running in list(self.running.items()):
            outcome = running.stop(reason)
            del self.running[name]
            self.finalize(running, outcome)
