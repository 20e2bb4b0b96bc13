"""Merged records → model-quality observations, columnar: what a monitoring execution analyses.

The merge hands its matched records over as columns (``dataset.merge.MERGED_RECORDS``: the label and
the model's output section of each, with the file and line it came from); a merged file on disk is
parsed into the same columns by pyarrow's JSON reader. The common record is taken with Arrow kernels: a
CSV label, a CSV output whose attributes are column indexes (or absent, for an output of one value),
values that are plain numbers or binary labels. Every other record (a JSON or BASE64 payload and its
JMESPath attribute, a quoted or multi-line CSV payload, a value that breaks a rule and needs its
message, multiclass labels) goes through the per-record rule,
``analyzers.model_quality.observations_from_merged``, and a file pyarrow cannot parse is read record
by record. The observations are the same either way, in the records' order, as numpy arrays when the
kernels took them.

Merged files on disk (the Spark engine's merge) are read by one ``Engine.each`` task each (on Spark,
on an executor) and only their three columns (label, prediction, score) travel back: the metrics
(curves, AUC, the bootstrap's draws) need every row of the window at once, in order.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pajson

from modelmonitor.analyzers.model_quality import (
    ModelQualitySettings,
    Observations,
    add_merged_record,
    concatenated,
    observations_from_merged,
)
from modelmonitor.dataset.merge import MERGED_RECORDS, MergedRecord, read_merged
from modelmonitor.dataset.report import ReadReport
from modelmonitor.engine.base import Engine
from modelmonitor.engine.local import LocalEngine
from modelmonitor.storage.objects import store_for

__all__ = ["merged_file_observations", "observations_from_merged_files", "observations_from_merged_records"]

# a merged file's lines hold these fields of MERGED_RECORDS (the file and line are where they are)
_MERGED = pa.schema([MERGED_RECORDS.field("groundTruthData"), MERGED_RECORDS.field("captureData")])
_PARSE = pajson.ParseOptions(explicit_schema=_MERGED, unexpected_field_behavior="ignore")
_READ = pajson.ReadOptions(use_threads=True, block_size=16 * 2**20)
_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
# Arrays are made when used: pa.array imports pandas, which a job that never analyses labels must not.
_TRUE = ("1", "1.0", "true")
_FALSE = ("0", "0.0", "false")


def _index(attribute: str | None) -> int | None:
    """The CSV column an attribute names, or None for an attribute that is not an index."""
    return int(attribute) if attribute is not None and attribute.isdigit() else None


def _bool(array: pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(array, False).to_numpy(zero_copy_only=False), dtype=bool)


def _numbers(values: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(values as floats, where they are plain finite numbers)."""
    ok = _bool(pc.match_substring_regex(values, _NUMBER))
    floats = pc.cast(pc.if_else(pa.array(ok), values, "0"), pa.float64()).to_numpy(zero_copy_only=False)
    return floats, ok


