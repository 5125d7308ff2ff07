"""
End to end through Azurite's queues and the registered queue function, against today's in-process
loop over the same sheets.

N small CSV sheets (20 leads each) are synced twice (first sync, then unchanged) by each path:

- in process: ``Runtime.syncs.run()`` (the CLI's loop, as the timer ran before the queue);
- queue: ``Runtime.syncs.enqueue("timer")`` (the timer's fan-out; a manual run adds two table writes per sheet for its progress record), then ``scripts.queue_worker.Worker``
  hands each message to the registered ``sync_queue`` function, with 1 or more workers (each
  stands for one instance with host.json ``batchSize`` 1). 5% of the messages are sent twice
  (duplicate delivery) and one malformed message is added.

Reported: messages per second, storage requests per sheet (every HTTP request the SDKs send,
counted at the transport, split into table and queue requests), and that every sheet was synced
exactly once per run. CSV sheets are not paced (no Google quota), so this measures the
platform's overhead, not Google's.

    .venv/bin/python -m bench.queue_e2e [--sheets 500] [--workers 2]
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from azure.core.pipeline.transport import RequestsTransport

from scripts.azurite import Azurite
from scripts.queue_worker import Worker
from shared.config import Settings, SheetConfig, StorageTarget
from shared.core.messages import SyncMessage
from shared.service import Runtime, set_runtime

COUNTS: Counter[str] = Counter()
_send = RequestsTransport.send


def _counting_send(self, request, **kwargs):  # type: ignore[no-untyped-def]
    COUNTS["queue" if f":{QUEUE_PORT[0]}/" in request.url else "table"] += 1
    return _send(self, request, **kwargs)


QUEUE_PORT = [0]


def make_sheets(folder: Path, n: int) -> list[SheetConfig]:
    r = random.Random(3)
    out = []
    for i in range(n):
        path = folder / f"s{i}.csv"
        with path.open("w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["Name", "Email", "Phone"])
            for j in range(20):
                w.writerow([f"Person {i}-{j}", f"p{i}.{j}@example.com", f"07700 9{r.randrange(10**5):05d}"])
        out.append(SheetConfig(id=f"s{i:05d}", customer=f"C{i % 50}", source="csv", path=str(path)))
    return out


def synced_since(rt: Runtime, since: datetime, ids: set[str]) -> tuple[int, int]:
    """(sheets whose last run is after ``since``, runs recorded after ``since`` in their inline history)."""
    states = [s for s in rt.store.list_states() if s.sheet_id in ids]
    fresh = sum(1 for s in states if s.last_run_at and s.last_run_at >= since)
    runs = sum(1 for s in states for r in s.recent_runs if r.started_at >= since)
    return fresh, runs


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--sheets", type=int, default=500)
    p.add_argument("--workers", type=int, default=2)
    args = p.parse_args()
    RequestsTransport.send = _counting_send  # type: ignore[method-assign]
    with Azurite() as az, tempfile.TemporaryDirectory() as tmp:
        QUEUE_PORT[0] = az.queue_port or 0
        sheets = make_sheets(Path(tmp), args.sheets)
        ids = {s.id for s in sheets}
        results = []
        for path in ("in-process", "queue"):
            tag = "ip" if path == "in-process" else "q"
            settings = Settings(
                sheets=tuple(sheets),
                storage_connection=az.connection_string,
                queue_target=StorageTarget(connection_string=az.connection_string),
                queue_name=f"bench-{tag}",
                leads_table=f"leads{tag}",
                state_table=f"state{tag}",
                runs_table=f"runs{tag}",
                jobs_table=f"jobs{tag}",
                base_dir=Path(tmp),
            )
            rt = Runtime(settings, environ={})
            set_runtime(rt)
            rt.store.list_states()  # create tables outside the measurement
            for run in ("first", "unchanged"):
                since = datetime.now(UTC)
                COUNTS.clear()
                t0 = time.perf_counter()
                outcomes: Counter[str] = Counter()
                if path == "in-process":
                    rt.syncs.run(trigger="bench")
                else:
                    out = rt.syncs.enqueue(trigger="timer").to_dict()
                    dup = sorted(ids)[::20]
                    rt.queue.send_many((SyncMessage(s, out["run_id"], "timer").to_json(), 0.0) for s in dup)
                    rt.queue.send("{malformed")
                    workers = [Worker.from_host_json(rt.queue, retry_delay=0) for _ in range(args.workers)]  # type: ignore[arg-type]
                    threads = [threading.Thread(target=w.run_until_idle, kwargs={"idle_seconds": 2.0, "timeout": 3600}) for w in workers]
                    for t in threads:
                        t.start()
                    for t in threads:
                        t.join()
                    for w in workers:
                        outcomes.update(o for _, o in w.outcomes)
                elapsed = time.perf_counter() - t0 - (2.0 if path == "queue" else 0.0)
                fresh, runs = synced_since(rt, since, ids)
                results.append((path, run, elapsed, dict(COUNTS), fresh, runs, dict(outcomes)))
                n = args.sheets
                print(
                    f"{path:10} {run:9} {n / elapsed:7.1f} sheets/s  table req/sheet {COUNTS['table'] / n:5.2f}  "
                    f"queue req/sheet {COUNTS['queue'] / n:5.2f}  synced {fresh}/{n}  runs recorded {runs}  {dict(outcomes) or ''}",
                    flush=True,
                )
        base = {r[1]: r for r in results if r[0] == "in-process"}
        for r in results:
            if r[0] == "queue":
                b = base[r[1]]
                print(f"queue vs in-process, {r[1]}: {b[2] / r[2]:.2f}x throughput with {args.workers} workers", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
