"""A baselining or check job's data set from SageMaker's ``dataset_format`` dict (either SDK spelling).

``DatasetFormat.csv(header=True)`` gives ``{"csv": {"header": true, ...}}`` and
``MonitoringDatasetFormat.csv()`` gives ``{"Csv": {"Header": true}}``; both, and the CLI's ``--format``,
arrive at the service as such a dict and become the reader's ``DatasetSource`` here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from modelmonitor.dataset.source import DatasetFormat, DatasetSource
from modelmonitor.dataset.window import AnalysisWindow
from modelmonitor.errors import ConfigurationError

__all__ = ["table_source"]


def _flag(options: Any, *names: str, default: bool) -> bool:
    if not isinstance(options, Mapping):
        return default
    for name in names:
        if name in options:
            return bool(options[name])
    return default


def table_source(
    uri: str, dataset_format: Mapping[str, Any], preprocessor: str | None = None
) -> DatasetSource:
    """The reader's source for ``uri`` in either SDK spelling of a format."""
    if not isinstance(dataset_format, Mapping) or len(dataset_format) != 1:
        raise ConfigurationError(
            f"dataset_format: expected one of DatasetFormat.csv()/json()/parquet(), got {dataset_format!r}"
        )
    ((kind, options),) = dataset_format.items()
    key = str(kind).lower()
    if key == "csv":
        return DatasetSource.table(
            uri,
            DatasetFormat.CSV,
            header=_flag(options, "header", "Header", default=False),
            preprocessor=preprocessor,
        )
    if key == "json":
        if not _flag(options, "lines", "line", "Line", default=True):
            raise ConfigurationError("dataset_format json(lines=False) is not supported; use JSON Lines")
        return DatasetSource.table(uri, DatasetFormat.JSON_LINES, preprocessor=preprocessor)
    if key == "parquet":
        return DatasetSource.table(uri, DatasetFormat.PARQUET, preprocessor=preprocessor)
    if key == "sagemakercapturejson":
        return DatasetSource(
            uris=(uri,),
            format=DatasetFormat.CAPTURE_JSONL,
            window=AnalysisWindow.unbounded(),
            preprocessor=preprocessor,
        )
    raise ConfigurationError(
        f"dataset_format {kind!r} is not supported for baselining; expected csv, json, parquet or "
        "sagemaker_capture_json"
    )
