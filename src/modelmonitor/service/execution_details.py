"""What the dashboard's pages show of one execution beyond its catalog row: the analysis window, how many
records it read and how many were bad, the ground-truth merge's counts, and which result files it wrote.

The counts and the window come from the exit message the built-in job wrote (``formats.exit_message``,
the one reader), kept in the execution's folder under the home. An execution whose message has no such
data (it failed, a custom monitor wrote SageMaker's sentence only, another host ran it) shows the
window its schedule gives for its scheduled time, and no counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from modelmonitor.errors import ModelMonitorError
from modelmonitor.formats.clarify import ANALYSIS_FILE
from modelmonitor.formats.exit_message import ExitMessage, MergeCounts
from modelmonitor.formats.job_definition import JobDefinition
from modelmonitor.formats.layout import join_uri
from modelmonitor.formats.statuses import is_terminal
from modelmonitor.jobs.schedule_window import analysis_window
from modelmonitor.outputs.files import CONSTRAINTS_FILE, STATISTICS_FILE, VIOLATIONS_FILE
from modelmonitor.scheduler.worker import ExecutionPaths
from modelmonitor.service import Execution, MonitoringService
from modelmonitor.service.metrics_history import duration_seconds
from modelmonitor.storage.objects import store_for

__all__ = ["RESULT_FILES", "ExecutionDetails", "execution_details"]

# analysis.json: the Clarify monitors' (bias, attribution) statistics.
RESULT_FILES = (STATISTICS_FILE, ANALYSIS_FILE, CONSTRAINTS_FILE, VIOLATIONS_FILE)


@dataclass(frozen=True)
class ExecutionDetails:
    """``window_from`` says where the window comes from: ``job`` (what it analysed) or ``schedule``."""

    execution: Execution
    window: tuple[datetime, datetime] | None
    window_from: str | None
    records: int | None
    bad_records: int | None
    files: tuple[tuple[str, str], ...]  # (name, uri) of the result files present
    duration_seconds: float | None
    merge: MergeCounts | None = None  # the ground-truth merge's counts (model quality, bias)


def _message(service: MonitoringService, execution: Execution) -> ExitMessage | None:
    path = ExecutionPaths(service.home / "executions" / str(execution.id)).message
    try:
        return ExitMessage.read(path)
    except ModelMonitorError:
        return None


def _schedule_window(service: MonitoringService, execution: Execution) -> tuple[datetime, datetime] | None:
    try:
        definition = JobDefinition.from_dict(service.describe_schedule(execution.schedule_name).definition)
        window = analysis_window(definition, execution.scheduled_time)
    except ModelMonitorError:
        return None  # the schedule was deleted, or its offsets no longer parse
    return window.start, window.end


def _files(execution: Execution) -> tuple[tuple[str, str], ...]:
    if execution.output_uri is None:
        return ()
    store = store_for(execution.output_uri)
    present = []
    for name in RESULT_FILES:
        uri = join_uri(execution.output_uri, name)
        try:
            if store.exists(uri):
                present.append((name, uri))
        except OSError:
            continue  # an unreachable store shows no file rather than failing the page
    return tuple(present)


def execution_details(service: MonitoringService, execution_id: int) -> ExecutionDetails:
    """NotFoundError for an unknown execution."""
    execution = service.describe_execution(execution_id)
    message = _message(service, execution) if is_terminal(execution.status) else None
    window: tuple[datetime, datetime] | None = None
    window_from: str | None = None
    if message is not None and message.window is not None:
        try:
            window = (datetime.fromisoformat(message.window[0]), datetime.fromisoformat(message.window[1]))
            window_from = "job"
        except ValueError:
            window = None
    if window is None and (window := _schedule_window(service, execution)) is not None:
        window_from = "schedule"
    return ExecutionDetails(
        execution=execution,
        window=window,
        window_from=window_from,
        records=message.records if message is not None else None,
        bad_records=message.bad_records if message is not None else None,
        files=_files(execution),
        duration_seconds=duration_seconds(execution),
        merge=message.merge if message is not None else None,
    )
