"""
A sheet removed from the configuration (issue 18, left from the first round): its leads are not
served by ``?customer=`` in any form (filters, search, sort, count, continuation, one lead), only
with ``include_orphaned`` (every route needs a function key); health detail lists it as orphaned.
"""

from __future__ import annotations

import csv
import json

import azure.functions as func
import pytest

from shared.config import with_sheet_entries
from shared.service import Runtime, set_runtime
from tests.conftest import csv_sheet


def _write(path, n: int, tag: str) -> None:
    with path.open("w", newline="") as f:
        csv.writer(f).writerows([["Name", "Email", "Status"], *[[f"{tag} {i}", f"{tag}{i}@example.com", "new"] for i in range(n)]])


def _fn(name: str):
    import health_http
    import leads_http

    for module in (leads_http, health_http):
        builder = getattr(module, name, None)
        if builder is not None:
            return builder.build().get_user_function()
    raise KeyError(name)


def _get(name: str, params: dict, route: dict | None = None) -> tuple[int, dict]:
    resp = _fn(name)(func.HttpRequest("GET", "/api/x", params=params, body=b"", route_params=route or {}))
    return resp.status_code, json.loads(resp.get_body())


@pytest.fixture
def removed(make_settings, store, tmp_path):
    """Customer X had sheets 'gone' (100 leads) and 'kept' (3); 'gone' is then removed from the list."""
    gone, kept = tmp_path / "gone.csv", tmp_path / "kept.csv"
    _write(gone, 100, "g")
    _write(kept, 3, "k")
    both = [csv_sheet("gone", gone, customer="X"), csv_sheet("kept", kept, customer="X")]
    rt = Runtime(make_settings(*both), environ={}, store=store)
    assert [s.added for s in rt.syncs.run().sheets] == [100, 3]
    token = rt.leads.page(_query(customer="X", page_size=2)).continuation
    after = Runtime(with_sheet_entries(make_settings(), [both[1].model_dump(exclude_defaults=True)]), environ={}, store=store)
    set_runtime(after)
    return after, token


def _query(**kw):
    from shared.service.inputs import LeadsQuery

    return LeadsQuery(**kw)


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"page_size": "1000"},
        {"include_deleted": "true"},
        {"updated_since": "2000-01-01T00:00:00Z"},
        {"status": "new"},
        {"q": "g1"},
        {"sort": "name"},
        {"sort": "-created_at", "count": "true"},
        {"count": "true"},
        {"deleted": "false"},
    ],
)
def test_a_removed_sheet_is_not_served_by_customer(removed, extra) -> None:
    """Every form of ``?customer=`` serves only the configured sheet's leads."""
    status, doc = _get("list_leads", {"customer": "X", **extra})
    assert status == 200, doc
    assert {x["sheet_id"] for x in doc["items"]} <= {"kept"}
    assert doc.get("total") in (None, 3, 0)


def test_a_continuation_from_before_the_removal_does_not_reach_it(removed) -> None:
    """A token taken while the sheet was configured goes on with the configured sheets only."""
    _, token = removed
    status, doc = _get("list_leads", {"customer": "X", "continuation": token, "page_size": "1000"})
    assert status == 200 and {x["sheet_id"] for x in doc["items"]} <= {"kept"}


def test_its_leads_are_served_only_with_include_orphaned_and_health_lists_it(removed) -> None:
    """``include_orphaned`` serves the removed sheet's leads; ``?sheet=`` and one lead are unknown; health detail lists it."""
    status, doc = _get("list_leads", {"customer": "X", "include_orphaned": "true", "page_size": "1000"})
    assert status == 200 and sum(1 for x in doc["items"] if x["sheet_id"] == "gone") == 100
    assert _get("list_leads", {"sheet": "gone"})[0] == 404
    assert _get("get_lead", {"sheet": "gone"}, {"id": doc["items"][0]["id"]})[0] == 404
    status, health = _get("health_detail", {})
    assert status == 200
    assert [(o["sheet_id"], o["customer"], o["leads"]) for o in health["orphaned"]] == [("gone", "X", 100)]
    assert "gone" not in {s["sheet_id"] for s in health["sheets"]}
