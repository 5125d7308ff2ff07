"""Full syncs of sheets into Azurite: samples, re-syncs, the guard, soft deletes, drift, isolation."""

from __future__ import annotations

import csv
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from azure.data.tables import UpdateMode

from shared.adapters.csv_source import CsvSource, read_csv
from shared.adapters.table_storage import TableLeadStore
from shared.config import load_settings
from shared.sync import sync_all, sync_sheet
from tests.conftest import SAMPLES, csv_sheet
from tests.helpers import approve_blocked

SAMPLE_EXPECTED = {
    # sheet id: (status, header row index or None, leads, duplicates)
    "acme-facebook": ("WARNING", 3, 10, 2),
    "bright-dental": ("SUCCESS", 0, 6, 0),
    "northwind-expo": ("SUCCESS", 2, 6, 0),
    "greenleaf-list": ("WARNING", None, 5, 0),
}


def _write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)


def _people(n: int) -> list[list[str]]:
    """A clean sheet of ``n`` leads: a header and one row per person."""
    return [["Name", "Email"]] + [[f"User {i}", f"u{i}@example.com"] for i in range(n)]


def _synced(tmp_path: Path, store: TableLeadStore, make_settings, sheet_id: str, rows: list[list[str]], **kw):
    """Write ``rows`` as a CSV sheet, sync it once, and return (path, sheet, settings)."""
    path = tmp_path / f"{sheet_id}.csv"
    _write(path, rows)
    sheet = csv_sheet(sheet_id, path, **kw)
    settings = make_settings(sheet)
    sync_sheet(sheet, CsvSource(tmp_path), store, settings)
    return path, sheet, settings


def _active(store: TableLeadStore, sheet_id: str) -> set[str]:
    return {k for k, v in store.load_index(sheet_id).items() if not v.deleted}


def _sample_settings(make_settings):
    base = load_settings({"LEAD_SYNC_SHEETS_FILE": str(SAMPLES / "sheets.json"), "LEAD_SYNC_STORAGE": "x"})
    return make_settings(*base.sheets)


def test_samples_sync_with_expected_outcomes(make_settings, store) -> None:
    """Every shipped sample syncs with its expected header row, status and lead count."""
    settings = _sample_settings(make_settings)
    report = sync_all(settings, lambda s: CsvSource(SAMPLES), store)
    got = {s.sheet_id: (s.status, s.header_row, s.leads, s.duplicates) for s in report.sheets}
    assert got == SAMPLE_EXPECTED
    for s in report.sheets:
        assert s.added == s.leads and s.written == s.leads
        assert len(store.load_index(s.sheet_id)) == s.leads


def test_bright_dental_override_and_mapping(make_settings, store) -> None:
    """The per-sheet override maps the blank-header column to source; Contact holds emails."""
    settings = _sample_settings(make_settings)
    sync_all(settings, lambda s: CsvSource(SAMPLES), store, only="bright-dental")
    items, _, _ = store.list_leads(sheet_id="bright-dental", page_size=100)
    amelia = next(i for i in items if i["full_name"] == "Dr Amelia Hart")
    assert amelia["email"] == "amelia.hart@example.co.uk" and amelia["source"] == "Instagram"
    assert amelia["phone"] == "+447912345678" and amelia["created_at"] == "2026-11-03"
    assert amelia["extra"] == {"Message": "Whitening consultation"} and amelia["notes"] == "New patient"
    melanie = next(i for i in items if i["email"] == "melanie.dubois@example.fr")
    assert melanie["full_name"] == "Mélanie Dubois"  # Latin-1 file decoded


def test_resync_of_unchanged_samples_writes_nothing(make_settings, store) -> None:
    """A second run over unchanged sheets writes no entity and reports the same statuses."""
    settings = _sample_settings(make_settings)
    sync_all(settings, lambda s: CsvSource(SAMPLES), store)
    again = sync_all(settings, lambda s: CsvSource(SAMPLES), store)
    for s in again.sheets:
        assert s.written == 0 and s.added == 0 and s.updated == 0 and s.unchanged == s.leads
        assert s.status == SAMPLE_EXPECTED[s.sheet_id][0]


