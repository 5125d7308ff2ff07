"""
Smoke test of a deployed Lead Sync: is the expected build live and answering?

``scripts/smoke BASE_URL [--key K] [--expect-version V] [--deadline S]`` checks, in order:

1. ``GET /api/leads/health`` answers 200 with ``version == V`` within the deadline (polled: a
   fresh deployment answers 503 or the previous build for a while);
2. ``GET /api/leads?customer=...`` with the function key answers 200 and the listing's JSON shape
   (``items`` list, ``count`` int, ``continuation``);
3. ``GET /api/leads?sheet=<unknown>`` with the key answers 404 with a JSON ``error``;
4. ``GET /console`` (no redirect followed) answers 302 to sign-in or 401: the console is routed at
   ``/console`` (host.json's routePrefix is empty) and a signed-out caller never sees a page;
5. nothing answered 5xx after health turned green.

Exit 0 when all pass, 1 otherwise. Standard library only: it runs on any CI runner.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Result:
    ok: bool = True
    lines: list[str] = field(default_factory=list)

    def check(self, ok: bool, what: str) -> bool:
        self.lines.append(f"{'ok  ' if ok else 'FAIL'} {what}")
        self.ok = self.ok and ok
        return ok


def get(url: str, key: str | None, timeout: float = 10.0) -> tuple[int, Any, str]:
    """(status, parsed JSON or None, raw text head); status 0 when nothing answered."""
    req = urllib.request.Request(url, headers={"x-functions-key": key} if key else {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            status, body = resp.status, resp.read()
    except urllib.error.HTTPError as e:
        status, body = e.code, e.read()
    except (urllib.error.URLError, OSError) as e:
        return 0, None, str(getattr(e, "reason", e))
    try:
        doc = json.loads(body)
    except ValueError:
        doc = None
    return status, doc, body[:200].decode("utf-8", "replace")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def status_of(url: str, timeout: float = 10.0) -> tuple[int, str]:
    """(status, Location) of one GET, redirects not followed; status 0 when nothing answered."""
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(url, timeout=timeout) as resp:
            return resp.status, resp.headers.get("Location") or ""
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Location") or ""
    except (urllib.error.URLError, OSError):
        return 0, ""


def smoke(
    base_url: str,
    key: str | None = None,
    expect_version: str | None = None,
    deadline: float = 120.0,
    customer: str = "smoke-test",
    interval: float = 1.0,
    alive: Callable[[], str | None] | None = None,
) -> Result:
    """``alive`` (a local target) answers why the server is gone, or None while it runs: a dead
    server fails the smoke at once instead of after the whole deadline."""
    base = base_url.rstrip("/")
    api = base if base.endswith("/api") else base + "/api"
    r = Result()
    end = time.monotonic() + deadline
    status, doc, text = 0, None, ""
    gone: str | None = None
    while True:
        status, doc, text = get(f"{api}/leads/health", None)
        version = doc.get("version") if isinstance(doc, dict) else None
        if status == 200 and (expect_version is None or version == expect_version):
            break
        gone = alive() if alive else None
        if gone or time.monotonic() >= end:
            break
        time.sleep(interval)
    seen = f"status {status}, version {version!r}" if status else f"no answer ({text})"
    if gone:
        seen += f"; {gone}"
    want = f"version {expect_version!r}" if expect_version else "any version"
    if not r.check(
        status == 200 and (expect_version is None or version == expect_version), f"health 200 with {want} within {deadline:.0f}s ({seen})"
    ):
        return r
    r.check(
        isinstance(doc, dict) and isinstance(doc.get("sheets"), dict) and "status" in doc and bool(doc.get("started_at")),
        "health JSON has status, sheets per status and started_at",
    )

    query = urllib.parse.urlencode({"customer": customer, "page_size": 1})
    status, doc, text = get(f"{api}/leads?{query}", key)
    shape = isinstance(doc, dict) and isinstance(doc.get("items"), list) and isinstance(doc.get("count"), int) and "continuation" in doc
    r.check(status == 200 and shape, f"GET /api/leads?customer=... answers 200 with items/count/continuation (status {status})")

    unknown = f"smoke-unknown-{uuid.uuid4().hex[:8]}"
    status, doc, text = get(f"{api}/leads?sheet={unknown}", key)
    r.check(status == 404 and isinstance(doc, dict) and "error" in doc, f"an unknown sheet answers 404 with an error (status {status})")

    status, location = status_of(f"{api.removesuffix('/api')}/console")
    r.check(
        status == 401 or (status == 302 and "/.auth/login/" in location),
        f"GET /console asks a signed-out caller to sign in (302 to /.auth/login/ or 401; status {status})",
    )
    return r


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="scripts/smoke", description="smoke-test a deployed Lead Sync")
    p.add_argument("base_url", help="e.g. https://APP.azurewebsites.net or http://127.0.0.1:7071")
    p.add_argument("--key", help="a function key (x-functions-key) for the keyed routes")
    p.add_argument("--expect-version", help="the build version health must report")
    p.add_argument("--deadline", type=float, default=180.0, help="seconds to wait for health (default 180)")
    p.add_argument("--customer", default="smoke-test", help="customer name for the keyed listing")
    args = p.parse_args(argv)
    r = smoke(args.base_url, args.key, args.expect_version, args.deadline, args.customer)
    for line in r.lines:
        print(f"smoke: {line}", flush=True)
    print(f"smoke: {'PASSED' if r.ok else 'FAILED'} {args.base_url}", flush=True)
    return 0 if r.ok else 1


if __name__ == "__main__":
    sys.exit(main())
