"""
The transactional outbox (issue 22): every lead change commits in the same entity-group
transaction as an outbox entity that lists it, numbered per sheet; nothing commits without its
events and no event exists for a change that did not commit. Against Azurite.
"""

from __future__ import annotations

import csv
import threading
from datetime import UTC, datetime

import pytest
from azure.core.exceptions import ServiceRequestError

from shared.adapters.csv_source import CsvSource
from shared.adapters.table_storage import TableLeadStore
from shared.core.events import SEQUENCE_ROW
from shared.core.leadquery import LeadFilter
from shared.errors import StoreError
from shared.sync import sync_sheet
from tests.conftest import csv_sheet


def _write(path, rows) -> None:
    with path.open("w", newline="") as f:
        csv.writer(f).writerows([["Name", "Email", "Phone"], *rows])


def _rows(n: int, start: int = 0, tag: str = "") -> list[list[str]]:
    return [[f"U {i}{tag}", f"u{i}@example.com", f"07911 {100000 + i}"] for i in range(start, start + n)]


def _events(store: TableLeadStore, sheet: str) -> list[tuple[int, str, str]]:
    return [(e.sequence, e.kind, e.lead_id) for entry in store.read_outbox(sheet, limit=10_000) for e in entry.events]


def _sync(tmp_path, store, make_settings):
    sheet = csv_sheet("d", tmp_path / "d.csv")
    settings = make_settings(sheet)
    return lambda: sync_sheet(sheet, CsvSource(tmp_path), store, settings)


def test_every_change_of_a_sync_is_an_event_numbered_in_commit_order(tmp_path, store, make_settings) -> None:
    _write(tmp_path / "d.csv", _rows(250))
    sync = _sync(tmp_path, store, make_settings)
    assert sync().added == 250
    events = _events(store, "d")
    live = {k for k, v in store.load_index("d").items() if not v.deleted}
    assert [s for s, _, _ in events] == list(range(1, 251)), "numbered 1..n without gaps"
    assert {k for _, kind, k in events if kind == "created"} == live and len(events) == 250
    assert len(store.read_outbox("d", limit=100)) == 3, "one outbox entity per transaction (98 leads each), not one per lead"
    assert store.event_sequence("d") == 250

    # one row changed, one removed; then the removed one comes back
    rows = _rows(250)
    rows[0][0] = "Renamed Person"
    gone = rows.pop(5)
    _write(tmp_path / "d.csv", rows)
    report = sync()
    assert (report.updated, report.deleted) == (1, 1)
    later = _events(store, "d")[250:]
    assert [(s, kind) for s, kind, _ in later] == [(251, "updated"), (252, "deleted")]
    _write(tmp_path / "d.csv", [*rows, gone])
    assert sync().restored == 1
    assert [(s, kind) for s, kind, _ in _events(store, "d")[252:]] == [(253, "restored")]


def test_the_outbox_is_never_served_as_a_lead(tmp_path, store, make_settings) -> None:
    _write(tmp_path / "d.csv", _rows(3))
    assert _sync(tmp_path, store, make_settings)().added == 3
    assert len(store.load_index("d")) == 3
    for include in (True, False):
        items, _, _ = store.list_leads(sheet_id="d", include_deleted=include)
        assert len(items) == 3
        items, _, _ = store.list_leads(include_deleted=include)
        assert len(items) == 3
    assert len(store.scan_leads(["d"], LeadFilter(include_deleted=True))) == 3
    assert store.get_lead("d", SEQUENCE_ROW) is None
    assert store.get_lead("d", store.read_outbox("d")[0].row) is None
    assert len(list(store.find_contacts())) == 3
    assert store.count_active("d") == 3


