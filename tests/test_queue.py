"""
The queue path against Azurite: messages really enqueued and dequeued, handed to the registered
``sync_queue`` / ``sync_poison`` functions as ``func.QueueMessage`` (``scripts.queue_worker``
does what the host does: delete on success, retry after a failure, poison after
``maxDequeueCount``); duplicates, malformed messages, 429 deferral and poisoning.
"""

from __future__ import annotations

import base64
import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scripts.queue_worker import Worker, as_function_message, host_queue_settings, registered
from shared.config import SheetConfig, load_settings
from shared.core.messages import MessageError, SyncMessage, parse_message, sheet_of
from shared.core.pacing import Read, backoff_seconds, day_offset, full_check_due, max_in_window, plan_reads
from shared.errors import SourceRateLimitedError, SourceUnavailableError
from shared.service import ApprovalRequest, Runtime, SyncRequest, set_runtime
from tests.conftest import SAMPLES
from tests.helpers import TWENTY_PEOPLE, write_rows


def _samples(make_settings, store, cls: type[Runtime] = Runtime, **kw) -> Runtime:
    base = load_settings({"LEAD_SYNC_SHEETS_FILE": str(SAMPLES / "sheets.json"), "LEAD_SYNC_STORAGE": "x"})
    rt = cls(make_settings(*base.sheets, **kw), environ={}, store=store)
    set_runtime(rt)
    return rt


class FailingSource:
    def __init__(self, error: Exception) -> None:
        self.error, self.calls = error, 0

    def fetch(self, sheet: SheetConfig):
        self.calls += 1
        raise self.error


def _with_source(source: FailingSource) -> type[Runtime]:
    class R(Runtime):
        def source_for(self, sheet: SheetConfig, defer_rate_limits: bool = False):  # type: ignore[override]
            return source if sheet.id == "bright-dental" else super().source_for(sheet, defer_rate_limits)

    return R


def test_host_json_queue_settings_are_the_documented_ones() -> None:
    q = host_queue_settings()
    assert q == {
        "batchSize": 1,
        "newBatchThreshold": 0,
        "maxDequeueCount": 5,
        "visibilityTimeout": "00:00:30",
        "maxPollingInterval": "00:00:02",
        "messageEncoding": "base64",
    }


def test_messages_are_base64_json_as_the_trigger_expects(make_settings, store) -> None:
    """What the timer sends is base64 of the JSON message; delays hold paced sheets back."""
    from azure.storage.queue import QueueClient

    rt = _samples(make_settings, store)
    out = rt.syncs.enqueue("timer").to_dict()
    assert out["messages"] == 4
    raw = QueueClient.from_connection_string(rt.settings.storage_connection, rt.settings.queue_name)  # type: ignore[arg-type]
    peeked = raw.peek_messages(max_messages=32)
    docs = [json.loads(base64.b64decode(m.content)) for m in peeked]
    assert {d["sheet"] for d in docs} == {s.id for s in rt.settings.sheets}
    assert {d["run"] for d in docs} == {out["run_id"]} and {d["trigger"] for d in docs} == {"timer"}


def test_duplicate_delivery_does_no_harm(make_settings, store) -> None:
    """The same message twice: the second sync finds the sheet unchanged and writes nothing; an overlapping one is 'busy'."""
    rt = _samples(make_settings, store)
    rt.jobs.create_job("r1", "timer", ["bright-dental"], datetime.now(UTC))
    msg = SyncMessage("bright-dental", "r1", "timer").to_json()
    rt.queue.send(msg)
    rt.queue.send(msg)
    worker = Worker.from_host_json(rt.queue, retry_delay=0)  # type: ignore[arg-type]
    worker.run_until_idle()
    assert [o for _, o in worker.outcomes] == ["ok", "ok"]
    runs = store.list_runs("bright-dental", 10)
    assert len(runs) == 2 and sorted(r.counts["written"] for r in runs) == [0, 6]
    leads, _, _ = store.list_leads(sheet_id="bright-dental", page_size=100)
    assert len(leads) == 6
    # a delivery that overlaps a running one (lease held) skips without touching anything
    assert store.acquire_lease("bright-dental", "someone-else", datetime.now(UTC), 600)
    assert rt.worker.handle(msg) == "busy"
    store.release_lease("bright-dental", "someone-else")
    assert len(store.list_runs("bright-dental", 10)) == 2


