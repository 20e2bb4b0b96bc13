"""The ``modelmonitor`` command line (Typer)."""
