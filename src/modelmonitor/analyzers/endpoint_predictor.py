"""A model reached over HTTP, as a Kernel SHAP predictor: rows in, one row of scores per input row out.

Clarify calls the model with the analysis config's ``predictor`` settings; so does this client:
``content_type`` says how rows become a request body (``text/csv``: one CSV line per row;
``application/jsonlines``: ``content_template`` with ``$features`` per line; ``application/json``:
``content_template`` with ``$records`` (or ``$record``, one row per call) and ``record_template`` with
``$features`` or ``$features_kvp``), ``accept_type`` how the answer is read (CSV lines, JSON Lines, or a
JSON document), ``probability`` (a JMESPath expression, or a CSV column index) where the score is.

The URL is the model server's own, never the capture proxy's: SHAP's synthetic rows must not become
captured traffic. Calls are batched (``batch_rows`` rows per request), each with a timeout cut to what is
left of the job's ``Deadline``; a failed call (connection error, timeout, status >= 500 or 429) is retried
up to ``retries`` times with a short backoff. A request that still fails, or an answer that cannot be
read or has another number of scores than rows, raises ``ModelCallError`` naming the first row of the
batch, the status and the reason; the Kernel SHAP loop (stats/kernel_shap.py) skips and reports the
explained row it was working on. ``calls`` counts requests, retries and failures for the job's log.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson
from numpy.typing import NDArray

from modelmonitor.dataset.attributes import compile_attribute
from modelmonitor.errors import ConfigurationError, JobError
from modelmonitor.formats.clarify import PredictorConfig

if TYPE_CHECKING:
    import httpx

__all__ = ["CallCounts", "Deadline", "EndpointPredictor", "ModelCallError", "OutOfTimeError"]

DEFAULT_BATCH_ROWS = 1000
DEFAULT_TIMEOUT_SECONDS = 60.0
DEFAULT_RETRIES = 2
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class ModelCallError(Exception):
    """The model did not give scores for a batch of rows (after retries)."""


class OutOfTimeError(JobError):
    """The job's time budget ran out while calling the model."""


@dataclass(frozen=True)
class Deadline:
    """A point on the monotonic clock the job must be done by (None: no limit)."""

    at: float | None

    @classmethod
    def after(cls, seconds: float | None) -> Deadline:
        return cls(None if seconds is None else time.monotonic() + seconds)

    def remaining(self) -> float | None:
        return None if self.at is None else self.at - time.monotonic()

    @property
    def passed(self) -> bool:
        left = self.remaining()
        return left is not None and left <= 0


@dataclass
class CallCounts:
    """What the client did: requests sent, rows scored, retries, and rows whose calls failed."""

    requests: int = 0
    rows: int = 0
    retries: int = 0
    failed_requests: int = 0
    failed_rows: int = 0
    first_errors: list[str] = field(default_factory=list)

    def failed(self, rows: int, reason: str) -> None:
        self.failed_requests += 1
        self.failed_rows += rows
        if len(self.first_errors) < 10:
            self.first_errors.append(reason)

    def summary(self) -> str:
        return (
            f"{self.requests} request(s), {self.rows} row(s) scored, {self.retries} retr(y/ies), "
            f"{self.failed_requests} failed request(s) covering {self.failed_rows} row(s)"
        )


def _number_text(value: float) -> str:
    return repr(float(value)) if not float(value).is_integer() else str(int(value))


