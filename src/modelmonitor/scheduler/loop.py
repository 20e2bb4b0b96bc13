"""The scheduler loop: due slots → executions (one process each); finished ones → catalog, metrics, alerts.

Rules (docs/sagemaker.md#monitoring-schedules, issue #4):
- A cron schedule's slots are the cron times after its anchor (creation, then the last slot run). When
  several slots are due at once (the daemon was down, or a run overran), the earlier ones are reported as
  missed and only the latest runs — once, not once per missed slot. A ``NOW`` schedule runs once, at its
  creation time.
- No two executions of one schedule overlap: a due slot waits while the previous execution runs.
- Claiming a slot is a compare-and-set in the catalog, so a slot never runs twice; the slots it skipped are
  added to the schedule's stored missed count in the same update.
- Every execution has an owner (this scheduler, or a ``run-now`` process) whose lease the owner renews
  (``scheduler.ownership``). On start and at every pass, the scheduler takes over the unfinished executions
  whose lease has expired — never a live owner's — and adopts them: a process still running on this host is
  watched to its end; one that ended is finished from its exit message and exit status, so a result it
  reached is kept (with metrics and alerts); otherwise it is Failed with the reason. One daemon per home
  directory (a lock file); several daemons with different homes may share one catalog.
- One bad row never stops the others: a schedule whose expression no longer parses is marked Failed with
  the reason; any other failure while handling one schedule, one finished execution or one alert is
  logged and counted (``modelmonitor_scheduler_errors_total``), and the pass goes on with the rest.
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
from modelmonitor.errors import ConflictError, ModelMonitorError, NotFoundError, ScheduleError
from modelmonitor.formats.job_definition import JobDefinition
from modelmonitor.formats.statuses import (
    FINISHED_STATUSES,
    UNFINISHED_STATUSES,
    ExecutionStatus,
    ScheduleStatus,
    is_terminal,
)
from modelmonitor.outputs.alerts import AlertDispatcher
from modelmonitor.outputs.metrics import MetricsExporter, read_cloudwatch_metrics
from modelmonitor.scheduler import feature_metrics
from modelmonitor.scheduler.adoption import Adoption, ownerless
from modelmonitor.scheduler.clock import Clock, SystemClock
from modelmonitor.scheduler.cron import next_run, parse_expression, runs_between
from modelmonitor.scheduler.ownership import DEFAULT_LEASE_SECONDS, LeaseKeeper, Owner
from modelmonitor.scheduler.worker import (
    ExecutionPaths,
    Outcome,
    RunningExecution,
    start_execution,
)
from modelmonitor.storage.catalog import Catalog, Execution, Schedule
from modelmonitor.storage.private import make_private_dirs, open_private

__all__ = ["Scheduler", "TickReport"]

logger = logging.getLogger("modelmonitor.scheduler")

_ACTIVE = {ScheduleStatus.PENDING, ScheduleStatus.SCHEDULED}


@dataclass
class TickReport:
    started: list[int] = field(default_factory=list)
    finished: list[tuple[int, str]] = field(default_factory=list)
    missed: dict[str, list[datetime]] = field(default_factory=dict)
    recovered: list[int] = field(default_factory=list)


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
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
        lease_clock: Clock | None = None,
    ) -> None:
        self.catalog = catalog
        self.home = home
        self.clock = clock
        self.exporter = exporter or MetricsExporter()
        self.alerts = alerts
        self.poll_seconds = poll_seconds
        self.max_idle_seconds = max_idle_seconds
        self.running: dict[str, RunningExecution] = {}
        self.owner = Owner.of_this_process()
        # Leases are real time (is the owner alive?), whatever clock the slots run on.
        self.leases = LeaseKeeper(catalog, self.owner, lease_seconds, lease_clock or SystemClock())
        self.adoption = Adoption(catalog, self.leases)
        self._lock_file: IO[str] | None = None
        self._logged_errors: set[tuple[str, str, str]] = set()

    # -- start-up -----------------------------------------------------------------------------------

    def acquire_lock(self) -> None:
        """One scheduler per home: a second one would fail the first one's executions on start-up."""
        make_private_dirs(self.home)
        handle = os.fdopen(open_private(self.home / "scheduler.lock", os.O_RDWR), "r+")
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
        """Take over the unfinished executions whose owner's lease has expired; return their ids.

        Only an expired lease is touched, so a live daemon's or ``run-now``'s executions never are. Of
        several schedulers sharing the catalog, one wins each take-over (a compare-and-set).
        """
        recovered = []
        for execution in self.adoption.orphans():
            # A schedule watched here already: ours (a renewal was late), or it has a run here.
            if execution.schedule_name in self.running or not self.adoption.take(execution):
                continue
            recovered.append(execution.id)
            try:
                self._adopt(execution)
            # The isolation boundary again; the lease is let go, so a later pass (or another daemon) retries.
            except Exception as exc:
                self.running.pop(execution.schedule_name, None)
                self.leases.release(execution.id)
                self._isolated(execution.schedule_name, "execution", exc)
        return recovered

    def _adopt(self, execution: Execution) -> None:
        """Watch a taken-over execution to its end (at once when its process is gone)."""
        because = f"{ownerless(execution)}; {self.owner.id} adopted it"
        self.exporter.record_recovered(execution.schedule_name)
        running = self.adoption.watch(execution, because)
        if running is None:
            reason = (
                f"{because}; the execution never started (its owner died before starting its process); "
                "it will not be retried, the next scheduled run proceeds as usual"
            )
            logger.warning("execution %s of %s: %s", execution.id, execution.schedule_name, reason)
            stopping = execution.status == ExecutionStatus.STOPPING
            status = ExecutionStatus.STOPPED if stopping else ExecutionStatus.FAILED
            self._finished(
                self.catalog.update_execution(
                    execution.id, self.clock.now(), status=str(status), failure_reason=reason
                )
            )
            return
        logger.warning(
            "execution %s of %s: %s; %s",
            execution.id,
            execution.schedule_name,
            running.adopted_because,
            "its process still runs and is watched here" if running.pid > 0 else "its process has ended",
        )
        self.running[execution.schedule_name] = running
        self._poll(execution.schedule_name)

    def prime_metrics(self) -> None:
        """Load each schedule's latest finished execution into the gauges, so /metrics is whole at start."""
        finished = [str(s) for s in FINISHED_STATUSES]
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
        for schedule in self.catalog.list_schedules():
            self.exporter.record_missed_slots(schedule.name, schedule.missed_slots)

    # -- one pass -----------------------------------------------------------------------------------

    def tick(self) -> TickReport:
        report = TickReport()
        self._collect(report)
        report.recovered = self.recover()
        schedules = self.catalog.list_schedules()
        # A deleted schedule's series would otherwise be exported for ever.
        self.exporter.keep_schedules({schedule.name for schedule in schedules})
        for schedule in schedules:
            if schedule.status not in _ACTIVE:
                continue
            try:
                self._maybe_start(schedule, report)
            except ScheduleError as exc:
                self._fail_schedule(schedule.name, f"the schedule expression is invalid: {exc}")
            # The isolation boundary of the daemon: whatever one schedule raises must not stop the others.
            except Exception as exc:
                self._isolated(schedule.name, "schedule", exc)
        return report

    def _fail_schedule(self, name: str, reason: str) -> None:
        """A schedule that cannot run at any slot: Failed with ``reason``, counted once."""
        self.catalog.update_schedule(
            name, self.clock.now(), status=str(ScheduleStatus.FAILED), failure_reason=reason
        )
        self.exporter.record_scheduler_error(name, "schedule")
        logger.error("schedule %s: %s", name, reason)

    def _isolated(self, schedule_name: str, stage: str, exc: Exception) -> None:
        """Count a failure kept to one schedule; its traceback is logged the first time it is seen."""
        self.exporter.record_scheduler_error(schedule_name, stage)
        key = (schedule_name, stage, repr(exc))
        if key in self._logged_errors:
            logger.error("schedule %s (%s): %r, again", schedule_name, stage, exc)
            return
        self._logged_errors.add(key)
        logger.error("schedule %s (%s) failed; the other schedules go on", schedule_name, stage, exc_info=exc)

    def _collect(self, report: TickReport) -> None:
        for name in list(self.running):
            try:
                ended = self._poll(name)
            # Same boundary as in ``tick``: one execution's bookkeeping must not stop the others.
            except Exception as exc:
                self._isolated(name, "execution", exc)
                continue
            if ended is not None:
                report.finished.append((ended.id, ended.status))

    def add_pending_execution(self, schedule: Schedule, scheduled_time: datetime, now: datetime) -> Execution:
        """The catalog row of an execution about to start, owned by this process under a lease."""
        execution = self.catalog.add_execution(
            schedule_name=schedule.name,
            endpoint_name=schedule.endpoint_name,
            monitoring_type=schedule.monitoring_type,
            scheduled_time=scheduled_time,
            status=str(ExecutionStatus.PENDING),
            now=now,
            owner=self.owner.id,
            host=self.owner.host,
            lease_expires_at=self.leases.expiry(),
        )
        self.leases.hold(execution.id)
        return execution

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

    def finalize(self, running: RunningExecution, outcome: Outcome) -> Execution:
        """Record a process's outcome: catalog, metrics from its files (the metric file's, and each
        feature's drift for metrics over time), alerts."""
        if running.adopted_because is not None:
            reached = outcome.exit_message is not None and outcome.failure_reason is None
            logger.warning(
                "execution %s taken over from a dead owner ended %s%s",
                running.execution_id,
                outcome.status,
                " (the result it reached is kept)" if reached else "",
            )
        execution = self.catalog.update_execution(
            running.execution_id,
            self.clock.now(),
            status=str(outcome.status),
            failure_reason=outcome.failure_reason,
            exit_message=outcome.exit_message,
            violation_count=outcome.violation_count,
        )
        points, problems = read_cloudwatch_metrics(running.paths.metrics)
        for problem in problems:
            logger.warning("execution %s metrics: %s", execution.id, problem)
        self.exporter.record_points(points, execution.endpoint_name, execution.schedule_name)
        # The per-feature numbers the dashboard draws over time, read from its files once, now.
        feature_metrics.record(self.catalog, execution, self.clock.now())
        return self._finished(execution)

    def _finished(self, execution: Execution) -> Execution:
        """What every ended execution gets, whether it ran or could not start: gauges, a log line, alerts."""
        self.leases.release(execution.id)
        self.exporter.record_execution(
            execution.endpoint_name, execution.schedule_name, execution.status, execution.violation_count
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
                notices = self.alerts.evaluate(execution.schedule_name, self.clock.now())
            # An alert is never worth an execution's record or the daemon.
            except Exception as exc:
                self._isolated(execution.schedule_name, "alert", exc)
                return execution
            for notice in notices:
                if notice.rule.webhook_url and not notice.delivered:
                    self.exporter.record_scheduler_error(execution.schedule_name, "alert")
        return execution

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
        slot, missed = due[-1], due[:-1]
        if not self.catalog.claim_slot(schedule.name, schedule.last_slot, slot, now, missed=len(missed)):
            return
        if missed:
            report.missed[schedule.name] = missed
            stored = self.catalog.get_schedule(schedule.name).missed_slots
            self.exporter.record_missed_slots(schedule.name, stored)
            logger.warning(
                "schedule %s: %d run(s) missed (%s ... %s); running only the latest slot %s",
                schedule.name,
                len(missed),
                format_time(missed[0]),
                format_time(missed[-1]),
                format_time(slot),
            )
        self._start(schedule, slot, report)

    def start(self, schedule: Schedule, slot: datetime, definition: JobDefinition | None = None) -> Execution:
        """Start one execution of ``schedule`` for ``slot``, without waiting for it: the one start path.

        Used by the daemon's ticks and by ``run-now`` (which may pass an overridden ``definition``).
        Returns the execution InProgress — its process watched by this scheduler — or Failed with the
        reason when it could not start (a deleted baseline, an unregistered endpoint, ...), recorded with
        the same metrics and alerts as any ended execution, so nothing is left Pending.
        """
        now = self.clock.now()
        if definition is None:
            try:
                definition = JobDefinition.from_dict(schedule.definition)
            except (ModelMonitorError, TypeError) as exc:
                # A definition that no longer validates cannot run at any slot: the schedule itself fails.
                reason = f"the monitoring job definition is invalid: {exc}"
                self.catalog.update_schedule(
                    schedule.name, now, status=str(ScheduleStatus.FAILED), failure_reason=reason
                )
                logger.error("schedule %s: %s", schedule.name, reason)
                raise ScheduleError(f"schedule {schedule.name}: {reason}") from exc
        execution = self.add_pending_execution(schedule, slot, now)
        try:
            running = start_execution(
                execution_id=execution.id,
                definition=definition,
                schedule_name=schedule.name,
                scheduled_time=slot,
                capture_uri=self._capture_uri(definition),
                home=self.home,
                output_subfolder=self._output_subfolder(schedule.name, slot, execution.id),
            )
        except (ModelMonitorError, OSError) as exc:
            failed = self.catalog.update_execution(
                execution.id, now, status=str(ExecutionStatus.FAILED), failure_reason=str(exc)
            )
            return self._finished(failed)
        self.mark_started(execution.id, now, running)
        self.running[schedule.name] = running
        return self.catalog.get_execution(execution.id)

    def _output_subfolder(self, schedule_name: str, slot: datetime, execution_id: int) -> str | None:
        """``execution-{id}`` when another execution of this schedule already wrote to the slot's hour.

        Outputs go to ``.../yyyy/mm/dd/hh`` as SageMaker's (at most hourly) executions do; a run-now in an
        hour that already had one would otherwise overwrite that execution's files, which its history and
        dashboard pages still read.
        """
        hour = slot.replace(minute=0, second=0, microsecond=0)
        earlier = self.catalog.list_executions(
            schedule_name=schedule_name, scheduled_from=hour, scheduled_before=hour + timedelta(hours=1)
        )
        if any(other.id != execution_id and other.output_uri for other in earlier):
            return f"execution-{execution_id}"
        return None

    def _capture_uri(self, definition: JobDefinition) -> str | None:
        if definition.input_kind != "endpoint":
            return None
        assert definition.endpoint_name is not None
        try:
            return self.catalog.get_endpoint(definition.endpoint_name).capture_destination
        except NotFoundError as exc:
            raise NotFoundError(
                f"endpoint {definition.endpoint_name!r} is not registered, so its captured data "
                "cannot be found; start its capture proxy or run 'modelmonitor endpoint register'"
            ) from exc

    def _start(self, schedule: Schedule, slot: datetime, report: TickReport) -> None:
        try:
            execution = self.start(schedule, slot)
        except ScheduleError:
            return
        if is_terminal(execution.status):
            report.finished.append((execution.id, execution.status))
        else:
            report.started.append(execution.id)

    def _poll(self, name: str) -> Execution | None:
        """Check the running execution of schedule ``name`` once; its record once it has ended."""
        running = self.running[name]
        outcome: Outcome | None
        if self.catalog.get_execution(running.execution_id).status == ExecutionStatus.STOPPING:
            outcome = running.stop("stopped on request (modelmonitor executions stop)")
        else:
            outcome = running.poll()
        if outcome is None:
            return None
        del self.running[name]
        return self.finalize(running, outcome)

    def wait(self, execution_id: int) -> Execution:
        """Wait on the injected clock until an execution this scheduler started has ended."""
        name = next((n for n, r in self.running.items() if r.execution_id == execution_id), None)
        if name is None:
            execution = self.catalog.get_execution(execution_id)
            if is_terminal(execution.status):
                return execution
            raise ConflictError(
                f"monitoring execution {execution_id} ({execution.status}) was not started by this process, "
                "so it cannot be waited on here"
            )
        try:
            while True:
                ended = self._poll(name)
                if ended is not None:
                    return ended
                self.clock.sleep(self.poll_seconds)
        except KeyboardInterrupt:
            # Ctrl-C on run-now: the job is in its own process group, so it would run on unwatched.
            running = self.running.pop(name, None)
            if running is not None:
                reason = "interrupted (SIGINT) while run-now waited for it; its process group was stopped"
                self.finalize(running, running.stop(reason))
            raise

    # -- the loop -----------------------------------------------------------------------------------

    def _sleep_seconds(self) -> float:
        if self.running:
            return self.poll_seconds
        now = self.clock.now()
        wake = now + timedelta(seconds=self.max_idle_seconds)
        if self.catalog.list_executions(statuses=UNFINISHED_STATUSES, limit=1):
            # Another owner's run: look again within its lease, to adopt it soon after its owner dies.
            wake = min(wake, now + timedelta(seconds=self.leases.lease_seconds / 3))
        for schedule in self.catalog.list_schedules():
            if schedule.status not in _ACTIVE:
                continue
            try:
                expression = parse_expression(schedule.expression)
            except ScheduleError:
                continue  # the next tick marks it Failed
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
        """Stop the running executions (Stopped, with ``reason``) and the lease renewals."""
        for name, running in list(self.running.items()):
            outcome = running.stop(reason)
            del self.running[name]
            self.finalize(running, outcome)
        self.leases.close()

    def stop_orphan(self, execution_id: int) -> Execution | None:
        """Stop an execution that has no live owner (its lease expired): take it over, stop its process
        group if it runs on this host, and mark it Stopped. None when a live owner holds it (and must
        stop it itself)."""
        execution = self.catalog.get_execution(execution_id)
        if not self.adoption.take(execution):
            return None
        reason = f"stopped on request (modelmonitor executions stop); {ownerless(execution)}"
        running = self.adoption.watch(execution, reason)
        if running is None:
            stopped = self.catalog.update_execution(
                execution_id, self.clock.now(), status=str(ExecutionStatus.STOPPED), failure_reason=reason
            )
            return self._finished(stopped)
        return self.finalize(running, running.stop(reason))
