"""
A sheet edit synced within a minute (issue 22, section 3): ``POST /api/leads/sheets/{sheet}/changed``
with the sheet's own token, debounced and paced, against Azurite through the registered handlers
(``<builder>.build().get_user_function()``); the token and the decision as pure functions too.
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import azure.functions as func
import jsonschema
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from shared.config import SheetConfig, load_settings
from shared.contract import openapi, response_schema
from shared.core.notify import (
    DEBOUNCE_SECONDS,
    MAX_DELAY_SECONDS,
    apps_script,
    budgets,
    decide,
    notify_token,
    token_matches,
)
from shared.core.pacing import spacing
from shared.service import ChangeNotice, Runtime, set_runtime
from tests.conftest import ROOT, csv_sheet

KEY = "notify-test-key-0123456789abcdef"
PATHS = {"sheet_changed": ("/api/leads/sheets/{sheet}/changed", "post"), "sheet_notify_setup": ("/api/leads/sheets/{sheet}/notify", "get")}


def _fn(name: str) -> Any:
    import changes_http

    return getattr(changes_http, name).build().get_user_function()


def call(
    name: str, sheet: str, *, params: dict[str, str] | None = None, headers: dict[str, str] | None = None, body: bytes = b""
) -> tuple[int, Any, dict[str, str]]:
    """Call a handler as the host would; check the answer against the contract: (status, JSON, headers)."""
    path, verb = PATHS[name]
    req = func.HttpRequest(
        method=verb.upper(),
        url=f"https://leadsync.example.net/api/leads/sheets/{sheet}/{path.rsplit('/', 1)[1]}",
        params=params or {},
        body=body,
        route_params={"sheet": sheet},
        headers=headers or {},
    )
    resp = _fn(name)(req)
    documented = openapi()["paths"][path][verb]["responses"]
    assert str(resp.status_code) in documented, (name, resp.status_code, resp.get_body()[:300])
    doc = json.loads(resp.get_body())
    jsonschema.Draft202012Validator(response_schema(path, verb, resp.status_code)).validate(doc)
    return resp.status_code, doc, dict(resp.headers)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _runtime(make_settings, store, *sheets: SheetConfig, **kw: Any) -> Runtime:
    kw.setdefault("notify_key", KEY)
    rt = Runtime(make_settings(*sheets, **kw), environ={}, store=store)
    set_runtime(rt)
    return rt


def google(sheet_id: str, **kw: Any) -> SheetConfig:
    return SheetConfig(id=sheet_id, customer="Acme", spreadsheet_id=f"{sheet_id}-spreadsheet-0000", **kw)


def queued(rt: Runtime) -> int:
    """Messages on the sync queue, visible or not."""
    rt.queue.ensure()  # type: ignore[attr-defined]
    return rt.queue.count()  # type: ignore[attr-defined, no-any-return]


# the token (pure)


def test_a_token_belongs_to_one_sheet_one_version_and_one_key() -> None:
    """A token opens its own sheet at its own version under its own key, and nothing else."""
    t = notify_token(KEY, "acme", 1)
    assert t.startswith("lsn1_") and len(t) == 5 + 64
    assert token_matches(KEY, "acme", 1, t)
    assert not token_matches(KEY, "acme", 2, t), "raising notify_version revokes the old token"
    assert not token_matches(KEY, "bright", 1, t), "another sheet's token"
    assert not token_matches(KEY + "x", "acme", 1, t), "another key revokes every token"
    assert notify_token(KEY, "acme", 1) == t, "derived, so stable: nothing is stored"
    assert len({notify_token(KEY, f"s{i}", v) for i in range(50) for v in (1, 2)}) == 100


@given(st.text(max_size=80))
def test_any_presented_text_but_the_token_is_refused_without_error(presented: str) -> None:
    """Any text a caller sends (surrogates, NULs, prefixes of the token) compares without raising and is refused."""
    t = notify_token(KEY, "acme", 3)
    assert token_matches(KEY, "acme", 3, presented) == (presented == t)
    assert not token_matches(KEY, "acme", 3, t[: len(presented) % len(t)])


def test_the_apps_script_carries_the_url_the_token_and_an_installable_on_change_trigger() -> None:
    script = apps_script("acme", "https://x.example/api/leads/sheets/acme/changed", "lsn1_abc")
    assert "const LEAD_SYNC_URL = 'https://x.example/api/leads/sheets/acme/changed';" in script
    assert "const LEAD_SYNC_TOKEN = 'lsn1_abc';" in script
    assert "ScriptApp.newTrigger('notifyLeadSync').forSpreadsheet(sheet).onChange().create();" in script
    assert "muteHttpExceptions: true" in script and "Authorization: 'Bearer ' + token" in script
    assert "{" not in apps_script("a", "u", "t").split("function", 1)[0].replace("{ changeType", ""), "no format field left unfilled"
    hostile = apps_script("a", "https://x/'+evil()+'", "t")
    assert "'+evil()+'" not in hostile and "\\'+evil()+\\'" in hostile, "a quote in the URL cannot end the string"


# the decision (pure)


T0 = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def _replay(offsets: list[float], rpm: int = 60, sheets: int = 1) -> list[tuple[float, str, datetime | None]]:
    """Notifications at T0 + offset (sheet i % sheets), each decided on the marks the previous ones left."""
    marks: dict[str, datetime | None] = {}
    out = []
    bs = budgets("default", "proj", rpm, 300)
    for i, off in enumerate(sorted(offsets)):
        sheet = f"s{i % sheets}"
        now = T0 + timedelta(seconds=off)
        d = decide(sheet, now, marks, bs)
        if d.outcome == "queued":
            marks.update(dict(d.marks))
        out.append((off, d.outcome, d.due))
    return out


def test_five_notifications_in_twenty_seconds_are_one_sync_at_the_end_of_the_window() -> None:
    seen = _replay([0, 4, 9, 15, 19.9])
    assert [o for _, o, _ in seen] == ["queued", "pending", "pending", "pending", "pending"]
    assert {due for _, _, due in seen} == {T0 + timedelta(seconds=DEBOUNCE_SECONDS)}
    assert [o for _, o, _ in _replay([0, 19.9, 20.0, 25])] == ["queued", "pending", "queued", "pending"], "the window ends at the sync"


@hsettings(max_examples=200)
@given(
    offsets=st.lists(st.floats(min_value=0, max_value=600, allow_nan=False), min_size=1, max_size=60),
    rpm=st.integers(min_value=1, max_value=120),
    sheets=st.integers(min_value=1, max_value=8),
)
def test_notified_syncs_are_debounced_paced_and_never_later_than_a_minute(offsets: list[float], rpm: int, sheets: int) -> None:
    """
    Whatever the notifications: each queued sync starts 20-60 s after its notification, one
    sheet never has two syncs within 20 s, the credential's notified reads keep its pacing
    spacing, and a refusal names a wait after which the budget has room again.
    """
    seen = _replay(offsets, rpm, sheets)
    gap = spacing(rpm)
    dues = sorted(due for _, o, due in seen if o == "queued" and due is not None)
    for a, b in zip(dues, dues[1:], strict=False):
        assert (b - a).total_seconds() >= min(gap, spacing(300)) - 1e-6
    for off, outcome, due in seen:
        if outcome == "queued":
            assert due is not None
            late = (due - (T0 + timedelta(seconds=off))).total_seconds()
            assert DEBOUNCE_SECONDS - 1e-6 <= late <= MAX_DELAY_SECONDS + 1e-6
    if sheets == 1:
        assert all((b - a).total_seconds() >= DEBOUNCE_SECONDS for a, b in zip(dues, dues[1:], strict=False))
    if rpm >= 60 and sheets == 1:
        assert "refused" not in {o for _, o, _ in seen}, "one sheet alone never exhausts a default budget"


def test_a_refusal_says_when_the_budget_has_room() -> None:
    bs = budgets("default", "proj", 1, 300)  # one read a minute: 66.7 s apart
    first = decide("a", T0, {}, bs)
    marks: dict[str, datetime | None] = dict(first.marks)
    refused = decide("b", T0, marks, bs)
    assert refused.outcome == "refused" and refused.retry_after > 0
    later = T0 + timedelta(seconds=refused.retry_after)
    assert decide("b", later, marks, bs).outcome == "queued"
    assert decide("b", later - timedelta(seconds=1.5), marks, bs).outcome == "refused"


# the route against Azurite


def test_five_calls_within_twenty_seconds_put_one_delayed_message_on_the_queue(make_settings, store) -> None:
    """The first call queues one message, invisible for the debounce; four more change nothing and say when it runs."""
    rt = _runtime(make_settings, store, google("acme"), google("bright"))
    token = notify_token(KEY, "acme", 1)
    answers = [call("sheet_changed", "acme", headers=bearer(token), body=b'{"changeType": "EDIT"}') for _ in range(5)]
    assert [s for s, _, _ in answers] == [202] * 5
    assert [d["outcome"] for _, d, _ in answers] == ["queued"] + ["pending"] * 4
    assert len({d["sync_expected_at"] for _, d, _ in answers}) == 1
    expected = datetime.fromisoformat(answers[0][1]["sync_expected_at"])
    assert timedelta(seconds=15) < expected - datetime.now(UTC) <= timedelta(seconds=DEBOUNCE_SECONDS)
    assert queued(rt) == 1
    assert rt.queue.receive(visibility_timeout=1) == [], "invisible until the debounce window ends"  # type: ignore[attr-defined]
    run = rt.read_jobs.get_job(answers[0][1]["run_id"])
    assert run is not None and run.trigger == "change" and [s.sheet_id for s in run.sheets] == ["acme"]
    # another sheet is its own window
    assert call("sheet_changed", "bright", headers=bearer(notify_token(KEY, "bright", 1)))[1]["outcome"] == "queued"
    assert queued(rt) == 2


def test_concurrent_notifications_of_one_sheet_queue_one_sync(make_settings, store) -> None:
    """Eight notifications at the same moment on eight threads: the marks' ETags let exactly one queue a message."""
    rt = _runtime(make_settings, store, google("acme"))
    token = notify_token(KEY, "acme", 1)
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def one() -> None:
        barrier.wait()
        outcomes.append(rt.changes.notify(ChangeNotice("acme", token)).outcome)

    threads = [threading.Thread(target=one) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["pending"] * 7 + ["queued"], outcomes
    assert queued(rt) == 1


def test_the_window_closes_at_the_sync_and_the_next_edit_queues_again(make_settings, store) -> None:
    """At the pending time the message is released; a notification after it queues the next sync (edits during a sync are not lost)."""
    rt = _runtime(make_settings, store, google("acme"))
    token = notify_token(KEY, "acme", 1)
    t0 = datetime.now(UTC)
    times = [t0 + timedelta(seconds=s) for s in (0, 5, 10, 15, 19)]
    assert [rt.changes.notify(ChangeNotice("acme", token), now=t).outcome for t in times] == ["queued"] + ["pending"] * 4
    assert queued(rt) == 1
    assert rt.changes.notify(ChangeNotice("acme", token), now=t0 + timedelta(seconds=21)).outcome == "queued"
    assert queued(rt) == 2


def test_tokens_are_checked_and_an_unknown_sheet_looks_like_a_wrong_token(make_settings, store) -> None:
    rt = _runtime(make_settings, store, google("acme"), google("bright"), google("paused", enabled=False))
    right = notify_token(KEY, "acme", 1)
    refusals = [
        call("sheet_changed", "acme", headers=bearer(right[:-1] + ("A" if right[-1] != "A" else "B"))),
        call("sheet_changed", "acme", headers=bearer(notify_token(KEY, "bright", 1))),  # another sheet's token
        call("sheet_changed", "acme", headers=bearer(notify_token("another-key-0123456789", "acme", 1))),
        call("sheet_changed", "acme"),  # no token
        call("sheet_changed", "acme", headers={"Authorization": f"Basic {right}"}),
        call("sheet_changed", "nope", headers=bearer(notify_token(KEY, "nope", 1))),  # unknown sheet, its "own" token
        call("sheet_changed", "nope", headers=bearer(right)),
    ]
    assert {s for s, _, _ in refusals} == {401}
    assert len({json.dumps(d, sort_keys=True) for _, d, _ in refusals}) == 1, "one answer: it reveals no sheet"
    assert all(h.get("WWW-Authenticate", "").startswith("Bearer") for _, _, h in refusals)
    assert right not in json.dumps([d for _, d, _ in refusals])
    assert queued(rt) == 0
    # the token also comes as ?token= (Apps Script without headers) or as a Drive channel's token
    assert call("sheet_changed", "acme", params={"token": right})[0] == 202
    assert call("sheet_changed", "bright", headers={"X-Goog-Channel-Token": notify_token(KEY, "bright", 1)})[0] == 202
    assert queued(rt) == 2
    status, doc, _ = call("sheet_changed", "paused", headers=bearer(notify_token(KEY, "paused", 1)))
    assert status == 409 and "paused" in doc["detail"]
    assert call("sheet_changed", "acme", params={"tokn": right})[0] == 400, "a misspelt parameter is named, not ignored"
    assert call("sheet_changed", "../x", headers=bearer(right))[0] == 400


def test_a_drive_channels_first_message_is_answered_without_a_sync(make_settings, store) -> None:
    rt = _runtime(make_settings, store, google("acme"))
    headers = {"X-Goog-Channel-Token": notify_token(KEY, "acme", 1), "X-Goog-Resource-State": "sync", "X-Goog-Message-Number": "1"}
    status, doc, _ = call("sheet_changed", "acme", headers=headers)
    assert status == 202 and doc["outcome"] == "ignored" and queued(rt) == 0
    assert call("sheet_changed", "acme", headers=headers | {"X-Goog-Channel-Token": "lsn1_wrong"})[0] == 401


def test_raising_notify_version_revokes_one_sheets_token(make_settings, store) -> None:
    _runtime(make_settings, store, google("acme", notify_version=2), google("bright"))
    assert call("sheet_changed", "acme", headers=bearer(notify_token(KEY, "acme", 1)))[0] == 401
    assert call("sheet_changed", "acme", headers=bearer(notify_token(KEY, "acme", 2)))[0] == 202
    assert call("sheet_changed", "bright", headers=bearer(notify_token(KEY, "bright", 1)))[0] == 202, "other sheets keep theirs"


def test_without_the_key_only_this_route_answers_503_naming_the_setting(make_settings, store) -> None:
    rt = _runtime(make_settings, store, google("acme"), notify_key=None)
    for name in ("sheet_changed", "sheet_notify_setup"):
        status, doc, _ = call(name, "acme", headers=bearer("lsn1_x"))
        assert status == 503 and "LEAD_SYNC_NOTIFY_KEY" in doc["detail"], doc
    status, _, _ = call("sheet_changed", "nope")
    assert status == 503, "the key is checked first: a missing key says nothing of which sheets exist"
    import health_http

    health = health_http.health.build().get_user_function()(func.HttpRequest(method="GET", url="/api/leads/health", params={}, body=b""))
    assert health.status_code == 200, "the rest of the app serves"
    assert queued(rt) == 0


def test_pacing_refuses_with_retry_after_when_the_budget_is_taken(make_settings, store) -> None:
    """Two sheets of one key reading once a minute: the second notification would wait past a minute, so 429 and Retry-After."""
    rt = _runtime(make_settings, store, google("acme"), google("bright"), reads_per_minute=1)
    assert call("sheet_changed", "acme", headers=bearer(notify_token(KEY, "acme", 1)))[0] == 202
    status, doc, headers = call("sheet_changed", "bright", headers=bearer(notify_token(KEY, "bright", 1)))
    assert status == 429 and doc["code"] == "paced"
    wait = int(headers["Retry-After"])
    assert 0 < wait <= spacing(1) + DEBOUNCE_SECONDS - MAX_DELAY_SECONDS + 1
    assert queued(rt) == 1
    csv_rt = _runtime(make_settings, store, csv_sheet("local", "x.csv"), reads_per_minute=1)
    assert csv_rt.changes.notify(ChangeNotice("local", notify_token(KEY, "local", 1))).outcome == "queued", (
        "a CSV sheet spends no Google budget"
    )


def test_a_failed_enqueue_leaves_no_pending_window(make_settings, store, monkeypatch) -> None:
    """Storage refused the message: 503, and the next notification tries again instead of waiting out a window with no sync."""
    from shared.errors import StoreError
    from shared.service.syncs import Syncs

    rt = _runtime(make_settings, store, google("acme"))
    real = Syncs.enqueue

    def failing(self, *a, **kw):  # type: ignore[no-untyped-def]
        raise StoreError("cannot enqueue a sync message: injected")

    monkeypatch.setattr(Syncs, "enqueue", failing)
    token = notify_token(KEY, "acme", 1)
    assert call("sheet_changed", "acme", headers=bearer(token))[0] == 503
    monkeypatch.setattr(Syncs, "enqueue", real)
    assert call("sheet_changed", "acme", headers=bearer(token))[1]["outcome"] == "queued"
    assert queued(rt) == 1


def test_a_notification_leads_to_a_sync_of_that_sheet(make_settings, store, tmp_path, monkeypatch) -> None:
    """End to end on the local stack (debounce shortened to 1 s): notify, the message appears, the queue function syncs the sheet."""
    import shared.service.changes as changes
    from scripts.queue_worker import Worker
    from tests.helpers import write_rows

    monkeypatch.setattr(changes, "decide", functools.partial(decide, debounce=1.0))
    path = tmp_path / "leads.csv"
    write_rows(path, [["Name", "Email"], ["Ana Lima", "ana@example.com"], ["Bo Chen", "bo@example.com"]])
    rt = _runtime(make_settings, store, csv_sheet("local", path))
    status, doc, _ = call("sheet_changed", "local", headers=bearer(notify_token(KEY, "local", 1)))
    assert status == 202 and doc["outcome"] == "queued"
    time.sleep(1.2)
    assert Worker.from_host_json(rt.queue, retry_delay=0).run_until_idle() == 1  # type: ignore[arg-type]
    run = rt.read_jobs.get_job(doc["run_id"])
    assert run is not None and run.state == "done"
    state = store.get_state("local")
    assert state is not None and state.counts.get("leads") == 2 and state.recent_runs[0].trigger == "change"


# the operator's side


def test_the_setup_route_gives_the_address_token_and_script(make_settings, store) -> None:
    _runtime(make_settings, store, google("acme"))
    status, doc, _ = call("sheet_notify_setup", "acme")
    assert status == 200
    assert doc["url"] == "https://leadsync.example.net/api/leads/sheets/acme/changed"
    assert doc["token"] == notify_token(KEY, "acme", 1) and doc["header"] == f"Authorization: Bearer {doc['token']}"
    assert doc["url"] in doc["apps_script"] and doc["token"] in doc["apps_script"]
    assert call("sheet_notify_setup", "acme", headers={"Host": "app.example.org:8443"})[1]["url"].startswith(
        "https://app.example.org:8443/"
    )
    assert call("sheet_notify_setup", "acme", headers={"Host": "x'+y()+'"})[1]["url"] == "/api/leads/sheets/acme/changed"
    assert call("sheet_notify_setup", "nope")[0] == 404
    assert call("sheet_notify_setup", "acme", params={"x": "1"})[0] == 400


def test_the_cli_prints_a_sheets_token_and_refuses_without_the_key(tmp_path) -> None:
    sheets = tmp_path / "sheets.json"
    sheets.write_text(json.dumps([{"id": "acme", "customer": "Acme", "spreadsheet_id": "acme-spreadsheet-0000", "notify_version": 4}]))
    env = {"PATH": "/usr/bin:/bin", "LEAD_SYNC_SHEETS_FILE": str(sheets), "LEAD_SYNC_NOTIFY_KEY": KEY}
    args = [sys.executable, "-m", "shared", "notify-token", "acme", "--base-url", "https://app.example.net/", "--json"]
    out = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["token"] == notify_token(KEY, "acme", 4) and doc["url"] == "https://app.example.net/api/leads/sheets/acme/changed"
    refused = subprocess.run(
        args, cwd=ROOT, env={k: v for k, v in env.items() if k != "LEAD_SYNC_NOTIFY_KEY"}, capture_output=True, text=True
    )
    assert refused.returncode == 2 and "LEAD_SYNC_NOTIFY_KEY" in refused.stderr and KEY not in refused.stderr


def test_the_key_is_read_never_shown_and_a_short_one_is_warned_about() -> None:
    s = load_settings({"LEAD_SYNC_NOTIFY_KEY": KEY})
    assert s.notify_key == KEY and s.notify_problem is None and KEY not in repr(s)
    assert any("LEAD_SYNC_NOTIFY_KEY" in w for w in load_settings({"LEAD_SYNC_NOTIFY_KEY": "short"}).warnings)
    assert "LEAD_SYNC_NOTIFY_KEY" in (load_settings({}).notify_problem or "")


# fuzz: whatever arrives, a documented answer and never a sync without the sheet's token

SHEETS = ("acme", "bright")


@pytest.fixture
def fuzz_runtime(make_settings, store) -> Runtime:
    return _runtime(make_settings, store, google("acme"), google("bright"))


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    sheet=st.one_of(st.sampled_from(SHEETS), st.text(max_size=70)),
    token=st.one_of(st.none(), st.sampled_from(SHEETS).map(lambda s: notify_token(KEY, s, 1)), st.text(max_size=300)),
    where=st.sampled_from(["bearer", "query", "goog", "raw-authorization"]),
    extra=st.dictionaries(st.text(min_size=1, max_size=10).filter(lambda k: k != "code"), st.text(max_size=20), max_size=2),
    body=st.binary(max_size=64),
)
def test_fuzz_the_routes_inputs(fuzz_runtime: Runtime, sheet: str, token: str | None, where: str, extra: dict, body: bytes) -> None:
    rt = fuzz_runtime
    before = queued(rt)
    params: dict[str, str] = dict(extra)
    headers: dict[str, str] = {}
    if token is not None:
        if where == "query":
            params["token"] = token
        elif where == "bearer":
            headers["Authorization"] = f"Bearer {token}"
        elif where == "goog":
            headers["X-Goog-Channel-Token"] = token
        else:
            headers["Authorization"] = token
    try:
        status, doc, _ = call("sheet_changed", sheet, params=params, headers=headers, body=body)
    except UnicodeEncodeError:
        return  # a header or URL no HTTP client can send (lone surrogates)
    assert status in (202, 400, 401, 429), (status, doc)
    authorised = sheet in SHEETS and token == notify_token(KEY, sheet, 1) and where != "raw-authorization"
    if status == 202:
        assert authorised and not set(params) - {"token"}
    if not authorised:
        assert status in (400, 401) and queued(rt) == before


