"""
"No lead is ever lost, no sheet is stuck": each reproduction of issue 8, run against Azurite
through ``sync_sheet`` with the real CSV source and Table store, the HTTP handlers or the CLI.
"""

from __future__ import annotations

import csv
import json
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from shared.adapters.csv_source import CsvSource
from shared.config import load_settings
from shared.core.state import SheetState
from shared.service import LeadsQuery, Runtime, set_runtime
from shared.sync import sync_sheet
from tests.conftest import csv_sheet
from tests.helpers import approve_blocked


def _write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)


def _people(n: int, start: int = 0, extra: str = "") -> list[list[str]]:
    return [["Name", "Email", "Phone", "Company", "Notes"]] + [
        [f"User {i}", f"u{i}@example.com", f"07911 {100000 + i}", f"Firm {i}", extra] for i in range(start, start + n)
    ]


def _live(store, sheet_id: str) -> set[str]:
    return {k for k, v in store.load_index(sheet_id).items() if not v.deleted}


def _setup(tmp_path, store, make_settings, sheet_id: str, rows, **kw):
    path = tmp_path / f"{sheet_id}.csv"
    _write(path, rows)
    sheet = csv_sheet(sheet_id, path, **kw)
    settings = make_settings(sheet)

    def sync(**extra):
        return sync_sheet(sheet, CsvSource(tmp_path), store, settings, **extra)

    return path, sync


# 1. approvals bound to what was reviewed


def test_an_approval_is_not_a_blank_cheque(tmp_path, store, make_settings) -> None:
    """Approving an 80% drop does not let an emptied sheet through; it lapses and blocks again."""
    rows = _people(100)
    path, sync = _setup(tmp_path, store, make_settings, "cheque", rows)
    sync()
    _write(path, rows[:21])
    blocked = sync()
    assert blocked.status == "ERROR" and blocked.blocked["kind"] == "drop" and blocked.blocked["count"] == 80
    approve_blocked(store, "cheque")
    _write(path, rows[:1])  # now the sheet is emptied instead
    emptied = sync()
    assert emptied.status == "ERROR" and "approval_lapsed" in emptied.reason_codes and emptied.blocked["kind"] == "empty"
    assert len(_live(store, "cheque")) == 100
    state = store.get_state("cheque")
    assert state.approval is None and state.approvals[-1].outcome == "lapsed"


def test_an_approval_does_not_survive_a_failed_run_or_a_different_drop(tmp_path, store, make_settings) -> None:
    """A failed run in between, or a larger drop, lets the approval lapse; exactly the approved drop applies."""
    rows = _people(50)
    path, sync = _setup(tmp_path, store, make_settings, "bound", rows)
    sync()
    _write(path, rows[:11])
    sync()
    approve_blocked(store, "bound")
    path.unlink()  # the next read fails
    failed = sync()
    assert failed.status == "ERROR" and "approval_lapsed" in failed.reason_codes
    _write(path, rows[:11])
    again = sync()
    assert again.status == "ERROR" and "guard_blocked" in again.reason_codes, "the same drop needs a new approval"
    approve_blocked(store, "bound")
    _write(path, rows[:6])  # a larger drop than the one approved
    larger = sync()
    assert larger.status == "ERROR" and "approval_lapsed" in larger.reason_codes and len(_live(store, "bound")) == 50
    approve_blocked(store, "bound")
    applied = sync()
    assert applied.status == "SUCCESS" and applied.deleted == 45 and "approved" in applied.reason_codes


def test_an_approval_lapses_after_24_hours(tmp_path, store, make_settings) -> None:
    rows = _people(30)
    path, sync = _setup(tmp_path, store, make_settings, "late", rows)
    sync()
    _write(path, rows[:3])
    sync()
    approve_blocked(store, "late", at=datetime.now(UTC) - timedelta(hours=25))
    late = sync()
    assert late.status == "ERROR" and "approval_lapsed" in late.reason_codes and len(_live(store, "late")) == 30


