"""
How often the timer runs, read from its NCRONTAB expression (six fields, seconds first).

Only the period matters here (health calls a sheet stale after a few periods without a
completed sync), so the common forms are read exactly (``0 */15 * * * *``, ``0 0 * * * *``,
``0 5,35 * * * *``, ``0 0 6 * * *``) and anything else is treated as daily, the longest period
a sync schedule plausibly has: a stale sheet is then reported late, never falsely.
"""

from __future__ import annotations

from datetime import timedelta

DAILY = timedelta(days=1)


def _count(field: str, size: int) -> int | None:
    """How many times per cycle of ``size`` a field fires; None when it cannot be read."""
    if field == "*":
        return size
    if field.startswith("*/") and field[2:].isdigit() and int(field[2:]) > 0:
        return max(1, size // int(field[2:]))
    parts = field.split(",")
    if all(p.isdigit() for p in parts):
        return len(set(parts))
    return None


def schedule_period(expression: str | None) -> timedelta:
    """The average time between two runs of an NCRONTAB schedule (daily when unreadable)."""
    fields = (expression or "").split()
    if len(fields) != 6:
        return DAILY
    _, minute, hour, day, month, weekday = fields
    if (day, month, weekday) != ("*", "*", "*"):
        return DAILY
    per_hour = _count(minute, 60)
    hours = _count(hour, 24)
    if per_hour is None or hours is None:
        return DAILY
    return timedelta(days=1) / (per_hour * hours)
