"""The metric page (``GET /monitors/{name}/metrics/{metric}``), a model monitor's counterpart of the feature
page: one metric's value (+/- its standard deviation) over time against its threshold and comparison
operator and, for a model-quality monitor, one execution's results (``?execution=``, else the latest that
measured the metric): the confusion matrix, the ROC and precision-recall curves when the statistics hold
them, and the ground-truth merge's counts (matched, unmatched predictions, orphan labels).
"""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from modelmonitor.api.auth import page_viewer, service_of
from modelmonitor.api.dashboard_layout import figure_block, number, page, time_text
from modelmonitor.api.dashboard_model_figures import (
    confusion_matrix_figure,
    metric_figure,
    precision_recall_figure,
    roc_figure,
)
from modelmonitor.api.dashboard_model_monitor import metric_link, plus_minus
from modelmonitor.api.dashboard_monitor import RANGES, RangeName, monitor_link
from modelmonitor.errors import ModelMonitorError, NotFoundError
from modelmonitor.formats.model_quality import (
    BinaryClassificationMetrics,
    ModelQualityStatisticsFile,
    RegressionMetrics,
)
from modelmonitor.formats.statuses import MonitoringType
from modelmonitor.service import MonitoringService
from modelmonitor.service.access import Caller
from modelmonitor.service.execution_details import execution_details
from modelmonitor.service.metrics_history import (
    MAX_POINTS,
    ExecutionDrift,
    MonitorMetric,
    TimeRange,
    drift_over_time,
    metric_history,
)

__all__ = ["router"]

router = APIRouter(tags=["dashboard"])

LISTED_EXECUTIONS = 30
_BREACHED_WHEN = {
    "LessThanThreshold": "below",
    "GreaterThanThreshold": "above",
    "LessThanOrEqualToThreshold": "at or below",
    "GreaterThanOrEqualToThreshold": "at or above",
}


def _constraint(metric: MonitorMetric) -> str:
    if metric.threshold is None or metric.comparison is None:
        return "<p>No constraint holds this metric (the baseline constraints do not name it).</p>"
    if metric.comparison in _BREACHED_WHEN:
        rule = f"breached {_BREACHED_WHEN[metric.comparison]} {number(metric.threshold)}"
    else:
        neutral = metric.neutral or 0.0
        low, high = sorted((metric.threshold, 2 * neutral - metric.threshold))
        rule = (
            f"the baseline's value: breached farther from the neutral value {number(neutral)}, "
            f"outside {number(low)} to {number(high)}"
        )
    return (
        f'<p id="constraint">Constraint: <strong>{escape(metric.comparison)}</strong> '
        f"{number(metric.threshold)} ({rule}).</p>"
    )


def _merge(service: MonitoringService, execution_id: int) -> str:
    merge = execution_details(service, execution_id).merge
    if merge is None:
        return "<p>The execution's merge counts are not known (its job did not report them).</p>"
    rows = [
        ("matched", merge.matched),
        ("predictions without a label", merge.unmatched_predictions),
        ("labels without a prediction", merge.orphan_labels),
        ("duplicate labels superseded", merge.duplicate_labels),
        ("predictions captured", merge.captured),
        ("labels read", merge.labels),
    ]
    body = "".join(
        f'<tr><th>{label}</th><td class="num" data-count="{label}">{count:,}</td></tr>'
        for label, count in rows
    )
    return f'<table class="facts" id="merge">{body}</table>'


