"""Opening data sets: files, folders, URIs; empty and header-only files; column-name warnings."""

from __future__ import annotations

from pathlib import Path

import fsspec
import pytest

from modelmonitor.dataset.readers import DatasetSpec, check_column_names, open_dataset
from modelmonitor.errors import DatasetError, NotFoundError


def test_empty_file_is_an_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("")
    with (
        pytest.raises(DatasetError, match=r"empty\.csv: no data to read"),
        open_dataset(DatasetSpec(str(path))),
    ):
        pass


def test_empty_file_in_a_folder_is_skipped_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("1,2\n")
    (tmp_path / "b.csv").write_text("")
    (tmp_path / ".hidden").write_text("x")
    with open_dataset(DatasetSpec(str(tmp_path), "csv", header=False)) as dataset:
        rows = sum(batch.num_rows for batch in dataset.scan.batches)
    assert rows == 1
    assert dataset.files == [str(tmp_path / "a.csv")]
    assert [issue.kind for issue in dataset.issues] == ["empty_file"]
    assert "b.csv: file is empty" in dataset.issues[0].message


def test_header_only_file_is_flagged(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("a,b\n")
    with open_dataset(DatasetSpec(str(path), "csv", header=True)) as dataset:
        assert sum(batch.num_rows for batch in dataset.scan.batches) == 0
    assert "has a header line but no data rows" in dataset.issues[0].message


def test_missing_path_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="nope"), open_dataset(DatasetSpec(str(tmp_path / "nope"))):
        pass


def test_remote_uris_are_read_through_fsspec() -> None:
    fs = fsspec.filesystem("memory")
    fs.pipe("/readers-test/part-1.csv", b"a,b\n1,2\n")
    fs.pipe("/readers-test/part-2.csv", b"a,b\n3,4\n")
    with open_dataset(DatasetSpec("memory://readers-test", "csv", header=True)) as dataset:
        rows = [row for batch in dataset.scan.batches for row in batch.to_pylist()]
    assert rows == [{"a": "1", "b": "2"}, {"a": "3", "b": "4"}]


def test_column_names_with_spaces_or_capitals_warn_once() -> None:
    issues = check_column_names(["ok_name", "Account Length", "Churn"])
    assert len(issues) == 1
    assert "'Account Length', 'Churn'" in issues[0].message
    assert "2 column name(s)" in issues[0].message
    assert check_column_names(["a", "b_2"]) == []
