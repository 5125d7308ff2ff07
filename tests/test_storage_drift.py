"""
Leads changed in the table behind the app's back (issue 18): an unchanged sheet's run checks one
slice of the stored index against the sheet (the whole index of a sheet of up to a slice), and
a difference makes it compare in full at once instead of waiting for the daily full comparison,
restoring what was lost. Successive runs check successive slices (issue 20: a run of an
unchanged sheet no longer reads every stored key).
"""

from __future__ import annotations

import csv

import pytest
from azure.data.tables import UpdateMode

from shared import sync as sync_module
from shared.adapters.csv_source import CsvSource
from shared.sync import sync_sheet
from tests.conftest import csv_sheet


def _setup(tmp_path, store, make_settings, n: int = 20):
    path = tmp_path / "d.csv"
    with path.open("w", newline="") as f:
        csv.writer(f).writerows([["Name", "Email", "Phone"], *[[f"U {i}", f"u{i}@example.com", f"07911 {100000 + i}"] for i in range(n)]])
    sheet = csv_sheet("d", path)
    settings = make_settings(sheet)

    def sync():
        return sync_sheet(sheet, CsvSource(tmp_path), store, settings)

    return sync


def _live(store) -> set[str]:
    index = type(store).load_index(store, "d")  # not through a test's counting wrapper
    return {k for k, v in index.items() if not v.deleted}


@pytest.mark.parametrize("how", ["delete one", "delete five", "delete all", "mark deleted", "add a stray row"])
def test_the_next_run_notices_leads_changed_behind_its_back(tmp_path, store, make_settings, how: str) -> None:
    """The sheet is unchanged, but storage was: the next run compares in full, says so, and the stored leads match the sheet again."""
    sync = _setup(tmp_path, store, make_settings)
    assert sync().added == 20
    assert sync().guard["code"] == "unchanged"  # the shortcut: an unchanged sheet is not compared
    before = _live(store)
    keys = sorted(before)
    if how.startswith("delete"):
        n = {"delete one": 1, "delete five": 5, "delete all": 20}[how]
        for k in keys[:n]:
            store.leads.delete_entity("d", k)
    elif how == "mark deleted":
        store.leads.upsert_entity({"PartitionKey": "d", "RowKey": keys[3], "deleted": True}, mode=UpdateMode.MERGE)
    else:
        store.leads.upsert_entity({"PartitionKey": "d", "RowKey": "stray", "deleted": False, "fp": "x"}, mode=UpdateMode.REPLACE)
    report = sync()
    assert "storage_drift" in report.reason_codes and report.status == "WARNING"
    assert report.guard["code"] != "unchanged"
    assert _live(store) == before, "every lead of the sheet is live again, nothing else is"
    assert "storage_drift" not in sync().reason_codes, "repaired: the next run takes the shortcut again"


def _slices(monkeypatch, store, size: int) -> tuple[list[int], list[str]]:
    """Slices of ``size`` stored leads; returns the sizes of the slices read and the sheets whose index was read in full."""
    monkeypatch.setattr(sync_module, "CHECK_SLICE", size)
    reads: list[int] = []
    full: list[str] = []
    index_page, load_index = store.index_page, store.load_index

    def page(sheet_id: str, after: str, limit: int):
        out = index_page(sheet_id, after, limit)
        reads.append(len(out[0]))
        return out

    monkeypatch.setattr(store, "index_page", page)
    monkeypatch.setattr(store, "load_index", lambda sheet_id, *more: full.append(sheet_id) or load_index(sheet_id, *more))
    return reads, full


def test_a_sheet_larger_than_a_slice_is_checked_slice_by_slice_until_a_deletion_is_found(
    tmp_path, store, make_settings, monkeypatch
) -> None:
    """Each unchanged run reads one slice (here 5 of 20 stored leads), never the whole index; a lead
    deleted behind the app's back is found when its slice's turn comes, within a rotation."""
    sync = _setup(tmp_path, store, make_settings)
    assert sync().added == 20
    reads, full = _slices(monkeypatch, store, 5)
    for _ in range(6):
        report = sync()
        assert report.guard["code"] == "unchanged" and report.written == 0 and report.reason_codes == []
    assert full == [] and reads and max(reads) <= 5 and len(reads) == 6
    for victim in (sorted(_live(store))[-1], sorted(_live(store))[0], sorted(_live(store))[9]):
        store.leads.delete_entity("d", victim)
        runs = []
        while len(runs) < 6 and (not runs or "storage_drift" not in runs[-1].reason_codes):
            runs.append(sync())
        assert "storage_drift" in runs[-1].reason_codes and len(runs) <= 5, "found within a rotation (4 slices, one more to wrap)"
        assert all(r.guard["code"] == "unchanged" for r in runs[:-1])
        assert victim in _live(store) and len(_live(store)) == 20 and full == ["d"]
        full.clear()


@pytest.mark.parametrize("how", ["delete all", "delete every other", "mark all deleted"])
def test_a_change_that_reaches_every_slice_is_found_by_the_next_run(tmp_path, store, make_settings, monkeypatch, how: str) -> None:
    sync = _setup(tmp_path, store, make_settings)
    sync()
    _, full = _slices(monkeypatch, store, 5)
    for _ in range(3):  # the cursor somewhere in the middle
        sync()
    keys = sorted(_live(store))
    for k in keys if how != "delete every other" else keys[::2]:
        if how == "mark all deleted":
            store.leads.upsert_entity({"PartitionKey": "d", "RowKey": k, "deleted": True}, mode=UpdateMode.MERGE)
        else:
            store.leads.delete_entity("d", k)
    report = sync()
    assert "storage_drift" in report.reason_codes and full == ["d"] and _live(store) == set(keys)


