"""
Start Azurite (tables and queues), sync the samples through the queue, then serve the HTTP API
with a queue worker beside it (``scripts/run-local``), so the local API behaves like Azure:
``POST /api/leads/sync`` answers 202 and the worker syncs the sheets.
"""

from __future__ import annotations

import argparse
import base64
import errno
import os
import secrets
import signal
import socket
import sys
import threading

from scripts.azurite import Azurite


def port_problem(port: int, host: str = "127.0.0.1") -> str | None:
    """One line saying how to serve elsewhere when ``port`` is taken, else None."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError as e:
            why = "is in use by another program" if e.errno == errno.EADDRINUSE else f"cannot be used ({e.strerror})"
            return f"run-local: port {port} {why}; choose another with --port N (or PORT=N scripts/run-local)"
    return None


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--port", type=int, default=int(os.environ.get("PORT", 7071)))
    p.add_argument("--config", default="samples/sheets.json")
    p.add_argument("--no-serve", action="store_true", help="sync and exit")
    args = p.parse_args()
    problem = None if args.no_serve else port_problem(args.port)
    if problem:
        print(problem, file=sys.stderr)
        return 1
    # Stop Azurite too when the run is terminated, not only on Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

    with Azurite() as azurite:
        os.environ["LEAD_SYNC_STORAGE"] = azurite.connection_string
        os.environ["AzureWebJobsStorage"] = azurite.connection_string
        os.environ.setdefault("LEAD_SYNC_QUEUE", "leadsync-sheets")
        os.environ["LEAD_SYNC_SHEETS_FILE"] = os.path.abspath(args.config)
        os.environ.pop("LEAD_SYNC_SHEETS", None)
        os.environ.setdefault("SYNC_SCHEDULE", "0 */15 * * * *")
        os.environ.setdefault("PURGE_SCHEDULE", "0 30 3 * * *")
        os.environ.setdefault("LEAD_SYNC_CORS_ORIGINS", "http://localhost:3000,http://127.0.0.1:3000")
        # The console (/console): the dev server stands in for App Service Authentication and signs
        # this development principal in, with every role (LEAD_SYNC_DEV_PRINCIPAL= turns it off: 401).
        os.environ.setdefault("LEAD_SYNC_DEV_PRINCIPAL", "developer@localhost:Reader,Operator,Privacy")
        os.environ["WEBSITE_AUTH_ENABLED"] = "True"
        os.environ.setdefault("LEAD_SYNC_ERASURE_KEY", secrets.token_hex(32))
        # Change notifications (POST /api/leads/sheets/{sheet}/changed): tokens hold for this run only.
        os.environ.setdefault("LEAD_SYNC_NOTIFY_KEY", secrets.token_hex(32))
        # Webhooks (/api/webhooks): secrets sealed for this run; receivers on this machine allowed (http too).
        os.environ.setdefault("LEAD_SYNC_WEBHOOK_QUEUE", "leadsync-webhooks")
        os.environ.setdefault("LEAD_SYNC_WEBHOOK_KEY", base64.b64encode(secrets.token_bytes(32)).decode())
        os.environ.setdefault("LEAD_SYNC_WEBHOOK_ALLOW_LOOPBACK", "true")
        print(
            f"azurite: table service on 127.0.0.1:{azurite.port}, queue service on 127.0.0.1:{azurite.queue_port} (in memory)", flush=True
        )
        from scripts.devserver import main as serve
        from scripts.queue_worker import Worker
        from shared.service import get_runtime

        rt = get_runtime()
        worker = Worker.from_host_json(rt.queue)  # type: ignore[arg-type]
        started = rt.syncs.enqueue(trigger="local")
        print(f"queued {started.messages} sheets (run {started.run_id}); the queue worker syncs them", flush=True)
        worker.run_until_idle(idle_seconds=1.0)
        code = 0
        for st in sorted(rt.store.list_states(), key=lambda s: s.sheet_id):
            print(f"  {st.sheet_id:20} {st.status:8} leads={st.baseline} {', '.join(st.reason_codes)}", flush=True)
        if args.no_serve:
            return code
        stop = threading.Event()
        threading.Thread(target=worker.run_forever, args=(stop,), daemon=True, name="queue-worker").start()
        hooks = Worker.from_host_json(rt.webhook_queue, functions=("webhooks_queue", "webhooks_dispatch", None))  # type: ignore[arg-type]
        threading.Thread(target=hooks.run_forever, args=(stop, 0.2), daemon=True, name="webhook-worker").start()
        print("queue workers: syncs and webhook dispatch beside the API (as the queue triggers run in Azure)", flush=True)
        principal = os.environ.get("LEAD_SYNC_DEV_PRINCIPAL") or "nobody (401)"
        print(f"console: http://127.0.0.1:{args.port}/console  (signed in as {principal})\n", flush=True)
        try:
            serve(["--port", str(args.port)])
        finally:
            stop.set()
    return 0


if __name__ == "__main__":
    sys.exit(main())
