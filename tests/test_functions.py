"""
The Functions app as the worker sees it, and its handlers through the v2 API.

``test_worker_startup_with_empty_environment`` repeats what the Python worker does at startup in
a fresh interpreter with an empty environment: import ``function_app``, find exactly one
FunctionApp, build every function and check its bindings against the Python parameters.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import threading

import azure.functions as func
from azure.functions.timer import TimerRequest

from scripts.queue_worker import Worker
from shared.config import BrokenSheet, load_settings
from shared.service import Runtime, set_runtime
from tests.conftest import ROOT, SAMPLES
from tests.helpers import TWENTY_PEOPLE, write_rows

STARTUP = r"""
import importlib, inspect, json, sys
import azure.functions as func
m = importlib.import_module("function_app")
apps = [v for v in vars(m).values() if isinstance(v, func.FunctionRegister)]
assert len(apps) == 1, apps
out = []
for f in apps[0].get_functions():
    bindings = json.loads(f.get_function_json())["bindings"]
    params = list(inspect.signature(f.get_user_function()).parameters)
    out.append({"name": f.get_function_name(), "bindings": bindings, "params": params})
heavy = sorted(
    k for k in sys.modules
    if k.split(".")[0] in ("gspread", "opentelemetry", "phonenumbers", "rapidfuzz", "jinja2")
    or k.startswith(("azure.monitor", "azure.data", "azure.storage"))
)
print(json.dumps({"functions": out, "heavy": heavy}))
"""


@functools.cache
def _startup() -> dict:
    """What the worker sees at startup (``STARTUP``), in a fresh interpreter with an empty environment."""
    proc = subprocess.run(
        [sys.executable, "-c", STARTUP],
        cwd=ROOT,
        env={"PATH": os.environ.get("PATH", "")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return dict(json.loads(proc.stdout))


def test_worker_startup_with_empty_environment() -> None:
    """function_app indexes with no settings at all: one app, every function, bindings match parameters."""
    doc = _startup()
    fns = {f["name"]: f for f in doc["functions"]}
    assert set(fns) == {
        "sync_timer",
        "list_leads",
        "get_lead",
        "manual_sync",
        "approve_drop",
        "health",
        "health_detail",
        "erase_person",
        "unsuppress_person",
        "audit_trail",
        "purge_timer",
        "reasons",
        "openapi",
        "sync_queue",
        "sync_poison",
        "sync_run",
        "list_removals",
        "console_home",
        "console_page",
        "console_item",
        "console_action",
        "console_moved",
        "console_moved_below",
        "sheet_changed",
        "sheet_notify_setup",
        "watch_timer",
        "webhooks_collection",
        "webhook_item",
        "webhook_deliveries",
        "webhook_replay",
        "webhooks_dispatch",
    }
    for f in fns.values():
        names = [b["name"] for b in f["bindings"] if b["name"] != "$return"]
        assert names == f["params"], f
        trigger = [b for b in f["bindings"] if b["type"].endswith("Trigger")]
        assert len(trigger) == 1 and trigger[0]["direction"] == "IN"
        if any(b["name"] == "$return" for b in f["bindings"]):
            assert next(b for b in f["bindings"] if b["name"] == "$return")["direction"] == "OUT"
    timer = fns["sync_timer"]["bindings"][0]
    assert timer == {
        "direction": "IN",
        "type": "timerTrigger",
        "name": "timer",
        "schedule": "%SYNC_SCHEDULE%",
        "runOnStartup": False,
        "useMonitor": True,
    }
    assert fns["purge_timer"]["bindings"][0]["schedule"] == "%PURGE_SCHEDULE%"
    # A literal schedule: renewing Drive channels needs no app setting that a deployment could miss.
    assert fns["watch_timer"]["bindings"][0]["schedule"] == "0 0 */6 * * *"
    for name, queue in (("sync_queue", "%LEAD_SYNC_QUEUE%"), ("sync_poison", "%LEAD_SYNC_QUEUE%-poison")):
        assert fns[name]["bindings"] == [
            {"direction": "IN", "type": "queueTrigger", "name": "msg", "queueName": queue, "connection": "AzureWebJobsStorage"}
        ]
    assert fns["webhooks_dispatch"]["bindings"] == [
        {
            "direction": "IN",
            "type": "queueTrigger",
            "name": "msg",
            "queueName": "%LEAD_SYNC_WEBHOOK_QUEUE%",
            "connection": "AzureWebJobsStorage",
        }
    ]
    routes = {
        n: (f["bindings"][0]["route"], f["bindings"][0]["methods"], f["bindings"][0]["authLevel"])
        for n, f in fns.items()
        if f["bindings"][0]["type"] == "httpTrigger"
    }
    assert routes == {
        "list_leads": ("api/leads", ["GET"], "FUNCTION"),
        "manual_sync": ("api/leads/sync", ["POST"], "FUNCTION"),
        "sync_run": ("api/leads/runs/{run}", ["GET"], "FUNCTION"),
        "approve_drop": ("api/leads/sheets/{sheet}/approve", ["POST"], "FUNCTION"),
        "health": ("api/leads/health", ["GET"], "ANONYMOUS"),
        "health_detail": ("api/leads/health/detail", ["GET"], "FUNCTION"),
        "erase_person": ("api/leads/erasures", ["POST"], "FUNCTION"),
        "unsuppress_person": ("api/leads/erasures/unsuppress", ["POST"], "FUNCTION"),
        "audit_trail": ("api/leads/audit", ["GET"], "FUNCTION"),
        "get_lead": ("api/leads/{id}", ["GET"], "FUNCTION"),
        "list_removals": ("api/leads/removals", ["GET"], "FUNCTION"),
        "reasons": ("api/leads/reasons", ["GET"], "ANONYMOUS"),
        "openapi": ("api/openapi.json", ["GET"], "ANONYMOUS"),
        # A sheet's own token, checked by the app (issue 22): the sheet owner has no function key.
        "sheet_changed": ("api/leads/sheets/{sheet}/changed", ["POST"], "ANONYMOUS"),
        "sheet_notify_setup": ("api/leads/sheets/{sheet}/notify", ["GET"], "FUNCTION"),
        # The console: signed in by App Service Authentication, each action's role checked by the app.
        "console_home": ("console", ["GET", "POST"], "ANONYMOUS"),
        "console_page": ("console/{page}", ["GET", "POST"], "ANONYMOUS"),
        "console_item": ("console/{section}/{item}", ["GET", "POST"], "ANONYMOUS"),
        "console_action": ("console/{section}/{item}/{action}", ["GET", "POST"], "ANONYMOUS"),
        # Where the console was until routePrefix became empty: a redirect to /console, for one release.
        "console_moved": ("api/console", ["GET", "POST"], "ANONYMOUS"),
        "console_moved_below": ("api/console/{*rest}", ["GET", "POST"], "ANONYMOUS"),
        "webhooks_collection": ("api/webhooks", ["GET", "POST"], "FUNCTION"),
        "webhook_item": ("api/webhooks/{id}", ["GET", "PATCH", "DELETE"], "FUNCTION"),
        "webhook_deliveries": ("api/webhooks/{id}/deliveries", ["GET"], "FUNCTION"),
        "webhook_replay": ("api/webhooks/{id}/replay", ["POST"], "FUNCTION"),
    }
    assert doc["heavy"] == [], "indexing must not import the SDKs or the sync pipeline"


def test_every_http_route_names_its_prefix() -> None:
    """
    host.json's routePrefix is empty, so each HTTP function names its own prefix: every route the
    FunctionApp registers (any blueprint, present or future) starts with ``api/`` (the API, behind
    function keys and excluded from App Service sign-in) or is the console (``console...``,
    behind sign-in). An API route written without ``api/``
    would move an existing URL and escape the sign-in exclusion, and fails here.
    """
    host = json.loads((ROOT / "host.json").read_text())
    assert host["extensions"]["http"]["routePrefix"] == ""
    routes = {f["name"]: b["route"] for f in _startup()["functions"] for b in f["bindings"] if b["type"] == "httpTrigger"}
    assert len(routes) >= 15, routes
    outside = {n: r for n, r in routes.items() if not (r == "console" or r.startswith(("api/", "console/")))}
    assert outside == {}, f"HTTP routes must start with api/ or console (CONTRIBUTING.md): {outside}"


def _fn(name: str):
    """A handler through the documented v2 testing API: ``<builder>.build().get_user_function()``."""
    import health_http
    import leads_http
    import privacy_http
    import purge_timer
    import sync_queue
    import sync_timer

    for module in (health_http, leads_http, sync_timer, sync_queue, privacy_http, purge_timer):
        builder = getattr(module, name, None)
        if builder is not None:
            return builder.build().get_user_function()
    raise KeyError(name)


def _req(method: str, url: str, params=None, body: bytes = b"", route_params=None) -> func.HttpRequest:
    return func.HttpRequest(method=method, url=url, params=params or {}, body=body, route_params=route_params or {})


def _json(resp: func.HttpResponse) -> dict:
    assert resp.mimetype in ("application/json", "application/problem+json")
    return json.loads(resp.get_body())


def _runtime(make_settings, store, **kw) -> Runtime:
    base = load_settings({"LEAD_SYNC_SHEETS_FILE": str(SAMPLES / "sheets.json"), "LEAD_SYNC_STORAGE": "x"})
    rt = Runtime(make_settings(*base.sheets, **kw), environ={}, store=store)
    set_runtime(rt)
    return rt


def test_health_without_settings_answers_with_actionable_errors() -> None:
    """With no settings both health views answer; the keyed one names what to set."""
    set_runtime(Runtime(load_settings({}), environ={}))
    resp = _fn("health")(_req("GET", "/api/leads/health"))
    doc = _json(resp)
    assert resp.status_code == 503 and doc["status"] == "ERROR" and doc["configuration"] == "has problems"
    resp = _fn("health_detail")(_req("GET", "/api/leads/health/detail"))
    doc = _json(resp)
    assert resp.status_code == 503 and doc["status"] == "ERROR"
    text = " ".join(doc["problems"])
    assert "LEAD_SYNC_SHEETS" in text and "LEAD_SYNC_STORAGE" in text


def test_health_reports_each_sheet_without_pii(make_settings, store) -> None:
    """After a sync, health lists every sheet with status, counts and runs, and no lead data."""
    rt = _runtime(make_settings, store)
    rt.syncs.run(trigger="test")
    resp = _fn("health_detail")(_req("GET", "/api/leads/health/detail"))
    doc = _json(resp)
    assert resp.status_code == 200 and doc["status"] == "WARNING"
    by_id = {s["sheet_id"]: s for s in doc["sheets"]}
    assert by_id["bright-dental"]["status"] == "SUCCESS" and by_id["bright-dental"]["leads"] == 6
    assert by_id["acme-facebook"]["counts"]["added"] == 10 and by_id["acme-facebook"]["last_success_at"]
    assert by_id["acme-facebook"]["recent_runs"][0]["status"] == "WARNING"
    assert "@" not in resp.get_body().decode()


def test_health_shows_a_broken_sheet_config(make_settings, store) -> None:
    """A sheet entry that fails validation is ERROR in health; the others are unaffected."""
    rt = _runtime(make_settings, store)
    rt.settings = type(rt.settings)(**{**rt.settings.__dict__, "broken": (BrokenSheet("bad", "X", "invalid sheet config: id: ..."),)})
    rt.syncs.run(trigger="test")
    doc = _json(_fn("health_detail")(_req("GET", "/api/leads/health/detail")))
    by_id = {s["sheet_id"]: s for s in doc["sheets"]}
    assert by_id["bad"]["status"] == "ERROR" and doc["status"] == "ERROR"
    assert by_id["northwind-expo"]["status"] == "SUCCESS"


def test_leads_listing_and_paging(make_settings, store) -> None:
    """GET /api/leads pages through one sheet's leads with a continuation token."""
    rt = _runtime(make_settings, store)
    rt.syncs.run(trigger="test")
    list_leads = _fn("list_leads")
    first = list_leads(_req("GET", "/api/leads", {"sheet": "acme-facebook", "page_size": "4"}))
    doc = _json(first)
    assert first.status_code == 200 and doc["count"] == 4 and doc["continuation"]
    seen = [i["id"] for i in doc["items"]]
    while doc["continuation"]:
        doc = _json(
            list_leads(_req("GET", "/api/leads", {"sheet": "acme-facebook", "page_size": "4", "continuation": doc["continuation"]}))
        )
        seen += [i["id"] for i in doc["items"]]
    assert len(seen) == len(set(seen)) == 10
    item = doc["items"][0]
    assert set(item) >= {"id", "sheet_id", "customer", "full_name", "email", "phone", "extra", "deleted", "first_seen"}
    by_customer = _json(list_leads(_req("GET", "/api/leads", {"customer": "Northwind Software"})))
    assert by_customer["count"] == 6
    recent = _json(list_leads(_req("GET", "/api/leads", {"customer": "Northwind Software", "updated_since": "2020-01-01T00:00:00Z"})))
    future = _json(list_leads(_req("GET", "/api/leads", {"customer": "Northwind Software", "updated_since": "2100-01-01"})))
    assert recent["count"] == 6 and future["count"] == 0