@pytest.mark.parametrize("lookups", [60, 0], ids=["looked up", "counted"])
def test_leads_that_kept_an_older_id_are_not_drift_but_their_deletion_is(tmp_path, store, make_settings, monkeypatch, lookups: int) -> None:
    """A lead whose email changed keeps its stored id, so the sheet's key for it is stored under
    another key: the slices look it up (or, past ``MAX_CARRIED_LOOKUPS``, count the live leads)
    and report nothing, rotation after rotation; deleting that lead is still found."""
    path = tmp_path / "d.csv"
    rows = [["Name", "Email", "Phone"], *[[f"User {chr(65 + i)}", f"u{i}@example.com", f"07911 {100000 + i}"] for i in range(20)]]
    with path.open("w", newline="") as f:
        csv.writer(f).writerows(rows)
    sheet = csv_sheet("d", path)
    settings = make_settings(sheet)

    def sync():
        return sync_sheet(sheet, CsvSource(tmp_path), store, settings)

    sync()
    for i in (2, 11, 17):
        rows[1 + i][1] = f"user{i}@newfirm.example"
    with path.open("w", newline="") as f:
        csv.writer(f).writerows(rows)
    assert sync().carried == 3
    monkeypatch.setattr(sync_module, "MAX_CARRIED_LOOKUPS", lookups)
    _, full = _slices(monkeypatch, store, 4)
    for _ in range(12):
        report = sync()
        assert report.guard["code"] == "unchanged" and report.reason_codes == [] and full == []
    carried = sorted(k for k, s in type(store).load_index(store, "d").items() if s.content_key and not s.deleted)
    assert len(carried) == 3
    store.leads.delete_entity("d", carried[1])
    runs = []
    while len(runs) < 8 and (not runs or "storage_drift" not in runs[-1].reason_codes):
        runs.append(sync())
    assert "storage_drift" in runs[-1].reason_codes and full == ["d"]
    assert len(_live(store)) == 20


def test_the_index_read_for_a_comparison_shares_the_sheets_strings_and_keeps_what_the_sync_needs(tmp_path, store, make_settings) -> None:
    """``load_index(sheet, incoming)`` (the daily full comparison) reads the same leads as without:
    keys, fingerprints, deleted flags, first-seen times, content keys and rows; signatures only for
    leads the sheet no longer holds (the only ones whose signatures are compared); the strings of
    the leads the sheet holds are the sheet's own objects, and equal times are one object."""
    from shared.core.identity import KeyedLead

    def copy(text: str) -> str:
        return "".join([text[:3], text[3:]])  # an equal string, another object

    sync = _setup(tmp_path, store, make_settings)
    sync()
    keys = sorted(_live(store))
    store.leads.upsert_entity({"PartitionKey": "d", "RowKey": keys[0], "fp": "edited"}, mode=UpdateMode.MERGE)
    full = type(store).load_index(store, "d")
    keyed = [k for k in full if k != keys[1]]
    incoming = {k: KeyedLead(copy(k), copy(full[k].fingerprint) if k != keys[0] else "new", None) for k in keyed}  # type: ignore[arg-type]
    compact = store.load_index("d", list(incoming.values()))
    assert set(compact) == set(full)
    for k, s in full.items():
        c = compact[k]
        assert (c.key, c.fingerprint, c.deleted, c.first_seen, c.content_key, c.row) == (
            s.key,
            s.fingerprint,
            s.deleted,
            s.first_seen,
            s.content_key,
            s.row,
        )
        assert c.signatures == (() if k in incoming else s.signatures) and s.signatures
        if k in incoming:
            assert c.key is incoming[k].key
            assert (c.fingerprint is incoming[k].fingerprint) == (k != keys[0]), "an edited fingerprint is storage's own"
    assert len({id(c.first_seen) for c in compact.values()}) == 1, "one object for the one first-seen time"


def test_the_slice_read_ahead_is_the_one_checked_and_its_failure_is_the_runs(tmp_path, store, make_settings, monkeypatch) -> None:
    """The slice is read once per unchanged run (ahead, while the sheet is read); a storage failure
    of that read ends the run in ERROR like any other, and the next run compares in full."""
    from shared.errors import StoreError

    sync = _setup(tmp_path, store, make_settings)
    sync()
    reads, full = _slices(monkeypatch, store, 1000)
    assert sync().guard["code"] == "unchanged" and reads == [20] and full == []
    ok = store.index_page

    def failing(*args):
        raise StoreError("cannot read stored leads: boom")

    monkeypatch.setattr(store, "index_page", failing)
    failed = sync()
    assert failed.status == "ERROR" and failed.written == 0 and full == []
    monkeypatch.setattr(store, "index_page", ok)
    after = sync()  # a failed run leaves no fingerprint to trust: the next compares in full
    assert after.guard["code"] != "unchanged" and after.written == 0 and full == ["d"]
    assert sync().guard["code"] == "unchanged"
