"""The built-in data-quality monitoring job: one process, SageMaker's container contract (reference §10).

``python -m modelmonitor.jobs.monitoring`` reads its whole configuration from the environment
(``jobs.contract``), so the scheduler runs it exactly as it runs a custom monitor. Steps:

1. read the captured records of the window ``[start_time, end_time)`` (torn/bad lines counted, not fatal);
2. turn them into rows: ``preprocess_handler`` when a script is given, else the default flattening;
3. profile the rows and check them against the baseline (data-quality analyzer and checker);
4. write ``statistics.json``, ``constraints.json``, ``constraint_violations.json`` to ``output_path``, the
   CloudWatch-style metric file when publishing is enabled, and the exit message;
5. run ``postprocess_handler()`` after a successful analysis.

Exit status 0 means the analysis ran (the message says Completed or CompletedWithViolations); 1 means it
failed and the message says why in words a person can act on.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from modelmonitor.dataset.captured import (
    ReadReport,
    capture_files,
    flatten_record,
    iter_captured_records,
    transform_input_files,
)
from modelmonitor.dataset.preprocess import PreprocessReport, RecordPreprocessor
from modelmonitor.dataset.window import AnalysisWindow
from modelmonitor.errors import DatasetError, JobError, ModelMonitorError
from modelmonitor.jobs.analysis import AnalysisResult, analyze, read_batch_table
from modelmonitor.jobs.contract import JobContract
from modelmonitor.outputs.metrics import data_quality_metric_records, write_cloudwatch_metrics
from modelmonitor.outputs.postprocess import run_postprocess
from modelmonitor.storage.objects import store_for

__all__ = ["DEFAULT_PREPROCESS_ERROR_THRESHOLD", "WindowData", "main", "read_window", "run"]

DEFAULT_PREPROCESS_ERROR_THRESHOLD = 0.1
THRESHOLD_VARIABLE = "MODELMONITOR_PREPROCESS_ERROR_THRESHOLD"


@dataclass(frozen=True)
class WindowData:
    table: pa.Table
    read: ReadReport
    preprocess: PreprocessReport | None


def _capture_format(contract: JobContract) -> bool:
    return (
        "sagemakerCaptureJson" in contract.dataset_format or "sagemakerMergeJson" in contract.dataset_format
    )


def _table(rows: list[dict[str, Any]]) -> pa.Table:
    columns: dict[str, None] = {}
    for row in rows:
        for key in row:
            columns.setdefault(key, None)
    data = {
        name: pa.array([None if r.get(name) is None else str(r[name]) for r in rows], type=pa.string())
        for name in columns
    }
    return pa.table(data)


def read_window(contract: JobContract, logger: logging.Logger, error_threshold: float) -> WindowData:
    """The window's rows as a table of text columns (types are inferred by the analyzer, as Deequ does)."""
    window = AnalysisWindow(contract.start_time, contract.end_time)
    store = store_for(contract.dataset_source)
    report = ReadReport()
    if not _capture_format(contract):
        files = transform_input_files(store, contract.dataset_source, window)
        if not files:
            raise DatasetError(
                f"no batch-transform data {window.describe()} under {contract.dataset_source}/input"
            )
        report.files = len(files)
        return WindowData(read_batch_table(files, contract.dataset_format, logger), report, None)
    if not contract.endpoint_name:
        raise JobError("sagemaker_endpoint_name is required to read captured data")
    files = capture_files(store, contract.dataset_source, contract.endpoint_name, window)
    preprocessor = (
        RecordPreprocessor(contract.record_preprocessor_script, logger)
        if contract.record_preprocessor_script
        else None
    )
    rows: list[dict[str, Any]] = []
    for record in iter_captured_records(store, files, window, report):
        produced = preprocessor.apply(record.raw, record.where) if preprocessor else None
        if produced is None:
            try:
                produced = [{f"_c{i}": v for i, v in enumerate(row)} for row in flatten_record(record.raw)]
            except (ValueError, KeyError, TypeError) as exc:
                report.problem(record.where, str(exc))
                continue
        rows.extend(produced)
    for issue in report.issues:
        logger.warning("skipped: %s", issue)
    where = f"{contract.dataset_source}/{contract.endpoint_name}"
    if report.records_in_window == 0:
        raise DatasetError(f"no captured data {window.describe()} under {where} ({_read_summary(report)})")
    if preprocessor is not None:
        share = preprocessor.report.failed_fraction
        if share > error_threshold:
            first = preprocessor.report.errors[0] if preprocessor.report.errors else ""
            raise JobError(
                f"preprocess_handler failed on {preprocessor.report.failed} of {preprocessor.report.records} "
                f"records ({share:.0%}, threshold {error_threshold:.0%}); first: {first}"
            )
    if not rows:
        raise DatasetError(
            f"all {report.records_in_window} captured records {window.describe()} were dropped"
        )
    return WindowData(_table(rows), report, preprocessor.report if preprocessor else None)


