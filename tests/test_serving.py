"""
Promise 1 under attack: whatever the settings and whatever anyone sends, every route answers
quickly with a status and a message a person can act on, and the anonymous route says nothing
but whether the service is healthy.

Handlers are called through the v2 API (``<builder>.build().get_user_function()``) with storage
in Azurite; the hanging-storage case uses a socket that accepts connections and never answers.
"""

from __future__ import annotations

import base64
import json
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import azure.functions as func
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scripts.queue_worker import Worker
from shared.config import load_settings
from shared.core.notify import notify_token
from shared.service import Runtime, set_runtime
from tests.conftest import SAMPLES

KEY = {
    "type": "service_account",
    "client_email": "leadsync-reader@acme-project-4711.iam.gserviceaccount.com",
    "private_key": "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n",
    "token_uri": "https://oauth2.googleapis.com/token",
}
GOOD_SHEET = {"id": "acme-facebook", "customer": "Acme Roofing", "source": "csv", "path": "acme_roofing_facebook.csv"}
SHEETS = json.loads((SAMPLES / "sheets.json").read_text())["sheets"]
NESTED = "[" * 50_000 + "]" * 50_000
NESTED_OBJ = '{"a":' * 20_000 + "1" + "}" * 20_000

# What no answer may carry: absolute paths, host:port, IPs, account names, service-account mail.
LEAKS = [
    re.compile(r"(?<![\w.])/(?:home|root|tmp|work|usr|var|opt|etc)/"),
    re.compile(r"127\.0\.0\.1|localhost:\d+|\b\d{1,3}(?:\.\d{1,3}){3}\b"),
    re.compile(r"devstoreaccount1|AccountName=\w|AccountKey=\w"),
    re.compile(r"gserviceaccount|acme-project-4711"),
    re.compile(r"Traceback|File \""),
]


def _fn(name: str) -> Callable[[func.HttpRequest], func.HttpResponse]:
    import changes_http
    import health_http
    import leads_http
    import privacy_http

    for module in (health_http, leads_http, privacy_http, changes_http):
        builder = getattr(module, name, None)
        if builder is not None:
            return builder.build().get_user_function()
    raise KeyError(name)


def _req(method: str, params: dict | None = None, body: bytes = b"", route_params: dict | None = None) -> func.HttpRequest:
    return func.HttpRequest(method=method, url="/api/x", params=params or {}, body=body, route_params=route_params or {})


NOTIFY_KEY = "serving-notify-key-0123456789"
ROUTES: list[tuple[str, func.HttpRequest]] = [
    ("health", _req("GET")),
    ("health_detail", _req("GET")),
    ("health_detail", _req("GET", {"sheet": "acme-facebook", "runs": "3"})),
    ("list_leads", _req("GET", {"customer": "Acme Roofing"})),
    ("list_leads", _req("GET", {"sheet": "acme-facebook"})),
    ("manual_sync", _req("POST", body=b'{"sheet": "acme-facebook"}')),
    ("approve_drop", _req("POST", route_params={"sheet": "acme-facebook"})),
    ("sheet_notify_setup", _req("GET", route_params={"sheet": "acme-facebook"})),
    (
        "sheet_changed",
        func.HttpRequest(
            method="POST",
            url="/api/x",
            params={},
            body=b"",
            route_params={"sheet": "acme-facebook"},
            headers={"Authorization": "Bearer " + notify_token(NOTIFY_KEY, "acme-facebook", 1)},
        ),
    ),
]


def _call(name: str, req: func.HttpRequest) -> tuple[int, dict, str]:
    resp = _fn(name)(req)
    text = resp.get_body().decode()
    assert resp.mimetype in ("application/json", "application/problem+json"), (name, resp.mimetype)
    return resp.status_code, json.loads(text), text


def _no_leaks(text: str) -> None:
    for pattern in LEAKS:
        assert not pattern.search(text), f"{pattern.pattern!r} found in {text[:400]}"


def _file(tmp: Path, name: str, data: bytes) -> str:
    path = tmp / name
    path.write_bytes(data)
    return str(path)


def _sheets_json(sheets: list[dict]) -> str:
    return json.dumps({"sheets": sheets}, ensure_ascii=False)


