"""The analysis step of the monitoring job: rows → statistics → check against the baseline.

Captured CSV has no header, so its columns arrive as ``_c0, _c1, ...`` (output columns first). When none of
the current column names is a baseline feature name, columns are matched to the baseline features by
position, as SageMaker's analyzer does; a count mismatch then shows up as missing/extra column violations.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from modelmonitor.analyzers.data_quality import profile_batches
from modelmonitor.constraints.data_quality import evaluate
from modelmonitor.engine.base import TableFormat, TableSource
from modelmonitor.engine.local import LocalEngine
from modelmonitor.errors import DatasetError
from modelmonitor.formats.constraints import ConstraintsFile
from modelmonitor.formats.statistics import StatisticsFile
from modelmonitor.formats.violations import ViolationsFile
from modelmonitor.storage.objects import is_remote, store_for

__all__ = ["AnalysisResult", "analyze", "positional_names", "read_batch_table"]


@dataclass(frozen=True)
class AnalysisResult:
    statistics: StatisticsFile
    constraints: ConstraintsFile | None
    violations: ViolationsFile
    drift: dict[str, float] = field(default_factory=dict)
    emit_metrics: bool = True


def positional_names(current: list[str], baseline: list[str]) -> dict[str, str]:
    """``{_c0: first baseline feature, ...}`` when the current names say nothing about the baseline's."""
    if not baseline or set(current) & set(baseline):
        return {}
    return {name: baseline[index] for index, name in enumerate(current) if index < len(baseline)}


def analyze(
    table: pa.Table, statistics_path: str | None, constraints_path: str | None, logger: logging.Logger
) -> AnalysisResult:
    baseline = StatisticsFile.from_path(statistics_path) if statistics_path else None
    constraints = ConstraintsFile.from_path(constraints_path) if constraints_path else None
    profile = profile_batches(table.to_batches())
    if constraints is not None:
        expected = [feature.name for feature in constraints.features]
    else:
        expected = [feature.name for feature in baseline.features] if baseline is not None else []
    mapping = positional_names(profile.column_names, expected)
    if mapping:
        logger.info("matched %d positional columns to baseline features by position", len(mapping))
        profile = profile.renamed(mapping)
    for issue in profile.warnings():
        logger.warning("%s", issue.message)
    statistics = profile.to_statistics()
    if constraints is None:
        logger.warning("no baseline constraints given: statistics only, no checks")
        return AnalysisResult(statistics, None, ViolationsFile(violations=[]))
    report = evaluate(profile, baseline, constraints)
    config = constraints.monitoring_config
    emit = config is None or config.emit_metrics != "Disabled"
    return AnalysisResult(statistics, constraints, report.to_violations(), dict(report.baseline_drift), emit)


def _format(dataset_format: dict[str, Any]) -> tuple[TableFormat, bool]:
    lowered = {str(k).lower(): v for k, v in dataset_format.items()}
    if "csv" in lowered:
        options = {str(k).lower(): v for k, v in (lowered["csv"] or {}).items()}
        return "csv", bool(options.get("header", False))
    if "json" in lowered:
        return "json", False
    if "parquet" in lowered:
        return "parquet", False
    raise DatasetError(f"dataset_format {dataset_format!r}: expected csv, json or parquet")


def read_batch_table(files: list[str], dataset_format: dict[str, Any], logger: logging.Logger) -> pa.Table:
    """Read batch-transform data files (local or remote) into one table."""
    table_format, header = _format(dataset_format)
    with tempfile.TemporaryDirectory(prefix="modelmonitor-batch-") as tmp:
        local: list[str] = []
        for index, uri in enumerate(files):
            if is_remote(uri):
                target = Path(tmp) / f"{index:05d}-{uri.rsplit('/', 1)[-1]}"
                target.write_bytes(store_for(uri).read_bytes(uri))
                local.append(str(target))
            else:
                local.append(uri)
        scan = LocalEngine().scan(TableSource(paths=local, format=table_format, header=header))
        batches = list(scan.batches)
        for bad in scan.bad_records:
            logger.warning("skipped: %s", bad)
        if not batches:
            raise DatasetError(f"batch-transform data files have no rows: {', '.join(files)}")
        return pa.Table.from_batches(batches)
