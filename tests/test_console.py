"""
The operator console without a browser (issue 21): principal and CSRF parsing (fuzzed), every
action's role checked on the server, forms answered with the error beside the field, sheet
configuration written under its ETag and audited, security headers on every answer. Handlers
run through the v2 API (``<builder>.build().get_user_function()``) against Azurite.
"""

from __future__ import annotations

import base64
import json
import re
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

import azure.functions as func
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.adapters.sheet_table import write_sheet_entries
from shared.config import StorageTarget
from shared.console import csrf
from shared.console.principal import OPERATOR, PRIVACY, READER, encode_principal, parse_principal
from shared.console.render import sparkline
from shared.errors import ConfigError, ConflictError
from shared.service import Runtime, set_runtime
from shared.service.inputs import SheetEdit
from tests.helpers import TWENTY_PEOPLE, write_rows

KEY = "console-test-key-0123456789"
ANN = ("ann@example.com", (READER, OPERATOR, PRIVACY))
REX = ("rex@example.com", (READER,))
OLLIE = ("ollie@example.com", (READER, OPERATOR))


def _fn(name: str):
    import console_http

    return getattr(console_http, name).build().get_user_function()


def _headers(who: tuple[str, tuple[str, ...]] | None) -> dict[str, str]:
    return {"X-MS-CLIENT-PRINCIPAL": encode_principal(who[0], who[1])} if who else {}


def _token(who: tuple[str, tuple[str, ...]]) -> str:
    return csrf.make_token(KEY, f"dev-{who[0]}", time.time())


def call(method: str, path: str, who=ANN, form: dict[str, str] | None = None, token: bool = True) -> func.HttpResponse:
    """One console request as the platform hands it over (path below /console)."""
    body = b""
    if form is not None or method == "POST":
        fields = dict(form or {})
        if token and who:
            fields["csrf"] = _token(who)
        body = urlencode(fields).encode()
    url = f"http://127.0.0.1/console{path}"
    query = dict(re.findall(r"[?&]([^=&]+)=([^&]*)", path))
    segments = [s for s in path.split("?")[0].split("/") if s]
    name = ("console_home", "console_page", "console_item", "console_action")[min(len(segments), 3)]
    req = func.HttpRequest(
        method, url, headers=_headers(who) | {"Content-Type": "application/x-www-form-urlencoded"}, params=query, body=body
    )
    return _fn(name)(req)


def text(resp: func.HttpResponse) -> str:
    return resp.get_body().decode()


@pytest.fixture
def rt(make_settings, tmp_path: Path) -> Runtime:
    """A runtime whose sheet list is a sheets table holding one CSV sheet (20 leads, synced); sign-in on."""
    write_rows(tmp_path / "acme.csv", TWENTY_PEOPLE)
    table = f"sheets{uuid.uuid4().hex[:10]}"
    settings = make_settings(
        sheets_table=table, base_dir=tmp_path, console_signed_in=True, console_key=KEY, erasure_key="erasure-key-0123456789abcdef"
    )
    write_sheet_entries(
        StorageTarget(connection_string=settings.storage_connection),
        table,
        [{"id": "acme", "customer": "Acme Ltd", "source": "csv", "path": "acme.csv"}],
    )
    runtime = Runtime(settings)
    set_runtime(runtime)
    runtime.syncs.run()
    return runtime


# principal and CSRF (pure)


