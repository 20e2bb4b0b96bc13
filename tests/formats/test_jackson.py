from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from modelmonitor.formats.jackson import _from_shortest_digits, dumps_jackson, java_double


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.0, "0.0"),
        (-0.0, "-0.0"),
        (2.31, "2.31"),
        (231.0, "231.0"),
        (105.24000000000001, "105.24000000000001"),
        (60.379999999999995, "60.379999999999995"),
        (5.092682820403929e-4, "5.092682820403929E-4"),
        (0.001, "0.001"),
        (1234567.0, "1234567.0"),
        (1.0e7, "1.0E7"),
        (-2.5e-5, "-2.5E-5"),
        (1.0e21, "1.0E21"),
        (float("nan"), '"NaN"'),
        (float("inf"), '"Infinity"'),
        (float("-inf"), '"-Infinity"'),
    ],
    ids=lambda v: repr(v),
)
def test_java_double_matches_javas_double_to_string(value: float, expected: str) -> None:
    assert java_double(value) == expected


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_java_double_round_trips_every_finite_float(value: float) -> None:
    text = java_double(value)
    assert float(text) == value
    assert math.copysign(1.0, float(text)) == math.copysign(1.0, value)


@given(st.floats(allow_nan=False, allow_infinity=False).filter(lambda v: v != 0.0))
def test_plain_range_shortcut_agrees_with_the_general_layout(value: float) -> None:
    assert java_double(value) == _from_shortest_digits(value)


def test_pretty_printer_matches_sagemakers_layout() -> None:
    data = {
        "version": 0.0,
        "dataset": {"item_count": 100},
        "features": [{"name": "_c0", "data": [[3.0, 1.0], [2.0]]}, {"name": "_c1", "empty": {}, "none": []}],
    }
    expected = (
        "{\n"
        '  "version" : 0.0,\n'
        '  "dataset" : {\n'
        '    "item_count" : 100\n'
        "  },\n"
        '  "features" : [ {\n'
        '    "name" : "_c0",\n'
        '    "data" : [ [ 3.0, 1.0 ], [ 2.0 ] ]\n'
        "  }, {\n"
        '    "name" : "_c1",\n'
        '    "empty" : { },\n'
        '    "none" : [ ]\n'
        "  } ]\n"
        "}"
    )
    assert dumps_jackson(data) == expected
    assert json.loads(dumps_jackson(data)) == data


def test_strings_are_escaped_and_unicode_kept() -> None:
    assert dumps_jackson({"a": 'x"é\n'}) == '{\n  "a" : "x\\"é\\n"\n}'


def test_unserialisable_values_are_refused() -> None:
    with pytest.raises(TypeError, match="cannot write set"):
        dumps_jackson({"a": {1, 2}})


doubles_of_every_kind = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.floats(min_value=-1e7, max_value=1e7, width=64),
    st.sampled_from([0.0, -0.0, 1e-3, -1e-3, 9.999999999999998e-4, 1e7, 9999999.999999998]),
)


@given(st.lists(doubles_of_every_kind, min_size=1, max_size=40))
def test_a_list_of_doubles_is_written_as_item_by_item(values: list[float]) -> None:
    # Lists whose items all print as their repr are written in one piece; any other list item by item.
    expected = "[ " + ", ".join(java_double(value) for value in values) + " ]"
    assert dumps_jackson(values) == expected


def test_lists_with_other_items_are_written_item_by_item() -> None:
    assert dumps_jackson([1.5, 2]) == "[ 1.5, 2 ]"
    assert dumps_jackson([1.5, True]) == "[ 1.5, true ]"
    assert dumps_jackson([np.float64(1.5), 2.5]) == "[ 1.5, 2.5 ]"  # a float subclass: not its repr
    assert dumps_jackson([1e308, 1e308, 1.0]) == "[ 1.0E308, 1.0E308, 1.0 ]"  # the check's sum overflows
    assert dumps_jackson([0.0, -0.0, 5e-4]) == "[ 0.0, -0.0, 5.0E-4 ]"
    assert dumps_jackson([0.0, -0.0, 0.5]) == "[ 0.0, -0.0, 0.5 ]"