def _copy_sample(tmp_path: Path, name: str = "acme_roofing_facebook.csv") -> Path:
    dst = tmp_path / name
    shutil.copy(SAMPLES / name, dst)
    return dst


def test_emptied_sheet_is_blocked_and_keeps_every_lead(make_settings, store, tmp_path) -> None:
    """Emptying a sheet that had rows is blocked: ERROR, nothing written, every lead kept."""
    path = _copy_sample(tmp_path)
    sheet = csv_sheet("acme", path)
    settings = make_settings(sheet)
    first = sync_sheet(sheet, CsvSource(tmp_path), store, settings)
    before = _active(store, "acme")
    assert len(before) == first.leads == 10

    grid = read_csv(path)
    _write(path, grid[:4])  # title, note, blank and header: the data rows deleted
    blocked = sync_sheet(sheet, CsvSource(tmp_path), store, settings)
    assert blocked.status == "ERROR" and "guard_blocked" in blocked.reason_codes
    assert blocked.written == 0 and _active(store, "acme") == before

    path.write_text("", encoding="utf-8")  # the whole sheet cleared
    blocked = sync_sheet(sheet, CsvSource(tmp_path), store, settings)
    assert blocked.status == "ERROR" and blocked.written == 0 and _active(store, "acme") == before


def test_truncated_sheet_blocked_then_approved_soft_deletes(make_settings, store, tmp_path) -> None:
    """80% of rows gone is blocked; after one approval the next sync soft-deletes them, erasing none."""
    rows = _people(50)
    path, sheet, settings = _synced(tmp_path, store, make_settings, "big", rows)
    assert len(_active(store, "big")) == 50

    _write(path, rows[:11])
    blocked = sync_sheet(sheet, CsvSource(tmp_path), store, settings)
    assert blocked.status == "ERROR" and blocked.guard["drop"] == 0.8 and len(_active(store, "big")) == 50

    approve_blocked(store, "big")
    applied = sync_sheet(sheet, CsvSource(tmp_path), store, settings)
    assert applied.deleted == 40 and "approved" in applied.reason_codes
    index = store.load_index("big")
    assert len(index) == 50 and sum(v.deleted for v in index.values()) == 40  # soft, not erased

    again = sync_sheet(sheet, CsvSource(tmp_path), store, settings)
    assert again.written == 0 and again.status == "SUCCESS"  # approval was used once


def test_sorting_and_inserting_rows_keeps_keys(make_settings, store, tmp_path) -> None:
    """Sorting a sheet and inserting rows above leads changes no key and rewrites nothing."""
    path = tmp_path / "s.csv"
    rows = [["Name", "Email", "Phone"]] + [[f"User {i}", f"u{i}@example.com", f"07911 1234{i:02d}"] for i in range(20)]
    _write(path, rows)
    sheet = csv_sheet("sorted", path)
    settings = make_settings(sheet)
    sync_sheet(sheet, CsvSource(tmp_path), store, settings)
    keys = _active(store, "sorted")
    _write(path, [["Leads (sorted)"], [], rows[0]] + sorted(rows[1:], key=lambda r: r[1], reverse=True))
    report = sync_sheet(sheet, CsvSource(tmp_path), store, settings)
    assert report.written == 0 and _active(store, "sorted") == keys


def test_removed_row_is_soft_deleted_and_restored(make_settings, store, tmp_path) -> None:
    """A lead that leaves the sheet is marked deleted; when it comes back it is restored."""
    rows = _people(12)
    path, sheet, settings = _synced(tmp_path, store, make_settings, "restore", rows)
    _write(path, rows[:-1])
    gone = sync_sheet(sheet, CsvSource(tmp_path), store, settings)
    assert gone.deleted == 1 and gone.written == 1
    _write(path, rows)
    back = sync_sheet(sheet, CsvSource(tmp_path), store, settings)
    assert back.restored == 1 and back.written == 1 and len(_active(store, "restore")) == 12