def test_principal_round_trip_and_roles_from_the_role_claim_type() -> None:
    """The header Easy Auth sends is read: name, id and the roles named by ``role_typ``; other claims are not roles."""
    p = parse_principal({"X-MS-CLIENT-PRINCIPAL": encode_principal("ann@example.com", ["LeadSync.Operator"])})
    assert p is not None and p.name == "ann@example.com" and p.roles == {"LeadSync.Operator"}
    doc = {
        "auth_typ": "aad",
        "name_typ": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
        "role_typ": "http://schemas.microsoft.com/ws/2008/06/identity/claims/role",
        "claims": [
            {"typ": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress", "val": "bo@example.com"},
            {"typ": "http://schemas.microsoft.com/ws/2008/06/identity/claims/role", "val": "LeadSync.Privacy"},
            {"typ": "groups", "val": "LeadSync.Operator"},
        ],
    }
    raw = base64.b64encode(json.dumps(doc).encode()).decode()
    p = parse_principal({"x-ms-client-principal": raw, "x-ms-client-principal-id": "oid-1"})
    assert p is not None and (p.id, p.name, p.roles) == ("oid-1", "bo@example.com", {"LeadSync.Privacy"})


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=300), st.binary(max_size=300).map(lambda b: base64.b64encode(b).decode())))
def test_principal_parsing_never_raises(raw: str) -> None:
    """Any header value parses to a principal or None, never an exception."""
    parse_principal({"X-MS-CLIENT-PRINCIPAL": raw})


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=120))
def test_csrf_tokens_bind_the_user_and_time_and_garbage_never_passes(garbage: str) -> None:
    """A token holds for its user within its lifetime only; any other text is refused without raising."""
    now = 1_800_000_000.0
    token = csrf.make_token(KEY, "u1", now)
    assert csrf.check_token(KEY, "u1", token, now + 60)
    assert not csrf.check_token(KEY, "u2", token, now + 60)
    assert not csrf.check_token("another-key", "u1", token, now + 60)
    assert not csrf.check_token(KEY, "u1", token, now + csrf.TOKEN_SECONDS + 1)
    assert not csrf.check_token(KEY, "u1", garbage, now) or garbage == token


def test_sparkline_is_svg_without_inline_style_and_described() -> None:
    """The run history renders as SVG with presentation attributes (the CSP forbids inline style) and an aria-label."""
    runs = [{"status": s, "counts": {"leads": n}} for s, n in (("ERROR", 4), ("SUCCESS", 20), ("SUCCESS", 18))]
    svg = str(sparkline(runs))
    assert svg.startswith("<svg") and "style=" not in svg and 'aria-label="3 runs, leads from 4 to 20, 1 failed"' in svg
    assert svg.count("<circle") == 3 and "#cf222e" in svg
    assert "no runs" in str(sparkline([]))


# sign-in and roles


def test_without_a_trusted_principal_the_console_answers_401(rt: Runtime, make_settings) -> None:
    """No principal: 401. A principal header while the platform's sign-in is off is not trusted: 401 too."""
    resp = call("GET", "", who=None)
    assert resp.status_code == 401 and "Sign in" in text(resp)
    rt.settings = make_settings(console_signed_in=False, console_key=KEY)
    resp = call("GET", "", who=ANN)
    assert resp.status_code == 401 and "App Service Authentication" in text(resp)


def test_every_answer_carries_the_security_headers(rt: Runtime) -> None:
    """CSP without inline script or style, frame-ancestors 'none', nosniff and no referrer, on pages, errors and 401s."""
    for resp in (call("GET", ""), call("GET", "", who=None), call("GET", "/nowhere"), call("POST", "/sheets/acme/sync", token=False)):
        csp = resp.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe" not in csp
        assert resp.headers["X-Content-Type-Options"] == "nosniff" and resp.headers["Referrer-Policy"] == "no-referrer"


OPERATOR_POSTS = [
    "/sheets/acme/approve",
    "/sheets/acme/sync",
    "/sheets/acme/pause",
    "/sheets/acme/resume",
    "/sheets/acme/override",
    "/onboard",
]
PRIVACY_POSTS = ["/privacy/erase", "/privacy/unsuppress"]


def test_each_action_needs_its_role_on_the_server(rt: Runtime) -> None:
    """A Reader is refused (403) every Operator and Privacy action, with a valid token; an Operator every Privacy one; nothing changes."""
    before = rt.store.get_state("acme")
    for path in OPERATOR_POSTS + PRIVACY_POSTS:
        resp = call("POST", path, who=REX, form={"change": "x", "email": "u1@example.com"})
        assert resp.status_code == 403, path
    for path in PRIVACY_POSTS:
        assert call("POST", path, who=OLLIE, form={"email": "u1@example.com"}).status_code == 403
    assert call("GET", "/privacy", who=OLLIE).status_code == 403
    assert call("GET", "/onboard", who=REX).status_code == 403
    assert call("GET", "", who=REX).status_code == 200 and call("GET", "/sheets/acme", who=REX).status_code == 200
    assert call("GET", "", who=("nobody@example.com", ())).status_code == 403
    assert rt.store.get_state("acme") == before
    assert len(rt.store.list_leads(sheet_id="acme", page_size=100)[0]) == 20
    assert rt.store.list_audit(10)[0] == []


