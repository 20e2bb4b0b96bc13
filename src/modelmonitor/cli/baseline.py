"""``modelmonitor baseline`` and ``modelmonitor check``: data-quality baselines and checks from the shell.

``check --fail-on-violations`` exits with ``VIOLATIONS_EXIT_CODE`` when there are violations, so a CI
pipeline can stop on drift the way SageMaker's QualityCheckStep does; errors keep their own codes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from modelmonitor.cli.engine_options import (
    EngineOption,
    EngineValue,
    SparkConfOption,
    SparkMasterOption,
    engine_choice,
)
from modelmonitor.cli.model_options import (
    AnalysisConfigOption,
    InferenceAttributeOption,
    ProbabilityAttributeOption,
    ProbabilityThresholdOption,
    ProblemTypeOption,
)
from modelmonitor.errors import ConfigurationError
from modelmonitor.formats.clarify import AnalysisConfig
from modelmonitor.formats.engine_choice import EngineChoice
from modelmonitor.formats.statistics import FeatureStatistics
from modelmonitor.formats.violations import ViolationsFile

if TYPE_CHECKING:
    from modelmonitor.service.baselines import (
        DataQualityResult,
        ModelBiasResult,
        ModelExplainabilityResult,
        ModelQualityResult,
    )

__all__ = ["VIOLATIONS_EXIT_CODE", "baseline", "check", "print_violations", "register"]

VIOLATIONS_EXIT_CODE = 10


class FormatChoice(StrEnum):
    csv = "csv"
    json = "json"
    parquet = "parquet"


class BaselineType(StrEnum):
    """The monitors that baseline a data set (SageMaker's suggest_baseline)."""

    DataQuality = "DataQuality"
    ModelQuality = "ModelQuality"
    ModelBias = "ModelBias"
    ModelExplainability = "ModelExplainability"


class DriftMethodChoice(StrEnum):
    LInfinity = "LInfinity"
    ChiSquared = "ChiSquared"
    ChiSquaredTwoSample = "ChiSquaredTwoSample"


# Options that mean the same in ``baseline`` and ``check``, declared once so their help stays the same.
_FormatOption = Annotated[FormatChoice, typer.Option("--format", help="csv, json (lines) or parquet.")]
_HeaderOption = Annotated[
    bool, typer.Option("--header/--no-header", help="CSV only: first line holds column names.")
]


@dataclass(frozen=True)
class ReadingProgress:
    """The service's progress callbacks: the row total when known, then the rows of each batch."""

    on_start: Callable[[int | None], None]
    on_rows: Callable[[int], None]


def dataset_format(kind: FormatChoice, header: bool) -> dict[str, Any]:
    """SageMaker's ``dataset_format`` dict for ``--format``/``--header``."""
    return {kind.value: {"header": header} if kind is FormatChoice.csv else {}}


@contextmanager
def reading_progress(console: Console, label: str) -> Iterator[ReadingProgress]:
    """A rich progress display fed by the reader (rows so far; a bar when the total is known)."""
    columns = [
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("rows"),
        TimeElapsedColumn(),
    ]
    with Progress(*columns, console=console, transient=True, disable=not console.is_terminal) as bar:
        task = bar.add_task(label, total=None)

        def on_start(total: int | None) -> None:
            bar.update(task, total=total)

        def on_rows(rows: int) -> None:
            bar.advance(task, rows)

        yield ReadingProgress(on_start=on_start, on_rows=on_rows)


def _print_run_summary(
    console: Console,
    result: DataQualityResult | ModelQualityResult | ModelBiasResult | ModelExplainabilityResult,
) -> None:
    """The closing lines of every baseline: bad records, time, and each file written."""
    console.print(
        f"bad_records: {result.bad_record_count}  time: {result.seconds:.2f} s\n"
        + "\n".join(f"wrote {uri}" for uri in result.outputs.values()),
        highlight=False,
    )


def print_issues(
    console: Console,
    result: DataQualityResult | ModelQualityResult | ModelBiasResult | ModelExplainabilityResult,
) -> None:
    read = result.read
    issues = [warning.message for warning in read.warnings] + [str(bad) for bad in read.bad_records]
    shown = issues[:20]
    # One line per warning whatever the terminal's width (soft_wrap): a path is not cut, and grep finds it.
    for issue in shown:
        console.print(f"[yellow]warning:[/] {escape(issue)}", highlight=False, soft_wrap=True)
    if len(issues) > len(shown):
        console.print(
            f"[yellow]warning:[/] ... and {len(issues) - len(shown)} more", highlight=False, soft_wrap=True
        )
    if read.bad_record_count:
        console.print(
            f"[yellow]bad_records: {read.bad_record_count}[/] (counted, not analysed)", highlight=False
        )


def _summary_row(feature: FeatureStatistics) -> list[str]:
    common = feature.common
    present = str(common.num_present) if common else "-"
    missing = str(common.num_missing) if common else "-"
    numbers = feature.numerical_statistics
    if numbers is not None:
        detail = (
            f"mean {numbers.mean:.6g}, std {numbers.std_dev:.6g}, "
            f"min {numbers.min:.6g}, max {numbers.max:.6g}"
        )
    elif feature.string_statistics is not None:
        detail = f"{feature.string_statistics.distinct_count:.0f} distinct values"
    else:
        detail = ""
    return [feature.name, feature.inferred_type, present, missing, detail]


def print_features(console: Console, features: list[FeatureStatistics], title: str) -> None:
    table = Table(title=title, title_justify="left")
    for name in ("feature", "type", "present", "missing", "summary"):
        table.add_column(name, justify="right" if name in ("present", "missing") else "left")
    for feature in features:
        table.add_row(*_summary_row(feature))
    console.print(table)


def print_violations(console: Console, violations: ViolationsFile, title: str = "Violations") -> None:
    if not violations.violations:
        console.print("[green]No violations.[/]")
        return
    table = Table(title=f"{title} ({len(violations.violations)})", title_justify="left")
    table.add_column("feature")
    table.add_column("check")
    table.add_column("description")
    for violation in violations.violations:
        table.add_row(violation.feature_name, violation.constraint_check_type, violation.description)
    console.print(table)


def baseline(
    data: str = typer.Argument(..., help="Data file, folder or URI (s3://...) to baseline."),
    out: str = typer.Option(..., "--out", help="Folder or URI for statistics.json and constraints.json."),
    data_format: _FormatOption = FormatChoice.csv,
    header: _HeaderOption = True,
    categorical_drift_method: DriftMethodChoice | None = typer.Option(
        None, "--categorical-drift-method", help="Write this categorical drift method into constraints.json."
    ),
    record_preprocessor: str | None = typer.Option(
        None,
        "--record-preprocessor",
        help="Python file with preprocess_handler(record), run on each CSV/JSON record.",
    ),
    engine: EngineOption = EngineValue.local,
    spark_master: SparkMasterOption = None,
    spark_conf: SparkConfOption = None,
    monitoring_type: BaselineType = typer.Option(
        BaselineType.DataQuality,
        "--monitoring-type",
        help="DataQuality, ModelQuality (predictions+labels), ModelBias or ModelExplainability "
        "(both need --analysis-config).",
    ),
    analysis_config: AnalysisConfigOption = None,
    problem_type: ProblemTypeOption = None,
    inference_attribute: InferenceAttributeOption = None,
    probability_attribute: ProbabilityAttributeOption = None,
    ground_truth_attribute: str | None = typer.Option(
        None, "--ground-truth-attribute", help="ModelQuality: column of the label."
    ),
    probability_threshold: ProbabilityThresholdOption = None,
) -> None:
    """Compute statistics.json and suggest constraints.json for a data set (SageMaker's baselining job)."""
    from modelmonitor.service.baselines import run_baseline  # on use: the service loads the whole stack

    choice = engine_choice(engine, spark_master, spark_conf)
    if monitoring_type is BaselineType.ModelBias:
        _model_bias_baseline(data, out, analysis_config, choice)
        return
    if monitoring_type is BaselineType.ModelExplainability:
        _model_explainability_baseline(data, out, analysis_config, choice)
        return
    if monitoring_type is BaselineType.ModelQuality:
        _model_quality_baseline(
            data,
            out,
            dataset_format(data_format, header),
            problem_type,
            inference_attribute,
            probability_attribute,
            ground_truth_attribute,
            probability_threshold,
            choice,
        )
        return
    console = Console(stderr=True)
    method = categorical_drift_method.value if categorical_drift_method is not None else None
    with reading_progress(console, f"reading {data}") as progress:
        result = run_baseline(
            data,
            dataset_format(data_format, header),
            out,
            categorical_drift_method=method,  # type: ignore[arg-type]
            record_preprocessor_script=record_preprocessor,
            engine=choice,
            on_start=progress.on_start,
            on_rows=progress.on_rows,
        )
    print_issues(console, result)
    output = Console()
    print_features(
        output, result.statistics.features, f"Baseline of {result.statistics.dataset.item_count} rows"
    )
    _print_run_summary(output, result)


def _model_quality_baseline(
    data: str,
    out: str,
    data_format: dict[str, Any],
    problem_type: str | None,
    inference_attribute: str | None,
    probability_attribute: str | None,
    ground_truth_attribute: str | None,
    probability_threshold: float | None,
    engine: EngineChoice,
) -> None:
    from modelmonitor.service.baselines import run_model_quality_baseline

    if problem_type is None:
        raise ConfigurationError("--monitoring-type ModelQuality needs --problem-type")
    result = run_model_quality_baseline(
        data,
        data_format,
        out,
        problem_type=problem_type,  # type: ignore[arg-type]  # checked by the service
        inference_attribute=inference_attribute,
        probability_attribute=probability_attribute,
        ground_truth_attribute=ground_truth_attribute,
        probability_threshold_attribute=probability_threshold,
        engine=engine,
    )
    print_issues(Console(stderr=True), result)
    output = Console()
    statistics = result.statistics
    table = Table(
        title=f"Baseline of {statistics.dataset.item_count} rows ({statistics.problem_type})",
        title_justify="left",
    )
    for column in ("metric", "value", "standard_deviation"):
        table.add_column(column)
    for name, metric in statistics.metrics.scalar_metrics().items():
        table.add_row(name, f"{metric.value:.6g}", str(metric.standard_deviation))
    output.print(table)
    _print_run_summary(output, result)


def _analysis_config(uri: str | None, monitoring_type: BaselineType) -> AnalysisConfig:
    """The analysis_config.json a bias or explainability baseline reads (--analysis-config is required)."""
    from modelmonitor.service.files import read_text

    if uri is None:
        raise ConfigurationError(
            f"--monitoring-type {monitoring_type.value} needs --analysis-config (analysis_config.json)"
        )
    return AnalysisConfig.from_json_text(read_text(uri), source=uri)


def _model_bias_baseline(data: str, out: str, analysis_config: str | None, engine: EngineChoice) -> None:
    from modelmonitor.service.baselines import run_model_bias_baseline

    config = _analysis_config(analysis_config, BaselineType.ModelBias)
    result = run_model_bias_baseline(data, config, out, engine=engine)
    print_issues(Console(stderr=True), result)
    output = Console()
    for section, stage in (
        (result.statistics.pre_training_bias_metrics, "pre-training"),
        (result.statistics.post_training_bias_metrics, "post-training"),
    ):
        if section is None:
            continue
        table = Table(title=f"{stage} bias metrics of {result.read.rows} rows", title_justify="left")
        for column in ("facet", "value", "metric", "result"):
            table.add_column(column)
        for facet, groups in section.facets.items():
            for group in groups:
                for metric in group.metrics:
                    shown = str(metric.value) if metric.value is not None else f"({metric.error})"
                    table.add_row(facet, group.value_or_threshold, metric.name, shown)
        output.print(table)
    _print_run_summary(output, result)


def _model_explainability_baseline(
    data: str, out: str, analysis_config: str | None, engine: EngineChoice
) -> None:
    from modelmonitor.service.baselines import run_model_explainability_baseline

    config = _analysis_config(analysis_config, BaselineType.ModelExplainability)
    result = run_model_explainability_baseline(data, config, out, engine=engine)
    print_issues(Console(stderr=True), result)
    output = Console()
    profile = result.profile
    explanations = result.statistics.explanations
    for label, explanation in (explanations.kernel_shap if explanations is not None else {}).items():
        output.print(f"global SHAP values of {label}", highlight=False)
        table = Table()
        table.add_column("feature")
        table.add_column("value", justify="right")
        for feature, value in sorted(explanation.global_shap_values.items(), key=lambda kv: -abs(kv[1])):
            table.add_row(feature, f"{value:.6g}")
        output.print(table)
    for skipped in profile.skipped[:10]:
        output.print(f"row {skipped.row} not explained: {skipped.reason}", highlight=False)
    output.print(profile.summary(), highlight=False)
    _print_run_summary(output, result)


def check(
    data: str = typer.Argument(..., help="Data file, folder or URI to check."),
    baseline_dir: str = typer.Option(
        ..., "--baseline", help="Folder or URI holding statistics.json and constraints.json."
    ),
    out: str | None = typer.Option(
        None,
        "--out",
        help="Folder or URI for statistics.json, constraints.json (the baseline's) and "
        "constraint_violations.json.",
    ),
    data_format: _FormatOption = FormatChoice.csv,
    header: _HeaderOption = True,
    statistics: str | None = typer.Option(
        None, "--statistics", help="Baseline statistics.json, if not in --baseline."
    ),
    constraints: str | None = typer.Option(
        None, "--constraints", help="Constraints file, if not in --baseline."
    ),
    fail_on_violations: bool = typer.Option(
        False,
        "--fail-on-violations",
        help=f"Exit with code {VIOLATIONS_EXIT_CODE} when there are violations.",
    ),
    engine: EngineOption = EngineValue.local,
    spark_master: SparkMasterOption = None,
    spark_conf: SparkConfOption = None,
) -> None:
    """Check a data set against a baseline: statistics.json, constraints.json, constraint_violations.json."""
    from modelmonitor.service.baselines import run_check  # on use: the service loads the whole stack

    choice = engine_choice(engine, spark_master, spark_conf)
    console = Console(stderr=True)
    with reading_progress(console, f"reading {data}") as progress:
        result = run_check(
            data,
            dataset_format(data_format, header),
            baseline_dir,
            out,
            statistics_uri=statistics,
            constraints_uri=constraints,
            engine=choice,
            on_start=progress.on_start,
            on_rows=progress.on_rows,
        )
    print_issues(console, result)
    output = Console()
    print_violations(output, result.violations)
    lines = [
        result.message,
        f"rows: {result.statistics.dataset.item_count}  bad_records: {result.bad_record_count}",
    ]
    lines += [f"wrote {uri}" for uri in result.outputs.values()]
    output.print("\n".join(lines), highlight=False)
    if fail_on_violations and result.violations.violations:
        raise typer.Exit(VIOLATIONS_EXIT_CODE)


def register(app: typer.Typer) -> None:
    """Add ``baseline`` and ``check`` to the root command."""
    app.command("baseline")(baseline)
    app.command("check")(check)