def test_a_finished_manual_run_stays_finished(make_settings, store) -> None:
    """A duplicate delivery of a done sheet's message never sends the run back to running or queued."""
    rt = _samples(make_settings, store)
    started = rt.syncs.start(SyncRequest("bright-dental"))
    msg = SyncMessage("bright-dental", started.run_id, "manual").to_json()
    Worker.from_host_json(rt.queue, retry_delay=0).run_until_idle()  # type: ignore[arg-type]
    assert rt.syncs.status(started.run_id).state == "done"
    # the duplicate finds another run holding the sheet: it is deferred (put back), not recorded as queued
    assert store.acquire_lease("bright-dental", "someone-else", datetime.now(UTC), 600)
    assert rt.worker.handle(msg) == "deferred"
    job = rt.syncs.status(started.run_id)
    assert job.state == "done" and job.sheets[0].state == "done" and job.sheets[0].report is not None
    store.release_lease("bright-dental", "someone-else")
    # delivered again with the sheet free: done again, with the newer report
    assert rt.worker.handle(msg) == "done"
    assert rt.syncs.status(started.run_id).sheets[0].state == "done"


def test_job_progress_never_leaves_a_finished_state(azurite, queue_names) -> None:
    """The job store itself: queued/running/retrying after done or failed are ignored; done/failed replace each other."""
    from shared.adapters.job_table import TableJobStore

    jobs = TableJobStore(azurite.connection_string, queue_names[1])
    now = datetime.now(UTC)
    jobs.create_job("r", "manual", ["a", "b"], now)
    jobs.update_job_sheet("r", "a", "running", now)
    jobs.update_job_sheet("r", "a", "done", now, status="SUCCESS")
    for late in ("running", "queued", "retrying"):
        jobs.update_job_sheet("r", "a", late, now, error="late")
    jobs.update_job_sheet("r", "b", "failed", now, error="poisoned")
    jobs.update_job_sheet("r", "b", "done", now, status="WARNING")
    # a sheet the run does not list, or a run that does not exist: nothing is written (issue 18)
    assert jobs.update_job_sheet("r", "c", "running", now) is False
    assert jobs.update_job_sheet("nope", "a", "done", now, status="SUCCESS") is False
    got = {x.sheet_id: x for x in jobs.get_job("r").sheets}  # type: ignore[union-attr]
    assert (got["a"].state, got["a"].status, got["a"].error) == ("done", "SUCCESS", None)
    assert (got["b"].state, got["b"].status) == ("done", "WARNING")
    assert "c" not in got and jobs.get_job("nope") is None


def test_old_manual_runs_are_forgotten_by_the_purge_run(make_settings, store) -> None:
    """Runs older than a week go, every row of them; newer ones stay."""
    rt = _samples(make_settings, store)
    now = datetime.now(UTC)
    rt.jobs.create_job("old", "manual", [f"s{i}" for i in range(150)], now - timedelta(days=8))
    rt.jobs.create_job("new", "manual", ["a"], now - timedelta(days=6))
    assert rt.privacy.purge(now=now).runs_forgotten == 1
    assert rt.jobs.get_job("old") is None and rt.jobs.get_job("new") is not None
    assert rt.privacy.purge(now=now).runs_forgotten == 0


def test_malformed_message_is_reported_and_completed(make_settings, store, caplog) -> None:
    rt = _samples(make_settings, store)
    rt.queue.send("this is not json")
    rt.queue.send(json.dumps({"sheet": "../x", "run": "r"}))
    worker = Worker.from_host_json(rt.queue, retry_delay=0)  # type: ignore[arg-type]
    with caplog.at_level(logging.ERROR, logger="leadsync"):
        worker.run_until_idle()
    assert [o for _, o in worker.outcomes] == ["ok", "ok"], "completed, never retried"
    assert rt.queue.count() == 0 and rt.queue.count(poison=True) == 0  # type: ignore[attr-defined]
    assert sum("queue_message_malformed" in r.getMessage() for r in caplog.records) == 2