def _broken_configs(tmp: Path, storage: str) -> list[tuple[str, dict[str, str], str]]:
    """(case, environment, fragment the problem must contain: the setting or field it names)."""
    samples_with = lambda text: _file(tmp, f"s{abs(hash(text))}.json", text.encode("utf-8"))  # noqa: E731
    latin = _sheets_json([{**GOOD_SHEET, "customer": "Société Générale Crème"}])
    base = {"LEAD_SYNC_STORAGE": storage, "LEAD_SYNC_BASE_DIR": str(SAMPLES)}
    cases: list[tuple[str, dict[str, str], str]] = [
        ("file latin-1", {"LEAD_SYNC_SHEETS_FILE": _file(tmp, "latin1.json", latin.encode("latin-1"))}, ""),
        ("file cp1252", {"LEAD_SYNC_SHEETS_FILE": _file(tmp, "cp1252.json", latin.replace("Crème", "Crème – “x”").encode("cp1252"))}, ""),
        ("file utf-16 bom", {"LEAD_SYNC_SHEETS_FILE": _file(tmp, "u16.json", latin.encode("utf-16"))}, ""),
        ("file utf-16-be bom", {"LEAD_SYNC_SHEETS_FILE": _file(tmp, "u16be.json", b"\xfe\xff" + latin.encode("utf-16-be"))}, ""),
        ("file utf-8 bom", {"LEAD_SYNC_SHEETS_FILE": _file(tmp, "u8bom.json", b"\xef\xbb\xbf" + latin.encode())}, ""),
        ("file binary", {"LEAD_SYNC_SHEETS_FILE": _file(tmp, "bin.json", bytes(range(256)) * 8)}, "LEAD_SYNC_SHEETS_FILE"),
        ("file missing", {"LEAD_SYNC_SHEETS_FILE": str(tmp / "nope.json")}, "LEAD_SYNC_SHEETS_FILE"),
        ("file is a folder", {"LEAD_SYNC_SHEETS_FILE": str(tmp)}, "LEAD_SYNC_SHEETS_FILE"),
        ("file nested", {"LEAD_SYNC_SHEETS_FILE": samples_with(NESTED)}, "LEAD_SYNC_SHEETS_FILE"),
        ("sheets nested", {"LEAD_SYNC_SHEETS": NESTED}, "LEAD_SYNC_SHEETS"),
        ("sheets nested object", {"LEAD_SYNC_SHEETS": "[" + NESTED_OBJ + "]"}, "LEAD_SYNC_SHEETS"),
        (
            "sheets entry nested",
            {"LEAD_SYNC_SHEETS": json.dumps([{**GOOD_SHEET, "overrides": {"a": None}}])[:-2] + ', "x": ' + "[" * 900 + "]" * 900 + "}]"},
            "entry 1",
        ),
        ("sheets invalid json", {"LEAD_SYNC_SHEETS": "[{"}, "LEAD_SYNC_SHEETS"),
        ("sheets a string", {"LEAD_SYNC_SHEETS": '"acme"'}, "JSON list"),
        ("sheets a number", {"LEAD_SYNC_SHEETS": "42"}, "JSON list"),
        ("sheets object without list", {"LEAD_SYNC_SHEETS": '{"id": "x"}'}, "JSON list"),
        ("sheets list of strings", {"LEAD_SYNC_SHEETS": '["acme", 3, null]'}, "entry 1"),
        ("sheets empty list", {"LEAD_SYNC_SHEETS": "[]"}, "empty"),
        ("id a number", {"LEAD_SYNC_SHEETS": json.dumps([{**GOOD_SHEET, "id": 7}])}, "id"),
        ("id too long", {"LEAD_SYNC_SHEETS": json.dumps([{**GOOD_SHEET, "id": "x" * 500}])}, "id"),
        ("customer a list", {"LEAD_SYNC_SHEETS": json.dumps([{**GOOD_SHEET, "customer": ["a"]}])}, "customer"),
        ("customer empty", {"LEAD_SYNC_SHEETS": json.dumps([{**GOOD_SHEET, "customer": ""}])}, "customer"),
        ("source unknown", {"LEAD_SYNC_SHEETS": json.dumps([{**GOOD_SHEET, "source": "excel"}])}, "source"),
        ("google without id", {"LEAD_SYNC_SHEETS": json.dumps([{"id": "g", "customer": "G"}])}, "spreadsheet_id"),
        ("csv without path", {"LEAD_SYNC_SHEETS": json.dumps([{"id": "c", "customer": "C", "source": "csv"}])}, "path"),
        ("worksheet huge", {"LEAD_SYNC_SHEETS": json.dumps([{**GOOD_SHEET, "worksheet": "w" * 5000}])}, "worksheet"),
        ("enabled a word", {"LEAD_SYNC_SHEETS": json.dumps([{**GOOD_SHEET, "enabled": "sometimes"}])}, "enabled"),
        ("max_drop 5", {"LEAD_SYNC_SHEETS": json.dumps([{**GOOD_SHEET, "max_drop": 5}])}, "max_drop"),
        ("min_baseline negative", {"LEAD_SYNC_SHEETS": json.dumps([{**GOOD_SHEET, "min_baseline": -1}])}, "min_baseline"),
        ("sheet region XX", {"LEAD_SYNC_SHEETS": json.dumps([{**GOOD_SHEET, "phone_region": "XX"}])}, "phone_region"),
        ("sheet region a number", {"LEAD_SYNC_SHEETS": json.dumps([{**GOOD_SHEET, "phone_region": 44}])}, "phone_region"),
        ("required unknown", {"LEAD_SYNC_SHEETS": json.dumps([{**GOOD_SHEET, "required": [["fax"]]}])}, "required"),
        ("overrides unknown", {"LEAD_SYNC_SHEETS": json.dumps([{**GOOD_SHEET, "overrides": {"A": "shoe_size"}}])}, "overrides"),
        ("unknown key", {"LEAD_SYNC_SHEETS": json.dumps([{**GOOD_SHEET, "colour": "red"}])}, "colour"),
        ("duplicate ids", {"LEAD_SYNC_SHEETS": json.dumps([GOOD_SHEET, GOOD_SHEET])}, "duplicate sheet id"),
        ("region XX", {"LEAD_SYNC_PHONE_REGION": "XX"}, "LEAD_SYNC_PHONE_REGION"),
        ("region digits", {"LEAD_SYNC_PHONE_REGION": "44"}, "LEAD_SYNC_PHONE_REGION"),
        ("max drop word", {"LEAD_SYNC_MAX_DROP": "lots"}, "LEAD_SYNC_MAX_DROP"),
        ("max drop nan", {"LEAD_SYNC_MAX_DROP": "nan"}, "LEAD_SYNC_MAX_DROP"),
        ("max drop 7", {"LEAD_SYNC_MAX_DROP": "7"}, "LEAD_SYNC_MAX_DROP"),
        ("min baseline float", {"LEAD_SYNC_MIN_BASELINE": "1.5"}, "LEAD_SYNC_MIN_BASELINE"),
        ("reads zero", {"LEAD_SYNC_SHEETS_READS_PER_MINUTE": "0"}, "LEAD_SYNC_SHEETS_READS_PER_MINUTE"),
        ("table name bad", {"LEAD_SYNC_LEADS_TABLE": "my leads!"}, "LEAD_SYNC_LEADS_TABLE"),
        ("storage garbage", {"LEAD_SYNC_STORAGE": "garbage"}, "LEAD_SYNC_STORAGE"),
        ("storage bad key", {"LEAD_SYNC_STORAGE": "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=%%%not-base64"}, "storage"),
        ("storage unset", {"LEAD_SYNC_STORAGE": ""}, "LEAD_SYNC_STORAGE"),
        ("google key garbage", {"GOOGLE_SERVICE_ACCOUNT_JSON": "%%%"}, "GOOGLE_SERVICE_ACCOUNT_JSON is malformed"),
        ("google key bad json", {"GOOGLE_SERVICE_ACCOUNT_JSON": '{"client_email": '}, "GOOGLE_SERVICE_ACCOUNT_JSON is malformed"),
        ("google key nested", {"GOOGLE_SERVICE_ACCOUNT_JSON": NESTED_OBJ}, "GOOGLE_SERVICE_ACCOUNT_JSON is malformed"),
        (
            "google key incomplete",
            {"GOOGLE_SERVICE_ACCOUNT_JSON": json.dumps({"client_email": KEY["client_email"]})},
            "GOOGLE_SERVICE_ACCOUNT_JSON lacks",
        ),
        ("google key a list", {"GOOGLE_SERVICE_ACCOUNT_JSON": "[1, 2]"}, "GOOGLE_SERVICE_ACCOUNT_JSON"),
        (
            "google sheet, no key",
            {"LEAD_SYNC_SHEETS": json.dumps([{"id": "g", "customer": "G", "spreadsheet_id": "1AbCdEfGhIjKlMnOp"}])},
            "GOOGLE_SERVICE_ACCOUNT_JSON is not set",
        ),
    ]
    out = []
    for name, env, fragment in cases:
        full = {**base, **env}
        if "LEAD_SYNC_SHEETS" not in env and "LEAD_SYNC_SHEETS_FILE" not in env:
            full["LEAD_SYNC_SHEETS"] = json.dumps([GOOD_SHEET])
        out.append((name, full, fragment))
    return out


