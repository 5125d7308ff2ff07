"""
The HTTP contract (issue 13): the OpenAPI document is valid OpenAPI 3.1, every route's real
answers validate against it, and the lists a dashboard needs (filters, search, sort, count,
ETags) behave as documented, against Azurite with the samples synced.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import azure.functions as func
import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate

from shared.config import SheetConfig, load_settings
from shared.contract import ROUTES, LeadsQueryParams, openapi, response_schema
from shared.core.reasons import ReasonCode
from shared.errors import InvalidRequestError
from shared.service import Runtime, set_runtime
from shared.web import parse_leads_query
from tests.conftest import SAMPLES

LEADS_PARAMS = (*LeadsQueryParams.model_fields, "code")
PATHS = {
    "list_leads": ("/api/leads", "get"),
    "get_lead": ("/api/leads/{id}", "get"),
    "manual_sync": ("/api/leads/sync", "post"),
    "sync_run": ("/api/leads/runs/{run}", "get"),
    "approve_drop": ("/api/leads/sheets/{sheet}/approve", "post"),
    "health": ("/api/leads/health", "get"),
    "health_detail": ("/api/leads/health/detail", "get"),
    "reasons": ("/api/leads/reasons", "get"),
    "openapi": ("/api/openapi.json", "get"),
    "erase_person": ("/api/leads/erasures", "post"),
    "unsuppress_person": ("/api/leads/erasures/unsuppress", "post"),
    "audit_trail": ("/api/leads/audit", "get"),
    "list_removals": ("/api/leads/removals", "get"),
    "sheet_changed": ("/api/leads/sheets/{sheet}/changed", "post"),
    "sheet_notify_setup": ("/api/leads/sheets/{sheet}/notify", "get"),
    "webhooks_collection GET": ("/api/webhooks", "get"),
    "webhooks_collection POST": ("/api/webhooks", "post"),
    "webhook_item GET": ("/api/webhooks/{id}", "get"),
    "webhook_item PATCH": ("/api/webhooks/{id}", "patch"),
    "webhook_item DELETE": ("/api/webhooks/{id}", "delete"),
    "webhook_deliveries": ("/api/webhooks/{id}/deliveries", "get"),
    "webhook_replay": ("/api/webhooks/{id}/replay", "post"),
}
seen: set[tuple[str, str, int]] = set()


def _fn(name: str):
    import changes_http
    import health_http
    import leads_http
    import privacy_http
    import webhooks_http

    for module in (health_http, leads_http, privacy_http, changes_http, webhooks_http):
        builder = getattr(module, name, None)
        if builder is not None:
            return builder.build().get_user_function()
    raise KeyError(name)


def _req(method: str, params=None, body: bytes = b"", route_params=None, headers=None) -> func.HttpRequest:
    return func.HttpRequest(
        method=method, url="/api/x", params=params or {}, body=body, route_params=route_params or {}, headers=headers or {}
    )


def call(name: str, method: str = "GET", params=None, body: bytes = b"", route_params=None, headers=None) -> tuple[int, Any, dict]:
    """Call a handler and validate its answer against the document: (status, JSON or None, headers)."""
    resp = _fn(name)(_req(method, params, body, route_params, headers))
    path, verb = PATHS.get(f"{name} {method}") or PATHS[name]
    documented = openapi()["paths"][path][verb]["responses"]
    assert str(resp.status_code) in documented, (name, resp.status_code, resp.get_body()[:300])
    seen.add((path, verb, resp.status_code))
    hdrs = dict(resp.headers)
    # A dashboard on another origin may read the ETag and Location of every answer (the platform's CORS cannot say so).
    assert hdrs.get("Access-Control-Expose-Headers") == "ETag, Location", (name, hdrs)
    if resp.status_code == 304:
        assert resp.get_body() == b"" and hdrs.get("ETag")
        return 304, None, hdrs
    kind = next(iter(documented[str(resp.status_code)]["content"]))
    assert resp.mimetype == kind, (name, resp.status_code, resp.mimetype)
    doc = json.loads(resp.get_body())
    schema = response_schema(path, verb, resp.status_code)
    jsonschema.Draft202012Validator(schema).validate(doc)
    return resp.status_code, doc, hdrs


def _runtime(make_settings, store, *extra: SheetConfig) -> Runtime:
    base = load_settings({"LEAD_SYNC_SHEETS_FILE": str(SAMPLES / "sheets.json"), "LEAD_SYNC_STORAGE": "x"})
    settings = make_settings(
        *base.sheets,
        *extra,
        erasure_key="contract-test-erasure-key-0123456789",
        notify_key=NOTIFY_KEY,
        webhook_key=WEBHOOK_KEY,
        webhook_allow_loopback=True,
    )
    rt = Runtime(settings, environ={}, store=store)
    set_runtime(rt)
    return rt


NOTIFY_KEY = "contract-test-notify-key-0123456789"
# A second sheet of Acme Roofing, so that a customer's listing spans two partitions.
ACME_DENTAL = SheetConfig(
    id="acme-dental", customer="Acme Roofing", source="csv", path="bright_dental_enquiries.csv", overrides={"column_F": "source"}
)


def test_document_is_valid_openapi_31_and_served_anonymously() -> None:
    doc = openapi()
    validate(doc)  # openapi-spec-validator: raises on an invalid document
    assert doc["openapi"].startswith("3.1")
    status, served, headers = call("openapi")
    assert status == 200 and served == json.loads(json.dumps(doc)) and headers["ETag"].startswith('"')
    assert {(r.path, r.method) for r in ROUTES} == {(p, m) for p, ops in doc["paths"].items() for m in ops}
    # The reason codes are an enum in the document.
    assert set(doc["components"]["schemas"]["ReasonCode"]["enum"]) == {c.value for c in ReasonCode}
    # Every accepted query parameter of GET /api/leads is documented, and only those.
    listed = {p["name"] for p in doc["paths"]["/api/leads"]["get"]["parameters"] if p["in"] == "query"}
    assert listed == set(LEADS_PARAMS)


def _drain(rt: Runtime) -> None:
    """Deliver every queued sync message, as the host's queue trigger would."""
    from scripts.queue_worker import Worker

    Worker.from_host_json(rt.queue, retry_delay=0).run_until_idle()  # type: ignore[arg-type]