def test_leads_bad_requests(make_settings, store) -> None:
    """Bad page size, unknown sheet, a bad token and a bad time are 4xx with a message; no customer or sheet reads every sheet."""
    _runtime(make_settings, store)
    list_leads = _fn("list_leads")
    assert list_leads(_req("GET", "/api/leads")).status_code == 200
    assert list_leads(_req("GET", "/api/leads", {"sheet": "acme-facebook", "page_size": "0"})).status_code == 400
    assert list_leads(_req("GET", "/api/leads", {"sheet": "acme-facebook", "page_size": "x"})).status_code == 400
    assert list_leads(_req("GET", "/api/leads", {"sheet": "nope"})).status_code == 404
    bad = list_leads(_req("GET", "/api/leads", {"sheet": "acme-facebook", "continuation": "%%%"}))
    assert bad.status_code == 400 and "token" in _json(bad)["error"]
    when = list_leads(_req("GET", "/api/leads", {"sheet": "acme-facebook", "updated_since": "last tuesday"}))
    assert when.status_code == 400 and "RFC 3339" in _json(when)["error"]


def test_manual_sync_endpoint(make_settings, store) -> None:
    """
    POST /api/leads/sync answers 202 with the run and its Location; the queue worker syncs it and
    GET /api/leads/runs/{id} shows each sheet done; unknown sheets are 404, bad JSON 400.
    """
    rt = _runtime(make_settings, store)
    manual, run = _fn("manual_sync"), _fn("sync_run")
    resp = manual(_req("POST", "/api/leads/sync", body=b'{"sheet": "northwind-expo"}'))
    doc = _json(resp)
    assert resp.status_code == 202 and resp.headers["Location"] == f"/api/leads/runs/{doc['run_id']}"
    assert doc["state"] == "queued" and [s["sheet_id"] for s in doc["sheets"]] == ["northwind-expo"]
    assert store.get_state("northwind-expo") is None, "nothing synced inside the request"
    Worker.from_host_json(rt.queue, retry_delay=0).run_until_idle()  # type: ignore[arg-type]
    after = run(_req("GET", doc["status_url"], route_params={"run": doc["run_id"]}))
    sheet = _json(after)["sheets"][0]
    assert after.status_code == 200 and _json(after)["state"] == "done"
    assert sheet["state"] == "done" and sheet["status"] in ("SUCCESS", "WARNING") and sheet["report"]["added"] == 6
    assert manual(_req("POST", "/api/leads/sync", body=b'{"sheet": "nope"}')).status_code == 404
    assert manual(_req("POST", "/api/leads/sync", body=b"{not json")).status_code == 400
    assert manual(_req("POST", "/api/leads/sync")).status_code == 400, "syncing everything needs an explicit body"
    assert manual(_req("POST", "/api/leads/sync", body=b'{"all": true, "sheet": "northwind-expo"}')).status_code == 400
    everything = _json(manual(_req("POST", "/api/leads/sync", body=b'{"all": true}')))
    assert len(everything["sheets"]) == 4 and everything["counts"]["queued"] == 4
    Worker.from_host_json(rt.queue, retry_delay=0).run_until_idle()  # type: ignore[arg-type]
    done = _json(run(_req("GET", "/x", route_params={"run": everything["run_id"]})))
    assert done["state"] == "done" and done["counts"]["done"] == 4
    missing = run(_req("GET", "/x", route_params={"run": "0" * 32}))
    assert missing.status_code == 404 and _json(missing)["code"] == "unknown_run"
    assert run(_req("GET", "/x", route_params={"run": "../etc"})).status_code == 400


