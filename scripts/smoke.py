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

With ``--sample-sheet ID --sample-email E`` (staging: the sample sheet the deploy step wrote into
its sheets table), it then runs the queue path as the schedule would, and reads the lead back
(``queue_smoke``):

6. ``GET /api/leads/health/detail?sheet=ID`` answers 200 (the app has read the sample's entry);
7. ``POST /admin/functions/sync_timer`` with the master key answers 202: the host runs the timer
   now, as on its schedule (the staging timer's schedule is off; a disabled function still runs
   on demand), and the timer puts one message per sheet on the queue;
8. within the deadline the sheet's run history shows a new run with trigger ``timer`` (the queue
   function synced the message the timer sent), and its status is SUCCESS;
9. ``GET /api/leads?sheet=ID&q=E`` finds the lead with that email, and ``GET /api/leads/{id}``
   answers it. No lead data is printed.

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
    return call("GET", url, key, timeout=timeout)


def call(method: str, url: str, key: str | None, body: Any = None, timeout: float = 10.0) -> tuple[int, Any, str]:
    """One request (a JSON body when ``body`` is not None): (status, parsed JSON or None, raw text head)."""
    headers = {"x-functions-key": key} if key else {}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    req = urllib.request.Request(url, data=data, headers=headers, method=method)
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


def urls(base_url: str) -> tuple[str, str]:
    """(the app's root, its API base): ``https://APP`` or ``https://APP/api`` give both."""
    base = base_url.rstrip("/")
    root = base[: -len("/api")] if base.endswith("/api") else base
    return root, root + "/api"


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
    _, api = urls(base_url)
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


TIMER = "sync_timer"
"""The timer function that puts one message per sheet on the sync queue."""


def queue_smoke(
    base_url: str,
    key: str | None,
    master_key: str | None,
    sheet_id: str,
    email: str,
    deadline: float = 360.0,
    interval: float = 2.0,
) -> Result:
    """
    Steps 5-8 of the module's list: the timer -> queue -> sync path on the sample sheet, and its
    lead read back. ``deadline`` covers the wait for the sheet entry (the app reads its sheet list
    again every five minutes) and the wait for the run.
    """
    root, api = urls(base_url)
    r = Result()
    end = time.monotonic() + deadline
    detail = f"{api}/leads/health/detail?" + urllib.parse.urlencode({"sheet": sheet_id, "runs": 10})

    def runs(doc: Any) -> list[dict[str, Any]]:
        sheets = doc.get("sheets") if isinstance(doc, dict) else None
        if not sheets or not isinstance(sheets[0], dict):
            return []
        return [x for x in sheets[0].get("recent_runs") or [] if isinstance(x, dict)]

    while True:
        status, doc, text = get(detail, key)
        if status == 200 or time.monotonic() >= end:
            break
        time.sleep(interval)
    if not r.check(status == 200, f"the sample sheet {sheet_id!r} is in the app's sheet list (health detail: status {status})"):
        return r
    before = {x.get("run_id") for x in runs(doc)}

    status, _, text = call("POST", f"{root}/admin/functions/{TIMER}", master_key, body={"input": ""})
    if not r.check(status == 202, f"POST /admin/functions/{TIMER} with the master key answers 202 (status {status or text})"):
        return r

    run: dict[str, Any] | None = None
    while run is None and time.monotonic() < end:
        time.sleep(interval)
        status, doc, _ = get(detail, key)
        if status == 200:
            run = next((x for x in runs(doc) if x.get("trigger") == "timer" and x.get("run_id") not in before), None)
    seen = f"status {run.get('status')}, reason codes {run.get('reason_codes')}" if run else "no new run"
    if not r.check(run is not None, f"the queue function synced the timer's message for {sheet_id!r} within {deadline:.0f}s ({seen})"):
        return r
    assert run is not None
    if not r.check(run.get("status") == "SUCCESS", f"the timer's run of {sheet_id!r} is SUCCESS ({seen}, counts {run.get('counts')})"):
        return r

    query = urllib.parse.urlencode({"sheet": sheet_id, "q": email})
    status, doc, _ = get(f"{api}/leads?{query}", key)
    items = doc.get("items") if isinstance(doc, dict) else None
    lead = next((x for x in items or [] if isinstance(x, dict) and str(x.get("email") or "").lower() == email.lower()), None)
    if not r.check(status == 200 and lead is not None, f"GET /api/leads?sheet=...&q=... finds the sample's known lead (status {status})"):
        return r
    assert lead is not None
    lead_url = f"{api}/leads/{urllib.parse.quote(str(lead.get('id')), safe='')}?" + urllib.parse.urlencode({"sheet": sheet_id})
    status, doc, _ = get(lead_url, key)
    same = isinstance(doc, dict) and str(doc.get("email") or "").lower() == email.lower() and doc.get("sheet_id") == sheet_id
    r.check(status == 200 and same, f"GET /api/leads/{{id}}?sheet=... answers the same lead (status {status})")
    return r


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="scripts/smoke", description="smoke-test a deployed Lead Sync")
    p.add_argument("base_url", help="e.g. https://APP.azurewebsites.net or http://127.0.0.1:7071")
    p.add_argument("--key", help="a function key (x-functions-key) for the keyed routes")
    p.add_argument("--expect-version", help="the build version health must report")
    p.add_argument("--deadline", type=float, default=180.0, help="seconds to wait for health (default 180)")
    p.add_argument("--customer", default="smoke-test", help="customer name for the keyed listing")
    p.add_argument("--sample-sheet", help="then run the timer -> queue -> sync path on this sheet id and read its lead back")
    p.add_argument("--sample-email", help="the email of a lead in the sample sheet (with --sample-sheet)")
    p.add_argument("--master-key", help="the app's master key, for POST /admin/functions/sync_timer (with --sample-sheet)")
    p.add_argument("--queue-deadline", type=float, default=360.0, help="seconds for the queue path (default 360)")
    args = p.parse_args(argv)
    if args.sample_sheet and not args.sample_email:
        p.error("--sample-sheet needs --sample-email")
    r = smoke(args.base_url, args.key, args.expect_version, args.deadline, args.customer)
    if r.ok and args.sample_sheet:
        q = queue_smoke(args.base_url, args.key, args.master_key, args.sample_sheet, args.sample_email, args.queue_deadline)
        r.lines += q.lines
        r.ok = q.ok
    for line in r.lines:
        print(f"smoke: {line}", flush=True)
    print(f"smoke: {'PASSED' if r.ok else 'FAILED'} {args.base_url}", flush=True)
    return 0 if r.ok else 1


if __name__ == "__main__":
    sys.exit(main())