def _waited(rt: Runtime, body: bytes) -> tuple[int, Any, dict]:
    """POST /api/leads/sync with ``wait`` while a queue worker runs beside it: the 200 answer."""
    import threading

    from scripts.queue_worker import Worker

    stop = threading.Event()
    worker = threading.Thread(target=Worker.from_host_json(rt.queue, retry_delay=0).run_forever, args=(stop,), daemon=True)  # type: ignore[arg-type]
    worker.start()
    try:
        return call("manual_sync", "POST", body=body)
    finally:
        stop.set()
        worker.join(timeout=10)


def test_every_route_answers_as_the_document_says(make_settings, store) -> None:
    """Real answers of every route, successes and errors, validate against the document."""
    rt = _runtime(make_settings, store, ACME_DENTAL)
    seen.clear()
    assert call("health")[0] == 200
    assert call("health_detail")[0] == 200  # never synced: WARNING entries with few fields
    status, started, headers = call("manual_sync", "POST", body=b'{"all": true}')
    assert status == 202 and headers["Location"] == f"/api/leads/runs/{started['run_id']}"
    _drain(rt)
    status, run, _ = call("sync_run", route_params={"run": started["run_id"]})
    assert status == 200 and run["state"] == "done" and run["sheets"]
    for sheet in (s["report"] for s in run["sheets"]):
        assert sheet["header_row"] is None or sheet["header_row"] == sheet["header_row_index"] + 1
    assert call("sync_run", route_params={"run": "nope"})[0] == 404
    assert call("sync_run", route_params={"run": "../x"})[0] == 400
    status, report, _ = _waited(rt, b'{"sheet": "bright-dental", "wait": 15}')
    assert status == 200 and report["run_id"] and report["sheets"][0]["sheet_id"] == "bright-dental"
    assert call("manual_sync", "POST", body=b"{}")[0] == 400
    assert call("manual_sync", "POST", body=b'{"sheet": "nope"}')[0] == 404
    status, detail, _ = call("health_detail")
    assert status == 200
    for entry in detail["sheets"]:
        if entry.get("header_row") is not None:
            assert entry["header_row"] == entry["header_row_index"] + 1
    assert call("health_detail", params={"sheet": "acme-facebook", "runs": "3"})[0] == 200
    assert call("health_detail", params={"sheet": "nope"})[0] == 404
    assert call("health_detail", params={"runs": "99"})[0] == 400
    status, page, _ = call("list_leads", params={"customer": "Acme Roofing", "page_size": "3"})
    assert status == 200 and page["count"] == 3 and page["continuation"]
    assert call("list_leads", params={"customer": "Acme Roofing", "sort": "-created_at", "count": "true"})[0] == 200
    assert call("list_leads", params={"customer": "Acme Roofing", "sort": "sideways"})[0] == 400
    assert call("list_leads", params={"sheet": "nope"})[0] == 404
    lead = page["items"][0]
    status, one, _ = call("get_lead", params={"sheet": lead["sheet_id"]}, route_params={"id": lead["id"]})
    assert status == 200 and one["id"] == lead["id"]
    assert call("get_lead", params={"sheet": lead["sheet_id"]}, route_params={"id": "nope"})[0] == 404
    assert call("get_lead", route_params={"id": lead["id"]})[0] == 400
    assert call("approve_drop", "POST", route_params={"sheet": "bright-dental"}, body=b'{"change": "d1"}')[0] == 409
    assert call("approve_drop", "POST", route_params={"sheet": "bright-dental"}, body=b"{}")[0] == 400
    assert call("approve_drop", "POST", route_params={"sheet": "nope"}, body=b'{"change": "d1"}')[0] == 404
    assert call("approve_drop", "POST", route_params={"sheet": "bright-dental"}, body=b'{"x": 1}')[0] == 400
    status, erased, _ = call("erase_person", "POST", body=b'{"email": "Melanie.Dubois@Example.fr"}')
    assert status == 200 and erased["erased"] >= 1 and erased["identifiers"] == ["email"]
    assert call("erase_person", "POST", params={"email": "x@example.com"})[0] == 400
    status, removals, _ = call("list_removals", params={"customer": "Bright Dental"})
    assert status == 200 and removals["count"] >= 1 and {r["reason"] for r in removals["items"]} == {"erased"}
    again = call("list_removals", params={"customer": "Bright Dental", "since": removals["watermark"]})[1]
    assert again["items"] == removals["items"], "the watermark lies a minute back: a removal may be read twice, never missed"
    later = (datetime.now(UTC) + timedelta(minutes=5)).isoformat()
    assert call("list_removals", params={"customer": "Bright Dental", "since": later})[1]["count"] == 0
    assert call("list_removals", params={"sheet": "nope"})[0] == 404
    assert call("list_removals", params={})[0] == 200, "no customer or sheet: every sheet's removals"
    assert call("list_removals", params={"customer": "x", "since": "yesterday"})[0] == 400
    assert call("unsuppress_person", "POST", body=b'{"email": "melanie.dubois@example.fr"}')[0] == 200
    status, audit, _ = call("audit_trail", params={"page_size": "5"})
    assert status == 200 and audit["items"][0]["action"] == "unsuppress"
    assert call("audit_trail", params={"page_size": "0"})[0] == 400
    from shared.core.notify import notify_token

    status, setup, _ = call("sheet_notify_setup", route_params={"sheet": "bright-dental"})
    assert status == 200 and setup["token"] == notify_token(NOTIFY_KEY, "bright-dental", 1)
    assert call("sheet_notify_setup", route_params={"sheet": "nope"})[0] == 404
    bearer = {"Authorization": f"Bearer {setup['token']}"}
    status, notice, _ = call("sheet_changed", "POST", route_params={"sheet": "bright-dental"}, headers=bearer)
    assert status == 202 and notice["outcome"] == "queued" and notice["sync_expected_at"]
    assert call("sheet_changed", "POST", route_params={"sheet": "bright-dental"}, headers=bearer)[1]["outcome"] == "pending"
    assert call("sheet_changed", "POST", route_params={"sheet": "acme-facebook"}, headers=bearer)[0] == 401
    assert call("sheet_changed", "POST", route_params={"sheet": "bright-dental"}, params={"x": "1"}, headers=bearer)[0] == 400
    status, reasons, _ = call("reasons")
    assert status == 200 and {r["code"] for r in reasons["reasons"]} == {c.value for c in ReasonCode}
    assert all(r["meaning"] and r["action"] for r in reasons["reasons"])
    assert rt.settings.sheets
    _webhook_calls()
    assert {(p, m) for p, m, _ in seen} == {(r.path, r.method) for r in ROUTES} - {("/api/openapi.json", "get")}


