"""The monitor page's sections for a model-quality, bias-drift or attribution-drift monitor (a data-quality
one shows per-feature drift instead): each metric over time against its threshold, the metrics of the
latest measured execution (each linking to its metric page), and for attribution drift the
latest execution's feature attributions beside the baseline's.
"""

from __future__ import annotations

from html import escape

from modelmonitor.api.dashboard_layout import figure_block, number, path_part, time_text
from modelmonitor.api.dashboard_model_figures import attributions_figure, metrics_figure
from modelmonitor.errors import ModelMonitorError
from modelmonitor.formats.clarify import ANALYSIS_FILE, AnalysisFile
from modelmonitor.formats.statuses import MonitoringType
from modelmonitor.service import MonitoringService
from modelmonitor.service.files import read_text
from modelmonitor.service.metrics_history import ExecutionDrift, MonitorMetric

__all__ = ["metric_link", "model_sections", "plus_minus"]

_TITLES = {
    MonitoringType.MODEL_QUALITY: "Metrics over time",
    MonitoringType.MODEL_BIAS: "Bias metrics over time, per facet value",
    MonitoringType.MODEL_EXPLAINABILITY: "Feature attribution drift (NDCG) over time",
}


def metric_link(name: str, metric: str) -> str:
    return f"/monitors/{path_part(name)}/metrics/{path_part(metric)}"


def plus_minus(metric: MonitorMetric) -> str:
    deviation = metric.standard_deviation
    return number(metric.value) + ("" if deviation is None else f" ± {number(deviation, 2)}")


def _subject(name: str, metric: MonitorMetric) -> str:
    return f'<a href="{metric_link(name, metric.series)}">{escape(metric.series)}</a>'


def _latest_table(name: str, latest: ExecutionDrift) -> str:
    rows = "".join(
        f'<tr data-metric="{escape(m.series)}"><td>{_subject(name, m)}</td>'
        f'<td class="num{" drifted" if m.breached else ""}">{plus_minus(m)}</td>'
        f'<td class="num">{number(m.threshold)}</td><td>{escape(m.comparison or "no constraint")}</td>'
        f"<td>{'breached' if m.breached else ''}</td></tr>"
        for m in sorted(latest.metrics, key=lambda m: (not m.breached, m.threshold is None))
    )
    return (
        f'<p>At execution <a href="/executions/{latest.execution_id}">{latest.execution_id}</a> '
        f"({time_text(latest.scheduled_time)}).</p>"
        '<table id="metrics"><tr><th>metric</th><th>value</th><th>threshold</th><th>comparison</th><th></th>'
        f"</tr>{rows}</table>"
    )


def _attributions(service: MonitoringService, name: str, latest: ExecutionDrift) -> str:
    """The latest execution's global SHAP values beside the baseline's (the schedule's constraints)."""
    try:
        uri, text = service.read_execution_output(latest.execution_id, ANALYSIS_FILE)
        current = AnalysisFile.from_json_text(text, source=uri)
        baseline_uri = service.schedule_definition(name).baseline_constraints
        baseline = (
            AnalysisFile.from_json_text(read_text(baseline_uri), source=baseline_uri)
            if baseline_uri
            else None
        )
    except ModelMonitorError as exc:
        what = f"The attributions of execution {latest.execution_id}"
        return f'<p class="notice refused">{what}: {escape(str(exc))}</p>'
    return "<h2>Feature attributions</h2>" + figure_block(
        "attributions-plot", attributions_figure(current, baseline), "No attribution in this execution."
    )


def model_sections(
    service: MonitoringService, name: str, monitoring_type: str, drifts: list[ExecutionDrift]
) -> str:
    title = _TITLES.get(MonitoringType(monitoring_type), "Metrics over time")
    latest = next((d for d in reversed(drifts) if d.metrics), None)
    body = f"<h2>{escape(title)}</h2>" + figure_block(
        "metrics-plot", metrics_figure(drifts, title), "No metric measured in this range."
    )
    if latest is None:
        return body + "<h2>Metrics</h2><p>No finished execution with metrics in this range.</p>"
    body += f"<h2>Metrics</h2>{_latest_table(name, latest)}"
    if monitoring_type == MonitoringType.MODEL_EXPLAINABILITY:
        body += _attributions(service, name, latest)
    return body
