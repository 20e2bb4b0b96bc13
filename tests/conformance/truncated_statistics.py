"""Reading a statistics.json that SageMaker's job log cut off: the churn notebook's only statistics."""

from __future__ import annotations

import json
import re
from typing import Any

_SEPARATOR = re.compile(r"\s*,?\s*")


def complete_features(text: str) -> list[dict[str, Any]]:
    """The feature objects of a statistics.json that was cut off, up to the last complete one."""
    decoder = json.JSONDecoder()
    position = text.index('"features" : [') + len('"features" : [')
    features: list[dict[str, Any]] = []
    while True:
        position = _SEPARATOR.match(text, position).end()  # type: ignore[union-attr]  # always matches
        try:
            feature, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError:
            return features
        features.append(feature)