WEBHOOK_KEY = "MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDE="
SECRET = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVowMTIzNDU="


def _webhook_calls() -> None:
    """Every webhook route, successes and errors, each answer validated against the document."""
    body = json.dumps({"url": "http://127.0.0.1:9/hook", "secret": SECRET, "types": ["lead.created"]}).encode()
    status, sub, headers = call("webhooks_collection", "POST", body=body)
    assert status == 201 and headers["Location"] == f"/api/webhooks/{sub['id']}" and "secret" not in sub
    for bad, field in (
        ({"url": "https://10.0.0.1/x", "secret": SECRET}, "url"),
        ({"url": "https://hooks.example/x", "secret": "whsec_" + "A" * 300}, "secret"),
        ({"url": "https://hooks.example/x", "secret": SECRET, "types": ["lead.exploded"]}, "types"),
        ({"url": "https://hooks.example/x"}, "secret"),
        ({"url": "https://hooks.example/x", "secret": SECRET, "extra": 1}, "extra"),
    ):
        status, problem, _ = call("webhooks_collection", "POST", body=json.dumps(bad).encode())
        assert status == 400 and field in problem["detail"], (bad, problem)
    status, detail, _ = call("health_detail")
    assert status == 200 and detail["webhooks"][0]["id"] == sub["id"] and detail["webhooks"][0]["pending"] is None
    status, listed, _ = call("webhooks_collection")
    assert status == 200 and [w["id"] for w in listed["items"]] == [sub["id"]]
    assert call("webhook_item", route_params={"id": sub["id"]})[1]["types"] == ["lead.created"]
    assert call("webhook_item", route_params={"id": "wh_0"})[0] == 404
    assert call("webhook_item", route_params={"id": "../x"})[0] == 400
    status, changed, _ = call("webhook_item", "PATCH", route_params={"id": sub["id"]}, body=b'{"disabled": true}')
    assert status == 200 and changed["disabled"] is True and changed["status"] == "disabled"
    assert call("webhook_item", "PATCH", route_params={"id": sub["id"]}, body=b'{"url": "ftp://x.example/"}')[0] == 400
    status, page, _ = call("webhook_deliveries", route_params={"id": sub["id"]}, params={"status": "dead"})
    assert status == 200 and page == {"items": [], "continuation": None}
    assert call("webhook_deliveries", route_params={"id": sub["id"]}, params={"status": "lost"})[0] == 400
    status, replayed, _ = call("webhook_replay", "POST", route_params={"id": sub["id"]}, body=b'{"since": "2026-01-01T00:00:00Z"}')
    assert status == 200 and replayed["replayed"] == 0
    assert call("webhook_replay", "POST", route_params={"id": sub["id"]}, body=b"{}")[0] == 400
    assert call("webhook_replay", "POST", route_params={"id": sub["id"]}, body=b'{"event_id": "evt_aaaa"}')[0] == 404
    assert call("webhook_item", "DELETE", route_params={"id": sub["id"]})[1] == {"id": sub["id"], "deleted": True}
    assert call("webhook_item", "DELETE", route_params={"id": sub["id"]})[0] == 404


