"""
Issue 14 (UK GDPR): erasure across sheets, the suppression list in later syncs, the retention
purge and the audit trail, against Azurite, through the HTTP handlers, the timer and the CLI.
"""

from __future__ import annotations

import csv
import getpass
import json
import logging
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import azure.functions as func
from azure.functions.timer import TimerRequest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.adapters.table_storage import TableLeadStore
from shared.config import Settings, SheetConfig
from shared.core.privacy import Identifiers, contacts, identifier_hash, key_bytes, parse_identifiers, split_suppressed
from shared.service import Runtime, set_runtime
from shared.sync import sync_all
from tests.conftest import ROOT, csv_sheet

KEY = "test-erasure-key-0123456789abcdef"
HEADER = ["Name", "Email", "Phone", "Mobile"]


def _fn(name: str):
    import leads_http
    import privacy_http
    import purge_timer

    for module in (privacy_http, purge_timer, leads_http):
        builder = getattr(module, name, None)
        if builder is not None:
            return builder.build().get_user_function()
    raise KeyError(name)


def _post(name: str, body: dict, who: str | None = None, route_params=None) -> tuple[int, dict]:
    headers = {"x-ms-client-principal-name": who} if who else {}
    req = func.HttpRequest("POST", "/api/x", body=json.dumps(body).encode(), headers=headers, route_params=route_params or {})
    resp = _fn(name)(req)
    return resp.status_code, json.loads(resp.get_body())


def _audit() -> list[dict]:
    items: list[dict] = []
    token = None
    while True:
        params = {"page_size": "2"} | ({"continuation": token} if token else {})
        resp = _fn("audit_trail")(func.HttpRequest("GET", "/api/leads/audit", body=b"", params=params))
        assert resp.status_code == 200, resp.get_body()
        doc = json.loads(resp.get_body())
        items += doc["items"]
        token = doc["continuation"]
        if not token:
            return items


def person(i: int) -> list[str]:
    return [f"Person {i}", f"person{i}@example.com", f"07911 1234{i:02d}", ""]


def write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="") as f:
        csv.writer(f).writerows([HEADER, *rows])


def _all_stored(store: TableLeadStore) -> list[dict]:
    return [e for e in store.leads.query_entities("PartitionKey ne ''") if not e["RowKey"].startswith("~")]  # the outbox is no lead


def _setup(make_settings, tmp_path: Path, **kw) -> tuple[Runtime, TableLeadStore, dict[str, Path]]:
    paths = {s: tmp_path / f"{s}.csv" for s in ("alpha", "beta")}
    # Person 1 in alpha with email and phone; in beta under another email, the same phone written another way.
    write(paths["alpha"], [person(i) for i in range(1, 15)])
    write(paths["beta"], [person(i) for i in range(20, 33)] + [["P. One", "p.one@work.example", "+44 (0)7911 123401", ""]])
    kw.setdefault("erasure_key", KEY)
    settings = make_settings(csv_sheet("alpha", paths["alpha"]), csv_sheet("beta", paths["beta"]), **kw)
    rt = Runtime(settings, environ={})
    set_runtime(rt)
    return rt, rt.store, paths  # type: ignore[return-value]


