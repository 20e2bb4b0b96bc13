"""One job pipeline: read → profile → suggest (baselining) or check (monitoring) → outputs.

``baseline``, ``check``, ``run-now``, scheduled executions and the SDK all run ``run_pipeline``: the same
reader and analyzer (the monitor's ``profile``, one ``DatasetSource`` on an engine), the same checker and
the same writers, whatever started the job.

- **Suggest** writes ``statistics.json`` and the suggested ``constraints.json``.
- **Check** writes ``statistics.json``, the baseline's ``constraints.json`` (when given) and
  ``constraint_violations.json``. Rows without column names take the baseline's feature names by position
  (``dataset.source.positional_names``, the one matching rule).
- **Outputs** also take the CloudWatch-style metric file (when asked for and the constraints don't disable
  metrics), ``report.html`` (a data-quality check whose schedule asked for it: docs/reports.md) and the
  user's ``postprocess_handler()``, run after the files were written.

Bad records are counted in the read report and logged, never fatal; results are data, callers render.
"""

from __future__ import annotations

import contextlib
import logging
import time
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Generic

from modelmonitor.dataset.merge import MergeReport, endpoint_predictions, transform_predictions
from modelmonitor.dataset.report import ReadReport
from modelmonitor.dataset.source import DatasetFormat
from modelmonitor.engine.base import Engine, Progress
from modelmonitor.engine.local import LocalEngine
from modelmonitor.errors import ConfigurationError, ModelMonitorError
from modelmonitor.formats.constraints import CategoricalDriftMethod, ConstraintsFile
from modelmonitor.formats.exit_message import ExitMessage
from modelmonitor.formats.layout import join_uri
from modelmonitor.formats.statistics import StatisticsFile
from modelmonitor.formats.violations import ViolationsFile
from modelmonitor.jobs.monitors import C, JobData, Monitor, P, R, S, V
from modelmonitor.outputs.files import VIOLATIONS_FILE, write_file
from modelmonitor.outputs.metrics import write_cloudwatch_metrics
from modelmonitor.outputs.postprocess import run_postprocess
from modelmonitor.reports.document import REPORT_FILE, comparison_of, write_report
from modelmonitor.reports.html import ReportContext, render_report
from modelmonitor.storage.objects import check_folder_location

__all__ = ["Check", "JobResult", "MetricsTarget", "Outputs", "Suggest", "run_pipeline"]


@dataclass(frozen=True)
class Suggest:
    """Baselining: suggest constraints from the statistics."""

    categorical_drift_method: CategoricalDriftMethod | None = None


@dataclass(frozen=True)
class Check(Generic[S, C]):
    """Monitoring: check against a baseline (without constraints: statistics only, no checks)."""

    baseline_statistics: S | None
    constraints: C | None


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
    # Also write report.html (data quality, a check with files): its title and facts.
    html_report: ReportContext | None = None


@dataclass(frozen=True)
class JobResult(Generic[P, S, C, R, V]):
    """What a job found: statistics, constraints (suggested, or the baseline's), the check when checked
    (``report``; a baseline has none and no violations), and the merge's report when there was one."""

    statistics: S
    constraints: C | None
    report: R | None
    violations: V
    profile: P
    read: ReadReport
    merge: MergeReport | None = None
    outputs: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def violation_count(self) -> int:
        return len(self.violations.violations)

    @property
    def bad_record_count(self) -> int:
        return self.read.bad_record_count

    @property
    def exit_message(self) -> ExitMessage:
        return ExitMessage.completed(
            self.violation_count,
            records=self.read.records,
            bad_records=self.read.bad_record_count,
            merge=None if self.merge is None else self.merge.counts(),
        )

    @property
    def message(self) -> str:
        return self.exit_message.text


def _analyse(
    monitor: Monitor[P, S, C, R, V],
    profile: P,
    read: ReadReport,
    step: Suggest | Check[S, C],
    logger: logging.Logger,
) -> JobResult[P, S, C, R, V]:
    if isinstance(step, Suggest):
        profile, statistics = monitor.statistics(profile, None, logger)
        constraints = monitor.suggest(statistics, step.categorical_drift_method)
        no_violations = monitor.violations(monitor.unchecked())
        return JobResult(statistics, constraints, None, no_violations, profile, read)
    profile, statistics = monitor.statistics(profile, step.constraints or step.baseline_statistics, logger)
    if step.constraints is None:
        logger.warning("no baseline constraints given: statistics only, no checks")
        report = monitor.unchecked()
    else:
        report = monitor.check(profile, step.baseline_statistics, step.constraints)
    return JobResult(statistics, step.constraints, report, monitor.violations(report), profile, read)


def _write_report(
    result: JobResult[P, S, C, R, V],
    step: Suggest | Check[S, C],
    folder_uri: str,
    context: ReportContext,
    logger: logging.Logger,
) -> str | None:
    """report.html of a data-quality check; a report that cannot be made is logged, never fatal: the
    job's result files are already written."""
    baseline = step.baseline_statistics if isinstance(step, Check) else None
    constraints = result.constraints
    if not (
        isinstance(result.statistics, StatisticsFile)
        and isinstance(result.violations, ViolationsFile)
        and isinstance(baseline, StatisticsFile | None)
        and isinstance(constraints, ConstraintsFile | None)
    ):
        logger.warning("report.html not written: HTML reports cover data-quality checks only")
        return None
    try:
        comparison = comparison_of(result.statistics, baseline, constraints, result.violations)
        uri = write_report(folder_uri, render_report(comparison, context))
    except ModelMonitorError as exc:
        logger.warning("report.html not written: %s", exc)
        return None
    logger.info("report written to %s", uri)
    return uri


