"""Data-quality analysis: a data set's rows → a ``DataQualityProfile`` → ``statistics.json``.

The file's shape: docs/sagemaker.md#statistics.

API for jobs (baselining and monitoring alike)::

    profile = profile_batches(batches)          # any Iterable[pyarrow.RecordBatch]
    statistics = profile.to_statistics()        # StatisticsFile, SageMaker's shape
    profile.type_counts                          # per-column Deequ type counts, for the data-type check

Batches may hold raw strings (CSV, as Deequ sees them) or typed columns (JSON, Parquet). Column order
is first-seen order. ``profile_dataset`` opens a ``DatasetSpec`` with an engine and profiles it,
returning the bad records and warnings met on the way (never fatal).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import pyarrow as pa

from modelmonitor.dataset.readers import DatasetIssue, DatasetSpec, check_column_names, open_dataset
from modelmonitor.engine.base import BadRecord, Engine, fold
from modelmonitor.errors import DatasetError
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
    MAX_TRACKED_VALUES,
    SHRINKING_FACTOR,
    SKETCH_SIZE,
    ColumnSummary,
    TableSummary,
    summarize_batch,
)
from modelmonitor.stats.types import TypeCounts

__all__ = [
    "DataQualityProfile",
    "DataQualityRun",
    "profile_batches",
    "profile_dataset",
]

BUCKET_COUNT = 10  # SageMaker always writes 10 KLL buckets
MAX_CATEGORICAL_BUCKETS = 1000  # Deequ Histogram's default maxDetailBins


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

    def warnings(self) -> list[DatasetIssue]:
        """Columns that are entirely empty, or whose value counts were cut to bound memory."""
        issues = []
        for name, column in self.summary.columns.items():
            if column.types.present == 0:
                issues.append(DatasetIssue("empty_column", f"column {name!r}: every value is missing"))
            elif column.types.inferred_type() == "String" and column.values is None:
                issues.append(
                    DatasetIssue(
                        "truncated_values",
                        f"column {name!r}: more than {MAX_TRACKED_VALUES} distinct values; distinct_count "
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
        return StringStatistics(common=_common(column.types), distinct_count=float(MAX_TRACKED_VALUES))
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
    summary = fold(batches, summarize_batch, TableSummary.merge, TableSummary.empty(), on_batch)
    return DataQualityProfile(summary)


@dataclass(frozen=True)
class DataQualityRun:
    """A profile plus what went wrong on the way (bad records are counted, never fatal)."""

    profile: DataQualityProfile
    bad_records: list[BadRecord]
    issues: list[DatasetIssue]
    files: list[str]

    @property
    def bad_record_count(self) -> int:
        return len(self.bad_records)


def profile_dataset(
    spec: DatasetSpec,
    engine: Engine | None = None,
    on_batch: Callable[[pa.RecordBatch], None] | None = None,
    on_start: Callable[[int | None], None] | None = None,
    record_preprocessor_script: str | None = None,
) -> DataQualityRun:
    """Read and profile a whole data set; ``on_start`` gets the row total when the format knows it."""
    with open_dataset(spec, engine, record_preprocessor_script) as dataset:
        if on_start is not None:
            on_start(dataset.scan.total_rows)
        profile = profile_batches(dataset.scan.batches, on_batch)
        if profile.item_count == 0:
            bad = len(dataset.scan.bad_records)
            first = f"; first: {dataset.scan.bad_records[0]}" if bad else ""
            raise DatasetError(
                f"{', '.join(dataset.files)}: no data rows to analyse ({bad} bad records{first})"
            )
        issues = list(dataset.issues)
        if spec.format != "csv" or spec.header:
            issues += check_column_names(profile.column_names)
        issues += profile.warnings()
        issues += [DatasetIssue("bad_record", str(bad)) for bad in dataset.scan.bad_records]
        return DataQualityRun(profile, list(dataset.scan.bad_records), issues, dataset.files)