def test_erase_a_person_in_two_sheets_and_they_never_come_back(make_settings, tmp_path, caplog) -> None:
    caplog.set_level(logging.DEBUG, logger="leadsync")
    rt, store, _ = _setup(make_settings, tmp_path)
    first = rt.syncs.run(trigger="test")
    assert {s.sheet_id: s.added for s in first.sheets} == {"alpha": 14, "beta": 14}

    status, doc = _post("erase_person", {"email": " Person1@EXAMPLE.com ", "phone": "0044 7911-123-401"}, who="dpo@agency.example")
    assert status == 200, doc
    assert doc["erased"] == 2 and doc["sheets"] == [{"sheet_id": "alpha", "leads": 1}, {"sheet_id": "beta", "leads": 1}]
    assert doc["identifiers"] == ["email", "phone"]
    # beta's lead carried another address (p.one@work.example): it is listed too, and counted, not shown
    assert doc["suppressed"] == 3 and doc["suppressed_kinds"] == {"email": 2, "phone": 1} and doc["suppressed_from_leads"] == 1
    assert "p.one" not in json.dumps(doc)
    stored = _all_stored(store)
    assert len(stored) == 26
    assert not any("+447911123401" in json.dumps(e, default=str) or "person1@" in json.dumps(e, default=str) for e in stored)

    for _ in range(2):  # the next syncs, and the one after (the sheets still hold the person)
        report = rt.syncs.run(trigger="test")
        by_sheet = {s.sheet_id: s for s in report.sheets}
        for sheet_id in ("alpha", "beta"):
            s = by_sheet[sheet_id]
            assert s.suppressed == 1 and s.blocked is None and s.guard and s.guard["allowed"], s.to_dict()
            assert s.status == "WARNING" and "suppressed" in s.reason_codes
            assert "person1" not in " ".join(s.messages) and "7911" not in " ".join(s.messages)
        assert "rows 2)" in " ".join(by_sheet["alpha"].messages)  # reported by row number
        assert by_sheet["alpha"].added == 0 and by_sheet["beta"].added == 0
        assert len(_all_stored(store)) == 26

    # the suppression list holds keyed hashes only
    entries = list(store.suppressed.query_entities("PartitionKey ne ''"))
    assert len(entries) == 3
    text = json.dumps(entries, default=str)
    for plain in ("person1@example.com", "p.one@work.example", "+447911123401", "447911123401", "7911123401", "Person 1"):
        assert plain not in text
    hashes = {e["RowKey"] for e in entries}
    assert identifier_hash("phone", "+447911123401", key_bytes(KEY)) in hashes

    # the audit trail records who and what, never the person
    audit = _audit()
    erasure = [a for a in audit if a["action"] == "erasure"]
    assert len(erasure) == 1
    assert erasure[0]["actor"] == "dpo@agency.example" and erasure[0]["sheets"] == ["alpha", "beta"]
    assert erasure[0]["counts"]["leads"] == 2
    audit_text = json.dumps(audit)
    for secret in ("person1", "7911", *hashes):
        assert secret not in audit_text
    # telemetry counted the erasure and the suppressed rows, and logged no identifier, not even hashed
    records = [r for r in caplog.records if r.name == "leadsync"]
    erasures = [r for r in records if getattr(r, "event", "") == "privacy_erasure"]
    assert len(erasures) == 1 and erasures[0].leads == 2 and erasures[0].suppressed == 3  # type: ignore[attr-defined]
    assert sum(getattr(r, "suppressed", 0) for r in records if getattr(r, "event", "") == "sheet_sync") == 4
    logged = " ".join(f"{r.getMessage()} {vars(r)}" for r in records)
    for secret in ("person1", "7911", "Person 1", *hashes):
        assert secret not in logged


def test_guard_counts_suppressed_rows_as_neither_kept_nor_lost(make_settings, tmp_path) -> None:
    """A switchboard number shared by 10 of 12 rows (a further contact column): erasing it is no drop."""
    path = tmp_path / "office.csv"
    rows = [[f"Staff {i}", f"staff{i}@office.example", f"07911 1234{i:02d}", "020 7946 0999" if i < 10 else ""] for i in range(12)]
    write(path, rows)
    rt = Runtime(make_settings(csv_sheet("office", path), erasure_key=KEY), environ={})
    set_runtime(rt)
    assert rt.syncs.run(trigger="test").sheets[0].added == 12
    status, doc = _post("erase_person", {"phone": "+44 20 7946 0999"})
    assert status == 200 and doc["erased"] == 10
    report = rt.syncs.run(trigger="test").sheets[0]
    assert report.blocked is None and report.guard and report.guard["allowed"], report.to_dict()
    assert report.suppressed == 10 and report.deleted == 0 and report.leads == 2
    live = rt.store.list_leads(sheet_id="office", include_deleted=True)[0]
    assert sorted(x["email"] for x in live) == ["staff10@office.example", "staff11@office.example"]
    # the actor is "function key" without an identity header
    assert _audit()[0]["actor"] == "function key"


