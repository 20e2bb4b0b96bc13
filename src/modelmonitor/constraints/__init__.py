"""Constraints: suggest them from statistics and check data against them (pure: no I/O)."""