def test_the_console_shows_the_script_to_operators_only(make_settings, store) -> None:
    """An operator's sheet page carries the Apps Script with the token; a reader's does not; without the key it says what to set."""
    import html

    import console_http
    from shared.console.principal import OPERATOR, READER, encode_principal

    def page(roles: tuple[str, ...]) -> str:
        who = {"X-MS-CLIENT-PRINCIPAL": encode_principal("ann@example.com", roles)}
        req = func.HttpRequest("GET", "https://leadsync.example.net/console/sheets/acme", headers=who, params={}, body=b"")
        resp = console_http.console_item.build().get_user_function()(req)
        assert resp.status_code == 200
        return html.unescape(resp.get_body().decode())

    _runtime(make_settings, store, google("acme"), console_signed_in=True)
    token = notify_token(KEY, "acme", 1)
    shown = page((READER, OPERATOR))
    assert "Sync on every edit" in shown and f"const LEAD_SYNC_TOKEN = '{token}';" in shown
    assert "https://leadsync.example.net/api/leads/sheets/acme/changed" in shown
    assert token not in page((READER,)) and "Sync on every edit" not in page((READER,))
    _runtime(make_settings, store, google("acme"), console_signed_in=True, notify_key=None)
    assert "LEAD_SYNC_NOTIFY_KEY" in page((READER, OPERATOR))