def test_an_approval_and_a_blocked_sheet_validate(make_settings, store, tmp_path) -> None:
    """A sheet emptied by hand is blocked: report, health detail and the approval match the document."""
    import shutil

    path = tmp_path / "s.csv"
    shutil.copy(SAMPLES / "bright_dental_enquiries.csv", path)
    sheet = SheetConfig(id="s1", customer="C", source="csv", path=str(path))
    rt = Runtime(make_settings(sheet), environ={}, store=store)
    set_runtime(rt)
    assert _waited(rt, b'{"sheet": "s1", "wait": 15}')[0] == 200
    path.write_bytes(path.read_bytes().splitlines()[0] + b"\r\n")
    status, report, _ = _waited(rt, b'{"sheet": "s1", "wait": 15}')
    blocked = report["sheets"][0]["blocked"]
    assert blocked and report["sheets"][0]["awaiting_approval"] is True
    status, detail, _ = call("health_detail")
    assert detail["sheets"][0]["awaiting_approval"] is True and detail["sheets"][0]["blocked"]["id"] == blocked["id"]
    body = json.dumps({"change": blocked["id"], "confirm_empty": True, "reason": "test"}).encode()
    status, approval, _ = call("approve_drop", "POST", route_params={"sheet": "s1"}, body=body)
    assert status == 200 and approval["approved"] is True
    status, detail, _ = call("health_detail")
    assert detail["sheets"][0]["awaiting_approval"] is False and detail["sheets"][0]["approved"]["change_id"] == blocked["id"]


def _all(params: dict[str, str]) -> list[dict[str, Any]]:
    """Every page of a listing, following continuations; no page but the last is empty or short."""
    out: list[dict[str, Any]] = []
    token = None
    while True:
        status, page, _ = call("list_leads", params=params | ({"continuation": token} if token else {}))
        assert status == 200
        token = page["continuation"]
        out += page["items"]
        if not token:
            return out
        assert page["count"] == int(params.get("page_size", "100")), "a page that is not the last is full"


