"""One job pipeline: read → profile → suggest (baselining) or check (monitoring) → outputs.

``baseline``, ``check``, ``run-now``, scheduled executions and the SDK all run ``run_pipeline``: the same
reader and analyzer (the monitor's ``profile``, one ``DatasetSource`` on an engine), the same checker and
the same writers, whatever started the job.

- **Suggest** writes ``statistics.json`` and the suggested ``constraints.json``.
- **Check** writes ``statistics.json``, the baseline's ``constraints.json`` (when given) and
  ``constraint_violations.json``. Rows without column names take the baseline's feature names by position
  (``dataset.source.positional_names``, the one matching rule).
- **Outputs** also take the CloudWatch-style metric file (when asked for and the constraints don't disable
  metrics) and the user's ``postprocess_handler()``, run after the files were written.

Bad records are counted in the read report and logged, never fatal; results are data, callers render.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from modelmonitor.analyzers.data_quality import DataQualityProfile
from modelmonitor.constraints.data_quality import CheckReport
from modelmonitor.dataset.report import ReadReport
from modelmonitor.dataset.source import DatasetSource, positional_names
from modelmonitor.engine.base import Engine, Progress
from modelmonitor.formats.constraints import CategoricalDriftMethod, ConstraintsFile
from modelmonitor.formats.exit_message import ExitMessage
from modelmonitor.formats.statistics import StatisticsFile
from modelmonitor.formats.violations import ViolationsFile
from modelmonitor.jobs.monitors import Monitor
from modelmonitor.outputs.files import CONSTRAINTS_FILE, STATISTICS_FILE, VIOLATIONS_FILE, write_file
from modelmonitor.outputs.metrics import write_cloudwatch_metrics
from modelmonitor.outputs.postprocess import run_postprocess

__all__ = ["Check", "JobResult", "MetricsTarget", "Outputs", "Suggest", "run_pipeline"]


@dataclass(frozen=True)
class Suggest:
    """Baselining: suggest constraints from the statistics."""

    categorical_drift_method: CategoricalDriftMethod | None = None


@dataclass(frozen=True)
class Check:
    """Monitoring: check against a baseline (without constraints: statistics only, no checks)."""

    baseline_statistics: StatisticsFile | None
    constraints: ConstraintsFile | None


@dataclass(frozen=True)
class MetricsTarget:
    """Where the CloudWatch-style metric file goes and the dimensions its records carry."""

    directory: Path
    endpoint: str | None
    schedule: str | None
    timestamp: datetime


@dataclass(frozen=True)
class Outputs:
    """What a job writes besides its result: ``uri`` None writes no files (a check shown on screen only)."""

    uri: str | None
    metrics: MetricsTarget | None = None
    postprocess_script: str | None = None


@dataclass(frozen=True)
class JobResult:
    """What a job found: statistics, constraints (suggested, or the baseline's), the check when checked."""

    statistics: StatisticsFile
    constraints: ConstraintsFile | None
    report: CheckReport | None
    profile: DataQualityProfile
    read: ReadReport
    outputs: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def violations(self) -> ViolationsFile:
        return self.report.to_violations() if self.report is not None else ViolationsFile(violations=[])

    @property
    def bad_record_count(self) -> int:
        return self.read.bad_record_count

    @property
    def exit_message(self) -> ExitMessage:
        return ExitMessage.completed(len(self.violations.violations))

    @property
    def message(self) -> str:
        return self.exit_message.text


def _analyse(
    monitor: Monitor,
    profile: DataQualityProfile,
    read: ReadReport,
    step: Suggest | Check,
    logger: logging.Logger,
) -> JobResult:
    if isinstance(step, Suggest):
        statistics = profile.to_statistics()
        constraints = monitor.suggest(statistics, step.categorical_drift_method)
        return JobResult(statistics, constraints, None, profile, read)
    baseline = step.constraints or step.baseline_statistics
    expected = [feature.name for feature in baseline.features] if baseline is not None else []
    mapping = positional_names(profile.column_names, expected)
    if mapping:
        logger.info("matched %d unnamed columns to baseline features by position", len(mapping))
        profile = profile.renamed(mapping)
    statistics = profile.to_statistics()
    if step.constraints is None:
        logger.warning("no baseline constraints given: statistics only, no checks")
        return JobResult(statistics, None, CheckReport(), profile, read)
    report = monitor.check(profile, step.baseline_statistics, step.constraints)
    return JobResult(statistics, step.constraints, report, profile, read)


def _write(monitor: Monitor, result: JobResult, outputs: Outputs, logger: logging.Logger) -> dict[str, str]:
    written: dict[str, str] = {}
    if outputs.uri is not None:
        written[STATISTICS_FILE] = write_file(outputs.uri, STATISTICS_FILE, result.statistics)
        if result.constraints is not None:
            written[CONSTRAINTS_FILE] = write_file(outputs.uri, CONSTRAINTS_FILE, result.constraints)
        if result.report is not None:
            written[VIOLATIONS_FILE] = write_file(outputs.uri, VIOLATIONS_FILE, result.violations)
    config = result.constraints.monitoring_config if result.constraints is not None else None
    emit = config is None or config.emit_metrics != "Disabled"
    if outputs.metrics is not None and result.report is not None and emit:
        target = outputs.metrics
        records = monitor.metric_records(
            result.statistics,
            result.report.baseline_drift,
            endpoint=target.endpoint,
            schedule=target.schedule,
            timestamp=target.timestamp,
        )
        write_cloudwatch_metrics(target.directory, records)
    if outputs.postprocess_script:
        run_postprocess(outputs.postprocess_script, logger)
    return written


def run_pipeline(
    monitor: Monitor,
    source: DatasetSource,
    step: Suggest | Check,
    outputs: Outputs,
    *,
    logger: logging.Logger,
    engine: Engine | None = None,
    progress: Progress | None = None,
    preprocess_error_threshold: float | None = None,
) -> JobResult:
    """Read and profile ``source`` with ``monitor``'s analyzer, suggest or check, then write the outputs."""
    started = time.perf_counter()
    profile, read = monitor.profile(
        source, engine, progress=progress, preprocess_error_threshold=preprocess_error_threshold
    )
    logger.info("read %s", read.summary())
    for warning in read.warnings:
        logger.warning("%s", warning.message)
    for bad in read.bad_records:
        logger.warning("bad record: %s", bad)
    if read.bad_record_count:
        logger.warning("bad_records=%d (not analysed; see the warnings above)", read.bad_record_count)
    result = _analyse(monitor, profile, read, step, logger)
    written = _write(monitor, result, outputs, logger)
    seconds = time.perf_counter() - started
    if isinstance(step, Suggest):
        logger.info("baseline of %d rows written to %s in %.2f s", profile.item_count, outputs.uri, seconds)
    else:
        logger.info("%s", result.message)
    return JobResult(
        result.statistics, result.constraints, result.report, result.profile, read, written, seconds
    )
