"""The pipeline's report step: written beside the result files when asked, never fatal when it fails."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from modelmonitor.formats.constraints import ConstraintsFile
from modelmonitor.formats.statistics import StatisticsFile
from modelmonitor.jobs.inputs import table_source
from modelmonitor.jobs.monitors import DATA_QUALITY, JobData
from modelmonitor.jobs.pipeline import Check, Outputs, run_pipeline
from modelmonitor.reports.html import ReportContext
from tests.reports.conftest import QUALITY, shifted_csv


def _check(tmp_path: Path, out: Path, report: ReportContext | None) -> dict[str, str]:
    data = shifted_csv(tmp_path / "current.csv", column=2, scale=3.0, offset=5.0)
    result = run_pipeline(
        DATA_QUALITY,
        JobData(table_source(str(data), {"csv": {"header": False}})),
        Check(
            StatisticsFile.from_path(QUALITY / "statistics.json"),
            ConstraintsFile.from_path(QUALITY / "good_cases" / "constraints.json"),
        ),
        Outputs(str(out), html_report=report),
        logger=logging.getLogger("modelmonitor.test"),
    )
    assert result.violation_count == 1
    return result.outputs


def test_the_report_is_written_after_the_result_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    written = _check(tmp_path, out, ReportContext("Report of a check", [("run", "1")]))
    assert written["report.html"] == str(out / "report.html")
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<h1>Report of a check</h1>" in html
    assert 'data-feature="_c2"' in html


def test_a_report_that_cannot_be_written_leaves_the_job_complete(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    out = tmp_path / "out"
    (out / "report.html").mkdir(parents=True)  # a folder where the report would go
    with caplog.at_level(logging.WARNING, "modelmonitor.test"):
        written = _check(tmp_path, out, ReportContext("t"))
    assert "report.html" not in written
    assert (out / "constraint_violations.json").exists()
    assert any("report.html not written" in r.message and "a folder has this name" in r.message
               for r in caplog.records)  # fmt: skip


def test_no_report_unless_asked(tmp_path: Path) -> None:
    out = tmp_path / "out"
    written = _check(tmp_path, out, None)
    assert "report.html" not in written
    assert not (out / "report.html").exists()
