"""Use cases shared by the CLI, the SDK mirror (``model_monitor``), the API and the dashboard.

Every interface calls these functions and nothing below them, so a rule (an endpoint with a schedule
cannot be deleted, ``NOW`` needs both data-analysis times, ...) is enforced once. The clock is injected.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from modelmonitor.dataset.window import parse_offset
from modelmonitor.errors import (
    ConfigurationError,
    ConflictError,
    JobError,
    NotFoundError,
    ScheduleError,
)
from modelmonitor.formats.job_definition import DEFAULT_SCHEDULE_EXPRESSION, JobDefinition
from modelmonitor.formats.layout import check_name, join_uri
from modelmonitor.formats.statuses import (
    UNFINISHED_STATUSES,
    ExecutionStatus,
    ScheduleStatus,
    is_terminal,
)
from modelmonitor.jobs.monitors import check_inputs
from modelmonitor.jobs.schedule_window import offsets
from modelmonitor.jobs.staging import absolute_locations, stage_scripts
from modelmonitor.outputs.alerts import AlertDispatcher, check_webhook_url
from modelmonitor.scheduler.clock import Clock, SystemClock
from modelmonitor.scheduler.cron import parse_expression
from modelmonitor.scheduler.loop import Scheduler
from modelmonitor.service.files import read_text
from modelmonitor.settings import Settings
from modelmonitor.storage.catalog import AlertEvent, AlertRule, Catalog, Endpoint, Execution, Schedule
from modelmonitor.storage.objects import absolute_location, check_folder_location, store_for

__all__ = [
    "AlertEvent",
    "AlertRule",
    "Endpoint",
    "Execution",
    "MonitoringService",
    "Schedule",
    "default_output_uri",
]

logger = logging.getLogger("modelmonitor.service")


@dataclass
class MonitoringService:
    """The catalog plus the home folder (execution logs, default outputs) and the clock."""

    catalog: Catalog
    home: Path
    clock: Clock
    lease_seconds: float = 30.0
    _scheduler: Scheduler | None = field(default=None, init=False, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings, clock: Clock | None = None) -> MonitoringService:
        catalog = Catalog(settings.catalog_url)
        return cls(catalog, settings.home, clock or SystemClock(), settings.lease_seconds)

    def close(self) -> None:
        if self._scheduler is not None:
            self._scheduler.leases.close()
            if self._scheduler.alerts is not None:
                self._scheduler.alerts.close()
        self.catalog.close()

    def _now(self) -> datetime:
        return self.clock.now().replace(microsecond=0)

    # -- endpoints ----------------------------------------------------------------------------------

    def register_endpoint(
        self,
        name: str,
        capture_destination: str,
        variants: Sequence[str] = ("AllTraffic",),
        source: str = "manual",
    ) -> Endpoint:
        check_name("endpoint", name)
        for variant in variants:
            check_name("variant", variant)
        if not capture_destination:
            raise ConfigurationError(
                f"endpoint {name!r}: capture destination is empty, expected a folder or URI"
            )
        check_folder_location(capture_destination, f"endpoint {name!r}: capture destination")
        return self.catalog.put_endpoint(
            name, absolute_location(capture_destination), list(variants), source, self._now()
        )

    def list_endpoints(self) -> list[Endpoint]:
        return self.catalog.list_endpoints()

    def describe_endpoint(self, name: str) -> Endpoint:
        return self.catalog.get_endpoint(name)

    def delete_endpoint(self, name: str) -> None:
        self.catalog.delete_endpoint(name)

    # -- schedules ----------------------------------------------------------------------------------

    def create_schedule(self, name: str, expression: str | None, definition: JobDefinition) -> Schedule:
        """Validate and store a schedule; its first run is the next cron time (``NOW``: at once).

        ``expression`` None is ``DEFAULT_SCHEDULE_EXPRESSION`` (daily, as SageMaker's SDK).
        """
        check_name("monitoring schedule", name)
        # No expression: SageMaker's SDK default, daily. An empty one is a mistake, not a request for it.
        parsed = parse_expression(DEFAULT_SCHEDULE_EXPRESSION if expression is None else expression)
        if parsed.is_one_time and not (
            definition.data_analysis_start_time and definition.data_analysis_end_time
        ):
            raise ScheduleError(
                "Both data_analysis_start_time and data_analysis_end_time are required for a one-time "
                "monitoring schedule (NOW)"
            )
        if definition.input_kind == "endpoint":
            assert definition.endpoint_name is not None
            self.catalog.get_endpoint(definition.endpoint_name)
        definition = self._accepted(name, definition)
        now = self._now()
        return self.catalog.add_schedule(
            name,
            status=str(ScheduleStatus.SCHEDULED),
            monitoring_type=definition.monitoring_type.value,
            expression=parsed.text,
            endpoint_name=definition.endpoint_name if definition.input_kind == "endpoint" else None,
            definition=definition.to_dict(),
            now=now,
            last_slot=None if parsed.is_one_time else now,
        )

    def _accepted(self, name: str, definition: JobDefinition) -> JobDefinition:
        """Local paths made absolute and scripts copied into the home: the job runs in another folder."""
        check_inputs(definition)
        offsets(definition)
        definition = absolute_locations(definition)
        _check_files_exist(definition)
        return stage_scripts(definition, self.home, name)

    def describe_schedule(self, name: str) -> Schedule:
        return self.catalog.get_schedule(name)

    def schedule_definition(self, name: str) -> JobDefinition:
        return JobDefinition.from_dict(self.catalog.get_schedule(name).definition)

    def list_schedules(
        self, endpoint_name: str | None = None, status: str | None = None, name_contains: str | None = None
    ) -> list[Schedule]:
        return self.catalog.list_schedules(
            endpoint_name=endpoint_name, status=status, name_contains=name_contains
        )

    def update_schedule(
        self, name: str, *, expression: str | None = None, definition: JobDefinition | None = None
    ) -> Schedule:
        current = self.catalog.get_schedule(name)
        changes: dict[str, object] = {}
        new_expression = current.expression if expression is None else parse_expression(expression).text
        new_definition = definition or JobDefinition.from_dict(current.definition)
        if parse_expression(new_expression).is_one_time and not (
            new_definition.data_analysis_start_time and new_definition.data_analysis_end_time
        ):
            raise ScheduleError("a NOW schedule needs data_analysis_start_time and data_analysis_end_time")
        offsets(new_definition)
        if expression:
            changes["expression"] = new_expression
        if definition is not None:
            if definition.input_kind == "endpoint":
                assert definition.endpoint_name is not None
                self.catalog.get_endpoint(definition.endpoint_name)
            definition = self._accepted(name, definition)
            changes["definition"] = definition.to_dict()
            changes["endpoint_name"] = (
                definition.endpoint_name if definition.input_kind == "endpoint" else None
            )
        return self.catalog.update_schedule(name, self._now(), **changes)

    def stop_schedule(self, name: str) -> Schedule:
        """No new executions; one already running continues (as SageMaker)."""
        return self.catalog.update_schedule(name, self._now(), status=str(ScheduleStatus.STOPPED))

    def start_schedule(self, name: str) -> Schedule:
        """Resume: the next run is the next cron time from now (slots while stopped are not run)."""
        schedule = self.catalog.get_schedule(name)
        if schedule.status == ScheduleStatus.SCHEDULED:
            return schedule
        now = self._now()
        one_time = parse_expression(schedule.expression).is_one_time
        last_slot = schedule.last_slot if one_time else max(now, schedule.last_slot or now)
        return self.catalog.update_schedule(
            name, now, status=str(ScheduleStatus.SCHEDULED), last_slot=last_slot
        )

    def delete_schedule(self, name: str) -> None:
        """Delete (and so stop) a schedule; its execution history is kept."""
        self.catalog.delete_schedule(name)

    # -- executions ---------------------------------------------------------------------------------

    def list_executions(
        self,
        schedule_name: str | None = None,
        endpoint_name: str | None = None,
        status: str | None = None,
        newest_first: bool = False,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[Execution]:
        known = [str(s) for s in ExecutionStatus]
        if status is not None and status not in known:
            raise ConfigurationError(f"execution status {status!r}: expected one of {', '.join(known)}")
        if limit is not None and limit < 1:
            raise ConfigurationError(f"limit {limit}: expected a number of executions >= 1")
        if offset < 0:
            raise ConfigurationError(f"offset {offset}: expected a number of executions to skip >= 0")
        return self.catalog.list_executions(
            schedule_name=schedule_name,
            endpoint_name=endpoint_name,
            statuses=[status] if status else None,
            newest_first=newest_first,
            limit=limit,
            offset=offset,
        )

    def describe_execution(self, execution_id: int) -> Execution:
        return self.catalog.get_execution(execution_id)

    def execution_log(self, execution_id: int) -> str:
        execution = self.catalog.get_execution(execution_id)
        if not execution.log_path or not Path(execution.log_path).exists():
            raise NotFoundError(f"monitoring execution {execution_id} has no log (it never started)")
        return Path(execution.log_path).read_text("utf-8", errors="replace")

    def read_execution_output(self, execution_id: int, file_name: str) -> tuple[str, str]:
        """``(uri, text)`` of one of an execution's output files (``statistics.json``, ...).

        JobError when the execution has no outputs, or did not complete and the file is missing.
        """
        execution = self.catalog.get_execution(execution_id)
        if execution.output_uri is None:
            raise JobError(
                f"execution {execution_id} ({execution.status}) has no outputs: "
                f"{execution.failure_reason or 'it never started'}"
            )
        uri = join_uri(execution.output_uri, file_name)
        try:
            return uri, read_text(uri)
        except NotFoundError as exc:
            if execution.status not in (ExecutionStatus.COMPLETED, ExecutionStatus.COMPLETED_WITH_VIOLATIONS):
                raise JobError(
                    f"execution {execution_id} is {execution.status}, and {uri} does not exist: "
                    f"{execution.failure_reason or ''}"
                ) from exc
            raise

    def stop_execution(self, execution_id: int) -> Execution:
        """Stop an execution: its live owner (daemon or run-now) is asked to (Stopping → Stopped); one
        without a live owner is stopped here, its process group killed if it runs on this host (Stopped)."""
        execution = self.catalog.get_execution(execution_id)
        if is_terminal(execution.status):
            raise ConflictError(f"monitoring execution {execution_id} has already ended ({execution.status})")
        stopped = self.scheduler().stop_orphan(execution_id)
        if stopped is not None:
            return stopped
        return self.catalog.update_execution(execution_id, self._now(), status=str(ExecutionStatus.STOPPING))

    def start_execution(
        self, name: str, start_offset: str | None = None, end_offset: str | None = None
    ) -> Execution:
        """Start one execution of a schedule now, with an optional window override; don't wait for it.

        The daemon's own start path (``Scheduler.start``): an execution that cannot start is Failed with
        the reason, alerts included, never left Pending. ``wait_for_execution`` waits for it to end.
        """
        schedule = self.catalog.get_schedule(name)
        busy = self.catalog.list_executions(schedule_name=name, statuses=UNFINISHED_STATUSES, limit=1)
        if busy:
            raise ConflictError(
                f"schedule {name} already has execution {busy[0].id} {busy[0].status}: executions of one "
                "schedule never overlap; wait for it or stop it (modelmonitor executions stop)"
            )
        definition = JobDefinition.from_dict(schedule.definition)
        if start_offset or end_offset:
            for text, what in ((start_offset, "--start"), (end_offset, "--end")):
                if text:
                    parse_offset(text, field=what)
            values = definition.to_dict()
            values.update(
                data_analysis_start_time=start_offset or definition.data_analysis_start_time or "-PT1H",
                data_analysis_end_time=end_offset or definition.data_analysis_end_time or "-PT0H",
            )
            definition = JobDefinition.from_dict(values)
            offsets(definition)
        return self.scheduler().start(schedule, self._now(), definition)

    def wait_for_execution(self, execution_id: int, poll_seconds: float = 1.0) -> Execution:
        """Wait (on the service's clock) until an execution has ended.

        One this process started (``start_execution``) is polled and finished here; one another process
        runs (the daemon, another run-now) is watched in the catalog until that process records its end.
        """
        scheduler = self.scheduler()
        if any(running.execution_id == execution_id for running in scheduler.running.values()):
            return scheduler.wait(execution_id)
        while not is_terminal((execution := self.catalog.get_execution(execution_id)).status):
            self.clock.sleep(poll_seconds)
        return execution

    def run_now(self, name: str, start_offset: str | None = None, end_offset: str | None = None) -> Execution:
        """Run one execution of a schedule now and wait for it: ``start_execution``, then the wait."""
        execution = self.start_execution(name, start_offset, end_offset)
        return self.wait_for_execution(execution.id)

    # -- scheduler and alerts -------------------------------------------------------------------------

    def scheduler(
        self, *, poll_seconds: float | None = None, max_idle_seconds: float | None = None
    ) -> Scheduler:
        """The service's one scheduler: it starts executions for ``run-now`` and is the daemon's loop."""
        if self._scheduler is None:
            self._scheduler = Scheduler(
                self.catalog,
                self.home,
                self.clock,
                alerts=AlertDispatcher(self.catalog),
                poll_seconds=0.2,
                lease_seconds=self.lease_seconds,
            )
        if poll_seconds is not None:
            self._scheduler.poll_seconds = poll_seconds
        if max_idle_seconds is not None:
            self._scheduler.max_idle_seconds = max_idle_seconds
        return self._scheduler

    def put_alert(
        self,
        name: str,
        schedule_name: str,
        datapoints_to_alert: int,
        evaluation_period: int,
        webhook_url: str | None,
    ) -> AlertRule:
        check_name("alert", name)
        if not 1 <= datapoints_to_alert <= evaluation_period:
            raise ConfigurationError(
                f"alert {name!r}: need 1 <= datapoints_to_alert ({datapoints_to_alert}) "
                f"<= evaluation_period ({evaluation_period})"
            )
        if webhook_url is not None:
            check_webhook_url(webhook_url)
        self.catalog.get_schedule(schedule_name)
        return self.catalog.put_alert_rule(
            name,
            schedule_name=schedule_name,
            datapoints_to_alert=datapoints_to_alert,
            evaluation_period=evaluation_period,
            webhook_url=webhook_url,
            now=self._now(),
        )

    def list_alerts(self, schedule_name: str | None = None) -> list[AlertRule]:
        return self.catalog.list_alert_rules(schedule_name=schedule_name)

    def alert_history(self, alert_name: str | None = None) -> list[AlertEvent]:
        return self.catalog.list_alert_events(alert_name=alert_name)


def _check_files_exist(definition: JobDefinition) -> None:
    """Baselines and scripts must exist when the schedule is created, not fail every run later."""
    files = {
        "statistics": definition.baseline_statistics,
        "constraints": definition.baseline_constraints,
        "record_preprocessor_script": definition.record_preprocessor_script,
        "post_analytics_processor_script": definition.post_analytics_processor_script,
        "analysis_config": definition.analysis_config_uri,
    }
    for what, uri in files.items():
        if uri and not store_for(uri).exists(uri):
            raise NotFoundError(f"{what}: {uri} does not exist")


def default_output_uri(home: Path, schedule_name: str) -> str:
    """Results when no output URI is given (SageMaker: .../model-monitor/monitoring/{schedule}/results)."""
    return str(home / "monitoring" / schedule_name / "results")
