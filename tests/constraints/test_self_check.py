"""Checking a file against its own baseline finds nothing: no false alarm comes from the data itself."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelmonitor.analyzers.data_quality import profile_source
from modelmonitor.constraints.data_quality import check, suggest
from modelmonitor.dataset.source import DatasetSource

# Cells as a CSV writer (pandas, pyarrow, a spreadsheet) might write them: integers, decimals, scientific
# notation, words that start or end with digits, booleans, empty fields.
cells = st.one_of(
    st.integers(-(10**12), 10**12).map(str),
    st.floats(allow_nan=False, allow_infinity=False, width=32).map(repr),
    st.sampled_from(["8.9e-7", "1E10", "A12", "B7", "123abc", "true", "false", "", " 5", "-", "+.", "NaN"]),
    st.text(alphabet="abcXYZ019 ._-", max_size=6),
)


@st.composite
def tables(draw: st.DrawFn) -> list[list[str]]:
    width = draw(st.integers(1, 4))
    # Each column leans to one kind of value, with a few others mixed in, as real columns do.
    columns = [
        draw(st.lists(st.one_of(cells, st.sampled_from(["1", "2", "3.5"])), min_size=1, max_size=60))
        for _ in range(width)
    ]
    rows = max(len(c) for c in columns)
    return [[c[i % len(c)] for c in columns] for i in range(rows)]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=tables())
def test_a_file_checked_against_its_own_baseline_has_no_violations(table: list[list[str]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "data.csv"
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow([f"c{i}" for i in range(len(table[0]))])
            writer.writerows(table)
        source = DatasetSource.table(str(path), "csv", header=True)
        profile, _ = profile_source(source)
        statistics = profile.to_statistics()
        constraints = suggest(statistics)
        again, _ = profile_source(source)
        violations = check(again, statistics, constraints).violations
    assert [(v.feature_name, v.description) for v in violations] == []


def test_a_mostly_numeric_column_is_no_violation_of_its_own_string_baseline(tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_text("code\nA12\n123\n456\nB7\n")
    source = DatasetSource.table(str(path), "csv", header=True)
    profile, _ = profile_source(source)
    statistics = profile.to_statistics()
    assert statistics.features[0].inferred_type == "String"
    assert check(profile, statistics, suggest(statistics)).violations == []


def test_a_few_values_that_made_a_numeric_column_string_are_warned_of(tmp_path: Path) -> None:
    path = tmp_path / "pandas.csv"
    path.write_text("x,label\n" + "".join(f"{i}.5,a{i}\n" for i in range(19)) + "8.9e-7,b\n")
    profile, read = profile_source(DatasetSource.table(str(path), "csv", header=True))
    assert profile.to_statistics().features[0].inferred_type == "String"
    warnings = [w.message for w in read.warnings if w.kind == "mostly_numeric"]
    assert warnings == [
        "column 'x': String because 1 of 20 values are not numbers as Deequ reads them (text, or scientific "
        "notation such as 8.9e-7); if the column is numeric, clean those values or convert them in a record "
        "preprocessor"
    ]