def test_manual_sync_waits_for_a_quick_sheet(make_settings, store) -> None:
    """With wait, a single-sheet sync that finishes in time answers 200 with its report (worker running beside)."""
    rt = _runtime(make_settings, store)
    stop = threading.Event()
    worker = threading.Thread(target=Worker.from_host_json(rt.queue, retry_delay=0).run_forever, args=(stop, 0.1), daemon=True)  # type: ignore[arg-type]
    worker.start()
    try:
        resp = _fn("manual_sync")(_req("POST", "/api/leads/sync", body=b'{"sheet": "bright-dental", "wait": 15}'))
    finally:
        stop.set()
        worker.join(10)
    doc = _json(resp)
    assert resp.status_code == 200 and doc["sheets"][0]["added"] == 6 and resp.headers["Location"].endswith(doc["run_id"])


def test_approve_endpoint(make_settings, store, tmp_path) -> None:
    """Approving is refused unless the guard blocked the last sync; then it applies once."""

    path = tmp_path / "t.csv"
    write_rows(path, TWENTY_PEOPLE)
    from tests.conftest import csv_sheet

    rt = Runtime(make_settings(csv_sheet("t", path)), environ={}, store=store)
    set_runtime(rt)
    approve = _fn("approve_drop")
    rt.syncs.run()
    nothing = b'{"change": "d0000000000000000"}'
    assert approve(_req("POST", "/api/leads/sheets/t/approve", body=nothing, route_params={"sheet": "t"})).status_code == 409
    write_rows(path, TWENTY_PEOPLE[:2])
    blocked = rt.syncs.run().sheets[0]
    assert blocked.status == "ERROR" and blocked.blocked["kind"] == "drop" and blocked.blocked["count"] == 19
    change = blocked.blocked["id"]
    unnamed = approve(_req("POST", "/api/leads/sheets/t/approve", body=b"{}", route_params={"sheet": "t"}))
    assert unnamed.status_code == 400 and "health/detail" in _json(unnamed)["detail"], "an approval names the change it approves"
    wrong = approve(_req("POST", "/a", body=b'{"change": "d0000000000000000"}', route_params={"sheet": "t"}))
    assert wrong.status_code == 409
    ok = approve(_req("POST", "/a", body=json.dumps({"change": change, "reason": "list cleaned"}).encode(), route_params={"sheet": "t"}))
    assert ok.status_code == 200 and _json(ok)["by"] == "function key"
    detail = _json(_fn("health_detail")(_req("GET", "/api/leads/health/detail", {"sheet": "t"})))["sheets"][0]
    assert detail["blocked"]["id"] == change and detail["approved"]["change_id"] == change and not detail["awaiting_approval"]
    assert [p["row"] for p in detail["blocked"]["preview"]][:3] == [3, 4, 5]
    assert approve(_req("POST", "/x", body=nothing, route_params={"sheet": "nope"})).status_code == 404
    applied = rt.syncs.run().sheets[0]
    assert applied.deleted == 19 and applied.status == "SUCCESS" and "approved" in applied.reason_codes
    history = _json(_fn("health_detail")(_req("GET", "/api/leads/health/detail", {"sheet": "t"})))["sheets"][0]["approvals"]
    assert history[-1]["outcome"] == "applied" and history[-1]["reason"] == "list cleaned"


