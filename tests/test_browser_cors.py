"""
A dashboard on another origin, in a real browser: Debian's chromium driven by Playwright loads a
page from one loopback origin, and the page's TypeScript client (compiled, with openapi-fetch)
calls the API served by the local server on another port. The browser's own CORS rules decide:
the preflight must allow x-functions-key and If-None-Match, and the answers must expose ETag and
Location, or the page cannot poll with ETags or follow a started sync. Playwright's own browsers
are never downloaded: the test runs only where /usr/bin/chromium is installed.
"""

from __future__ import annotations

import functools
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from scripts.devserver import make_server
from shared.config import load_settings
from shared.service import Runtime, set_runtime
from tests.conftest import ROOT, SAMPLES
from tests.helpers import compile_typescript_client

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists() or shutil.which("node") is None, reason="needs Debian's chromium and node")

PAGE = """<!doctype html>
<html><head><meta charset="utf-8">
<script type="importmap">{"imports": {"openapi-fetch": "/openapi-fetch.mjs"}}</script>
</head><body>dashboard</body></html>
"""

DASHBOARD = """async (api) => {
  const { ApiError, LeadSyncClient } = await import("/client.js");
  const client = new LeadSyncClient(api, "test-key");
  const out = {};
  const first = await client.pollLeads({ sheet: "bright-dental", page_size: 2 });
  out.etag = first.etag;
  out.items = first.changed ? first.data.items.length : -1;
  const again = await client.pollLeads({ sheet: "bright-dental", page_size: 2 }, first.etag ?? undefined);
  out.again = again.changed;
  const started = await client.syncNow({ sheet: "bright-dental" });
  out.location = started.location;
  const run = await client.run(started.location.split("/").pop());
  out.run = run.run_id;
  try {
    await client.listLeads({ page_size: 0 });
    out.error = "none";
  } catch (e) {
    out.error = e instanceof ApiError ? e.status : String(e);
  }
  return out;
}"""


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


def _serve_page(directory: Path) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(directory)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_a_dashboard_on_another_origin_polls_with_etags_and_follows_location(make_settings, store, tmp_path: Path) -> None:
    """
    In chromium, a page from http://127.0.0.1:<a> reads a page of leads and its ETag, gets 304 for
    it with If-None-Match, starts a sync and follows its Location, and sees a 400 as an ApiError;
    the same page from http://localhost:<a> (an origin not allowed) cannot read the API at all.
    """
    from playwright.sync_api import sync_playwright

    base = load_settings({"LEAD_SYNC_SHEETS_FILE": str(SAMPLES / "sheets.json"), "LEAD_SYNC_STORAGE": "x"})
    rt = Runtime(make_settings(*base.sheets), environ={}, store=store)
    set_runtime(rt)
    rt.syncs.run(trigger="test", only="bright-dental")
    site = tmp_path / "site"
    site.mkdir()
    compile_typescript_client(site)
    shutil.copy(ROOT / "node_modules" / "openapi-fetch" / "dist" / "index.mjs", site / "openapi-fetch.mjs")
    (site / "index.html").write_text(PAGE)
    page_server = _serve_page(site)
    port = page_server.server_address[1]
    api = make_server("127.0.0.1", 0, cors_origins=f"http://127.0.0.1:{port}", key="test-key")
    threading.Thread(target=api.serve_forever, daemon=True).start()
    api_root = f"http://127.0.0.1:{api.server_address[1]}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
            try:
                page = browser.new_page()
                page.goto(f"http://127.0.0.1:{port}/index.html")
                out = page.evaluate(DASHBOARD, api_root)
                assert out["items"] == 2 and out["etag"] and out["etag"].startswith('W/"'), out
                assert out["again"] is False, "the page's If-None-Match reached the API (preflight allowed it) and 304 came back"
                assert out["location"].startswith("/api/leads/runs/") and out["location"].endswith(out["run"]), out
                assert out["error"] == 400, out
                other = browser.new_page()
                other.goto(f"http://localhost:{port}/index.html")
                refused = other.evaluate(
                    """async (api) => { try { await fetch(api + "/api/leads/health"); return "read"; } catch (e) { return e.name; } }""",
                    api_root,
                )
                assert refused == "TypeError", "an origin that is not allowed cannot read the API"
            finally:
                browser.close()
    finally:
        api.shutdown()
        api.server_close()
        page_server.shutdown()
        page_server.server_close()
