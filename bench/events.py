"""
Lead change events and webhooks (issue 22), against one Azurite and a local receiver that verifies
every signature, baselines measured in the same run:

- the outbox's cost: a first sync of 20,000 leads with its events (one outbox entity and the
  counter in each transaction) against the same sync with the outbox switched off, in alternating
  rounds, each into fresh tables (goal: at most 1.10x);
- dispatch throughput: events fanned out and delivered, signed, to a local receiver, per second
  (the delivery log written as it goes), per round;
- latency from a change notification (``POST /api/leads/sheets/{sheet}/changed`` over HTTP) to the
  receiver, on the local stack (the local server, the queue functions as the host drives them),
  p50 and p95 over the edits, with the debounce shortened to ``--debounce`` seconds and subtracted:
  in production the 20 s debounce comes on top.

    .venv/bin/python -m bench.events [--leads 20000] [--rounds 3] [--events 2000] [--edits 12] [--json PATH]
"""

from __future__ import annotations

import argparse
import base64
import csv
import functools
import json
import os
import statistics
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path

from bench import figures
from bench.store import StaticSource
from bench.synth import big_sheet
from scripts.azurite import Azurite
from shared.adapters.table_storage import TableLeadStore
from shared.config import Settings, SheetConfig, load_settings
from shared.sync import sync_sheet


def _store(az: Azurite, outbox: bool) -> TableLeadStore:
    tag = uuid.uuid4().hex[:8]
    s = TableLeadStore(az.connection_string, f"leads{tag}", f"state{tag}", f"runs{tag}", outbox=outbox)
    s.ensure_tables()
    return s


def _env(az: Azurite, sheet_path: Path, tag: str) -> dict[str, str]:
    return {
        "LEAD_SYNC_STORAGE": az.connection_string,
        "AzureWebJobsStorage": az.connection_string,
        "LEAD_SYNC_SHEETS": json.dumps([{"id": "bench", "customer": "Bench", "source": "csv", "path": str(sheet_path)}]),
        "LEAD_SYNC_LEADS_TABLE": f"leads{tag}",
        "LEAD_SYNC_STATE_TABLE": f"state{tag}",
        "LEAD_SYNC_RUNS_TABLE": f"runs{tag}",
        "LEAD_SYNC_JOBS_TABLE": f"jobs{tag}",
        "LEAD_SYNC_WEBHOOKS_TABLE": f"hooks{tag}",
        "LEAD_SYNC_QUEUE": f"sync-{tag}",
        "LEAD_SYNC_WEBHOOK_QUEUE": f"hooks-{tag}",
        "LEAD_SYNC_NOTIFY_KEY": "bench-notify-key-0123456789abcdef",
        "LEAD_SYNC_WEBHOOK_KEY": base64.b64encode(os.urandom(32)).decode(),
        "LEAD_SYNC_WEBHOOK_ALLOW_LOOPBACK": "true",
    }


def _write(path: Path, n: int) -> None:
    with path.open("w", newline="") as f:
        csv.writer(f).writerows(
            [["Name", "Email", "Phone"], *[[f"Person {i}", f"p{i}@example.com", f"07700 {900000 + i}"] for i in range(n)]]
        )


def outbox_overhead(az: Azurite, leads: int, rounds: int) -> None:
    grid = big_sheet(leads, seed=3)
    sheet = SheetConfig(id="bench", customer="Bench", source="csv", path="unused.csv")
    settings = Settings(sheets=(sheet,))
    source = StaticSource(grid)
    without, with_events = figures.alternate(
        lambda: sync_sheet(sheet, source, _store(az, outbox=False), settings),
        lambda: sync_sheet(sheet, source, _store(az, outbox=True), settings),
        max(3, rounds),
    )
    figures.record(
        figures.Figure(
            "outbox_overhead",
            f"first sync of {leads:,} leads with its events (outbox) vs without",
            "x",
            [w / b for b, w in zip(without, with_events, strict=True)],
            "<= 1.10",
            "lower",
        )
    )


