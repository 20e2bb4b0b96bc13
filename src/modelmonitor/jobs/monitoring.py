"""The built-in monitoring job (data and model quality): one process, SageMaker's container contract.

The contract: docs/sagemaker.md#container-contract.

``python -m modelmonitor.jobs.monitoring`` reads its whole configuration from the environment
(``jobs.contract``), so the scheduler runs it exactly as it runs a custom monitor. Steps:

1. model quality only: merge the window's captured records (or batch-transform outputs) with the
   ground truth collected up to the execution's scheduled time, within its share (``MERGE_SHARE``) of
   the maximum runtime; the merged records are written under ``{output_path}/merge/``;
2. read the captured (or merged) records of the window ``[start_time, end_time)`` (torn/bad lines
   counted, not fatal);
3. turn them into rows: ``preprocess_handler`` when a script is given, else the default flattening;
4. profile the rows and check them against the baseline: the analyzer and checker of the contract's
   monitoring type (``jobs.monitors``), through the one pipeline (``jobs.pipeline``); explainability
   explains a bounded sample with Kernel SHAP, calling the model within ``EXPLAIN_SHARE`` of the maximum
   runtime;
5. write ``statistics.json`` (Clarify monitors: ``analysis.json``), ``constraints.json``,
   ``constraint_violations.json`` to ``output_path``, the
   CloudWatch-style metric file when publishing is enabled, and the exit message;
6. run ``postprocess_handler()`` after a successful analysis.

Exit status 0 means the analysis ran (the message says Completed or CompletedWithViolations); 1 means it
failed and the message says why in words a person can act on.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from modelmonitor.analyzers.model_explainability import ExplainabilitySettings
from modelmonitor.analyzers.model_quality import ModelQualitySettings
from modelmonitor.dataset.source import DatasetSource
from modelmonitor.dataset.window import AnalysisWindow, format_time
from modelmonitor.engine.choice import engine_for
from modelmonitor.engine.local import keep_freed_arrow_memory
from modelmonitor.errors import ConfigurationError, ModelMonitorError
from modelmonitor.formats.clarify import AnalysisConfig
from modelmonitor.formats.exit_message import ExitMessage
from modelmonitor.formats.job_definition import ANALYSIS_CONFIG_VARIABLE
from modelmonitor.formats.statuses import MonitoringType
from modelmonitor.jobs.contract import JobContract
from modelmonitor.jobs.monitors import GroundTruthMerge, JobData, JobInput, monitor_for
from modelmonitor.jobs.pipeline import Check, JobResult, MetricsTarget, Outputs, run_pipeline
from modelmonitor.reports.html import ReportContext

__all__ = ["DEFAULT_PREPROCESS_ERROR_THRESHOLD", "main", "run"]

DEFAULT_PREPROCESS_ERROR_THRESHOLD = 0.1
THRESHOLD_VARIABLE = "MODELMONITOR_PREPROCESS_ERROR_THRESHOLD"
# The merge's share of the maximum runtime (SageMaker runs merge and analysis as two jobs, each with part of
# MaxRuntimeInSeconds); the analysis gets the rest.
MERGE_SHARE = 0.5
# The explainability analysis's share of the maximum runtime: calling the model for SHAP is most of the job,
# and the rest leaves time to start, write the outputs and exit before the worker stops the job.
EXPLAIN_SHARE = 0.8


def _merge(contract: JobContract) -> GroundTruthMerge:
    if contract.ground_truth_uri is None:
        raise ConfigurationError(
            f"a {contract.monitoring_type.value} job needs MODELMONITOR_GROUND_TRUTH_URI in its environment"
        )
    budget = None if contract.max_runtime_seconds is None else contract.max_runtime_seconds * MERGE_SHARE
    # Labels collected up to the time the execution was due count (the scheduler's clock, not this
    # process's): the offsets put the window in the past so that its labels had time to arrive.
    until = contract.scheduled_time or contract.end_time
    return GroundTruthMerge(contract.ground_truth_uri, until, contract.output_path, budget)


def _analysis_config(contract: JobContract) -> AnalysisConfig:
    if contract.analysis_config is None:
        raise ConfigurationError(
            f"a {contract.monitoring_type.value} job needs {ANALYSIS_CONFIG_VARIABLE} "
            "(the analysis_config.json) in its environment"
        )
    return AnalysisConfig.from_path(contract.analysis_config)


def _job_data(contract: JobContract, source: DatasetSource) -> JobData:
    monitor = monitor_for(contract.monitoring_type)
    merge = _merge(contract) if JobInput.GROUND_TRUTH in monitor.required_inputs else None
    analysis_config = (
        _analysis_config(contract) if JobInput.ANALYSIS_CONFIG in monitor.required_inputs else None
    )
    attributes = contract.attributes
    settings = None
    if contract.monitoring_type == MonitoringType.MODEL_QUALITY:
        if contract.problem_type is None:
            raise ConfigurationError("a ModelQuality job needs problem_type in its environment")
        settings = ModelQualitySettings(
            contract.problem_type,
            inference_attribute=attributes.inference_attribute,
            probability_attribute=attributes.probability_attribute,
            probability_threshold=attributes.probability_threshold_attribute,
        )
    budget = None if contract.max_runtime_seconds is None else contract.max_runtime_seconds * EXPLAIN_SHARE
    return JobData(
        source,
        merge=merge,
        model_quality=settings,
        analysis_config=analysis_config,
        attributes=attributes,
        explainability=ExplainabilitySettings(time_budget_seconds=budget),
    )


def _report_context(contract: JobContract) -> ReportContext:
    """The title and facts of an execution's report.html."""
    facts = [
        ("schedule", contract.schedule_name or "—"),
        ("execution", str(contract.execution_id) if contract.execution_id is not None else "—"),
        ("endpoint", contract.endpoint_name or "—"),
        ("data", contract.dataset_source),
        ("window", f"{format_time(contract.start_time)} to {format_time(contract.end_time)}"),
        ("baseline statistics", contract.baseline_statistics or "—"),
    ]
    return ReportContext(f"Data-quality report: {contract.schedule_name or contract.dataset_source}", facts)