def test_timer_enqueues_every_sheet_and_the_queue_syncs_them(make_settings, store) -> None:
    """The timer function enqueues one message per sheet (even when past due) and returns; the queue function syncs each."""
    rt = _runtime(make_settings, store)
    _fn("sync_timer")(TimerRequest(past_due=True))
    assert store.list_states() == [] and rt.queue.count() == 4  # type: ignore[attr-defined]
    Worker.from_host_json(rt.queue, retry_delay=0).run_until_idle()  # type: ignore[arg-type]
    assert {s.sheet_id for s in store.list_states()} == {"acme-facebook", "bright-dental", "northwind-expo", "greenleaf-list"}


def test_sync_with_unreachable_storage_reports_every_sheet(make_settings) -> None:
    """Storage down: every sheet is ERROR in the report; nothing raises."""
    base = load_settings({"LEAD_SYNC_SHEETS_FILE": str(SAMPLES / "sheets.json"), "LEAD_SYNC_STORAGE": "x"})
    settings = make_settings(*base.sheets, storage_connection="not a connection string")
    report = Runtime(settings, environ={}).syncs.run()
    assert report.status == "ERROR" and len(report.sheets) == 4
    assert all("store" in s.reason_codes for s in report.sheets)


def test_one_google_source_and_rate_limit_for_all_sheets() -> None:
    """Every Google sheet of a run shares one source, so one pacing budget covers the service account."""
    from shared.config import Settings, SheetConfig

    a = SheetConfig(id="a", customer="A", spreadsheet_id="1AAAAAAAAAAAAAAA")
    b = SheetConfig(id="b", customer="B", spreadsheet_id="1BBBBBBBBBBBBBBB")
    rt = Runtime(Settings(sheets=(a, b), reads_per_minute=30), environ={})
    sa, sb = rt.source_for(a), rt.source_for(b)
    assert sa is sb and sa.limiter.interval == 2.0


