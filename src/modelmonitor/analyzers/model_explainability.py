"""Feature attributions of a window of traffic (or a baseline data set): Clarify's explainability analysis.

The job's data is read with the one reader (``dataset.reader``; captured records give their *input*
payload only, the features), each row turned into numbers (a row with a value that is not a number, or
with another column count than the features, is a counted bad record naming its file and field), and a
uniform sample of at most ``max_rows`` rows is kept (reservoir sampling, seeded, so the cost of an
execution does not grow with the traffic). Kernel SHAP (``stats/kernel_shap.py``) explains each sampled
row against the analysis config's SHAP baseline, calling the model through an injected predictor: an
``EndpointPredictor`` over HTTP (the model server's own URL, never the capture proxy) or any Python
callable. The global value of each feature is the ``agg_method`` aggregate of the local values, written
as Clarify's ``analysis.json`` (``explanations.kernel_shap``).

Time budget: ``num_samples`` is capped at ``MAX_NUM_SAMPLES``; with a ``Deadline`` every model call's
timeout is cut to what is left, and when the time is up the rows explained so far make the result (with a
warning naming how many of the sample were explained); no row explained is a ``JobError``. Progress is
logged about every tenth of the sample.

Features: the analysis config's ``headers`` without its ``label`` (for a baseline data set whose
``DataConfig`` names a label, that column is dropped). Named columns (CSV with a header, JSON Lines,
Parquet) are picked by name; unnamed ones (headerless CSV, captured payloads) by position.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from modelmonitor.analyzers.endpoint_predictor import CallCounts, Deadline, EndpointPredictor
from modelmonitor.dataset.reader import DatasetReader, check_read
from modelmonitor.dataset.report import BadRecord, ReadReport
from modelmonitor.dataset.source import DatasetFormat, DatasetSource
from modelmonitor.errors import ConfigurationError, JobError
from modelmonitor.formats.clarify import AnalysisConfig, AnalysisFile, ShapConfig
from modelmonitor.stats.kernel_shap import Predictor, SkippedRow, kernel_shap, to_explanations
from modelmonitor.storage.objects import store_for

__all__ = [
    "DEFAULT_MAX_ROWS",
    "MAX_NUM_SAMPLES",
    "ExplainabilityProfile",
    "ExplainabilitySettings",
    "RowSample",
    "endpoint_predictor",
    "explain",
    "explain_source",
    "feature_names",
    "sample_rows",
    "shap_baseline",
]

DEFAULT_MAX_ROWS = 100
MAX_NUM_SAMPLES = 10_000
_log = logging.getLogger("modelmonitor.explainability")


@dataclass(frozen=True)
class ExplainabilitySettings:
    """How a job explains: the model as a Python callable (None: the HTTP server at the analysis config's
    ``predictor.endpoint_url``), the seconds the analysis may take (None: no limit) and the sample size."""

    predictor: Predictor | None = None
    time_budget_seconds: float | None = None
    max_rows: int = DEFAULT_MAX_ROWS


@dataclass(frozen=True)
class RowSample:
    """A uniform sample of the data's rows as numbers, and how many valid rows it was drawn from."""

    rows: NDArray[np.float64]
    population: int


@dataclass(frozen=True)
class ExplainabilityProfile:
    """What an explainability analysis found: Clarify's analysis.json and how it got there."""

    analysis: AnalysisFile
    sampled_rows: int
    population: int
    explained_rows: int
    skipped: tuple[SkippedRow, ...] = ()
    calls: CallCounts | None = None
    out_of_time: bool = False
    seconds: float = 0.0

    def summary(self) -> str:
        text = (
            f"explained {self.explained_rows} of {self.sampled_rows} sampled row(s) "
            f"(from {self.population}), {len(self.skipped)} skipped"
        )
        if self.calls is not None:
            text += f"; model: {self.calls.summary()}"
        return text + (" ; stopped by the time budget" if self.out_of_time else "")


def shap_settings(config: AnalysisConfig) -> ShapConfig:
    if config.methods is None or config.methods.shap is None:
        raise ConfigurationError("the analysis config has no methods.shap (the Kernel SHAP settings)")
    shap = config.methods.shap
    if shap.features_to_explain is not None:
        raise ConfigurationError("methods.shap.features_to_explain is not supported; leave it out")
    if shap.baseline is None:
        raise ConfigurationError(
            "methods.shap.baseline is missing: give the SHAP baseline rows (num_clusters, a baseline "
            "computed by clustering, is not supported)"
        )
    return shap


def feature_names(config: AnalysisConfig) -> list[str]:
    """The features: the config's headers without the label."""
    if not config.headers:
        raise ConfigurationError("the analysis config has no headers: name the model's features")
    label = config.label
    names = [name for index, name in enumerate(config.headers) if name != label and index != label]
    if not names:
        raise ConfigurationError(f"the analysis config's headers {config.headers} hold no feature")
    return names