def test_a_stored_lead_of_a_suppressed_person_is_deleted_by_the_sync(make_settings, tmp_path) -> None:
    """A lead written by a sync that raced the erasure is deleted (not soft-deleted) by the next sync, without tripping the guard."""
    rt, store, _ = _setup(make_settings, tmp_path)
    rt.syncs.run(trigger="test")
    # The list gains the person but their stored leads are still there (a sync in flight wrote them back).
    person1 = Identifiers("person1@example.com", "+447911123401")
    store.add_suppressions(person1.hashes(key_bytes(KEY)), "", datetime.now(UTC))
    report = {s.sheet_id: s for s in rt.syncs.run(trigger="test").sheets}
    assert report["alpha"].suppressed == 1 and "erased_again" in report["alpha"].reason_codes
    assert report["alpha"].deleted == 0 and report["alpha"].guard["allowed"]
    assert not any(contacts(e) & set(person1.pairs()) for e in _all_stored(store))
    assert [x["reason"] for x in _removals(sheet="alpha")["items"]] == ["erased"], "a mirror learns of this deletion too"


def test_without_a_key_erasure_is_refused_and_health_says_so(make_settings, tmp_path) -> None:
    rt, store, _ = _setup(make_settings, tmp_path, erasure_key=None)
    status, doc = _post("erase_person", {"email": "person1@example.com"})
    assert status == 503 and "LEAD_SYNC_ERASURE_KEY" in doc["detail"]
    assert rt.health.detail().doc["privacy"]["erasure"].startswith("erasure is not configured")
    assert "erasure" not in json.dumps(rt.health.summary().doc)  # the anonymous summary tells nothing more
    # a list made with a key, read without it: the sync writes nothing rather than bring people back
    store.add_suppressions(["e" + "0" * 64], "abc", datetime.now(UTC))
    report = rt.syncs.run(trigger="test").sheets[0]
    assert report.status == "ERROR" and "suppression_unusable" in report.reason_codes and report.written == 0


def test_bad_erasure_requests_are_400(make_settings, tmp_path) -> None:
    _setup(make_settings, tmp_path)
    for body in ({}, {"email": "not an email"}, {"phone": "12"}, {"email": 5}, {"name": "Person 1"}):
        status, doc = _post("erase_person", body)
        assert status == 400, (body, doc)
        assert "not an email" not in doc["detail"].replace("is not an email address", "")  # the value is never echoed
    in_url = func.HttpRequest("POST", "/api/leads/erasures", body=b"{}", params={"email": "person1@example.com"})
    resp = _fn("erase_person")(in_url)
    assert resp.status_code == 400 and b"JSON body" in resp.get_body() and b"person1" not in resp.get_body()
    resp = _fn("audit_trail")(func.HttpRequest("GET", "/api/leads/audit", body=b"", params={"continuation": "forged!"}))
    assert resp.status_code == 400


def test_unsuppress_is_a_separate_recorded_action(make_settings, tmp_path) -> None:
    """Un-suppressing lifts exactly the identifiers given: a row still carrying another listed one (found on the erased leads) stays withheld."""
    rt, store, _ = _setup(make_settings, tmp_path)
    rt.syncs.run(trigger="test")
    assert _post("erase_person", {"email": "person1@example.com", "phone": "07911123401"})[0] == 200
    status, doc = _post("unsuppress_person", {"phone": "+447911123401"}, who="ops@agency.example")
    assert status == 200 and doc["removed"] == 1
    # person 1 of alpha (same email) stays withheld; so does beta's row: its own address was on the erased lead, so it is listed too
    report = {s.sheet_id: s for s in rt.syncs.run(trigger="test").sheets}
    assert report["alpha"].suppressed == 1 and report["beta"].suppressed == 1 and report["beta"].added == 0
    assert _post("unsuppress_person", {"email": "p.one@work.example"})[1]["removed"] == 1
    report = {s.sheet_id: s for s in rt.syncs.run(trigger="test").sheets}
    assert report["beta"].suppressed == 0 and report["beta"].added == 1
    assert _post("unsuppress_person", {"email": "PERSON1@example.com"})[1]["removed"] == 1
    report = {s.sheet_id: s for s in rt.syncs.run(trigger="test").sheets}
    assert report["alpha"].added == 1 and report["alpha"].suppressed == 0
    actions = [(a["action"], a["actor"], a["counts"]) for a in _audit()]
    assert actions[:3] == [
        ("unsuppress", "function key", {"identifiers": 1}),
        ("unsuppress", "function key", {"identifiers": 1}),
        ("unsuppress", "ops@agency.example", {"identifiers": 1}),
    ]
    assert actions[3][0] == "erasure"


