"""Datasets: analysis windows, readers of captured and baseline data, record preprocessing."""
