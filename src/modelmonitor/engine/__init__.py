"""Engines: where tables are scanned into Arrow batches and per-batch states are merged."""