def test_poisoned_sheet_is_error_in_health_and_telemetry(make_settings, store, caplog) -> None:
    """A sheet failing transiently on every delivery goes to the poison queue; health says ERROR 'poisoned' with the last error."""
    source = FailingSource(SourceUnavailableError("Google Sheets kept failing after 4 attempts: HTTP 503"))
    rt = _samples(make_settings, store, _with_source(source))
    rt.jobs.create_job("r2", "timer", ["bright-dental", "acme-facebook"], datetime.now(UTC))
    rt.queue.send(SyncMessage("bright-dental", "r2", "timer").to_json())
    rt.queue.send(SyncMessage("acme-facebook", "r2", "timer").to_json())
    worker = Worker.from_host_json(rt.queue, retry_delay=0)  # type: ignore[arg-type]
    assert worker.max_dequeue == 5
    with caplog.at_level(logging.INFO, logger="leadsync"):
        worker.run_until_idle(timeout=60)
    outcomes = [o for _, o in worker.outcomes]
    assert outcomes.count("failed") == 5 and outcomes.count("poisoned") == 1 and outcomes.count("poison-read") == 1
    assert source.calls == 5
    state = store.get_state("bright-dental")
    assert state is not None and state.status == "ERROR" and state.reason_codes == ("poisoned",)
    assert "HTTP 503" in state.messages[0] and "To fix" in state.messages[0]
    assert "the worker last saw delivery 5" in state.messages[0], "the poison handler says which delivery count it saw"
    assert store.get_state("acme-facebook").status in ("SUCCESS", "WARNING"), "the other sheet is unaffected"
    rt.states_changed()
    health = rt.health.detail().doc
    entry = next(s for s in health["sheets"] if s["sheet_id"] == "bright-dental")
    assert entry["status"] == "ERROR" and "poisoned" in entry["reason_codes"]
    # emitted as the sheet-ERROR alert expects: event sheet_sync, status ERROR, reason_codes has poisoned
    records = [r for r in caplog.records if getattr(r, "event", None) == "sheet_sync" and r.sheet_id == "bright-dental"]  # type: ignore[attr-defined]
    assert records[-1].status == "ERROR" and "poisoned" in records[-1].reason_codes  # type: ignore[attr-defined]
    assert rt.queue.count() == 0 and rt.queue.count(poison=True) == 0  # type: ignore[attr-defined]


def test_poisoned_manual_run_shows_failed(make_settings, store) -> None:
    source = FailingSource(SourceUnavailableError("timed out"))
    rt = _samples(make_settings, store, _with_source(source))
    started = rt.syncs.start(SyncRequest("bright-dental"))
    assert started.run.sheets[0].state == "queued" and not started.finished
    Worker.from_host_json(rt.queue, retry_delay=0).run_until_idle(timeout=60)  # type: ignore[arg-type]
    sheet = rt.syncs.status(started.run_id).sheets[0]
    assert sheet.state == "failed" and sheet.error and "poisoned" in sheet.error and "timed out" in sheet.error


def test_rate_limited_sheet_is_put_back_with_a_delay(make_settings, store) -> None:
    """A 429 does not sleep in the function: the message comes back later with attempt + 1; the sheet is WARNING meanwhile."""
    source = FailingSource(SourceRateLimitedError("Google Sheets answered 429 (read quota): the sync is deferred"))
    rt = _samples(make_settings, store, _with_source(source))
    fn = registered("sync_queue")
    rt.jobs.create_job("r3", "timer", ["bright-dental"], datetime.now(UTC))
    rt.queue.send(SyncMessage("bright-dental", "r3", "timer").to_json())
    (m,) = rt.queue.receive(1)  # type: ignore[attr-defined]
    fn(as_function_message(m))  # returns: the host deletes the message
    rt.queue.delete(m)  # type: ignore[attr-defined]
    assert rt.queue.count() == 1 and rt.queue.receive(1) == [], "re-enqueued, invisible for its backoff"  # type: ignore[attr-defined]
    state = store.get_state("bright-dental")
    assert state.status == "WARNING" and "source_rate_limited" in state.reason_codes
    # the last allowed deferral turns into a retry by the queue instead
    with pytest.raises(Exception, match="transient"):
        rt.worker.handle(SyncMessage("bright-dental", "r3", "timer", attempt=6).to_json())


def test_unknown_sheet_message_completes(make_settings, store) -> None:
    """A run's sheet removed from the configuration before its message came: the message completes, the run says failed."""
    rt = _samples(make_settings, store)
    rt.jobs.create_job("r4", "manual", ["gone-sheet"], datetime.now(UTC))
    assert rt.worker.handle(SyncMessage("gone-sheet", "r4", "manual").to_json()) == "unknown"
    assert rt.syncs.status("r4").sheets[0].state == "failed"


