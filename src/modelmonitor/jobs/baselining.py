"""Baselining and one-off checking of a data set: read → profile → suggest or check → write files.

``run_baseline`` writes ``statistics.json`` and ``constraints.json`` (SageMaker's baselining job);
``run_check`` profiles a data set and checks it against a baseline folder, writing ``statistics.json``
and ``constraint_violations.json`` (a monitoring execution without the capture window). Both return
the results as data, including bad records (counted, logged, never fatal) and warnings; callers render.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from modelmonitor.analyzers.data_quality import DataQualityProfile, profile_source
from modelmonitor.constraints.data_quality import CheckReport, evaluate, suggest
from modelmonitor.dataset.report import ReadReport
from modelmonitor.dataset.source import DatasetSource, positional_names
from modelmonitor.engine.base import Engine, Progress
from modelmonitor.formats.constraints import CategoricalDriftMethod, ConstraintsFile
from modelmonitor.formats.exit_message import ExitMessage
from modelmonitor.formats.statistics import StatisticsFile
from modelmonitor.formats.violations import ViolationsFile
from modelmonitor.outputs.files import (
    CONSTRAINTS_FILE,
    STATISTICS_FILE,
    VIOLATIONS_FILE,
    read_constraints,
    read_statistics,
    write_file,
)

__all__ = ["BaselineResult", "CheckResult", "Progress", "run_baseline", "run_check"]

_log = logging.getLogger(__name__)


class _ReadCounts:
    """What both results tell about reading the data set: its bad records and warnings."""

    read: ReadReport

    @property
    def bad_record_count(self) -> int:
        return self.read.bad_record_count


@dataclass(frozen=True)
class BaselineResult(_ReadCounts):
    statistics: StatisticsFile
    constraints: ConstraintsFile
    profile: DataQualityProfile
    read: ReadReport
    outputs: dict[str, str]
    seconds: float


@dataclass(frozen=True)
class CheckResult(_ReadCounts):
    statistics: StatisticsFile
    violations: ViolationsFile
    report: CheckReport
    profile: DataQualityProfile
    read: ReadReport
    outputs: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def message(self) -> str:
        return ExitMessage.completed(len(self.violations.violations)).text


def _profile(
    source: DatasetSource, engine: Engine | None, progress: Progress | None
) -> tuple[DataQualityProfile, ReadReport]:
    profile, read = profile_source(source, engine, progress=progress)
    for warning in read.warnings:
        _log.warning("%s", warning.message)
    for bad in read.bad_records:
        _log.warning("bad record: %s", bad)
    if read.bad_record_count:
        _log.warning("bad_records=%d (not analysed; see the warnings above)", read.bad_record_count)
    return profile, read


def run_baseline(
    source: DatasetSource,
    output_uri: str,
    *,
    categorical_drift_method: CategoricalDriftMethod | None = None,
    engine: Engine | None = None,
    progress: Progress | None = None,
) -> BaselineResult:
    """Profile ``source`` and write its statistics and suggested constraints under ``output_uri``."""
    started = time.perf_counter()
    profile, read = _profile(source, engine, progress)
    statistics = profile.to_statistics()
    constraints = suggest(statistics, categorical_drift_method)
    outputs = {
        STATISTICS_FILE: write_file(output_uri, STATISTICS_FILE, statistics),
        CONSTRAINTS_FILE: write_file(output_uri, CONSTRAINTS_FILE, constraints),
    }
    seconds = time.perf_counter() - started
    _log.info("baseline of %d rows written to %s in %.2f s", profile.item_count, output_uri, seconds)
    return BaselineResult(statistics, constraints, profile, read, outputs, seconds)


def run_check(
    source: DatasetSource,
    baseline_uri: str,
    output_uri: str | None,
    *,
    statistics_uri: str | None = None,
    constraints_uri: str | None = None,
    engine: Engine | None = None,
    progress: Progress | None = None,
) -> CheckResult:
    """Profile ``source`` and check it against the baseline files (folder ``baseline_uri`` by default)."""
    started = time.perf_counter()
    constraints = read_constraints(constraints_uri or baseline_uri)
    baseline = read_statistics(statistics_uri or baseline_uri)
    profile, read = _profile(source, engine, progress)
    profile = profile.renamed(
        positional_names(profile.column_names, [feature.name for feature in constraints.features])
    )
    report = evaluate(profile, baseline, constraints)
    statistics = profile.to_statistics()
    violations = report.to_violations()
    outputs: dict[str, str] = {}
    if output_uri is not None:
        outputs[STATISTICS_FILE] = write_file(output_uri, STATISTICS_FILE, statistics)
        outputs[VIOLATIONS_FILE] = write_file(output_uri, VIOLATIONS_FILE, violations)
    seconds = time.perf_counter() - started
    result = CheckResult(statistics, violations, report, profile, read, outputs, seconds)
    _log.info("%s", result.message)
    return result
