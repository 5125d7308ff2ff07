"""
A run killed mid-sync (kill -9) frees its sheet in about a minute, not ten (issue 18): the lease
is short and renewed by a heartbeat while the run works; once it expires without a finished
run, health shows the sheet ``interrupted`` and the next run recovers.
"""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import shared.sync as sync_module
from shared.adapters.csv_source import CsvSource
from shared.service import Runtime
from shared.sync import HEARTBEAT_SECONDS, LEASE_SECONDS, sync_sheet
from tests.conftest import ROOT, csv_sheet

CHILD = """
import sys, time
import shared.sync as s
s.LEASE_SECONDS, s.HEARTBEAT_SECONDS = 3, 0.3
from shared.adapters.table_storage import TableLeadStore
from shared.config import Settings, SheetConfig

conn, leads, state, runs, path = sys.argv[1:6]
store = TableLeadStore(conn, leads, state, runs)
sheet = SheetConfig(id="cut", customer="C", source="csv", path=path)

class Stuck:
    def fetch(self, sheet):
        print("reading", flush=True)
        time.sleep(600)

s.sync_sheet(sheet, Stuck(), store, Settings(sheets=(sheet,)))
"""


def _write(path, n: int) -> None:
    with path.open("w", newline="") as f:
        csv.writer(f).writerows([["Name", "Email"], *[[f"U {i}", f"u{i}@example.com"] for i in range(n)]])


def _until(check, seconds: float = 20.0) -> bool:
    """Poll ``check`` until it holds or a functional deadline passes."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.1)
    return bool(check())


def test_the_lease_is_short_and_renewed_several_times_within_it() -> None:
    """About a minute (not ten), with several heartbeats per lease so one missed beat does not free a working sheet."""
    assert LEASE_SECONDS <= 90
    assert HEARTBEAT_SECONDS * 3 <= LEASE_SECONDS


def test_a_run_killed_with_sigkill_frees_its_sheet_and_health_says_interrupted(tmp_path, azurite, tables, store, make_settings) -> None:
    """
    A sync in another process holds the sheet past its lease thanks to its heartbeat (a second
    run is busy); killed with SIGKILL it stops beating, the lease expires, health shows the sheet
    ``interrupted``, and the next run takes the sheet and recovers.
    """
    path = tmp_path / "cut.csv"
    _write(path, 5)
    sheet = csv_sheet("cut", path)
    settings = make_settings(sheet)
    assert sync_sheet(sheet, CsvSource(tmp_path), store, settings).status == "SUCCESS"
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    child = subprocess.Popen(
        [sys.executable, str(script), azurite.connection_string, *tables, str(path)], stdout=subprocess.PIPE, env=env, cwd=ROOT
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == b"reading"
        first = store.get_state("cut").lease  # type: ignore[union-attr]
        assert first is not None and first.owner
        # the heartbeat pushes the lease on while the child works, past the 3 s it was taken for
        assert _until(lambda: store.get_state("cut").lease.until > first.until + timedelta(seconds=2))  # type: ignore[union-attr]
        assert "busy" in sync_sheet(sheet, CsvSource(tmp_path), store, settings).reason_codes
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        if child.stdout is not None:
            child.stdout.close()
    assert _until(lambda: store.get_state("cut").lease_expired(datetime.now(UTC)))  # type: ignore[union-attr]
    rt = Runtime(settings, environ={}, store=store)
    entry = rt.health.detail().doc["sheets"][0]
    assert entry["status"] == "WARNING" and "interrupted" in entry["reason_codes"]
    nxt = sync_sheet(sheet, CsvSource(tmp_path), store, settings)
    assert "recovering" in nxt.reason_codes and "busy" not in nxt.reason_codes
    assert ("interrupted",) in [r.reason_codes for r in store.list_runs("cut", 5)]
    rt.states_changed()
    assert "interrupted" not in rt.health.detail().doc["sheets"][0]["reason_codes"]


def test_a_heartbeat_stops_when_another_run_took_the_lease(tmp_path, store, make_settings, monkeypatch) -> None:
    """A run frozen past its lease finds it taken: its heartbeat stops instead of taking the sheet back."""
    monkeypatch.setattr(sync_module, "HEARTBEAT_SECONDS", 0.05)
    now = datetime.now(UTC)
    assert store.acquire_lease("s", "frozen", now - timedelta(minutes=5), 60)
    beat = sync_module.LeaseHeartbeat(store, "s", "frozen", lambda: datetime.now(UTC))
    assert store.acquire_lease("s", "other", now, 60)  # the frozen run's lease had expired
    beat.start()
    assert _until(lambda: beat.lost, 5)
    beat.stop()
    assert store.get_state("s").lease.owner == "other"  # type: ignore[union-attr]


def test_a_run_that_lost_its_lease_writes_nothing(tmp_path, store, make_settings, monkeypatch) -> None:
    """Two runs must never write one sheet: a run whose lease is no longer surely held (taken by
    another run, or not renewed for a minute of storage trouble) stops before its writes with a
    store ERROR, and the stored leads are exactly those of the last good sync."""
    path = tmp_path / "lost.csv"
    _write(path, 5)
    sheet = csv_sheet("lost", path)
    settings = make_settings(sheet)
    assert sync_sheet(sheet, CsvSource(tmp_path), store, settings).status == "SUCCESS"
    before = sorted(lead.key for lead in store.load_index("lost").values() if not lead.deleted)
    _write(path, 8)  # three new rows to write
    monkeypatch.setattr(sync_module.LeaseHeartbeat, "held", lambda self: False)
    report = sync_sheet(sheet, CsvSource(tmp_path), store, settings)
    assert report.status == "ERROR" and "store" in report.reason_codes and report.written == 0
    assert sorted(lead.key for lead in store.load_index("lost").values() if not lead.deleted) == before
    monkeypatch.undo()
    again = sync_sheet(sheet, CsvSource(tmp_path), store, settings)
    assert again.status == "SUCCESS" and again.added == 3


def test_held_turns_false_without_renewals(store, monkeypatch) -> None:
    """A lease not renewed for LEASE_SECONDS - HEARTBEAT_SECONDS (storage failing every beat) is no
    longer surely held, even though no other owner was seen."""
    beat = sync_module.LeaseHeartbeat(store, "quiet", "me", lambda: datetime.now(UTC))
    assert beat.held()
    clock = [time.monotonic()]
    monkeypatch.setattr(sync_module.time, "monotonic", lambda: clock[0])
    beat._renewed = clock[0]
    clock[0] += LEASE_SECONDS - HEARTBEAT_SECONDS - 1
    assert beat.held()
    clock[0] += 2
    assert not beat.held()