def test_changed_lead_is_updated_and_keeps_first_seen(make_settings, store, tmp_path) -> None:
    """Editing one row rewrites only that lead, and its first_seen time is kept."""
    path = tmp_path / "c.csv"
    rows = [["Name", "Email", "Notes"]] + [[f"User {i}", f"u{i}@example.com", "x"] for i in range(5)]
    _write(path, rows)
    sheet = csv_sheet("changed", path)
    settings = make_settings(sheet)
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    sync_sheet(sheet, CsvSource(tmp_path), store, settings, clock=lambda: t0)
    rows[3][2] = "called back"
    _write(path, rows)
    report = sync_sheet(sheet, CsvSource(tmp_path), store, settings, clock=lambda: t0 + timedelta(days=1))
    assert report.updated == 1 and report.written == 1
    items, _, _ = store.list_leads(sheet_id="changed")
    edited = next(i for i in items if i["email"] == "u2@example.com")
    assert edited["notes"] == "called back"
    assert edited["first_seen"].startswith("2026-01-01") and edited["updated_at"].startswith("2026-01-02")


def test_renamed_and_reordered_columns_warn_without_rewrites(make_settings, store, tmp_path) -> None:
    """Renaming and moving columns maps by meaning: WARNING with a diff, no lead rewritten."""
    path = tmp_path / "d.csv"
    _write(
        path, [["Name", "Email", "Phone"], ["Ann Lee", "ann@example.com", "07911 123456"], ["Bo Chan", "bo@example.com", "07400 123456"]]
    )
    sheet = csv_sheet("drift", path)
    settings = make_settings(sheet)
    sync_sheet(sheet, CsvSource(tmp_path), store, settings)
    _write(
        path,
        [
            ["E-mail address", "Mobile", "Full Name"],
            ["ann@example.com", "07911 123456", "Ann Lee"],
            ["bo@example.com", "07400 123456", "Bo Chan"],
        ],
    )
    report = sync_sheet(sheet, CsvSource(tmp_path), store, settings)
    assert report.status == "WARNING" and "drift" in report.reason_codes
    assert report.written == 0
    text = " ".join(report.messages)
    assert "'Email' -> 'E-mail address'" in text and "'Name' -> 'Full Name'" in text


def test_essential_column_removed_is_error_and_writes_nothing(make_settings, store, tmp_path) -> None:
    """An email column that disappears is an ERROR that blocks the write."""
    path = tmp_path / "e.csv"
    _write(path, [["Name", "Email", "Phone"], ["Ann Lee", "ann@example.com", "07911 123456"]])
    sheet = csv_sheet("essential", path)
    settings = make_settings(sheet)
    sync_sheet(sheet, CsvSource(tmp_path), store, settings)
    before = store.load_index("essential")
    _write(path, [["Name", "Phone"], ["Ann Lee", "07911 123456"]])
    report = sync_sheet(sheet, CsvSource(tmp_path), store, settings)
    assert report.status == "ERROR" and "essential column disappeared" in " ".join(report.messages)
    assert store.load_index("essential") == before


def test_missing_essential_columns_is_error(make_settings, store, tmp_path) -> None:
    """A sheet without a contact column is ERROR naming what is missing; nothing is written."""
    path = tmp_path / "m.csv"
    _write(path, [["Name", "Company"], ["Ann Lee", "Acme"]])
    sheet = csv_sheet("missing", path)
    report = sync_sheet(sheet, CsvSource(tmp_path), store, make_settings(sheet))
    assert report.status == "ERROR" and "email or phone" in " ".join(report.messages)
    assert store.load_index("missing") == {}


def test_one_broken_sheet_does_not_stop_the_others(make_settings, store, tmp_path) -> None:
    """A missing file is that sheet's ERROR; the next sheet still syncs."""
    good = _copy_sample(tmp_path)
    settings = make_settings(csv_sheet("missing-file", tmp_path / "nope.csv"), csv_sheet("good", good))
    report = sync_all(settings, lambda s: CsvSource(tmp_path), store)
    by_id = {s.sheet_id: s for s in report.sheets}
    assert by_id["missing-file"].status == "ERROR" and "source_not_found" in by_id["missing-file"].reason_codes
    assert by_id["good"].added == 10
    assert report.status == "ERROR"
    state = store.get_state("missing-file")
    assert state.status == "ERROR" and "file not found" in state.messages[0]