def test_purge_removes_only_leads_past_retention(make_settings, tmp_path) -> None:
    paths = {s: tmp_path / f"{s}.csv" for s in ("kept", "short")}
    rows = [person(i) for i in range(1, 21)]
    for p in paths.values():
        write(p, rows)
    settings = make_settings(
        csv_sheet("short", paths["short"], retention_days=10), csv_sheet("kept", paths["kept"]), erasure_key=KEY, min_baseline=1000
    )
    rt = Runtime(settings, environ={})
    set_runtime(rt)
    now = datetime.now(UTC)
    t0 = now - timedelta(days=30)

    def sync_at(when: datetime) -> None:
        sync_all(settings, rt.source_for, rt.store, clock=lambda: when)

    sync_at(t0)
    for p in paths.values():
        write(p, rows[2:])  # persons 1-2 leave both sheets 29 days ago
    sync_at(t0 + timedelta(days=1))
    for p in paths.values():
        write(p, rows[4:])  # persons 3-4 leave 5 days ago
    sync_at(now - timedelta(days=5))
    _fn("purge_timer")(TimerRequest(past_due=False))

    def emails(sheet_id: str) -> dict[str, bool]:
        return {x["email"]: x["deleted"] for x in rt.store.list_leads(sheet_id=sheet_id, include_deleted=True, page_size=1000)[0]}

    short, kept = emails("short"), emails("kept")
    assert "person1@example.com" not in short and "person2@example.com" not in short
    assert short["person3@example.com"] is True and short["person4@example.com"] is True
    assert sum(1 for d in short.values() if not d) == 16
    assert len(kept) == 20  # no retention set for this sheet nor the deployment: nothing purged
    purge = [a for a in _audit() if a["action"] == "purge"]
    assert len(purge) == 1 and purge[0]["sheets"] == ["short"] and purge[0]["counts"] == {"leads": 2}
    assert purge[0]["actor"] == "retention timer"
    # bounded: a second run has nothing left past retention, and the deployment-wide setting applies to the other sheet
    rt2 = Runtime(make_settings(*settings.sheets, erasure_key=KEY, retention_days=3, purge_max=100), environ={}, store=rt.store)
    doc = rt2.privacy.purge().to_dict()
    assert {x["sheet_id"]: x["purged"] for x in doc["sheets"]} == {"short": 0, "kept": 4}


def test_approvals_are_in_the_audit_trail(make_settings, tmp_path) -> None:
    path = tmp_path / "big.csv"
    write(path, [person(i) for i in range(1, 21)])
    rt = Runtime(make_settings(csv_sheet("big", path), erasure_key=KEY), environ={})
    set_runtime(rt)
    rt.syncs.run(trigger="test")
    write(path, [person(1)])
    blocked = rt.syncs.run(trigger="test").sheets[0].blocked
    assert blocked is not None
    status, doc = _post(
        "approve_drop",
        {"change": blocked["id"], "reason": "customer cleaned the list"},
        who="lead@agency.example",
        route_params={"sheet": "big"},
    )
    assert status == 200, doc
    approval = _audit()[0]
    assert approval["action"] == "approval" and approval["actor"] == "lead@agency.example"
    assert approval["sheets"] == ["big"] and approval["counts"] == {"leads": 19} and approval["change"] == blocked["id"]