def test_emptying_a_sheet_needs_its_own_confirmation(tmp_path, store, make_settings) -> None:
    """An emptied sheet's change cannot be approved without confirm_empty (HTTP 400), then applies."""
    import azure.functions as func

    import leads_http

    rows = _people(20)
    path, sync = _setup(tmp_path, store, make_settings, "empty", rows)
    sync()
    _write(path, rows[:1])
    blocked = sync()
    assert blocked.blocked["kind"] == "empty"
    rt = Runtime(make_settings(csv_sheet("empty", path)), environ={}, store=store)
    set_runtime(rt)
    approve = leads_http.approve_drop.build().get_user_function()

    def call(body: dict) -> func.HttpResponse:
        return approve(
            func.HttpRequest(
                "POST",
                "/x",
                body=json.dumps(body).encode(),
                route_params={"sheet": "empty"},
                headers={"x-ms-client-principal-name": "ops@agency.example"},
            )
        )

    refused = call({"change": blocked.blocked["id"]})
    assert refused.status_code == 400 and "confirm_empty" in json.loads(refused.get_body())["detail"]
    ok = call({"change": blocked.blocked["id"], "confirm_empty": True, "reason": "campaign over"})
    assert ok.status_code == 200 and json.loads(ok.get_body())["by"] == "[email]", "who approved is recorded (and redacted in answers)"
    done = sync()
    assert done.deleted == 20 and "approved" in done.reason_codes
    assert store.get_state("empty").approvals[-1].by == "ops@agency.example"
    assert len(store.load_index("empty")) == 20, "soft-deleted, not erased"


# 2. cumulative guard; 3. lost state


def test_slow_erosion_is_blocked_when_the_total_drop_passes_the_limit(tmp_path, store, make_settings) -> None:
    """100 -> 31 (69%, allowed) -> 10: blocked, because it is 90% below the week's high-water mark."""
    rows = _people(100)
    path, sync = _setup(tmp_path, store, make_settings, "erode", rows)
    sync()
    _write(path, rows[:32])
    first = sync()
    assert first.status == "SUCCESS" and first.deleted == 69
    _write(path, rows[:11])
    second = sync()
    assert second.status == "ERROR" and "guard_blocked" in second.reason_codes and second.guard["baseline"] == 100
    assert len(_live(store, "erode")) == 31


def test_lost_state_is_recovered_from_stored_leads_not_trusted(tmp_path, store, make_settings) -> None:
    """The state table wiped (storage restored): the guard compares with the stored leads and blocks a 90% drop."""
    rows = _people(100)
    path, sync = _setup(tmp_path, store, make_settings, "lost", rows)
    sync()
    store.service.delete_table(store.names[1])  # the whole state table is gone, the warm store does not know
    _write(path, rows[:11])
    blocked = sync()
    assert blocked.status == "ERROR" and "guard_blocked" in blocked.reason_codes and len(_live(store, "lost")) == 100
    assert store.get_state("lost") is not None, "the table was created again without a restart"


def test_tables_that_disappear_are_recreated_for_reads_and_writes(tmp_path, store, make_settings) -> None:
    rows = _people(5)
    path, sync = _setup(tmp_path, store, make_settings, "gone", rows)
    sync()
    for name in store.names:
        store.service.delete_table(name)
    assert store.list_states() == []
    again = sync()
    assert again.status == "SUCCESS" and again.added == 5


# 4. incremental reads never miss a change


def test_a_reader_polling_during_a_large_sync_receives_every_final_state(tmp_path, store, make_settings) -> None:
    """A reader polling GET /api/leads?updated_since=<watermark> while 10,000 leads change sees every final state."""
    n = 10_000
    rows = _people(n)
    path, sync = _setup(tmp_path, store, make_settings, "poll", rows)
    assert sync().added == n
    rt = Runtime(make_settings(csv_sheet("poll", path)), environ={}, store=store)
    seen: dict[str, tuple] = {}
    done = threading.Event()

    def walk(since: datetime | None) -> str:
        token, mark = None, None
        while True:
            page = rt.leads.page(
                LeadsQuery(sheet_id="poll", page_size=1000, continuation=token, include_deleted=True, updated_since=since)
            ).to_dict()
            mark = mark or page["watermark"]
            for item in page["items"]:
                seen[item["id"]] = (item["notes"], item["deleted"])
            token = page["continuation"]
            if not token:
                return mark

    mark = walk(None)
    changed = [r[:4] + ["called back"] for r in rows[1:]]
    _write(path, [rows[0], *changed[: n - 500]])  # every lead changes, 500 leave
    polls = 0

    def reader() -> None:
        nonlocal mark, polls
        while not done.is_set():
            mark = walk(datetime.fromisoformat(mark))
            polls += 1

    t = threading.Thread(target=reader)
    t.start()
    try:
        report = sync()
    finally:
        done.set()
        t.join()
    mark = walk(datetime.fromisoformat(mark))  # the reader's next regular poll
    assert report.updated == n - 500 and report.deleted == 500 and polls >= 1
    items, token, _ = store.list_leads(sheet_id="poll", include_deleted=True, page_size=1000)
    final = {}
    while True:
        final |= {i["id"]: (i["notes"], i["deleted"]) for i in items}
        if not token:
            break
        items, token, _ = store.list_leads(sheet_id="poll", include_deleted=True, page_size=1000, token=token)
    assert len(final) == n
    assert {k: seen.get(k) for k in final} == final, "the reader missed final states"