def test_health_one_sheet_with_history(make_settings, store) -> None:
    """?sheet=ID shows one sheet with runs read from the history; unknown sheets are 404."""
    rt = _runtime(make_settings, store)
    for _ in range(3):
        rt.syncs.run(trigger="test")
    health = _fn("health_detail")
    doc = _json(health(_req("GET", "/api/leads/health", {"sheet": "bright-dental", "runs": "10"})))
    assert [s["sheet_id"] for s in doc["sheets"]] == ["bright-dental"] and len(doc["sheets"][0]["recent_runs"]) == 3
    everyone = _json(health(_req("GET", "/api/leads/health", {"runs": "2"})))
    assert all(len(s["recent_runs"]) == 2 for s in everyone["sheets"])
    assert health(_req("GET", "/api/leads/health", {"sheet": "nope"})).status_code == 404
    assert health(_req("GET", "/api/leads/health", {"runs": "many"})).status_code == 400


def test_disabled_sheet_does_not_colour_overall_health(make_settings, store) -> None:
    """A sheet switched off in config is listed but does not make the whole service WARNING."""
    from shared.config import SheetConfig

    on = SheetConfig(id="on", customer="A", source="csv", path="bright_dental_enquiries.csv")
    off = SheetConfig(id="off", customer="B", source="csv", path="nope.csv", enabled=False)
    rt = Runtime(make_settings(on, off), environ={}, store=store)
    set_runtime(rt)
    rt.syncs.run()
    doc = _json(_fn("health_detail")(_req("GET", "/api/leads/health/detail")))
    by_id = {s["sheet_id"]: s for s in doc["sheets"]}
    assert by_id["off"]["enabled"] is False and by_id["off"]["status"] == "WARNING"
    assert doc["status"] == "SUCCESS"
