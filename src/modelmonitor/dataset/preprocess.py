"""The record preprocessor: a user's ``preprocess_handler`` applied to each captured record.

SageMaker's contract: docs/sagemaker.md#record-preprocessor.

The script defines ``preprocess_handler(inference_record)`` or ``preprocess_handler(inference_record,
logger)`` (``logger`` is passed when the signature names it). ``inference_record`` is a ``CapturedData``
with SageMaker's attribute names (``endpoint_input.data``, ``endpoint_output.data``,
``event_metadata.event_id``, ...). The handler returns a flat dict (one row; keys become column names, in
sorted order so ``str(i).zfill(20)`` keys keep positions), a list of dicts (several rows), ``[]`` (drop
the record) or the record itself (use the default flattening).

Unlike SageMaker, where the first exception fails the job, an exception is counted per record with the
script's ``file:line`` and logged; a monitoring execution fails only when the share of failed records
passes a threshold (``ReadReport.check_preprocess``). Baselines read CSV and JSON Lines through the same
runner: the handler then receives the line's text or the parsed JSON value.
"""

from __future__ import annotations

import importlib.util
import inspect
import logging
import traceback
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

from modelmonitor.dataset.report import BadRecord, ReadReport
from modelmonitor.dataset.rows import cell
from modelmonitor.errors import UserScriptError

__all__ = [
    "CapturedData",
    "EventData",
    "EventMetadata",
    "Preprocessor",
    "load_script",
]


class EventData:
    """One payload of a capture record: ``data``, ``encoding``, ``observedContentType``, ``mode``."""

    def __init__(self, section: dict[str, Any]) -> None:
        self.data: str | None = section.get("data")
        self.encoding: str | None = section.get("encoding")
        self.observedContentType: str | None = section.get("observedContentType")
        self.mode: str | None = section.get("mode")
        self._section = section

    def as_dict(self) -> dict[str, Any]:
        return dict(self._section)

    def __str__(self) -> str:
        return str(self._section)


class EventMetadata:
    """``eventMetadata``: ``event_id``, ``event_time``, ``inference_id``, ``custom_attribute``."""

    def __init__(self, section: dict[str, Any]) -> None:
        self.event_id: str | None = section.get("eventId")
        self.event_time: str | None = section.get("inferenceTime")
        self.inference_id: str | None = section.get("inferenceId")
        self.custom_attribute: Any = section.get("customAttributes")
        self._section = section

    def as_dict(self) -> dict[str, Any]:
        return dict(self._section)


def _event(section: Any) -> EventData | None:
    return EventData(section) if isinstance(section, dict) else None


class CapturedData:
    """What ``preprocess_handler`` receives for a capture or merged record; missing sections are None."""

    def __init__(self, event: dict[str, Any]) -> None:
        capture = event.get("captureData") or {}
        self.endpoint_input = _event(capture.get("endpointInput"))
        self.endpoint_output = _event(capture.get("endpointOutput"))
        self.batch_transform_output = _event(capture.get("batchTransformOutput"))
        self.ground_truth = _event(event.get("groundTruthData"))
        metadata = event.get("eventMetadata")
        self.event_metadata = EventMetadata(metadata) if isinstance(metadata, dict) else None
        self.event_version: str | None = event.get("eventVersion")
        self.event_dict = event

    def as_dict(self) -> dict[str, Any]:
        return dict(self.event_dict)

    def __str__(self) -> str:
        return str(self.event_dict)


def load_script(path: str, handler_name: str) -> tuple[ModuleType, Callable[..., Any]]:
    """Import a user's script by path and return its handler; a clear UserScriptError otherwise."""
    script = Path(path)
    if not script.is_file():
        raise UserScriptError(f"{path}: script not found")
    spec = importlib.util.spec_from_file_location(f"modelmonitor_user_{script.stem}", script)
    if spec is None or spec.loader is None:
        raise UserScriptError(f"{path}: cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise UserScriptError(
            f"{path}: importing the script raised {exc!r}\n{traceback.format_exc()}"
        ) from exc
    handler = getattr(module, handler_name, None)
    if not callable(handler):
        raise UserScriptError(f"{path}: the script defines no function named {handler_name}")
    return module, handler


def _script_line(exc: BaseException, script: str) -> str:
    """``script.py:LINE`` of the deepest frame inside the user's script."""
    resolved = str(Path(script).resolve())
    where = script
    for frame in traceback.extract_tb(exc.__traceback__):
        if str(Path(frame.filename).resolve()) == resolved:
            where = f"{script}:{frame.lineno}"
    return where


class Preprocessor:
    """The one runner of a script's ``preprocess_handler``, for baselines and monitoring alike.

    A record is what the handler receives: a ``CapturedData`` for capture, the line's text for CSV,
    the parsed object for JSON Lines. Returned values become text as Spark would print them
    (``dataset.rows.cell``: ``true``, ``{"a":1}``), whichever job runs the script. A handler that
    raises is counted in the read report as a bad record naming the record and the script's line.
    """

    def __init__(self, path: str, logger: logging.Logger) -> None:
        self.path = path
        self.logger = logger
        _, self._handler = load_script(path, "preprocess_handler")
        self._with_logger = "logger" in inspect.signature(self._handler).parameters

    def apply(
        self, record: Any, path: str, line: int, report: ReadReport
    ) -> list[dict[str, str | None]] | None:
        """Rows of one record; None when the handler returned the capture record itself (flatten it)."""
        report.preprocessed += 1
        try:
            result = self._handler(record, self.logger) if self._with_logger else self._handler(record)
            return self._rows(result, record, report)
        except Exception as exc:  # the user's code: count the record, keep going
            report.preprocess_failed += 1
            bad = BadRecord(
                path, line, None, f"preprocess_handler raised {exc!r} at {_script_line(exc, self.path)}"
            )
            self.logger.error("%s", bad)
            report.bad(bad)
            return []

    def _rows(self, result: Any, record: Any, report: ReadReport) -> list[dict[str, str | None]] | None:
        if isinstance(record, CapturedData) and (result is record or isinstance(result, CapturedData)):
            return None
        if isinstance(result, dict):
            return [_row(result)]
        if isinstance(result, list):
            if not all(isinstance(item, dict) for item in result):
                raise TypeError("a returned list must hold dicts (one per row)")
            if not result:
                report.preprocess_dropped += 1
            return [_row(item) for item in result]
        if result is None:
            report.preprocess_dropped += 1
            return []
        raise TypeError(
            f"preprocess_handler must return a dict, a list of dicts or [], got {type(result).__name__}"
        )


def _row(mapping: dict[Any, Any]) -> dict[str, str | None]:
    # Sorted keys: SageMaker's str(i).zfill(20) keys keep their positions.
    items = sorted(((str(key), value) for key, value in mapping.items()), key=lambda kv: kv[0])
    return {key: cell(value) for key, value in items}