def _read_summary(report: ReadReport) -> str:
    return (
        f"{report.files} file(s), {report.lines} line(s), "
        f"{report.records_outside_window} outside the window, "
        f"{report.bad_lines} bad, {report.torn_lines} torn, {report.shadow_records} shadow"
    )


def _exit_message(result: AnalysisResult) -> str:
    count = len(result.violations.violations)
    if count == 0:
        return "Completed: Job completed successfully with no violations."
    return f"CompletedWithViolations: Job completed successfully with {count} violations."


def _write_message(contract: JobContract, text: str) -> None:
    path = Path(contract.output_message_file)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n", encoding="utf-8")


def run(contract: JobContract, logger: logging.Logger, error_threshold: float) -> AnalysisResult:
    """Run the job; raise a ModelMonitorError (with an actionable message) when it cannot complete."""
    logger.info(
        "monitoring %s (schedule %s) from %s to %s",
        contract.endpoint_name or contract.dataset_source,
        contract.schedule_name,
        contract.start_time.isoformat(),
        contract.end_time.isoformat(),
    )
    data = read_window(contract, logger, error_threshold)
    logger.info("read %d rows (%s)", data.table.num_rows, _read_summary(data.read))
    if data.preprocess is not None:
        logger.info(
            "preprocess_handler: %d records, %d failed, %d dropped",
            data.preprocess.records,
            data.preprocess.failed,
            data.preprocess.dropped,
        )
    result = analyze(data.table, contract.baseline_statistics, contract.baseline_constraints, logger)
    output = Path(contract.output_path)
    output.mkdir(parents=True, exist_ok=True)
    result.statistics.write(output / "statistics.json")
    if result.constraints is not None:
        result.constraints.write(output / "constraints.json")
    result.violations.write(output / "constraint_violations.json")
    if contract.publish_cloudwatch_metrics and result.emit_metrics:
        records = data_quality_metric_records(
            result.statistics,
            result.drift,
            endpoint=contract.endpoint_name,
            schedule=contract.schedule_name,
            timestamp=contract.end_time,
        )
        write_cloudwatch_metrics(Path(contract.cloudwatch_metrics_directory), records)
    if contract.post_analytics_processor_script:
        run_postprocess(contract.post_analytics_processor_script, logger)
    return result


def main(environ: Mapping[str, str] | None = None) -> int:
    env = os.environ if environ is None else environ
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logger = logging.getLogger("modelmonitor.job")
    try:
        contract = JobContract.from_env(env)
    except ModelMonitorError as exc:
        logger.error("%s", exc)
        return 2
    threshold = float(env.get(THRESHOLD_VARIABLE, DEFAULT_PREPROCESS_ERROR_THRESHOLD))
    try:
        result = run(contract, logger, threshold)
    except ModelMonitorError as exc:
        logger.error("%s", exc)
        _write_message(contract, f"Failed: {exc}".splitlines()[0])
        return 1
    message = _exit_message(result)
    logger.info("%s", message)
    _write_message(contract, message)
    return 0


if __name__ == "__main__":
    sys.exit(main())
