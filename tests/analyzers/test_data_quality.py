"""From rows to a SageMaker-shaped statistics.json."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from modelmonitor.analyzers.data_quality import profile_batches, profile_source
from modelmonitor.dataset.source import DatasetSource
from modelmonitor.engine.local import LocalEngine
from modelmonitor.errors import DatasetError


def _statistics(columns: dict[str, list[str | None]]) -> dict[str, dict[str, object]]:
    profile = profile_batches([pa.record_batch({k: pa.array(v, pa.string()) for k, v in columns.items()})])
    return {feature["name"]: feature for feature in profile.to_statistics().to_dict()["features"]}


def test_numeric_feature_shape() -> None:
    feature = _statistics({"age": ["1", "2", None, "4"]})["age"]
    assert feature["inferred_type"] == "Integral"
    numbers = feature["numerical_statistics"]
    assert numbers["common"] == {"num_present": 3, "num_missing": 1}
    assert numbers["sum"] == 7.0
    assert numbers["min"] == 1.0
    assert numbers["max"] == 4.0
    kll = numbers["distribution"]["kll"]
    assert len(kll["buckets"]) == 10
    assert sum(bucket["count"] for bucket in kll["buckets"]) == 3.0
    assert kll["sketch"]["parameters"] == {"c": 0.64, "k": 2048.0}
    assert kll["sketch"]["data"] == [[1.0, 2.0, 4.0]]


def test_string_feature_shape() -> None:
    feature = _statistics({"state": ["TX", "NY", "TX", None]})["state"]
    assert feature["inferred_type"] == "String"
    strings = feature["string_statistics"]
    assert strings["common"] == {"num_present": 3, "num_missing": 1}
    assert strings["distinct_count"] == 2.0
    assert strings["distribution"]["categorical"]["buckets"] == [
        {"value": "TX", "count": 2},
        {"value": "NY", "count": 1},
    ]


def test_all_null_column_is_unknown_and_warned() -> None:
    profile = profile_batches([pa.record_batch({"empty": pa.array([None, None], pa.string())})])
    feature = profile.to_statistics().to_dict()["features"][0]
    assert feature["inferred_type"] == "Unknown"
    assert feature["string_statistics"]["common"] == {"num_present": 0, "num_missing": 2}
    assert [issue.message for issue in profile.warnings()] == ["column 'empty': every value is missing"]


def test_type_counts_are_kept_for_the_checker() -> None:
    profile = profile_batches([pa.record_batch({"x": pa.array(["1", "1.5", "a", None])})])
    counts = profile.type_counts["x"]
    assert (counts.integral, counts.fractional, counts.string, counts.null) == (1, 1, 1, 1)


def test_renamed_profile_keeps_the_data() -> None:
    profile = profile_batches([pa.record_batch({"_c0": pa.array(["1"]), "_c1": pa.array(["2"])})])
    renamed = profile.renamed({"_c0": "label"})
    assert renamed.column_names == ["label", "_c1"]
    assert renamed.item_count == 1


def test_bad_rows_are_counted_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "data.csv"
    path.write_text("a,b\n1,2\n3\n4,5\n")
    profile, read = profile_source(DatasetSource.table(str(path), "csv", header=True))
    assert profile.item_count == 2
    assert read.bad_record_count == 1
    assert any(f"{path}:3" in str(bad) for bad in read.bad_records)


def test_header_only_file_is_an_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_text("a,b\n")
    with pytest.raises(DatasetError, match=r"header\.csv: no data rows to analyse \(0 bad records\)"):
        profile_source(DatasetSource.table(str(path), "csv", header=True))


def test_only_bad_rows_is_an_error_showing_the_first(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text("[1]\n2\n")
    with pytest.raises(DatasetError, match=r"2 bad records; first: .*bad\.jsonl:1: expected a JSON object"):
        profile_source(DatasetSource.table(str(path), "json"))


@pytest.mark.parametrize("header", [True, False], ids=["header", "no-header"])
def test_header_decides_the_names(tmp_path: Path, header: bool) -> None:
    path = tmp_path / "data.csv"
    path.write_text("x,y\n1,2\n")
    profile, _ = profile_source(DatasetSource.table(str(path), "csv", header=header))
    assert profile.column_names == (["x", "y"] if header else ["_c0", "_c1"])


@pytest.mark.parametrize("batch_bytes", [1, 70, 640, 10_000_000], ids=lambda n: f"batch-{n}B")
def test_statistics_do_not_depend_on_batch_size(tmp_path: Path, batch_bytes: int) -> None:
    path = tmp_path / "data.csv"
    lines = [f"{i % 13},{(i * 7919) % 101 / 4},{'abc'[i % 3]},{'' if i % 5 == 0 else i}" for i in range(300)]
    path.write_text("\n".join(lines) + "\n")
    source = DatasetSource.table(str(path), "csv", header=False)
    whole = profile_source(source, LocalEngine(batch_bytes=10_000_000))[0].to_statistics().to_dict()
    split = profile_source(source, LocalEngine(batch_bytes=batch_bytes))[0].to_statistics().to_dict()
    for mine, theirs in zip(split["features"], whole["features"], strict=True):
        numbers, expected = mine.get("numerical_statistics"), theirs.get("numerical_statistics")
        if numbers is not None:
            for key in ("sum", "mean", "std_dev"):
                assert numbers.pop(key) == pytest.approx(expected.pop(key), rel=1e-12)
        assert mine == theirs


@pytest.mark.parametrize("kind", [pa.float64(), pa.int64()], ids=["double", "int64"])
def test_an_all_null_typed_column_has_distinct_count_0_as_in_csv(tmp_path: Path, kind: pa.DataType) -> None:
    import pyarrow.parquet as pq

    path = tmp_path / "nulls.parquet"
    pq.write_table(pa.table({"x": pa.array([None] * 5, kind), "y": pa.array(range(5), pa.int64())}), path)
    profile, _ = profile_source(DatasetSource.table(str(path), "parquet"))
    (feature,) = [f for f in profile.to_statistics().to_dict()["features"] if f["name"] == "x"]
    csv = _statistics({"x": [None] * 5})["x"]
    assert feature["string_statistics"]["distinct_count"] == csv["string_statistics"]["distinct_count"] == 0.0
    assert feature["string_statistics"]["common"] == {"num_present": 0, "num_missing": 5}
