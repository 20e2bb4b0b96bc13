"""HTML reports and their figures: an execution's statistics against its baseline, feature by feature.

- `comparison.compare` pairs current and baseline statistics, constraints and violations
  (`Comparison`, `FeatureComparison`), drift distances and thresholds as the checker computes them.
- `figures`: one pure function per Plotly figure (histograms from KLL buckets, categorical bars,
  missing share, drift against threshold).
- `html.render_report`: one self-contained HTML file (plotly.js inlined from the installed package).

The service (``service.reports``) is the door for the CLI, the API and the dashboard; the job pipeline
writes ``report.html`` next to an execution's statistics when its schedule asks for it.
"""
