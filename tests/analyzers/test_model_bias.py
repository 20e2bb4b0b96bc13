"""Model-bias analysis from merged records and baseline CSVs: Clarify's analysis.json, bad rows named, bad
configurations refused with the column they name."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from modelmonitor.analyzers.model_bias import (
    PREDICTED_LABEL,
    bias_analysis,
    rows_from_dataset,
    rows_from_merged,
)
from modelmonitor.dataset.merge import MergedRecord
from modelmonitor.dataset.report import ReadReport
from modelmonitor.errors import ConfigurationError
from modelmonitor.formats.clarify import AnalysisConfig, AnalysisFile, metric_number
from modelmonitor.formats.job_definition import InputAttributes
from tests.conformance.test_clarify_bias_conformance import assert_same_metrics

HEADERS = ["target", "sex", "age", "income"]


def _config(**changes: object) -> AnalysisConfig:
    data: dict[str, object] = {
        "headers": HEADERS,
        "label": "target",
        "label_values_or_threshold": [1],
        "facet": [{"name_or_index": "sex", "value_or_threshold": [0]}],
        "group_variable": "age",
    }
    data.update(changes)
    return AnalysisConfig.from_data(data)


def _merged(line: int, features: str, output: str, label: str, *, encoding: str = "CSV") -> MergedRecord:
    record = {
        "groundTruthData": {"data": label, "encoding": "CSV"},
        "captureData": {
            "endpointInput": {"observedContentType": "text/csv", "mode": "INPUT", "data": features,
                              "encoding": encoding},
            "endpointOutput": {"observedContentType": "text/csv", "mode": "OUTPUT", "data": output,
                               "encoding": "CSV"},
        },
        "eventMetadata": {"eventId": str(line), "inferenceTime": "2026-11-26T10:00:00Z"},
    }  # fmt: skip
    return MergedRecord("merge/part-0.jsonl", line, record)


def _records(count: int, seed: int = 3) -> list[MergedRecord]:
    rng = np.random.default_rng(seed)
    records = []
    for line in range(1, count + 1):
        sex = int(rng.integers(0, 2))
        age = int(rng.integers(20, 24))
        income = float(np.round(rng.normal(50, 10), 2))
        score = float(np.round(rng.uniform(0, 1) * (0.6 if sex == 0 else 1.0), 3))
        label = int(rng.uniform(0, 1) < (0.3 if sex == 0 else 0.6))
        records.append(_merged(line, f"{sex},{age},{income}", str(score), str(label)))
    return records


def _value(analysis: AnalysisFile, stage: str, name: str, facet: str = "sex") -> float | None:
    section = getattr(analysis, f"{stage}_bias_metrics")
    metric = next(m for m in section.facets[facet][0].metrics if m.name == name)
    return metric_number(metric)


def test_merged_records_give_both_sections_with_the_threshold_applied() -> None:
    report = ReadReport()
    rows = rows_from_merged(
        _records(200), _config(), InputAttributes(probability_threshold_attribute=0.4), report
    )
    assert rows.names == ["sex", "age", "income", "target", PREDICTED_LABEL]
    assert rows.cells[0][-1] in {"0", "1"}
    analysis = bias_analysis(rows, _config(), report, predicted_label=PREDICTED_LABEL)
    assert report.rows == 200
    assert report.bad_record_count == 0
    assert analysis.pre_training_bias_metrics is not None
    assert analysis.post_training_bias_metrics is not None
    post = analysis.post_training_bias_metrics
    assert post.label == "target"
    assert post.label_value_or_threshold == "1"
    assert [g.value_or_threshold for g in post.facets["sex"]] == ["0"]
    names = [m.name for m in post.facets["sex"][0].metrics]
    assert names == sorted(names)
    assert {"DPPL", "DI", "CDDPL", "FT", "GE"} <= set(names)
    # sex 0 scores are capped at 0.6: fewer of them pass 0.4, so DPPL (q'_a - q'_d) is positive
    dppl = _value(analysis, "post_training", "DPPL")
    assert dppl is not None
    assert dppl > 0.2
    # the threshold is the input's: with 0.9 nobody of sex 0 is predicted positive
    strict = bias_analysis(
        rows_from_merged(
            _records(200), _config(), InputAttributes(probability_threshold_attribute=0.9), report
        ),
        _config(),
        ReadReport(),
        predicted_label=PREDICTED_LABEL,
    )
    assert _value(strict, "post_training", "DI") == 0.0


def test_bad_records_are_named_and_the_rest_analysed() -> None:
    records = _records(100)
    records += [
        _merged(101, "1,21", "0.5", "1"),  # two features: the headers name three
        _merged(102, "1,21,40.0", "0.5", ""),  # no label
        _merged(103, ",21,40.0", "0.5", "1"),  # no facet value
        _merged(104, '{"x": 1}', "0.5", "1", encoding="JSON"),  # JSON without a feature list
    ]
    report = ReadReport()
    rows = rows_from_merged(records, _config(), InputAttributes(), report)
    analysis = bias_analysis(rows, _config(), report, predicted_label=PREDICTED_LABEL)
    assert analysis.post_training_bias_metrics is not None
    assert report.rows == 100
    assert report.bad_record_count == 4
    messages = [str(bad) for bad in report.bad_records]
    assert any("merge/part-0.jsonl:101" in m and "2 feature values" in m for m in messages)
    assert any("merge/part-0.jsonl:102 (field groundTruthData.data)" in m for m in messages)
    assert any("merge/part-0.jsonl:103 (field sex)" in m and "no group" in m for m in messages)
    assert any("merge/part-0.jsonl:104" in m and "not a list of feature values" in m for m in messages)


def test_json_payloads_use_the_features_attribute() -> None:
    records = [
        _merged(i, json.dumps({"instance": {"features": [i % 2, 20 + i % 3, 40.5]}}), "0.7", str(i % 2),
                encoding="JSON")
        for i in range(1, 61)
    ]  # fmt: skip
    report = ReadReport()
    rows = rows_from_merged(
        records, _config(), InputAttributes(features_attribute="instance.features"), report
    )
    assert report.bad_record_count == 0
    assert rows.cells[0][:3] == ["1", "21", "40.5"]


def test_missing_facet_column_is_a_configuration_error_naming_it() -> None:
    report = ReadReport()
    rows = rows_from_merged(_records(50), _config(), InputAttributes(), report)
    config = _config(facet=[{"name_or_index": "gender", "value_or_threshold": [0]}])
    with pytest.raises(ConfigurationError, match="facet 'gender' is not a column of the data; columns: sex"):
        bias_analysis(rows, config, report, predicted_label=PREDICTED_LABEL)
    with pytest.raises(ConfigurationError, match="group_variable 'region'"):
        bias_analysis(rows, _config(group_variable="region"), report, predicted_label=PREDICTED_LABEL)


def test_single_facet_group_and_one_class_labels_give_errors_not_nan() -> None:
    records = [_merged(i, f"0,{20 + i % 4},50.0", "0.7", str(i % 2)) for i in range(1, 101)]
    report = ReadReport()
    rows = rows_from_merged(records, _config(), InputAttributes(), report)
    analysis = bias_analysis(rows, _config(), report, predicted_label=PREDICTED_LABEL)
    for section in (analysis.pre_training_bias_metrics, analysis.post_training_bias_metrics):
        assert section is not None
        for metric in section.facets["sex"][0].metrics:
            if metric.name == "GE":  # facet-independent
                continue
            assert metric.value is None, metric
            assert metric.error == "Negated facet set is empty", metric
    # a label threshold no label passes: no positive label anywhere
    one_class = bias_analysis(
        rows_from_merged(_records(100), _config(), InputAttributes(), ReadReport()),
        _config(label_values_or_threshold=[7]),
        ReadReport(),
        predicted_label=PREDICTED_LABEL,
    )
    text = one_class.to_json_text()
    assert "NaN" not in text
    pre = one_class.pre_training_bias_metrics
    assert pre is not None
    cddl = next(m for m in pre.facets["sex"][0].metrics if m.name == "CDDL")
    assert cddl.value is None
    assert cddl.error


def test_baseline_csv_reproduces_the_golden_pre_training_file(conformance_dir: Path) -> None:
    config = AnalysisConfig.from_data(
        {
            "headers": ["Label", "F1", "F2", "F3", "F4"],
            "label": "Label",
            "label_values_or_threshold": [1],
            "facet": [{"name_or_index": "F1", "value_or_threshold": [0.5]}],
            "group_variable": "F2",
            "methods": {"pre_training_bias": {"methods": "all"}},
        }
    )
    report = ReadReport()
    rows = rows_from_dataset(str(conformance_dir / "sdk-clarify-check-step/dataset.csv"), config, report)
    ours = bias_analysis(rows, config, report, predicted_label=None)
    assert ours.post_training_bias_metrics is None
    theirs = AnalysisFile.from_path(
        conformance_dir / "sdk-clarify-check-step/data_bias/good_cases/analysis.json"
    )
    assert ours.pre_training_bias_metrics is not None
    assert theirs.pre_training_bias_metrics is not None
    assert_same_metrics(ours.pre_training_bias_metrics, theirs.pre_training_bias_metrics)
    assert report.bad_record_count == 0


def test_baseline_csv_with_a_header_and_predicted_scores(tmp_path: Path) -> None:
    lines = ["target,sex,age,income,score"]
    rng = np.random.default_rng(5)
    for _ in range(120):
        sex = int(rng.integers(0, 2))
        lines.append(f"{int(rng.uniform() < 0.5)},{sex},{int(rng.integers(20, 23))},{rng.normal(50, 5):.2f},"
                     f"{rng.uniform() * (0.5 if sex == 0 else 1):.3f}")  # fmt: skip
    lines.append("1,1,21")  # too few columns
    data = tmp_path / "validation.csv"
    data.write_text("\n".join(lines) + "\n")
    config = _config(headers=None, predicted_label="score", probability_threshold=0.6)
    report = ReadReport()
    rows = rows_from_dataset(str(data), config, report)
    analysis = bias_analysis(rows, config, report, predicted_label="score", predicted_threshold=0.6)
    assert report.rows == 120
    assert [str(b) for b in report.bad_records] == [f"{data}:122: 3 columns, the headers name 5"]
    assert _value(analysis, "post_training", "DI") == 0.0  # sex 0 never scores above 0.6
    post = analysis.post_training_bias_metrics
    assert post is not None
    # the score column is the prediction, not a feature: the flip test uses age and income only
    ft = next(m for m in post.facets["sex"][0].metrics if m.name == "FT")
    assert ft.value is not None


def _transform_output(line: int, data: str, label: str, encoding: str = "CSV") -> MergedRecord:
    record = {
        "groundTruthData": {"data": label, "encoding": "CSV"},
        "captureData": {"batchTransformOutput": {"observedContentType": "text/csv", "mode": "OUTPUT",
                                                 "data": data, "encoding": encoding}},
        "eventMetadata": {"eventId": str(line), "inferenceTime": "2026-11-26T10:00:00Z"},
    }  # fmt: skip
    return MergedRecord("merge/batch-transform/part-0.jsonl", line, record)


def test_batch_transform_outputs_joined_with_their_input_give_features_and_predictions() -> None:
    records = [_transform_output(1, "0,21,40.5,0.9", "1"), _transform_output(2, "1,22,50.0,0.2", "0")]
    records.append(_transform_output(3, "0.7", "1"))  # the output alone: no input joined
    records.append(
        _transform_output(4, json.dumps({"features": [1, 23, 60.0], "score": 0.95}), "1", encoding="JSON")
    )
    report = ReadReport()
    attributes = InputAttributes(probability_threshold_attribute=0.5)
    rows = rows_from_merged(records, _config(), attributes, report)
    assert rows.names == ["sex", "age", "income", "target", PREDICTED_LABEL]
    assert rows.cells == [["0", "21", "40.5", "1", "1"], ["1", "22", "50.0", "0", "0"]]
    messages = [str(bad) for bad in report.bad_records]
    assert "no model input beside the prediction" in messages[0]
    assert messages[0].startswith("merge/batch-transform/part-0.jsonl:3")
    assert "features_attribute" in messages[1]
    json_rows = rows_from_merged(
        records[3:],
        _config(),
        InputAttributes(features_attribute="features", probability_attribute="score"),
        ReadReport(),
    )
    assert json_rows.cells == [["1", "23", "60.0", "1", "1"]]


def test_a_window_of_bad_records_only_says_so() -> None:
    report = ReadReport()
    report.records = 1
    rows = rows_from_merged([_merged(1, "1,21", "0.5", "1")], _config(), InputAttributes(), report)
    with pytest.raises(ConfigurationError, match=r"no row to analyse: 1 bad record\(s\) of 1 \(first: merge"):
        bias_analysis(rows, _config(), report, predicted_label=PREDICTED_LABEL)


def test_a_header_line_in_a_file_whose_headers_the_config_names_is_skipped(tmp_path: Path) -> None:
    data = tmp_path / "validation.csv"
    data.write_text("target,sex,age,income\n1,0,21,40.5\n0,1,22,50.0\n")
    report = ReadReport()
    rows = rows_from_dataset(str(data), _config(), report)
    assert rows.cells == [["1", "0", "21", "40.5"], ["0", "1", "22", "50.0"]]
    assert [w.message for w in report.warnings] == [f"{data}:1: the header line, skipped (headers given)"]
    assert report.bad_record_count == 0
