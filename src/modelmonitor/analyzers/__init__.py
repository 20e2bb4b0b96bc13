"""Analyzers: statistics computed from a data set (data quality, model quality, ...)."""