# 5. storage limits in Table Storage's own units


def test_a_cell_of_emoji_is_stored_and_never_blocks_the_sheet(tmp_path, store, make_settings) -> None:
    """20,000 emoji (40,000 UTF-16 units) in one cell: stored whole (split by UTF-16 units); new leads arrive."""
    rows = _people(50)
    rows[5][4] = "🎉" * 20_000
    path, sync = _setup(tmp_path, store, make_settings, "emoji", rows)
    first = sync()
    assert first.status == "SUCCESS" and first.added == 50
    _write(path, rows + _people(51, start=50)[1:])
    more = sync()
    assert more.status == "SUCCESS" and more.added == 51
    items, _, _ = store.list_leads(sheet_id="emoji", page_size=200)
    assert any(i["notes"] == "🎉" * 20_000 for i in items)


def test_a_row_over_the_entity_limit_in_utf16_is_cut_not_hidden(tmp_path, store, make_settings) -> None:
    """A row whose cells pass 1 MiB only when counted in UTF-16 is stored cut and marked, never soft-deleted."""
    rows = [["Name", "Email"] + [f"Note {i}" for i in range(12)]] + [[f"U{i}", f"u{i}@example.com"] + [""] * 12 for i in range(20)]
    rows[3][2:] = ["😀" * 22_000] * 12  # 528,000 emoji = 1,056,000 UTF-16 units
    path, sync = _setup(tmp_path, store, make_settings, "wide", rows)
    report = sync()
    assert report.added == 20 and report.truncated == 1 and "truncated" in report.reason_codes
    assert len(_live(store, "wide")) == 20


def test_state_stays_under_the_limits_with_5000_columns_and_long_drift(tmp_path, store, make_settings) -> None:
    """5,000 columns, then 200 reworded long headers: the state saves, health shows the new run."""
    width = 5000
    header = ["Name", "Email"] + [f"Custom field number {i} " + "x" * 40 for i in range(width - 2)]
    rows = [header] + [[f"U{i}", f"u{i}@example.com"] + ["v"] * (width - 2) for i in range(12)]
    path, sync = _setup(tmp_path, store, make_settings, "widecols", rows)
    first = sync()
    assert first.status == "SUCCESS" and first.added == 12
    reworded = rows[0][:2] + [h.replace("Custom field", "Renamed custom attribute") if i < 200 else h for i, h in enumerate(rows[0][2:])]
    _write(path, [reworded] + rows[1:])
    second = sync()
    assert "store" not in second.reason_codes, second.messages[-1][:300]
    state = store.get_state("widecols")
    assert state.last_run_at is not None and state.status == second.status and len(state.messages) <= 25


# 6. stable identity


def test_a_corrected_email_keeps_the_lead_id(tmp_path, store, make_settings) -> None:
    """Fixing or adding an email is an update of the same lead (matched on phone), not +1 -1."""
    rows = _people(20)
    rows[3][1] = "u2@exmaple.con"  # typo
    rows[4][1] = ""  # no email yet
    path, sync = _setup(tmp_path, store, make_settings, "ident", rows)
    sync()
    before = _live(store, "ident")
    rows[3][1] = "u2@example.com"
    rows[4][1] = "u3@example.com"
    _write(path, rows)
    fixed = sync()
    assert (fixed.added, fixed.deleted, fixed.updated) == (0, 0, 2) and "identity_kept" in fixed.reason_codes
    assert _live(store, "ident") == before
    again = sync()
    assert again.written == 0 and again.added == 0, "the kept id is stable on later syncs"
    rows[3][1] = "u2@example.org"
    _write(path, rows)
    third = sync()
    assert (third.added, third.deleted, third.updated) == (0, 0, 1) and _live(store, "ident") == before


