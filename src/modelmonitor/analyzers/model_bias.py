"""Model-bias analysis: a job's rows and its Clarify analysis config → the bias ``analysis.json``.

Two inputs, one table rule (docs/clarify.md#the-bias-monitor):

- a monitoring execution's merged records: the features come out of ``captureData.endpointInput`` (a
  CSV row, or the list ``features_attribute`` points at in a JSON payload), named by the config's
  ``headers`` without the label; the predicted label out of ``captureData.endpointOutput`` (by
  ``inference_attribute``, or a score by ``probability_attribute`` or the payload's one value, which
  becomes label 1 when above the probability threshold); the label is ``groundTruthData.data``. A batch
  transform's merged output (``captureData.batchTransformOutput``) holds both when the transform joined
  its input (``join_source="Input"``): the prediction is the attribute's column, else the last one;
- a baseline data set (CSV; headerless when the config names ``headers``, as Clarify reads it) whose
  ``label`` column holds the labels and, for post-training metrics, whose ``predicted_label`` column holds
  the model's predicted labels (or scores, with ``probability_threshold``); without such a column the model
  at the config's ``predictor.endpoint_url`` is called for them, as Clarify calls its shadow endpoint.

Both become text cells of one table read with pyarrow's CSV type inference, so a column is integer, float
or text as it would be in the baseline file: the kind decides whether a label or facet is categorical or
continuous (stats/bias_groups.py). A row without a label, predicted label, facet value or group value is
a bad record (``file:line`` and the field), never a silent group. Pre-training metrics use the labels,
post-training metrics the labels and predicted labels; a config's ``methods`` may name which ones.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.csv as pa_csv
from numpy.typing import NDArray

from modelmonitor.analyzers.model_explainability import endpoint_predictor
from modelmonitor.dataset.attributes import AttributeValueError, compile_attribute, payload_value
from modelmonitor.dataset.merge import MergedRecord, read_merged
from modelmonitor.dataset.report import BadRecord, ReadReport
from modelmonitor.errors import ConfigurationError
from modelmonitor.formats.clarify import AnalysisConfig, AnalysisFile, BiasMethods
from modelmonitor.formats.job_definition import InputAttributes
from modelmonitor.stats.bias_report import FacetColumn, bias_section
from modelmonitor.storage.objects import store_for

__all__ = [
    "DEFAULT_PROBABILITY_THRESHOLD",
    "PREDICTED_LABEL",
    "BiasRows",
    "bias_analysis",
    "concatenated_rows",
    "dataset_file_rows",
    "merged_file_rows",
    "rows_from_dataset",
    "rows_from_merged",
    "with_model_scores",
]

# SageMaker's default ProbabilityThresholdAttribute of a bias job's input.
DEFAULT_PROBABILITY_THRESHOLD = 0.5
# The predicted-label column of a monitoring table (the name Clarify gives it in its own tables).
PREDICTED_LABEL = "predicted_label"


@dataclass
class BiasRows:
    """The text cells of the analysed rows, each with the place it came from (for messages)."""

    names: list[str]
    cells: list[list[str]]
    places: list[tuple[str, int | None]]


def _label_name(config: AnalysisConfig) -> str:
    label = config.label
    if label is None:
        raise ConfigurationError("analysis_config.json has no label: name the ground-truth label column")
    if isinstance(label, int):
        if config.headers is None or not 0 <= label < len(config.headers):
            raise ConfigurationError(f"analysis_config.json: label index {label} has no header to name it")
        return config.headers[label]
    return label


def _column_name(config: AnalysisConfig, name_or_index: str | int, what: str, names: Sequence[str]) -> str:
    if isinstance(name_or_index, int):
        if config.headers is not None and 0 <= name_or_index < len(config.headers):
            return config.headers[name_or_index]
        raise ConfigurationError(f"analysis_config.json: {what} index {name_or_index} is outside the headers")
    if name_or_index not in names:
        raise ConfigurationError(
            f"analysis_config.json: {what} {name_or_index!r} is not a column of the data; "
            f"columns: {', '.join(names)}"
        )
    return name_or_index


# monitoring: merged records -------------------------------------------------------------------------


class _RowError(ValueError):
    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field_name = field_name


def _features(section: dict[str, Any], attribute: str | None) -> list[str]:
    data = section.get("data")
    if not isinstance(data, str):
        raise _RowError("captureData.endpointInput.data", "the model input is missing")
    encoding = str(section.get("encoding", "CSV")).upper()
    if encoding == "JSON":
        try:
            document = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise _RowError("captureData.endpointInput.data", f"not valid JSON ({exc})") from exc
        found = document if attribute is None else compile_attribute(attribute).search(document)
        if not isinstance(found, list) or any(isinstance(v, dict | list) for v in found):
            where = f"features_attribute {attribute!r}" if attribute else "the JSON payload"
            raise _RowError("captureData.endpointInput.data", f"{where} is not a list of feature values")
        return ["" if v is None else str(v) for v in found]
    rows = [row for row in csv.reader(io.StringIO(data)) if any(cell.strip() for cell in row)]
    if len(rows) != 1:
        raise _RowError("captureData.endpointInput.data", f"expected one CSV row, got {len(rows)}")
    return [cell.strip() for cell in rows[0]]


def _label_of_score(score: str, threshold: float) -> str:
    try:
        value = float(score)
    except ValueError:
        return score  # a label, not a score
    return "1" if value > threshold else "0"


def _predicted_label(section: dict[str, Any], attributes: InputAttributes, threshold: float) -> str:
    if attributes.inference_attribute is not None:
        return payload_value(section, attributes.inference_attribute)
    return _label_of_score(payload_value(section, attributes.probability_attribute), threshold)


def _joined_output(
    section: dict[str, Any], attributes: InputAttributes, threshold: float
) -> tuple[list[str], str]:
    """(features, predicted label) of a batch transform's output joined with its input
    (``join_source="Input"``): a CSV row of the features and the prediction (by ``inference_attribute``
    or ``probability_attribute``, else the last column), or a JSON document whose features
    ``features_attribute`` points at."""
    if str(section.get("encoding", "CSV")).upper() == "JSON":
        if attributes.features_attribute is None:
            raise _RowError(
                "captureData.batchTransformOutput.data",
                "a JSON output holds the features only with features_attribute (a JMESPath expression)",
            )
        try:
            return _features(section, attributes.features_attribute), _predicted_label(
                section, attributes, threshold
            )
        except AttributeValueError as exc:
            raise _RowError("captureData.batchTransformOutput.data", str(exc)) from exc
    cells = _features(section, None)
    given = attributes.inference_attribute or attributes.probability_attribute
    try:
        index = len(cells) - 1 if given is None else int(given)
    except ValueError:
        raise _RowError(
            "captureData.batchTransformOutput.data",
            f"attribute {given!r} must be a column index for a CSV output",
        ) from None
    if len(cells) < 2 or not 0 <= index < len(cells):
        raise _RowError(
            "captureData.batchTransformOutput.data",
            f"{len(cells)} column(s): no model input beside the prediction (run the transform with "
            "join_source='Input', or capture the endpoint's input)",
        )
    value = cells.pop(index)
    return cells, value if attributes.inference_attribute is not None else _label_of_score(value, threshold)


def _feature_names(config: AnalysisConfig, label: str, count: int) -> list[str]:
    headers = config.headers
    if headers is None:
        return [f"_c{i}" for i in range(count)]
    # A baseline's config may name a predicted-label column of its data set: not a model input.
    features = [name for name in headers if name not in (label, config.predicted_label)]
    if len(features) == count:
        return features
    if len(headers) == count:
        return list(headers)
    raise _RowError(
        "captureData.endpointInput.data",
        f"{count} feature values, but the analysis config's headers name {len(features)} features "
        f"besides the label {label!r}",
    )


def rows_from_merged(
    records: Iterable[MergedRecord],
    config: AnalysisConfig,
    attributes: InputAttributes,
    report: ReadReport,
) -> BiasRows:
    """The rows of merged records: features, predicted label and label; bad records counted."""
    label = _label_name(config)
    threshold = attributes.probability_threshold_attribute
    if threshold is None:
        threshold = config.probability_threshold or DEFAULT_PROBABILITY_THRESHOLD
    rows = BiasRows([], [], [])
    for merged in records:
        record = merged.record
        try:
            truth = record.get("groundTruthData")
            capture = record.get("captureData")
            if not isinstance(truth, dict):
                raise _RowError("groundTruthData", "the label is missing")
            if not isinstance(capture, dict):
                raise _RowError("captureData", "the captured call is missing")
            model_input = capture.get("endpointInput") or capture.get("batchTransformInput")
            output = capture.get("endpointOutput") or capture.get("batchTransformOutput")
            if not isinstance(output, dict):
                raise _RowError("captureData.endpointOutput", "the model output is missing")
            if isinstance(model_input, dict):
                features = _features(model_input, attributes.features_attribute)
                try:
                    predicted = _predicted_label(output, attributes, threshold)
                except AttributeValueError as exc:
                    raise _RowError("captureData.endpointOutput.data", str(exc)) from exc
            elif "batchTransformOutput" in capture:
                features, predicted = _joined_output(output, attributes, threshold)
            else:
                raise _RowError("captureData.endpointInput", "the model input is missing")
            names = _feature_names(config, label, len(features))
            try:
                label_value = payload_value(truth, None)
            except AttributeValueError as exc:
                raise _RowError("groundTruthData.data", str(exc)) from exc
        except _RowError as exc:
            report.bad(BadRecord(merged.uri, merged.line, exc.field_name, str(exc)))
            continue
        if not rows.names:
            rows.names = [*names, label, PREDICTED_LABEL]
        elif len(rows.names) != len(names) + 2:
            report.bad(
                BadRecord(
                    merged.uri,
                    merged.line,
                    "captureData.endpointInput.data",
                    f"{len(names)} feature values, earlier records had {len(rows.names) - 2}",
                )
            )
            continue
        rows.cells.append([*features, label_value, predicted])
        rows.places.append((merged.uri, merged.line))
    return rows


def merged_file_rows(
    config: AnalysisConfig, attributes: InputAttributes, uri: str
) -> tuple[BiasRows, ReadReport]:
    """The rows of one merged file and its read report (one ``Engine.each`` task)."""
    report = ReadReport()
    return rows_from_merged(read_merged([uri], report), config, attributes, report), report


def concatenated_rows(parts: Sequence[tuple[BiasRows, ReadReport]]) -> tuple[BiasRows, ReadReport]:
    """Per-file rows and reports as one, in file order; the first file with rows names the columns, and
    the rows of a file with another number of features are bad records, as within a file."""
    rows = BiasRows([], [], [])
    report = ReadReport()
    for part, part_report in parts:
        report = report.merge(part_report)
        if not part.cells:
            continue
        if not rows.names:
            rows.names = part.names
        elif len(part.names) != len(rows.names):
            for uri, line in part.places:
                message = f"{len(part.names) - 2} feature values, earlier records had {len(rows.names) - 2}"
                report.bad(BadRecord(uri, line, "captureData.endpointInput.data", message))
            continue
        rows.cells.extend(part.cells)
        rows.places.extend(part.places)
    return rows, report


# baseline: a data set ------------------------------------------------------------------------------


def dataset_file_rows(config: AnalysisConfig, uri: str) -> tuple[BiasRows, ReadReport]:
    """``rows_from_dataset`` of one file with its own read report (one ``Engine.each`` task)."""
    report = ReadReport()
    return rows_from_dataset(uri, config, report), report


def rows_from_dataset(uri: str, config: AnalysisConfig, report: ReadReport) -> BiasRows:
    """The rows of a baseline CSV (headerless when the config names ``headers``, as Clarify reads it)."""
    if config.dataset_type not in (None, "text/csv"):
        raise ConfigurationError(
            f"a bias baseline data set is CSV (dataset_type text/csv); got {config.dataset_type}"
        )
    text = store_for(uri).read_text(uri)
    report.files += 1
    reader = csv.reader(io.StringIO(text, newline=""))
    names = list(config.headers) if config.headers is not None else None
    if names is None:
        names = [name.strip() for name in next(reader, [])]
    rows = BiasRows(names, [], [])
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        if not rows.cells and not report.records and [cell.strip() for cell in row] == names:
            # a header line although the config names the headers: not a row of the data
            report.warn("column_name", f"{uri}:{reader.line_num}: the header line, skipped (headers given)")
            continue
        report.records += 1
        if len(row) != len(names):
            report.bad(
                BadRecord(uri, reader.line_num, None, f"{len(row)} columns, the headers name {len(names)}")
            )
            continue
        rows.cells.append([cell.strip() for cell in row])
        rows.places.append((uri, reader.line_num))
    return rows


def with_model_scores(rows: BiasRows, config: AnalysisConfig, report: ReadReport) -> BiasRows:
    """``rows`` with the model's score of each row as a ``predicted_label`` column: the model the config's
    ``predictor.endpoint_url`` names is called with the feature columns (the headers without the label,
    numbers only), as Clarify calls its shadow endpoint. A row with a value that is not a number is a bad
    record; a call that fails raises ``ModelCallError`` naming the rows."""
    label = _label_name(config)
    features = [index for index, name in enumerate(rows.names) if name != label]
    kept = BiasRows([*rows.names, PREDICTED_LABEL], [], [])
    matrix = []
    for cells, place in zip(rows.cells, rows.places, strict=True):
        try:
            matrix.append([float(cells[index]) for index in features])
        except ValueError:
            report.bad(
                BadRecord(place[0], place[1], None, "the model is called with numbers; a feature is not one")
            )
            continue
        kept.cells.append(cells)
        kept.places.append(place)
    if not matrix:
        return kept
    with endpoint_predictor(config) as model:
        scores = model(np.asarray(matrix, dtype=np.float64))
    for cells, score in zip(kept.cells, scores[:, 0].tolist(), strict=True):
        cells.append(repr(score))
    return kept


# the analysis ---------------------------------------------------------------------------------------


def _typed_table(rows: BiasRows) -> pa.Table:
    """The cells as pyarrow's CSV reader types them (integers, floats, text; empty cells null)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows(rows.cells)
    return pa_csv.read_csv(
        io.BytesIO(buffer.getvalue().encode("utf-8")),
        read_options=pa_csv.ReadOptions(column_names=[f"c{i}" for i in range(len(rows.names))]),
        convert_options=pa_csv.ConvertOptions(strings_can_be_null=True),
    )


