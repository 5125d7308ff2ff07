"""
Fault injection: every test ends by checking that no stored lead was lost and that the next run
recovers.

Storage faults use a real Azurite process of their own (frozen with SIGSTOP, or its requests
left hanging); Sheets faults are answered at the HTTP layer while the real gspread and
google-auth code runs (``responses``).
"""

from __future__ import annotations

import csv
import subprocess
import sys
import textwrap
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
import responses

from scripts.azurite import Azurite
from shared.adapters.csv_source import CsvSource
from shared.adapters.google_sheets import GoogleSheetsSource, RateLimiter
from shared.adapters.table_storage import TableLeadStore
from shared.config import Settings, SheetConfig
from shared.errors import StoreError
from shared.sync import LEASE_SECONDS, sync_sheet
from tests.conftest import ROOT, csv_sheet
from tests.helpers import TOKEN_URL

SHEET_ID = "1FaultFaultFaultFaultFault"
URL = f"https://sheets.googleapis.com/v4/spreadsheets/{SHEET_ID}/values/%27Leads%27"
GSHEET = SheetConfig(id="gsheet", customer="Acme", source="google", spreadsheet_id=SHEET_ID, worksheet="Leads")


def _rows(n: int, start: int = 0, note: str = "") -> list[list[str]]:
    return [["Name", "Email", "Phone", "Notes"]] + [
        [f"User {i}", f"user{i}@example.com", f"07911 {100000 + i}", note] for i in range(start, start + n)
    ]


def _value_range(grid: list[list[str]]) -> dict:
    return {"range": "'Leads'!A1:D500", "majorDimension": "ROWS", "values": grid}


def _write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)


def _snapshot(store: TableLeadStore, sheet_id: str) -> dict[str, tuple[str, bool]]:
    return {k: (v.fingerprint, v.deleted) for k, v in store.load_index(sheet_id).items()}


def _assert_nothing_lost(before: dict[str, tuple[str, bool]], after: dict[str, tuple[str, bool]]) -> None:
    assert set(before) <= set(after), "a stored lead disappeared"
    for key, (_, deleted) in before.items():
        if not deleted:
            assert not after[key][1], "an active lead was deleted by a failed run"


@pytest.fixture
def api():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add_passthru("http://127.0.0.1")  # Azurite is real
        rsps.add(responses.POST, TOKEN_URL, json={"access_token": "ya29.t", "expires_in": 3600, "token_type": "Bearer"})
        yield rsps


@pytest.fixture
def gsource(account):
    return GoogleSheetsSource(account, limiter=RateLimiter(6000, sleep=lambda s: None), sleep=lambda s: None, max_attempts=3)


def _values_calls(api) -> int:
    return sum(1 for c in api.calls if c.request.url.startswith(URL))


# --- Sheets faults, full syncs into Azurite --------------------------------------------------


def test_429_then_success_syncs_with_one_more_request(api, gsource, store, make_settings) -> None:
    """A rate-limited read is retried; the sync succeeds with exactly two requests."""
    settings = make_settings(GSHEET)
    api.add(responses.GET, URL, status=429, json={"error": {"code": 429, "message": "Quota exceeded", "status": "RESOURCE_EXHAUSTED"}})
    api.add(responses.GET, URL, json=_value_range(_rows(30)))
    report = sync_sheet(GSHEET, gsource, store, settings)
    assert report.status == "SUCCESS" and report.added == 30 and _values_calls(api) == 2


def test_one_request_per_sheet_per_sync(api, gsource, store, make_settings) -> None:
    """A normal sync costs exactly one Sheets API request, first time and again."""
    settings = make_settings(GSHEET)
    api.add(responses.GET, URL, json=_value_range(_rows(30)))
    sync_sheet(GSHEET, gsource, store, settings)
    sync_sheet(GSHEET, gsource, store, settings)
    assert _values_calls(api) == 2