def test_spreadsheet_error_values_are_blank_and_keep_ids(tmp_path, store, make_settings) -> None:
    """#N/A and #REF! appearing in the email column: counted, blank for keys, every lead keeps its id.
    Four of 15 stored emails would be blanked (27% carries, over the 20% limit): blocked until a
    person approves exactly that change, then applied as updates of the same ids."""
    rows = _people(15)
    path, sync = _setup(tmp_path, store, make_settings, "errs", rows)
    sync()
    before = _live(store, "errs")
    for r, v in ((2, "#N/A"), (5, "#REF!"), (7, "#VALUE!"), (9, "#DIV/0!")):
        rows[r][1] = v
    _write(path, rows)
    report = sync()
    assert report.error_values == 4 and "error_values" in report.reason_codes
    assert report.added == 0 and report.deleted == 0 and report.invalid_values == 0 and _live(store, "errs") == before
    assert "identity_blocked" in report.reason_codes and report.blocked["kind"] == "carry" and report.carried == 4
    approve_blocked(store, "errs")
    applied = sync()
    assert (applied.added, applied.deleted, applied.updated, applied.carried) == (0, 0, 4, 4) and _live(store, "errs") == before


# 7. no stuck sheet


def test_a_removed_phone_column_can_be_accepted_and_the_sheet_syncs_again(tmp_path, store, make_settings) -> None:
    """Phone column removed: ERROR naming the action; accepting that change lets new leads sync."""
    rows = _people(12)
    path, sync = _setup(tmp_path, store, make_settings, "nophone", rows)
    sync()
    without = [[r[0], r[1], r[3], r[4]] for r in rows]
    _write(path, without + [["New Person", "new@example.com", "Firm", ""]])
    stuck = sync()
    assert stuck.status == "ERROR" and "essential_column_removed" in stuck.reason_codes and stuck.written == 0
    assert "To fix:" in stuck.messages[-1] and stuck.blocked["kind"] == "columns"
    approve_blocked(store, "nophone")
    unstuck = sync()
    assert unstuck.status in ("SUCCESS", "WARNING") and unstuck.added == 1 and "columns_accepted" in unstuck.reason_codes
    assert sync().status == "SUCCESS"


def test_required_can_drop_any_group(tmp_path, store, make_settings) -> None:
    """A sheet whose required groups name no contact field: removing its phone column is drift, not a
    stuck ERROR. Every lead then keeps its id by name and company (a carry of the whole sheet, so
    blocked until approved, as its stored phones are overwritten), then the sheet is WARNING drift."""
    rows = [["Name", "Company", "Phone"]] + [[f"User {i}", f"Firm {i} Ltd", f"07911 {100000 + i}"] for i in range(12)]
    path, sync = _setup(tmp_path, store, make_settings, "req", rows, required=[["full_name"]])
    assert sync().added == 12
    _write(path, [r[:2] for r in rows])
    blocked = sync()
    assert "drift" in blocked.reason_codes and blocked.blocked["kind"] == "carry" and blocked.carried == 12
    approve_blocked(store, "req")
    report = sync()
    assert report.status == "WARNING" and "drift" in report.reason_codes and report.updated == 12 and report.deleted == 0
    assert sync().status == "SUCCESS"


def test_every_error_says_what_clears_it(tmp_path, store, make_settings) -> None:
    """Missing columns, a missing file, a blocked drop: each ERROR message names the action."""
    path, sync = _setup(tmp_path, store, make_settings, "errs2", [["Notes"], ["a"]])
    assert "To fix:" in sync().messages[-1]
    path.unlink()
    assert "To fix:" in sync().messages[-1]


# 8. removed and duplicated sheets