def test_filters_search_sort_and_count(make_settings, store) -> None:
    rt = _runtime(make_settings, store, ACME_DENTAL)
    rt.syncs.run(trigger="test")
    acme = {"customer": "Acme Roofing"}
    everything = _all(acme | {"page_size": "1000"})
    assert len(everything) == 16 and {x["sheet_id"] for x in everything} == {"acme-facebook", "acme-dental"}
    # Pages of 3 across two partitions, default and sorted orders: the same leads, once each.
    for extra in ({}, {"sort": "name"}, {"sort": "-created_at"}, {"sort": "company"}, {"count": "true"}):
        paged = _all(acme | {"page_size": "3"} | extra)
        assert sorted(x["id"] for x in paged) == sorted(x["id"] for x in everything), extra
    by_name = [x["full_name"] for x in _all(acme | {"sort": "name", "page_size": "4"})]
    assert by_name == sorted(by_name, key=lambda n: n.casefold())
    created = [x["created_at"] for x in _all(acme | {"sort": "-created_at"})]
    assert created[0] == "2026-11-26T15:20:00Z" and created[-1] == "2026-11-03"
    # count
    status, page, _ = call("list_leads", params=acme | {"count": "true", "page_size": "2"})
    assert page["total"] == 16 and page["count"] == 2
    # server-side filters
    assert {x["full_name"] for x in _all(acme | {"source": "Google"})} == {"Oliver Grant", "Grace Liu"}
    assert len(_all(acme | {"campaign": "Winter Roof Check", "page_size": "2"})) == 5
    assert _all(acme | {"status": "won"}) == []
    assert len(_all(acme | {"updated_from": "2000-01-01T00:00:00Z", "updated_to": "9000-01-01T00:00:00Z"})) == 16
    assert _all(acme | {"updated_to": "2000-01-01T00:00:00Z"}) == []
    # in-process filters
    assert [x["full_name"] for x in _all(acme | {"duplicate": "true"})] == ["Sarah Jones"]
    assert len(_all(acme | {"duplicate": "false"})) == 15
    # Decided per lead, paged across both partitions: every page but the last is full, each lead once.
    for extra in ({"duplicate": "false"}, {"has_invalid": "false"}, {"q": "example"}):
        paged = _all(acme | extra | {"page_size": "4"})
        assert len(paged) == len({(x["sheet_id"], x["id"]) for x in paged}) == len(_all(acme | extra)), extra
    assert [x["full_name"] for x in _all(acme | {"has_invalid": "true"})] == ["Dave Smith"]
    window = _all(acme | {"created_from": "2026-11-20T00:00:00Z", "created_to": "2026-11-21T00:00:00Z", "page_size": "1"})
    assert {x["full_name"] for x in window} == {"Sarah Jones", "Tom Baker"}
    # search: names with accents, email, company, and a phone in any format
    assert [x["full_name"] for x in _all(acme | {"q": "melanie"})] == ["Mélanie Dubois"]
    assert [x["full_name"] for x in _all(acme | {"q": "O.GRANT@"})] == ["Oliver Grant"]
    for phone in ("07400 123456", "+44 (0)7400-123456", "0044 7400 123456", "7400123456", "400 123"):
        assert [x["full_name"] for x in _all(acme | {"q": phone})] == ["Tom Baker"], phone
    assert [x["company"] for x in _all({"customer": "Northwind Software", "q": "fabrikam"})] == ["Fabrikam Group"]
    assert _all(acme | {"q": "Fabrikam"}) == [], "a customer's search reads only its own sheets"
    # deleted
    assert _all(acme | {"deleted": "true"}) == []
    # a sorted token is refused without its sort, and a walk token with a sort
    token = call("list_leads", params=acme | {"sort": "name", "page_size": "2"})[1]["continuation"]
    assert call("list_leads", params=acme | {"continuation": token})[0] == 400
    assert call("list_leads", params=acme | {"sort": "company", "continuation": token})[0] == 400
    walk = call("list_leads", params=acme | {"page_size": "2"})[1]["continuation"]
    assert call("list_leads", params=acme | {"sort": "name", "continuation": walk})[0] == 400


