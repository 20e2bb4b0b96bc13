"""Values out of captured payloads: CSV columns by index, JSON by JMESPath, as SageMaker addresses them."""

from __future__ import annotations

import base64

import pytest

from modelmonitor.dataset.attributes import AttributeValueError, payload_value
from modelmonitor.errors import ConfigurationError


def _csv(data: str) -> dict[str, str]:
    return {
        "observedContentType": "text/csv; charset=utf-8",
        "mode": "OUTPUT",
        "data": data,
        "encoding": "CSV",
    }


def _json(data: str) -> dict[str, str]:
    return {"observedContentType": "application/json", "mode": "OUTPUT", "data": data, "encoding": "JSON"}


@pytest.mark.parametrize(
    ("section", "attribute", "expected"),
    [
        (_csv("0.5217539072036743"), None, "0.5217539072036743"),
        (_csv("1,0.93\n"), "0", "1"),
        (_csv("1,0.93"), "1", "0.93"),
        (_json('{"predicted_label": 1, "score": 0.7}'), "predicted_label", "1"),
        (_json('{"predictions": [{"score": 0.25, "label": "cat"}]}'), "predictions[0].score", "0.25"),
        (_json('{"predictions": [{"label": "cat"}]}'), "predictions[*].label", "cat"),
        (_json("0.75"), None, "0.75"),
        (_json('{"ok": true}'), "ok", "1"),
        (
            {
                "data": base64.b64encode(b'{"p": 0.1}').decode(),
                "encoding": "BASE64",
                "observedContentType": "application/json",
            },
            "p",
            "0.1",
        ),
    ],
)
def test_values_by_attribute(section: dict[str, str], attribute: str | None, expected: str) -> None:
    assert payload_value(section, attribute) == expected


@pytest.mark.parametrize(
    ("section", "attribute", "message"),
    [
        (_csv("1,0.93"), "2", "attribute '2': the CSV payload has 2 column(s)"),
        (_csv("1,0.93"), "score", "attribute 'score' must be a column index for a CSV payload"),
        (_csv("1\n0\n"), None, "expected one CSV row in the payload, got 2"),
        (
            _csv("1,0.93"),
            None,
            'the payload (no attribute given) gives ["1","0.93"]; expected one number or label',
        ),
        (_json('{"a": 1}'), "b", "attribute 'b' gives nothing; expected one number or label"),
        (_json('{"a": [1, 2]}'), "a", "attribute 'a' gives [1,2]; expected one number or label"),
        (_json("{bad"), "a", "the payload is not valid JSON"),
        ({"encoding": "CSV"}, None, "the payload has no data"),
    ],
)
def test_missing_values_say_what_was_found(
    section: dict[str, str], attribute: str | None, message: str
) -> None:
    with pytest.raises(AttributeValueError) as caught:
        payload_value(section, attribute)
    assert str(caught.value).startswith(message)


def test_a_malformed_expression_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match=r"attribute 'a\[' is not a JMESPath expression"):
        payload_value(_json("{}"), "a[")
