"""The report's HTML: order (violations first, features by drift), escaping, nothing loaded from elsewhere."""

from __future__ import annotations

import json
import re

from modelmonitor.formats.violations import DataQualityViolation, ViolationsFile
from modelmonitor.reports.comparison import compare
from modelmonitor.reports.html import ReportContext, figure_json, render_report
from modelmonitor.reports.plotly_js import plotly_js_path
from tests.reports.conftest import CheckedFiles

_FIGURE = re.compile(r'<script type="application/json" id="(figure-\d+)">(.*?)</script>', re.S)


def test_violations_come_first_then_features_most_drifted_first(drifted: CheckedFiles) -> None:
    comparison = compare(
        drifted.statistics, drifted.baseline_statistics, drifted.constraints, drifted.violations
    )
    html = render_report(comparison, ReportContext("Drift of _c2", [("statistics", "s.json")]))
    assert html.index('<table id="violations">') < html.index('class="feature')
    sections = re.findall(r'<section class="feature[^"]*" id="[^"]+" data-feature="([^"]+)"', html)
    assert sections == [f.name for f in comparison.features]
    assert sections[0] == "_c2"
    count = len(drifted.violations.violations)
    assert count > 0
    assert f'<strong class="bad" id="violation-count">{count}</strong>' in html
    # One JSON element per plot element, each a figure Plotly can draw.
    figures = dict(_FIGURE.findall(html))
    plots = re.findall(r'<div class="plot[^"]*" data-figure="(figure-\d+)"></div>', html)
    assert sorted(plots) == sorted(figures)
    for text in figures.values():
        figure = json.loads(text)
        assert figure["data"]
        assert "layout" in figure


def test_plotly_is_inlined_and_nothing_is_loaded_from_elsewhere(drifted: CheckedFiles) -> None:
    comparison = compare(
        drifted.statistics, drifted.baseline_statistics, drifted.constraints, drifted.violations
    )
    html = render_report(comparison, ReportContext("t"))
    bundle = plotly_js_path().read_text(encoding="utf-8")
    assert bundle[:2000] in html
    assert not re.search(r"""<(script|link|img|iframe)[^>]*\s(src|href)=["']?(https?:)?//""", html, re.I)
    assert '<link rel="icon" href="data:,">' in html


def test_text_from_the_files_cannot_become_markup(drifted: CheckedFiles) -> None:
    hostile = '</script><script>alert("x")</script><b>&amp;'
    current = drifted.statistics.model_copy(deep=True)
    current.features[0].name = hostile
    violations = ViolationsFile(
        violations=[
            DataQualityViolation(
                feature_name=hostile,
                constraint_check_type="data_type_check",
                description="<i>bad</i> & worse",
            )
        ]
    )
    html = render_report(compare(current, None, None, violations), ReportContext("<title>"))
    assert 'alert("x")' not in html.replace("alert(&quot;x&quot;)", "")
    assert "<b>&amp;" not in html
    assert "<i>bad</i>" not in html
    assert "&lt;i&gt;bad&lt;/i&gt; &amp; worse" in html
    assert "<title>&lt;title&gt;</title>" in html
    names = [json.loads(text)["layout"]["title"]["text"] for _, text in _FIGURE.findall(html)]
    assert any(name.startswith(hostile) for name in names)  # the figure JSON gives the name back unchanged


def test_figure_json_escapes_what_could_end_a_script() -> None:
    text = figure_json({"data": [], "layout": {"title": "</script>&<!--"}})
    assert "<" not in text
    assert ">" not in text
    assert "&" not in text
    assert json.loads(text)["layout"]["title"] == "</script>&<!--"