def run(
    contract: JobContract, logger: logging.Logger, error_threshold: float
) -> JobResult[Any, Any, Any, Any, Any]:
    """Run the job; raise a ModelMonitorError (with an actionable message) when it cannot complete."""
    logger.info(
        "monitoring %s (schedule %s, %s) from %s to %s",
        contract.endpoint_name or contract.dataset_source,
        contract.schedule_name,
        contract.monitoring_type.value,
        contract.start_time.isoformat(),
        contract.end_time.isoformat(),
    )
    logger.info("engine %s", contract.engine.kind)
    monitor = monitor_for(contract.monitoring_type)
    source = DatasetSource.for_job(
        contract.dataset_source,
        contract.dataset_format,
        window=AnalysisWindow(contract.start_time, contract.end_time),
        endpoint=contract.endpoint_name,
        preprocessor=contract.record_preprocessor_script,
    )
    data = _job_data(contract, source)
    baseline = Check(
        # The worker hands the job local copies of the baseline files, named as the user named them.
        monitor.statistics_file.from_path(contract.baseline_statistics)
        if contract.baseline_statistics
        else None,
        monitor.constraints_file.from_path(contract.baseline_constraints)
        if contract.baseline_constraints
        else None,
    )
    metrics = (
        MetricsTarget(
            Path(contract.cloudwatch_metrics_directory),
            contract.endpoint_name,
            contract.schedule_name,
            contract.end_time,
        )
        if contract.publish_cloudwatch_metrics
        else None
    )
    outputs = Outputs(
        contract.output_path,
        metrics,
        contract.post_analytics_processor_script,
        html_report=_report_context(contract) if contract.html_report else None,
    )
    return run_pipeline(
        monitor,
        data,
        baseline,
        outputs,
        logger=logger,
        engine=engine_for(contract.engine),
        preprocess_error_threshold=error_threshold,
    )


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
    keep_freed_arrow_memory()  # this process runs one execution and ends
    try:
        result = run(contract, logger, threshold)
    except ModelMonitorError as exc:
        logger.error("%s", exc)
        ExitMessage.failed(str(exc)).write(Path(contract.output_message_file))
        return 1
    window = (contract.start_time.isoformat(), contract.end_time.isoformat())
    # run_pipeline has logged the outcome already: the message is only written here.
    message = replace(result.exit_message, window=window)
    message.write(Path(contract.output_message_file))
    return 0


if __name__ == "__main__":
    sys.exit(main())