def shap_baseline(shap: ShapConfig, features: Sequence[str]) -> NDArray[np.float64]:
    """The SHAP baseline rows: a list of rows, or the URI of a headerless CSV file of them."""
    baseline = shap.baseline
    where = "methods.shap.baseline"
    if isinstance(baseline, str):
        where = baseline
        text = store_for(baseline).read_text(baseline)
        baseline = [[cell.strip() for cell in line.split(",")] for line in text.splitlines() if line.strip()]
    if isinstance(baseline, dict):
        raise ConfigurationError(f"{where}: a baseline given as a JSON object is not supported; give rows")
    try:
        rows = np.asarray(baseline, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(f"{where}: the SHAP baseline must be rows of numbers: {exc}") from exc
    if rows.ndim == 1:
        rows = rows.reshape(1, -1)
    if rows.ndim != 2 or rows.shape[0] == 0 or rows.shape[1] != len(features):
        got = rows.shape[1] if rows.ndim == 2 else rows.shape
        raise ConfigurationError(
            f"{where}: the SHAP baseline has {got} columns, expected {len(features)} "
            f"(the features {list(features)})"
        )
    if not np.isfinite(rows).all():
        raise ConfigurationError(f"{where}: the SHAP baseline holds a value that is not a finite number")
    return rows


# --- reading a sample -----------------------------------------------------------------------------------


def _numbers(column: pa.Array | pa.ChunkedArray) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """A column as floats and a mask of the values that are numbers."""
    try:
        values = pc.cast(column, pa.float64()).to_numpy(zero_copy_only=False)
        values = np.asarray(values, dtype=np.float64)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        out = []
        for value in column.to_pylist():
            try:
                out.append(float(value) if not isinstance(value, bool) else float("nan"))
            except (TypeError, ValueError):
                out.append(float("nan"))
        values = np.asarray(out, dtype=np.float64)
    return values, np.isfinite(values)


def _columns(
    batch: pa.RecordBatch, features: Sequence[str], config: AnalysisConfig, positional: bool
) -> list[int]:
    names = batch.schema.names
    if not positional and all(name in names for name in features):
        return [names.index(name) for name in features]
    headers = list(config.headers or [])
    if len(names) == len(headers) and len(headers) == len(features) + 1:
        # A data set with the label column: drop it by its place in the headers.
        return [headers.index(name) for name in features]
    return list(range(len(names)))


def _matrix(
    batch: pa.RecordBatch,
    features: Sequence[str],
    config: AnalysisConfig,
    positional: bool,
    where: str,
    report: ReadReport,
) -> NDArray[np.float64]:
    columns = _columns(batch, features, config, positional)
    if len(columns) != len(features):
        for _ in range(batch.num_rows):
            report.bad(
                BadRecord(
                    where,
                    None,
                    None,
                    f"has {len(columns)} column(s), expected {len(features)} features {list(features)}",
                )
            )
        return np.zeros((0, len(features)))
    matrix = np.empty((batch.num_rows, len(features)), dtype=np.float64)
    valid = np.ones(batch.num_rows, dtype=bool)
    for position, (index, name) in enumerate(zip(columns, features, strict=True)):
        values, ok = _numbers(batch.column(index))
        matrix[:, position] = values
        for row in np.flatnonzero(valid & ~ok)[:100]:
            shown = batch.column(index)[int(row)].as_py()
            report.bad(BadRecord(where, None, name, f"value {shown!r} is not a number"))
        report.bad_record_count += max(0, int((valid & ~ok).sum()) - 100)
        valid &= ok
    return matrix[valid]


def sample_rows(
    source: DatasetSource,
    config: AnalysisConfig,
    max_rows: int,
    *,
    seed: int | None = None,
    report: ReadReport,
) -> RowSample:
    """A uniform sample of at most ``max_rows`` of the source's rows, as features (module docstring)."""
    if max_rows < 1:
        raise ConfigurationError(f"the sample size must be at least 1 row, got {max_rows}")
    features = feature_names(config)
    if source.format is DatasetFormat.CAPTURE_JSONL:
        source = replace(source, capture_outputs=False, capture_inputs=True)
    reader = DatasetReader(source)
    plan = reader.plan()
    report.warnings.extend(plan.warnings)
    generator = np.random.default_rng(seed)
    kept: list[NDArray[np.float64]] = []
    seen = 0
    for partition in plan.partitions:
        for batch in reader.read(partition, report):
            report.rows += batch.num_rows
            rows = _matrix(batch, features, config, source.positional, partition.uri, report)
            if len(rows) == 0:
                continue
            # Reservoir sampling (Algorithm R), the draws of a batch made at once.
            fill = min(len(rows), max_rows - len(kept))
            kept.extend(rows[:fill])
            if fill < len(rows):
                positions = np.arange(seen + fill, seen + len(rows)) + 1
                draws = generator.integers(0, positions)
                for offset in np.flatnonzero(draws < max_rows):
                    kept[int(draws[offset])] = rows[fill + int(offset)]
            seen += len(rows)
    check_read(source, report)
    if seen == 0:
        first = f"; first: {report.bad_records[0]}" if report.bad_records else ""
        raise JobError(f"{source.describe()}: no row of numeric features to explain{first}")
    return RowSample(np.stack(kept), seen)


# --- explaining -----------------------------------------------------------------------------------------


def _label_names(config: AnalysisConfig) -> list[str] | None:
    predictor = config.predictor
    return None if predictor is None or not predictor.label_headers else list(predictor.label_headers)


def explain(
    rows: NDArray[np.float64],
    config: AnalysisConfig,
    predict: Predictor,
    *,
    population: int | None = None,
    deadline: Deadline | None = None,
    calls: CallCounts | None = None,
    logger: logging.Logger = _log,
) -> ExplainabilityProfile:
    """Kernel SHAP over ``rows`` with the config's SHAP settings → Clarify's analysis.json."""
    shap = shap_settings(config)
    features = feature_names(config)
    baseline = shap_baseline(shap, features)
    num_samples = shap.num_samples
    if num_samples is not None and num_samples > MAX_NUM_SAMPLES:
        logger.warning("num_samples %d capped at %d", num_samples, MAX_NUM_SAMPLES)
        num_samples = MAX_NUM_SAMPLES
    deadline = deadline or Deadline(None)
    started = time.monotonic()
    step = max(1, math.ceil(len(rows) / 10))

    def progress(done: int, total: int) -> bool:
        if done % step == 0 or done == total:
            logger.info("explained %d of %d rows in %.1f s", done, total, time.monotonic() - started)
        return not deadline.passed

    result = kernel_shap(
        predict,
        baseline,
        rows,
        feature_names=features,
        label_names=_label_names(config),
        num_samples=num_samples,
        use_logit=bool(shap.use_logit),
        seed=shap.seed,
        progress=progress,
    )
    stopped = result.stopped
    if not result.explained_rows:
        reasons = "; ".join(s.reason for s in result.skipped[:3])
        why = "the time budget ran out" if stopped else f"the model failed on every row: {reasons}"
        raise JobError(f"no row could be explained ({why})")
    if stopped:
        logger.warning(
            "the time budget ran out: %d of %d sampled rows explained; the attributions are of those",
            len(result.explained_rows),
            len(rows),
        )
    for skipped in result.skipped[:10]:
        logger.warning("row %d not explained: %s", skipped.row, skipped.reason)
    explanations = to_explanations(result, shap.agg_method or "mean_abs")
    return ExplainabilityProfile(
        analysis=AnalysisFile(version="1.0", explanations=explanations),
        sampled_rows=len(rows),
        population=len(rows) if population is None else population,
        explained_rows=len(result.explained_rows),
        skipped=result.skipped,
        calls=calls,
        out_of_time=stopped,
        seconds=time.monotonic() - started,
    )


def explain_source(
    source: DatasetSource,
    config: AnalysisConfig,
    predict: Predictor,
    *,
    max_rows: int = DEFAULT_MAX_ROWS,
    seed: int | None = None,
    deadline: Deadline | None = None,
    calls: CallCounts | None = None,
    logger: logging.Logger = _log,
) -> tuple[ExplainabilityProfile, ReadReport]:
    """Read a sample of ``source`` and explain it (module docstring)."""
    report = ReadReport()
    shap = shap_settings(config)
    sample = sample_rows(source, config, max_rows, seed=shap.seed if seed is None else seed, report=report)
    logger.info("explaining %d row(s) sampled from %d", len(sample.rows), sample.population)
    profile = explain(
        sample.rows,
        config,
        predict,
        population=sample.population,
        deadline=deadline,
        calls=calls,
        logger=logger,
    )
    logger.info("%s", profile.summary())
    return profile, report


def endpoint_predictor(
    config: AnalysisConfig, deadline: Deadline | None = None, *, timeout_seconds: float | None = None
) -> EndpointPredictor:
    """The HTTP client of the model the analysis config's ``predictor`` names by ``endpoint_url``."""
    predictor = config.predictor
    if predictor is None or not predictor.endpoint_url:
        raise ConfigurationError(
            "the analysis config's predictor has no endpoint_url: the explainability monitor calls the "
            "model server at that URL (its own, not the capture proxy's); give "
            "ModelConfig(endpoint_url='http://...') or predictor.endpoint_url in analysis_config.json"
        )
    client = EndpointPredictor(
        predictor.endpoint_url, predictor, feature_names(config), deadline=deadline or Deadline(None)
    )
    if timeout_seconds is not None:
        client.timeout_seconds = timeout_seconds
    return client