def throughput(az: Azurite, events: int, rounds: int) -> None:
    from scripts.webhook_receiver import receiver
    from shared.service import Runtime

    rates: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(max(3, rounds)):
            path = Path(tmp) / f"{uuid.uuid4().hex[:6]}.csv"
            _write(path, events)
            env = _env(az, path, uuid.uuid4().hex[:8])
            rt = Runtime(load_settings(env, base_dir=Path(tmp)))
            secret = "whsec_" + base64.b64encode(os.urandom(32)).decode()
            with receiver(secret) as (url, got):
                rt.webhooks.create(url, secret)
                rt.syncs.run(trigger="bench")
                t0 = time.perf_counter()
                report = rt.webhooks.dispatch()
                elapsed = time.perf_counter() - t0
                assert report.delivered == events == len(set(got.ids)) and got.bad_signatures == 0, report
            rates.append(events / elapsed)
    figures.record(
        figures.Figure(
            "dispatch_rate",
            f"dispatch of {events:,} events to a local receiver (fan-out, sign, send, log)",
            "events/s",
            rates,
            "",
            "higher",
        )
    )


def latency(az: Azurite, edits: int, debounce: float) -> None:
    import shared.service.changes as changes
    from scripts.devserver import make_server
    from scripts.queue_worker import Worker
    from scripts.webhook_receiver import receiver
    from shared.core.notify import decide, notify_token
    from shared.service import Runtime, set_runtime

    changes.decide = functools.partial(decide, debounce=debounce)  # type: ignore[assignment]
    samples: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "leads.csv"
        _write(path, 10)
        env = _env(az, path, uuid.uuid4().hex[:8])
        os.environ.update(env)
        rt = Runtime(load_settings(env, base_dir=Path(tmp)))
        set_runtime(rt)
        server = make_server("127.0.0.1", 0, key="bench")
        threading.Thread(target=server.serve_forever, daemon=True).start()
        stop = threading.Event()
        for w in (
            Worker.from_host_json(rt.queue, retry_delay=1),  # type: ignore[arg-type]
            Worker.from_host_json(rt.webhook_queue, retry_delay=1, functions=("webhooks_queue", "webhooks_dispatch", None)),  # type: ignore[arg-type]
        ):
            threading.Thread(target=w.run_forever, args=(stop, 0.05), daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}"
        token = notify_token(env["LEAD_SYNC_NOTIFY_KEY"], "bench", 1)
        secret = "whsec_" + base64.b64encode(os.urandom(32)).decode()
        try:
            rt.syncs.run(trigger="bench")
            time.sleep(1.0)
            with receiver(secret) as (url, got):
                rt.webhooks.create(url, secret, types=["lead.created"])
                for i in range(edits):
                    _write(path, 11 + i)  # one new lead per edit
                    before = len(got.events)
                    req = urllib.request.Request(
                        f"{base}/api/leads/sheets/bench/changed", data=b"{}", method="POST", headers={"Authorization": f"Bearer {token}"}
                    )
                    t0 = time.perf_counter()
                    urllib.request.urlopen(req, timeout=30).read()
                    while len(got.events) <= before and time.perf_counter() - t0 < 60:
                        time.sleep(0.01)
                    samples.append((time.perf_counter() - t0 - debounce) * 1000)
                    time.sleep(debounce + 0.2)  # the next edit opens a new debounce window
        finally:
            stop.set()
            server.shutdown()
            server.server_close()
            set_runtime(None)
    q = statistics.quantiles(samples, n=20)
    figures.record(
        figures.Figure(
            "notify_to_receiver_p50", "change notification to the receiver, p50 (debounce excluded)", "ms", [statistics.median(samples)], ""
        )
    )
    figures.record(
        figures.Figure("notify_to_receiver_p95", "change notification to the receiver, p95 (debounce excluded)", "ms", [q[18]], "")
    )


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--leads", type=int, default=20_000)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--events", type=int, default=2_000)
    p.add_argument("--edits", type=int, default=12)
    p.add_argument("--debounce", type=float, default=1.0, help="whole seconds: a queue delay is set in seconds")
    p.add_argument("--json")
    args = p.parse_args()
    with Azurite() as az:
        print(f"events: outbox overhead on {args.leads:,} leads, dispatch of {args.events:,} events, {args.edits} edits' latency")
        outbox_overhead(az, args.leads, args.rounds)
        throughput(az, args.events, args.rounds)
        latency(az, args.edits, args.debounce)
    figures.dump(args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
