"""``CronExpressionGenerator``: SageMaker's schedule expressions (docs/sagemaker.md#schedule-expressions)."""

from __future__ import annotations

__all__ = ["CronExpressionGenerator"]


class CronExpressionGenerator:
    """Cron strings for ``create_monitoring_schedule(schedule_cron_expression=...)`` (UTC)."""

    @staticmethod
    def hourly() -> str:
        """At the top of every hour."""
        return "cron(0 * ? * * *)"

    @staticmethod
    def daily(hour: int = 0) -> str:
        """Once a day at ``hour`` (0-23)."""
        return f"cron(0 {hour} ? * * *)"

    @staticmethod
    def daily_every_x_hours(hour_interval: int, starting_hour: int = 0) -> str:
        """Every ``hour_interval`` hours from ``starting_hour`` each day."""
        return f"cron(0 {starting_hour}/{hour_interval} ? * * *)"

    @staticmethod
    def now() -> str:
        """A one-time schedule, run at once (needs data_analysis_start_time and data_analysis_end_time)."""
        return "NOW"
