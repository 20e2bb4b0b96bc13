"""``report.html`` of a job: the comparison both the pipeline and the service build, and its writer.

`comparison_of` checks that the files belong together (a statistics file and a baseline that share
features) before comparing them; `html.render_report` renders it; `write_report` puts it at a URI.
"""

from __future__ import annotations

from modelmonitor.errors import InputFileError
from modelmonitor.formats.constraints import ConstraintsFile
from modelmonitor.formats.layout import join_uri
from modelmonitor.formats.statistics import StatisticsFile
from modelmonitor.formats.violations import ViolationsFile
from modelmonitor.reports.comparison import Comparison, compare
from modelmonitor.storage.objects import store_for

__all__ = ["REPORT_FILE", "comparison_of", "write_report"]

REPORT_FILE = "report.html"


def comparison_of(
    current: StatisticsFile,
    baseline: StatisticsFile | None,
    constraints: ConstraintsFile | None,
    violations: ViolationsFile | None,
    *,
    current_source: str = "current statistics",
    baseline_source: str = "baseline",
) -> Comparison:
    """`compare` after checking the two statistics describe the same features.

    InputFileError when the current statistics have no feature (a model-quality statistics.json reads
    as one: its metrics are not features), or when the baseline (statistics or constraints) shares no
    feature name with them: such files belong to different data sets, and a report of them would
    show every feature as missing on one side.
    """
    current_names = [f.name for f in current.features]
    if not current_names:
        raise InputFileError(
            "no features: expected a data-quality statistics.json with a 'features' list "
            "(a model-quality statistics.json has metrics instead, and has no report)",
            path=current_source,
        )
    baseline_names = [
        *(f.name for f in (baseline.features if baseline is not None else [])),
        *(f.name for f in (constraints.features if constraints is not None else [])),
    ]
    if current_names and baseline_names and not set(current_names) & set(baseline_names):
        raise InputFileError(
            f"{current_source} and {baseline_source} describe different data: no feature in common "
            f"(current has {_names(current_names)}; "
            f"baseline has {_names(list(dict.fromkeys(baseline_names)))})"
        )
    return compare(current, baseline, constraints, violations)


def _names(names: list[str]) -> str:
    shown = ", ".join(names[:5])
    return shown + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def write_report(folder_uri: str, html: str) -> str:
    """Write ``html`` as ``folder_uri/report.html``; returns the file's URI."""
    uri = join_uri(folder_uri, REPORT_FILE)
    store_for(uri).write_text(uri, html)
    return uri
