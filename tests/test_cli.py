"""The command line: inspect's JSON contract, sync exit codes, and the local server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.request

import pytest

from scripts.devserver import make_server
from scripts.queue_worker import Worker
from shared.cli import inspect_file, main
from shared.config import load_settings
from shared.service import Runtime, set_runtime
from tests.conftest import ROOT, SAMPLES
from tests.helpers import TWENTY_PEOPLE, write_rows


@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLES.glob("*.csv")))
def test_inspect_json_contract(name: str) -> None:
    """inspect --json prints one object with the documented keys and types."""
    proc = subprocess.run(
        [sys.executable, "-m", "shared", "inspect", str(SAMPLES / name), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["header_row"] is None or isinstance(doc["header_row"], int)
    assert isinstance(doc["strategy"], str) and doc["status"] in ("SUCCESS", "WARNING", "ERROR")
    assert isinstance(doc["missing"], list) and isinstance(doc["messages"], list)
    for i, col in enumerate(doc["columns"]):
        assert col["index"] == i and (col["header"] is None or isinstance(col["header"], str))
        assert col["field"] is None or isinstance(col["field"], str)
        assert col["reason"]
    for c in doc["candidates"]:
        assert isinstance(c["row"], int) and isinstance(c["reasons"], list)


def test_inspect_explains_title_rows() -> None:
    """The acme sample's header is found below the title and note rows, with reasons."""
    doc = inspect_file(SAMPLES / "acme_roofing_facebook.csv")
    assert doc["header_row"] == 3 and doc["strategy"] == "keywords"
    assert doc["candidates"][0]["row"] == 3 and doc["candidates"][0]["reasons"]


def test_inspect_missing_file_is_a_clear_error(capsys) -> None:
    """A missing file exits 2 with a message."""
    assert main(["inspect", "/no/such/file.csv"]) == 2
    assert "file not found" in capsys.readouterr().err


def test_sync_exit_codes(azurite, tmp_path) -> None:
    """sync exits 0 when no sheet is ERROR and 1 when one is."""
    env = {**os.environ, "LEAD_SYNC_STORAGE": azurite.connection_string, "LEAD_SYNC_LEADS_TABLE": "clileads"}
    ok = subprocess.run(
        [sys.executable, "-m", "shared", "sync", "--config", str(SAMPLES / "sheets.json")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "SUCCESS bright-dental" in ok.stdout and "run: WARNING" in ok.stdout
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"id": "gone", "customer": "X", "source": "csv", "path": str(tmp_path / "none.csv")}]))
    err = subprocess.run(
        [sys.executable, "-m", "shared", "sync", "--config", str(bad)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert err.returncode == 1 and "ERROR   gone" in err.stdout


def _get(url: str, method: str = "GET", data: bytes | None = None, headers: dict | None = None):
    req = urllib.request.Request(url, method=method, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def test_local_server_dispatches_to_registered_functions(make_settings, store) -> None:
    """serve answers the same routes as Azure, through the app's own registrations."""
    base = load_settings({"LEAD_SYNC_SHEETS_FILE": str(SAMPLES / "sheets.json"), "LEAD_SYNC_STORAGE": "x"})
    rt = Runtime(make_settings(*base.sheets), environ={}, store=store)
    set_runtime(rt)
    server = make_server("127.0.0.1", 0, "http://localhost:3000")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    root = f"http://127.0.0.1:{server.server_address[1]}/api"
    try:
        assert {r[1] for r in server.routes} == {
            "api/leads",
            "api/leads/sync",
            "api/leads/runs/{run}",
            "api/leads/sheets/{sheet}/approve",
            "api/leads/health",
            "api/leads/health/detail",
            "api/leads/erasures",
            "api/leads/erasures/unsuppress",
            "api/leads/audit",
            "api/leads/removals",
            "api/leads/{id}",
            "api/leads/reasons",
            "api/openapi.json",
            "console",
            "console/{page}",
            "console/{section}/{item}",
            "console/{section}/{item}/{action}",
            "api/console",
            "api/console/{*rest}",
            "api/leads/sheets/{sheet}/changed",
            "api/leads/sheets/{sheet}/notify",
            "api/webhooks",
            "api/webhooks/{id}",
            "api/webhooks/{id}/deliveries",
            "api/webhooks/{id}/replay",
        }
        # Literal routes win over api/leads/{id}, and a catch-all comes last, as on the host.
        order = [(r[1].count("{*"), r[1].count("{")) for r in server.routes]
        assert order == sorted(order)
        status, _, body = _get(root + "/leads/reasons")
        assert status == 200 and json.loads(body)["reasons"][0]["code"]
        status, _, body = _get(root + "/leads/sync")
        assert status == 400 and "sheet" in json.loads(body)["detail"]
        status, headers, body = _get(root + "/leads/sync", "POST", b'{"sheet": "bright-dental"}')
        assert status == 202 and headers["Location"].startswith("/api/leads/runs/")
        Worker.from_host_json(rt.queue, retry_delay=0).run_until_idle()  # type: ignore[arg-type]
        status, _, body = _get(root + headers["Location"].removeprefix("/api"))
        assert status == 200 and json.loads(body)["sheets"][0]["report"]["added"] == 6
        status, headers, body = _get(root + "/leads?sheet=bright-dental&page_size=2", headers={"Origin": "http://localhost:3000"})
        assert status == 200 and json.loads(body)["count"] == 2
        assert headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
        assert headers["Access-Control-Expose-Headers"] == "ETag, Location", "a dashboard reads the ETag and a sync's Location"
        status, headers, _ = _get(root + "/leads?page_size=0", headers={"Origin": "http://evil.example"})
        assert status == 400 and "Access-Control-Allow-Origin" not in headers
        status, _, body = _get(root + "/leads/health")
        assert status == 200 and json.loads(body)["status"] in ("SUCCESS", "WARNING")
        status, _, _ = _get(root + "/leads/sheets/bright-dental/approve", "POST", b'{"change": "d1"}')
        assert status == 409
        status, headers, _ = _get(root + "/leads/health", "POST")
        assert status == 405 and headers["Allow"] == "GET", "a 405 says which methods the route answers"
        assert _get(root + "/nothing")[0] == 404
        status, headers, _ = _get(root + "/leads", "OPTIONS", headers={"Origin": "http://localhost:3000"})
        assert status == 204 and "GET" in headers["Access-Control-Allow-Methods"]
        assert "if-none-match" in headers["Access-Control-Allow-Headers"] and "x-functions-key" in headers["Access-Control-Allow-Headers"]
    finally:
        server.shutdown()
        server.server_close()


def test_cli_approve(azurite, tmp_path) -> None:
    """approve refuses a sheet that was not blocked (exit 1) and approves a blocked one (exit 0)."""

    path = tmp_path / "a.csv"
    write_rows(path, TWENTY_PEOPLE)
    config = tmp_path / "sheets.json"
    config.write_text(json.dumps([{"id": "appr", "customer": "X", "source": "csv", "path": str(path)}]))
    env = {**os.environ, "LEAD_SYNC_STORAGE": azurite.connection_string, "LEAD_SYNC_LEADS_TABLE": "cliappr"}

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "shared", *args, "--config", str(config)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )

    assert cli("sync").returncode == 0
    assert cli("approve", "appr").returncode == 1
    write_rows(path, TWENTY_PEOPLE[:2])
    assert cli("sync").returncode == 1
    shown = cli("approve", "appr")
    assert shown.returncode == 2 and "change" in shown.stderr, "without --change it shows what is blocked and asks for its id"
    change = shown.stderr.split('"change": "')[1].split('"')[0]
    assert cli("approve", "appr", "--change", change, "--reason", "list cleaned").returncode == 0
    out = cli("sync", "--json")
    assert out.returncode == 0 and json.loads(out.stdout)["sheets"][0]["deleted"] == 19


def test_inspect_a_configured_sheet_uses_its_source_and_overrides() -> None:
    """inspect --sheet reads the sheet through its configured source and applies its overrides."""
    proc = subprocess.run(
        [sys.executable, "-m", "shared", "inspect", "--sheet", "bright-dental", "--config", str(SAMPLES / "sheets.json"), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "LEAD_SYNC_STORAGE": "unused"},
    )
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["columns"][5]["field"] == "source" and "override" in doc["columns"][5]["reason"]
    assert main(["inspect"]) == 2


def _raw(port: int, data: bytes, wait: float = 5.0) -> bytes:
    """Send raw bytes to the local server and read its whole answer."""
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=wait) as s:
        s.sendall(data)
        chunks = []
        while True:
            try:
                chunk = s.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks)


