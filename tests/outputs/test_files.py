"""Result files: SageMaker's names and text style, folder or file URIs, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelmonitor.errors import FormatError
from modelmonitor.formats.base import UnknownKeyWarning
from modelmonitor.formats.statistics import DatasetSummary, StatisticsFile
from modelmonitor.formats.violations import ViolationsFile
from modelmonitor.outputs.files import (
    read_constraints,
    read_statistics,
    read_violations,
    write_file,
)


def test_write_then_read_from_folder_or_file(tmp_path: Path) -> None:
    statistics = StatisticsFile(dataset=DatasetSummary(item_count=3))
    uri = write_file(str(tmp_path / "out"), "statistics.json", statistics)
    assert (
        Path(uri).read_text()
        == '{\n  "version" : 0.0,\n  "dataset" : {\n    "item_count" : 3\n  },\n  "features" : [ ]\n}'
    )
    assert read_statistics(str(tmp_path / "out")).dataset.item_count == 3
    assert read_statistics(uri).dataset.item_count == 3


def test_write_to_a_memory_uri() -> None:
    uri = write_file("memory://files-test/run-1", "constraint_violations.json", ViolationsFile())
    assert uri == "memory://files-test/run-1/constraint_violations.json"
    assert read_violations("memory://files-test/run-1").violations == []


def test_non_utf8_file_is_a_format_error(tmp_path: Path) -> None:
    (tmp_path / "statistics.json").write_bytes(b'{"x": "\xff"}')
    with pytest.raises(FormatError, match=r"statistics\.json: not UTF-8"):
        read_statistics(str(tmp_path))


def test_wrong_typed_key_names_the_field(tmp_path: Path) -> None:
    (tmp_path / "statistics.json").write_text(
        '{"version": 0.0, "dataset": {"item_count": "many"}, "features": []}'
    )
    with pytest.raises(FormatError, match=r"field dataset\.item_count"):
        read_statistics(str(tmp_path))


def test_unknown_key_warns_with_its_path_and_is_kept(tmp_path: Path) -> None:
    (tmp_path / "constraints.json").write_text('{"version": 0.0, "features": [], "extra_setting": 1}')
    with pytest.warns(UnknownKeyWarning, match="unknown key 'extra_setting'"):
        constraints = read_constraints(str(tmp_path))
    assert constraints.to_dict()["extra_setting"] == 1
