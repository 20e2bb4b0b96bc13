from __future__ import annotations

import logging
from pathlib import Path

import pytest

from modelmonitor.dataset.preprocess import CapturedData, Preprocessor
from modelmonitor.dataset.report import ReadReport
from modelmonitor.errors import UserScriptError

RECORD = {
    "captureData": {
        "endpointInput": {
            "observedContentType": "text/csv",
            "mode": "INPUT",
            "data": "5,-1,7",
            "encoding": "CSV",
        },
        "endpointOutput": {
            "observedContentType": "text/csv",
            "mode": "OUTPUT",
            "data": "0.9\n",
            "encoding": "CSV",
        },
    },
    "eventMetadata": {"eventId": "e1", "inferenceId": "i1", "inferenceTime": "2026-11-21T09:00:00Z"},
    "eventVersion": "0",
}


def _apply(pre: Preprocessor, event: dict[str, object], report: ReadReport | None = None) -> object:
    return pre.apply(CapturedData(event), "cap.jsonl", 3, report or ReadReport())


def _script(tmp_path: Path, body: str) -> str:
    path = tmp_path / "preprocessor.py"
    path.write_text(body)
    return str(path)


def test_sagemaker_faq_handler_with_zero_padded_keys(tmp_path: Path) -> None:
    script = _script(
        tmp_path,
        "def preprocess_handler(inference_record):\n"
        "    input_data = inference_record.endpoint_input.data\n"
        "    output_data = inference_record.endpoint_output.data.rstrip('\\n')\n"
        "    data = output_data + ',' + input_data\n"
        "    return {str(i).zfill(20): d for i, d in enumerate(data.split(','))}\n",
    )
    rows = _apply(Preprocessor(script, logging.getLogger("t")), RECORD)
    assert rows == [{"0".zfill(20): "0.9", "1".zfill(20): "5", "2".zfill(20): "-1", "3".zfill(20): "7"}]


def test_logger_is_passed_when_named_and_metadata_is_readable(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    script = _script(
        tmp_path,
        "def preprocess_handler(inference_record, logger):\n"
        "    logger.warning('event %s', inference_record.event_metadata.event_id)\n"
        "    return [{'a': 1}, {'a': 2}]\n",
    )
    with caplog.at_level(logging.WARNING):
        rows = _apply(Preprocessor(script, logging.getLogger("t")), RECORD)
    assert rows == [{"a": "1"}, {"a": "2"}]
    assert "event e1" in caplog.text


def test_empty_list_drops_and_returning_the_record_means_default(tmp_path: Path) -> None:
    script = _script(
        tmp_path,
        "def preprocess_handler(inference_record):\n"
        "    if inference_record.event_metadata.inference_id == 'drop':\n"
        "        return []\n"
        "    return inference_record\n",
    )
    pre = Preprocessor(script, logging.getLogger("t"))
    report = ReadReport()
    assert _apply(pre, RECORD, report) is None
    dropped = {**RECORD, "eventMetadata": {**RECORD["eventMetadata"], "inferenceId": "drop"}}  # type: ignore[dict-item]
    assert _apply(pre, dropped, report) == []
    assert (report.preprocessed, report.preprocess_dropped) == (2, 1)


def test_exceptions_are_counted_with_the_script_line(tmp_path: Path) -> None:
    script = _script(
        tmp_path,
        "def preprocess_handler(inference_record):\n"
        "    values = inference_record.endpoint_input.data.split(',')\n"
        "    if values[1] == '-1':\n"
        "        raise ValueError('negative sentinel')\n"
        "    return {'x': values[0]}\n",
    )
    report = ReadReport()
    assert _apply(Preprocessor(script, logging.getLogger("t")), RECORD, report) == []
    assert (report.preprocess_failed, report.bad_record_count) == (1, 1)
    assert [str(bad) for bad in report.bad_records] == [
        f"cap.jsonl:3: preprocess_handler raised ValueError('negative sentinel') at {script}:4"
    ]


def test_missing_handler_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(UserScriptError, match="no function named preprocess_handler"):
        Preprocessor(_script(tmp_path, "def handler(r):\n    return r\n"), logging.getLogger("t"))
