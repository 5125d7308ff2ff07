"""
Leads changed in the table behind the app's back (issue 18): the next run notices that storage
holds another number of live leads than the last sync left, and compares in full at once
(instead of waiting for the daily full comparison), restoring what was lost.
"""

from __future__ import annotations

import csv

import pytest
from azure.data.tables import UpdateMode

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
    return {k for k, v in store.load_index("d").items() if not v.deleted}


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
