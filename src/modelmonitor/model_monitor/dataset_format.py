"""``DatasetFormat`` and ``MonitoringDatasetFormat``: the dicts SageMaker's SDK builds, and their reading.

``DatasetFormat`` describes a baselining data set (``{"csv": {"header": true, ...}}``);
``MonitoringDatasetFormat`` a batch-transform monitoring input (``{"Csv": {"Header": true}}``).
``dataset_source`` turns either into the reader's ``DatasetSource``.
"""

from __future__ import annotations

from typing import Any

from modelmonitor.dataset.source import DatasetFormat as SourceFormat
from modelmonitor.dataset.source import DatasetSource
from modelmonitor.errors import ConfigurationError

__all__ = ["DatasetFormat", "MonitoringDatasetFormat", "dataset_source"]


class DatasetFormat:
    """Baseline data set formats, as ``sagemaker.model_monitor.DatasetFormat``."""

    @staticmethod
    def csv(header: bool = True, output_columns_position: str = "START") -> dict[str, Any]:
        return {"csv": {"header": header, "output_columns_position": output_columns_position}}

    @staticmethod
    def json(lines: bool = True) -> dict[str, Any]:
        return {"json": {"lines": lines}}

    @staticmethod
    def sagemaker_capture_json() -> dict[str, Any]:
        return {"sagemakerCaptureJson": {}}

    @staticmethod
    def parquet() -> dict[str, Any]:
        """Not in the SDK's ``DatasetFormat``; the analyzer reads Parquet, so we offer it."""
        return {"parquet": {}}


class MonitoringDatasetFormat:
    """Batch-transform monitoring input formats, as ``sagemaker.model_monitor.MonitoringDatasetFormat``."""

    @staticmethod
    def csv(header: bool = True) -> dict[str, Any]:
        return {"Csv": {"Header": header}}

    @staticmethod
    def json(lines: bool = True) -> dict[str, Any]:
        return {"Json": {"Line": lines}}

    @staticmethod
    def parquet() -> dict[str, Any]:
        return {"Parquet": {}}


def _flag(options: Any, *names: str, default: bool) -> bool:
    if not isinstance(options, dict):
        return default
    for name in names:
        if name in options:
            return bool(options[name])
    return default


def dataset_source(
    uri: str, dataset_format: dict[str, Any], preprocessor: str | None = None
) -> DatasetSource:
    """The reader's source for ``uri`` in either SDK spelling of a format."""
    if not isinstance(dataset_format, dict) or len(dataset_format) != 1:
        raise ConfigurationError(
            f"dataset_format: expected one of DatasetFormat.csv()/json()/parquet(), got {dataset_format!r}"
        )
    ((kind, options),) = dataset_format.items()
    key = kind.lower()
    if key == "csv":
        return DatasetSource.table(
            uri,
            SourceFormat.CSV,
            header=_flag(options, "header", "Header", default=False),
            preprocessor=preprocessor,
        )
    if key == "json":
        if not _flag(options, "lines", "line", "Line", default=True):
            raise ConfigurationError("dataset_format json(lines=False) is not supported; use JSON Lines")
        return DatasetSource.table(uri, SourceFormat.JSON_LINES, preprocessor=preprocessor)
    if key == "parquet":
        return DatasetSource.table(uri, SourceFormat.PARQUET, preprocessor=preprocessor)
    raise ConfigurationError(
        f"dataset_format {kind!r} is not supported for baselining; expected csv, json or parquet "
        "(captured data is read by monitoring jobs)"
    )