def _methods(config: AnalysisConfig, stage: Literal["pre_training", "post_training"]) -> Sequence[str] | None:
    """The metrics of ``stage`` the config asks for: all of them when it names no methods at all."""
    methods = config.methods
    if methods is None or (methods.pre_training_bias is None and methods.post_training_bias is None):
        return None  # the monitor's BiasAnalysisConfig names none: both stages, every metric
    chosen: BiasMethods | None = (
        methods.pre_training_bias if stage == "pre_training" else methods.post_training_bias
    )
    if chosen is None:
        return []
    return None if chosen.methods == "all" else chosen.methods


def _score_threshold(column: NDArray[Any], threshold: float | None) -> NDArray[Any]:
    if threshold is None or column.dtype.kind not in "fiu":
        return column
    return np.where(column > threshold, 1, 0)


def bias_analysis(
    rows: BiasRows,
    config: AnalysisConfig,
    report: ReadReport,
    *,
    predicted_label: str | None,
    predicted_threshold: float | None = None,
) -> AnalysisFile:
    """Clarify's bias ``analysis.json`` of ``rows``; ``predicted_label`` names the predicted-label column
    (None: pre-training metrics only). Rows missing a value the metrics need are bad records."""
    if config.label_values_or_threshold is None or not config.facet:
        raise ConfigurationError(
            "analysis_config.json needs label_values_or_threshold and facet for bias metrics"
        )
    if not rows.cells:
        raise ConfigurationError(
            f"no row to analyse: {report.bad_record_count} bad record(s) of {report.records} "
            f"(first: {report.bad_records[0] if report.bad_records else 'none'})"
        )
    label = _label_name(config)
    if label not in rows.names:
        raise ConfigurationError(
            f"analysis_config.json: label {label!r} is not a column of the data; "
            f"columns: {', '.join(rows.names)}"
        )
    facets = [_column_name(config, facet.name_or_index, "facet", rows.names) for facet in config.facet]
    group = (
        None
        if config.group_variable is None
        else _column_name(config, config.group_variable, "group_variable", rows.names)
    )
    if predicted_label is not None and predicted_label not in rows.names:
        raise ConfigurationError(
            f"analysis_config.json: predicted_label {predicted_label!r} is not a column of the data; "
            f"columns: {', '.join(rows.names)}"
        )
    needed = [label, *facets, *([group] if group else []), *([predicted_label] if predicted_label else [])]
    table = _typed_table(rows)
    keep = np.ones(table.num_rows, dtype=np.bool_)
    for name in dict.fromkeys(needed):
        nulls = np.asarray(table.column(rows.names.index(name)).is_null().to_numpy(zero_copy_only=False))
        for index in np.flatnonzero(nulls & keep):
            path, line = rows.places[index]
            report.bad(BadRecord(path, line, name, "empty: the row belongs to no group"))
        keep &= ~nulls
    report.rows += int(keep.sum())
    if not keep.any():
        raise ConfigurationError(
            f"no row to analyse: every row lacks one of {', '.join(dict.fromkeys(needed))}"
        )
    table = table.filter(pa.array(keep))
    column = {name: table.column(i) for i, name in enumerate(rows.names)}
    facet_columns = [
        FacetColumn(name, column[name], facet.value_or_threshold)
        for name, facet in zip(facets, config.facet, strict=True)
    ]
    excluded = {label, *facets, *([predicted_label] if predicted_label else [])}
    feature_names = [name for name in rows.names if name not in excluded]
    features = None
    if feature_names and all(
        pa.types.is_integer(column[n].type) or pa.types.is_floating(column[n].type) for n in feature_names
    ):
        features = np.column_stack(
            [np.asarray(column[n].to_numpy(), dtype=np.float64) for n in feature_names]
        )
    group_values = None if group is None else column[group]
    pre_training = post_training = None
    pre = _methods(config, "pre_training")
    if pre != []:
        pre_training = bias_section(
            stage="pre_training",
            label_name=label,
            labels=column[label],
            label_values_or_threshold=config.label_values_or_threshold,
            facets=facet_columns,
            group=group_values,
            methods="all" if pre is None else pre,
        )
    post = _methods(config, "post_training")
    if predicted_label is not None and post != []:
        predicted = _score_threshold(
            np.asarray(column[predicted_label].to_numpy(zero_copy_only=False)), predicted_threshold
        )
        post_training = bias_section(
            stage="post_training",
            label_name=label,
            labels=column[label],
            label_values_or_threshold=config.label_values_or_threshold,
            facets=facet_columns,
            predicted_labels=predicted,
            group=group_values,
            features=features,
            methods="all" if post is None else post,
        )
    return AnalysisFile(post_training_bias_metrics=post_training, pre_training_bias_metrics=pre_training)
