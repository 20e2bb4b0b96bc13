"""Outputs: metrics, alerts and post-processing hooks, rendered from results (never computed here)."""
