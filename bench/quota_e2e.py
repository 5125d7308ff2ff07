"""
End to end against Google's quota: real pacing, real queues, a Sheets API that says 429.

N Google sheets over 5 service accounts in 2 Cloud projects are enqueued by the timer's fan-out
(``Runtime.syncs.enqueue("timer")``) into Azurite's queue, each with the visibility delay of the
pacing plan, and synced by queue workers (``scripts.queue_worker.Worker`` handing messages to the
registered ``sync_queue``; each worker stands for one instance). The real ``GoogleSheetsSource``
(gspread, google-auth) reads from a Sheets-shaped fake (``responses``) that answers **429** as soon
as a key has started more reads than its budget in the last 60 s, or a project more than its own,
as Google does. The budget is set twice Google's (120 reads a minute per key, 600 per project)
and the interval short (2 minutes), with 900 sheets so each key's plan runs near its budget
(180 sheets a key: 108 planned reads a minute), and the bench takes minutes, not hours; the
plan's arithmetic is the same at 60 and 300.

Reported: 429 answers (target 0), every sheet synced once, the most reads any key and any project
started in a 60 s window, and messages per second.

    .venv/bin/python -m bench.quota_e2e [--sheets 900] [--workers 3]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import threading
import time
from collections import defaultdict, deque
from datetime import UTC, datetime

import responses
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from scripts.azurite import Azurite
from scripts.queue_worker import Worker
from shared.config import Settings, SheetConfig, StorageTarget
from shared.core.pacing import max_in_window
from shared.service import Runtime, set_runtime

KEYS = 5
PROJECTS = 2
PER_KEY = 120
PER_PROJECT = 600
INTERVAL = "0 */2 * * * *"


class FakeSheets:
    """Sheets API values.get with Google's per-user and per-project minute quotas."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.recent: dict[str, deque[float]] = defaultdict(deque)
        self.starts: dict[str, list[float]] = defaultdict(list)
        self.too_many = 0
        self.reads = 0

    def _over(self, key: str, limit: int, now: float) -> bool:
        q = self.recent[key]
        while q and q[0] <= now - 60:
            q.popleft()
        return len(q) >= limit

    def values_get(self, request):  # type: ignore[no-untyped-def]
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        key, project = token.split(":")
        with self.lock:
            now = time.monotonic()
            if self._over(key, PER_KEY, now) or self._over(project, PER_PROJECT, now):
                self.too_many += 1
                return 429, {}, json.dumps({"error": {"code": 429, "message": "Quota exceeded", "status": "RESOURCE_EXHAUSTED"}})
            for k in (key, project):
                self.recent[k].append(now)
                self.starts[k].append(now)
            self.reads += 1
        rows = [["Name", "Email", "Phone"]] + [[f"Person {i}", f"p{i}@example.com", f"07700 900{i:03d}"] for i in range(10)]
        return 200, {}, json.dumps({"range": "'Leads'!A1:C11", "majorDimension": "ROWS", "values": rows})


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--sheets", type=int, default=900)
    p.add_argument("--workers", type=int, default=3)
    args = p.parse_args()
    pem = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        .decode()
    )
    accounts = {
        f"sa{k}": {
            "client_email": f"sa{k}@p{k % PROJECTS}.iam.gserviceaccount.com",
            "private_key": pem,
            "token_uri": f"https://oauth2.googleapis.com/token/sa{k}",
            "project_id": f"p{k % PROJECTS}",
        }
        for k in range(KEYS)
    }
    sheets = tuple(
        SheetConfig(id=f"g{i:05d}", customer=f"C{i % 40}", spreadsheet_id=f"1Bench{i:014d}", worksheet="Leads", credential=f"sa{i % KEYS}")
        for i in range(args.sheets)
    )
    fake = FakeSheets()
    with Azurite() as az, responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add_passthru("http://127.0.0.1")
        for name, info in accounts.items():
            rsps.add(responses.POST, info["token_uri"], json={"access_token": f"{name}:{info['project_id']}", "expires_in": 3600})
        rsps.add_callback(responses.GET, re.compile(r"https://sheets\.googleapis\.com/v4/spreadsheets/.*"), callback=fake.values_get)
        settings = Settings(
            sheets=sheets,
            storage_connection=az.connection_string,
            queue_target=StorageTarget(connection_string=az.connection_string),
            queue_name="bench-quota",
            google_accounts=accounts,
            reads_per_minute=PER_KEY,
            project_reads_per_minute=PER_PROJECT,
            sync_schedule=INTERVAL,
        )
        rt = Runtime(settings, environ={})
        set_runtime(rt)
        rt.store.list_states()
        since = datetime.now(UTC)
        t0 = time.perf_counter()
        out = rt.syncs.enqueue("timer").to_dict()
        t_enqueue = time.perf_counter() - t0
        stop = threading.Event()
        workers = [Worker.from_host_json(rt.queue, retry_delay=1) for _ in range(args.workers)]  # type: ignore[arg-type]
        threads = [threading.Thread(target=w.run_forever, args=(stop, 0.2), daemon=True) for w in workers]
        for t in threads:
            t.start()
        deadline = time.monotonic() + 600
        done = 0
        while time.monotonic() < deadline:
            time.sleep(2)
            states = rt.store.list_states()
            done = sum(1 for s in states if s.last_run_at and s.last_run_at >= since and s.status in ("SUCCESS", "WARNING"))
            if done >= args.sheets:
                break
        elapsed = time.perf_counter() - t0
        stop.set()
        for t in threads:
            t.join(10)
        outcomes: dict[str, int] = defaultdict(int)
        for w in workers:
            for _, o in w.outcomes:
                outcomes[o] += 1
        per_key = max(max_in_window(fake.starts[f"sa{k}"]) for k in range(KEYS))
        per_project = max(max_in_window(fake.starts[f"p{k}"]) for k in range(PROJECTS))
        print(
            f"{args.sheets} Google sheets, {KEYS} keys in {PROJECTS} projects, budgets {PER_KEY}/min per key and "
            f"{PER_PROJECT}/min per project, interval 120 s, {args.workers} workers"
        )
        print(f"  enqueued {out['messages']} messages in {t_enqueue:.1f} s; last planned delay {out['last_delay_s']:.0f} s")
        print(f"  synced {done}/{args.sheets} in {elapsed:.0f} s; Sheets reads {fake.reads}; 429 answers {fake.too_many} (target 0)")
        print(f"  most reads started in any 60 s: per key {per_key} (budget {PER_KEY}), per project {per_project} (budget {PER_PROJECT})")
        print(f"  messages {dict(outcomes)}; {sum(outcomes.values()) / elapsed:.1f} messages/s over the interval")
    return 0


if __name__ == "__main__":
    sys.exit(main())