@pytest.fixture
def unique_tables(tables: tuple[str, str, str]) -> dict[str, str]:
    return {"LEAD_SYNC_LEADS_TABLE": tables[0], "LEAD_SYNC_STATE_TABLE": tables[1], "LEAD_SYNC_RUNS_TABLE": tables[2]}


def test_broken_configurations_never_break_a_route(azurite, tmp_path, unique_tables) -> None:
    """At least 40 broken configurations x every route: no handler raises or answers 500, health
    answers within its budget, each problem names the setting, and no answer leaks an address."""
    cases = _broken_configs(tmp_path, azurite.connection_string)
    assert len(cases) >= 40
    for name, env, fragment in cases:
        env = {**unique_tables, **env} if "LEAD_SYNC_LEADS_TABLE" not in env else env
        env = {"LEAD_SYNC_NOTIFY_KEY": NOTIFY_KEY, **env}
        set_runtime(Runtime(load_settings(env), environ={}))
        t0 = time.monotonic()
        status, public, text = _call("health", _req("GET"))
        assert time.monotonic() - t0 < 5, name
        assert status in (200, 503) and public["status"] in ("SUCCESS", "WARNING", "ERROR"), name
        _no_leaks(text)
        for route, req in ROUTES:
            status, doc, text = _call(route, req)
            unavailable = doc.get("code") in ("config", "store") or doc.get("storage") == "unavailable" or route == "health_detail"
            assert status < 500 or (status == 503 and unavailable), (name, route, status, text[:300])
            _no_leaks(text)
        _, detail, text = _call("health_detail", _req("GET"))
        said = " ".join(detail["problems"] + detail["warnings"] + [m for s in detail["sheets"] for m in s.get("messages", [])])
        assert fragment in said, (name, said[:500])
        if fragment:
            assert detail["status"] in ("WARNING", "ERROR"), name


