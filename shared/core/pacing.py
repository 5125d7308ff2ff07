"""
Pacing without coordination: when each sheet of an interval may be read (pure; no clock, no I/O).

The timer enqueues one message per sheet with an initial visibility delay computed here, so that
no instance has to ask another how many reads it made: the queue itself releases the messages at
the planned times. Google limits reads per minute per user (a service account) and per project
(https://developers.google.com/sheets/api/limits: 60 and 300). The plan spreads the sheets of
each credential evenly over the usable part of the interval, then makes every read respect

- the credential's minimum spacing (``60 / per_minute`` seconds), and
- the project's minimum spacing (``60 / project_per_minute`` seconds, for every credential whose
  key belongs to the same Google Cloud project),

so that at most ``per_minute`` reads of a credential, and ``project_per_minute`` reads of a
project, start in any 60 s window. ``headroom`` keeps part of each budget free for retries after a
429 and for manual syncs. When the sheets do not fit in the interval, the plan says so
(``fits``), and every sheet is still scheduled (late) rather than dropped.

The daily full comparison of each sheet is spread over the day the same way: each sheet has a
fixed offset in the day derived from its id (``full_check_due``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

DEFAULT_PER_MINUTE = 60
DEFAULT_PROJECT_PER_MINUTE = 300
DEFAULT_HEADROOM = 0.9
"""Plan with 90% of each budget: the rest absorbs retries after a 429 and manual syncs."""


@dataclass(frozen=True)
class Read:
    """One sheet to read in the interval, and whose budget it uses."""

    sheet_id: str
    credential: str = "default"
    project: str = "default"


@dataclass
class PacingPlan:
    delays: dict[str, float] = field(default_factory=dict)
    """Sheet id -> seconds from the interval's start to its read."""
    fits: bool = True
    """Every read starts before the next interval begins."""
    needed_seconds: float = 0.0
    """When the last read starts: more than the interval means the interval is too short."""
    per_credential: dict[str, int] = field(default_factory=dict)


def spacing(per_minute: float, headroom: float = DEFAULT_HEADROOM) -> float:
    """Seconds between two reads under a budget of ``per_minute`` used at ``headroom``."""
    return 60.0 / max(1e-9, per_minute * headroom)


def plan_reads(
    reads: Sequence[Read],
    interval_seconds: float,
    per_minute: Mapping[str, int] | int = DEFAULT_PER_MINUTE,
    project_per_minute: int = DEFAULT_PROJECT_PER_MINUTE,
    headroom: float = DEFAULT_HEADROOM,
    usable: float = 0.9,
) -> PacingPlan:
    """
    The visibility delay of every read of an interval.

    Each credential's sheets are first placed evenly over ``usable`` of the interval (ideal
    times, staggered between credentials so they do not all start at 0); then, in order of ideal
    time, each read starts at the earliest moment that keeps both its credential's and its
    project's spacing. Deterministic: the same input gives the same plan.
    """
    window = max(0.0, interval_seconds * usable)
    by_cred: dict[str, list[Read]] = {}
    for r in reads:
        by_cred.setdefault(r.credential, []).append(r)
    creds = sorted(by_cred)
    candidates: list[tuple[float, int, str, Read]] = []
    for ci, cred in enumerate(creds):
        group = sorted(by_cred[cred], key=lambda r: r.sheet_id)
        step = window / len(group)
        phase = step * ci / max(1, len(creds))
        for i, r in enumerate(group):
            candidates.append((phase + i * step, ci, r.sheet_id, r))
    cred_next: dict[str, float] = {}
    project_next: dict[str, float] = {}
    plan = PacingPlan(per_credential={c: len(g) for c, g in by_cred.items()})
    for ideal, _, sheet_id, r in sorted(candidates, key=lambda c: c[:3]):
        rpm = per_minute.get(r.credential, DEFAULT_PER_MINUTE) if isinstance(per_minute, Mapping) else per_minute
        start = max(ideal, cred_next.get(r.credential, 0.0), project_next.get(r.project, 0.0))
        cred_next[r.credential] = start + spacing(rpm, headroom)
        project_next[r.project] = start + spacing(project_per_minute, headroom)
        plan.delays[sheet_id] = round(start, 3)
        plan.needed_seconds = max(plan.needed_seconds, start)
    plan.fits = plan.needed_seconds < interval_seconds
    return plan


def max_in_window(times: Sequence[float], window: float = 60.0) -> int:
    """The largest number of ``times`` in any half-open window ``[t, t + window)`` (for checks)."""
    ordered = sorted(times)
    best, lo = 0, 0
    for hi, t in enumerate(ordered):
        while ordered[lo] <= t - window:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


def capacity(interval_seconds: float, per_minute: int, headroom: float = DEFAULT_HEADROOM, usable: float = 0.9) -> int:
    """How many sheets one credential reads in an interval under ``plan_reads``."""
    return int(interval_seconds * usable // spacing(per_minute, headroom)) + 1


def backoff_seconds(attempt: int, base: float = 30.0, cap: float = 600.0, jitter: float = 0.5) -> float:
    """
    Delay before a message deferred by a 429 is seen again: ``base * 2**attempt`` capped, then
    ``jitter`` (a fraction in 0..1, drawn by the caller) spreads instances apart.
    """
    raw = min(cap, base * 2.0 ** max(0, attempt))
    return round(raw * (0.5 + 0.5 * min(1.0, max(0.0, jitter))), 3)


def day_offset(sheet_id: str, every: timedelta = timedelta(hours=24)) -> timedelta:
    """The sheet's fixed place in the day for its full comparison (a hash of its id)."""
    h = int.from_bytes(hashlib.blake2b(sheet_id.encode(), digest_size=8).digest(), "big")
    return timedelta(seconds=h % max(1, int(every.total_seconds())))


EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def full_check_due(sheet_id: str, last_full_check: datetime | None, now: datetime, every: timedelta = timedelta(hours=24)) -> bool:
    """
    Whether the sheet's full comparison with storage is due: once per ``every``, at the sheet's own
    offset in it, so that thousands of sheets do not all compare in the same interval.
    Due when no full check happened since the sheet's latest slot (and never more than ``every`` late).
    """
    if last_full_check is None:
        return True
    offset = day_offset(sheet_id, every)
    n = (now - EPOCH - offset) // every
    slot = EPOCH + offset + n * every
    return last_full_check < slot or now - last_full_check >= every