def test_the_local_server_passes_the_token_header_to_the_route(make_settings, store) -> None:
    """Over real HTTP through scripts/devserver (anonymous route, function key required elsewhere): Bearer works, the key is not needed."""
    import urllib.error
    import urllib.request

    from scripts.devserver import make_server

    rt = _runtime(make_settings, store, google("acme"))
    server = make_server("127.0.0.1", 0, key="fn-key")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    root = f"http://127.0.0.1:{server.server_address[1]}"

    def post(headers: dict[str, str]) -> int:
        req = urllib.request.Request(f"{root}/api/leads/sheets/acme/changed", method="POST", headers=headers, data=b'{"changeType":"EDIT"}')
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return int(r.status)
        except urllib.error.HTTPError as e:
            return int(e.code)

    try:
        assert post({"Authorization": "Bearer lsn1_wrong"}) == 401
        assert post({"Authorization": f"Bearer {notify_token(KEY, 'acme', 1)}", "Content-Type": "application/json"}) == 202
        setup = urllib.request.Request(f"{root}/api/leads/sheets/acme/notify", headers={"x-functions-key": "fn-key"})
        with urllib.request.urlopen(setup, timeout=30) as r:
            assert json.loads(r.read())["url"] == f"{root}/api/leads/sheets/acme/changed"
    finally:
        server.shutdown()
        server.server_close()
    assert queued(rt) == 1