def test_cli_erase_unsuppress_and_audit(azurite, tmp_path) -> None:
    path = tmp_path / "c.csv"
    write(path, [person(i) for i in range(1, 13)])
    config = tmp_path / "sheets.json"
    config.write_text(json.dumps([{"id": "clierase", "customer": "X", "source": "csv", "path": str(path)}]))
    table = f"cli{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "LEAD_SYNC_STORAGE": azurite.connection_string, "LEAD_SYNC_LEADS_TABLE": table, "LEAD_SYNC_ERASURE_KEY": KEY}

    def cli(*args: str, environ: dict[str, str] = env) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "shared", *args, "--config", str(config)],
            cwd=ROOT,
            env=environ,
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert cli("sync").returncode == 0
    out = cli("erase", "--phone", "(07911) 123 405")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["erased"] == 1
    synced = json.loads(cli("sync", "--json").stdout)["sheets"][0]
    assert synced["suppressed"] == 1 and synced["added"] == 0
    assert cli("erase", "--email", "nope").returncode == 2
    no_key = {k: v for k, v in env.items() if k != "LEAD_SYNC_ERASURE_KEY"}
    refused = cli("erase", "--email", "person2@example.com", environ=no_key)
    assert refused.returncode == 2 and "LEAD_SYNC_ERASURE_KEY" in refused.stderr
    # the erased lead's email was listed with the phone: lifting both brings the row back
    assert json.loads(cli("unsuppress", "--phone", "+447911123405", "--email", "person5@example.com").stdout)["removed"] == 2
    audit = json.loads(cli("audit").stdout)["items"]
    assert [a["action"] for a in audit] == ["unsuppress", "erasure"]
    assert {a["actor"] for a in audit} == {f"cli:{getpass.getuser()}"}
    assert "7911" not in json.dumps(audit)
    assert json.loads(cli("sync", "--json").stdout)["sheets"][0]["added"] == 1


def test_split_suppressed_is_pure_and_matches_further_columns() -> None:
    key = key_bytes(KEY)
    p = parse_identifiers(None, "020 7946 0999", "GB")
    from shared.core.models import Lead

    a = Lead(3, {"email": "a@x.example", "phones": '[{"column":"Mobile","value":"+442079460999"}]'}, {})
    b = Lead(4, {"email": "b@x.example", "phone": "+447911123401"}, {})
    kept, withheld = split_suppressed([a, b], frozenset(p.hashes(key)), key)
    assert kept == [b] and withheld == [a]
    # another key makes other hashes: the list cannot be matched (nor reversed) without the key
    assert split_suppressed([a, b], frozenset(p.hashes(b"other key")), key)[1] == []


# a random mix of erasures and sheet edits

PEOPLE = list(range(1, 13))
FORMATS = ["07911 1234{:02d}", "+44 7911 1234{:02d}", "0044 (7911) 1234{:02d}"]
edits = st.tuples(st.just("edit"), st.sampled_from(["alpha", "beta"]), st.sets(st.sampled_from(PEOPLE), min_size=1, max_size=12))
erasures = st.tuples(st.just("erase"), st.sampled_from(PEOPLE), st.sampled_from(["email", *FORMATS]))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(st.one_of(edits, erasures), min_size=1, max_size=6))
def test_erased_people_never_reappear_and_no_other_lead_is_lost(azurite, tmp_path_factory, ops) -> None:
    folder = tmp_path_factory.mktemp("mix")
    tag = uuid.uuid4().hex[:10]
    paths = {s: folder / f"{s}.csv" for s in ("alpha", "beta")}
    content = {"alpha": set(PEOPLE[:8]), "beta": set(PEOPLE[4:])}
    for s, who in content.items():
        write(paths[s], [person(i) for i in sorted(who)])
    settings_ = Settings(
        sheets=(csv_sheet("alpha", paths["alpha"]), csv_sheet("beta", paths["beta"])),
        storage_connection=azurite.connection_string,
        leads_table=f"leads{tag}",
        state_table=f"state{tag}",
        runs_table=f"runs{tag}",
        erasure_key=KEY,
        max_drop=1.0,
    )
    rt = Runtime(settings_, environ={})
    set_runtime(rt)
    rt.syncs.run(trigger="test")
    erased: set[int] = set()
    ever = {s: set(who) for s, who in content.items()}
    for op in ops:
        if op[0] == "edit":
            content[op[1]] = set(op[2])
            ever[op[1]] |= set(op[2])
            write(paths[op[1]], [person(i) for i in sorted(op[2])])
        else:
            who, how = op[1], op[2]
            body = {"email": f"person{who}@example.com"} if how == "email" else {"phone": how.format(who)}
            status, doc = _post("erase_person", body)
            assert status == 200, doc
            erased.add(who)
        reports = rt.syncs.run(trigger="test").sheets
        assert all(r.status != "ERROR" for r in reports), [r.to_dict() for r in reports]
        stored = _all_stored(rt.store)
        present = {(e["PartitionKey"], e["email"]): bool(e["deleted"]) for e in stored}
        for who in erased:
            assert not any(email == f"person{who}@example.com" for _, email in present), (who, ops)
        for sheet_id, who_in in content.items():
            for who in who_in - erased:
                assert present.get((sheet_id, f"person{who}@example.com")) is False, (sheet_id, who, ops)
        for sheet_id, who_ever in ever.items():
            for who in who_ever - erased:  # nobody else is lost: live or soft-deleted, still stored
                assert (sheet_id, f"person{who}@example.com") in present, (sheet_id, who, ops)
        for (sheet_id, email), deleted in present.items():
            # a lead stays stored (live or soft-deleted) unless its person was erased
            assert deleted or int(email.removeprefix("person").split("@")[0]) in content[sheet_id]