@dataclass
class EndpointPredictor:
    """``predict(rows)`` over HTTP (module docstring). Use as a context manager, or ``close()`` it."""

    url: str
    predictor: PredictorConfig
    feature_names: Sequence[str]
    deadline: Deadline = field(default_factory=lambda: Deadline(None))
    batch_rows: int = DEFAULT_BATCH_ROWS
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    retries: int = DEFAULT_RETRIES
    backoff_seconds: float = 0.2
    calls: CallCounts = field(default_factory=CallCounts)
    _client: httpx.Client | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise ConfigurationError(f"model endpoint URL {self.url!r}: expected http:// or https://")
        content = self.content_type
        if content == "application/jsonlines" and "$features" not in (self.predictor.content_template or ""):
            raise ConfigurationError(
                "content_type application/jsonlines needs a content_template with $features"
            )
        if content == "application/json":
            template = self.predictor.content_template or ""
            if "$record" not in template or not self.predictor.record_template:
                raise ConfigurationError(
                    "content_type application/json needs a content_template with $records or $record "
                    "and a record_template"
                )
            if "$records" not in template:
                self.batch_rows = 1  # $record: one row per request
        if self.batch_rows < 1:
            raise ConfigurationError(f"batch_rows must be at least 1, got {self.batch_rows}")
        if self.predictor.probability is not None and self.accept_type != "text/csv":
            compile_attribute(str(self.predictor.probability))

    @property
    def content_type(self) -> str:
        return self.predictor.content_type or "text/csv"

    @property
    def accept_type(self) -> str:
        return self.predictor.accept_type or self.content_type

    def __enter__(self) -> EndpointPredictor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def __call__(self, rows: NDArray[np.float64]) -> NDArray[np.float64]:
        rows = np.atleast_2d(np.asarray(rows, dtype=np.float64))
        scores = [
            self._batch(rows[start : start + self.batch_rows], start)
            for start in range(0, len(rows), self.batch_rows)
        ]
        return np.concatenate(scores, axis=0) if scores else np.zeros((0, 1))

    # --- requests -----------------------------------------------------------------------------

    def body(self, rows: NDArray[np.float64]) -> bytes:
        """The request body of ``rows`` in the configured content type."""
        content = self.content_type
        if content == "text/csv":
            return "\n".join(",".join(_number_text(v) for v in row) for row in rows).encode()
        if content == "application/jsonlines":
            template = self.predictor.content_template or "$features"
            return "\n".join(self._fill(template, row) for row in rows).encode()
        template = self.predictor.content_template or "$records"
        records = [self._fill(self.predictor.record_template or "$features", row) for row in rows]
        if "$records" in template:
            return template.replace("$records", "[" + ",".join(records) + "]").encode()
        return template.replace("$record", records[0]).encode()

    def _fill(self, template: str, row: NDArray[np.float64]) -> str:
        values = [float(v) for v in row]
        kvp = dict(zip(self.feature_names, values, strict=True))
        return (
            template.replace("$features_kvp", orjson.dumps(kvp).decode())
            .replace("$feature_names", orjson.dumps(list(self.feature_names)).decode())
            .replace("$features", orjson.dumps(values).decode())
        )

    def _http(self) -> httpx.Client:
        if self._client is None:
            # Imported here, not with the module: httpx brings rich and click (its command line), about
            # 50 ms that every monitoring job paid through the registry, though only this client uses it.
            import httpx

            self._client = httpx.Client(headers={"Accept": self.accept_type})
        return self._client

    def _timeout(self) -> float:
        left = self.deadline.remaining()
        if left is not None and left <= 0:
            raise OutOfTimeError(
                f"the job's time budget ran out while calling the model at {self.url} "
                f"({self.calls.summary()})"
            )
        return self.timeout_seconds if left is None else max(0.001, min(self.timeout_seconds, left))

    def _batch(self, rows: NDArray[np.float64], first_row: int) -> NDArray[np.float64]:
        import httpx  # see _http

        body = self.body(rows)
        reason = ""
        for attempt in range(self.retries + 1):
            if attempt:
                self.calls.retries += 1
                pause = self.backoff_seconds * 2 ** (attempt - 1)
                left = self.deadline.remaining()
                if left is not None:
                    pause = min(pause, max(0.0, left))
                time.sleep(pause)
            timeout = self._timeout()
            self.calls.requests += 1
            try:
                response = self._http().post(
                    self.url,
                    content=body,
                    headers={"Content-Type": self.content_type},
                    timeout=timeout,
                )
            except httpx.HTTPError as exc:
                reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                continue
            if response.status_code in _RETRY_STATUSES:
                reason = f"HTTP {response.status_code}: {response.text[:200]}"
                continue
            if response.status_code >= 400:
                reason = f"HTTP {response.status_code}: {response.text[:200]}"
                break  # a client error will not go away by asking again
            try:
                scores = self.scores(response.content, len(rows))
            except ValueError as exc:
                reason = f"the answer cannot be read: {exc}"
                break
            self.calls.rows += len(rows)
            return scores
        message = (
            f"the model at {self.url} failed on {len(rows)} row(s) starting at row {first_row} "
            f"(first: {self._shown(rows[0])}): {reason}"
        )
        self.calls.failed(len(rows), message)
        raise ModelCallError(message)

    def _shown(self, row: NDArray[np.float64]) -> str:
        return "[" + ", ".join(_number_text(v) for v in row[:8]) + (", ...]" if len(row) > 8 else "]")

    # --- answers ------------------------------------------------------------------------------

    def scores(self, content: bytes, expected_rows: int) -> NDArray[np.float64]:
        """The scores of an answer: ``expected_rows`` rows of one or more numbers (ValueError if not)."""
        accept = self.accept_type
        text = content.decode("utf-8")
        if accept == "text/csv":
            values: list[Any] = [self._csv_scores(row) for row in csv.reader(io.StringIO(text)) if row]
            if len(values) == 1 and expected_rows > 1 and len(values[0]) == expected_rows:
                values = [[v] for v in values[0]]  # one line of scores, one per row
        elif accept == "application/jsonlines":
            values = [self._json_scores(orjson.loads(line)) for line in text.splitlines() if line.strip()]
        else:
            document = orjson.loads(text)
            picked = self._pick(document)
            if not isinstance(picked, list):
                raise ValueError(f"expected a list of {expected_rows} prediction(s), got {str(picked)[:80]}")
            values = [self._json_scores(item, picked=True) for item in picked]
        if len(values) != expected_rows:
            raise ValueError(f"{len(values)} prediction(s) for {expected_rows} row(s)")
        array = np.asarray(values, dtype=np.float64)
        if array.ndim != 2:
            raise ValueError("the predictions do not have the same number of scores each")
        return array

    def _csv_scores(self, row: list[str]) -> list[float]:
        probability = self.predictor.probability
        if probability is not None:
            try:
                return [float(row[int(probability)])]
            except (ValueError, IndexError) as exc:
                raise ValueError(f"CSV answer {row!r} has no number at column {probability!r}") from exc
        return [float(value) for value in row]

    def _pick(self, value: Any) -> Any:
        probability = self.predictor.probability
        if probability is None:
            return value
        return compile_attribute(str(probability)).search(value)

    def _json_scores(self, value: Any, *, picked: bool = False) -> list[float]:
        if not picked:
            value = self._pick(value) if not isinstance(value, int | float) else value
        if isinstance(value, bool) or value is None:
            raise ValueError(f"expected a score, got {value!r}")
        if isinstance(value, int | float):
            return [float(value)]
        if (
            isinstance(value, list)
            and value
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
        ):
            return [float(v) for v in value]
        raise ValueError(f"expected a score or a list of scores, got {orjson.dumps(value).decode()[:80]}")
