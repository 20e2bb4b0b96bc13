"""Model-quality analysis: predictions and their labels → SageMaker's model-quality ``statistics.json``.

Two inputs, one set of rules (docs/model-quality.md#metrics):

- a monitoring execution's merged records: the prediction and the probability come out of
  ``captureData.endpointOutput`` by ``inference_attribute`` / ``probability_attribute`` (a CSV column
  index or a JMESPath expression, ``dataset.attributes``), the label is ``groundTruthData.data``;
- a baseline data set (CSV, with or without a header) whose columns ``inference_attribute``,
  ``probability_attribute`` and ``ground_truth_attribute`` name (or index) the prediction, the
  probability and the label, as SageMaker's ``suggest_baseline`` takes them.

Binary classification: labels are 0/1 (also ``0.0``/``1.0``, ``true``/``false``); without an inference
attribute the predicted label is ``probability >= probability_threshold`` (0.5 unless given), and a
payload holding one number is that probability. Probabilities must lie in [0, 1]. Multiclass labels are
compared as text (``1.0`` is ``1``). Regression values must be finite numbers. A record that breaks a
rule is a bad record with ``file:line`` and the field, never fatal.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from modelmonitor.dataset.attributes import AttributeValueError, payload_value
from modelmonitor.dataset.merge import MergedRecord
from modelmonitor.dataset.report import BadRecord, ReadReport
from modelmonitor.errors import ConfigurationError, InputFileError
from modelmonitor.formats.model_quality import ModelQualityDataset, ModelQualityStatisticsFile, ProblemType
from modelmonitor.stats.classification import (
    MetricVariant,
    binary_classification_metrics,
    multiclass_classification_metrics,
)
from modelmonitor.stats.regression import regression_metrics
from modelmonitor.storage.objects import store_for

__all__ = [
    "DEFAULT_PROBABILITY_THRESHOLD",
    "ModelQualitySettings",
    "Observations",
    "add_merged_record",
    "concatenated",
    "csv_file_observations",
    "observations_from_csv",
    "observations_from_merged",
    "statistics_of",
]

DEFAULT_PROBABILITY_THRESHOLD = 0.5
_TRUE = {"1", "1.0", "true"}
_FALSE = {"0", "0.0", "false"}


@dataclass(frozen=True)
class ModelQualitySettings:
    """What the analysis needs to know: SageMaker's problem type and attributes."""

    problem_type: ProblemType
    inference_attribute: str | None = None
    probability_attribute: str | None = None
    probability_threshold: float | None = None
    ground_truth_attribute: str | None = None
    variant: MetricVariant = "modelmonitor"
    seed: int = 0

    @property
    def threshold(self) -> float:
        return (
            DEFAULT_PROBABILITY_THRESHOLD
            if self.probability_threshold is None
            else self.probability_threshold
        )


class _InvalidValueError(ValueError):
    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field_name = field_name


def _binary_label(text: str, field_name: str) -> int:
    lowered = text.strip().lower()
    if lowered in _TRUE:
        return 1
    if lowered in _FALSE:
        return 0
    raise _InvalidValueError(field_name, f"{text!r} is not a binary label; expected 0 or 1")


def _probability(text: str, field_name: str) -> float:
    value = _number(text, field_name)
    if not 0.0 <= value <= 1.0:
        raise _InvalidValueError(field_name, f"probability {text!r} is outside [0, 1]")
    return value