def _write(
    monitor: Monitor[P, S, C, R, V],
    result: JobResult[P, S, C, R, V],
    step: Suggest | Check[S, C],
    outputs: Outputs,
    logger: logging.Logger,
) -> dict[str, str]:
    written: dict[str, str] = {}
    if outputs.uri is not None:
        statistics_name, constraints_name = monitor.statistics_name, monitor.constraints_name
        written[statistics_name] = write_file(outputs.uri, statistics_name, result.statistics)
        # A Clarify monitor's baseline constraints are an analysis.json: a check writes its own
        # analysis.json there, not the baseline's.
        if result.constraints is not None and (result.report is None or constraints_name != statistics_name):
            written[constraints_name] = write_file(outputs.uri, constraints_name, result.constraints)
        if result.report is not None:
            written[VIOLATIONS_FILE] = write_file(outputs.uri, VIOLATIONS_FILE, result.violations)
        if outputs.html_report is not None and result.report is not None:
            report = _write_report(result, step, outputs.uri, outputs.html_report, logger)
            if report is not None:
                written[REPORT_FILE] = report
    if (
        outputs.metrics is not None
        and result.report is not None
        and monitor.emits_metrics(result.constraints)
    ):
        target = outputs.metrics
        records = monitor.metric_records(
            result.statistics,
            result.report,
            endpoint=target.endpoint,
            schedule=target.schedule,
            timestamp=target.timestamp,
        )
        write_cloudwatch_metrics(target.directory, records)
    if outputs.postprocess_script:
        run_postprocess(outputs.postprocess_script, logger)
    return written


def _merge(data: JobData, engine: Engine, logger: logging.Logger) -> tuple[JobData, MergeReport]:
    """The merge step: the window's captures joined to their labels, written under the output's merge/
    (a Spark join on the Spark engine: engine/spark_merge.py)."""
    merge = data.merge
    assert merge is not None
    source = data.source
    output = join_uri(merge.output_uri, "merge")
    started = time.perf_counter()
    if source.window is not None and len(source.uris) == 1 and source.format is DatasetFormat.BATCH_MANIFEST:
        predictions = transform_predictions(source.uris[0], source.manifest_data_format, source.window)
    elif source.window is not None and len(source.uris) == 1 and source.endpoint is not None:
        predictions = endpoint_predictions(source.uris[0], source.endpoint, source.window)
    else:
        raise ConfigurationError(
            "the ground-truth merge reads one endpoint's captured data or one batch-transform capture in "
            f"a window; got data set {', '.join(source.uris)}, endpoint {source.endpoint}, "
            f"window {source.window}"
        )
    report = engine.merge_ground_truth(
        predictions,
        source.window,
        merge.ground_truth_uri,
        merge.until,
        output,
        time_budget_seconds=merge.time_budget_seconds,
    )
    logger.info("merge: %s in %.2f s", report.summary(), time.perf_counter() - started)
    for bad in (*report.capture_read.bad_records, *report.label_read.bad_records):
        logger.warning("bad record: %s", bad)
    if report.unmatched_ids:
        logger.warning("first predictions without a label: %s", ", ".join(report.unmatched_ids[:10]))
    if report.orphan_ids:
        logger.warning("first labels without a prediction: %s", ", ".join(report.orphan_ids[:10]))
    try:
        report.require_matches(source.window, merge.ground_truth_uri)
    except ModelMonitorError:
        report.written_files()  # nothing is left writing when the job fails
        raise
    return replace(data, merged=report), report


def _wait_for_merged_files(merge: MergeReport, logger: logging.Logger) -> None:
    started = time.perf_counter()
    files = merge.written_files()
    logger.info("merge: %d merged file(s) written (waited %.2f s)", len(files), time.perf_counter() - started)


def run_pipeline(
    monitor: Monitor[P, S, C, R, V],
    data: JobData,
    step: Suggest | Check[S, C],
    outputs: Outputs,
    *,
    logger: logging.Logger,
    engine: Engine | None = None,
    progress: Progress | None = None,
    preprocess_error_threshold: float | None = None,
) -> JobResult[P, S, C, R, V]:
    """Merge (when the job has ground truth), read and profile ``data`` with ``monitor``'s analyzer,
    suggest or check, then write the outputs."""
    started = time.perf_counter()
    if outputs.uri is not None:  # said now, not after reading the whole data set
        check_folder_location(outputs.uri, "output folder")
    engine = engine or LocalEngine()
    merge = None
    if data.merge is not None:
        data, merge = _merge(data, engine, logger)
    try:
        profile, read = monitor.profile(
            data, engine, progress=progress, preprocess_error_threshold=preprocess_error_threshold
        )
    except Exception:
        if merge is not None:
            with contextlib.suppress(Exception):  # the analysis's error is the one to report
                merge.written_files()
        raise
    if merge is not None:
        # The local engine's merge writes the merged files while the analysis runs (dataset.merge);
        # the job goes on with them written, or fails with the write's error.
        _wait_for_merged_files(merge, logger)
    logger.info("read %s", read.summary())
    for warning in read.warnings:
        logger.warning("%s", warning.message)
    for bad in read.bad_records:
        logger.warning("bad record: %s", bad)
    if read.bad_record_count:
        logger.warning("bad_records=%d (not analysed; see the warnings above)", read.bad_record_count)
    result = _analyse(monitor, profile, read, step, logger)
    written = _write(monitor, result, step, outputs, logger)
    seconds = time.perf_counter() - started
    if isinstance(step, Suggest):
        logger.info("baseline of %d rows written to %s in %.2f s", read.rows, outputs.uri, seconds)
    else:
        logger.info("%s", result.message)
    return replace(result, merge=merge, outputs=written, seconds=seconds)