def test_stored_leads_of_listed_people_do_not_trip_the_guard(make_settings, tmp_path) -> None:
    """10 of 12 stored leads carry a listed number (added to the list while their leads were stored): deleted for real, no block."""
    path = tmp_path / "office.csv"
    write(path, [[f"Staff {i}", f"staff{i}@office.example", f"07911 1234{i:02d}", "020 7946 0999" if i < 10 else ""] for i in range(12)])
    rt = Runtime(make_settings(csv_sheet("office", path), erasure_key=KEY), environ={})
    set_runtime(rt)
    assert rt.syncs.run(trigger="test").sheets[0].added == 12
    rt.store.add_suppressions(Identifiers(phone="+442079460999").hashes(key_bytes(KEY)), "", datetime.now(UTC))
    report = rt.syncs.run(trigger="test").sheets[0]
    assert report.blocked is None and report.guard and report.guard["allowed"], report.to_dict()
    assert report.suppressed == 10 and report.deleted == 0 and "erased_again" in report.reason_codes
    assert len(_all_stored(rt.store)) == 2


def test_privacy_settings_degrade_with_a_message_and_never_show_the_key() -> None:
    from shared.config import load_settings

    env = {"LEAD_SYNC_SHEETS": "[]", "LEAD_SYNC_STORAGE": "UseDevelopmentStorage=true"}
    s = load_settings(env | {"LEAD_SYNC_ERASURE_KEY": KEY, "LEAD_SYNC_RETENTION_DAYS": "365"})
    assert s.erasure_problem is None and s.retention_days == 365.0 and KEY not in repr(s)
    bad = load_settings(env | {"LEAD_SYNC_RETENTION_DAYS": "a year", "LEAD_SYNC_ERASURE_KEY": "zq9x"})
    assert any("LEAD_SYNC_RETENTION_DAYS" in p for p in bad.problems) and bad.retention_days is None
    assert any("LEAD_SYNC_ERASURE_KEY" in w for w in bad.warnings) and "zq9x" not in repr(bad)
    assert "LEAD_SYNC_ERASURE_KEY" in (load_settings(env).erasure_problem or "")
    sheet = SheetConfig(id="a", customer="c", source="csv", path="x.csv", retention_days=30)
    assert s.retention(sheet) == 30 and s.retention(SheetConfig(id="b", customer="c", source="csv", path="x.csv")) == 365.0


def _removals(**params: str) -> dict:
    resp = _fn("list_removals")(func.HttpRequest("GET", "/api/leads/removals", body=b"", params=params))
    assert resp.status_code == 200, resp.get_body()
    return json.loads(resp.get_body())


