"""
Every table the app uses is created again when a call finds it missing (issue 18): deleted by
hand or lost in a storage restore, the next call recreates it, and the app keeps serving, instead
of answering 503 for good while health says SUCCESS.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import azure.functions as func
import pytest
from azure.data.tables import TableServiceClient

from scripts.queue_worker import Worker
from shared.service import Runtime, set_runtime
from tests.conftest import csv_sheet

KEY = "test-erasure-key-0123456789abcdef"


def _fn(name: str):
    import health_http
    import leads_http
    import privacy_http

    for module in (leads_http, privacy_http, health_http):
        builder = getattr(module, name, None)
        if builder is not None:
            return builder.build().get_user_function()
    raise KeyError(name)


def _http(name: str, method: str = "GET", body: dict | None = None, route: dict | None = None) -> tuple[int, dict]:
    raw = json.dumps(body).encode() if body is not None else b""
    resp = _fn(name)(func.HttpRequest(method, "/api/x", body=raw, params={}, route_params=route or {}))
    return resp.status_code, json.loads(resp.get_body() or b"null")


def _write(path: Path, n: int) -> None:
    with path.open("w", newline="") as f:
        csv.writer(f).writerows([["Name", "Email", "Phone"], *[[f"P {i}", f"p{i}@example.com", f"07911 1234{i:02d}"] for i in range(n)]])


def _manual_sync(rt: Runtime) -> dict:
    status, doc = _http("manual_sync", "POST", {"sheet": "t"})
    assert status in (200, 202), doc
    Worker.from_host_json(rt.queue, retry_delay=0).run_until_idle()  # type: ignore[arg-type]
    status, run = _http("sync_run", route={"run": doc["run_id"]})
    assert status == 200 and run["state"] == "done", run
    return run


ROLES = ["leads", "state", "runs", "erased", "audit", "gone", "jobs"]


@pytest.mark.parametrize("role", ROLES)
def test_a_deleted_table_is_recreated_and_every_route_keeps_working(make_settings, tmp_path, azurite, role: str) -> None:
    """Delete one table after a first sync: a manual sync, its run, an erasure, the audit trail and health all still work."""
    path = tmp_path / "t.csv"
    _write(path, 6)
    rt = Runtime(make_settings(csv_sheet("t", path), erasure_key=KEY), environ={})
    set_runtime(rt)
    _manual_sync(rt)
    assert _http("erase_person", "POST", {"email": "p0@example.com"})[0] == 200
    store = rt.store
    names = dict(zip(["leads", "state", "runs", "erased", "audit", "gone"], store.names, strict=True))  # type: ignore[attr-defined]
    names["jobs"] = rt.settings.jobs_table
    TableServiceClient.from_connection_string(azurite.connection_string).delete_table(names[role])

    run = _manual_sync(rt)
    assert run["sheets"][0]["state"] == "done" and run["sheets"][0]["status"] in ("SUCCESS", "WARNING"), run
    status, erased = _http("erase_person", "POST", {"email": "p1@example.com"})
    assert status == 200, erased
    status, audit = _http("audit_trail")
    assert status == 200 and audit["items"], audit
    rt.states_changed()
    status, health = _http("health_detail")
    assert status == 200 and health["sheets"][0]["status"] in ("SUCCESS", "WARNING"), health
    assert TableServiceClient.from_connection_string(azurite.connection_string).get_table_client(names[role]).query_entities(
        "PartitionKey ne ''"
    ).next() is not None or role in ("erased", "gone")


def test_the_jobs_table_deleted_under_a_warm_worker_is_not_503_for_good(make_settings, tmp_path, azurite) -> None:
    """The reproduction: once the manual-run table is deleted, POST /api/leads/sync answered 503 'cannot record the sync run' for good."""
    path = tmp_path / "t.csv"
    _write(path, 3)
    rt = Runtime(make_settings(csv_sheet("t", path)), environ={})
    set_runtime(rt)
    _manual_sync(rt)
    TableServiceClient.from_connection_string(azurite.connection_string).delete_table(rt.settings.jobs_table)
    for _ in range(2):
        status, doc = _http("manual_sync", "POST", {"sheet": "t"})
        assert status in (200, 202), doc
    Worker.from_host_json(rt.queue, retry_delay=0).run_until_idle()  # type: ignore[arg-type]
    assert _http("sync_run", route={"run": doc["run_id"]})[1]["state"] == "done"


def test_a_deleted_sync_queue_is_created_again(make_settings, tmp_path, azurite) -> None:
    """The sync queue deleted under a warm app: the next manual sync creates it again and the run finishes."""
    from azure.storage.queue import QueueServiceClient

    path = tmp_path / "t.csv"
    _write(path, 3)
    rt = Runtime(make_settings(csv_sheet("t", path)), environ={})
    set_runtime(rt)
    _manual_sync(rt)
    QueueServiceClient.from_connection_string(azurite.connection_string).delete_queue(rt.settings.queue_name)
    _manual_sync(rt)