def test_settings_choose_queue_and_credentials() -> None:
    """Queue name and keys come from settings; a bad one is a problem, never an exception."""
    key = {"client_email": "a@p.iam", "private_key": "k", "token_uri": "https://t", "project_id": "proj-a"}
    sheets = [
        {"id": "a", "customer": "A", "spreadsheet_id": "1AAAAAAAAAAAAA", "credential": "agency"},
        {"id": "b", "customer": "B", "spreadsheet_id": "1BBBBBBBBBBBBB", "credential": "typo"},
        {"id": "c", "customer": "C", "spreadsheet_id": "1CCCCCCCCCCCCC"},
    ]
    env = {
        "LEAD_SYNC_SHEETS": json.dumps(sheets),
        "GOOGLE_SERVICE_ACCOUNTS": json.dumps({"agency": key, "default": base64.b64encode(json.dumps(key).encode()).decode()}),
        "AzureWebJobsStorage": "UseDevelopmentStorage=true",
        "LEAD_SYNC_QUEUE": "my-sync",
    }
    s = load_settings(env)
    assert s.problems == () and s.queue_name == "my-sync" and s.poison_queue_name == "my-sync-poison"
    assert [x.id for x in s.sheets] == ["a", "c"] and s.broken[0].id == "b" and "typo" in s.broken[0].error
    assert s.credentials_for("agency")[0] == key and s.project_of("agency") == "proj-a" and s.google_credentials == key
    assert s.queue_target is not None and "QueueEndpoint=http://127.0.0.1:10001" in str(s.queue_target.connection_string)
    for bad in ({"LEAD_SYNC_QUEUE": "Bad--Name"}, {"GOOGLE_SERVICE_ACCOUNTS": "[1]"}, {"GOOGLE_SERVICE_ACCOUNTS": '{"x": 5}'}):
        assert load_settings(env | bad).problems, bad
    identity = load_settings({"AzureWebJobsStorage__accountName": "acct", "AzureWebJobsStorage__credential": "managedidentity"})
    assert identity.queue_target is not None and identity.queue_target.queue_endpoint == "https://acct.queue.core.windows.net"


# pure parts


@given(
    st.one_of(
        st.text(max_size=300),
        st.binary(max_size=300),
        st.dictionaries(
            st.text(max_size=8),
            st.recursive(
                st.none() | st.integers() | st.text(max_size=20) | st.booleans(),
                lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c, max_size=3),
                max_leaves=8,
            ),
            max_size=6,
        ).map(json.dumps),
    )
)
def test_message_parsing_never_crashes(raw) -> None:
    try:
        msg = parse_message(raw)
    except MessageError:
        pass
    else:
        assert parse_message(msg.to_json()) == msg
    sheet_of(raw)


@given(
    st.from_regex(r"[A-Za-z0-9_-]{1,64}", fullmatch=True),
    st.from_regex(r"[A-Za-z0-9_-]{1,64}", fullmatch=True),
    st.sampled_from(["timer", "manual"]),
    st.integers(0, 100),
)
def test_message_round_trip(sheet, run, trigger, attempt) -> None:
    msg = SyncMessage(sheet, run, trigger, attempt)
    assert parse_message(msg.to_json().encode()) == msg and sheet_of(msg.to_json()) == sheet


@given(
    st.lists(st.tuples(st.integers(0, 5), st.integers(0, 1)), min_size=1, max_size=400),
    st.sampled_from([0, 60, 300, 900, 1800]),
)
def test_plan_keeps_every_budget(assignments, interval) -> None:
    reads = [Read(f"s{i}", f"c{c}", f"p{p}") for i, (c, p) in enumerate(assignments)]
    plan = plan_reads(reads, interval, 60, 300)
    assert set(plan.delays) == {r.sheet_id for r in reads}
    for key in ("credential", "project"):
        groups: dict[str, list[float]] = {}
        for r in reads:
            groups.setdefault(getattr(r, key), []).append(plan.delays[r.sheet_id])
        limit = 60 if key == "credential" else 300
        assert all(max_in_window(v) <= limit for v in groups.values())
    assert plan_reads(reads, interval, 60, 300).delays == plan.delays, "deterministic"


def test_plan_spreads_reads_over_the_interval() -> None:
    reads = [Read(f"s{i}", f"c{i % 2}") for i in range(100)]
    plan = plan_reads(reads, 900)
    assert plan.fits and max(plan.delays.values()) < 900 * 0.9 and min(plan.delays.values()) == 0
    assert max_in_window(list(plan.delays.values())) < 20, "spread, not a burst of 100"
    crowded = plan_reads([Read(f"s{i}") for i in range(2000)], 900)
    assert not crowded.fits and crowded.needed_seconds > 900