def test_a_post_without_a_valid_csrf_token_is_refused(rt: Runtime) -> None:
    """Missing, forged or another user's token: 403 and the sheet is not paused."""
    assert call("POST", "/sheets/acme/pause", form={"etag": "x"}, token=False).status_code == 403
    assert call("POST", "/sheets/acme/pause", form={"etag": "x", "csrf": "1.abc"}, token=False).status_code == 403
    other = {"etag": "x", "csrf": _token(REX)}
    assert call("POST", "/sheets/acme/pause", form=other, token=False).status_code == 403
    assert rt.settings.sheet("acme").enabled  # type: ignore[union-attr]


# sheet configuration: ETag, audit, pause and resume


def test_pause_resume_and_override_are_written_under_the_etag_and_audited(rt: Runtime) -> None:
    """Pause then resume from the page: the sheets table changes, each change is audited with who, before and after."""
    etag = rt.sheet_admin.entry("acme").etag
    resp = call("POST", "/sheets/acme/pause", who=OLLIE, form={"etag": etag})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("notice=paused")
    assert rt.settings.sheet("acme").enabled is False  # type: ignore[union-attr]
    assert "paused" in text(call("GET", "?show=paused"))
    etag = rt.sheet_admin.entry("acme").etag
    assert call("POST", "/sheets/acme/override", who=OLLIE, form={"etag": etag, "header": "Name", "field": "company"}).status_code == 303
    assert rt.settings.sheet("acme").overrides == {"Name": "company"}  # type: ignore[union-attr]
    etag = rt.sheet_admin.entry("acme").etag
    assert call("POST", "/sheets/acme/resume", who=OLLIE, form={"etag": etag}).status_code == 303
    assert rt.settings.sheet("acme").enabled is True  # type: ignore[union-attr]
    records, _ = rt.store.list_audit(10)
    assert [r["action"] for r in records] == ["sheet_resumed", "sheet_changed", "sheet_paused"]
    assert all(r["actor"] == "ollie@example.com" for r in records)
    paused = records[2]
    assert paused["before"].get("enabled", True) is True and paused["after"]["enabled"] is False


def test_two_operators_cannot_overwrite_each_other(rt: Runtime) -> None:
    """Two changes made against the same version: the second is refused (409, in words) and the first stays."""
    etag = rt.sheet_admin.entry("acme").etag
    assert call("POST", "/sheets/acme/pause", who=OLLIE, form={"etag": etag}).status_code == 303
    resp = call("POST", "/sheets/acme/override", who=ANN, form={"etag": etag, "header": "Name", "field": "company"})
    assert resp.status_code == 409 and "changed by someone else" in text(resp)
    assert rt.sheet_admin.entry("acme").entry.get("overrides") is None
    with pytest.raises(ConflictError):  # the table itself refuses a stale ETag, whoever checks first
        rt.sheet_entries.put_entry({"id": "acme", "customer": "Acme Ltd", "source": "csv", "path": "acme.csv"}, etag)


def test_without_a_sheets_table_the_console_says_where_sheets_are_configured(make_settings, tmp_path: Path) -> None:
    """A sheet list from LEAD_SYNC_SHEETS cannot be edited here: the page says so and an edit is a ConfigError naming the setting."""
    from tests.conftest import csv_sheet

    write_rows(tmp_path / "a.csv", TWENTY_PEOPLE)
    runtime = Runtime(make_settings(csv_sheet("acme", tmp_path / "a.csv"), console_signed_in=True, console_key=KEY))
    set_runtime(runtime)
    assert "LEAD_SYNC_SHEETS" in text(call("GET", "/sheets/acme"))
    with pytest.raises(ConfigError, match="LEAD_SYNC_SHEETS_TABLE"):
        runtime.sheet_admin.edit(SheetEdit("acme", "x", "ann", enabled=False))


# forms


