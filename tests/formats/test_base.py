from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelmonitor.errors import FormatError
from modelmonitor.formats.base import UnknownKeyWarning
from modelmonitor.formats.constraints import ConstraintsFile
from modelmonitor.formats.statistics import StatisticsFile
from modelmonitor.formats.violations import ViolationsFile

STATISTICS = {
    "version": 0.0,
    "dataset": {"item_count": 3},
    "features": [
        {
            "name": "age",
            "inferred_type": "Integral",
            "numerical_statistics": {
                "common": {"num_present": 3, "num_missing": 0},
                "mean": 2.0,
                "sum": 6.0,
                "std_dev": 0.816496580927726,
                "min": 1.0,
                "max": 3.0,
            },
        }
    ],
}


def test_wrong_typed_key_names_file_and_field() -> None:
    bad = json.loads(json.dumps(STATISTICS))
    bad["features"][0]["numerical_statistics"]["mean"] = "abc"
    with pytest.raises(FormatError) as info:
        StatisticsFile.from_json_text(json.dumps(bad), source="stats.json")
    message = str(info.value)
    assert message.startswith("stats.json: field features[0].numerical_statistics.mean:")
    assert '"abc"' in message


def test_missing_required_key_is_an_error() -> None:
    bad = json.loads(json.dumps(STATISTICS))
    del bad["dataset"]
    with pytest.raises(FormatError, match="field dataset: Field required"):
        StatisticsFile.from_data(bad, source="s.json")


def test_invalid_json_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "constraints.json"
    path.write_text('{\n  "version" : 0.0,\n  "features" : [ oops ]\n}')
    with pytest.raises(FormatError, match=r"constraints\.json:3: not valid JSON"):
        ConstraintsFile.from_path(path)


def test_non_utf8_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "constraint_violations.json"
    path.write_bytes(b'{"violations": [\xff]}')
    with pytest.raises(FormatError, match="not UTF-8"):
        ViolationsFile.from_path(path)


def test_unknown_keys_warn_and_survive_a_round_trip() -> None:
    data = json.loads(json.dumps(STATISTICS))
    data["features"][0]["numerical_statistics"]["median"] = 2.0
    data["producer"] = {"name": "elsewhere"}
    with pytest.warns(UnknownKeyWarning) as caught:
        model = StatisticsFile.from_data(data, source="s.json")
    texts = sorted(str(w.message) for w in caught)
    assert texts == [
        "s.json: unknown key 'features[0].numerical_statistics.median' kept as is",
        "s.json: unknown key 'producer' kept as is",
    ]
    assert json.loads(model.to_json_text()) == data


def test_top_level_must_be_an_object() -> None:
    with pytest.raises(FormatError, match="expected a JSON object at the top, got list"):
        ViolationsFile.from_json_text("[]", source="v.json")


def test_written_file_reads_back_identically(tmp_path: Path) -> None:
    model = StatisticsFile.from_data(STATISTICS)
    path = tmp_path / "statistics.json"
    model.write(path)
    assert not path.read_text().endswith("\n")
    assert StatisticsFile.from_path(path) == model
