"""The monitor registry: what each ``MonitoringType`` computes, with which modules, from which inputs.

One entry per monitoring type names its analyzer (the job's data → a profile and the read report), how a
profile becomes ``statistics.json``, its constraint suggester (baselining) and checker (monitoring), its
file types, its metric records and the inputs a job of that type needs. The pipeline (``jobs.pipeline``)
and the service look monitors up here and nowhere else branch on the type, so a new monitor is its
modules (``analyzers/``, ``constraints/``, ``formats/``, ``outputs/metrics``) plus one entry.

``Monitor`` is generic in the monitor's own types: profile ``P``, statistics file ``S``, constraints file
``C``, check report ``R`` and violations file ``V``. Each of SageMaker's four types has its entry:
DataQuality, ModelQuality, ModelBias and ModelExplainability.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import partial
from typing import Any, Generic, Protocol, TypeVar

from modelmonitor.analyzers.data_quality import DataQualityProfile, profile_source
from modelmonitor.analyzers.endpoint_predictor import Deadline
from modelmonitor.analyzers.merged_columns import (
    observations_from_merged_files,
    observations_from_merged_records,
)
from modelmonitor.analyzers.model_bias import (
    DEFAULT_PROBABILITY_THRESHOLD,
    PREDICTED_LABEL,
    bias_analysis,
    concatenated_rows,
    dataset_file_rows,
    merged_file_rows,
    with_model_scores,
)
from modelmonitor.analyzers.model_explainability import (
    ExplainabilityProfile,
    ExplainabilitySettings,
    endpoint_predictor,
    explain_source,
)
from modelmonitor.analyzers.model_quality import (
    ModelQualitySettings,
    concatenated,
    csv_file_observations,
    statistics_of,
)
from modelmonitor.constraints import attribution, data_quality, model_quality
from modelmonitor.constraints.bias import bias_drift_violations
from modelmonitor.dataset.merge import MergeReport
from modelmonitor.dataset.report import ReadReport
from modelmonitor.dataset.source import DatasetFormat, DatasetSource, positional_names
from modelmonitor.engine.base import Engine, Progress
from modelmonitor.engine.local import LocalEngine
from modelmonitor.errors import ConfigurationError
from modelmonitor.formats.base import SageMakerFile
from modelmonitor.formats.clarify import (
    ANALYSIS_FILE,
    AnalysisConfig,
    AnalysisFile,
    AttributionViolationsFile,
    BiasViolationsFile,
)
from modelmonitor.formats.constraints import CategoricalDriftMethod, ConstraintsFile
from modelmonitor.formats.job_definition import InputAttributes, InputKind, JobDefinition
from modelmonitor.formats.model_quality import (
    ModelQualityConstraintsFile,
    ModelQualityStatisticsFile,
    ModelQualityViolationsFile,
)
from modelmonitor.formats.statistics import StatisticsFile
from modelmonitor.formats.statuses import MonitoringType
from modelmonitor.formats.violations import ViolationsFile
from modelmonitor.jobs.container import container_runtime
from modelmonitor.outputs.files import CONSTRAINTS_FILE, STATISTICS_FILE
from modelmonitor.outputs.metrics import (
    bias_metric_records,
    data_quality_metric_records,
    explainability_metric_records,
    model_quality_metric_records,
)
from modelmonitor.storage.objects import store_for

__all__ = [
    "DATA_QUALITY",
    "MODEL_BIAS",
    "MODEL_EXPLAINABILITY",
    "MODEL_QUALITY",
    "MONITORS",
    "GroundTruthMerge",
    "JobData",
    "JobInput",
    "Monitor",
    "check_inputs",
    "monitor_for",
]

_log = logging.getLogger(__name__)


class JobInput(StrEnum):
    """An input a monitoring job of some type cannot run without."""

    BASELINE_STATISTICS = "baseline statistics"
    BASELINE_CONSTRAINTS = "baseline constraints"
    GROUND_TRUTH = "ground truth"
    PROBLEM_TYPE = "problem type"
    ANALYSIS_CONFIG = "analysis config"
    MODEL_ENDPOINT = "model endpoint"


@dataclass(frozen=True)
class GroundTruthMerge:
    """The merge step of a model-quality execution: the window's captures joined to their labels.

    Labels are read from ``ground_truth_uri`` up to ``until`` (the execution time); the merged records go
    under ``{output_uri}/merge/``; ``time_budget_seconds`` is the merge's share of the maximum runtime.
    """

    ground_truth_uri: str
    until: datetime
    output_uri: str
    time_budget_seconds: float | None = None


@dataclass(frozen=True)
class JobData:
    """What a job reads: the data set, the ground-truth merge before it (model quality and bias,
    monitoring), the merge's result once merged (its records as columns, from the local engine; its
    files, which may still be being written: ``MergeReport.written_files``), the model-quality settings
    (problem type and attributes),
    and for the Clarify monitors the analysis config and the input's attributes (where the prediction
    and its probability are in the model's output); explainability also says how to reach the model,
    the time budget and the sample size."""

    source: DatasetSource
    merge: GroundTruthMerge | None = None
    merged: MergeReport | None = None
    model_quality: ModelQualitySettings | None = None
    analysis_config: AnalysisConfig | None = None
    attributes: InputAttributes = field(default_factory=InputAttributes)
    explainability: ExplainabilitySettings = field(default_factory=ExplainabilitySettings)


class Violations(Protocol):
    """What the pipeline needs of a violations file: the violations, to count them, and its text."""

    @property
    def violations(self) -> Sequence[object]: ...

    def to_json_text(self) -> str: ...


P = TypeVar("P")
S = TypeVar("S", bound=SageMakerFile)
C = TypeVar("C", bound=SageMakerFile)
R = TypeVar("R")
V = TypeVar("V", bound=Violations)


@dataclass(frozen=True)
class Monitor(Generic[P, S, C, R, V]):
    """One monitoring type's steps.

    - ``profile(data, engine, *, progress, preprocess_error_threshold)``: the job's data (``JobData``)
      read into a profile ``P`` and the read report;
    - ``statistics(profile, baseline, logger)``: the profile as matched to the baseline (data quality
      names unnamed columns by position) and its statistics file;
    - ``suggest(statistics, categorical_drift_method)``, ``check(profile, baseline_statistics,
      constraints)``, ``unchecked()`` (the report of a check without constraints), ``violations(report)``;
    - ``metric_records(statistics, report, *, endpoint, schedule, timestamp)`` and ``emits_metrics``
      (whether the constraints let the job publish them);
    - ``statistics_file`` / ``constraints_file``: the types of the baseline files;
    - ``statistics_name`` / ``constraints_name``: the names the job writes them under (SageMaker's:
      ``statistics.json`` and ``constraints.json``; a Clarify monitor writes one ``analysis.json``, whose
      baseline is its constraints).
    """

    monitoring_type: MonitoringType
    profile: Callable[..., tuple[P, ReadReport]]
    statistics: Callable[[P, S | C | None, logging.Logger], tuple[P, S]]
    suggest: Callable[[S, CategoricalDriftMethod | None], C]
    check: Callable[[P, S | None, C], R]
    unchecked: Callable[[], R]
    violations: Callable[[R], V]
    metric_records: Callable[..., list[dict[str, Any]]]
    emits_metrics: Callable[[C | None], bool]
    statistics_file: type[S]
    constraints_file: type[C]
    required_inputs: frozenset[JobInput]
    input_kinds: frozenset[InputKind] = frozenset({"endpoint", "batch_transform"})
    statistics_name: str = STATISTICS_FILE
    constraints_name: str = CONSTRAINTS_FILE


# data quality ------------------------------------------------------------------------------------


def _data_quality_profile(
    data: JobData,
    engine: Engine | None,
    *,
    progress: Progress | None = None,
    preprocess_error_threshold: float | None = None,
) -> tuple[DataQualityProfile, ReadReport]:
    return profile_source(
        data.source, engine, progress=progress, preprocess_error_threshold=preprocess_error_threshold
    )


def _data_quality_statistics(
    profile: DataQualityProfile,
    baseline: StatisticsFile | ConstraintsFile | None,
    logger: logging.Logger,
) -> tuple[DataQualityProfile, StatisticsFile]:
    expected = [feature.name for feature in baseline.features] if baseline is not None else []
    mapping = positional_names(profile.column_names, expected)
    if mapping:
        logger.info("matched %d unnamed columns to baseline features by position", len(mapping))
        profile = profile.renamed(mapping)
    return profile, profile.to_statistics()


def _data_quality_metrics(
    statistics: StatisticsFile,
    report: data_quality.CheckReport,
    *,
    endpoint: str | None,
    schedule: str | None,
    timestamp: datetime,
) -> list[dict[str, Any]]:
    return data_quality_metric_records(
        statistics, report.baseline_drift, endpoint=endpoint, schedule=schedule, timestamp=timestamp
    )


def _data_quality_emits(constraints: ConstraintsFile | None) -> bool:
    config = constraints.monitoring_config if constraints is not None else None
    return config is None or config.emit_metrics != "Disabled"


DATA_QUALITY: Monitor[
    DataQualityProfile, StatisticsFile, ConstraintsFile, data_quality.CheckReport, ViolationsFile
] = Monitor(
    monitoring_type=MonitoringType.DATA_QUALITY,
    profile=_data_quality_profile,
    statistics=_data_quality_statistics,
    suggest=data_quality.suggest,
    check=data_quality.evaluate,
    unchecked=data_quality.CheckReport,
    violations=data_quality.CheckReport.to_violations,
    metric_records=_data_quality_metrics,
    emits_metrics=_data_quality_emits,
    statistics_file=StatisticsFile,
    constraints_file=ConstraintsFile,
    # Both baseline files are optional: without constraints the job writes statistics only.
    required_inputs=frozenset(),
)


# model quality -----------------------------------------------------------------------------------


def _model_quality_profile(
    data: JobData,
    engine: Engine | None,
    *,
    progress: Progress | None = None,
    preprocess_error_threshold: float | None = None,
) -> tuple[ModelQualityStatisticsFile, ReadReport]:
    """Merged records (monitoring) or a baseline CSV of predictions and labels → ``statistics.json``.

    The local engine's merge keeps the matched records as columns (``MergeReport.records``): they are
    analysed as they are. Otherwise the engine reads each file where it lives (merged files: one task
    each; the baseline: its one CSV file) and hands back the label, prediction and score columns; the
    metrics (curves, AUC, the bootstrap's draws) need every row at once, so they are computed here,
    from those columns.
    """
    settings = data.model_quality
    if settings is None:
        raise ConfigurationError("a ModelQuality job needs problem_type (and the attributes of its data)")
    engine = engine or LocalEngine()
    if data.merged is not None and data.merged.records is not None:
        report = ReadReport()
        observations = observations_from_merged_records(data.merged.records, settings, report)
    elif data.merged is not None:
        files = data.merged.written_files()
        observations, report = observations_from_merged_files(files, settings, engine)
    else:
        if data.source.format != DatasetFormat.CSV:
            raise ConfigurationError(
                "a model-quality baseline data set is CSV (dataset_format csv); "
                f"got {data.source.format.value}"
            )
        task = partial(csv_file_observations, settings, data.source.header)
        observations, report = concatenated(settings, engine.each([_one_file(data.source.uris)], task))
    return statistics_of(observations), report


def _one_file(uris: Sequence[str]) -> str:
    files = [found for uri in uris for found in store_for(uri).list_files(uri)]
    if len(files) != 1:
        raise ConfigurationError(
            f"a model-quality baseline reads one CSV file; {', '.join(uris)} holds {len(files)}"
        )
    return files[0]


def _model_quality_statistics(
    profile: ModelQualityStatisticsFile,
    baseline: ModelQualityStatisticsFile | ModelQualityConstraintsFile | None,
    logger: logging.Logger,
) -> tuple[ModelQualityStatisticsFile, ModelQualityStatisticsFile]:
    return profile, profile


def _model_quality_suggest(
    statistics: ModelQualityStatisticsFile, method: CategoricalDriftMethod | None
) -> ModelQualityConstraintsFile:
    return model_quality.suggest(statistics)


def _model_quality_check(
    statistics: ModelQualityStatisticsFile,
    baseline: ModelQualityStatisticsFile | None,
    constraints: ModelQualityConstraintsFile,
) -> model_quality.CheckReport:
    return model_quality.evaluate(statistics, constraints)


def _model_quality_unchecked() -> model_quality.CheckReport:
    return model_quality.CheckReport(ModelQualityViolationsFile(violations=[]))


def _model_quality_metrics(
    statistics: ModelQualityStatisticsFile,
    report: model_quality.CheckReport,
    *,
    endpoint: str | None,
    schedule: str | None,
    timestamp: datetime,
) -> list[dict[str, Any]]:
    return model_quality_metric_records(statistics, endpoint=endpoint, schedule=schedule, timestamp=timestamp)


MODEL_QUALITY: Monitor[
    ModelQualityStatisticsFile,
    ModelQualityStatisticsFile,
    ModelQualityConstraintsFile,
    model_quality.CheckReport,
    ModelQualityViolationsFile,
] = Monitor(
    monitoring_type=MonitoringType.MODEL_QUALITY,
    profile=_model_quality_profile,
    statistics=_model_quality_statistics,
    suggest=_model_quality_suggest,
    check=_model_quality_check,
    unchecked=_model_quality_unchecked,
    violations=model_quality.CheckReport.to_violations,
    metric_records=_model_quality_metrics,
    emits_metrics=lambda constraints: True,
    statistics_file=ModelQualityStatisticsFile,
    constraints_file=ModelQualityConstraintsFile,
    required_inputs=frozenset({JobInput.GROUND_TRUTH, JobInput.PROBLEM_TYPE}),
    # The merge joins an endpoint's capture or batch-transform output files to the labels (dataset.merge).
    input_kinds=frozenset({"endpoint", "batch_transform"}),
)


# model bias --------------------------------------------------------------------------------------


def _model_bias_profile(
    data: JobData,
    engine: Engine | None,
    *,
    progress: Progress | None = None,
    preprocess_error_threshold: float | None = None,
) -> tuple[AnalysisFile, ReadReport]:
    """Merged records (monitoring) or a baseline CSV → the bias ``analysis.json``.

    The engine parses each file where it lives (merged files: one task each; the baseline: its one CSV
    file) and hands back its rows' cells; the metrics need every row at once (column types inferred
    over all values, groups, the flip test's nearest neighbours), so they are computed here.
    """
    config = data.analysis_config
    if config is None:
        raise ConfigurationError("a ModelBias job needs an analysis config (analysis_config.json)")
    engine = engine or LocalEngine()
    if data.merged is not None:
        files = data.merged.written_files()
        parts = engine.each(files, partial(merged_file_rows, config, data.attributes))
        rows, report = concatenated_rows(parts)
        return bias_analysis(rows, config, report, predicted_label=PREDICTED_LABEL), report
    if data.source.format != DatasetFormat.CSV:
        raise ConfigurationError(
            f"a model-bias baseline data set is CSV (dataset_type text/csv); got {data.source.format.value}"
        )
    rows, report = concatenated_rows(
        engine.each([_one_file(data.source.uris)], partial(dataset_file_rows, config))
    )
    predicted = config.predicted_label
    if isinstance(predicted, int):
        predicted = rows.names[predicted] if 0 <= predicted < len(rows.names) else str(predicted)
    threshold = config.probability_threshold
    if predicted is None and config.predictor is not None and config.predictor.endpoint_url:
        rows = with_model_scores(rows, config, report)
        predicted = PREDICTED_LABEL
        threshold = DEFAULT_PROBABILITY_THRESHOLD if threshold is None else threshold
    analysis = bias_analysis(rows, config, report, predicted_label=predicted, predicted_threshold=threshold)
    return analysis, report


def _model_bias_statistics(
    profile: AnalysisFile, baseline: AnalysisFile | None, logger: logging.Logger
) -> tuple[AnalysisFile, AnalysisFile]:
    return profile, profile


def _model_bias_suggest(analysis: AnalysisFile, method: CategoricalDriftMethod | None) -> AnalysisFile:
    # SageMaker reads a bias baseline's analysis.json as the monitor's constraints.
    return analysis


def _model_bias_check(
    analysis: AnalysisFile, baseline: AnalysisFile | None, constraints: AnalysisFile
) -> BiasViolationsFile:
    return bias_drift_violations(constraints, analysis)


def _model_bias_metrics(
    analysis: AnalysisFile,
    report: BiasViolationsFile,
    *,
    endpoint: str | None,
    schedule: str | None,
    timestamp: datetime,
) -> list[dict[str, Any]]:
    return bias_metric_records(analysis, endpoint=endpoint, schedule=schedule, timestamp=timestamp)


MODEL_BIAS: Monitor[AnalysisFile, AnalysisFile, AnalysisFile, BiasViolationsFile, BiasViolationsFile] = (
    Monitor(
        monitoring_type=MonitoringType.MODEL_BIAS,
        profile=_model_bias_profile,
        statistics=_model_bias_statistics,
        suggest=_model_bias_suggest,
        check=_model_bias_check,
        unchecked=lambda: BiasViolationsFile(violations=[]),
        violations=lambda report: report,
        metric_records=_model_bias_metrics,
        emits_metrics=lambda constraints: True,
        statistics_file=AnalysisFile,
        constraints_file=AnalysisFile,
        required_inputs=frozenset({JobInput.GROUND_TRUTH, JobInput.ANALYSIS_CONFIG}),
        # The merge joins an endpoint's capture or a batch transform's output (its input joined) to labels.
        input_kinds=frozenset({"endpoint", "batch_transform"}),
        statistics_name=ANALYSIS_FILE,
        constraints_name=ANALYSIS_FILE,
    )
)


# model explainability ----------------------------------------------------------------------------


def _model_explainability_profile(
    data: JobData,
    engine: Engine | None,
    *,
    progress: Progress | None = None,
    preprocess_error_threshold: float | None = None,
) -> tuple[ExplainabilityProfile, ReadReport]:
    """A bounded sample of the data set or window → Kernel SHAP against the model → ``analysis.json``.

    The model is called for every explained row, so the sample is read here, not on an engine: the
    work is the model's (a bounded sample, within the job's time budget), and Spark tasks would only
    call the same model server at once (docs/spark.md).
    """
    config = data.analysis_config
    if config is None:
        raise ConfigurationError("a ModelExplainability job needs an analysis config (analysis_config.json)")
    settings = data.explainability
    if engine is not None and not isinstance(engine, LocalEngine):
        _log.warning(
            "ModelExplainability runs in this process whatever the engine: Kernel SHAP explains a sample "
            "of at most %d rows by calling the model, which Spark would not make faster (docs/spark.md)",
            settings.max_rows,
        )
    deadline = Deadline.after(settings.time_budget_seconds)
    if settings.predictor is not None:
        return explain_source(
            data.source, config, settings.predictor, max_rows=settings.max_rows, deadline=deadline
        )
    with endpoint_predictor(config, deadline) as client:
        return explain_source(
            data.source, config, client, max_rows=settings.max_rows, deadline=deadline, calls=client.calls
        )


def _model_explainability_statistics(
    profile: ExplainabilityProfile, baseline: AnalysisFile | None, logger: logging.Logger
) -> tuple[ExplainabilityProfile, AnalysisFile]:
    return profile, profile.analysis


def _model_explainability_suggest(
    analysis: AnalysisFile, method: CategoricalDriftMethod | None
) -> AnalysisFile:
    # SageMaker reads an explainability baseline's analysis.json as the monitor's constraints.
    return analysis


def _model_explainability_check(
    profile: ExplainabilityProfile, baseline: AnalysisFile | None, constraints: AnalysisFile
) -> attribution.CheckReport:
    return attribution.evaluate(profile.analysis, constraints)


def _model_explainability_metrics(
    analysis: AnalysisFile,
    report: attribution.CheckReport,
    *,
    endpoint: str | None,
    schedule: str | None,
    timestamp: datetime,
) -> list[dict[str, Any]]:
    drift = {score.label: score.score for score in report.scores}
    return explainability_metric_records(
        analysis, drift, endpoint=endpoint, schedule=schedule, timestamp=timestamp
    )


MODEL_EXPLAINABILITY: Monitor[
    ExplainabilityProfile, AnalysisFile, AnalysisFile, attribution.CheckReport, AttributionViolationsFile
] = Monitor(
    monitoring_type=MonitoringType.MODEL_EXPLAINABILITY,
    profile=_model_explainability_profile,
    statistics=_model_explainability_statistics,
    suggest=_model_explainability_suggest,
    check=_model_explainability_check,
    unchecked=attribution.CheckReport,
    violations=attribution.CheckReport.to_violations,
    metric_records=_model_explainability_metrics,
    emits_metrics=lambda constraints: True,
    statistics_file=AnalysisFile,
    constraints_file=AnalysisFile,
    required_inputs=frozenset({JobInput.ANALYSIS_CONFIG}),
    statistics_name=ANALYSIS_FILE,
    constraints_name=ANALYSIS_FILE,
)


MONITORS: Mapping[MonitoringType, Monitor[Any, Any, Any, Any, Any]] = {
    MonitoringType.DATA_QUALITY: DATA_QUALITY,
    MonitoringType.MODEL_QUALITY: MODEL_QUALITY,
    MonitoringType.MODEL_BIAS: MODEL_BIAS,
    MonitoringType.MODEL_EXPLAINABILITY: MODEL_EXPLAINABILITY,
}


def monitor_for(monitoring_type: MonitoringType) -> Monitor[Any, Any, Any, Any, Any]:
    """The registry entry of ``monitoring_type`` (every SageMaker type has one)."""
    return MONITORS[monitoring_type]


def _given(definition: JobDefinition) -> set[JobInput]:
    given = set()
    if definition.baseline_statistics:
        given.add(JobInput.BASELINE_STATISTICS)
    if definition.baseline_constraints:
        given.add(JobInput.BASELINE_CONSTRAINTS)
    if definition.ground_truth_uri:
        given.add(JobInput.GROUND_TRUTH)
    if definition.problem_type:
        given.add(JobInput.PROBLEM_TYPE)
    if definition.analysis_config_uri:
        given.add(JobInput.ANALYSIS_CONFIG)
    return given


def check_inputs(definition: JobDefinition) -> None:
    """A built-in job's type is implemented and its definition names every input the type needs; a
    custom monitor's image has a container runtime to run it."""
    if definition.is_custom:
        if definition.image_uri is not None:
            container_runtime(os.environ)
        return
    monitor = monitor_for(definition.monitoring_type)
    if definition.input_kind not in monitor.input_kinds:
        raise ConfigurationError(
            f"a {definition.monitoring_type.value} monitoring job reads "
            f"{' or '.join(sorted(monitor.input_kinds))} input; got {definition.input_kind} "
            "(not implemented for this type yet)"
        )
    missing = sorted(monitor.required_inputs - _given(definition))
    if missing:
        raise ConfigurationError(
            f"a {definition.monitoring_type.value} monitoring job needs {', '.join(missing)}; "
            "the job definition has none"
        )