def test_bad_onboarding_input_returns_the_form_with_the_error_beside_the_field(rt: Runtime) -> None:
    """Each bad field comes back (400) with its message in that field's error slot, the other values kept."""
    cases = {
        "spreadsheet": {"spreadsheet": "not a sheet", "customer": "Globex"},
        "customer": {"spreadsheet": "1GlobexLeadsSheet0123456789", "customer": ""},
        "phone_region": {"spreadsheet": "1GlobexLeadsSheet0123456789", "customer": "Globex", "phone_region": "ZZ"},
        "required": {"spreadsheet": "1GlobexLeadsSheet0123456789", "customer": "Globex", "required": "email|fax"},
        "sheet_id": {"spreadsheet": "1GlobexLeadsSheet0123456789", "customer": "Acme", "sheet_id": "acme"},
    }
    for field, form in cases.items():
        resp = call("POST", "/onboard", form=form | {"action": "save"})
        page = text(resp)
        assert resp.status_code == 400, field
        slot = re.search(rf'<span id="{field}-err" class="field-error">([^<]*)</span>', page)
        assert slot and slot.group(1).strip(), (field, page[:2000])
        assert "Traceback" not in page
        if form.get("customer"):
            assert f'value="{form["customer"]}"' in page
    assert rt.sheet_admin.entry("acme").entry["customer"] == "Acme Ltd"


def test_a_sheet_the_app_cannot_read_names_the_account_to_share_it_with(rt: Runtime, account) -> None:
    """Without access (Google answers 403) the form says which service-account address to share the sheet with."""
    from dataclasses import replace

    import responses

    rt.settings = replace(rt.settings, google_credentials=account)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as google:
        google.add_passthru(re.compile(r"http://127\.0\.0\.1[:/]"))
        google.add(responses.POST, "https://oauth2.googleapis.com/token", json={"access_token": "t", "expires_in": 3600})
        google.add(
            responses.GET, re.compile(r"https://sheets\.googleapis\.com/.*"), status=403, json={"error": {"code": 403, "message": "denied"}}
        )
        resp = call("POST", "/onboard", form={"spreadsheet": "1NotSharedSheet0123456789", "customer": "Initech"})
    assert resp.status_code == 400 and "leadsync@test.iam.gserviceaccount.com" in text(resp)


def test_erasure_asks_first_then_erases_and_records_the_signed_in_user(rt: Runtime) -> None:
    """Step one counts and changes nothing; step two erases; the audit names the principal, never the identifier."""
    resp = call("POST", "/privacy/erase", form={"email": "u5@example.com", "step": "check"})
    assert resp.status_code == 200 and "acme</strong> (1)" in text(resp)
    assert len(rt.store.list_leads(sheet_id="acme", page_size=100)[0]) == 20
    resp = call("POST", "/privacy/erase", form={"email": "u5@example.com", "step": "erase"})
    assert "Erased 1 lead" in text(resp)
    assert len(rt.store.list_leads(sheet_id="acme", include_deleted=True, page_size=100)[0]) == 19
    record = rt.store.list_audit(1)[0][0]
    assert record["action"] == "erasure" and record["actor"] == "ann@example.com" and "u5@" not in json.dumps(record)
    resp = call("POST", "/privacy/erase", form={"email": "", "phone": ""})
    assert resp.status_code == 400 and "email, phone or both" in text(resp)


def test_overview_filters_sorts_and_pages(rt: Runtime) -> None:
    """Text and kind filters narrow the list, sort orders it, and a page holds at most PAGE_SIZE sheets."""
    from shared.console.app import PAGE_SIZE, overview_rows

    doc = {
        "sheets": [
            {"sheet_id": f"s{i:04d}", "customer": f"Customer {i % 7}", "status": ("SUCCESS", "WARNING", "ERROR")[i % 3], "leads": i}
            for i in range(250)
        ]
    }
    assert len(overview_rows(doc, "customer 3", "all", "customer", False)) == len([i for i in range(250) if i % 7 == 3])
    errors = overview_rows(doc, "", "error", "leads", True)
    assert all(r["status"] == "ERROR" for r in errors) and errors[0]["leads"] == 248
    assert overview_rows(doc, "", "all", "status", False)[0]["status"] == "ERROR"
    assert "Acme Ltd" in text(call("GET", "?q=acme")) and "Acme Ltd" not in text(call("GET", "?q=zzz"))
    assert PAGE_SIZE <= 100


