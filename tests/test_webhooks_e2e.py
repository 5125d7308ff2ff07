"""
Issue 22 end to end on the local stack: Azurite, the app's HTTP functions behind the local server,
the queue functions driven as the host drives them, a receiver that verifies every signature.

1. A sheet edit -> POST /api/leads/sheets/{sheet}/changed with the sheet's token -> the debounced
   sync -> the dispatcher -> the receiver gets ``lead.created`` for each new lead, in order, once
   per ``webhook-id``.
2. The dispatcher is killed (SIGKILL, its own process) in the middle of a delivery batch: after
   its lease expires the next one delivers the rest; every event arrives at least once, none lost.
3. A receiver on a private address is refused (400 naming the url).
"""

from __future__ import annotations

import base64
import csv
import functools
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from scripts.webhook_receiver import new_secret, ordered, receiver
from shared.config import load_settings
from shared.core.notify import notify_token
from shared.service import Runtime, set_runtime
from tests.conftest import ROOT

KEY = "e2e-function-key"
NOTIFY_KEY = "e2e-notify-key-0123456789abcdef"
WEBHOOK_KEY = base64.b64encode(b"k" * 32).decode()


def _rows(n: int, start: int = 0) -> list[list[str]]:
    return [[f"Person {i}", f"p{i}@example.com", f"07700 {900000 + i}"] for i in range(start, start + n)]


def _write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="") as f:
        csv.writer(f).writerows([["Name", "Email", "Phone"], *rows])


def _env(azurite, tables, tmp_path: Path, sheets_json: str) -> dict[str, str]:
    return {
        "LEAD_SYNC_STORAGE": azurite.connection_string,
        "AzureWebJobsStorage": azurite.connection_string,
        "LEAD_SYNC_SHEETS": sheets_json,
        "LEAD_SYNC_LEADS_TABLE": tables[0],
        "LEAD_SYNC_STATE_TABLE": tables[1],
        "LEAD_SYNC_RUNS_TABLE": tables[2],
        "LEAD_SYNC_JOBS_TABLE": f"jobs{tables[0][5:]}",
        "LEAD_SYNC_WEBHOOKS_TABLE": f"hooks{tables[0][5:]}",
        "LEAD_SYNC_QUEUE": f"sync-{tables[0][5:]}",
        "LEAD_SYNC_WEBHOOK_QUEUE": f"hooks-{tables[0][5:]}",
        "LEAD_SYNC_NOTIFY_KEY": NOTIFY_KEY,
        "LEAD_SYNC_WEBHOOK_KEY": WEBHOOK_KEY,
        "LEAD_SYNC_WEBHOOK_ALLOW_LOOPBACK": "true",
    }


