"""HTML reports and the comparison behind them, for the CLI (`modelmonitor report`), the API and the
dashboard: the one door to ``modelmonitor.reports``.

- `report_from_files`: a statistics file, a baseline folder (statistics.json + constraints.json) and
  optionally a violations file → the HTML text.
- `execution_comparison` / `execution_report`: the same for a monitoring execution in the catalog (its
  output folder's files, the baseline statistics its schedule names).
- The figure functions (`numeric_histogram`, `categorical_bars`, `missing_share`, `drift_gauge`,
  `drift_overview`) and `figure_json`, so a page draws the same figures as a report, and
  `plotly_js_path` (the installed plotly.js bundle, for a server to serve).

Only data-quality files have a report; other monitoring types are refused with a ConfigurationError.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from modelmonitor.errors import ConfigurationError, NotFoundError
from modelmonitor.formats.constraints import ConstraintsFile
from modelmonitor.formats.job_definition import JobDefinition
from modelmonitor.formats.layout import join_uri
from modelmonitor.formats.statistics import StatisticsFile
from modelmonitor.formats.statuses import MonitoringType
from modelmonitor.formats.violations import ViolationsFile
from modelmonitor.outputs.files import (
    CONSTRAINTS_FILE,
    STATISTICS_FILE,
    VIOLATIONS_FILE,
    read_constraints,
    read_statistics,
    read_violations,
)
from modelmonitor.reports.comparison import Comparison, DatasetSide, FeatureComparison
from modelmonitor.reports.document import REPORT_FILE, comparison_of
from modelmonitor.reports.figures import (
    Figure,
    categorical_bars,
    drift_gauge,
    drift_overview,
    missing_share,
    numeric_histogram,
)
from modelmonitor.reports.html import ReportContext, figure_json, render_report
from modelmonitor.reports.plotly_js import plotly_js_path
from modelmonitor.service import Execution, MonitoringService
from modelmonitor.service.files import write_text

__all__ = [
    "REPORT_FILE",
    "Comparison",
    "DatasetSide",
    "FeatureComparison",
    "Figure",
    "ReportContext",
    "ReportStep",
    "categorical_bars",
    "drift_gauge",
    "drift_overview",
    "execution_comparison",
    "execution_report",
    "figure_json",
    "missing_share",
    "numeric_histogram",
    "plotly_js_path",
    "report_from_files",
    "write_report",
]

# Progress of a report: (what is being done, steps done, steps in all).
ReportStep = Callable[[str, int, int], None]


def _step(on_step: ReportStep | None, what: str, done: int, total: int = 4) -> None:
    if on_step is not None:
        on_step(what, done, total)


def report_from_files(
    statistics_uri: str,
    baseline_uri: str,
    violations_uri: str | None = None,
    *,
    on_step: ReportStep | None = None,
) -> str:
    """The report of ``statistics_uri`` against the baseline in ``baseline_uri`` (a folder or prefix
    holding ``statistics.json`` and ``constraints.json``), with the violations of ``violations_uri``.

    NotFoundError naming the file when one is missing; FormatError (file, field) when one is not a
    data-quality file; InputFileError when the baseline and the statistics share no feature.
    """
    _step(on_step, f"reading {statistics_uri}", 0)
    current = read_statistics(statistics_uri)
    _step(on_step, f"reading the baseline in {baseline_uri}", 1)
    baseline, constraints = read_statistics(baseline_uri), read_constraints(baseline_uri)
    violations = read_violations(violations_uri) if violations_uri is not None else None
    _step(on_step, f"comparing {len(current.features)} features", 2)
    comparison = comparison_of(
        current,
        baseline,
        constraints,
        violations,
        current_source=statistics_uri,
        baseline_source=baseline_uri,
    )
    facts = [("statistics", statistics_uri), ("baseline", baseline_uri)]
    if violations_uri is not None:
        facts.append(("violations", violations_uri))
    _step(on_step, f"drawing {len(comparison.features)} features", 3)
    html = render_report(comparison, ReportContext("Data-quality report", facts))
    _step(on_step, "done", 4)
    return html


def execution_comparison(service: MonitoringService, execution_id: int) -> tuple[Execution, Comparison]:
    """An execution and its comparison: its output's statistics, constraints and violations, and the
    baseline statistics its schedule names (no drift numbers when the schedule names none).

    NotFoundError for an unknown execution or a baseline file that is gone, JobError when it wrote no
    statistics, ConfigurationError for a monitoring type other than DataQuality.
    """
    execution = service.catalog.get_execution(execution_id)
    if execution.monitoring_type != MonitoringType.DATA_QUALITY:
        raise ConfigurationError(
            f"execution {execution_id} is {execution.monitoring_type}: HTML reports cover DataQuality "
            "executions only"
        )
    statistics_uri, text = service.read_execution_output(execution_id, STATISTICS_FILE)
    current = StatisticsFile.from_json_text(text, source=statistics_uri)
    # A schedule without baseline constraints writes no constraints.json: its report has no drift.
    try:
        constraints_uri, text = service.read_execution_output(execution_id, CONSTRAINTS_FILE)
        constraints: ConstraintsFile | None = ConstraintsFile.from_json_text(text, source=constraints_uri)
    except NotFoundError:
        constraints_uri, constraints = statistics_uri, None
    try:
        violations_uri, text = service.read_execution_output(execution_id, VIOLATIONS_FILE)
        violations: ViolationsFile | None = ViolationsFile.from_json_text(text, source=violations_uri)
    except NotFoundError:
        violations = None
    definition = JobDefinition.from_dict(service.catalog.get_schedule(execution.schedule_name).definition)
    uri = definition.baseline_statistics
    baseline = read_statistics(uri) if uri is not None else None
    comparison = comparison_of(
        current,
        baseline,
        constraints,
        violations,
        current_source=statistics_uri,
        baseline_source=definition.baseline_statistics or constraints_uri,
    )
    return execution, comparison


def _time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


def execution_report(
    service: MonitoringService, execution_id: int, *, on_step: ReportStep | None = None
) -> str:
    """The HTML report of a monitoring execution (see `execution_comparison`)."""
    _step(on_step, f"reading execution {execution_id}'s files", 0, 2)
    execution, comparison = execution_comparison(service, execution_id)
    _step(on_step, f"drawing {len(comparison.features)} features", 1, 2)
    facts = [
        ("execution", str(execution.id)),
        ("schedule", execution.schedule_name),
        ("endpoint", execution.endpoint_name or "—"),
        ("scheduled time", _time(execution.scheduled_time)),
        ("status", execution.status),
        ("output", execution.output_uri or "—"),
    ]
    html = render_report(
        comparison, ReportContext(f"Data-quality report: {execution.schedule_name} #{execution.id}", facts)
    )
    _step(on_step, "done", 2, 2)
    return html


def write_report(out_uri: str, html: str) -> str:
    """Write ``html`` to ``out_uri``: the file itself when it ends in ``.html``/``.htm``, else
    ``out_uri/report.html``. Returns the URI written."""
    uri = out_uri if out_uri.lower().endswith((".html", ".htm")) else join_uri(out_uri, REPORT_FILE)
    write_text(uri, html)
    return uri