# Google Drive push channels (files.watch), renewed by the watch timer


class FakeDrive:
    """Google Drive's watch and stop as this test needs them: records calls, may refuse one file."""

    def __init__(self, refuse: str = "") -> None:
        self.watched: list[tuple[str, str, str, str, datetime]] = []
        self.stopped: list[tuple[str, str]] = []
        self.refuse = refuse

    def watch(self, file_id: str, channel_id: str, address: str, token: str, expiration: datetime):  # type: ignore[no-untyped-def]
        from shared.core.notify import Channel
        from shared.errors import SourceAuthError

        if file_id.startswith(self.refuse or "\x00"):
            raise SourceAuthError("Google Drive answered 403: share the spreadsheet with the service account")
        self.watched.append((file_id, channel_id, address, token, expiration))
        return Channel(channel_id, f"res-{channel_id}", expiration)

    def stop(self, channel_id: str, resource_id: str) -> None:
        self.stopped.append((channel_id, resource_id))


def _drive_runtime(make_settings, store, drive: FakeDrive, *sheets: SheetConfig, **kw: Any) -> Runtime:
    class R(Runtime):
        def drive_for(self, sheet: SheetConfig):  # type: ignore[no-untyped-def, override]
            return drive

    kw.setdefault("notify_key", KEY)
    kw.setdefault("public_url", "https://leadsync.example.net")
    rt = R(make_settings(*sheets, **kw), environ={}, store=store)
    set_runtime(rt)
    return rt