def test_sheets_file_in_legacy_and_unicode_encodings_loads(tmp_path) -> None:
    """Latin-1, cp1252 and UTF-16 (Notepad's "Unicode") sheets files load with their accents intact."""
    text = _sheets_json([{**GOOD_SHEET, "customer": "Crème Brûlée Ltée"}])
    for codec in ("latin-1", "cp1252", "utf-16", "utf-8-sig", "utf-8"):
        path = _file(tmp_path, f"{codec}.json", text.encode(codec))
        s = load_settings({"LEAD_SYNC_SHEETS_FILE": path, "LEAD_SYNC_STORAGE": "UseDevelopmentStorage=true"})
        assert s.problems == () and s.sheets[0].customer == "Crème Brûlée Ltée", codec


def test_phone_region_typos_are_named_or_accepted() -> None:
    """UK is read as GB; an unknown region is refused with a suggestion, naming the setting."""
    ok = load_settings({"LEAD_SYNC_SHEETS": json.dumps([{**GOOD_SHEET, "phone_region": "uk"}]), "LEAD_SYNC_PHONE_REGION": "UK"})
    assert ok.phone_region == "GB" and ok.sheets[0].phone_region == "GB"
    bad = load_settings({"LEAD_SYNC_SHEETS": json.dumps([{**GOOD_SHEET, "phone_region": "XX"}]), "LEAD_SYNC_PHONE_REGION": "GV"})
    assert any("LEAD_SYNC_PHONE_REGION" in p and "did you mean" in p and "GB" in p for p in bad.problems)
    assert bad.broken and "phone_region" in bad.broken[0].error and "ISO 3166" in bad.broken[0].error


