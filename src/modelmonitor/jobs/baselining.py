"""Baselining and one-off checking of a data set: read → profile → suggest or check → write files.

``run_baseline`` writes ``statistics.json`` and ``constraints.json`` (SageMaker's baselining job);
``run_check`` profiles a data set and checks it against a baseline folder, writing ``statistics.json``
and ``constraint_violations.json`` (a monitoring execution without the capture window). Both return
the results as data, including bad records (counted, logged, never fatal) and warnings; callers render.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pyarrow as pa

from modelmonitor.analyzers.data_quality import DataQualityProfile, DataQualityRun, profile_dataset
from modelmonitor.constraints.data_quality import CheckReport, evaluate, suggest
from modelmonitor.dataset.readers import DatasetIssue, DatasetSpec
from modelmonitor.engine.base import Engine
from modelmonitor.formats.constraints import CategoricalDriftMethod, ConstraintsFile
from modelmonitor.formats.statistics import StatisticsFile
from modelmonitor.formats.violations import ViolationsFile
from modelmonitor.outputs.files import (
    CONSTRAINTS_FILE,
    STATISTICS_FILE,
    VIOLATIONS_FILE,
    exit_message,
    read_constraints,
    read_statistics,
    write_file,
)

__all__ = ["BaselineResult", "CheckResult", "Progress", "run_baseline", "run_check"]

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Progress:
    """Callbacks for a progress display: the row total when known, then each batch read."""

    on_start: Callable[[int | None], None] | None = None
    on_batch: Callable[[pa.RecordBatch], None] | None = None


class _ReadCounts:
    """What both results tell about reading the data set: its bad records and warnings."""

    run: DataQualityRun

    @property
    def bad_record_count(self) -> int:
        return self.run.bad_record_count

    @property
    def issues(self) -> list[DatasetIssue]:
        return self.run.issues


@dataclass(frozen=True)
class BaselineResult(_ReadCounts):
    statistics: StatisticsFile
    constraints: ConstraintsFile
    run: DataQualityRun
    outputs: dict[str, str]
    seconds: float


@dataclass(frozen=True)
class CheckResult(_ReadCounts):
    statistics: StatisticsFile
    violations: ViolationsFile
    report: CheckReport
    run: DataQualityRun
    outputs: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def message(self) -> str:
        return exit_message(len(self.violations.violations))


def _profile(
    spec: DatasetSpec, engine: Engine | None, progress: Progress | None, preprocessor: str | None = None
) -> DataQualityRun:
    progress = progress or Progress()
    run = profile_dataset(
        spec,
        engine,
        on_batch=progress.on_batch,
        on_start=progress.on_start,
        record_preprocessor_script=preprocessor,
    )
    for issue in run.issues:
        _log.warning("%s", issue.message)
    if run.bad_record_count:
        _log.warning("bad_records=%d (not analysed; see the warnings above)", run.bad_record_count)
    return run


def run_baseline(
    spec: DatasetSpec,
    output_uri: str,
    *,
    categorical_drift_method: CategoricalDriftMethod | None = None,
    engine: Engine | None = None,
    progress: Progress | None = None,
    record_preprocessor_script: str | None = None,
) -> BaselineResult:
    """Profile ``spec`` and write its statistics and suggested constraints under ``output_uri``."""
    started = time.perf_counter()
    run = _profile(spec, engine, progress, record_preprocessor_script)
    statistics = run.profile.to_statistics()
    constraints = suggest(statistics, categorical_drift_method)
    outputs = {
        STATISTICS_FILE: write_file(output_uri, STATISTICS_FILE, statistics),
        CONSTRAINTS_FILE: write_file(output_uri, CONSTRAINTS_FILE, constraints),
    }
    seconds = time.perf_counter() - started
    _log.info("baseline of %d rows written to %s in %.2f s", run.profile.item_count, output_uri, seconds)
    return BaselineResult(statistics, constraints, run, outputs, seconds)


def _positional_names(profile: DataQualityProfile, constraints: ConstraintsFile) -> DataQualityProfile:
    """Headerless current data (``_c0.._cN``) takes the baseline's feature names by position."""
    names = [feature.name for feature in constraints.features]
    mapping = {f"_c{index}": name for index, name in enumerate(names)}
    return profile.renamed(mapping)


def run_check(
    spec: DatasetSpec,
    baseline_uri: str,
    output_uri: str | None,
    *,
    statistics_uri: str | None = None,
    constraints_uri: str | None = None,
    engine: Engine | None = None,
    progress: Progress | None = None,
) -> CheckResult:
    """Profile ``spec`` and check it against the baseline files (folder ``baseline_uri`` by default)."""
    started = time.perf_counter()
    constraints = read_constraints(constraints_uri or baseline_uri)
    baseline = read_statistics(statistics_uri or baseline_uri)
    run = _profile(spec, engine, progress)
    profile = run.profile
    if spec.format == "csv" and not spec.header:
        profile = _positional_names(profile, constraints)
    report = evaluate(profile, baseline, constraints)
    statistics = profile.to_statistics()
    violations = report.to_violations()
    outputs: dict[str, str] = {}
    if output_uri is not None:
        outputs[STATISTICS_FILE] = write_file(output_uri, STATISTICS_FILE, statistics)
        outputs[VIOLATIONS_FILE] = write_file(output_uri, VIOLATIONS_FILE, violations)
    seconds = time.perf_counter() - started
    result = CheckResult(
        statistics,
        violations,
        report,
        DataQualityRun(profile, run.bad_records, run.issues, run.files),
        outputs,
        seconds,
    )
    _log.info("%s", result.message)
    return result