def test_backoff_grows_and_is_capped() -> None:
    assert backoff_seconds(0, jitter=1) == 30 and backoff_seconds(1, jitter=1) == 60 and backoff_seconds(10, jitter=1) == 600
    assert backoff_seconds(3, jitter=0) == 120


def test_full_checks_spread_over_the_day() -> None:
    """Each sheet's daily full comparison falls at its own time; at most once a day after the first."""
    offsets = [day_offset(f"sheet-{i}").total_seconds() // 3600 for i in range(2400)]
    assert len(set(offsets)) == 24 and max(offsets.count(h) for h in range(24)) < 2400 / 24 * 1.5
    now = datetime(2026, 11, 30, 12, tzinfo=UTC)
    assert full_check_due("x", None, now)
    assert full_check_due("x", now - timedelta(hours=24), now)
    due_times = [now + timedelta(minutes=15 * k) for k in range(96 * 2)]
    last, checks = now - timedelta(hours=23), 0
    for t in due_times:
        if full_check_due("x", last, t):
            last, checks = t, checks + 1
    assert checks in (2, 3)


def test_health_warns_when_the_sheets_cannot_fit_the_interval() -> None:
    from shared.config import Settings

    sheets = tuple(SheetConfig(id=f"g{i}", customer="C", spreadsheet_id=f"1{i:013d}") for i in range(900))
    crowded = Runtime(Settings(sheets=sheets, sync_schedule="0 */15 * * * *", storage_connection="x"), environ={})
    assert any("add service accounts" in w for w in crowded.health._pacing_warnings())
    fine = Runtime(Settings(sheets=sheets[:500], sync_schedule="0 */15 * * * *", storage_connection="x"), environ={})
    assert fine.health._pacing_warnings() == []


def test_unknown_run_before_any_manual_sync_is_404_not_503(make_settings, store) -> None:
    """No jobs table yet (no manual sync ever): a run id is simply unknown; the reader creates nothing."""
    from shared.errors import UnknownRunError

    rt = _samples(make_settings, store)
    with pytest.raises(UnknownRunError):
        rt.syncs.status("abc")
    assert rt.settings.jobs_table not in {t.name for t in store.service.list_tables()}


def test_sheet_list_from_a_table(azurite, make_settings, monkeypatch, tmp_path) -> None:
    """LEAD_SYNC_SHEETS_TABLE: thousands of entries, validated like the setting, re-read while the app runs."""
    import uuid

    import shared.service.root as service
    from shared.adapters.sheet_table import write_sheet_entries
    from shared.cli import main as cli
    from shared.config import StorageTarget

    table = f"sheets{uuid.uuid4().hex[:8]}"
    env = {"LEAD_SYNC_SHEETS_TABLE": table, "LEAD_SYNC_STORAGE": azurite.connection_string}
    assert load_settings(env).problems == () and load_settings(env).sheets_table == table
    missing = Runtime(make_settings(sheets_table=table), environ={})
    assert missing.settings.sheets == () and any("does not exist" in p for p in missing.settings.problems)

    entries = [{"id": f"s{i:04d}", "customer": f"C{i % 7}", "spreadsheet_id": f"1{i:013d}"} for i in range(1200)]
    path = tmp_path / "sheets.json"
    path.write_text(json.dumps(entries + [{"id": "bad", "customer": "X"}]))
    monkeypatch.setenv("LEAD_SYNC_SHEETS_TABLE", table)
    monkeypatch.setenv("LEAD_SYNC_STORAGE", azurite.connection_string)
    monkeypatch.delenv("LEAD_SYNC_SHEETS", raising=False)
    assert cli(["sheets-import", str(path)]) == 1, "an invalid entry refuses the whole import"
    path.write_text(json.dumps(entries))
    assert cli(["sheets-import", str(path)]) == 0
    write_sheet_entries(StorageTarget(connection_string=azurite.connection_string), table, [{"id": "broken", "customer": "B"}])

    rt = Runtime(make_settings(sheets_table=table), environ={})
    assert len(rt.settings.sheets) == 1200 and [b.id for b in rt.settings.broken] == ["broken"]
    assert not any(p.startswith("LEAD_SYNC_SHEETS_TABLE") for p in rt.settings.problems)
    write_sheet_entries(
        StorageTarget(connection_string=azurite.connection_string),
        table,
        [{"id": "zz-new", "customer": "N", "spreadsheet_id": "1NNNNNNNNNNNNN"}],
    )
    assert rt.settings.sheet("zz-new") is None, "read again only after a while"
    monkeypatch.setattr(service, "SHEETS_TABLE_SECONDS", 0.0)
    assert rt.settings.sheet("zz-new") is not None and len(rt.settings.sheets) == 1201
    twin = {"id": "zz-twin", "customer": "N", "spreadsheet_id": "1NNNNNNNNNNNNN"}  # same spreadsheet: one config problem
    write_sheet_entries(StorageTarget(connection_string=azurite.connection_string), table, [twin])
    for _ in range(3):
        assert sum("reads the same" in p for p in rt.settings.problems) == 1, "re-reads replace the list's problems, never pile them up"


def test_guard_and_approval_work_through_the_queue(make_settings, store, tmp_path) -> None:
    """A drop is blocked on the queue path (completed, never retried or poisoned), nothing is written; the approved change applies once."""

    from tests.conftest import csv_sheet

    path = tmp_path / "t.csv"
    write_rows(path, TWENTY_PEOPLE)
    rt = Runtime(make_settings(csv_sheet("t", path)), environ={}, store=store)
    set_runtime(rt)
    worker = Worker.from_host_json(rt.queue, retry_delay=0)  # type: ignore[arg-type]
    rt.syncs.enqueue("timer")
    worker.run_until_idle()
    write_rows(path, TWENTY_PEOPLE[:2])
    rt.syncs.enqueue("timer")
    worker.run_until_idle()
    state = store.get_state("t")
    assert state.status == "ERROR" and "guard_blocked" in state.reason_codes and state.blocked is not None
    assert [o for _, o in worker.outcomes] == ["ok", "ok"], "a blocked sync is an answer, not a failure to retry"
    live = [x for x in store.list_leads(sheet_id="t", page_size=100)[0] if not x.get("deleted")]
    assert len(live) == 20, "nothing written while blocked"
    rt.approvals.approve(ApprovalRequest("t", state.blocked.id, "ops", "list cleaned"))
    rt.syncs.enqueue("timer")
    worker.run_until_idle()
    after = store.get_state("t")
    assert after.status == "SUCCESS" and "approved" in after.reason_codes
    leads = store.list_leads(sheet_id="t", page_size=100, include_deleted=True)[0]
    assert len(leads) == 20 and sum(1 for x in leads if x.get("deleted")) == 19, "soft-deleted, kept"


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=12),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c, max_size=3),
    max_leaves=6,
)