@pytest.mark.parametrize(
    ("fault", "code"),
    [
        ({"status": 500, "json": {"error": {"code": 500, "message": "Internal error", "status": "INTERNAL"}}}, "source_unavailable"),
        ({"body": requests.exceptions.ReadTimeout("timed out")}, "source_unavailable"),
        ({"body": '{"range": "\'Leads\'!A1", "values": [["Na', "content_type": "application/json"}, "source_format"),
    ],
    ids=["persistent-500", "timeout", "malformed-json"],
)
def test_source_failure_keeps_every_lead_and_next_run_recovers(api, gsource, store, make_settings, fault, code) -> None:
    """A read that fails ends the sheet in ERROR, writes nothing, and the next good read recovers."""
    settings = make_settings(GSHEET)
    api.add(responses.GET, URL, json=_value_range(_rows(30)))
    sync_sheet(GSHEET, gsource, store, settings)
    before = _snapshot(store, "gsheet")

    api.replace(responses.GET, URL, **fault)
    failed = sync_sheet(GSHEET, gsource, store, settings)
    assert failed.status == "ERROR" and code in failed.reason_codes and failed.written == 0
    _assert_nothing_lost(before, _snapshot(store, "gsheet"))
    assert store.get_state("gsheet").baseline == 30

    api.replace(responses.GET, URL, json=_value_range(_rows(31)))
    recovered = sync_sheet(GSHEET, gsource, store, settings)
    assert recovered.status == "SUCCESS" and recovered.added == 1 and recovered.unchanged == 30


def test_truncated_and_empty_sheets_are_blocked(api, gsource, store, make_settings) -> None:
    """80% of rows gone, or no rows at all: blocked, nothing written; the restored sheet syncs clean."""
    settings = make_settings(GSHEET)
    api.add(responses.GET, URL, json=_value_range(_rows(50)))
    sync_sheet(GSHEET, gsource, store, settings)
    before = _snapshot(store, "gsheet")
    for grid in (_rows(10), _rows(0), []):
        api.replace(responses.GET, URL, json=_value_range(grid))
        blocked = sync_sheet(GSHEET, gsource, store, settings)
        assert blocked.status == "ERROR" and "guard_blocked" in blocked.reason_codes and blocked.written == 0
        assert _snapshot(store, "gsheet") == before
    api.replace(responses.GET, URL, json=_value_range(_rows(50)))
    again = sync_sheet(GSHEET, gsource, store, settings)
    assert again.status == "SUCCESS" and again.written == 0


def test_header_row_moved_changes_no_lead(api, gsource, store, make_settings) -> None:
    """Title rows inserted above the header move it down; every key stays, nothing is written."""
    settings = make_settings(GSHEET)
    api.add(responses.GET, URL, json=_value_range(_rows(30)))
    sync_sheet(GSHEET, gsource, store, settings)
    before = _snapshot(store, "gsheet")
    api.replace(responses.GET, URL, json=_value_range([["Acme leads"], [], ["Updated weekly, do not sort"], []] + _rows(30)))
    moved = sync_sheet(GSHEET, gsource, store, settings)
    assert moved.header_row == 4 and moved.written == 0 and moved.status == "SUCCESS"
    assert _snapshot(store, "gsheet") == before


# --- Storage faults ---------------------------------------------------------------------------


@pytest.fixture
def own_azurite():
    with Azurite(queue=False) as az:
        yield az


def _settings(az: Azurite, *sheets: SheetConfig) -> Settings:
    return Settings(sheets=sheets, storage_connection=az.connection_string)


def test_storage_outage_mid_sync_loses_nothing_and_next_run_converges(own_azurite, tmp_path) -> None:
    """Azurite freezes after the first of three batches: ERROR, no lead lost, the next run completes."""
    path = tmp_path / "leads.csv"
    _write(path, _rows(300))
    sheet = csv_sheet("outage", path)
    settings = _settings(own_azurite, sheet)
    store = TableLeadStore(own_azurite.connection_string, read_timeout=2, connection_timeout=2, retry_total=1, retry_backoff_factor=0.1)
    assert sync_sheet(sheet, CsvSource(tmp_path), store, settings).added == 300
    before = _snapshot(store, "outage")

    _write(path, _rows(300, note="called back"))  # every lead changes: three batches of updates
    real_submit = store.leads.submit_transaction
    calls = []

    def submit_then_freeze(ops, **kw):
        result = real_submit(ops, **kw)
        calls.append(len(ops))
        if len(calls) == 1:
            own_azurite.pause()
        return result

    store.leads.submit_transaction = submit_then_freeze
    t0 = datetime.now(UTC)
    try:
        failed = sync_sheet(sheet, CsvSource(tmp_path), store, settings, clock=lambda: t0)
    finally:
        own_azurite.resume()
        store.leads.submit_transaction = real_submit
    assert failed.status == "ERROR" and "store" in failed.reason_codes and calls == [100]

    after = _snapshot(store, "outage")
    _assert_nothing_lost(before, after)
    # The first batch landed; a batch that timed out may still land when Azurite wakes up, but
    # only whole (transactions are all or nothing), never half.
    landed = sum(1 for k in after if after[k][0] != before[k][0])
    per_batch = 100 - 2  # each transaction also carries its outbox entity and the event counter
    assert landed in (per_batch, 2 * per_batch)

    later = t0 + timedelta(seconds=LEASE_SECONDS + 1)  # the failed run could not release its lease
    recovered = sync_sheet(sheet, CsvSource(tmp_path), store, settings, clock=lambda: later)
    # The failed run could not even record itself: the next run says it recovers from it.
    assert recovered.status == "WARNING" and recovered.reason_codes == ["recovering"]
    assert recovered.updated == 300 - landed and recovered.unchanged == landed
    final = _snapshot(store, "outage")
    assert len(final) == 300 and not any(d for _, d in final.values())