def _binary(values: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(0/1 labels, where the text is one of the binary label spellings)."""
    lowered = pc.utf8_lower(values)
    ones = _bool(pc.is_in(lowered, pa.array(_TRUE)))
    zeros = _bool(pc.is_in(lowered, pa.array(_FALSE)))
    return ones.astype(np.int64), ones | zeros


def _column(fields: pa.ListArray, index: int, width: np.ndarray) -> pa.Array:
    """Field ``index`` of each split payload ("" where the payload is narrower)."""
    safe = pc.if_else(pa.array(width > index), fields, pa.scalar(None, fields.type))
    return pc.utf8_trim_whitespace(pc.fill_null(pc.list_element(safe, index), ""))


Columns = tuple[np.ndarray, npt.NDArray[Any], npt.NDArray[Any], npt.NDArray[np.float64]]


def _columnar(table: pa.Table, settings: ModelQualitySettings) -> Columns:
    """(rows taken, their actual, predicted and score values) of the rows the kernels can take."""
    rows = table.num_rows
    empty = np.zeros(0, dtype=np.float64)
    none: Columns = (np.zeros(rows, dtype=bool), empty, empty, empty)
    problem = settings.problem_type
    inference, probability = _index(settings.inference_attribute), _index(settings.probability_attribute)
    if problem == "MulticlassClassification":
        return none
    if (settings.inference_attribute is not None and inference is None) or (
        settings.probability_attribute is not None and probability is None
    ):
        return none  # JMESPath attributes: per record
    truth = table.column("groundTruthData").combine_chunks()
    capture = table.column("captureData").combine_chunks()
    output = capture.field("endpointOutput")
    if output.null_count:
        output = pc.if_else(output.is_valid(), output, capture.field("batchTransformOutput"))
    labels = pc.utf8_trim_whitespace(pc.fill_null(truth.field("data"), ""))
    payloads = pc.utf8_rtrim(pc.fill_null(output.field("data"), ""), characters="\r\n")
    plain = (
        _bool(pc.equal(pc.fill_null(truth.field("encoding"), "CSV"), "CSV"))
        & _bool(pc.equal(pc.fill_null(output.field("encoding"), "CSV"), "CSV"))
        & ~_bool(pc.match_substring_regex(labels, '[,"\n\r]'))
        & ~_bool(pc.match_substring_regex(payloads, '["\n\r]'))
    )
    if inference is None and probability is None:
        single = pc.utf8_trim_whitespace(payloads)
        plain &= ~_bool(pc.match_substring(payloads, ","))  # one value: no split needed
        predicted_text = single if problem != "BinaryClassification" else None
        probability_text = single if problem == "BinaryClassification" else None
    else:
        fields = pc.split_pattern(payloads, ",")
        width = pc.list_value_length(fields).to_numpy(zero_copy_only=False)
        predicted_text = None if inference is None else _column(fields, inference, width)
        probability_text = None if probability is None else _column(fields, probability, width)
        plain &= width > max(i for i in (inference, probability) if i is not None)
    if problem == "Regression":
        if predicted_text is None:
            return none  # a probability attribute alone gives no predicted value: said per record
        actual, actual_ok = _numbers(labels)
        predicted, predicted_ok = _numbers(predicted_text)
        taken = plain & actual_ok & predicted_ok
        return taken, actual[taken], predicted[taken], empty
    actual_labels, actual_ok = _binary(labels)
    taken = plain & actual_ok
    scores: np.ndarray | None = None
    if probability_text is not None:
        scores, scores_ok = _numbers(probability_text)
        taken &= scores_ok & (scores >= 0.0) & (scores <= 1.0)
    if predicted_text is not None:
        predicted_labels, predicted_ok = _binary(predicted_text)
        taken &= predicted_ok
    else:
        assert scores is not None
        predicted_labels = (scores >= settings.threshold).astype(np.int64)
    if scores is None:
        scores = predicted_labels.astype(np.float64)
    return taken, actual_labels[taken], predicted_labels[taken], scores[taken]


def _in_order(
    first: np.ndarray, first_values: npt.NDArray[Any], second: list[int], second_values: list[Any]
) -> npt.NDArray[Any]:
    """The values of rows ``first`` and rows ``second`` (each in increasing order), in row order."""
    if not second:
        return first_values
    if not len(first):
        return np.asarray(second_values)
    values = np.concatenate([first_values, np.asarray(second_values, dtype=first_values.dtype)])
    return values[np.argsort(np.concatenate([first, np.asarray(second)]), kind="stable")]


def observations_from_merged_records(
    records: pa.Table, settings: ModelQualitySettings, report: ReadReport
) -> Observations:
    """The observations of merged records (``MERGED_RECORDS``), in their order; records that break a
    rule are bad records named by their ``uri`` and ``line`` (the files they come from are counted)."""
    uris = records.column("uri").combine_chunks()
    report.files += (
        len(pc.unique(uris.indices)) if isinstance(uris, pa.DictionaryArray) else len(pc.unique(uris))
    )
    report.records += records.num_rows
    taken, actual, predicted, scores = _columnar(records, settings)
    report.rows += len(actual)
    if taken.all():
        return Observations(settings, actual, predicted, scores)
    # the other rows by the per-record rule (which names what is wrong), then all in row order
    rest = np.flatnonzero(~taken)
    others = records.take(pa.array(rest))
    kept: list[int] = []
    slow = Observations(settings)
    for index, uri, line, record in zip(
        rest.tolist(),
        others.column("uri").to_pylist(),
        others.column("line").to_pylist(),
        others.select(["groundTruthData", "captureData"]).to_pylist(),
        strict=True,
    ):
        if add_merged_record(slow, MergedRecord(uri, line, record), report):
            kept.append(index)
    rows = np.flatnonzero(taken)
    return Observations(
        settings,
        _in_order(rows, actual, kept, list(slow.actual)),
        _in_order(rows, predicted, kept, list(slow.predicted)),
        _in_order(rows, scores, kept, list(slow.scores)) if len(scores) or len(slow.scores) else scores,
    )


def _file_records(uri: str, content: bytes) -> pa.Table | None:
    """A merged file as ``MERGED_RECORDS``, or None when pyarrow cannot parse it line for line."""
    try:
        table = pajson.read_json(pa.BufferReader(content), read_options=_READ, parse_options=_PARSE)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if table.num_rows != content.count(b"\n"):
        return None
    uris = pa.DictionaryArray.from_arrays(
        pa.array(np.zeros(table.num_rows, dtype=np.int32)), pa.array([uri], type=pa.string())
    )
    lines = pa.array(np.arange(1, table.num_rows + 1, dtype=np.int64))
    return pa.Table.from_arrays([uris, lines, *table.columns], schema=MERGED_RECORDS)


def merged_file_observations(settings: ModelQualitySettings, uri: str) -> tuple[Observations, ReadReport]:
    """The observations of one merged file and its read report (one engine task)."""
    report = ReadReport()
    content = store_for(uri).read_bytes(uri)  # written by the merge: every line ends with a newline
    records = _file_records(uri, content)
    if records is None:
        return observations_from_merged(read_merged([uri], report), settings, report), report
    return observations_from_merged_records(records, settings, report), report


def observations_from_merged_files(
    uris: list[str], settings: ModelQualitySettings, engine: Engine | None = None
) -> tuple[Observations, ReadReport]:
    """The observations of the merged files ``uris``, in order, each file read by an ``engine`` task;
    records that break a rule are bad records of the report."""
    parts = (engine or LocalEngine()).each(uris, partial(merged_file_observations, settings))
    return concatenated(settings, parts)