def _number(text: str, field_name: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise _InvalidValueError(field_name, f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise _InvalidValueError(field_name, f"{text!r} is not a finite number")
    return value


def _class_label(text: str) -> str:
    try:
        value = float(text)
    except ValueError:
        return text.strip()
    return str(int(value)) if value.is_integer() else text.strip()


# A column of observed values: a list while rows are added one by one, or the numpy array the
# columnar reader made (analyzers.merged_columns).
Values = list[Any] | npt.NDArray[Any]


@dataclass
class Observations:
    """Labels, predictions and (binary) scores, in the records' order."""

    settings: ModelQualitySettings
    actual: Values = field(default_factory=list)
    predicted: Values = field(default_factory=list)
    scores: Values = field(default_factory=list)

    def add(self, label: str, prediction: str | None, probability: str | None) -> None:
        """One row; raises ``_InvalidValueError`` (naming the field) when a value breaks the rules."""
        # rows are added to lists, never to the columnar reader's arrays
        assert isinstance(self.actual, list)
        assert isinstance(self.predicted, list)
        assert isinstance(self.scores, list)
        problem = self.settings.problem_type
        if problem == "BinaryClassification":
            actual = _binary_label(label, "label")
            score = None if probability is None else _probability(probability, "probability")
            if prediction is not None:
                predicted = _binary_label(prediction, "prediction")
            elif score is not None:
                predicted = int(score >= self.settings.threshold)
            else:
                raise _InvalidValueError("prediction", "no prediction and no probability")
            self.actual.append(actual)
            self.predicted.append(predicted)
            self.scores.append(float(predicted) if score is None else score)
        elif problem == "MulticlassClassification":
            if prediction is None:
                raise _InvalidValueError("prediction", "no predicted label")
            self.actual.append(_class_label(label))
            self.predicted.append(_class_label(prediction))
        else:
            if prediction is None:
                raise _InvalidValueError("prediction", "no predicted value")
            # both parsed before either is kept: a bad prediction must not leave its label behind
            actual_value, predicted_value = _number(label, "label"), _number(prediction, "prediction")
            self.actual.append(actual_value)
            self.predicted.append(predicted_value)

    def __len__(self) -> int:
        return len(self.actual)


def concatenated(
    settings: ModelQualitySettings, parts: Sequence[tuple[Observations, ReadReport]]
) -> tuple[Observations, ReadReport]:
    """Per-file observations and read reports (``Engine.each``'s results) as one, in file order."""
    report = ReadReport()
    for _, part_report in parts:
        report = report.merge(part_report)
    columns = [[part.actual, part.predicted, part.scores] for part, _ in parts]
    actual, predicted, scores = (_joined([column[i] for column in columns]) for i in range(3))
    return Observations(settings, actual, predicted, scores), report


def _joined(parts: list[Values]) -> Values:
    arrays = [np.asarray(part) for part in parts if len(part)]
    return np.concatenate(arrays) if arrays else []


def statistics_of(
    observations: Observations, *, evaluation_time: str | None = None
) -> ModelQualityStatisticsFile:
    """The statistics file of the observations (``DatasetError`` when there are none)."""
    settings = observations.settings
    dataset = ModelQualityDataset(item_count=len(observations), evaluation_time=evaluation_time)
    if settings.problem_type == "BinaryClassification":
        binary = binary_classification_metrics(
            observations.actual,
            observations.predicted,
            observations.scores,
            variant=settings.variant,
            seed=settings.seed,
        )
        return ModelQualityStatisticsFile(dataset=dataset, binary_classification_metrics=binary)
    if settings.problem_type == "MulticlassClassification":
        multiclass = multiclass_classification_metrics(
            observations.actual, observations.predicted, variant=settings.variant, seed=settings.seed
        )
        return ModelQualityStatisticsFile(dataset=dataset, multiclass_classification_metrics=multiclass)
    regression = regression_metrics(
        observations.actual, observations.predicted, variant=settings.variant, seed=settings.seed
    )
    return ModelQualityStatisticsFile(dataset=dataset, regression_metrics=regression)


# merged records ------------------------------------------------------------------------------------


def _from_output(section: dict[str, object], settings: ModelQualitySettings) -> tuple[str | None, str | None]:
    """(prediction, probability) texts of an endpoint output."""
    prediction = probability = None
    if settings.inference_attribute is not None:
        prediction = payload_value(section, settings.inference_attribute)
    if settings.probability_attribute is not None:
        probability = payload_value(section, settings.probability_attribute)
    if prediction is None and probability is None:
        value = payload_value(section, None)
        if settings.problem_type == "BinaryClassification":
            probability = value  # one number out of a binary model is its probability of label 1
        else:
            prediction = value
    return prediction, probability


def add_merged_record(observations: Observations, merged: MergedRecord, report: ReadReport) -> bool:
    """Add one merged record's row; False (and a bad record of ``report``) when it breaks a rule."""
    record = merged.record
    try:
        truth = record.get("groundTruthData")
        if not isinstance(truth, dict):
            raise _InvalidValueError("groundTruthData", "the label is missing")
        try:
            label = payload_value(truth, None)
        except AttributeValueError as exc:
            raise _InvalidValueError("groundTruthData.data", str(exc)) from exc
        capture = record.get("captureData")
        output = (
            capture.get("endpointOutput") or capture.get("batchTransformOutput")
            if isinstance(capture, dict)
            else None
        )
        if not isinstance(output, dict):
            raise _InvalidValueError("captureData.endpointOutput", "the model output is missing")
        try:
            prediction, probability = _from_output(output, observations.settings)
        except AttributeValueError as exc:
            raise _InvalidValueError("captureData.endpointOutput.data", str(exc)) from exc
        observations.add(label, prediction, probability)
    except _InvalidValueError as exc:
        report.bad(BadRecord(merged.uri, merged.line, exc.field_name, str(exc)))
        return False
    report.rows += 1
    return True


def observations_from_merged(
    records: Iterable[MergedRecord], settings: ModelQualitySettings, report: ReadReport
) -> Observations:
    """Observations of merged records; records that break a rule are bad records of ``report``."""
    observations = Observations(settings)
    for merged in records:
        add_merged_record(observations, merged, report)
    return observations


# baseline data sets ----------------------------------------------------------------------------


def _column(header: list[str] | None, attribute: str | None, role: str, uri: str) -> int | None:
    if attribute is None:
        return None
    if header is not None and attribute in header:
        return header.index(attribute)
    try:
        return int(attribute)
    except ValueError:
        raise InputFileError(
            f"{role} {attribute!r} is neither a column name of the header {header} nor a column index",
            path=uri,
        ) from None


def csv_file_observations(
    settings: ModelQualitySettings, header: bool, uri: str
) -> tuple[Observations, ReadReport]:
    """``observations_from_csv`` of one file with its own read report (one engine task)."""
    report = ReadReport()
    return observations_from_csv(uri, settings, report, header=header), report


def observations_from_csv(
    uri: str, settings: ModelQualitySettings, report: ReadReport, *, header: bool = True
) -> Observations:
    """Observations of a baseline CSV: one row per line, columns named by the attributes (or indexes)."""
    if settings.ground_truth_attribute is None:
        raise ConfigurationError("a model-quality baseline needs ground_truth_attribute (the label column)")
    if settings.inference_attribute is None and settings.probability_attribute is None:
        raise ConfigurationError(
            "a model-quality baseline needs inference_attribute or probability_attribute"
        )
    text = store_for(uri).read_text(uri)
    report.files += 1
    reader = csv.reader(io.StringIO(text, newline=""))
    names = [name.strip() for name in next(reader, [])] if header else None
    columns = [
        _column(names, settings.ground_truth_attribute, "ground_truth_attribute", uri),
        _column(names, settings.inference_attribute, "inference_attribute", uri),
        _column(names, settings.probability_attribute, "probability_attribute", uri),
    ]
    observations = Observations(settings)
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        report.records += 1
        values = [None if c is None else (row[c].strip() if c < len(row) else "") for c in columns]
        try:
            for value, role in zip(values, ("label", "prediction", "probability"), strict=True):
                if value == "":
                    raise _InvalidValueError(role, "empty")
            label, prediction, probability = values
            assert label is not None  # ground_truth_attribute is required above
            observations.add(label, prediction, probability)
        except _InvalidValueError as exc:
            report.bad(BadRecord(uri, reader.line_num, exc.field_name, str(exc)))
            continue
        report.rows += 1
    return observations