def test_etags_answer_304_when_nothing_changed(make_settings, store) -> None:
    rt = _runtime(make_settings, store)
    rt.syncs.run(trigger="test")
    cases: list[tuple[str, dict[str, str], dict[str, str]]] = [
        ("health", {}, {}),
        ("health_detail", {}, {}),
        ("list_leads", {"customer": "Acme Roofing"}, {}),
        ("list_leads", {"customer": "Acme Roofing", "sort": "name", "count": "true"}, {}),
        ("reasons", {}, {}),
    ]
    lead = call("list_leads", params={"sheet": "bright-dental", "page_size": "1"})[1]["items"][0]
    cases.append(("get_lead", {"sheet": "bright-dental"}, {"id": lead["id"]}))
    for name, params, route in cases:
        status, _, headers = call(name, params=params, route_params=route)
        etag = headers["ETag"]
        assert status == 200 and etag
        assert call(name, params=params, route_params=route, headers={"If-None-Match": etag})[0] == 304, name
        assert call(name, params=params, route_params=route, headers={"If-None-Match": '"other"'})[0] == 200, name
    strong = call("get_lead", params={"sheet": "bright-dental"}, route_params={"id": lead["id"]})[2]["ETag"]
    assert strong.startswith('"'), "a single lead's representation has no clock: a strong ETag"
    # A change (a new sync that writes) changes the lead's ETag.
    rt.store.merge_leads("bright-dental", [lead["id"]], {"status": "won"})
    assert call("get_lead", params={"sheet": "bright-dental"}, route_params={"id": lead["id"]}, headers={"If-None-Match": strong})[0] == 200


QUERY_ROUTES = {
    "list_leads": ("/api/leads", "parse_leads_query"),
    "list_removals": ("/api/leads/removals", "parse_removals_query"),
    "health_detail": ("/api/leads/health/detail", "parse_health_query"),
    "audit_trail": ("/api/leads/audit", "parse_audit_query"),
    "reasons": ("/api/leads/reasons", "parse_no_params"),
}
CHECKER = jsonschema.Draft202012Validator.FORMAT_CHECKER


def _ecma_pattern(validator: Any, pattern: str, instance: Any, schema: Any) -> Any:
    """JSON Schema patterns are ECMA-262: a final ``$`` is the end of the text (Python's also matches before a final newline)."""
    if isinstance(instance, str) and not re.search(pattern[:-1] + r"\Z" if pattern.endswith("$") else pattern, instance):
        yield jsonschema.ValidationError(f"{instance!r} does not match {pattern!r}")


ECMA = jsonschema.validators.extend(jsonschema.Draft202012Validator, {"pattern": _ecma_pattern})


def _valid_by_document(path: str, params: dict[str, str]) -> bool:
    """
    Whether the document says this query string is valid, read as a generator reads it: a boolean
    is ``true``/``false``, an integer its digits, a string is checked against its schema and formats.
    """
    declared = {p["name"]: p["schema"] for p in openapi()["paths"][path]["get"]["parameters"] if p["in"] == "query"}
    for name, text in params.items():
        if name not in declared or text.encode("utf-8", "surrogatepass").decode("utf-8", "replace") != text:
            return False  # unknown, or text no URL can carry (a lone surrogate: not UTF-8)
        schema = declared[name]
        value: Any = text
        if schema.get("type") == "boolean":
            if text not in ("true", "false"):
                return False
            value = text == "true"
        elif schema.get("type") == "integer":
            if not re.fullmatch(r"[+-]?[0-9]+", text):
                return False
            value = int(text)
        if not ECMA(schema, format_checker=CHECKER).is_valid(value):
            return False
    return True


VALUES = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "true",
            "false",
            "True",
            "1",
            "0",
            "",
            " ",
            "-created_at",
            "name",
            "2026-01-01T00:00:00Z",
            "2026-01-01T00:00:00",
            "2026-02-30",
            "2026-01-01",
            "0001-01-01T00:00:00+14:00",
            "9999-12-31T23:59:59-14:00",
            "1000",
            "+5",
            "5.0",
            "50",
            "51",
            "Acme Roofing",
            "acme\n",
            "acme-facebook",
            "a" * 65,
            "\ud800",
            "s.e30",
            " x ",
        ]
    ),
)


@settings(max_examples=400, deadline=None)
@given(route=st.sampled_from(sorted(QUERY_ROUTES)), data=st.data())
def test_a_query_string_is_accepted_exactly_when_the_document_says_it_is_valid(route: str, data: st.DataObject) -> None:
    """
    The server enforces the document and nothing else: a query string that the document's
    parameters accept parses, and one they refuse is a 400 naming the fix (never a crash).
    """
    import shared.web as web

    path, parser = QUERY_ROUTES[route]
    names = [p["name"] for p in openapi()["paths"][path]["get"]["parameters"] if p["in"] == "query" and p["name"] != "code"]
    params = data.draw(st.dictionaries(st.sampled_from([*names, "x", "Sheet"]), VALUES, max_size=5))
    refusal = ""
    try:
        getattr(web, parser)(_req("GET", params))
    except InvalidRequestError as e:
        refusal = str(e) or "(no message)"
    assert (not refusal) == _valid_by_document(path, params), (params, refusal)