def test_leads_of_a_removed_sheet_stay_and_are_not_served_unless_asked(tmp_path, store, make_settings) -> None:
    import health_http
    import leads_http

    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    _write(a, _people(3))
    _write(b, _people(4, start=10))
    keep, gone = csv_sheet("keep", a, customer="Acme"), csv_sheet("gone", b, customer="Acme")
    Runtime(make_settings(keep, gone), environ={}, store=store).syncs.run()
    set_runtime(Runtime(make_settings(keep), environ={}, store=store))  # "gone" removed from config
    list_leads = leads_http.list_leads.build().get_user_function()
    import azure.functions as func

    def count(**params: str) -> int:
        return json.loads(list_leads(func.HttpRequest("GET", "/x", params={"customer": "Acme", **params}, body=b"")).get_body())["count"]

    assert count() == 3 and count(include_orphaned="true") == 7
    detail = health_http.health_detail.build().get_user_function()(func.HttpRequest("GET", "/x", body=b""))
    orphaned = json.loads(detail.get_body())["orphaned"]
    assert [(o["sheet_id"], o["leads"]) for o in orphaned] == [("gone", 4)] and orphaned[0]["last_seen"]


def test_one_spreadsheet_configured_twice_is_a_configuration_problem() -> None:
    """The second entry is refused (a broken sheet), naming the first and the spreadsheet (issue 18)."""
    sheets = [
        {"id": "x1", "customer": "A", "spreadsheet_id": "1AbCdEfGhIjKlMn"},
        {"id": "x2", "customer": "B", "spreadsheet_id": "1AbCdEfGhIjKlMn"},
    ]
    s = load_settings({"LEAD_SYNC_SHEETS": json.dumps(sheets), "LEAD_SYNC_STORAGE": "UseDevelopmentStorage=true"})
    assert any("'x2'" in p and "'x1'" in p and "1AbCdEfGhIjKlMn" in p for p in s.problems)
    assert [x.id for x in s.sheets] == ["x1"] and [b.id for b in s.broken] == ["x2"]


# 9. every run leaves a trace


def test_an_interrupted_run_shows_in_health_once_its_lease_expires(tmp_path, store, make_settings) -> None:
    import azure.functions as func

    import health_http

    rows = _people(5)
    path, sync = _setup(tmp_path, store, make_settings, "cut", rows)
    sync()
    past = datetime.now(UTC) - timedelta(hours=1)
    assert store.acquire_lease("cut", "killed-run", past, 60)  # a run took the lease and died
    set_runtime(Runtime(make_settings(csv_sheet("cut", path)), environ={}, store=store))
    detail = health_http.health_detail.build().get_user_function()(func.HttpRequest("GET", "/x", body=b""))
    entry = json.loads(detail.get_body())["sheets"][0]
    assert entry["status"] == "WARNING" and "interrupted" in entry["reason_codes"]
    nxt = sync()
    assert "recovering" in nxt.reason_codes and nxt.status == "WARNING"
    assert ("interrupted",) in [r.reason_codes for r in store.list_runs("cut", 5)]


# 10. not leads


def test_footer_and_section_title_rows_are_skipped_and_counted(tmp_path, store, make_settings) -> None:
    rows = [["Name", "Email", "Phone", "Company", "Notes"]]
    rows += [["--- March leads ---", "", "", "", ""]] + _people(4)[1:]
    rows += [["Week 2:", "", "", "", ""]] + _people(3, start=10)[1:]
    rows += [["TOTAL", "7 leads", "", "", ""], ["", "", "", "", ""], ["End of list", "", "", "", ""]]
    path, sync = _setup(tmp_path, store, make_settings, "footer", rows)
    report = sync()
    assert report.added == 7 and report.not_leads == 4 and "not_leads" in report.reason_codes
    # A person whose only filled cell is a name is still a lead.
    _write(path, rows + [["Ann Lee", "", "", "", ""]])
    assert sync().added == 1


def test_stateful_invariant_removal_only_under_the_mark_or_approved(tmp_path, store, make_settings) -> None:
    """A scripted walk through erosion, approval, state loss and identity edits: no stored lead is
    ever erased, and every removal was under the limit from the window's high-water mark or approved."""
    rows = _people(60)
    path, sync = _setup(tmp_path, store, make_settings, "walk", rows)
    sync()
    ever: set[str] = set(store.load_index("walk"))
    steps = [rows[:40], rows[:20], rows, rows[:5], "approve", rows[:5], rows[:50], "wipe-state", rows[:8]]
    for step in steps:
        if step == "approve":
            approve_blocked(store, "walk")
            continue
        if step == "wipe-state":
            store.state.delete_entity("sheet", "walk")
            continue
        _write(path, step)
        before = _live(store, "walk")
        report = sync()
        index = store.load_index("walk")
        assert ever <= set(index), "a stored lead was erased"
        ever |= set(index)
        removed = before - _live(store, "walk")
        if removed and "approved" not in report.reason_codes:
            mark = report.guard["baseline"] if report.guard else len(before)
            assert len(_live(store, "walk")) >= (1 - 0.7) * max(mark, len(before)) - 1e-9
    assert store.get_state("walk") is not None
    assert isinstance(store.get_state("walk"), SheetState)
    time.sleep(0)