def test_sheet_already_syncing_is_skipped(make_settings, store, tmp_path) -> None:
    """A second run while another holds the lease is told the sheet is busy and writes nothing."""
    path = _copy_sample(tmp_path)
    sheet = csv_sheet("busy", path)
    settings = make_settings(sheet)
    assert store.acquire_lease("busy", "other-run", datetime.now(UTC), 600)
    report = sync_sheet(sheet, CsvSource(tmp_path), store, settings)
    assert report.status == "WARNING" and report.reason_codes == ["busy"] and store.load_index("busy") == {}


@pytest.mark.parametrize("name", ["bright_dental_enquiries.csv", "greenleaf_no_header.csv"])
def test_no_lead_pii_in_report_logs(make_settings, store, tmp_path, name) -> None:
    """The fields logged to telemetry hold counts and ids, never names, emails or phones."""
    sheet = csv_sheet("pii", _copy_sample(tmp_path, name))
    report = sync_sheet(sheet, CsvSource(tmp_path), store, make_settings(sheet))
    text = repr(report.log_fields())
    for row in read_csv(tmp_path / name):
        for cell in row:
            if "@" in cell or any(ch.isdigit() for ch in cell) and len(cell) > 9 or " " in cell.strip():
                assert cell.strip().lower() not in text.lower()


def test_unchanged_sheet_skips_the_index_but_a_daily_full_check_repairs_storage(make_settings, store, tmp_path) -> None:
    """
    An unchanged re-sync reads no index (only a slice of it, here all of it: a small sheet); a lead
    erased or edited by other hands is noticed and repaired at once (issue 18); the daily full
    comparison reads the whole index.
    """
    path = tmp_path / "u.csv"
    _write(path, [["Name", "Email"]] + [[f"U{i}", f"u{i}@example.com"] for i in range(12)])
    sheet = csv_sheet("unchanged", path)
    settings = make_settings(sheet)
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    sync_sheet(sheet, CsvSource(tmp_path), store, settings, clock=lambda: t0)
    victim, edited = list(store.load_index("unchanged"))[:2]

    calls = []
    real = store.load_index
    store.load_index = lambda sid, *more: calls.append(sid) or real(sid, *more)  # type: ignore[method-assign]
    quick = sync_sheet(sheet, CsvSource(tmp_path), store, settings, clock=lambda: t0 + timedelta(minutes=30))
    assert quick.unchanged == 12 and quick.written == 0 and calls == []

    store.leads.delete_entity("unchanged", victim)  # someone erases a lead in storage directly
    at_once = sync_sheet(sheet, CsvSource(tmp_path), store, settings, clock=lambda: t0 + timedelta(hours=1))
    assert calls == ["unchanged"] and at_once.added == 1 and "storage_drift" in at_once.reason_codes
    assert len(_active(store, "unchanged")) == 12
    calls.clear()

    store.leads.upsert_entity({"PartitionKey": "unchanged", "RowKey": edited, "fp": "edited"}, mode=UpdateMode.MERGE)
    repaired = sync_sheet(sheet, CsvSource(tmp_path), store, settings, clock=lambda: t0 + timedelta(hours=2))
    assert calls == ["unchanged"] and repaired.updated == 1 and "storage_drift" in repaired.reason_codes
    calls.clear()
    quick = sync_sheet(sheet, CsvSource(tmp_path), store, settings, clock=lambda: t0 + timedelta(hours=3))
    assert quick.unchanged == 12 and quick.written == 0 and calls == []
    full = sync_sheet(sheet, CsvSource(tmp_path), store, settings, clock=lambda: t0 + timedelta(hours=26))
    assert calls == ["unchanged"] and full.unchanged == 12 and full.written == 0 and full.reason_codes == []


