"""``Engine.each`` on Spark: one Spark task per item, each result pickled back to the driver in item order.

``spark.range(n, numPartitions=n).mapInArrow(task)``, as the engine's ``aggregate`` runs its files:
task ``i`` runs ``task(items[i])`` on an executor and yields one Arrow row ``(i, pickled result)``; the
driver sorts the rows by index. Meant for tasks whose result is small next to their input (the columns
one merged file gives model quality), since every result travels to the driver. A ``ModelMonitorError``
raised by a task travels back the same way and is raised on the driver, so the job fails with its
message (a bad attribute, an unreadable file), not with Spark's wrapped Python traceback.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import pyarrow as pa

from modelmonitor.errors import ModelMonitorError

__all__ = ["run_each"]

Item = TypeVar("Item")
Result = TypeVar("Result")
_SCHEMA = "index long, result binary"


@dataclass(frozen=True)
class _EachTask(Generic[Item, Result]):
    items: tuple[Item, ...]
    task: Callable[[Item], Result]

    def __call__(self, ids: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for id_batch in ids:
            for index in id_batch.column(0).to_pylist():
                try:
                    outcome: tuple[bool, object] = (True, self.task(self.items[index]))
                except ModelMonitorError as exc:
                    outcome = (False, exc)
                payload = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
                yield pa.RecordBatch.from_arrays(
                    [pa.array([index], pa.int64()), pa.array([payload], pa.binary())],
                    names=["index", "result"],
                )


def run_each(spark: Any, items: Sequence[Item], task: Callable[[Item], Result]) -> list[Result]:
    """``task(item)`` of every item as one Spark task each; the results in item order."""
    count = len(items)
    if count == 0:
        return []
    rows = spark.range(0, count, 1, count).mapInArrow(_EachTask(tuple(items), task), _SCHEMA).collect()
    results: list[Result] = []
    for row in sorted(rows, key=lambda row: int(row["index"])):
        ok, value = pickle.loads(row["result"])
        if not ok:
            raise value
        results.append(value)
    return results
