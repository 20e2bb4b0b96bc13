"""A data-quality monitor with a history of real execution files, for metrics over time and the pages.

Schedule ``hourly`` on endpoint ``ep`` (window: the last 3 hours, where the capture is, so a real
run-now completes) with one execution per hour before ``now``: each Completed one has a
``statistics.json`` (``f1`` drifted in every third one, whose ``constraint_violations.json`` the real
checker writes), a log and the exit message the built-in job writes (20 records read, the window); every
fifth one Failed with no outputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from modelmonitor.constraints.data_quality import check
from modelmonitor.formats.constraints import ConstraintsFile
from modelmonitor.formats.exit_message import ExitMessage
from modelmonitor.formats.job_definition import JobDefinition
from modelmonitor.formats.statistics import StatisticsFile
from modelmonitor.scheduler.worker import ExecutionPaths
from modelmonitor.service import Execution, MonitoringService
from tests.monitoring_data import write_baseline, write_capture

SCHEDULE = "hourly"


@dataclass(frozen=True)
class History:
    executions: list[Execution]
    baseline: Path

    def with_status(self, status: str) -> list[Execution]:
        return [e for e in self.executions if e.status == status]


def write_history(tmp: Path, service: MonitoringService, now: datetime, count: int) -> History:
    hour = now.replace(minute=0, second=0, microsecond=0)
    write_capture(tmp / "capture", "ep", hour - timedelta(hours=2), hours=2, per_hour=10)
    service.register_endpoint("ep", str(tmp / "capture"))
    statistics_path, constraints_path = write_baseline(tmp / "baseline")
    service.create_schedule(
        SCHEDULE,
        "cron(0 * ? * * *)",
        JobDefinition(
            input_kind="endpoint",
            endpoint_name="ep",
            output_uri=str(tmp / "out"),
            baseline_statistics=str(statistics_path),
            baseline_constraints=str(constraints_path),
            data_analysis_start_time="-PT3H",
            data_analysis_end_time="-PT0H",
        ),
    )
    baseline = StatisticsFile.from_path(statistics_path)
    constraints = ConstraintsFile.from_path(constraints_path)
    # Two current data sets, profiled once: as the baseline (another sample) and with f1 drifted.
    samples = {
        shifted: StatisticsFile.from_path(
            write_baseline(tmp / f"sample-{shifted}", seed=11, shifted=shifted)[0]
        )
        for shifted in (False, True)
    }
    executions = []
    for index in range(count):
        scheduled = hour - timedelta(hours=count - index)
        row = service.catalog.add_execution(
            schedule_name=SCHEDULE,
            endpoint_name="ep",
            monitoring_type="DataQuality",
            scheduled_time=scheduled,
            status="InProgress",
            now=scheduled + timedelta(minutes=1),
        )
        ended = scheduled + timedelta(minutes=1, seconds=30 + index % 7)
        if index % 5 == 4:
            executions.append(
                service.catalog.update_execution(
                    row.id, ended, status="Failed", failure_reason="Job inputs had no data: test"
                )
            )
            continue
        output = tmp / "out" / f"run-{index}"
        output.mkdir(parents=True)
        current = samples[index % 3 == 2]
        current.write(output / "statistics.json")
        violations = check(current, baseline, constraints)
        violations.write(output / "constraint_violations.json")
        constraints.write(output / "constraints.json")  # as a check job writes the ones it checked
        folder = ExecutionPaths(service.home / "executions" / str(row.id))
        folder.root.mkdir(parents=True)
        folder.log.write_text(f"execution {row.id}: <read> 20 records, {index % 2} bad\n", "utf-8")
        window = ((scheduled - timedelta(hours=3)).isoformat(), scheduled.isoformat())
        ExitMessage.completed(
            len(violations.violations), records=20, bad_records=index % 2, window=window
        ).write(folder.message)
        executions.append(
            service.catalog.update_execution(
                row.id,
                ended,
                status="CompletedWithViolations" if violations.violations else "Completed",
                violation_count=len(violations.violations),
                output_uri=str(output),
                log_path=str(folder.log),
            )
        )
    return History(executions, statistics_path)
