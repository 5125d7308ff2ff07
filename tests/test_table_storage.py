"""The Table Storage store against Azurite."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.adapters.table_codec import decode_token
from shared.adapters.table_storage import MAX_BATCH, TableLeadStore, _batches
from shared.config import SheetConfig
from shared.core.identity import assign_keys
from shared.core.models import Lead
from shared.core.state import RunSummary, SheetState
from shared.errors import StoreError

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
SHEET = SheetConfig(id="s1", customer="Acme", source="csv", path="x.csv")


def _leads(n: int, **extra: str) -> list:
    keyed, _ = assign_keys([Lead(i, {"email": f"u{i}@example.com", "full_name": f"User {i}"}, dict(extra)) for i in range(n)])
    return keyed


def test_write_and_index_round_trip(store: TableLeadStore) -> None:
    """Written leads come back in the index with their fingerprints."""
    keyed = _leads(3)
    assert store.write_leads(SHEET, keyed, NOW) == 3
    index = store.load_index("s1")
    assert {k: v.fingerprint for k, v in index.items()} == {k.key: k.fingerprint for k in keyed}
    assert not any(v.deleted for v in index.values())


def test_writes_are_batched_by_100(store: TableLeadStore) -> None:
    """250 leads go in three transactions (Azurite and Azure refuse more than 100)."""
    keyed = _leads(250)
    ops = [("upsert", {"PartitionKey": "p", "RowKey": k.key}, {}) for k in keyed]
    assert [len(b) for b in _batches(iter(ops))] == [MAX_BATCH, MAX_BATCH, 50]
    assert store.write_leads(SHEET, keyed, NOW) == 250
    assert len(store.load_index("s1")) == 250


def test_big_extra_data_is_split_and_joined(store: TableLeadStore) -> None:
    """Extra data over the 64 KiB property limit is split over properties and read back whole."""
    big = "x" * 70_000
    keyed = _leads(1, notes_long=big)
    store.write_leads(SHEET, keyed, NOW)
    items, _, _ = store.list_leads(sheet_id="s1")
    assert items[0]["extra"] == {"notes_long": big}


def test_soft_delete_hides_and_keeps(store: TableLeadStore) -> None:
    """A soft-deleted lead is hidden by default, listed with include_deleted, never erased."""
    keyed = _leads(2)
    store.write_leads(SHEET, keyed, NOW)
    store.soft_delete("s1", [keyed[0].key], NOW)
    visible, _, _ = store.list_leads(sheet_id="s1")
    everything, _, _ = store.list_leads(sheet_id="s1", include_deleted=True)
    assert [i["id"] for i in visible] == [keyed[1].key]
    gone = next(i for i in everything if i["id"] == keyed[0].key)
    assert gone["deleted"] is True and gone["deleted_at"] and gone["email"] == "u0@example.com"


def test_paging_with_continuation_token(store: TableLeadStore) -> None:
    """Pages of 40 cover all 100 leads exactly once, with an opaque token between pages."""
    store.write_leads(SHEET, _leads(100), NOW)
    seen, token, pages = [], None, 0
    while True:
        items, token, _ = store.list_leads(sheet_id="s1", page_size=40, token=token)
        seen += [i["id"] for i in items]
        pages += 1
        if not token:
            break
        assert isinstance(decode_token(token, extra_keys=("s", "w")), dict)
    assert pages == 3 and len(seen) == len(set(seen)) == 100


def test_list_by_customer_across_sheets(store: TableLeadStore) -> None:
    """A customer's leads are listed across their sheets."""
    other = SheetConfig(id="s2", customer="Acme", source="csv", path="y.csv")
    stranger = SheetConfig(id="s3", customer="Globex", source="csv", path="z.csv")
    store.write_leads(SHEET, _leads(2), NOW)
    store.write_leads(other, _leads(3), NOW)
    store.write_leads(stranger, _leads(4), NOW)
    items, _, _ = store.list_leads(customer="Acme", page_size=100)
    assert len(items) == 5 and {i["customer"] for i in items} == {"Acme"}


def test_bad_token_is_a_clear_error(store: TableLeadStore) -> None:
    """A mangled continuation token is refused with ValueError (HTTP 400), not a crash."""
    with pytest.raises(ValueError, match="invalid continuation token"):
        store.list_leads(sheet_id="s1", token="not-a-token!")


def test_lease_excludes_a_second_owner_until_expiry(store: TableLeadStore) -> None:
    """One owner at a time; an expired lease can be taken over; release frees it."""
    assert store.acquire_lease("s1", "a", NOW, 60)
    assert not store.acquire_lease("s1", "b", NOW + timedelta(seconds=30), 60)
    assert store.acquire_lease("s1", "b", NOW + timedelta(seconds=61), 60)
    store.release_lease("s1", "b")
    assert store.acquire_lease("s1", "c", NOW + timedelta(seconds=62), 60)


def test_state_and_runs_round_trip(store: TableLeadStore) -> None:
    """State keeps nested values; runs come back newest first."""
    store.save_state(SheetState("s1", status="SUCCESS", counts={"added": 2}, messages=("ok",)))
    state = store.get_state("s1")
    assert state.status == "SUCCESS" and state.counts == {"added": 2} and state.messages == ("ok",)
    for i in range(3):
        store.add_run("s1", RunSummary(NOW + timedelta(minutes=i), "SUCCESS", counts={"n": i}, run_id=f"r{i}"))
    runs = store.list_runs("s1", 2)
    assert [r.counts["n"] for r in runs] == [2, 1]


