"""Baselining and checking a data set: the one-off jobs, through the one pipeline (``jobs.pipeline``).

``run_baseline`` is SageMaker's baselining job (``statistics.json``, suggested ``constraints.json``);
``run_check`` a monitoring job without a schedule or capture window. Neither needs the catalog. Both
take SageMaker's ``dataset_format`` dict and return the result as data (bad records counted, warnings
listed); interfaces render it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from modelmonitor.analyzers.data_quality import DataQualityProfile
from modelmonitor.analyzers.model_explainability import (
    DEFAULT_MAX_ROWS,
    ExplainabilityProfile,
    ExplainabilitySettings,
)
from modelmonitor.analyzers.model_quality import ModelQualitySettings
from modelmonitor.constraints import attribution, model_quality
from modelmonitor.constraints.data_quality import CheckReport
from modelmonitor.engine.base import Progress
from modelmonitor.engine.choice import engine_for
from modelmonitor.errors import ConfigurationError
from modelmonitor.formats.clarify import (
    ANALYSIS_CONFIG_FILE,
    AnalysisConfig,
    AnalysisFile,
    AttributionViolationsFile,
    BiasViolationsFile,
)
from modelmonitor.formats.constraints import CategoricalDriftMethod, ConstraintsFile
from modelmonitor.formats.engine_choice import EngineChoice
from modelmonitor.formats.model_quality import (
    PROBLEM_TYPES,
    ModelQualityConstraintsFile,
    ModelQualityStatisticsFile,
    ModelQualityViolationsFile,
    ProblemType,
)
from modelmonitor.formats.statistics import StatisticsFile
from modelmonitor.formats.violations import ViolationsFile
from modelmonitor.jobs.inputs import table_source
from modelmonitor.jobs.monitors import DATA_QUALITY, MODEL_BIAS, MODEL_EXPLAINABILITY, MODEL_QUALITY, JobData
from modelmonitor.jobs.pipeline import Check, JobResult, Outputs, Suggest, run_pipeline
from modelmonitor.outputs.files import read_constraints, read_statistics, write_file

__all__ = [
    "DataQualityResult",
    "ModelBiasResult",
    "ModelExplainabilityResult",
    "ModelQualityResult",
    "run_baseline",
    "run_check",
    "run_model_bias_baseline",
    "run_model_explainability_baseline",
    "run_model_quality_baseline",
]

DataQualityResult = JobResult[
    DataQualityProfile, StatisticsFile, ConstraintsFile, CheckReport, ViolationsFile
]
ModelQualityResult = JobResult[
    ModelQualityStatisticsFile,
    ModelQualityStatisticsFile,
    ModelQualityConstraintsFile,
    model_quality.CheckReport,
    ModelQualityViolationsFile,
]

ModelBiasResult = JobResult[AnalysisFile, AnalysisFile, AnalysisFile, BiasViolationsFile, BiasViolationsFile]
ModelExplainabilityResult = JobResult[
    ExplainabilityProfile, AnalysisFile, AnalysisFile, attribution.CheckReport, AttributionViolationsFile
]

logger = logging.getLogger("modelmonitor.service")


def _progress(
    on_start: Callable[[int | None], None] | None, on_rows: Callable[[int], None] | None
) -> Progress | None:
    if on_start is None and on_rows is None:
        return None
    return Progress(on_start=on_start, on_batch=(lambda batch: on_rows(batch.num_rows)) if on_rows else None)


def run_baseline(
    data_uri: str,
    dataset_format: Mapping[str, Any],
    output_uri: str,
    *,
    categorical_drift_method: CategoricalDriftMethod | None = None,
    record_preprocessor_script: str | None = None,
    post_analytics_processor_script: str | None = None,
    engine: EngineChoice | None = None,
    on_start: Callable[[int | None], None] | None = None,
    on_rows: Callable[[int], None] | None = None,
) -> DataQualityResult:
    """A baselining job: ``statistics.json`` and suggested ``constraints.json`` of a data set.

    ``dataset_format`` is SageMaker's dict (``DatasetFormat.csv(header=True)``); ``on_start`` gets the row
    total when the format knows it, ``on_rows`` the rows of each batch read (for a progress display).
    ``engine`` None or ``local`` reads in this process; ``spark`` on Spark (docs/spark.md).
    """
    return run_pipeline(
        DATA_QUALITY,
        JobData(table_source(data_uri, dataset_format, record_preprocessor_script)),
        Suggest(categorical_drift_method),
        Outputs(output_uri, postprocess_script=post_analytics_processor_script),
        logger=logger,
        engine=engine_for(engine),
        progress=_progress(on_start, on_rows),
    )


def run_model_quality_baseline(
    data_uri: str,
    dataset_format: Mapping[str, Any],
    output_uri: str,
    *,
    problem_type: ProblemType,
    inference_attribute: str | None = None,
    probability_attribute: str | None = None,
    ground_truth_attribute: str | None = None,
    probability_threshold_attribute: float | None = None,
    post_analytics_processor_script: str | None = None,
    engine: EngineChoice | None = None,
) -> ModelQualityResult:
    """A model-quality baselining job: ``statistics.json`` (every metric of ``problem_type``) and the
    suggested ``constraints.json`` of a CSV of predictions and labels (SageMaker's ``suggest_baseline``).

    The attributes are column names of the CSV's header, or zero-based column indexes without one.
    ``engine`` as in ``run_baseline`` (on Spark the CSV file is read by one task).
    """
    if problem_type not in PROBLEM_TYPES:
        raise ConfigurationError(
            f"problem_type: got {problem_type!r}, expected one of {', '.join(PROBLEM_TYPES)}"
        )
    settings = ModelQualitySettings(
        problem_type,
        inference_attribute=inference_attribute,
        probability_attribute=probability_attribute,
        probability_threshold=probability_threshold_attribute,
        ground_truth_attribute=ground_truth_attribute,
    )
    return run_pipeline(
        MODEL_QUALITY,
        JobData(table_source(data_uri, dataset_format), model_quality=settings),
        Suggest(),
        Outputs(output_uri, postprocess_script=post_analytics_processor_script),
        logger=logger,
        engine=engine_for(engine),
    )


def run_model_bias_baseline(
    data_uri: str, config: AnalysisConfig, output_uri: str, *, engine: EngineChoice | None = None
) -> ModelBiasResult:
    """A model-bias baselining job (SageMaker's ``ModelBiasMonitor.suggest_baseline``): the bias
    ``analysis.json`` of a CSV data set, pre-training metrics from its ``label`` column and post-training
    ones from its ``predicted_label`` column; the file is the monitor's constraints. The analysis config
    is written beside it as ``analysis_config.json``, as Clarify's job keeps it. ``engine`` as in
    ``run_baseline`` (on Spark the CSV file is parsed by one task, the metrics computed here)."""
    result = run_pipeline(
        MODEL_BIAS,
        JobData(table_source(data_uri, {"csv": {"header": config.headers is None}}), analysis_config=config),
        Suggest(),
        Outputs(output_uri),
        logger=logger,
        engine=engine_for(engine),
    )
    written = write_file(output_uri, ANALYSIS_CONFIG_FILE, config)
    return replace(result, outputs={**result.outputs, ANALYSIS_CONFIG_FILE: written})


def run_model_explainability_baseline(
    data_uri: str,
    config: AnalysisConfig,
    output_uri: str,
    *,
    predictor: Callable[[Any], Any] | None = None,
    max_rows: int = DEFAULT_MAX_ROWS,
    engine: EngineChoice | None = None,
) -> ModelExplainabilityResult:
    """A model-explainability baselining job (SageMaker's ``ModelExplainabilityMonitor.suggest_baseline``):
    Kernel SHAP over a sample of a CSV data set (at most ``max_rows`` rows) → ``analysis.json`` with the
    global SHAP value of each feature, the monitor's constraints. The model is ``predictor`` (a Python
    callable) or, without one, the server at the config's ``predictor.endpoint_url``. The analysis config
    is written beside it as ``analysis_config.json``. It runs in this process whatever ``engine`` says
    (logged when it says spark: the model's calls are the work; docs/spark.md)."""
    data = JobData(
        table_source(data_uri, {"csv": {"header": config.headers is None}}),
        analysis_config=config,
        explainability=ExplainabilitySettings(predictor=predictor, max_rows=max_rows),
    )
    result = run_pipeline(
        MODEL_EXPLAINABILITY, data, Suggest(), Outputs(output_uri), logger=logger, engine=engine_for(engine)
    )
    written = write_file(output_uri, ANALYSIS_CONFIG_FILE, config)
    return replace(result, outputs={**result.outputs, ANALYSIS_CONFIG_FILE: written})


def run_check(
    data_uri: str,
    dataset_format: Mapping[str, Any],
    baseline_uri: str,
    output_uri: str | None,
    *,
    statistics_uri: str | None = None,
    constraints_uri: str | None = None,
    engine: EngineChoice | None = None,
    on_start: Callable[[int | None], None] | None = None,
    on_rows: Callable[[int], None] | None = None,
) -> DataQualityResult:
    """A monitoring job without a schedule: a data set checked against the baseline files.

    The baseline files are ``statistics.json`` and ``constraints.json`` in ``baseline_uri`` unless given
    one by one; ``output_uri`` None writes nothing (the result is returned). ``engine`` as in
    ``run_baseline``.
    """
    constraints = read_constraints(constraints_uri or baseline_uri)
    statistics = read_statistics(statistics_uri or baseline_uri)
    return run_pipeline(
        DATA_QUALITY,
        JobData(table_source(data_uri, dataset_format)),
        Check(statistics, constraints),
        Outputs(output_uri),
        logger=logger,
        engine=engine_for(engine),
        progress=_progress(on_start, on_rows),
    )