def test_an_unexpected_failure_is_a_page_with_an_error_id_never_a_trace(rt: Runtime, monkeypatch, caplog) -> None:
    """A bug in a view answers 500 with an error id that is logged with its type and place only."""

    def boom(*_a, **_k):
        raise RuntimeError("secret detail u1@example.com")

    monkeypatch.setattr(rt.health, "overview", boom)
    resp = call("GET", "")
    page = text(resp)
    assert resp.status_code == 500 and "error" in page and "secret" not in page and "Traceback" not in page
    assert "RuntimeError" in caplog.text and "u1@example.com" not in caplog.text


def test_static_files_are_served_and_nothing_else(rt: Runtime) -> None:
    """The vendored htmx and the stylesheet are served from the app (no CDN); any other name is 404."""
    resp = call("GET", "/static/htmx.min.js", who=None)
    assert resp.status_code == 200 and resp.mimetype == "text/javascript" and b"htmx" in resp.get_body()
    assert call("GET", "/static/console.css", who=None).status_code == 200
    assert call("GET", "/static/..%2Fapp.py", who=None).status_code == 404


def test_dev_server_strips_client_principals_and_injects_the_development_one() -> None:
    """Like Easy Auth, the dev server drops any X-MS-CLIENT-PRINCIPAL* a client sends; LEAD_SYNC_DEV_PRINCIPAL names who is signed in."""
    from scripts.dev_principal import dev_principal, platform_headers

    forged = {"X-MS-CLIENT-PRINCIPAL": encode_principal("mallory", ["LeadSync.Operator"]), "x-ms-client-principal-name": "m"}
    assert platform_headers(forged, {}) == {}
    out = platform_headers(forged, {"LEAD_SYNC_DEV_PRINCIPAL": "dev@example.com:Reader,LeadSync.Privacy"})
    p = parse_principal(out)
    assert p is not None and p.name == "dev@example.com" and p.roles == {"LeadSync.Reader", "LeadSync.Privacy"}
    assert dev_principal("  ") is None and dev_principal("x") == ("x", ())


def test_the_old_console_address_redirects_to_the_new_one() -> None:
    """
    /api/console... (where the console lived while host.json's routePrefix was "api") answers 308 to
    the same place below /console, query kept and method kept (a stale form is posted again), with
    no sign-in needed (it is under the API's excluded /api/*) and the console's security headers.
    """
    cases = [
        ("console_moved", "GET", "http://127.0.0.1/api/console", "/console"),
        ("console_moved", "GET", "http://127.0.0.1/api/console?show=error&sort=-leads", "/console?show=error&sort=-leads"),
        ("console_moved_below", "GET", "http://127.0.0.1/api/console/sheets/acme?run=abc", "/console/sheets/acme?run=abc"),
        ("console_moved_below", "POST", "http://127.0.0.1/api/console/sheets/acme/sync", "/console/sheets/acme/sync"),
        ("console_moved_below", "GET", "http://127.0.0.1/api/console/static/console.css", "/console/static/console.css"),
    ]
    for name, method, url, location in cases:
        resp = _fn(name)(func.HttpRequest(method, url, headers={}, params={}, body=b""))
        assert resp.status_code == 308 and resp.headers["Location"] == location, (url, resp.headers.get("Location"))
        assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]


def test_in_azure_a_signed_out_person_is_sent_to_sign_in(rt: Runtime) -> None:
    """With LEAD_SYNC_CONSOLE_LOGIN (Azure), a signed-out GET is redirected to Entra ID sign-in and back; a POST stays 401."""
    from dataclasses import replace

    rt.settings = replace(rt.settings, console_login="/.auth/login/aad")
    resp = call("GET", "/sheets/acme?run=abc", who=None)
    assert resp.status_code == 302
    assert resp.headers["Location"] == "/.auth/login/aad?post_login_redirect_uri=/console/sheets/acme%3Frun%3Dabc"
    assert call("POST", "/sheets/acme/sync", who=None).status_code == 401


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["spreadsheet", "customer", "sheet_id", "worksheet", "phone_region", "required", "ov.0", "ovkey.0"]),
        st.text(max_size=80),
    )
)
def test_onboarding_form_parsing_fails_only_with_a_field_error(form: dict[str, str]) -> None:
    """Whatever the form holds, parsing yields a draft or an InvalidFieldError naming one of the form's fields."""
    from shared.console.app import parse_draft
    from shared.errors import InvalidFieldError

    fields = ("spreadsheet", "customer", "sheet_id", "worksheet", "phone_region", "required", "overrides")
    try:
        draft = parse_draft(form, "ann")
    except InvalidFieldError as e:
        field = e.field
    else:
        field = None
        assert re.fullmatch(r"[A-Za-z0-9_-]{1,64}", draft.sheet_id) and re.fullmatch(r"[A-Za-z0-9_-]{10,200}", draft.spreadsheet_id)
    assert field is None or field in fields


