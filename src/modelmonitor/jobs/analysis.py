"""The analysis step of the monitoring job: rows → statistics → check against the baseline.

Captured CSV has no header, so its columns arrive as ``_c0, _c1, ...`` (output columns first). When none of
the current column names is a baseline feature name, columns are matched to the baseline features by
position, as SageMaker's analyzer does; a count mismatch then shows up as missing/extra column violations.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from modelmonitor.analyzers.data_quality import DataQualityProfile
from modelmonitor.constraints.data_quality import evaluate
from modelmonitor.dataset.source import positional_names
from modelmonitor.formats.constraints import ConstraintsFile
from modelmonitor.formats.statistics import StatisticsFile
from modelmonitor.formats.violations import ViolationsFile

__all__ = ["AnalysisResult", "analyze"]


@dataclass(frozen=True)
class AnalysisResult:
    statistics: StatisticsFile
    constraints: ConstraintsFile | None
    violations: ViolationsFile
    drift: dict[str, float] = field(default_factory=dict)
    emit_metrics: bool = True


def analyze(
    profile: DataQualityProfile,
    statistics_path: str | None,
    constraints_path: str | None,
    logger: logging.Logger,
) -> AnalysisResult:
    """Check a profile of the window's rows against the baseline."""
    baseline = StatisticsFile.from_path(statistics_path) if statistics_path else None
    constraints = ConstraintsFile.from_path(constraints_path) if constraints_path else None
    if constraints is not None:
        expected = [feature.name for feature in constraints.features]
    else:
        expected = [feature.name for feature in baseline.features] if baseline is not None else []
    mapping = positional_names(profile.column_names, expected)
    if mapping:
        logger.info("matched %d positional columns to baseline features by position", len(mapping))
        profile = profile.renamed(mapping)
    statistics = profile.to_statistics()
    if constraints is None:
        logger.warning("no baseline constraints given: statistics only, no checks")
        return AnalysisResult(statistics, None, ViolationsFile(violations=[]))
    report = evaluate(profile, baseline, constraints)
    config = constraints.monitoring_config
    emit = config is None or config.emit_metrics != "Disabled"
    return AnalysisResult(statistics, constraints, report.to_violations(), dict(report.baseline_drift), emit)
