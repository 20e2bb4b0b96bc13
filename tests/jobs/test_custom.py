"""A custom monitor written with jobs.custom, run by the worker exactly like the built-in job."""

from __future__ import annotations

import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from modelmonitor.formats.job_definition import JobDefinition
from modelmonitor.formats.statuses import ExecutionStatus
from modelmonitor.outputs.metrics import read_cloudwatch_metrics
from modelmonitor.scheduler.worker import Outcome, start_execution

MONITOR = """\
import pathlib
from modelmonitor.jobs.custom import finish, metric_record, read_contract, write_metrics
contract = read_contract()
files = sorted(pathlib.Path(contract.dataset_source).rglob("*.jsonl"))
print("window", contract.start_time.isoformat(), contract.end_time.isoformat(), "files", len(files))
write_metrics(contract, [metric_record("custom_files", len(files), contract)])
pathlib.Path(contract.output_path).mkdir(parents=True, exist_ok=True)
finish(contract, violations=len(files))
"""


def test_custom_monitor_with_helpers(tmp_path: Path) -> None:
    capture = tmp_path / "capture" / "ep" / "AllTraffic" / "2026" / "11" / "21" / "09"
    capture.mkdir(parents=True)
    (capture / "a.jsonl").write_text("{}\n")
    script = tmp_path / "monitor.py"
    script.write_text(MONITOR)
    definition = JobDefinition(
        input_kind="endpoint",
        endpoint_name="ep",
        output_uri=str(tmp_path / "out"),
        command=(sys.executable, str(script)),
    )
    running = start_execution(
        execution_id=7,
        definition=definition,
        schedule_name="custom",
        scheduled_time=datetime(2026, 11, 21, 10, tzinfo=UTC),
        capture_uri=str(tmp_path / "capture"),
        home=tmp_path / "home",
    )
    outcome = running.poll()
    deadline = time.monotonic() + 60
    while outcome is None and time.monotonic() < deadline:
        time.sleep(0.05)
        outcome = running.poll()
    assert outcome is not None
    assert outcome.status == ExecutionStatus.COMPLETED_WITH_VIOLATIONS
    assert outcome.violation_count == 1
    log = (tmp_path / "out" / "ep" / "custom" / "2026" / "11" / "21" / "10" / "log.txt").read_text()
    assert "window 2026-11-21T09:00:00+00:00 2026-11-21T10:00:00+00:00 files 1" in log
    points, problems = read_cloudwatch_metrics(running.paths.metrics)
    assert problems == []
    assert [(p.name, p.value, dict(p.dimensions)) for p in points] == [
        ("custom_files", 1.0, {"Endpoint": "ep", "MonitoringSchedule": "custom"})
    ]


def _run_custom(tmp_path: Path, code: str) -> Outcome:
    (tmp_path / "capture").mkdir(exist_ok=True)
    definition = JobDefinition(
        input_kind="endpoint",
        endpoint_name="ep",
        output_uri=str(tmp_path / "out"),
        command=(sys.executable, "-c", code),
    )
    running = start_execution(
        execution_id=8,
        definition=definition,
        schedule_name="custom",
        scheduled_time=datetime(2026, 11, 21, 10, tzinfo=UTC),
        capture_uri=str(tmp_path / "capture"),
        home=tmp_path / "home",
    )
    outcome = running.poll()
    deadline = time.monotonic() + 60
    while outcome is None and time.monotonic() < deadline:
        time.sleep(0.05)
        outcome = running.poll()
    assert outcome is not None
    return outcome


def test_exit_zero_without_a_message_is_failed(tmp_path: Path) -> None:
    outcome = _run_custom(tmp_path, "print('did nothing')")
    assert outcome.status == ExecutionStatus.FAILED
    assert outcome.failure_reason is not None
    assert "the job wrote no exit message" in outcome.failure_reason
    assert "last log line: did nothing" in outcome.failure_reason


def test_an_unreadable_message_is_failed(tmp_path: Path) -> None:
    code = "import os, pathlib; pathlib.Path(os.environ['output_message_file']).write_text('All good')"
    outcome = _run_custom(tmp_path, code)
    assert outcome.status == ExecutionStatus.FAILED
    assert outcome.failure_reason is not None
    assert "'All good'" in outcome.failure_reason


def test_a_sagemaker_sentence_alone_completes_with_an_unknown_count(tmp_path: Path) -> None:
    text = "CompletedWithViolations: Job completed successfully with 3 violations."
    code = f"import os, pathlib; pathlib.Path(os.environ['output_message_file']).write_text({text!r})"
    outcome = _run_custom(tmp_path, code)
    assert outcome.status == ExecutionStatus.COMPLETED_WITH_VIOLATIONS
    assert outcome.exit_message == text
    assert outcome.violation_count is None


def test_an_html_report_is_refused_for_a_custom_monitor_image(tmp_path: Path) -> None:
    # Only the built-in job writes report.html: an image-only custom monitor (no command) was accepted
    # with html_report and then never wrote one.
    import pytest

    from modelmonitor.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="custom monitor image 'my-monitor:1'"):
        JobDefinition(
            input_kind="endpoint",
            endpoint_name="ep",
            output_uri=str(tmp_path / "out"),
            image_uri="my-monitor:1",
            html_report=True,
        )
