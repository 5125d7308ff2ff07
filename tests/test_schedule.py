"""The timer's NCRONTAB read by croniter: the time to the next fire, the tightest gap, staleness in real fires (issue 18)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.core import schedule

T = datetime(2026, 3, 4, 10, 0, 0, tzinfo=UTC)  # a Wednesday
M = timedelta(minutes=1)

# expression, a moment, the time from that moment to the next fire, the tightest gap between fires
TABLE = [
    ("0 */15 * * * *", T, 15 * M, 15 * M),
    ("0 */15 * * * *", T + 7 * M, 8 * M, 15 * M),
    ("0 0 * * * *", T, 60 * M, 60 * M),
    ("0 5,35 * * * *", T, 5 * M, 30 * M),
    ("0 0 6 * * *", T, timedelta(hours=20), timedelta(days=1)),
    # every 20 minutes from 08:00 to 18:40: a working-day schedule, not a daily one
    ("0 */20 8-18 * * *", T, 20 * M, 20 * M),
    ("0 */20 8-18 * * *", T.replace(hour=18, minute=40), timedelta(hours=13, minutes=20), 20 * M),
    ("0 */20 8-18 * * *", T.replace(hour=3), timedelta(hours=5), 20 * M),
    ("30 */5 * * * *", T, 30 * timedelta(seconds=1), 5 * M),
    ("*/30 * * * * *", T, timedelta(seconds=30), timedelta(seconds=30)),
    ("0 0 9 * * 1-5", T, timedelta(hours=23), timedelta(days=1)),  # weekdays: Thursday 09:00 next
    ("0 0 9 * * Mon", T, timedelta(days=4, hours=23), timedelta(days=1)),  # weekly: the gap is capped at a day
    ("0 0 */2 * * *", T + 30 * M, 90 * M, 120 * M),
    ("0 0,30 9-17 * * *", T.replace(hour=17, minute=30), timedelta(hours=15, minutes=30), 30 * M),
    # a timer that fired a moment early (clock skew) is paced over its own interval, not the milliseconds left
    ("0 */15 * * * *", T - timedelta(milliseconds=1), 15 * M + timedelta(milliseconds=1), 15 * M),
]


@pytest.mark.parametrize(("expression", "at", "to_next", "tightest"), TABLE)
def test_a_table_of_schedules(expression: str, at: datetime, to_next: timedelta, tightest: timedelta) -> None:
    """Each schedule's time to the next fire and its tightest gap are what the cron fields say (not 'daily' for anything unusual)."""
    assert schedule.problem(expression) is None
    assert schedule.interval_after(expression, at) == to_next
    assert schedule.shortest_interval(expression, at) == tightest


def test_working_hours_schedule_fires_every_twenty_minutes_until_18_40() -> None:
    """``0 */20 8-18 * * *`` fires at 08:00, 08:20 ... 18:40 and then 08:00 the next day: 33 fires a day."""
    day = datetime(2026, 3, 4, tzinfo=UTC)
    fires = []
    at = day
    while (fire := schedule.next_fire("0 */20 8-18 * * *", at)) is not None and fire < day + timedelta(days=1):
        fires.append(fire)
        at = fire
    assert len(fires) == 33
    assert (fires[0].hour, fires[0].minute, fires[-1].hour, fires[-1].minute) == (8, 0, 18, 40)


@pytest.mark.parametrize(
    "expression",
    [None, "", "0 */15 * * *", "* * * * * * *", "0 */15 * * * xyz", "0 61 * * * *", "banana split on toast with jam"],
)
def test_an_unreadable_schedule_is_daily_and_says_why(expression: str | None) -> None:
    """A schedule croniter cannot read is reported (``problem``) and treated as daily: staleness late, never false."""
    assert schedule.problem(expression)
    assert schedule.interval_after(expression, T) == schedule.DAILY
    assert schedule.shortest_interval(expression, T) == schedule.DAILY
    assert not schedule.is_stale(expression, T - timedelta(days=2), T, 3)
    assert schedule.is_stale(expression, T - timedelta(days=3, seconds=1), T, 3)


def test_staleness_counts_real_fires_across_the_night() -> None:
    """
    Working hours, 3 fires allowed: a sheet synced at 18:41 is fresh at 08:05 (one fire since),
    stale at 08:45 (three fires since); an every-15-minutes sheet synced 50 minutes ago is stale.
    """
    working = "0 */20 8-18 * * *"
    evening = datetime(2026, 3, 4, 18, 41, tzinfo=UTC)
    assert not schedule.is_stale(working, evening, evening + timedelta(hours=13, minutes=24), 3)
    assert not schedule.is_stale(working, evening, datetime(2026, 3, 5, 8, 39, tzinfo=UTC), 3)
    assert schedule.is_stale(working, evening, datetime(2026, 3, 5, 8, 45, tzinfo=UTC), 3)
    assert schedule.is_stale("0 */15 * * * *", T - 50 * M, T, 3)
    assert not schedule.is_stale("0 */15 * * * *", T - 29 * M, T, 3)