def test_erased_and_purged_leads_are_listed_as_removals_for_mirrors(make_settings, tmp_path) -> None:
    """
    A reader mirroring the leads with updated_since never sees a lead deleted for real, so each
    erasure and purge is listed at GET /api/leads/removals (sheet, id, reason, time; nothing
    personal) until LEAD_SYNC_REMOVALS_DAYS have passed.
    """
    rt, store, paths = _setup(make_settings, tmp_path)
    rt.syncs.run(trigger="test")
    ids = {x["email"]: x["id"] for s in ("alpha", "beta") for x in store.list_leads(sheet_id=s, page_size=100)[0]}
    start = datetime.now(UTC) - timedelta(seconds=1)
    assert _removals(customer="Test Customer", since=start.isoformat())["items"] == []
    assert _post("erase_person", {"phone": "07911 123401"})[0] == 200  # person 1 in both sheets
    doc = _removals(customer="Test Customer", since=start.isoformat())
    got = {(x["sheet_id"], x["id"], x["reason"]) for x in doc["items"]}
    assert got == {("alpha", ids["person1@example.com"], "erased"), ("beta", ids["p.one@work.example"], "erased")}
    assert all(set(x) == {"sheet_id", "id", "reason", "removed_at"} for x in doc["items"]), "nothing personal"
    assert "person1" not in json.dumps(doc) and "7911" not in json.dumps(doc)
    # one sheet, and pages of one across the two partitions
    assert [x["sheet_id"] for x in _removals(sheet="beta")["items"]] == ["beta"]
    first = _removals(customer="Test Customer", page_size="1")
    second = _removals(customer="Test Customer", page_size="1", continuation=first["continuation"])
    assert {first["items"][0]["sheet_id"], second["items"][0]["sheet_id"]} == {"alpha", "beta"} and second["continuation"] is None
    assert _removals(customer="Someone Else")["items"] == []
    # a purge is listed too, as purged
    write(paths["alpha"], [person(i) for i in range(3, 15)])  # person 2 leaves alpha: soft-deleted
    rt.syncs.run(trigger="test")
    rt2 = Runtime(make_settings(*rt.settings.sheets, erasure_key=KEY, retention_days=1), environ={}, store=store)
    purged = rt2.privacy.purge(now=datetime.now(UTC) + timedelta(days=2))
    assert purged.purged == 1 and purged.removals_forgotten == 0
    reasons = {x["id"]: x["reason"] for x in _removals(sheet="alpha")["items"]}
    assert reasons == {ids["person1@example.com"]: "erased", ids["person2@example.com"]: "purged"}
    # after LEAD_SYNC_REMOVALS_DAYS (30) the record is forgotten by the purge run
    later = rt2.privacy.purge(now=datetime.now(UTC) + timedelta(days=31))  # the erasures are 31 days old, the purge 29
    assert later.removals_forgotten == 2 and [x["reason"] for x in _removals(customer="Test Customer")["items"]] == ["purged"]
    assert rt2.privacy.purge(now=datetime.now(UTC) + timedelta(days=33)).removals_forgotten == 1


def test_a_removal_is_recorded_before_the_lead_is_deleted(make_settings, tmp_path) -> None:
    """An erasure that fails halfway (storage refuses the delete) has still recorded the removal: a mirror never misses one."""
    from shared.errors import StoreError

    rt, store, _ = _setup(make_settings, tmp_path)
    rt.syncs.run(trigger="test")
    lead = next(x for x in store.list_leads(sheet_id="alpha", page_size=100)[0] if x["email"] == "person5@example.com")

    def refuse(*_a, **_k):
        raise StoreError("the storage account refused the delete")

    store.leads.submit_transaction = refuse  # type: ignore[method-assign]
    status, doc = _post("erase_person", {"email": "person5@example.com"})
    assert status == 503
    assert [x["id"] for x in _removals(sheet="alpha")["items"]] == [lead["id"]]