def test_writers_of_one_sheet_at_once_share_one_gapless_sequence(azurite, tables) -> None:
    """A sync and an erasure (two processes) write one partition at once: the counter's ETag serialises them."""
    sheet = csv_sheet("d", "unused.csv")
    stores = [TableLeadStore(azurite.connection_string, *tables) for _ in range(4)]
    stores[0].ensure_tables()
    now = datetime.now(UTC)
    errors: list[BaseException] = []

    def writer(i: int, s: TableLeadStore) -> None:
        try:
            for j in range(5):
                keys = [f"k{i}-{j}-{n}" for n in range(30)]
                s.merge_leads("d", keys, {"deleted": False, "fp": "x"}, kind="updated", now=now)
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(i, s)) for i, s in enumerate(stores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    events = _events(stores[0], sheet.id)
    assert [s for s, _, _ in events] == list(range(1, 4 * 5 * 30 + 1))
    assert sorted(k for _, _, k in events) == sorted(f"k{i}-{j}-{n}" for i in range(4) for j in range(5) for n in range(30))


def test_a_refused_batch_writes_neither_leads_nor_events(store) -> None:
    now = datetime.now(UTC)
    store.merge_leads("d", ["a", "b"], {"deleted": False}, now=now)
    with pytest.raises(StoreError):
        # an entity over the service's 1 MiB limit: the whole transaction is refused
        store.merge_leads("d", ["c", "d"], {"deleted": False, "big": "x" * 700_000}, now=now)
    assert set(store.load_index("d")) == {"a", "b"}
    assert [(s, k) for s, _, k in _events(store, "d")] == [(1, "a"), (2, "b")]


def test_a_batch_that_committed_but_lost_its_answer_is_not_written_twice(store) -> None:
    """The SDK retries a timed-out transaction; the retry finds the counter moved (412): the batch id says it landed."""
    real = store.leads.submit_transaction
    calls: list[int] = []

    def commit_then_retry(ops, **kw):
        calls.append(len(ops))
        if len(calls) == 1:
            real(ops, **kw)  # it commits, but its answer is lost; the retry is then refused
        return real(ops, **kw)

    store.leads.submit_transaction = commit_then_retry
    try:
        store.merge_leads("d", ["a", "b", "c"], {"deleted": False}, now=datetime.now(UTC))
        store.merge_leads("d", ["e"], {"deleted": False}, now=datetime.now(UTC))
    finally:
        store.leads.submit_transaction = real
    assert [(s, k) for s, _, k in _events(store, "d")] == [(1, "a"), (2, "b"), (3, "c"), (4, "e")]


def test_a_timeout_without_commit_raises_and_writes_nothing(store) -> None:
    real = store.leads.submit_transaction

    def timeout(ops, **kw):
        raise ServiceRequestError("timed out")

    store.leads.submit_transaction = timeout
    try:
        with pytest.raises(StoreError):
            store.merge_leads("d", ["a"], {"deleted": False}, now=datetime.now(UTC))
    finally:
        store.leads.submit_transaction = real
    assert store.load_index("d") == {} and _events(store, "d") == []


def test_erasure_records_erased_and_blanks_the_persons_earlier_events(tmp_path, store, make_settings) -> None:
    _write(tmp_path / "d.csv", _rows(4))
    assert _sync(tmp_path, store, make_settings)().added == 4
    victim = sorted(store.load_index("d"))[0]
    victim_seq = next(s for s, _, k in _events(store, "d") if k == victim)
    assert store.delete_leads("d", [victim, victim, "never-there"], "erased") == 2
    events = _events(store, "d")
    assert [k for _, kind, k in events if kind == "created"].count(victim) == 0, "their created event is gone"
    assert events[-1] == (5, "erased", victim), "lead.erased (ids only) follows; the blanked number stays used"
    assert [s for s, _, _ in events] == [s for s in range(1, 6) if s != victim_seq]
    # erasing again is idempotent: no second event
    store.delete_leads("d", [victim], "erased")
    assert len(_events(store, "d")) == 4
    # the purge of soft-deleted leads is a purge event
    other = sorted(store.load_index("d"))[0]
    store.delete_leads("d", [other], "purged")
    assert _events(store, "d")[-1][1:] == ("purged", other)


def test_blanking_keeps_every_other_events_number(store) -> None:
    now = datetime.now(UTC)
    store.merge_leads("d", ["a", "b", "c", "e"], {"deleted": False}, now=now)
    store.forget_events("d", ["b"])
    store.forget_events("d", ["a"])
    assert [(s, k) for s, _, k in _events(store, "d")] == [(3, "c"), (4, "e")]


def test_a_lost_answer_is_recognised_after_the_dispatcher_took_the_outbox_row(store) -> None:
    """The batch landed, a dispatcher handed its outbox row on and deleted it, then the SDK's retry was refused: not written twice."""
    real = store.leads.submit_transaction
    calls: list[int] = []

    def commit_dispatch_then_retry(ops, **kw):
        calls.append(len(ops))
        if len(calls) == 1:
            real(ops, **kw)
            for entry in store.read_outbox("d"):  # the dispatcher was quick
                store.drop_outbox("d", entry.row, entry.etag)
        return real(ops, **kw)

    store.leads.submit_transaction = commit_dispatch_then_retry
    try:
        store.merge_leads("d", ["a", "b"], {"deleted": False}, now=datetime.now(UTC))
    finally:
        store.leads.submit_transaction = real
    assert store.event_sequence("d") == 2, "the counter moved once: no second events for the same writes"
    assert _events(store, "d") == []