@given(
    minute_step=st.sampled_from([1, 2, 3, 5, 10, 15, 20, 30]),
    first=st.integers(0, 22),
    span=st.integers(0, 5),
    at=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)),
)
def test_the_next_fire_is_a_fire_and_nothing_fires_before_it(minute_step: int, first: int, span: int, at: datetime) -> None:
    """For any stepped-minute, hour-range schedule: the next fire matches the fields, and no minute between ``at`` and it does."""
    last = min(23, first + span)
    expression = f"0 */{minute_step} {first}-{last} * * *"
    fire = schedule.next_fire(expression, at)
    assert fire is not None and timedelta(0) < fire - at <= timedelta(days=1)
    assert fire.second == 0 and fire.minute % minute_step == 0 and first <= fire.hour <= last
    later = schedule.next_fire(expression, at + schedule.EARLY)
    assert later is not None and schedule.interval_after(expression, at) == later - at

    def fires(t: datetime) -> bool:
        return t.second == 0 and t.minute % minute_step == 0 and first <= t.hour <= last

    probe = at.replace(second=0, microsecond=0) + M
    while probe < fire:
        assert not fires(probe), probe
        probe += M if fire - at < timedelta(hours=2) else timedelta(minutes=minute_step)


@pytest.mark.parametrize(
    ("expression", "fire"),
    [
        ("0 0 5-5 * * *", datetime(2020, 1, 1, 5, 0, tzinfo=UTC)),
        ("0 3-3 * * * *", datetime(2020, 1, 1, 0, 3, tzinfo=UTC)),
        ("0 */5 1-1 * * *", datetime(2020, 1, 1, 1, 0, tzinfo=UTC)),
        ("0 0 2-2,7 * * *", datetime(2020, 1, 1, 2, 0, tzinfo=UTC)),
    ],
)
def test_a_range_of_one_value_is_that_value(expression: str, fire: datetime) -> None:
    """``N-N`` means N (croniter 7.0.0 alone reads it as every value: found by the property test above)."""
    assert schedule.next_fire(expression, datetime(2020, 1, 1, tzinfo=UTC)) == fire


class _Jobs:
    """Records the runs the timer creates."""

    def __init__(self) -> None:
        self.runs: list[str] = []

    def create_job(self, run_id, trigger, sheet_ids, now):  # type: ignore[no-untyped-def]
        self.runs.append(run_id)


class _Queue:
    """Records what the timer enqueues (message, delay), like the queue would hold it."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, float]] = []

    def send_many(self, items):  # type: ignore[no-untyped-def]
        self.sent += list(items)
        return len(self.sent)


@pytest.mark.parametrize(
    ("expression", "at", "window_s"),
    [
        ("0 */20 8-18 * * *", datetime(2026, 3, 4, 10, 0, 0, 300_000, tzinfo=UTC), 20 * 60),
        ("0 */15 * * * *", datetime(2026, 3, 4, 10, 0, 0, 300_000, tzinfo=UTC), 15 * 60),
        ("0 0,10 * * * *", datetime(2026, 3, 4, 10, 0, 0, 300_000, tzinfo=UTC), 10 * 60),
    ],
)
def test_the_timer_paces_a_run_over_the_real_time_to_the_next_fire(expression: str, at: datetime, window_s: int) -> None:
    """Sixty Google sheets on one key: the timer spreads their reads over the time to the next fire, not over an hour."""
    from shared.config import Settings, SheetConfig
    from shared.service import Runtime

    sheets = tuple(SheetConfig(id=f"g{i}", customer="C", spreadsheet_id=f"1{i:013d}") for i in range(60))
    rt = Runtime(Settings(sheets=sheets, sync_schedule=expression, storage_connection="x"), environ={})
    queue = _Queue()
    rt._queue = queue  # type: ignore[assignment]
    rt._jobs = _Jobs()  # type: ignore[assignment]
    out = rt.syncs.enqueue("timer", now=at)
    delays = [d for _, d in queue.sent]
    assert len(delays) == 60 and out.sheets == tuple(s.id for s in sheets)
    assert max(delays) <= window_s * 0.9 + 1, (max(delays), window_s)
    assert max(delays) >= window_s * 0.5, "the run is spread over the interval, not bunched at its start"
