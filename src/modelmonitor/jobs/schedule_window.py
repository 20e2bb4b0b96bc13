"""The analysis window of a schedule's job: its offsets parsed, checked and applied to a run time (§9.3)."""

from __future__ import annotations

from datetime import datetime, timedelta

from modelmonitor.dataset.window import AnalysisWindow, check_offsets, parse_offset
from modelmonitor.formats.job_definition import JobDefinition

__all__ = ["analysis_window", "offsets"]


def offsets(definition: JobDefinition) -> tuple[timedelta | None, timedelta | None]:
    """(start, end) offsets: the schedule's data-analysis times win over the input's offsets.

    Raises ScheduleError naming the offset when one is not a duration or the window is reversed.
    """
    start_text = definition.data_analysis_start_time or definition.start_time_offset
    end_text = definition.data_analysis_end_time or definition.end_time_offset
    start = parse_offset(start_text, field="start offset") if start_text else None
    end = parse_offset(end_text, field="end offset") if end_text else None
    if start is not None or end is not None:
        check_offsets(
            start if start is not None else timedelta(hours=-1), end if end is not None else timedelta(0)
        )
    return start, end


def analysis_window(definition: JobDefinition, scheduled: datetime) -> AnalysisWindow:
    """``[scheduled + start offset, scheduled + end offset)``."""
    start, end = offsets(definition)
    return AnalysisWindow.for_run(scheduled, start, end)
