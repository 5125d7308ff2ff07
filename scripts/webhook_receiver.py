"""
A webhook receiver for local development, tests and benches: a real HTTP server on 127.0.0.1 that
verifies every request with the Standard Webhooks library (as a customer's receiver would),
records what it got, and can be told to fail, hang or answer slowly.

    .venv/bin/python -m scripts.webhook_receiver [--port 8787]

prints a new secret and the URL; subscribe it with ``POST /api/webhooks`` on ``scripts/run-local``
(which allows loopback receivers), and each verified event's type, sheet, sequence and lead id
is printed as it arrives.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass
class Received:
    secret: str
    events: list[dict[str, Any]] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    bad_signatures: int = 0
    status: int = 200
    """What to answer (500: fail)."""
    delay: float = 0.0
    """Seconds to wait before answering (hang: longer than the sender's timeout)."""
    fail_first: int = 0
    """Answer 500 to this many requests first."""
    requests: int = 0
    raw: list[tuple[bytes, dict[str, str]]] = field(default_factory=list)
    """Every verified request's body and headers exactly as received."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def types(self) -> list[str]:
        return [e["type"] for e in self.events]


@contextmanager
def receiver(secret: str) -> Iterator[tuple[str, Received]]:
    got = Received(secret)
    wh = Webhook(secret)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with got.lock:
                got.requests += 1
                n = got.requests
            if got.delay:
                time.sleep(got.delay)
            if n <= got.fail_first or got.status >= 300:
                self.send_response(500 if n <= got.fail_first else got.status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            try:
                doc = wh.verify(body, {k: v for k, v in self.headers.items()})
            except WebhookVerificationError:
                with got.lock:
                    got.bad_signatures += 1
                self.send_response(401)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            with got.lock:
                got.events.append(doc)
                got.ids.append(self.headers["webhook-id"])
                got.raw.append((body, {k.lower(): v for k, v in self.headers.items()}))
            self.send_response(204)
            self.end_headers()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks/leads", got
    finally:
        server.shutdown()
        server.server_close()


def new_secret() -> str:
    import base64
    import os

    return "whsec_" + base64.b64encode(os.urandom(32)).decode()


def ordered(events: list[dict[str, Any]]) -> bool:
    """Per sheet, sequence numbers only increase."""
    last: dict[str, int] = {}
    for e in events:
        sheet, seq = e["data"]["sheet_id"], e["data"]["sequence"]
        if seq <= last.get(sheet, 0):
            return False
        last[sheet] = seq
    return True


def dumps(doc: Any) -> str:
    return json.dumps(doc)


def main() -> int:
    import argparse

    p = argparse.ArgumentParser(description="A local webhook receiver that verifies Lead Sync's signatures.")
    p.add_argument("--secret", default=None, help="whsec_... (default: a new one, printed)")
    args = p.parse_args()
    secret = args.secret or new_secret()
    with receiver(secret) as (url, got):
        print(f'receiver: {url}\nsecret:   {secret}\nsubscribe: POST /api/webhooks {{"url": "{url}", "secret": "{secret}"}}', flush=True)
        seen = 0
        try:
            while True:
                time.sleep(0.2)
                with got.lock:
                    new = got.events[seen:]
                    seen = len(got.events)
                for e in new:
                    d = e["data"]
                    print(f"{e['type']:14} sheet={d['sheet_id']} seq={d['sequence']} lead={d['id']} id={e['id']}", flush=True)
        except KeyboardInterrupt:
            return 0


if __name__ == "__main__":
    raise SystemExit(main())