def test_colleagues_at_one_company_are_not_merged_into_each_other(tmp_path, store, make_settings) -> None:
    """Email and company only: replacing people by colleagues at the same firms is +N -N (guarded), never an overwrite."""
    rows = [["Email", "Company"]] + [[f"u{i}@example.com", f"Firm {i}"] for i in range(40)]
    path, sync = _setup(tmp_path, store, make_settings, "firms", rows)
    sync()
    before = _live(store, "firms")
    _write(path, [rows[0]] + [[f"colleague{i}@example.com", f"Firm {i}"] for i in range(40)])
    report = sync()
    assert report.status == "ERROR" and "guard_blocked" in report.reason_codes and report.updated == 0
    assert _live(store, "firms") == before
    _write(path, [rows[0]] + rows[1:5] + [["colleague5@example.com", "Firm 5"]] + rows[6:])  # one person replaced
    one = sync()
    assert (one.added, one.deleted, one.updated) == (1, 1, 0) and "identity_kept" not in one.reason_codes


def test_accepting_a_removed_column_is_final_even_when_the_guard_then_blocks(tmp_path, store, make_settings) -> None:
    """Leads keyed by phone lose their (essential) phone column: accepting the column change makes the
    new mapping final; the re-keying drop is then its own blocked change; approving it applies it;
    no approval lapses and the column block never comes back."""
    rows = [["Name", "Phone", "Notes"]] + [[f"User {i}", f"07911 {100000 + i}", "x"] for i in range(30)]
    path, sync = _setup(tmp_path, store, make_settings, "rekey", rows, required=[["phone", "full_name"]])
    sync()
    _write(path, [[r[0], r[2]] for r in rows])
    first = sync()
    assert first.blocked["kind"] == "columns"
    approve_blocked(store, "rekey")
    second = sync()
    assert "columns_accepted" in second.reason_codes and second.blocked["kind"] == "drop"
    approve_blocked(store, "rekey")
    third = sync()
    assert "approved" in third.reason_codes and third.added == 30 and third.deleted == 30
    final = sync()
    assert final.status == "SUCCESS" and final.written == 0
    assert [a.outcome for a in store.get_state("rekey").approvals] == ["applied", "applied"]


def test_a_failed_run_does_not_let_the_unchanged_shortcut_hide_leads(tmp_path, store, make_settings) -> None:
    """Soft-deletes land, then the run fails: restoring the rows must restore the leads at once."""
    rows = _people(30)
    path, sync = _setup(tmp_path, store, make_settings, "halfway", rows)
    sync()
    _write(path, rows[:26])
    real = store.save_state
    calls = {"n": 0}

    def failing_save(state, fields=None):
        calls["n"] += 1
        if calls["n"] == 1 and fields and "set_fp" in fields:
            from shared.errors import StoreError

            raise StoreError("simulated outage")
        return real(state, fields)

    store.save_state = failing_save
    try:
        failed = sync()
    finally:
        store.save_state = real
    assert len(_live(store, "halfway")) == 25 or failed.status == "ERROR"
    _write(path, rows)
    back = sync()
    assert len(_live(store, "halfway")) == 30 and back.restored in (0, 5)


def test_a_cell_of_backslashes_is_cut_by_what_json_makes_of_it(tmp_path, store, make_settings) -> None:
    """420,000 backslashes in an unmapped column (stored inside the JSON of 'extra', escaped twice): cut to fit, the rest of the batch lands."""
    rows = [["Name", "Email", "Raw"]] + [[f"U{i}", f"u{i}@example.com", ""] for i in range(5)]
    rows[2][2] = "\\\\" * 210_000
    path, sync = _setup(tmp_path, store, make_settings, "slashes", rows)
    report = sync()
    assert report.added == 5 and report.truncated == 1 and report.status == "WARNING", report.messages
