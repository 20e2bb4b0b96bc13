"""Data-quality analysis: a data set's rows → a ``DataQualityProfile`` → ``statistics.json``.

The file's shape: docs/sagemaker.md#statistics.

API for jobs (baselining, checks and scheduled executions alike)::

    profile, report = profile_source(source, engine)  # a DatasetSource read by an engine
    statistics = profile.to_statistics()  # StatisticsFile, SageMaker's shape
    profile.type_counts  # per-column Deequ type counts, for the data-type check

``profile_source`` is the one entry: the engine folds ``stats.summary.summarize_batch`` over the
source's batches and returns the read report (bad records, warnings; never fatal). Batches may hold
raw strings (CSV and capture, as Deequ sees them) or typed columns (JSON, Parquet). Column order is
first-seen order. ``profile_batches`` profiles batches already in hand (tests, small in-memory data).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import pyarrow as pa

from modelmonitor.dataset.reader import check_read
from modelmonitor.dataset.report import ReadReport, ReadWarning
from modelmonitor.dataset.source import DatasetSource
from modelmonitor.engine.base import Engine, Progress
from modelmonitor.engine.local import LocalEngine
from modelmonitor.formats.statistics import (
    CategoricalBucket,
    CategoricalDistribution,
    CommonStatistics,
    DatasetSummary,
    FeatureStatistics,
    KLLBucket,
    KLLDistribution,
    KLLParameters,
    KLLSketchData,
    NumericalDistribution,
    NumericalStatistics,
    StatisticsFile,
    StringDistribution,
    StringStatistics,
)
from modelmonitor.stats.kll import deequ_bucket_range
from modelmonitor.stats.summary import (
    SHRINKING_FACTOR,
    SKETCH_SIZE,
    ColumnSummary,
    TableSummary,
    summarize_batch,
)
from modelmonitor.stats.types import TypeCounts

__all__ = [
    "DataQualityProfile",
    "check_column_names",
    "profile_batches",
    "profile_source",
]

BUCKET_COUNT = 10  # SageMaker always writes 10 KLL buckets
MAX_CATEGORICAL_BUCKETS = 1000  # Deequ Histogram's default maxDetailBins
# A String column whose values are numbers but for at most this share is worth a warning at baseline time.
MOSTLY_NUMERIC_SHARE = 0.1
_SPARK_SAFE_NAME = re.compile(r"^[a-z0-9_]+$")


@dataclass(frozen=True)
class DataQualityProfile:
    """The merged summaries of every row analysed; mergeable like its parts."""

    summary: TableSummary = field(default_factory=TableSummary)

    @classmethod
    def empty(cls) -> DataQualityProfile:
        return cls()

    def merge(self, other: DataQualityProfile) -> DataQualityProfile:
        return DataQualityProfile(self.summary.merge(other.summary))

    @property
    def item_count(self) -> int:
        return self.summary.row_count

    @property
    def column_names(self) -> list[str]:
        return list(self.summary.columns)

    @property
    def type_counts(self) -> Mapping[str, TypeCounts]:
        return {name: column.types for name, column in self.summary.columns.items()}

    def renamed(self, names: Mapping[str, str]) -> DataQualityProfile:
        """The same profile with columns renamed (e.g. captured ``_c0`` → baseline feature names)."""
        columns = {names.get(name, name): column for name, column in self.summary.columns.items()}
        return DataQualityProfile(TableSummary(self.summary.row_count, columns))

    def to_statistics(self) -> StatisticsFile:
        features = [_feature(name, column) for name, column in self.summary.columns.items()]
        return StatisticsFile(dataset=DatasetSummary(item_count=self.item_count), features=features)

    def warnings(self) -> list[ReadWarning]:
        """Columns that are entirely empty, whose value counts were cut to bound memory, or that a few
        values that are not numbers turned from numeric into String."""
        issues = []
        for name, column in self.summary.columns.items():
            types = column.types
            if types.present == 0:
                issues.append(ReadWarning("empty_column", f"column {name!r}: every value is missing"))
                continue
            text = types.string + types.boolean
            if types.inferred_type() == "String" and 0 < text <= MOSTLY_NUMERIC_SHARE * types.present:
                issues.append(
                    ReadWarning(
                        "mostly_numeric",
                        f"column {name!r}: String because {text} of {types.present} values are not numbers "
                        "as Deequ reads them (text, or scientific notation such as 8.9e-7); if the column is "
                        "numeric, clean those values or convert them in a record preprocessor",
                    )
                )
            if types.inferred_type() == "String" and column.values is None:
                issues.append(
                    ReadWarning(
                        "truncated_values",
                        f"column {name!r}: more than {column.value_cap} distinct values; distinct_count "
                        "is a lower bound and categorical buckets are left out",
                    )
                )
        return issues


def _common(types: TypeCounts) -> CommonStatistics:
    return CommonStatistics(num_present=types.present, num_missing=types.null)


def _numerical(column: ColumnSummary) -> NumericalStatistics:
    numeric = column.numeric
    if numeric.count == 0:
        nan = math.nan
        return NumericalStatistics(
            common=_common(column.types), mean=nan, sum=0.0, std_dev=nan, min=nan, max=nan
        )
    start, end = deequ_bucket_range(numeric.minimum, numeric.maximum)
    buckets = [
        KLLBucket(lower_bound=lower, upper_bound=upper, count=count)
        for lower, upper, count in numeric.sketch.buckets(start, end, BUCKET_COUNT)
    ]
    sketch = KLLSketchData(
        parameters=KLLParameters(c=SHRINKING_FACTOR, k=float(SKETCH_SIZE)),
        data=numeric.sketch.compactor_items(),
    )
    return NumericalStatistics(
        common=_common(column.types),
        mean=numeric.mean,
        sum=numeric.total,
        std_dev=numeric.std_dev,
        min=numeric.minimum,
        max=numeric.maximum,
        distribution=NumericalDistribution(kll=KLLDistribution(buckets=buckets, sketch=sketch)),
    )


def _string(column: ColumnSummary) -> StringStatistics:
    values = column.values
    if values is None:
        return StringStatistics(common=_common(column.types), distinct_count=float(column.value_cap))
    ranked = sorted(values.items(), key=lambda item: (-item[1], item[0]))[:MAX_CATEGORICAL_BUCKETS]
    distribution = None
    if ranked:
        buckets = [CategoricalBucket(value=value, count=count) for value, count in ranked]
        distribution = StringDistribution(categorical=CategoricalDistribution(buckets=buckets))
    return StringStatistics(
        common=_common(column.types), distinct_count=float(len(values)), distribution=distribution
    )


def _feature(name: str, column: ColumnSummary) -> FeatureStatistics:
    inferred = column.types.inferred_type()
    if inferred in ("Integral", "Fractional"):
        return FeatureStatistics(name=name, inferred_type=inferred, numerical_statistics=_numerical(column))
    return FeatureStatistics(name=name, inferred_type=inferred, string_statistics=_string(column))


def profile_batches(
    batches: Iterable[pa.RecordBatch], on_batch: Callable[[pa.RecordBatch], None] | None = None
) -> DataQualityProfile:
    """Profile rows given as Arrow batches, one batch in memory at a time."""
    summary = TableSummary.empty()
    for batch in batches:
        summary = summary.merge(summarize_batch(batch))
        if on_batch is not None:
            on_batch(batch)
    return DataQualityProfile(summary)


def check_column_names(names: list[str]) -> list[ReadWarning]:
    """One warning naming the columns that are not lowercase letters, digits and underscores."""
    unsafe = [name for name in names if not _SPARK_SAFE_NAME.match(name)]
    if not unsafe:
        return []
    shown = ", ".join(repr(name) for name in unsafe[:8])
    more = f" and {len(unsafe) - 8} more" if len(unsafe) > 8 else ""
    return [
        ReadWarning(
            "column_name",
            f"{len(unsafe)} column name(s) with spaces, capitals or other characters: {shown}{more}; "
            "SageMaker advises lowercase letters, digits and underscores (Spark-based tools can trip on "
            "others); names are kept as is",
        )
    ]


def profile_source(
    source: DatasetSource,
    engine: Engine | None = None,
    *,
    progress: Progress | None = None,
    preprocess_error_threshold: float | None = None,
) -> tuple[DataQualityProfile, ReadReport]:
    """Read and profile a whole source: the one data-quality entry of baselines, checks and executions.

    Raises DatasetError when nothing was left to analyse, UserScriptError when the preprocess_handler
    failed on more than ``preprocess_error_threshold`` of the records (see ``dataset.reader.check_read``).
    """
    engine = engine or LocalEngine()
    summary, report = engine.aggregate(
        source, summarize_batch, TableSummary.merge, TableSummary.empty(), progress=progress
    )
    check_read(source, report, preprocess_error_threshold)
    profile = DataQualityProfile(summary)
    if not source.positional:
        report.warnings.extend(check_column_names(profile.column_names))
    report.warnings.extend(profile.warnings())
    return profile, report