def test_a_google_sheet_is_read_for_its_page_only_on_request(rt: Runtime, account) -> None:
    """The sheet page shows a Google sheet's mapping as of its last sync without a Google read; "Read the sheet now" reads it once and shows reasons and confidence."""
    from dataclasses import replace

    import responses

    rt.sheet_entries.put_entry({"id": "g1", "customer": "Globex", "spreadsheet_id": "1GlobexLeadsSheet0123456789"}, None)
    rt.settings = replace(rt.settings, google_credentials=account)
    values = {"values": [["Name", "Email"], ["Ann Lee", "ann@example.com"]]}
    with responses.RequestsMock(assert_all_requests_are_fired=False) as google:
        google.add_passthru(re.compile(r"http://127\.0\.0\.1[:/]"))
        google.add(responses.POST, "https://oauth2.googleapis.com/token", json={"access_token": "t", "expires_in": 3600})
        reads = google.add(responses.GET, re.compile(r"https://sheets\.googleapis\.com/.*"), json=values)
        page = text(call("GET", "/sheets/g1"))
        assert reads.call_count == 0 and "Read the sheet now" in page
        page = text(call("GET", "/sheets/g1?read=1"))
        assert reads.call_count == 1 and "is a synonym of email" in page


def test_sync_now_is_followed_until_done_then_the_sheet_page_shows_the_result(rt: Runtime) -> None:
    """Sync now queues a run and shows its progress (polled); once the worker finished it, the poll sends the page back to the sheet."""
    from scripts.queue_worker import Worker

    resp = call("POST", "/sheets/acme/sync", who=OLLIE)
    location = resp.headers["Location"]
    assert resp.status_code == 303 and "run=" in location
    run = location.split("run=")[1]
    page = text(call("GET", f"/runs/{run}?sheet=acme"))
    assert "queued" in page and f"/runs/{run}?sheet=acme" in page  # polls itself again
    assert 'hx-get="/console/runs/' in text(call("GET", f"/sheets/acme?run={run}"))
    Worker.from_host_json(rt.queue).run_until_idle(idle_seconds=0.5)  # type: ignore[arg-type]
    req = func.HttpRequest(
        "GET",
        f"http://127.0.0.1/console/runs/{run}?sheet=acme",
        headers=_headers(ANN) | {"HX-Request": "true"},
        params={"sheet": "acme"},
        body=b"",
    )
    done = _fn("console_item")(req)
    assert done.headers["HX-Redirect"] == "/console/sheets/acme?notice=synced"


def test_with_nothing_configured_every_page_answers_in_words_never_500() -> None:
    """No storage, no sheets, no keys: every console page and action answers a page saying what is missing (no 500)."""
    from shared.config import Settings

    set_runtime(Runtime(Settings(console_signed_in=True, console_key=KEY, problems=("no storage configured",)), environ={}))
    for path in ("", "?show=blocked&sort=-leads&page=9", "/sheets/nope", "/onboard", "/privacy", "/settings", "/runs/abc"):
        resp = call("GET", path)
        assert resp.status_code < 500 or resp.status_code == 503, (path, resp.status_code)
        assert "Something went wrong" not in text(resp), path
    for path, form in (
        ("/sheets/nope/sync", {}),
        ("/sheets/nope/approve", {"change": "abc"}),
        ("/sheets/nope/pause", {"etag": "x"}),
        ("/onboard", {"spreadsheet": "1GlobexLeadsSheet0123456789", "customer": "Globex", "action": "save"}),
        ("/privacy/erase", {"email": "a@example.com", "step": "erase"}),
        ("/privacy/unsuppress", {"email": "a@example.com"}),
    ):
        resp = call("POST", path, form=form)
        assert resp.status_code in (400, 404, 409, 503), (path, resp.status_code, text(resp)[-500:])


