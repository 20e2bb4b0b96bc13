"""Columnar capture parsing gives exactly what reading record by record gives: rows, order, counts, names."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelmonitor.dataset import capture_blocks, captured
from modelmonitor.dataset.source import DatasetFormat, DatasetSource
from modelmonitor.dataset.window import AnalysisWindow
from modelmonitor.engine.local import LocalEngine
from tests.dataset.reading import Rows, read_rows

WINDOW = AnalysisWindow(datetime(2026, 11, 21, 9, tzinfo=UTC), datetime(2026, 11, 21, 10, tzinfo=UTC))
FIELD = st.from_regex(r"[a-z0-9.\-]{0,6}", fullmatch=True)


def _section(mode: str, data: str, encoding: str = "CSV", **extra: Any) -> dict[str, Any]:
    return {"observedContentType": "text/csv", "mode": mode, "data": data, "encoding": encoding, **extra}


def _line(capture: dict[str, Any], when: str = "2026-11-21T09:10:00Z", **meta: Any) -> str:
    return json.dumps(
        {"captureData": capture, "eventMetadata": {"eventId": "e", "inferenceTime": when, **meta}}
    )


ODD_KINDS = [
    "output-newline",
    "no-output",
    "no-input",
    "quoted",
    "multi-line",
    "json",
    "base64",
    "bad-base64",
    "truncated",
    "no-data",
    "outside",
    "shadow",
    "no-metadata",
    "fractional-time",
    "bad-time",
    "no-capture",
    "not-json",
    "blank",
    "mismatch",
]


@st.composite
def capture_line(draw: st.DrawFn, kind: str) -> str:
    fields = draw(st.lists(FIELD, min_size=1, max_size=4))
    csv = ",".join(fields)
    out = draw(FIELD)
    both = {"endpointInput": _section("INPUT", csv), "endpointOutput": _section("OUTPUT", out)}
    if kind == "plain":
        return _line(both)
    if kind == "output-newline":
        return _line({**both, "endpointOutput": _section("OUTPUT", out + "\n")})
    if kind == "no-output":
        return _line({"endpointInput": both["endpointInput"]})
    if kind == "no-input":
        return _line({"endpointOutput": both["endpointOutput"]})
    if kind == "quoted":
        return _line({**both, "endpointInput": _section("INPUT", f'"{csv}",x')})
    if kind == "multi-line":
        return _line(
            {
                "endpointInput": _section("INPUT", f"{csv}\n{csv}"),
                "endpointOutput": _section("OUTPUT", "1\n2"),
            }
        )
    if kind == "mismatch":
        return _line(
            {"endpointInput": _section("INPUT", f"{csv}\n{csv}"), "endpointOutput": _section("OUTPUT", "1")}
        )
    if kind == "json":
        data = json.dumps({"instances": [{"features": fields}]})
        return _line({**both, "endpointInput": _section("INPUT", data, "JSON")})
    if kind == "base64":
        return _line(
            {**both, "endpointInput": _section("INPUT", base64.b64encode(csv.encode()).decode(), "BASE64")}
        )
    if kind == "bad-base64":
        return _line({**both, "endpointInput": _section("INPUT", "!!not base64", "BASE64")})
    if kind == "truncated":
        return _line({**both, "endpointInput": _section("INPUT", csv, truncated=True)})
    if kind == "no-data":
        return _line({**both, "endpointInput": {"mode": "INPUT", "encoding": "CSV"}})
    if kind == "outside":
        return _line(both, when="2026-11-21T10:00:00Z")
    if kind == "shadow":
        return _line(both, invocationSource="ShadowExperiment")
    if kind == "no-metadata":
        return json.dumps({"captureData": both})
    if kind == "fractional-time":
        return _line(both, when="2026-11-21T09:10:00.250+00:00")
    if kind == "bad-time":
        return _line(both, when="yesterday")
    if kind == "no-capture":
        return json.dumps({"eventMetadata": {"eventId": "e", "inferenceTime": "2026-11-21T09:10:00Z"}})
    if kind == "not-json":
        return '{"captureData": [1,'
    return "   "


def _trimmed(rows: Rows) -> list[list[str | None]]:
    """Rows as field lists without trailing nulls: batches of different widths pad differently."""
    out = []
    for row in rows:
        values = [row[f"_c{i}"] for i in range(len(row))]
        while values and values[-1] is None:
            values.pop()
        out.append(values)
    return out


def _source(root: Path) -> DatasetSource:
    return DatasetSource((str(root),), DatasetFormat.CAPTURE_JSONL, window=WINDOW, endpoint="ep")


@st.composite
def capture_file(draw: st.DrawFn) -> list[str]:
    """Mostly plain records, as real capture is, with a few odd ones at random places.

    Few enough that a block takes the columnar path, which must then treat the odd ones as the
    per-record reader does; a block of many odd records is read record by record anyway.
    """
    plain = draw(st.lists(capture_line("plain"), min_size=10, max_size=50))
    count = draw(st.integers(1, len(plain) // 5))
    kinds = draw(st.permutations(ODD_KINDS))[:count]
    lines = plain + [draw(capture_line(kind)) for kind in kinds]
    return draw(st.permutations(lines))


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=capture_file(), batch_bytes=st.sampled_from([1, 700, 64 * 2**20]))
def test_columnar_reading_equals_record_by_record(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    lines: list[str],
    batch_bytes: int,
) -> None:
    root = tmp_path_factory.mktemp("capture")
    folder = root / "ep" / "AllTraffic" / "2026" / "11" / "21" / "09"
    folder.mkdir(parents=True)
    (folder / "a.jsonl").write_text("\n".join(lines) + "\n")
    engine = LocalEngine(batch_bytes=batch_bytes)
    rows, report = read_rows(_source(root), engine)
    with monkeypatch.context() as patched:
        patched.setattr(captured, "select_block", lambda *args, **kwargs: None)
        expected_rows, expected = read_rows(_source(root), engine)
    assert _trimmed(rows) == _trimmed(expected_rows)
    assert report == expected


def test_a_plain_block_is_read_without_the_per_record_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "ep" / "AllTraffic" / "2026" / "11" / "21" / "09"
    folder.mkdir(parents=True)
    both = {"endpointInput": _section("INPUT", "1,,3"), "endpointOutput": _section("OUTPUT", "0.5")}
    (folder / "a.jsonl").write_text("\n".join(_line(both) for _ in range(100)) + "\n")

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a plain record went through the per-record path")

    monkeypatch.setattr(captured, "record_in_window", refuse)
    monkeypatch.setattr(captured, "flatten_record", refuse)
    monkeypatch.setattr(capture_blocks, "_split", refuse)  # records of one width: read as CSV
    rows, report = read_rows(_source(tmp_path))
    assert rows[0] == {"_c0": "0.5", "_c1": "1", "_c2": None, "_c3": "3"}
    assert (report.records, report.records_in_window, report.rows) == (100, 100, 100)


# Any text a plain CSV payload may hold: no comma inside a field, no quote, nothing that ends a line.
TEXT_FIELD = st.text(
    st.characters(
        blacklist_characters=',"\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\x00',
        blacklist_categories=("Cs",),
    ),
    max_size=6,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), width=st.integers(1, 5), records=st.integers(1, 40))
def test_records_of_one_width_read_as_csv_equal_record_by_record(
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    data: st.DataObject,
    width: int,
    records: int,
) -> None:
    def line() -> str:
        fields = data.draw(st.lists(TEXT_FIELD, min_size=width, max_size=width))
        output = data.draw(TEXT_FIELD)
        both = {
            "endpointInput": _section("INPUT", ",".join(fields)),
            "endpointOutput": _section("OUTPUT", output),
        }
        return _line(both)

    root = tmp_path_factory.mktemp("capture")
    folder = root / "ep" / "AllTraffic" / "2026" / "11" / "21" / "09"
    folder.mkdir(parents=True)
    (folder / "a.jsonl").write_text("\n".join(line() for _ in range(records)) + "\n")
    rows, report = read_rows(_source(root))
    with monkeypatch.context() as patched:
        patched.setattr(captured, "select_block", lambda *args, **kwargs: None)
        expected_rows, expected = read_rows(_source(root))
    assert rows == expected_rows
    assert report == expected


def test_the_blank_payload_class_is_pythons_whitespace() -> None:
    # The per-record path drops a line that str.strip() empties: the columnar path must call the
    # same payloads blank, character for character.
    every = [chr(code) for code in range(0x110000) if not 0xD800 <= code <= 0xDFFF]
    matched = pc.match_substring_regex(pa.array(every), capture_blocks.BLANK_PAYLOAD).to_pylist()
    assert {c for c, m in zip(every, matched, strict=True) if m} == {c for c in every if c.isspace()}


@pytest.mark.parametrize("payload", ["\xa0", "\u3000 ", "\x1f", " \t"])
def test_a_payload_of_unicode_whitespace_reads_as_record_by_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, payload: str
) -> None:
    both = {"endpointInput": _section("INPUT", "1,2"), "endpointOutput": _section("OUTPUT", payload)}
    folder = tmp_path / "ep" / "AllTraffic" / "2026" / "11" / "21" / "09"
    folder.mkdir(parents=True)
    (folder / "a.jsonl").write_text("\n".join(_line(both) for _ in range(3)) + "\n")
    rows, report = read_rows(_source(tmp_path))
    with monkeypatch.context() as patched:
        patched.setattr(captured, "select_block", lambda *args, **kwargs: None)
        expected_rows, expected = read_rows(_source(tmp_path))
    assert rows == expected_rows
    assert report == expected


@pytest.mark.parametrize("payload", ["1\u20282", "1\x852", "1\u2029", '1,"2,3"', "1\r\n2", "é,ü\xa0"])
def test_raw_utf8_line_breaks_and_quotes_read_as_record_by_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, payload: str
) -> None:
    # Written as raw UTF-8 (no \u escapes): U+0085, U+2028 and U+2029 end a line for the per-record
    # path without any backslash in the block, so the columnar path must see them from their bytes.
    both = {"endpointInput": _section("INPUT", payload), "endpointOutput": _section("OUTPUT", "0.5")}
    record = {"captureData": both, "eventMetadata": {"eventId": "e", "inferenceTime": "2026-11-21T09:10:00Z"}}
    folder = tmp_path / "ep" / "AllTraffic" / "2026" / "11" / "21" / "09"
    folder.mkdir(parents=True)
    plain = _line({"endpointInput": _section("INPUT", "1,2"), "endpointOutput": _section("OUTPUT", "0.5")})
    odd = json.dumps(record, ensure_ascii=False)
    (folder / "a.jsonl").write_text("\n".join([plain] * 9 + [odd]) + "\n", encoding="utf-8")
    rows, report = read_rows(_source(tmp_path))
    with monkeypatch.context() as patched:
        patched.setattr(captured, "select_block", lambda *args, **kwargs: None)
        expected_rows, expected = read_rows(_source(tmp_path))
    assert _trimmed(rows) == _trimmed(expected_rows)
    assert report == expected
