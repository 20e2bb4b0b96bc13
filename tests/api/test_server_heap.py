"""``serve`` freezes its start-up heap (``gc.freeze``) so a full garbage-collection pass does not walk
the modules and the app in the middle of a request (the worst page of benchmarks/catalog_pages_bench.py
was such a pass; figures in BENCHMARKS.md). What is frozen stays; what is made later is collected."""

from __future__ import annotations

import gc
import weakref

from modelmonitor.api.server import freeze_startup_heap


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector frees it


def test_the_start_up_heap_is_frozen_and_later_garbage_still_collected() -> None:
    unreachable_before = _Node()
    gone_before = weakref.ref(unreachable_before)
    del unreachable_before
    try:
        freeze_startup_heap()
        assert gc.get_freeze_count() > 10_000  # the modules and objects already made
        assert gone_before() is None  # garbage is collected first, never frozen
        later = _Node()
        gone_later = weakref.ref(later)
        del later
        gc.collect()
        assert gone_later() is None
    finally:
        gc.unfreeze()  # this test process starts many servers: leave its collector as it was