def test_times_read_in_words() -> None:
    """Instants show as UTC minutes and as 'how long ago'; a missing or unreadable one is 'never'."""
    from datetime import UTC, datetime, timedelta

    from shared.console.render import ago, when

    now = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
    assert when("2026-12-07T11:59:30+01:00") == "2026-12-07 10:59 UTC" and when(None) == "never" and when("garbage") == "never"
    assert when(datetime(2026, 1, 2, 3, 4)) == "2026-01-02 03:04 UTC"  # a naive time is UTC
    assert ago(now - timedelta(seconds=30), now) == "just now"
    assert ago(now - timedelta(minutes=5), now) == "5 min ago"
    assert ago(now - timedelta(hours=3), now) == "3 h ago"
    assert ago(now - timedelta(days=1), now) == "24 h ago" and ago(now - timedelta(days=3), now) == "3 days ago"
    assert ago("", now) == "never"


def test_the_audit_trail_is_paged(rt: Runtime) -> None:
    """The Privacy page shows 25 records, newest first, and a link to the older ones, which shows the rest."""
    from datetime import UTC, datetime, timedelta

    start = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(30):
        rt.store.append_audit(
            {"action": "approval", "actor": f"user{i}", "sheets": ["acme"], "counts": {"leads": i}}, start + timedelta(minutes=i)
        )
    page = text(call("GET", "/privacy"))
    rows = re.findall(r"<tr><td>2026-01-01", page)
    assert len(rows) == 25 and page.index("user29") < page.index("user5<")
    older = re.search(r'href="/console/privacy\?continuation=([^"]+)"', page)
    assert older is not None
    from urllib.parse import unquote

    token = unquote(older.group(1).replace("&amp;", "&"))
    req = func.HttpRequest("GET", "http://127.0.0.1/console/privacy", headers=_headers(ANN), params={"continuation": token}, body=b"")
    rest = _fn("console_page")(req).get_body().decode()
    assert len(re.findall(r"<tr><td>2026-01-01", rest)) == 5 and "user0<" in rest and "user29" not in rest


# webhooks (issue 22)


def test_the_webhooks_page_lists_subscribes_disables_and_replays(rt: Runtime) -> None:
    """A reader sees subscriptions and no forms; an operator subscribes (a bad URL is named beside its field), disables and replays."""
    rt.settings = rt.settings.__class__(
        **{**rt.settings.__dict__, "webhook_key": base64.b64encode(b"w" * 32).decode(), "webhook_allow_loopback": True}
    )
    secret = "whsec_" + base64.b64encode(b"s" * 32).decode()
    resp = call("GET", "/webhooks", who=REX)
    assert resp.status_code == 200 and "No subscription yet" in text(resp) and "Subscribe a receiver" not in text(resp)
    bad = call("POST", "/webhooks", who=OLLIE, form={"url": "https://10.0.0.9/hook", "secret": secret})
    assert bad.status_code == 400 and re.search(r'id="url-err"[^>]*>[^<]*private', text(bad))
    ok = call("POST", "/webhooks", who=OLLIE, form={"url": "http://127.0.0.1:9/hook?token=abc", "secret": secret, "customers": "Acme Ltd"})
    assert ok.status_code == 303 and ok.headers["Location"].endswith("/webhooks?notice=subscribed")
    listed = text(call("GET", "/webhooks", who=REX))
    assert "http://127.0.0.1:9/hook" in listed and "token=abc" not in listed and secret not in listed and "Acme Ltd" in listed
    sub = rt.webhooks.list_all()["items"][0]["id"]
    assert call("POST", f"/webhooks/{sub}/disable", who=REX).status_code == 403
    assert call("POST", f"/webhooks/{sub}/disable", who=OLLIE).status_code == 303
    assert rt.webhooks.get(sub)["status"] == "disabled"
    assert call("POST", f"/webhooks/{sub}/replay", who=OLLIE, form={"since": ""}).status_code == 400
    assert call("POST", f"/webhooks/{sub}/replay", who=OLLIE, form={"since": "2026-12-01T10:00"}).status_code == 303
    assert call("POST", "/webhooks/nope/enable", who=OLLIE).status_code == 400