def test_an_incremental_read_serves_soft_deletions_unless_told_not_to() -> None:
    """updated_since alone includes deleted leads (deletions are changes); include_deleted=false opts out; no updated_since: live only."""
    since = {"sheet": "s", "updated_since": "2026-01-01T00:00:00Z"}
    assert parse_leads_query(_req("GET", since)).lead_filter().include_deleted
    assert not parse_leads_query(_req("GET", since | {"include_deleted": "false"})).lead_filter().include_deleted
    assert not parse_leads_query(_req("GET", {"sheet": "s"})).lead_filter().include_deleted
    assert parse_leads_query(_req("GET", {"sheet": "s", "deleted": "true"})).lead_filter().include_deleted


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        st.text(max_size=60),
        st.text(max_size=60).map(lambda t: "s." + t),
        st.binary(max_size=80).map(lambda b: "s." + __import__("base64").urlsafe_b64encode(b).decode()),
    )
)
def test_sorted_continuation_tokens_are_refused_cleanly(token: str) -> None:
    """A forged or foreign sorted-listing token is a 400 naming the fix, never a crash."""
    from shared.service.leads import decode_sort_token

    try:
        value = decode_sort_token(token, "name")
    except InvalidRequestError as e:
        assert "continuation" in str(e)  # noqa: PT017 - a fuzz test: either outcome is checked
    else:
        assert value is None or (value["s"] == "name" and len(value["k"]) == 4)


@pytest.mark.parametrize("value", ["+44 7911 123456", "07911123456", "(07911) 123-456", "0044-7911-123456"])
def test_search_finds_a_phone_in_any_format(value: str) -> None:
    from shared.core.leadquery import Search

    assert Search(value)({"phone": "+447911123456"})
    assert not Search(value)({"phone": "+447911123457"})


def test_every_http_function_is_in_the_route_registry() -> None:
    """A route added to a blueprint but not to shared.contract.ROUTES fails here (issues 12 and 14 add routes)."""
    from scripts.devserver import http_routes

    # The console's pages (console_http, issue 21) and their old address (api/console, a redirect)
    # are HTML for people, not the JSON API's contract. routePrefix is empty: a route is its path.
    console = ("console", "api/console")
    registered = {(method.lower(), "/" + route.strip("/")) for method, route, *_ in http_routes() if not route.startswith(console)}
    documented = {(r.method, r.path) for r in ROUTES}
    assert registered == documented
    auth = {("/" + route.strip("/"), method.lower()): level for method, route, _, _, level in http_routes()}
    for r in ROUTES:
        assert auth[(r.path, r.method)] == r.auth.upper(), r.path


def test_the_local_servers_own_errors_are_problem_documents() -> None:
    from scripts.devserver import _NOT_FOUND, _problem

    schema = {"$ref": "#/components/schemas/Problem", "components": openapi()["components"]}
    for body in (_NOT_FOUND, _problem(401, "unauthorized", "Unauthorized", "a function key is needed")):
        jsonschema.Draft202012Validator(schema).validate(json.loads(body))


LAZY = r"""
import json, sys
import azure.functions as func
import function_app
loaded = {"import": "shared.contract" in sys.modules}
import health_http
req = func.HttpRequest(method="GET", url="/api/leads/health", params={}, body=b"")
status = health_http.health.build().get_user_function()(req).status_code
loaded["health"] = "shared.contract" in sys.modules
import leads_http
leads_http.list_leads.build().get_user_function()(func.HttpRequest(method="GET", url="/api/leads", params={"page_size": "0"}, body=b""))
loaded["leads"] = "shared.contract" in sys.modules
print(json.dumps({"loaded": loaded, "status": status}))
"""