def test_a_bug_in_one_sheet_is_reported_without_pii_and_others_sync(make_settings, store, tmp_path) -> None:
    """An unexpected exception ends that sheet in ERROR (type and place, not the message); the run goes on."""
    good = tmp_path / "good.csv"
    _write(good, [["Name", "Email"], ["Ann Lee", "ann@example.com"]])

    class Exploding(CsvSource):
        def fetch(self, sheet):
            if sheet.id == "boom":
                raise ValueError("secret ann@example.com")
            return super().fetch(sheet)

    settings = make_settings(csv_sheet("boom", good), csv_sheet("fine", good))
    report = sync_all(settings, lambda s: Exploding(tmp_path), store)
    boom, fine = report.sheets
    assert boom.status == "ERROR" and boom.reason_codes == ["internal"] and "ValueError at" in boom.messages[0]
    assert "ann@" not in repr(boom.to_dict())
    assert fine.status == "SUCCESS" and fine.added == 1


def test_approval_is_not_left_waiting_when_the_sheet_is_restored(make_settings, store, tmp_path) -> None:
    """Approve a blocked drop, then restore the sheet: the approval is dropped, the next drop is blocked again."""
    rows = _people(20)
    path, sheet, settings = _synced(tmp_path, store, make_settings, "appr", rows)
    _write(path, rows[:3])
    assert sync_sheet(sheet, CsvSource(tmp_path), store, settings).status == "ERROR"
    approve_blocked(store, "appr")
    _write(path, rows)  # the person fixed the sheet instead
    assert sync_sheet(sheet, CsvSource(tmp_path), store, settings).written == 0
    _write(path, rows[:3])
    again = sync_sheet(sheet, CsvSource(tmp_path), store, settings)
    assert again.status == "ERROR" and "guard_blocked" in again.reason_codes


def test_a_row_too_large_for_table_storage_is_stored_cut_not_dropped(make_settings, store, tmp_path) -> None:
    """A row with more text than an entity holds is stored with its longest cells cut and marked,
    reported by row and column (no content); it is never soft-deleted and the rest syncs."""
    path = tmp_path / "big.csv"
    rows = [["Name", "Email"] + [f"Note {i}" for i in range(10)], ["Ann Lee", "ann@example.com"] + ["x" * 45_000] * 10]
    rows += [[f"U{i}", f"u{i}@example.com"] + [""] * 10 for i in range(3)]
    _write(path, rows)
    sheet = csv_sheet("big-row", path)
    report = sync_sheet(sheet, CsvSource(tmp_path), store, make_settings(sheet))
    assert report.status == "WARNING" and "truncated" in report.reason_codes and "row 2 (" in " ".join(report.messages)
    assert report.added == 4 and report.truncated == 1 and len(store.load_index("big-row")) == 4
    items, _, _ = store.list_leads(sheet_id="big-row", page_size=10)
    big = next(i for i in items if i["full_name"] == "Ann Lee")
    assert big["truncated"] and all(len(v) <= 45_000 for v in big["extra"].values())
    again = sync_sheet(sheet, CsvSource(tmp_path), store, make_settings(sheet))
    assert again.written == 0 and again.deleted == 0, "the cut row is not rewritten or deleted next time"


def test_renamed_customer_is_carried_to_every_lead(make_settings, store, tmp_path) -> None:
    """Renaming a sheet's customer in config rewrites its leads (deleted ones too) under the new name."""
    path = tmp_path / "c.csv"
    rows = [["Name", "Email"]] + [[f"U{i}", f"u{i}@example.com"] for i in range(12)]
    _write(path, rows)
    old = csv_sheet("cust", path, customer="Acme Roofing")
    sync_sheet(old, CsvSource(tmp_path), store, make_settings(old))
    _write(path, rows[:-1])
    sync_sheet(old, CsvSource(tmp_path), store, make_settings(old))  # one lead soft-deleted
    new = csv_sheet("cust", path, customer="Acme Roofing & Guttering")
    report = sync_sheet(new, CsvSource(tmp_path), store, make_settings(new))
    assert "customer_renamed" in report.reason_codes and report.updated == 11
    items, _, _ = store.list_leads(customer="Acme Roofing & Guttering", include_deleted=True, page_size=100)
    assert len(items) == 12
    assert store.list_leads(customer="Acme Roofing", include_deleted=True)[0] == []
    again = sync_sheet(new, CsvSource(tmp_path), store, make_settings(new))
    assert again.written == 0 and "customer_renamed" not in again.reason_codes