def test_two_runs_at_once_never_overlap(store, make_settings, tmp_path) -> None:
    """Two syncs of one sheet started together: one works, the other is told it is busy."""
    path = tmp_path / "same.csv"
    _write(path, _rows(200))
    sheet = csv_sheet("same", path)
    settings = make_settings(sheet)
    gate = threading.Barrier(2)
    other_finished = threading.Event()

    class HoldingSource(CsvSource):
        def fetch(self, s):
            grid = super().fetch(s)
            other_finished.wait(timeout=30)  # hold the lease until the other run has tried
            return grid

    results = []

    def run():
        gate.wait()
        report = sync_sheet(sheet, HoldingSource(tmp_path), store, settings)
        results.append(report)
        other_finished.set()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = sorted((r.status, tuple(r.reason_codes)) for r in results)
    assert statuses == [("SUCCESS", ()), ("WARNING", ("busy",))]
    assert sum(r.added for r in results) == 200 and len(store.load_index("same")) == 200


KILLED_RUN = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {root!r})
    from shared.adapters.csv_source import CsvSource
    from shared.adapters.table_storage import TableLeadStore
    from shared.config import Settings, SheetConfig
    from shared.sync import sync_sheet

    class Hang(CsvSource):
        def fetch(self, sheet):
            print("leased", flush=True)
            time.sleep(600)

    sheet = SheetConfig(id="killed", customer="X", source="csv", path={path!r})
    store = TableLeadStore({conn!r}, {leads!r}, {state!r}, {runs!r})
    sync_sheet(sheet, Hang({base!r}), store, Settings(sheets=(sheet,)))
    """
)


def test_killed_run_lease_expires_and_next_run_completes(azurite, tables, make_settings, tmp_path) -> None:
    """A run killed while holding the lease blocks others until the lease expires, then the next run completes."""
    path = tmp_path / "k.csv"
    _write(path, _rows(40))
    code = KILLED_RUN.format(
        root=str(ROOT), path=str(path), conn=azurite.connection_string, leads=tables[0], state=tables[1], runs=tables[2], base=str(tmp_path)
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "leased"
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()
    store = TableLeadStore(azurite.connection_string, *tables)
    sheet = csv_sheet("killed", path)
    settings = make_settings(sheet)
    now = datetime.now(UTC)
    busy = sync_sheet(sheet, CsvSource(tmp_path), store, settings, clock=lambda: now)
    assert busy.reason_codes == ["busy"] and store.load_index("killed") == {}
    later = now + timedelta(seconds=LEASE_SECONDS + 1)
    done = sync_sheet(sheet, CsvSource(tmp_path), store, settings, clock=lambda: later)
    assert done.status == "WARNING" and done.reason_codes == ["recovering"] and done.added == 40
    runs = store.list_runs("killed", 10)
    assert [r.reason_codes for r in runs] == [tuple(done.reason_codes), ("interrupted",)], "every run leaves a trace"
    assert store.get_state("killed").skipped_runs == 1


def test_reads_are_paced_across_all_sheets_of_a_run(api, account, make_settings) -> None:
    """One run over three Google sheets spaces its Sheets requests by the per-minute budget."""
    import json as _json
    import time as _time

    from shared.service import Runtime

    stamps: list[float] = []

    def answer(request):
        stamps.append(_time.monotonic())
        return (200, {"Content-Type": "application/json"}, _json.dumps(_value_range(_rows(3))))

    sheets = [SheetConfig(id=f"g{i}", customer="Acme", spreadsheet_id=f"1Pace{i}PacePacePace", worksheet="Leads") for i in range(3)]
    for s in sheets:
        api.add_callback(
            responses.GET, f"https://sheets.googleapis.com/v4/spreadsheets/{s.spreadsheet_id}/values/%27Leads%27", callback=answer
        )
    settings = make_settings(*sheets, google_credentials=account, reads_per_minute=300)  # one read every 0.2 s
    report = Runtime(settings, environ={}).syncs.run()
    assert [s.status for s in report.sheets] == ["SUCCESS"] * 3
    gaps = [b - a for a, b in zip(stamps, stamps[1:])]
    assert len(stamps) == 3 and all(g >= 0.19 for g in gaps), gaps


def test_table_storage_outage_on_the_queue_path_poisons_then_recovers(own_azurite, azurite, tmp_path, caplog) -> None:
    """
    Table Storage hangs while the queue still delivers (two accounts, as LEAD_SYNC_STORAGE apart
    from AzureWebJobsStorage allows): every delivery fails fast and is retried, the message is
    poisoned after maxDequeueCount and says so in telemetry, no lead is lost, and the next timer
    run after storage returns syncs the sheet and clears the poisoned status.
    """
    import uuid

    from scripts.queue_worker import Worker
    from shared.adapters.job_table import TableJobStore
    from shared.config import StorageTarget
    from shared.service import Runtime, set_runtime

    path = tmp_path / "leads.csv"
    _write(path, _rows(50))
    sheet = csv_sheet("qout", path)
    quick = {"read_timeout": 1, "connection_timeout": 1, "retry_total": 0}
    store = TableLeadStore(own_azurite.connection_string, **quick)
    jobs = TableJobStore(own_azurite.connection_string, **quick)
    settings = Settings(
        sheets=(sheet,),
        storage_connection=own_azurite.connection_string,
        queue_target=StorageTarget(connection_string=azurite.connection_string),
        queue_name=f"out-{uuid.uuid4().hex[:10]}",
        base_dir=tmp_path,
    )

    class QuickJobs(Runtime):
        @property
        def jobs(self):  # type: ignore[override]
            return jobs

    rt = QuickJobs(settings, environ={}, store=store)
    set_runtime(rt)
    rt.syncs.enqueue("timer")
    Worker.from_host_json(rt.queue, retry_delay=0).run_until_idle()  # type: ignore[arg-type]
    before = _snapshot(store, "qout")
    assert len(before) == 50

    _write(path, _rows(20))  # the sheet shrinks meanwhile: nothing may be deleted while storage is away
    rt.syncs.enqueue("timer")  # the run is recorded, its message waits in the queue's own account
    own_azurite.pause()
    try:
        with pytest.raises(StoreError, match="cannot record the sync run"):
            rt.syncs.enqueue("timer")  # a timer firing during the outage fails fast: its run cannot be recorded
        worker = Worker.from_host_json(rt.queue, retry_delay=0)  # type: ignore[arg-type]
        worker.run_until_idle(timeout=240)
    finally:
        own_azurite.resume()
    outcomes = [o for _, o in worker.outcomes]
    assert outcomes == ["failed"] * 5 + ["poisoned", "poison-read"], outcomes
    poisoned = [r for r in caplog.records if getattr(r, "event", "") == "sheet_sync" and getattr(r, "reason_codes", "") == "poisoned"]
    assert poisoned and poisoned[-1].saved is False  # type: ignore[attr-defined]
    # read with a fresh client: the quick store's pooled connections may be reset by the resumed server
    _assert_nothing_lost(before, _snapshot(TableLeadStore(own_azurite.connection_string), "qout"))

    _write(path, _rows(50))
    rt.syncs.enqueue("timer")
    Worker.from_host_json(rt.queue, retry_delay=0).run_until_idle()  # type: ignore[arg-type]
    state = store.get_state("qout")
    assert state is not None and state.status != "ERROR" and "poisoned" not in state.reason_codes
    assert _snapshot(store, "qout") == before