def test_the_contract_is_loaded_by_the_first_request_that_needs_it() -> None:
    """
    Importing function_app and answering the anonymous health probe never load shared.contract
    (issue 20: it cost 29 ms of every cold start, for lists of parameter names); the first
    request that parses a query does.
    """
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    proc = subprocess.run(
        [sys.executable, "-c", LAZY], cwd=ROOT, env={"PATH": os.environ.get("PATH", "")}, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["loaded"] == {"import": False, "health": False, "leads": True}, out
    assert out["status"] in (200, 503)


def test_a_pages_etag_covers_where_its_continuation_leads(make_settings, store) -> None:
    """
    Two reads of one page answer one ETag although each first page's continuation carries its own
    clock; the same items with another continuation, or none, answer another ETag: a reader whose
    last page gains a next page gets 200 with it, not a 304 that hides it (issue 18).
    """
    import time

    from shared.web import PAGE_VOLATILE, etag_of

    _runtime(make_settings, store).syncs.run(trigger="test", only="bright-dental")
    params = {"sheet": "bright-dental", "page_size": "2"}
    first = call("list_leads", params=params)
    time.sleep(1.1)  # the next walk's watermark (and so its token) differs
    second = call("list_leads", params=params)
    assert first[1]["continuation"] and first[1]["continuation"] != second[1]["continuation"]
    assert first[2]["ETag"] == second[2]["ETag"], "the clock in a token is not a change"
    assert call("list_leads", params=params, headers={"If-None-Match": first[2]["ETag"]})[0] == 304
    page = first[1]
    last = {**page, "continuation": None}
    assert etag_of(last, PAGE_VOLATILE) != etag_of(page, PAGE_VOLATILE), (
        "a page that became the last one (or stopped being it) changes its ETag"
    )
    elsewhere = call("list_leads", params=params | {"continuation": page["continuation"]})[1]
    moved = {**page, "continuation": elsewhere["continuation"]}
    assert elsewhere["continuation"] and etag_of(moved, PAGE_VOLATILE) != etag_of(page, PAGE_VOLATILE)


def test_an_incremental_read_learns_that_a_lead_left_its_sheet(make_settings, store, tmp_path) -> None:
    """
    A mirror that reads GET /api/leads?updated_since=<watermark> and nothing else sees the lead
    that left the sheet, marked deleted (issue 18: it needed include_deleted=true, which the
    README did not ask for); include_deleted=false leaves it out.
    """
    from tests.conftest import csv_sheet
    from tests.helpers import TWENTY_PEOPLE, write_rows

    path = tmp_path / "t.csv"
    write_rows(path, TWENTY_PEOPLE)
    rt = Runtime(make_settings(csv_sheet("t", path)), environ={}, store=store)
    set_runtime(rt)
    rt.syncs.run(only="t")
    mark = call("list_leads", params={"sheet": "t", "page_size": "100"})[1]["watermark"]
    write_rows(path, [row for row in TWENTY_PEOPLE if row[0] != "U7"])
    assert rt.syncs.run(only="t").sheets[0].deleted == 1
    changes = call("list_leads", params={"sheet": "t", "updated_since": mark, "page_size": "100"})[1]["items"]
    gone = [x for x in changes if x["deleted"]]
    assert len(gone) == 1 and gone[0]["email"] == "u7@example.com"
    live = call("list_leads", params={"sheet": "t", "updated_since": mark, "include_deleted": "false", "page_size": "100"})[1]["items"]
    assert not any(x["deleted"] for x in live)


BODY_ROUTES = {"SyncBody": "syncNow", "ApprovalBody": "approveChange", "ErasureBody": "erasePerson"}
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 30)
    | st.floats(allow_nan=False)
    | st.sampled_from([0.0, 14.0, 2.5])
    | st.text(max_size=8)
    | st.sampled_from(["acme-facebook", "d1a2b3", " ", "", "a@b.co", "+44 7911 123456", "x\n", "\ud800"]),
    lambda c: st.lists(c, max_size=2) | st.dictionaries(st.text(max_size=3), c, max_size=2),
    max_leaves=4,
)


@settings(max_examples=300, deadline=None)
@given(model=st.sampled_from(sorted(BODY_ROUTES)), data=st.data())
def test_a_body_is_accepted_exactly_when_the_document_says_it_is_valid(model: str, data: st.DataObject) -> None:
    """
    Each body model enforces its documented schema and nothing else: types without coercion,
    ranges, patterns, unknown keys, and the one-of rules (sheet or all; email and/or phone).
    """
    import shared.contract as contract
    from shared.web import body_of

    doc = openapi()
    schema = {"$ref": f"#/components/schemas/{model}", "components": doc["components"]}
    names = list(doc["components"]["schemas"][model]["properties"])
    body = data.draw(st.dictionaries(st.sampled_from([*names, "x"]), JSON_VALUES, max_size=4))
    raw = json.dumps(body).encode()
    refusal = ""
    try:
        body_of(_req("POST", body=raw), getattr(contract, model))
    except InvalidRequestError as e:
        refusal = str(e) or "(no message)"
    encodable = "\\ud800" not in raw.decode()  # a lone surrogate: no UTF-8 text, refused on every route
    valid = encodable and ECMA(schema, format_checker=CHECKER).is_valid(body)
    assert (not refusal) == valid, (model, body, refusal)