def test_unreachable_storage_raises_store_error() -> None:
    """A store whose Azurite is gone raises StoreError (after azure-core's retries)."""
    s = TableLeadStore(
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;",
        retry_total=0,
    )
    with pytest.raises(StoreError):
        s.load_index("s1")


def test_prune_runs_keeps_recent_history(store: TableLeadStore) -> None:
    """Runs older than the cut-off are removed; newer ones stay, newest first."""
    for days in (40, 35, 5, 1):
        store.add_run("s1", RunSummary(NOW - timedelta(days=days), "SUCCESS", run_id=f"d{days}"))
    assert store.prune_runs("s1", NOW - timedelta(days=30)) == 2
    assert [r.run_id for r in store.list_runs("s1", 10)] == ["d1", "d5"]


def test_storage_hiccup_is_retried_transparently(tmp_path) -> None:
    """Azurite frozen for a few seconds mid-write: azure-core's retries carry the write through."""
    import threading

    from scripts.azurite import Azurite

    with Azurite(queue=False) as az:
        s = TableLeadStore(
            az.connection_string, read_timeout=1, connection_timeout=1, retry_total=5, retry_backoff_factor=0.2, retry_backoff_max=1
        )
        s.ensure_tables()
        az.pause()
        timer = threading.Timer(2.5, az.resume)
        timer.start()
        try:
            assert s.write_leads(SHEET, _leads(150), NOW) == 150
        finally:
            timer.join()
        assert len(s.load_index("s1")) == 150


def test_updated_since_returns_changes_and_deletions(store: TableLeadStore) -> None:
    """An incremental reader gets leads committed after a time (storage's own commit time), and soft
    deletions with include_deleted; every page of a walk carries the same watermark."""
    import time

    keyed = _leads(3)
    store.write_leads(SHEET, keyed[:2], NOW)
    time.sleep(0.05)
    since = datetime.now(UTC)
    time.sleep(0.05)
    store.write_leads(SHEET, keyed[2:], NOW)
    store.soft_delete("s1", [keyed[0].key], NOW)
    changed, _, mark = store.list_leads(sheet_id="s1", updated_since=since)
    assert mark is not None and datetime.fromisoformat(mark) < datetime.now(UTC) - timedelta(seconds=30)
    assert [i["id"] for i in changed] == [keyed[2].key]
    with_deleted, _, _ = store.list_leads(sheet_id="s1", updated_since=since, include_deleted=True)
    assert {i["id"] for i in with_deleted} == {keyed[0].key, keyed[2].key}


def test_store_retries_with_jitter(store: TableLeadStore) -> None:
    """The store's pipeline uses the jittered policy, whose waits fall in [backoff / 2, backoff]."""
    from shared.adapters.table_client import JitteredRetryPolicy

    policies = store.service._policies  # the pipeline its table clients share
    retry = next(p for p in policies if isinstance(p, JitteredRetryPolicy))
    settings = retry.configure_retries({})
    settings["history"] = [object()] * 4  # three consecutive failures so far
    waits = {retry.get_backoff_time(settings) for _ in range(50)}
    base = min(settings["max_backoff"], settings["backoff"] * 2**3)
    assert all(base / 2 <= w <= base for w in waits) and len(waits) > 1


def test_long_field_and_invalid_values_round_trip(store: TableLeadStore) -> None:
    """A 45,000-character note (a Sheets cell holds up to 50,000) and a long invalid value survive whole."""
    note = "n" * 45_000
    bad_phone = "9" * 40_000
    keyed, _ = assign_keys([Lead(0, {"email": "long@example.com", "notes": note}, {}, {"phone": bad_phone})])
    store.write_leads(SHEET, keyed, NOW)
    items, _, _ = store.list_leads(sheet_id="s1")
    assert items[0]["notes"] == note and items[0]["invalid"] == {"phone": bad_phone}


def test_secondary_contacts_round_trip(store: TableLeadStore) -> None:
    """A lead's further phones come back as a list with their columns; leads without them have no such key."""
    phones = '[{"column":"Mobile","value":"+447911123456"},{"column":"Work","value":"+441134960456"}]'
    keyed, _ = assign_keys(
        [Lead(0, {"email": "two@example.com", "phone": "+447911123456", "phones": phones}, {}), Lead(1, {"email": "one@example.com"}, {})]
    )
    store.write_leads(SHEET, keyed, NOW)
    items, _, _ = store.list_leads(sheet_id="s1")
    by_email = {i["email"]: i for i in items}
    assert by_email["two@example.com"]["phones"] == [
        {"column": "Mobile", "value": "+447911123456"},
        {"column": "Work", "value": "+441134960456"},
    ]
    assert "phones" not in by_email["one@example.com"]


def test_a_walk_survives_a_sheet_list_that_changes_between_pages(store: TableLeadStore) -> None:
    """Tokens name the sheet a page stopped in: removing or adding a sheet mid-walk shifts nothing,
    and every sheet present from start to end is read whole, once."""
    for sid in ("a", "c", "e"):
        store.write_leads(SheetConfig(id=sid, customer="Acme", source="csv", path=f"{sid}.csv"), _leads(5), NOW)
    items, token, _ = store.list_leads(sheet_ids=["e", "a", "c"], page_size=7)
    seen = [(i["sheet_id"], i["id"]) for i in items]
    assert [s for s, _ in seen] == ["a"] * 5 + ["c"] * 2 and token
    # "a" removed and "b" (no leads) added to the configuration before the next page
    while token:
        items, token, _ = store.list_leads(sheet_ids=["c", "b", "e"], page_size=7, token=token)
        seen += [(i["sheet_id"], i["id"]) for i in items]
    assert len(seen) == len(set(seen)) == 15
    assert sorted({s for s, _ in seen}) == ["a", "c", "e"]
