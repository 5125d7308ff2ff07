"""
The samples, end to end, against a recorded answer: a refactor that is meant to change no
behaviour must leave every stored entity and every HTTP answer as it was, clocks and random ids
apart.

The app runs as it does in Azure: the timer function enqueues the samples, the queue function
(through ``scripts.queue_worker``) syncs them into Azurite, and each HTTP function answers a fixed
list of requests. Stored tables are read back raw. Times, run ids, durations, ETags and tokens
are replaced by placeholders (``normalised``); what is left is compared with
``tests/golden/samples.json``. After a deliberate change, rewrite it with
``UPDATE_GOLDEN=1 scripts/test tests/test_golden.py`` and review the diff in the commit.
"""

from __future__ import annotations

import json
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import azure.functions as func
from azure.data.tables import TableServiceClient
from azure.functions.timer import TimerRequest

from scripts.queue_worker import Worker
from shared.config import load_settings
from shared.service import Runtime, set_runtime
from tests.conftest import SAMPLES

GOLDEN = Path(__file__).resolve().parent / "golden" / "samples.json"

TIME = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)?")
HEX32 = re.compile(r"\b[0-9a-f]{32}\b")
TIME_KEY = re.compile(r"\b\d{13,17}-[0-9a-f]{8}\b")
"""Row keys that sort newest first (run history, audit): an inverted clock and a random suffix."""
DURATION = re.compile(r'("(?:duration_ms|elapsed_ms)"\s*:\s*)\d+')
VOLATILE_KEYS = {"duration_ms", "elapsed_ms", "version", "started_at", "error_id", "audit_id", "owner", "lease_owner"}
TOKEN_KEYS = {"continuation", "watermark", "ETag", "Location", "status_url"}


def normalised(value: Any, key: str = "") -> Any:
    """``value`` with clocks, random ids and durations replaced by placeholders, recursively."""
    if isinstance(value, dict):
        return {k: normalised(v, k) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [normalised(v, key) for v in value]
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, datetime):
        return "<time>"
    if key in VOLATILE_KEYS:
        return f"<{key}>"
    if key in TOKEN_KEYS:
        return "<token>"
    if isinstance(value, str):
        value = DURATION.sub(r"\1<ms>", value)
        return TIME_KEY.sub("<key>", HEX32.sub("<id>", TIME.sub("<time>", value)))
    return value


def _fn(name: str) -> Any:
    import health_http
    import leads_http
    import privacy_http
    import sync_timer

    for module in (health_http, leads_http, privacy_http, sync_timer):
        builder = getattr(module, name, None)
        if builder is not None:
            return builder.build().get_user_function()
    raise KeyError(name)


def _call(name: str, method: str = "GET", params: dict[str, str] | None = None, body: Any = None, route: dict[str, str] | None = None):
    raw = b"" if body is None else json.dumps(body).encode()
    req = func.HttpRequest(method=method, url=f"/api/{name}", params=params or {}, body=raw, route_params=route or {})
    resp = _fn(name)(req)
    text = resp.get_body().decode() if resp.get_body() else ""
    return {
        "call": f"{method} {name} {json.dumps(params or {}, sort_keys=True)} {json.dumps(body, sort_keys=True)} {route or ''}",
        "status": resp.status_code,
        "headers": {k: v for k, v in resp.headers.items() if k in ("ETag", "Location", "Cache-Control")},
        "body": json.loads(text) if text else None,
    }


def _tables(connection: str, names: list[str]) -> dict[str, list[dict[str, Any]]]:
    service = TableServiceClient.from_connection_string(connection)
    out: dict[str, list[dict[str, Any]]] = {}
    for label, name in zip(("leads", "state", "runs", "jobs"), names, strict=True):
        rows = [dict(e) for e in service.get_table_client(name).list_entities()]
        if label == "jobs":
            # Runs are partitions with random ids: order them by their trigger (timer, then manual), not by id.
            trigger = {e["PartitionKey"]: str(e.get("trigger", "")) for e in rows if e["RowKey"] == "~run"}
            out[label] = sorted(rows, key=lambda e: (trigger.get(e["PartitionKey"], "") != "timer", e["PartitionKey"], e["RowKey"]))
            continue
        out[label] = sorted(rows, key=lambda e: (e["PartitionKey"], e["RowKey"] if label != "runs" else ""))
    return out