def test_local_server_behaves_like_the_host_where_it_matters(make_settings, store) -> None:
    """Function key enforced, Content-Length parsed defensively and capped, slow clients cut off, long URLs survive."""
    base = load_settings({"LEAD_SYNC_SHEETS_FILE": str(SAMPLES / "sheets.json")})
    set_runtime(Runtime(make_settings(*base.sheets), environ={}, store=store))
    server = make_server("127.0.0.1", 0, "", key="s3cret", client_timeout=1.0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    root = f"http://127.0.0.1:{port}/api"
    try:
        assert _get(root + "/leads?sheet=bright-dental")[0] == 401
        assert _get(root + "/leads?sheet=bright-dental", headers={"x-functions-key": "wrong"})[0] == 401
        assert _get(root + "/leads?sheet=bright-dental", headers={"x-functions-key": "s3cret"})[0] == 200
        assert _get(root + "/leads?sheet=bright-dental&code=s3cret")[0] == 200
        assert _get(root + "/leads/health")[0] == 200, "anonymous routes need no key"
        assert _get(root + "/leads/health/detail")[0] == 401
        head = b"POST /api/leads/sync?code=s3cret HTTP/1.1\r\nHost: x\r\n"
        assert b" 400 " in _raw(port, head + b"Content-Length: abc\r\n\r\n").split(b"\r\n")[0]
        assert b" 400 " in _raw(port, head + b"Content-Length: -5\r\n\r\n").split(b"\r\n")[0]
        assert b" 413 " in _raw(port, head + b"Content-Length: 999999999\r\n\r\n").split(b"\r\n")[0]
        lying = _raw(port, head + b'Content-Length: 100\r\n\r\n{"sheet"', wait=5.0)
        assert b" 400 " in lying.split(b"\r\n")[0], lying[:200]
        long_url = _raw(port, b"GET /api/leads?customer=" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        assert b" 414 " in long_url.split(b"\r\n")[0]
        # the admin API (outside /api, as on Azure) takes the key too; an unknown function is 404
        admin = b'POST /admin/functions/%s HTTP/1.1\r\nHost: x\r\nContent-Length: 13\r\n\r\n{"input": ""}'
        assert b" 401 " in _raw(port, admin % b"sync_timer").split(b"\r\n")[0]
        assert b" 404 " in _raw(port, admin % b"nothing?code=s3cret").split(b"\r\n")[0]
        assert _get(root + "/leads/health")[0] == 200, "the server still answers"
    finally:
        server.shutdown()
        server.server_close()
