"""JSON text the way SageMaker's analyzer writes it (Jackson's default pretty printer, Java doubles).

SageMaker's JVM-based analyzer writes ``"key" : value`` with two-space indentation, arrays inline as
``[ a, b ]`` with objects opening on the same line (``[ {``), no trailing newline, doubles formatted by
Java's ``Double.toString`` (``0.0``, ``105.24000000000001``, ``5.092682820403929E-4``), and non-finite
doubles as the strings ``"NaN"``, ``"Infinity"``, ``"-Infinity"``. Writing the same text lets users diff
our files against theirs.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

__all__ = ["dumps_jackson", "java_double"]

_INDENT = "  "


def java_double(value: float) -> str:
    """Format a float as Java's ``Double.toString`` does (shortest digits that round-trip)."""
    if math.isnan(value):
        return '"NaN"'
    if math.isinf(value):
        return '"Infinity"' if value > 0 else '"-Infinity"'
    if value == 0.0:
        return "-0.0" if math.copysign(1.0, value) < 0 else "0.0"
    if 1e-3 <= abs(value) < 1e7:
        # In this range Python's shortest repr is already Java's plain notation ("3.0", "0.001"); float()
        # first, as numpy's doubles (a float subclass) print as "np.float64(3.0)".
        return repr(float(value))
    return _from_shortest_digits(value)


def _from_shortest_digits(value: float) -> str:
    """Java's layout built from the shortest round-tripping digits: valid for every finite non-zero float."""
    sign = "-" if value < 0 else ""
    digits_tuple = Decimal(repr(abs(value))).normalize().as_tuple()
    digits = "".join(str(d) for d in digits_tuple.digits)
    exponent = int(digits_tuple.exponent)
    # scientific exponent of the first significant digit
    sci_exp = len(digits) - 1 + exponent
    if -3 <= sci_exp < 7:
        if exponent >= 0:
            integer_part = digits + "0" * exponent
            return f"{sign}{integer_part}.0"
        point = len(digits) + exponent
        if point > 0:
            return f"{sign}{digits[:point]}.{digits[point:]}"
        return f"{sign}0.{'0' * (-point)}{digits}"
    mantissa = digits[0] + "." + (digits[1:] or "0")
    return f"{sign}{mantissa}E{sci_exp}"


def _plain_doubles(values: list[Any]) -> bool:
    """Whether every item is a float that ``java_double`` writes as its repr (0.0, -0.0 or a magnitude in
    [1e-3, 1e7)): then the list's repr holds the text. A KLL sketch's items are hundreds of thousands of
    such floats in a statistics.json; written one by one they took most of a monitoring job's last step.
    """
    if set(map(type, values)) != {float} or not math.isfinite(sum(values)):
        return False  # a NaN or an infinity makes the sum non-finite (an overflow just takes the long way)
    magnitudes = list(map(abs, values))
    if max(magnitudes) >= 1e7:
        return False
    if min(magnitudes) >= 1e-3:
        return True
    return min(set(magnitudes).difference((0.0,)), default=1.0) >= 1e-3  # zeros print as 0.0 either way


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return java_double(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    raise TypeError(f"cannot write {type(value).__name__} as JSON: {value!r}")


def _write(value: Any, level: int, out: list[str]) -> None:
    if isinstance(value, Mapping):
        if not value:
            out.append("{ }")
            return
        out.append("{\n")
        inner = _INDENT * (level + 1)
        for index, (key, item) in enumerate(value.items()):
            if index:
                out.append(",\n")
            out.append(f"{inner}{json.dumps(str(key), ensure_ascii=False)} : ")
            _write(item, level + 1, out)
        out.append("\n" + _INDENT * level + "}")
    elif isinstance(value, Sequence) and not isinstance(value, str | bytes):
        if not value:
            out.append("[ ]")
            return
        if isinstance(value, list) and _plain_doubles(value):
            out.append(f"[ {repr(value)[1:-1]} ]")  # the items' reprs joined by ", ", written in C
            return
        out.append("[ ")
        for index, item in enumerate(value):
            if index:
                out.append(", ")
            _write(item, level, out)
        out.append(" ]")
    else:
        out.append(_scalar(value))


def dumps_jackson(value: Any) -> str:
    """Serialise plain JSON-able data (dicts, lists, scalars) in SageMaker's analyzer style."""
    out: list[str] = []
    _write(value, 0, out)
    return "".join(out)