def test_invalid_sheets_json_makes_the_cli_run_error(tmp_path) -> None:
    """Invalid JSON in the sheets setting: the CLI prints the problem and run: ERROR, exit 1."""
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    env = {"PATH": os.environ.get("PATH", ""), "LEAD_SYNC_SHEETS": "[{", "LEAD_SYNC_STORAGE": "UseDevelopmentStorage=true"}
    proc = subprocess.run([sys.executable, "-m", "shared", "sync"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1 and "run: ERROR" in proc.stdout and "LEAD_SYNC_SHEETS is not valid JSON" in proc.stderr
    check = subprocess.run([sys.executable, "-m", "shared", "check-config"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert check.returncode == 1 and "LEAD_SYNC_SHEETS is not valid JSON" in check.stdout


def test_check_config_validates_a_file_offline(tmp_path) -> None:
    """check-config FILE: 0 for a good list (naming the service account to share with), 1 for a bad one."""
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    env = {
        "PATH": os.environ.get("PATH", ""),
        "LEAD_SYNC_STORAGE": "UseDevelopmentStorage=true",
        "GOOGLE_SERVICE_ACCOUNT_JSON": json.dumps(KEY),
    }
    good = _file(tmp_path, "good.json", _sheets_json([{**GOOD_SHEET, "path": str(SAMPLES / GOOD_SHEET["path"])}]).encode())
    bad = _file(tmp_path, "bad.json", _sheets_json([{**GOOD_SHEET, "max_drop": 3}]).encode())

    def run(f):
        return subprocess.run(
            [sys.executable, "-m", "shared", "check-config", f], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
        )

    ok = run(good)
    assert ok.returncode == 0 and "config: OK" in ok.stdout and KEY["client_email"] in ok.stdout
    no = run(bad)
    assert no.returncode == 1 and "max_drop" in no.stdout


def test_published_sheets_schema_is_current() -> None:
    """schemas/sheets.schema.json is what `python -m shared schema` prints (regenerate it when the model changes)."""
    from shared.cli import sheets_schema
    from tests.conftest import ROOT

    published = json.loads((ROOT / "schemas" / "sheets.schema.json").read_text())
    assert published == sheets_schema()
    assert "phone_region" in published["$defs"]["SheetConfig"]["properties"]


def _runtime_with_samples(make_settings, store, **kw) -> Runtime:
    base = load_settings({"LEAD_SYNC_SHEETS_FILE": str(SAMPLES / "sheets.json")})
    rt = Runtime(make_settings(*base.sheets, **kw), environ={}, store=store)
    set_runtime(rt)
    return rt


def test_anonymous_health_discloses_nothing(make_settings, store) -> None:
    """The anonymous view: status, start time, counts; no customer, sheet id, message, path or host."""
    rt = _runtime_with_samples(make_settings, store, google_credentials=KEY)
    rt.syncs.run()
    status, doc, text = _call("health", _req("GET", {"sheet": "acme-facebook", "runs": "50"}))
    assert status == 200 and doc["sheets"]["total"] == 4 and doc["sheets"]["WARNING"] == 2
    assert set(doc) == {"status", "checked_at", "version", "started_at", "storage", "configuration", "syncs", "sheets", "detail"}
    for sheet in SHEETS:
        assert sheet["id"] not in text and sheet["customer"] not in text
    _no_leaks(text)


def test_keyed_health_redacts_addresses_paths_and_accounts(make_settings, store, tmp_path) -> None:
    """Messages from file errors, storage errors and the Google key never carry where things live."""
    from shared.config import SheetConfig

    missing = SheetConfig(id="gone", customer="Gone", source="csv", path=str(tmp_path / "deep" / "nowhere.csv"))
    google = SheetConfig(id="g", customer="G", spreadsheet_id="1AbCdEfGhIjKlMnOp")
    rt = Runtime(
        make_settings(missing, google, google_credentials=None, google_problem=f"share with {KEY['client_email']}"), environ={}, store=store
    )
    set_runtime(rt)
    status, started, _ = _call("manual_sync", _req("POST", body=b'{"all": true}'))
    assert status == 202
    Worker.from_host_json(rt.queue, retry_delay=0).run_until_idle()  # type: ignore[arg-type]
    _, report, text = _call("sync_run", _req("GET", route_params={"run": started["run_id"]}))
    assert {s["state"] for s in report["sheets"]} == {"done"} and {s["status"] for s in report["sheets"]} == {"ERROR"}
    _no_leaks(text)
    assert "nowhere.csv" in text, "the file name stays: it tells the person which file"
    _, detail, text = _call("health_detail", _req("GET"))
    _no_leaks(text)
    # storage down: the error says so without the address
    down = Runtime(
        make_settings(
            missing,
            storage_connection="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=YWJj;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;",
        ),
        environ={},
    )
    set_runtime(down)
    for route, req in ROUTES:
        status, doc, text = _call(route, req)
        _no_leaks(text)
        assert status != 500, (route, text)


class HangingServer:
    """A TCP server that accepts connections and never answers (storage that hangs)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.conns: list[socket.socket] = []
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
                self.conns.append(conn)
            except OSError:
                return

    def close(self) -> None:
        self._stop = True
        for c in self.conns:
            c.close()
        self.sock.close()


@pytest.fixture
def hanging() -> Iterator[HangingServer]:
    server = HangingServer()
    yield server
    server.close()


def test_hanging_storage_costs_a_caller_seconds_not_minutes(make_settings, hanging) -> None:
    """Storage that accepts and never answers: health and leads answer 503 within 5 s; repeated health calls are cached."""
    from shared.config import azurite_connection

    base = load_settings({"LEAD_SYNC_SHEETS_FILE": str(SAMPLES / "sheets.json")})
    set_runtime(Runtime(make_settings(*base.sheets, storage_connection=azurite_connection(hanging.port)), environ={}))
    for route, req in [("health", _req("GET")), ("health_detail", _req("GET")), ("list_leads", _req("GET", {"customer": "Acme Roofing"}))]:
        t0 = time.monotonic()
        status, doc, text = _call(route, req)
        elapsed = time.monotonic() - t0
        assert elapsed < 5.0, (route, elapsed)
        assert status == 503, (route, status)
        _no_leaks(text)


def test_health_reads_storage_once_per_few_seconds(make_settings, store) -> None:
    """Many health calls within the cache window cost one storage query."""
    rt = _runtime_with_samples(make_settings, store)
    calls = []
    real = store.list_states

    def counting() -> list:
        calls.append(1)
        return real()

    store.list_states = counting  # type: ignore[method-assign]
    for _ in range(20):
        assert _call("health", _req("GET"))[0] == 200
    assert len(calls) == 1
    rt.states_changed()
    _call("health_detail", _req("GET"))
    assert len(calls) == 2


HOSTILE: list[tuple[str, func.HttpRequest, int]] = [
    # Times outside Table Storage's range filter as its ends (nothing is stored outside it): answered, not refused.
    ("list_leads", _req("GET", {"customer": "A", "updated_since": "0001-01-01T00:00:00+14:00"}), 200),
    ("list_leads", _req("GET", {"customer": "A", "updated_since": "9999-12-31T23:59:59-14:00"}), 200),
    ("list_leads", _req("GET", {"customer": "A", "updated_since": "1500-01-01"}), 200),
    ("list_leads", _req("GET", {"customer": "A", "updated_since": "2026-13-45"}), 400),
    ("list_leads", _req("GET", {"customer": "A", "updated_since": "2026-01-01T10:00:00"}), 400),
    ("list_leads", _req("GET", {"customer": "A", "include_deleted": ""}), 400),
    ("list_leads", _req("GET", {"sheet": "acme-facebook\n"}), 400),
    ("list_leads", _req("GET", {"customer": "A", "continuation": base64.urlsafe_b64encode(NESTED.encode()[:3000]).decode()}), 400),
    ("list_leads", _req("GET", {"customer": "A", "continuation": base64.urlsafe_b64encode(b'{"PartitionKey": {"a": 1}}').decode()}), 400),
    ("list_leads", _req("GET", {"customer": "A", "continuation": "x" * 10_000}), 400),
    ("list_leads", _req("GET", {"customer": "x" * 5000}), 400),
    ("list_leads", _req("GET", {"customer": "A", "colour": "new"}), 400),
    ("list_leads", _req("GET", {"customer": "A", "include_deleted": "maybe"}), 400),
    ("list_leads", _req("GET", {"sheet": "../../etc"}), 400),
    ("list_leads", _req("GET", {"sheet": "a" * 65}), 400),
    ("list_leads", _req("GET", {"customer": "A", "page_size": "1e9"}), 400),
    ("manual_sync", _req("POST", body=NESTED.encode()[:15_000]), 400),
    ("manual_sync", _req("POST", body=b'{"sheet": ' + NESTED_OBJ.encode()[:12_000] + b"}"), 400),
    ("manual_sync", _req("POST", body=b"x" * 100_000), 400),
    ("manual_sync", _req("POST", body=b'{"sheet": ""}'), 400),
    ("manual_sync", _req("POST", body=b'{"sheets": "x"}'), 400),
    ("manual_sync", _req("POST", body=b'{"sheet": 5}'), 400),
    ("manual_sync", _req("POST", body=b'{"sheet": ["acme-facebook"]}'), 400),
    ("manual_sync", _req("POST", body=b'{"all": "yes"}'), 400),
    ("manual_sync", _req("POST", body=b'{"all": false}'), 400),
    ("manual_sync", _req("POST", body=b'{"all": true, "sheet": "acme-facebook"}'), 400),
    ("manual_sync", _req("POST", body=b"[]"), 400),
    ("manual_sync", _req("POST", body=b"{}"), 400),
    ("manual_sync", _req("POST", body=b"\xff\xfe\x00"), 400),
    ("manual_sync", _req("POST", body=b'{"sheet": "nope"}'), 404),
    ("approve_drop", _req("POST", body=b'{"change": "d1"}', route_params={"sheet": "x" * 300}), 400),
    ("approve_drop", _req("POST", body=b'{"change": "d1"}', route_params={"sheet": "nope"}), 404),
    ("approve_drop", _req("POST", route_params={"sheet": "nope"}), 400),
    ("health_detail", _req("GET", {"runs": "-1"}), 400),
    ("health_detail", _req("GET", {"sheet": "../x"}), 400),
    ("health_detail", _req("GET", {"nonsense": "1"}), 400),
]


def test_hostile_requests_are_clear_400s_and_sync_nothing(make_settings, store) -> None:
    """Every reproduction of a 500 or a silent sync-everything is now a 4xx with a message, and nothing is written."""
    rt = _runtime_with_samples(make_settings, store)
    for route, req, expected in HOSTILE:
        status, doc, text = _call(route, req)
        assert status == expected, (route, dict(req.params), req.get_body()[:60], status, text[:200])
        assert status == 200 or (doc["code"] and doc["detail"] and doc["status"] == expected)
    assert store.list_states() == [], "no hostile request synced anything"
    unknown = _call("list_leads", _req("GET", {"customer": "A", "qq": "x"}))[1]
    assert "accepted:" in unknown["detail"] and "page_size" in unknown["detail"]
    assert rt.settings.sheets


params_strategy = st.dictionaries(
    st.sampled_from(
        ["customer", "sheet", "page_size", "continuation", "include_deleted", "updated_since", "runs", "x"]
        + ["q", "sort", "count", "status", "created_from", "updated_to", "has_invalid", "duplicate", "deleted"]
    ),
    st.one_of(
        st.text(max_size=80),
        st.sampled_from(["acme-facebook", "Acme Roofing", "0", "-1", "1000", "true", "2026-01-01T00:00:00+14:00", "0001-01-01"]),
    ),
    max_size=4,
)
body_strategy = st.one_of(
    st.binary(max_size=200),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda c: st.lists(c, max_size=3) | st.dictionaries(st.sampled_from(["sheet", "all", "x"]), c, max_size=3),
        max_leaves=10,
    ).map(lambda v: json.dumps(v).encode()),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    route=st.sampled_from(["health", "health_detail", "list_leads", "approve_drop", "get_lead", "reasons"]),
    params=params_strategy,
    sheet=st.text(max_size=70),
)
def test_fuzz_read_routes_never_fail(make_settings, store, route: str, params: dict, sheet: str) -> None:
    """Random parameters on every read route and approve: no 5xx, always a JSON answer without leaks."""
    _runtime_with_samples(make_settings, store)
    status, doc, text = _call(route, _req("POST" if route == "approve_drop" else "GET", params, route_params={"sheet": sheet, "id": sheet}))
    assert status < 500, (route, params, text[:300])
    _no_leaks(text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=body_strategy)
def test_fuzz_sync_bodies_never_fail(make_settings, store, body: bytes) -> None:
    """Random bodies on POST /api/leads/sync: 400 unless it names one sheet or says all; never 5xx."""
    _runtime_with_samples(make_settings, store)
    status, doc, text = _call("manual_sync", _req("POST", body=body))
    assert status < 500, (body[:100], text[:300])
    try:
        value = json.loads(body)
    except ValueError:
        value = None
    meant = (
        isinstance(value, dict) and set(value) in ({"all"}, {"sheet"}) and (value.get("all") is True or isinstance(value.get("sheet"), str))
    )
    if not meant:
        assert status == 400, (body[:100], status)


def test_a_sheet_whose_syncs_stopped_is_stale(make_settings, store) -> None:
    """No finished run for more than 3 timer periods: the sheet is WARNING stale, the public view says syncs are stale."""
    from datetime import UTC, datetime, timedelta

    rt = _runtime_with_samples(make_settings, store, sync_schedule="0 */15 * * * *")
    rt.syncs.run()
    assert _call("health", _req("GET"))[1]["syncs"] == "fresh"
    from shared.core.state import SheetState

    store.save_state(SheetState("bright-dental", last_run_at=datetime.now(UTC) - timedelta(hours=2)), fields=("last_run_at",))
    rt.states_changed()
    public = _call("health", _req("GET"))[1]
    detail = {s["sheet_id"]: s for s in _call("health_detail", _req("GET"))[1]["sheets"]}
    assert public["syncs"] == "stale" and public["status"] == "WARNING"
    assert detail["bright-dental"]["status"] == "WARNING" and "stale" in detail["bright-dental"]["reason_codes"]
    assert "SYNC_SCHEDULE" in detail["bright-dental"]["messages"][-1]
    assert "stale" not in detail["northwind-expo"]["reason_codes"]


SURROGATE_ROUTES: dict[str, tuple[str, dict[str, str]]] = {
    # function name -> (method, route parameters)
    "list_leads": ("GET", {}),
    "list_removals": ("GET", {}),
    "get_lead": ("GET", {"id": "x"}),
    "manual_sync": ("POST", {}),
    "sync_run": ("GET", {"run": "r1"}),
    "approve_drop": ("POST", {"sheet": "acme-facebook"}),
    "health_detail": ("GET", {}),
    "erase_person": ("POST", {}),
    "unsuppress_person": ("POST", {}),
    "audit_trail": ("GET", {}),
    "reasons": ("GET", {}),
    "openapi": ("GET", {}),
}


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    route=st.sampled_from(sorted(SURROGATE_ROUTES)),
    where=st.sampled_from(["query", "body", "route"]),
    text=st.builds(
        lambda a, s, b: a + s + b, st.text(max_size=5), st.sampled_from(["\ud800", "\udfff", "\udc80", "\ud83d"]), st.text(max_size=5)
    ),
    key=st.sampled_from(["email", "phone", "sheet", "customer", "q", "change", "reason", "k\ud800"]),
)
def test_text_that_cannot_be_utf8_is_a_400_on_every_route(make_settings, store, route: str, where: str, text: str, key: str) -> None:
    """
    A lone surrogate anywhere a request carries text (a JSON body's values or keys, a query value,
    a route parameter) is a 400 problem on every route, never a 500: such text cannot be stored,
    hashed or logged (issue 18: POST /api/leads/erasures {"email": "\\ud800@x.com"} answered 500).
    """
    _runtime_with_samples(make_settings, store)
    method, route_params = SURROGATE_ROUTES[route]
    params: dict[str, str] = {}
    body = b""
    if where == "query":
        params = {key: text}
    elif where == "route" and route_params:
        route_params = {k: text for k in route_params}
    else:
        body = json.dumps({key: text, "email": text} if key != "email" else {key: text}).encode()  # ensure_ascii: "\\ud800" escapes
    if method == "POST" and not body:
        body = json.dumps({"email": text, "change": text, "sheet": text}).encode()
    if method == "GET" and body and not params:
        params = {key: text}
    resp = _fn(route)(func.HttpRequest(method=method, url="/api/x", params=params, body=body, route_params=route_params))
    assert resp.status_code == 400, (route, where, resp.status_code, resp.get_body()[:200])
    assert json.loads(resp.get_body())["code"] == "invalid_request"
