"""What a job reads: a ``DatasetSource`` names the data (URIs and format) and how rows are made of it.

One description serves every reader and every engine: a baseline's CSV, JSON Lines or Parquet files,
an endpoint's captured JSON Lines in an analysis window, and the data files batch-transform manifests
point at. It is a frozen, picklable value, so a distributed engine can ship it to where the data lives.
The ground-truth merge of model-quality monitoring will add a field here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from modelmonitor.dataset.window import AnalysisWindow
from modelmonitor.errors import ConfigurationError

__all__ = ["CAPTURE_FORMATS", "TABLE_FORMATS", "DatasetFormat", "DatasetSource", "positional_names"]


class DatasetFormat(StrEnum):
    CSV = "csv"
    JSON_LINES = "json"
    PARQUET = "parquet"
    CAPTURE_JSONL = "capture"  # {uri}/{endpoint}/{variant}/yyyy/mm/dd/hh/*.jsonl
    BATCH_MANIFEST = "manifest"  # {uri}/input/yyyy/mm/dd/hh/<manifest> → data files


TABLE_FORMATS = frozenset({DatasetFormat.CSV, DatasetFormat.JSON_LINES, DatasetFormat.PARQUET})
CAPTURE_FORMATS = frozenset({DatasetFormat.CAPTURE_JSONL, DatasetFormat.BATCH_MANIFEST})


@dataclass(frozen=True)
class DatasetSource:
    """The data a job reads.

    ``uris`` are local paths, folders or fsspec URIs (a folder or prefix means every file below it);
    for capture they are capture destinations. ``header`` matters for CSV, also behind manifests
    (whose data files are in ``manifest_data_format``). ``window`` selects capture records by
    ``inferenceTime`` and manifests by hour folder. ``capture_outputs``/``capture_inputs`` say which
    payloads of a capture record become columns (outputs first, as SageMaker's analyzer flattens).
    ``preprocessor`` is the path of a script defining ``preprocess_handler``, applied to each record.
    """

    uris: tuple[str, ...]
    format: DatasetFormat
    header: bool = False
    window: AnalysisWindow | None = None
    endpoint: str | None = None
    capture_outputs: bool = True
    capture_inputs: bool = True
    manifest_data_format: DatasetFormat = DatasetFormat.CSV
    preprocessor: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.uris, str):
            object.__setattr__(self, "uris", (self.uris,))
        if not self.uris:
            raise ConfigurationError("dataset source: no URI given; expected a file, folder or URI")
        if self.format in CAPTURE_FORMATS and self.window is None:
            raise ConfigurationError(f"dataset source {self.format.value}: an analysis window is required")
        # Captured data without an endpoint is every capture file below the URIs (a baseline made from
        # captured traffic, DatasetFormat.sagemaker_capture_json()); with one, its hours in the window.
        if self.manifest_data_format not in TABLE_FORMATS:
            raise ConfigurationError(
                f"manifest data format {self.manifest_data_format.value!r}: expected csv, json or parquet"
            )
        if self.preprocessor is not None and self.data_format is DatasetFormat.PARQUET:
            raise ConfigurationError(
                "record_preprocessor_script works with csv and json data sets, not parquet"
            )

    @classmethod
    def table(
        cls,
        uris: str | Sequence[str],
        format: DatasetFormat | str,
        *,
        header: bool = False,
        preprocessor: str | None = None,
    ) -> DatasetSource:
        """Files of one table: ``csv``, ``json`` (JSON Lines) or ``parquet``."""
        kind = DatasetFormat(format)
        if kind not in TABLE_FORMATS:
            raise ConfigurationError(f"dataset format {kind.value!r}: expected csv, json or parquet")
        return cls(_uris(uris), kind, header=header, preprocessor=preprocessor)

    @classmethod
    def for_job(
        cls,
        uri: str,
        dataset_format: Mapping[str, Any],
        *,
        window: AnalysisWindow,
        endpoint: str | None,
        preprocessor: str | None,
    ) -> DatasetSource:
        """A monitoring execution's input from the container contract's ``dataset_format``
        (docs/sagemaker.md#environment-variables).

        ``sagemakerCaptureJson`` reads the endpoint's capture; ``csv``/``json``/``parquet`` read the
        files batch-transform manifests point at.
        """
        keys = {str(key).lower(): value for key, value in dataset_format.items()}
        if "sagemakercapturejson" in keys or "sagemakermergejson" in keys:
            if not endpoint:
                raise ConfigurationError("sagemaker_endpoint_name is required to read captured data")
            return cls(
                (uri,),
                DatasetFormat.CAPTURE_JSONL,
                window=window,
                endpoint=endpoint,
                preprocessor=preprocessor,
            )
        if preprocessor is not None:
            raise ConfigurationError(
                "record_preprocessor_script is only applied to captured (JSON Lines) data"
            )
        for name, kind in (
            ("csv", DatasetFormat.CSV),
            ("json", DatasetFormat.JSON_LINES),
            ("parquet", DatasetFormat.PARQUET),
        ):
            if name in keys:
                options = {str(k).lower(): v for k, v in (keys[name] or {}).items()}
                return cls(
                    (uri,),
                    DatasetFormat.BATCH_MANIFEST,
                    header=bool(options.get("header", False)),
                    window=window,
                    manifest_data_format=kind,
                )
        raise ConfigurationError(
            f"dataset_format {dict(dataset_format)!r}: expected sagemakerCaptureJson, csv, json or parquet"
        )

    @property
    def data_format(self) -> DatasetFormat:
        """The format of the files read: the manifests' data format for BATCH_MANIFEST."""
        return self.manifest_data_format if self.format is DatasetFormat.BATCH_MANIFEST else self.format

    @property
    def positional(self) -> bool:
        """True when rows carry no column names (``_c0, _c1, ...``): headerless CSV and capture."""
        if self.format is DatasetFormat.CAPTURE_JSONL:
            return True
        return self.data_format is DatasetFormat.CSV and not self.header

    def describe(self) -> str:
        where = ", ".join(self.uris)
        if self.format is DatasetFormat.CAPTURE_JSONL and self.endpoint:
            return f"{where.rstrip('/')}/{self.endpoint}"
        if self.format is DatasetFormat.BATCH_MANIFEST:
            return f"{where.rstrip('/')}/input"
        return where


def _uris(uris: str | Sequence[str]) -> tuple[str, ...]:
    return (uris,) if isinstance(uris, str) else tuple(uris)


def positional_names(current: Sequence[str], baseline: Sequence[str]) -> dict[str, str]:
    """``{current name: baseline feature}`` by position, when no current name is a baseline feature.

    The one column-matching rule of checks and executions: rows without names (headerless CSV and
    capture: ``_c0, _c1, ...``; a preprocess_handler's ``str(i).zfill(20)`` keys) take the baseline's
    feature names in order, as SageMaker's analyzer does. When any name matches, names are kept, and
    a count mismatch shows up as missing or extra column violations.
    """
    if not baseline or set(current) & set(baseline):
        return {}
    return {name: baseline[index] for index, name in enumerate(current) if index < len(baseline)}
