"""One value out of a captured payload, addressed as SageMaker's endpoint attributes address it.

``inference_attribute`` and ``probability_attribute`` (docs/sagemaker.md#capture-records) name a column
of a CSV payload by its zero-based index (``"0"``, ``"2"``) and a value of a JSON payload by a JMESPath
expression (``"predicted_label"``, ``"predictions[0].score"``), the expression language SageMaker's
own SDK uses. Without an attribute, a payload that holds one value is that value.

A payload or attribute that does not give exactly one scalar raises ``AttributeValueError`` with a message
naming what was looked for and what was found; readers turn it into a bad record with ``file:line``.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
from functools import lru_cache
from typing import Any

import jmespath
import orjson
from jmespath.exceptions import JMESPathError

from modelmonitor.errors import ConfigurationError

__all__ = ["AttributeValueError", "compile_attribute", "payload_value"]


class AttributeValueError(ValueError):
    """The payload has no single value where the attribute points."""


@lru_cache(maxsize=64)
def compile_attribute(expression: str) -> Any:
    """The compiled JMESPath expression; a malformed one is a configuration error naming it."""
    try:
        return jmespath.compile(expression)
    except JMESPathError as exc:
        raise ConfigurationError(f"attribute {expression!r} is not a JMESPath expression: {exc}") from exc


def _scalar(value: Any, attribute: str | None) -> str:
    if type(value) is str and value:  # the common case first: a CSV field
        stripped = value.strip()
        if stripped:
            return stripped
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, list) and len(value) == 1:
        return _scalar(value[0], attribute)
    where = f"attribute {attribute!r}" if attribute else "the payload (no attribute given)"
    shown = orjson.dumps(value).decode()[:60] if value is not None else "nothing"
    raise AttributeValueError(f"{where} gives {shown}; expected one number or label")


def _csv_rows(text: str) -> list[list[str]]:
    if '"' in text:
        return [row for row in csv.reader(io.StringIO(text)) if any(field.strip() for field in row)]
    # no quoting: a plain split is what the csv module would do, several times faster per record
    return [line.rstrip("\r").split(",") for line in text.split("\n") if line.strip(" \r\t,")]


def _csv_value(text: str, attribute: str | None) -> str:
    rows = _csv_rows(text)
    if len(rows) != 1:
        raise AttributeValueError(f"expected one CSV row in the payload, got {len(rows)}")
    row = rows[0]
    if attribute is None:
        return _scalar(row, None)
    try:
        index = int(attribute)
    except ValueError as exc:
        raise AttributeValueError(
            f"attribute {attribute!r} must be a column index for a CSV payload"
        ) from exc
    if not 0 <= index < len(row):
        raise AttributeValueError(f"attribute {attribute!r}: the CSV payload has {len(row)} column(s)")
    return _scalar(row[index], attribute)


def _json_value(text: str, attribute: str | None) -> str:
    try:
        document = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise AttributeValueError(f"the payload is not valid JSON ({exc})") from exc
    found = document if attribute is None else compile_attribute(attribute).search(document)
    return _scalar(found, attribute)


def payload_value(section: dict[str, Any], attribute: str | None) -> str:
    """The text of the value ``attribute`` points at in a capture payload (``endpointOutput`` etc.)."""
    data = section.get("data")
    if not isinstance(data, str):
        raise AttributeValueError("the payload has no data")
    encoding = str(section.get("encoding", "CSV")).upper()
    content_type = str(section.get("observedContentType") or "").lower()
    if encoding == "BASE64":
        try:
            data = base64.b64decode(data, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise AttributeValueError(f"the BASE64 payload does not decode to UTF-8 text ({exc})") from exc
        encoding = "JSON" if "json" in content_type else "CSV"
    if encoding == "JSON":
        return _json_value(data, attribute)
    if attribute in (None, "0") and not any(c in data for c in ',"\n'):
        # one bare value, the usual label or probability: no CSV parsing needed
        stripped = data.strip()
        if stripped:
            return stripped
    return _csv_value(data, attribute)
