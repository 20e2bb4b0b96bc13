"""Scheduler: cron parsing (pure), the loop that turns due slots into executions, the subprocess worker."""