def test_channels_are_due_when_missing_or_near_expiry_and_known_only_while_alive() -> None:
    from shared.core.notify import RENEW_BEFORE, Channel, channel_due, channel_known

    ch = Channel("c2", "r2", T0 + timedelta(hours=24), "c1", T0 + timedelta(hours=2))
    assert channel_due(None, T0) and not channel_due(ch, T0) and channel_due(ch, T0 + timedelta(hours=24) - RENEW_BEFORE)
    assert channel_known(ch, "c2", T0) and channel_known(ch, "c1", T0), "the replaced channel still counts until it ends"
    assert not channel_known(ch, "c1", T0 + timedelta(hours=3)) and not channel_known(ch, "c2", T0 + timedelta(hours=25))
    assert not channel_known(ch, "", T0) and not channel_known(None, "c2", T0) and not channel_known(ch, "c3", T0)


def test_the_watch_timer_opens_renews_and_stops_channels(make_settings, store) -> None:
    """Through the registered timer and the use case: one channel per notify_drive sheet, kept while young, replaced near expiry."""
    import changes_http

    drive = FakeDrive()
    rt = _drive_runtime(
        make_settings, store, drive, google("acme", notify_drive=True), google("bright"), google("off", notify_drive=True, enabled=False)
    )
    from azure.functions.timer import TimerRequest

    timer = TimerRequest(past_due=False)
    changes_http.watch_timer.build().get_user_function()(timer)
    assert [(f, a, t) for f, _, a, t, _ in drive.watched] == [
        ("acme-spreadsheet-0000", "https://leadsync.example.net/api/leads/sheets/acme/changed", notify_token(KEY, "acme", 1))
    ]
    first = rt.notice_marks.get_channel("acme")
    assert first is not None and first.id == drive.watched[0][1] and first.resource_id == f"res-{first.id}"
    now = datetime.now(UTC)
    assert rt.changes.renew_channels(now + timedelta(hours=1)).kept == ("acme",) and len(drive.watched) == 1
    result = rt.changes.renew_channels(now + timedelta(hours=13))
    assert result.renewed == ("acme",) and drive.stopped == [(first.id, first.resource_id)]
    second = rt.notice_marks.get_channel("acme")
    assert second is not None and second.id != first.id and second.previous_id == first.id