def test_purge_never_touches_a_sheet_missing_from_the_list(make_settings, tmp_path) -> None:
    """
    A sheet missing from the configuration (removed, or a sheet list that could not be read) keeps
    every lead, soft-deleted ones too, whatever the deployment's retention: purging it by a
    retention it was never given would lose leads.
    """
    rt, store, paths = _setup(make_settings, tmp_path)
    rt.syncs.run(trigger="test")
    write(paths["beta"], [person(i) for i in range(21, 33)] + [["P. One", "p.one@work.example", "+44 (0)7911 123401", ""]])
    rt.syncs.run(trigger="test")  # person 20 leaves beta: soft-deleted
    after = datetime.now(UTC) + timedelta(days=400)
    alpha_only = Runtime(make_settings(rt.settings.sheets[0], erasure_key=KEY, retention_days=1), environ={}, store=store)
    assert [x.sheet_id for x in alpha_only.privacy.purge(now=after).sheets] == ["alpha"]
    unreadable = Runtime(make_settings(erasure_key=KEY, retention_days=1, sheets_table="nosuchsheets"), environ={}, store=store)
    assert unreadable.privacy.purge(now=after).purged == 0
    beta = store.list_leads(sheet_id="beta", include_deleted=True, page_size=100)[0]
    assert len(beta) == 14 and sum(1 for x in beta if x["deleted"]) == 1


def test_purge_waits_for_a_sync_holding_the_sheet(make_settings, tmp_path) -> None:
    """
    A purge takes the sheet's sync lease: while a sync holds it (it may be restoring the very lead
    the purge would pick), the sheet is skipped as busy and purged by the next run.
    """
    rt, store, paths = _setup(make_settings, tmp_path)
    rt.syncs.run(trigger="test")
    write(paths["alpha"], [person(i) for i in range(2, 15)])  # person 1 leaves alpha: soft-deleted
    rt.syncs.run(trigger="test")
    purging = Runtime(make_settings(*rt.settings.sheets, erasure_key=KEY, retention_days=1), environ={}, store=store)
    later = datetime.now(UTC) + timedelta(days=2)
    assert store.acquire_lease("alpha", "a-sync", datetime.now(UTC), 600)
    held = purging.privacy.purge(now=later)
    assert {x.sheet_id: (x.purged, x.busy) for x in held.sheets} == {"alpha": (0, True), "beta": (0, False)}
    assert held.to_dict()["sheets"][0]["busy"] is True
    assert sum(1 for x in store.list_leads(sheet_id="alpha", include_deleted=True, page_size=100)[0] if x["deleted"]) == 1
    store.release_lease("alpha", "a-sync")
    assert {x.sheet_id: x.purged for x in purging.privacy.purge(now=later).sheets} == {"alpha": 1, "beta": 0}
    state = store.get_state("alpha")
    assert state is not None and not (state.lease and state.lease.owner), "the purge gave the lease back"
    assert rt.syncs.run(trigger="test").sheets[0].status != "ERROR"


def test_removals_of_sheets_removed_from_the_list_are_listed_and_old_ones_are_gone(make_settings, tmp_path) -> None:
    """An erasure reaches a sheet no longer configured, and a mirror learns of it; a since older than the records kept is 410."""
    rt, store, _ = _setup(make_settings, tmp_path)
    rt.syncs.run(trigger="test")
    beta_id = next(x["id"] for x in store.list_leads(sheet_id="beta", page_size=100)[0] if x["email"] == "p.one@work.example")
    alpha_only = Runtime(make_settings(rt.settings.sheets[0], erasure_key=KEY), environ={}, store=store)
    set_runtime(alpha_only)
    assert _post("erase_person", {"phone": "+44 7911 123401"})[1]["erased"] == 2  # both sheets, beta orphaned
    listed = {(x["sheet_id"], x["id"]) for x in _removals(customer="Test Customer")["items"]}
    assert ("beta", beta_id) in listed and len(listed) == 2
    assert [x["id"] for x in _removals(sheet="beta")["items"]] == [beta_id]
    old = (datetime.now(UTC) - timedelta(days=31)).isoformat()
    resp = _fn("list_removals")(
        func.HttpRequest("GET", "/api/leads/removals", body=b"", params={"customer": "Test Customer", "since": old})
    )
    problem = json.loads(resp.get_body())
    assert resp.status_code == 410 and problem["code"] == "expired" and "read every lead again" in problem["detail"]
