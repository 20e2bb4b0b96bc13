"""Sampling percentages and the bounded queue that never blocks."""

from __future__ import annotations

import random
import time

import pytest

from modelmonitor.capture.buffer import CaptureBuffer
from modelmonitor.capture.records import CaptureLine
from modelmonitor.capture.sampler import Sampler


@pytest.mark.parametrize(("percentage", "expected"), [(0, 0), (100, 1000)], ids=["none", "all"])
def test_sampler_extremes(percentage: float, expected: int) -> None:
    sampler = Sampler(percentage, random.Random(1))
    assert sum(sampler.keep() for _ in range(1000)) == expected


def test_sampler_keeps_about_the_percentage() -> None:
    sampler = Sampler(20, random.Random(7))
    kept = sum(sampler.keep() for _ in range(20_000))
    assert 3_700 <= kept <= 4_300


def _line(index: int) -> CaptureLine:
    return CaptureLine(hour="2026/11/21/10", data=b"%d\n" % index, enqueued_monotonic=time.monotonic())


def test_full_buffer_refuses_without_blocking_and_drains_in_order() -> None:
    buffer = CaptureBuffer(3)
    assert [buffer.offer(_line(i)) for i in range(5)] == [True, True, True, False, False]
    assert len(buffer) == 3
    assert [line.data for line in buffer.drain()] == [b"0\n", b"1\n", b"2\n"]
    assert len(buffer) == 0
    assert buffer.offer(_line(9))


def test_buffer_wakes_the_writer_at_half_capacity() -> None:
    buffer = CaptureBuffer(4)
    buffer.offer(_line(0))
    assert not buffer.wakeup.is_set()
    buffer.offer(_line(1))
    assert buffer.wakeup.is_set()