def test_a_sheet_whose_channel_fails_is_reported_and_the_others_renewed(make_settings, store) -> None:
    drive = FakeDrive(refuse="bright")
    rt = _drive_runtime(make_settings, store, drive, google("acme", notify_drive=True), google("bright", notify_drive=True))
    result = rt.changes.renew_channels()
    assert result.renewed == ("acme",) and set(result.failed) == {"bright"} and "403" in result.failed["bright"]
    assert rt.notice_marks.get_channel("bright") is None
    from shared.errors import ConfigError

    no_url = _drive_runtime(make_settings, store, FakeDrive(), google("acme", notify_drive=True), public_url=None)
    with pytest.raises(ConfigError, match="LEAD_SYNC_PUBLIC_URL"):
        no_url.changes.renew_channels()
    assert _drive_runtime(make_settings, store, FakeDrive(), google("acme")).changes.renew_channels().to_dict() == {
        "renewed": [],
        "kept": [],
        "failed": {},
    }, "no sheet asks for a channel: nothing to do, no key needed"


def test_a_drive_call_counts_only_from_the_sheets_own_channel(make_settings, store) -> None:
    drive = FakeDrive()
    rt = _drive_runtime(make_settings, store, drive, google("acme", notify_drive=True), google("bright"))
    rt.changes.renew_channels()
    channel = rt.notice_marks.get_channel("acme")
    assert channel is not None
    goog = {"X-Goog-Channel-Token": notify_token(KEY, "acme", 1), "X-Goog-Resource-State": "update", "X-Goog-Channel-ID": channel.id}
    assert call("sheet_changed", "acme", headers=goog)[1]["outcome"] == "queued"
    assert call("sheet_changed", "acme", headers=goog | {"X-Goog-Channel-ID": "stopped-or-forged"})[0] == 401
    bright = {"X-Goog-Channel-Token": notify_token(KEY, "bright", 1), "X-Goog-Channel-ID": channel.id}
    assert call("sheet_changed", "bright", headers=bright)[0] == 401, "a sheet without notify_drive takes no channel calls"
    assert queued(rt) == 1