def record(azurite, tables, queue_names) -> dict[str, Any]:
    env = {
        "LEAD_SYNC_SHEETS_FILE": str(SAMPLES / "sheets.json"),
        "LEAD_SYNC_STORAGE": azurite.connection_string,
        "AzureWebJobsStorage": azurite.connection_string,
        "LEAD_SYNC_LEADS_TABLE": tables[0],
        "LEAD_SYNC_STATE_TABLE": tables[1],
        "LEAD_SYNC_RUNS_TABLE": tables[2],
        "LEAD_SYNC_JOBS_TABLE": queue_names[1],
        "LEAD_SYNC_QUEUE": queue_names[0],
        "LEAD_SYNC_ERASURE_KEY": "k" * 44,
        "SYNC_SCHEDULE": "0 */15 * * * *",
    }
    rt = Runtime(load_settings(env), environ=env)
    set_runtime(rt)
    _fn("sync_timer")(TimerRequest(past_due=False))
    Worker.from_host_json(rt.queue, retry_delay=0).run_until_idle()  # type: ignore[arg-type]
    answers = [_call("health"), _call("health_detail"), _call("health_detail", params={"sheet": "bright-dental", "runs": "2"})]
    for customer in sorted({s.customer for s in rt.settings.sheets}):
        answers.append(_call("list_leads", params={"customer": customer}))
    first = answers[-1]["body"]["items"][0]
    answers += [
        _call("list_leads", params={"sheet": "acme-facebook", "sort": "-created_at", "page_size": "3", "count": "true"}),
        _call("list_leads", params={"customer": "Bright Dental", "q": "melanie"}),
        _call("get_lead", params={"sheet": first["sheet_id"]}, route={"id": first["id"]}),
        _call("get_lead", params={"sheet": "acme-facebook"}, route={"id": "nope"}),
        _call("list_leads", params={"sheet": "nope"}),
        _call("list_leads", params={"customer": "Acme Roofing", "page_size": "0"}),
        _call("approve_drop", "POST", body={"change": "d0"}, route={"sheet": "acme-facebook"}),
        _call("manual_sync", "POST", body={"sheet": "nope"}),
        _call("reasons"),
    ]
    started = _call("manual_sync", "POST", body={"sheet": "northwind-expo"})
    Worker.from_host_json(rt.queue, retry_delay=0).run_until_idle()  # type: ignore[arg-type]
    answers += [started, _call("sync_run", route={"run": started["body"]["run_id"]})]
    person = next(x for x in first.get("contacts", [first]) if x.get("email")) if first.get("email") is None else first
    answers += [
        _call("erase_person", "POST", body={"email": person["email"]}),
        _call("audit_trail"),
        _call("unsuppress_person", "POST", body={"email": person["email"]}),
    ]
    stored = _tables(azurite.connection_string, [*tables, queue_names[1]])
    return normalised({"answers": answers, "stored": stored})


def test_samples_answer_and_store_as_recorded(azurite, tables, queue_names) -> None:
    """Every stored entity and HTTP answer for the samples equals the recorded one (placeholders for clocks and ids)."""
    got = record(azurite, tables, queue_names)
    got_text = json.dumps(got, indent=1, ensure_ascii=False, sort_keys=True, default=str) + "\n"
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(got_text, encoding="utf-8")
    want = json.loads(GOLDEN.read_text(encoding="utf-8"))
    got = json.loads(got_text)
    for i, (a, b) in enumerate(zip(got["answers"], want["answers"], strict=True)):
        assert a == b, f"answer {i} ({b['call']}) differs"
    for label in want["stored"]:
        assert got["stored"][label] == want["stored"][label], f"stored {label} differs"
    assert got == want


def test_normalised_keeps_what_matters() -> None:
    """Placeholders replace clocks and ids only: a changed value elsewhere still shows."""
    a = normalised({"at": "2026-01-02T03:04:05.123+00:00", "run_id": "a" * 32, "n": 3, "name": "x", "duration_ms": 9})
    b = normalised({"at": "2027-09-09T09:09:09+00:00", "run_id": "b" * 32, "n": 3, "name": "x", "duration_ms": 1})
    assert a == b
    assert normalised({"n": 3}) != normalised({"n": 4})
    assert normalised({"s": "row 5 of 2026"}) == {"s": "row 5 of 2026"}
