"""Pydantic models of every file modelmonitor reads or writes, with SageMaker's key names exactly."""
