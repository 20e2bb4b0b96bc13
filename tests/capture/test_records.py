"""Capture lines: SageMaker's key order and compact JSON, encodings by content type, size limit."""

from __future__ import annotations

import base64
import os
import uuid
from calendar import timegm
from pathlib import Path
from time import strptime

import orjson
import pytest

from modelmonitor.capture.config import CaptureSettings
from modelmonitor.capture.headers import inference_id_from
from modelmonitor.capture.records import (
    EventIds,
    PayloadEncoder,
    SecondTexts,
    build_capture_line,
    hour_of,
    inference_time_of,
)
from modelmonitor.formats.capture import CaptureRecord

SETTINGS = CaptureSettings(endpoint_name="churn", destination="/unused", max_payload_bytes=16)


def _epoch(text: str) -> float:
    return float(timegm(strptime(text, "%Y-%m-%dT%H:%M:%SZ")))


@pytest.mark.parametrize(
    "relative",
    [
        "ex-mm-introduction/notebook-output-extracts/captured-data.first-lines.jsonl",
        "ex-mm-model-quality/notebook-output-extracts/captured-data.last-lines.jsonl",
        "ex-mm-fairness-json/notebook-output-extracts/captured-data.jsonl",
    ],
    ids=["intro-csv", "model-quality-inference-id", "fairness-json"],
)
def test_lines_are_byte_identical_to_sagemaker_capture(conformance_dir: Path, relative: str) -> None:
    encoder = PayloadEncoder(CaptureSettings(endpoint_name="e", destination="/unused"))
    for original in [line for line in (conformance_dir / relative).read_bytes().splitlines() if line][:5]:
        record = orjson.loads(original)
        data, meta = record["captureData"], record["eventMetadata"]
        line = build_capture_line(
            input_event=encoder.encode(
                data["endpointInput"]["data"].encode(), data["endpointInput"]["observedContentType"], "INPUT"
            ),
            output_event=encoder.encode(
                data["endpointOutput"]["data"].encode(),
                data["endpointOutput"]["observedContentType"],
                "OUTPUT",
            ),
            inference_id=meta.get("inferenceId"),
            epoch_seconds=_epoch(meta["inferenceTime"]),
            event_id=meta["eventId"],
        )
        assert line.data == original + b"\n"
        assert line.hour == meta["inferenceTime"][:13].replace("-", "/").replace("T", "/")


@pytest.mark.parametrize(
    ("body", "content_type", "encoding", "data"),
    [
        (b"1,2,3", "text/csv", "CSV", "1,2,3"),
        (b"0.5", "text/csv; charset=utf-8", "CSV", "0.5"),
        (b'{"a":1}', "APPLICATION/JSON", "JSON", '{"a":1}'),
        (b"1,2", "application/x-npy", "BASE64", base64.b64encode(b"1,2").decode()),
        (b"1,2", None, "BASE64", base64.b64encode(b"1,2").decode()),
        (b"\xff\xfe", "text/csv", "BASE64", base64.b64encode(b"\xff\xfe").decode()),
    ],
    ids=["csv", "csv-charset", "json-case", "other-type", "no-type", "not-utf8"],
)
def test_encoding_follows_content_type_lists(
    body: bytes, content_type: str | None, encoding: str, data: str
) -> None:
    event = PayloadEncoder(SETTINGS).encode(body, content_type, "INPUT")
    assert event == {"observedContentType": content_type, "mode": "INPUT", "data": data, "encoding": encoding}


def test_oversized_payload_is_cut_base64_and_flagged() -> None:
    body = b"x" * 40
    event = PayloadEncoder(SETTINGS).encode(body, "text/csv", "OUTPUT")
    assert event["truncated"] is True
    assert event["encoding"] == "BASE64"
    assert base64.b64decode(str(event["data"])) == b"x" * 16


def test_payload_cut_while_collected_uses_the_real_size() -> None:
    event = PayloadEncoder(SETTINGS).encode(b"x" * 17, "text/csv", "INPUT", total_size=10_000)
    assert event["truncated"] is True
    assert base64.b64decode(str(event["data"])) == b"x" * 16


def test_payload_at_the_limit_is_kept_whole() -> None:
    event = PayloadEncoder(SETTINGS).encode(b"y" * 16, "text/csv", "INPUT")
    assert "truncated" not in event
    assert event["data"] == "y" * 16


def test_records_without_input_or_inference_id_parse() -> None:
    line = build_capture_line(
        input_event=None,
        output_event=PayloadEncoder(SETTINGS).encode(b"1", "text/csv", "OUTPUT"),
        inference_id=None,
        epoch_seconds=_epoch("2026-11-21T10:59:59Z"),
    )
    record = CaptureRecord.model_validate(orjson.loads(line.data))
    assert record.captureData.endpointInput is None
    assert record.eventMetadata.inferenceId is None
    assert record.eventMetadata.inferenceTime == "2026-11-21T10:59:59Z"
    assert line.hour == "2026/11/21/10"
    assert list(orjson.loads(line.data)["eventMetadata"]) == ["eventId", "inferenceTime"]


def test_time_formats() -> None:
    assert inference_time_of(0.9) == "1970-01-01T00:00:00Z"
    assert hour_of(3600.0) == "1970/01/01/01"


def test_event_ids_are_version_4_uuids_and_unique() -> None:
    ids = EventIds()
    values = [ids.next() for _ in range(5_000)]
    assert len(set(values)) == len(values)
    for value in values[:300]:
        parsed = uuid.UUID(value)
        assert (str(parsed), parsed.version, parsed.variant) == (value, 4, uuid.RFC_4122)


def test_forked_child_does_not_repeat_the_parents_ids() -> None:
    ids = EventIds()
    ids.next()  # the buffer now holds ids the parent will hand out next
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.write(writer, ids.next().encode())
        os._exit(0)
    os.waitpid(pid, 0)
    child_id = os.read(reader, 64).decode()
    assert child_id != ids.next()


def test_second_texts_follow_the_clock() -> None:
    texts = SecondTexts()
    assert texts.of(3599.9) == ("1970-01-01T00:59:59Z", "1970/01/01/00")
    assert texts.of(3600.0) == ("1970-01-01T01:00:00Z", "1970/01/01/01")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Zürich-推理-1".encode(), "Zürich-推理-1"),
        ("a\u2028b\u2029c\x85d".encode(), "a\u2028b\u2029c\x85d"),
        (b"caf\xe9", "caf\u00e9"),  # not UTF-8: read as ISO-8859-1 rather than lost
        (("é" * 70).encode(), "é" * 64),  # cut at 64 characters, not 64 bytes
        (b"  ", None),
    ],
    ids=["utf8", "line-separators", "latin1-fallback", "cut-by-characters", "blank"],
)
def test_inference_ids_keep_their_characters(header: bytes, expected: str | None) -> None:
    assert inference_id_from([(b"x-amzn-sagemaker-inference-id", header)]) == expected


def test_line_separators_are_escaped_so_a_record_stays_one_line() -> None:
    text = "x\u2028y\u2029z\x85"
    line = build_capture_line(
        input_event={"observedContentType": "text/csv", "mode": "INPUT", "data": text, "encoding": "CSV"},
        output_event=None,
        inference_id=text,
        epoch_seconds=1_700_000_000,
    )
    assert b"\\u2028" in line.data
    assert len(line.data.decode("utf-8").splitlines()) == 1  # Python's splitter also splits on U+2028
    record = orjson.loads(line.data)
    assert record["eventMetadata"]["inferenceId"] == text
    assert record["captureData"]["endpointInput"]["data"] == text
