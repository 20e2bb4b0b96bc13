"""``DatasetFormat`` and ``MonitoringDatasetFormat``: the dicts SageMaker's SDK builds, and their reading.

``DatasetFormat`` describes a baselining data set (``{"csv": {"header": true, ...}}``);
``MonitoringDatasetFormat`` a batch-transform monitoring input (``{"Csv": {"Header": true}}``).
The service turns either into the reader's data source (``jobs.inputs``).
"""

from __future__ import annotations

from typing import Any

__all__ = ["DatasetFormat", "MonitoringDatasetFormat"]


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