def test_the_drive_adapter_speaks_files_watch_and_channels_stop(account) -> None:
    """At the HTTP layer (responses): the watch body and address, Google's expiration kept, errors mapped to source errors."""
    import responses

    from shared.adapters.drive_watch import DRIVE, DriveChannels
    from shared.errors import SourceAuthError, SourceNotFoundError
    from tests.helpers import TOKEN_URL

    until = datetime(2026, 12, 8, 12, 0, tzinfo=UTC)
    granted = int((until - timedelta(hours=1)).timestamp() * 1000)
    with responses.RequestsMock() as api:
        api.add(responses.POST, TOKEN_URL, json={"access_token": "ya29.test", "expires_in": 3600, "token_type": "Bearer"})
        api.add(
            responses.POST,
            f"{DRIVE}/files/acme-spreadsheet-0000/watch",
            json={"kind": "api#channel", "id": "ch1", "resourceId": "res1", "expiration": str(granted)},
        )
        api.add(responses.POST, f"{DRIVE}/channels/stop", status=204)
        drive = DriveChannels(account)
        ch = drive.watch("acme-spreadsheet-0000", "ch1", "https://x.example/api/leads/sheets/acme/changed", "lsn1_t", until)
        drive.stop("ch1", "res1")
        watch = next(c.request for c in api.calls if c.request.url.endswith("/watch"))
        assert json.loads(watch.body) == {
            "id": "ch1",
            "type": "web_hook",
            "address": "https://x.example/api/leads/sheets/acme/changed",
            "token": "lsn1_t",
            "expiration": int(until.timestamp() * 1000),
        }
        assert watch.headers["Authorization"] == "Bearer ya29.test"
        stop = next(c.request for c in api.calls if c.request.url.endswith("/stop"))
        assert json.loads(stop.body) == {"id": "ch1", "resourceId": "res1"}
    assert ch.id == "ch1" and ch.resource_id == "res1" and ch.expiration == until - timedelta(hours=1), "Google's expiration wins"
    for status, error in ((403, SourceAuthError), (404, SourceNotFoundError)):
        with responses.RequestsMock() as api:
            api.add(responses.POST, TOKEN_URL, json={"access_token": "ya29.test", "expires_in": 3600, "token_type": "Bearer"})
            api.add(responses.POST, f"{DRIVE}/files/f/watch", status=status, json={"error": {"code": status}})
            with pytest.raises(error):
                DriveChannels(account).watch("f", "c", "https://x", "t", until)
    with pytest.raises(SourceAuthError, match="GOOGLE_SERVICE_ACCOUNT_JSON"):
        DriveChannels(None).watch("f", "c", "https://x", "t", until)


def test_the_public_address_comes_from_the_setting_or_the_platform() -> None:
    assert load_settings({"LEAD_SYNC_PUBLIC_URL": "https://leads.example.com/"}).public_url == "https://leads.example.com"
    assert load_settings({"WEBSITE_HOSTNAME": "app.azurewebsites.net"}).public_url == "https://app.azurewebsites.net"
    bad = load_settings({"LEAD_SYNC_PUBLIC_URL": "http://leads.example.com"})
    assert bad.public_url is None and any("LEAD_SYNC_PUBLIC_URL" in p for p in bad.problems)


def test_the_documented_script_is_the_one_the_operator_hands_out() -> None:
    """docs/change-notifications.md shows apps_script() itself (but its comment lines): the page cannot drift from the code."""
    import re

    page = (ROOT / "docs" / "change-notifications.md").read_text(encoding="utf-8")
    shown = re.search(r"```javascript\n(.*?)```", page, re.S)
    assert shown is not None
    url = "https://<app>.azurewebsites.net/api/leads/sheets/acme-facebook/changed"
    script = apps_script("acme-facebook", url, "lsn1_…")
    assert shown.group(1) == "".join(line for line in script.splitlines(keepends=True) if not line.startswith("//"))