def _http(method: str, url: str, body: dict | None = None, headers: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            text = resp.read()
            return resp.status, json.loads(text) if text else {}
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


@pytest.fixture
def stack(azurite, tables, tmp_path, monkeypatch):
    """The app as run-local runs it: settings from the environment, the local server, both queue workers."""
    import shared.service.changes as changes
    from scripts.devserver import make_server
    from scripts.queue_worker import Worker
    from shared.core.notify import decide

    monkeypatch.setattr(changes, "decide", functools.partial(decide, debounce=1.0))  # 20 s in production
    sheet = tmp_path / "leads.csv"
    _write(sheet, _rows(3))
    sheets_json = json.dumps([{"id": "shop", "customer": "Shop Co", "source": "csv", "path": str(sheet)}])
    env = _env(azurite, tables, tmp_path, sheets_json)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    rt = Runtime(load_settings(env, base_dir=tmp_path))
    set_runtime(rt)
    server = make_server("127.0.0.1", 0, key=KEY)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    stop = threading.Event()
    workers = [
        Worker.from_host_json(rt.queue, retry_delay=1),  # type: ignore[arg-type]
        Worker.from_host_json(rt.webhook_queue, retry_delay=1, functions=("webhooks_queue", "webhooks_dispatch", None)),  # type: ignore[arg-type]
    ]
    for w in workers:
        threading.Thread(target=w.run_forever, args=(stop, 0.1), daemon=True).start()
    try:
        yield rt, f"http://127.0.0.1:{server.server_address[1]}", sheet, env
    finally:
        stop.set()
        server.shutdown()
        server.server_close()
        set_runtime(None)


def _wait(predicate, timeout: float = 60.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def test_a_sheet_edit_reaches_a_verified_receiver_in_order_once_per_id(stack) -> None:
    rt, base, sheet, _ = stack
    keyed = {"x-functions-key": KEY}
    secret = new_secret()
    # the first sync, before any subscription: its events are not for a receiver that did not exist yet
    rt.syncs.run(trigger="test")
    assert _wait(lambda: not rt.store.read_outbox("shop")), "the dispatcher (woken through its queue) took the first events"
    with receiver(secret) as (url, got):
        status, sub = _http("POST", f"{base}/api/webhooks", {"url": url, "secret": secret, "types": ["lead.created"]}, keyed)
        assert status == 201, sub
        status, problem = _http("POST", f"{base}/api/webhooks", {"url": "https://10.20.30.40/hook", "secret": secret}, keyed)
        assert status == 400 and "url" in problem["detail"] and "private" in problem["detail"], "a private address is refused"
        # the edit: five new leads; the sheet's owner's script posts the change notification
        _write(sheet, _rows(8))
        token = notify_token(NOTIFY_KEY, "shop", 1)
        t0 = time.monotonic()
        status, notice = _http("POST", f"{base}/api/leads/sheets/shop/changed", {}, {"Authorization": f"Bearer {token}"})
        assert status == 202 and notice["outcome"] == "queued", notice
        assert _http("POST", f"{base}/api/leads/sheets/shop/changed", {}, {"Authorization": "Bearer lsn1_" + "0" * 64})[0] == 401
        assert _wait(lambda: len(got.events) >= 5), f"got {len(got.events)} events"
        latency = time.monotonic() - t0
        time.sleep(1.0)  # nothing more arrives
        assert got.bad_signatures == 0
        assert got.types() == ["lead.created"] * 5 and ordered(got.events)
        assert len(got.ids) == len(set(got.ids)) == 5, "once per webhook-id"
        assert [e["data"]["sequence"] for e in got.events] == sorted(e["data"]["sequence"] for e in got.events)
        # each event names a lead the API serves
        lead = got.events[0]["data"]
        status, doc = _http("GET", f"{base}/api/leads/{lead['id']}?sheet=shop", None, keyed)
        assert status == 200 and doc["id"] == lead["id"]
        status, log = _http("GET", f"{base}/api/webhooks/{sub['id']}/deliveries?status=delivered", None, keyed)
        assert status == 200 and {d["event_id"] for d in log["items"]} == set(got.ids)
    assert latency < 30, latency  # a debounce of 1 s here; not a timed test: a bound on a hang


KILL_SCRIPT = """
import sys
from datetime import timedelta
import shared.service.webhooks as w
w.LEASE_TTL = timedelta(seconds=3)
from shared.service import get_runtime
get_runtime().webhooks.dispatch()
print("finished", flush=True)
"""


def test_a_dispatcher_killed_mid_batch_loses_no_event(azurite, tables, tmp_path) -> None:
    sheet = tmp_path / "leads.csv"
    _write(sheet, _rows(150))
    env = _env(azurite, tables, tmp_path, json.dumps([{"id": "shop", "customer": "Shop Co", "source": "csv", "path": str(sheet)}]))
    rt = Runtime(load_settings(env, base_dir=tmp_path))
    secret = new_secret()
    with receiver(secret) as (url, got):
        rt.webhooks.create(url, secret)
        rt.syncs.run(trigger="test")  # 150 events in the outbox
        got.delay = 0.02  # a receiver slow enough to kill the dispatcher mid-batch
        proc = subprocess.Popen(
            [sys.executable, "-c", KILL_SCRIPT],
            cwd=ROOT,
            env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            assert _wait(lambda: got.requests >= 60, 60), "the dispatcher delivered"
        finally:
            proc.send_signal(signal.SIGKILL)
            out, _ = proc.communicate(timeout=30)
        assert b"finished" not in out, "killed in the middle, not after"
        time.sleep(0.5)  # a request already sent when it died is still answered by the receiver
        killed_at = len(got.ids)
        assert 0 < killed_at < 150
        sub_id = rt.webhooks.list_all()["items"][0]["id"]
        recorded = len(rt.webhooks.deliveries(sub_id, "delivered", 1000, None)["items"])
        assert recorded < killed_at, "some were sent but not yet recorded when it died"
        got.delay = 0.0
        time.sleep(3.5)  # the killed dispatcher's lease expires (3 s in this test, 10 min in production)
        report = rt.webhooks.dispatch()
        assert not report.busy and report.delivered == 150 - recorded
    assert got.bad_signatures == 0
    assert len(set(got.ids)) == 150, "every event arrived"
    assert len(got.ids) == 150 + (killed_at - recorded), "exactly those sent but not recorded arrived twice, with the same id"
    first_seen = list(dict.fromkeys(got.ids))
    seqs = [next(e for e in got.events if e["id"] == i)["data"]["sequence"] for i in first_seen]
    assert seqs == list(range(1, 151)), "in order, none lost"