@given(body_wait=JSONISH, query_wait=st.one_of(st.none(), st.text(max_size=30)), one=st.booleans())
def test_wait_parsing_is_a_400_or_a_number_never_a_crash(body_wait, query_wait, one) -> None:
    import azure.functions as func

    from shared.errors import InvalidRequestError
    from shared.web import MAX_WAIT, parse_sync_request

    body = {"sheet": "acme"} if one else {"all": True}
    body["wait"] = body_wait
    params = {"wait": query_wait} if query_wait is not None else {}
    for b in (body, {k: v for k, v in body.items() if k != "wait"}):
        req = func.HttpRequest(method="POST", url="/api/leads/sync", params=params, body=json.dumps(b).encode())
        try:
            parsed = parse_sync_request(req)
        except InvalidRequestError:
            continue
        assert 0 <= parsed.wait <= MAX_WAIT and (parsed.sheet_id is not None or parsed.wait == 0)


def test_a_progress_update_that_keeps_losing_its_race_says_so(azurite, queue_names) -> None:
    """The ETag-guarded update gives up after a few lost races with an error, which the use case logs (ids only)."""
    from azure.core.exceptions import ResourceModifiedError

    from shared.adapters.job_table import TableJobStore
    from shared.errors import StoreError

    jobs = TableJobStore(azurite.connection_string, queue_names[1])
    jobs.create_job("r", "manual", ["a"], datetime.now(UTC))

    def lose(*_a, **_k):
        raise ResourceModifiedError("changed")

    jobs.table.update_entity = lose  # type: ignore[method-assign]
    with pytest.raises(StoreError, match="changed under this update"):
        jobs.update_job_sheet("r", "a", "running", datetime.now(UTC))
