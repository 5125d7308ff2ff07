"""
One source (a spreadsheet tab, a CSV file) configured under two entries (issue 18): the later
entry is refused as a configuration problem naming the first, health shows it, and every other
sheet keeps syncing; the same people are never served to two customers.
"""

from __future__ import annotations

import csv
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.config import load_settings, source_key
from shared.service import Runtime, set_runtime
from tests.conftest import csv_sheet

SID = "1AbCdEfGhIjKlMnOpQr"


def _settings(*entries: dict):
    return load_settings({"LEAD_SYNC_SHEETS": json.dumps(list(entries))})


@pytest.mark.parametrize(
    ("first_tab", "second_tab"),
    [
        (None, None),
        ("Leads", "Leads"),
        ("Leads", " leads "),
        ("Leads", "LEADS"),
        ("Leads", "Ｌｅａｄｓ"),
        ("Pipeline 2024", "pipeline 2024"),
    ],
)
def test_the_same_tab_under_a_second_customer_is_refused_naming_the_first(first_tab, second_tab) -> None:
    """The second entry is a broken sheet and a problem, both naming the first; the first loads."""
    a = {"id": "acme", "customer": "Acme", "spreadsheet_id": SID} | ({"worksheet": first_tab} if first_tab else {})
    b = {"id": "bright", "customer": "Bright", "spreadsheet_id": SID} | ({"worksheet": second_tab} if second_tab else {})
    s = _settings(a, b)
    assert [x.id for x in s.sheets] == ["acme"]
    assert [x.id for x in s.broken] == ["bright"]
    assert "'acme'" in s.broken[0].error and "Acme" in s.broken[0].error
    assert any("'bright'" in p and "'acme'" in p for p in s.problems)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"worksheet": "Leads"}, {"worksheet": "Leads 2"}),
        ({"worksheet": "Leads"}, {"spreadsheet_id": SID.lower()}),  # spreadsheet ids are case-sensitive
        ({}, {"spreadsheet_id": "1ZzZzZzZzZzZzZzZz"}),
    ],
)
def test_different_sources_are_both_accepted(first, second) -> None:
    """Two tabs of one spreadsheet, or two spreadsheets, are two sources."""
    a = {"id": "acme", "customer": "Acme", "spreadsheet_id": SID} | first
    b = {"id": "bright", "customer": "Bright", "spreadsheet_id": SID, "worksheet": "Leads"} | second
    s = _settings(a, b)
    assert [x.id for x in s.sheets] == ["acme", "bright"] and s.broken == ()
    assert not any("reads the same" in p for p in s.problems)


def test_a_csv_file_twice_is_refused_by_its_normalised_path() -> None:
    """``leads.csv`` and ``./sub/../leads.csv`` are one file."""
    s = _settings(
        {"id": "a", "customer": "A", "source": "csv", "path": "leads.csv"},
        {"id": "b", "customer": "B", "source": "csv", "path": "./sub/../leads.csv"},
    )
    assert [x.id for x in s.sheets] == ["a"] and [x.id for x in s.broken] == ["b"]


TABS = st.sampled_from(["Leads", "leads", " Leads", "Other", "OTHER", "Ｏｔｈｅｒ", None])


@given(st.lists(st.tuples(st.sampled_from([SID, "1ZzZzZzZzZzZzZzZz"]), TABS), min_size=1, max_size=8))
def test_no_two_accepted_sheets_read_the_same_source(pairs) -> None:
    """Whatever the list, the accepted sheets read distinct sources and every refused one is a broken sheet."""
    entries = [
        {"id": f"s{i}", "customer": f"C{i}", "spreadsheet_id": sid} | ({"worksheet": tab} if tab else {})
        for i, (sid, tab) in enumerate(pairs)
    ]
    s = _settings(*entries)
    keys = [source_key(x) for x in s.sheets]
    assert len(keys) == len(set(keys))
    assert len(s.sheets) + len(s.broken) == len(entries)
    assert len(s.sheets) == len({source_key(x) for x in s.sheets} | {source_key(x) for x in s.sheets})


def test_the_second_customer_is_never_served_the_first_customers_people(make_settings, store, tmp_path) -> None:
    """Synced through the service: the first customer has the leads, the second none, health shows the refusal, others sync."""
    path = tmp_path / "shared.csv"
    with path.open("w", newline="") as f:
        csv.writer(f).writerows([["Name", "Email"], *[[f"P {i}", f"p{i}@example.com"] for i in range(5)]])
    other = tmp_path / "other.csv"
    with other.open("w", newline="") as f:
        csv.writer(f).writerows([["Name", "Email"], ["Q", "q@example.com"]])
    from shared.config import with_sheet_entries

    base = make_settings()
    entries = [
        csv_sheet("first", path, customer="Acme").model_dump(exclude_defaults=True),
        csv_sheet("second", path, customer="Bright").model_dump(exclude_defaults=True),
        csv_sheet("other", other, customer="Bright").model_dump(exclude_defaults=True),
    ]
    rt = Runtime(with_sheet_entries(base, entries), environ={}, store=store)
    set_runtime(rt)
    report = rt.syncs.run()
    by_id = {s.sheet_id: s for s in report.sheets}
    assert by_id["first"].added == 5 and by_id["other"].added == 1
    assert by_id["second"].status == "ERROR" and "'first'" in by_id["second"].messages[0]
    bright = rt.leads.page(_query(customer="Bright"))
    assert [x["sheet_id"] for x in bright.items] == ["other"]
    doc = rt.health.detail().doc
    entry = next(x for x in doc["sheets"] if x["sheet_id"] == "second")
    assert entry["status"] == "ERROR" and "'first'" in entry["messages"][0]
    assert any("'second'" in p for p in doc["problems"])


def _query(**kw):
    from shared.service.inputs import LeadsQuery

    return LeadsQuery(**kw)
