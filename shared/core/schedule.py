"""
When the timer fires, read from its NCRONTAB expression (``SYNC_SCHEDULE``: six fields, seconds
first, in UTC) by croniter, a maintained cron parser, instead of by hand.

Pure: every function takes the time it reasons about; nothing reads a clock. croniter costs
about 0.15 s to import, so it is imported on first use (never by ``import function_app``).

- ``interval_after`` is the real time from a moment to the next fire: the timer's run paces its
  sheets over it (``0 */20 8-18 * * *`` fires every 20 minutes from 08:00 to 18:40, so a run at
  10:00 has 20 minutes and the run at 18:40 has until 08:00).
- ``shortest_interval`` is the tightest gap between two fires: whether every sheet can be read
  within one interval is judged on it.
- ``is_stale`` counts real fires: a sheet is stale when ``periods`` fires have passed since its
  last finished sync (a night without fires is not a missed sync).

An expression croniter cannot read is treated as daily (``DAILY``), the longest period a sync
schedule plausibly has: a stale sheet is then reported late, never falsely. ``problem`` says why
it cannot be read, for health.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

DAILY = timedelta(days=1)
SAMPLE_FIRES = 500
"""How many consecutive fires ``shortest_interval`` compares (a week of every-20-minutes)."""
EARLY = timedelta(seconds=2)
"""A fire this close ahead of ``now`` is the one being run (a timer that fired a little early, clock
skew): the run is paced up to the fire after it, never squeezed into a few milliseconds."""
MAX_STALE_FIRES = 1000
"""``is_stale`` walks back at most this many fires (a larger count is read as this many)."""


_SINGLE_RANGE = re.compile(r"([0-9A-Za-z]+)-\1(?:/[0-9]+)?\Z")


def _fields(expression: str | None) -> str | None:
    """
    The six fields, each list item ``N-N`` (a range of one value) written ``N``: croniter 7.0.0
    expands such a range as ``*`` (``0 0 5-5 * * *`` would fire every hour).
    """
    fields = (expression or "").split()
    if len(fields) != 6:
        return None
    return " ".join(",".join(_SINGLE_RANGE.sub(r"\1", part) for part in f.split(",")) for f in fields)


@lru_cache(maxsize=32)
def problem(expression: str | None) -> str | None:
    """Why ``expression`` is not a six-field NCRONTAB schedule croniter can read, or None."""
    text = _fields(expression)
    if text is None:
        return "SYNC_SCHEDULE must have six fields (second minute hour day month day-of-week), e.g. '0 */15 * * * *'"
    try:
        _iter(text, datetime(2000, 1, 1, tzinfo=UTC)).get_next(datetime)
    except Exception as e:  # croniter raises its own errors (ValueError, KeyError, ...) for bad fields
        return f"SYNC_SCHEDULE cannot be read as NCRONTAB: {type(e).__name__}: {str(e)[:120]}"
    return None


def _iter(text: str, start: datetime) -> Any:
    from croniter import croniter  # type: ignore[import-untyped]  # lazily: 0.15 s of imports

    return croniter(text, start.astimezone(UTC), second_at_beginning=True)


def _readable(expression: str | None) -> str | None:
    return _fields(expression) if problem(expression) is None else None


def next_fire(expression: str | None, after: datetime) -> datetime | None:
    """The first fire strictly after ``after``; None when the expression cannot be read."""
    text = _readable(expression)
    if text is None:
        return None
    fire: datetime = _iter(text, after).get_next(datetime)
    return fire


def interval_after(expression: str | None, now: datetime) -> timedelta:
    """The real time from ``now`` to the next fire more than ``EARLY`` ahead (``DAILY`` when the expression cannot be read)."""
    fire = next_fire(expression, now + EARLY)
    return DAILY if fire is None else fire - now


def shortest_interval(expression: str | None, start: datetime) -> timedelta:
    """The smallest gap between consecutive fires over ``SAMPLE_FIRES`` fires after ``start``."""
    text = _readable(expression)
    if text is None:
        return DAILY
    it = _iter(text, start)
    previous: datetime = it.get_next(datetime)
    best = DAILY
    for _ in range(SAMPLE_FIRES):
        fire: datetime = it.get_next(datetime)
        best = min(best, fire - previous)
        previous = fire
    return best


def stale_before(expression: str | None, now: datetime, periods: int) -> datetime:
    """
    The ``periods``-th latest fire at or before ``now``: a sheet whose last finished sync is
    older has let ``periods`` fires pass without one. With an unreadable expression, ``periods``
    days before ``now``.
    """
    text = _readable(expression)
    periods = max(1, min(periods, MAX_STALE_FIRES))
    if text is None:
        return now - DAILY * periods
    it = _iter(text, now + timedelta(microseconds=1))
    fire: datetime = now
    for _ in range(periods):
        fire = it.get_prev(datetime)
    return fire


def is_stale(expression: str | None, last_run: datetime, now: datetime, periods: int) -> bool:
    """Whether ``periods`` fires passed since ``last_run`` (the last finished sync) without another."""
    return last_run < stale_before(expression, now, periods)