def _results(service: MonitoringService, execution_id: int) -> str:
    """One model-quality execution's classification results and merge counts."""
    try:
        uri, text = service.read_execution_output(execution_id, "statistics.json")
        statistics = ModelQualityStatisticsFile.from_json_text(text, source=uri)
    except ModelMonitorError as exc:
        return f'<p class="notice refused">{escape(str(exc))}</p>'
    metrics = statistics.metrics
    if isinstance(metrics, RegressionMetrics):
        plots = "<p>A regression monitor has no confusion matrix or curves.</p>"
    else:
        plots = '<div class="plots">' + figure_block(
            "confusion-plot", confusion_matrix_figure(metrics.confusion_matrix), "No confusion matrix."
        )
        if isinstance(metrics, BinaryClassificationMetrics):
            auc = metrics.auc.value
            plots += figure_block(
                "roc-plot", roc_figure(metrics.receiver_operating_characteristic_curve, auc), "No ROC curve."
            ) + figure_block(
                "pr-plot",
                precision_recall_figure(metrics.precision_recall_curve),
                "No precision-recall curve.",
            )
        plots += "</div>"
    return (
        f"<p>{statistics.dataset.item_count:,} merged record(s) analysed "
        f"({escape(statistics.problem_type)}).</p>{plots}"
        f"<h2>Ground-truth merge</h2>{_merge(service, execution_id)}"
    )


def render_metric(
    service: MonitoringService, name: str, metric: str, execution_id: int | None, chosen: str, caller: Caller
) -> str:
    span = RANGES[chosen]
    start = None if span is None else service.clock.now() - span
    history = metric_history(drift_over_time(service, name, TimeRange(start=start, limit=MAX_POINTS)), metric)
    if not history:
        raise NotFoundError(f"metric {metric!r}: no finished execution of {name} in this range measured it")
    chosen_point: tuple[ExecutionDrift, MonitorMetric] = history[-1]
    if execution_id is not None:
        found = next((point for point in history if point[0].execution_id == execution_id), None)
        if found is None:
            raise NotFoundError(
                f"execution {execution_id} of {name} did not measure {metric!r} in this range"
            )
        chosen_point = found
    drift, measured = chosen_point
    base = metric_link(name, metric)
    rows = "".join(
        f'<tr><td><a href="{base}?execution={d.execution_id}">{d.execution_id}</a></td>'
        f"<td>{time_text(d.scheduled_time)}</td>"
        f'<td class="num{" drifted" if m.breached else ""}">{plus_minus(m)}</td>'
        f'<td class="num">{number(m.threshold)}</td><td>{"breached" if m.breached else ""}</td></tr>'
        for d, m in reversed(history[-LISTED_EXECUTIONS:])
    )
    links = "".join(
        f"<strong>{label}</strong> " if label == chosen else f'<a href="{base}?range={label}">{label}</a> '
        for label in RANGES
    )
    quality = service.describe_schedule(name).monitoring_type == MonitoringType.MODEL_QUALITY
    results = (
        f'<h2>Results of execution <a href="/executions/{drift.execution_id}">{drift.execution_id}</a></h2>'
        + _results(service, drift.execution_id)
        if quality
        else ""
    )
    body = (
        f'<h1>Metric <span id="metric-name">{escape(metric)}</span></h1>'
        f'<p>At execution <a href="/executions/{drift.execution_id}">{drift.execution_id}</a> '
        f"({time_text(drift.scheduled_time)}): "
        f'<span id="value" class="{"drifted" if measured.breached else ""}">'
        f"{plus_minus(measured)}</span>{' — breached' if measured.breached else ''}.</p>"
        f"{_constraint(measured)}"
        f'<h2>Over time</h2><p class="ranges">Range: {links}</p>'
        + figure_block("metric-plot", metric_figure(history, metric), "No execution measured it.")
        + "<table><tr><th>execution</th><th>scheduled</th><th>value</th><th>threshold</th><th></th></tr>"
        + f"{rows}</table>{results}"
    )
    crumbs = [("modelmonitor", "/"), (name, monitor_link(name)), (metric, None)]
    return page(f"{metric} · {name} · modelmonitor", body, crumbs=crumbs, plots=True, caller=caller)


@router.get("/monitors/{name}/metrics/{metric}", response_class=HTMLResponse)
def metric_page(
    request: Request,
    name: str,
    metric: str,
    execution: int | None = Query(default=None, ge=1, le=2**62),
    range_: RangeName = Query(default="30d", alias="range"),
    caller: Caller = Depends(page_viewer),
) -> str:
    return render_metric(service_of(request), name, metric, execution, range_, caller)
