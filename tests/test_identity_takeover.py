"""
Identity takeover (issue 18, section 1): a phone, a name with a company or the rest of a row is
shared by different people, so a stored lead's id passes to a row through one of them only when
a second attribute agrees; carries are counted and a run with too many is blocked like a drop.
Storage behaviour against Azurite through ``sync_sheet`` with the real CSV source and Table store.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.adapters.csv_source import CsvSource
from shared.core.identity import Traits, may_carry, names_agree, traits
from shared.sync import sync_sheet
from tests.conftest import csv_sheet
from tests.helpers import approve_blocked

HEADER = ["Name", "Email", "Phone", "Company"]


def _write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)


def _setup(tmp_path, store, make_settings, sheet_id: str, rows, **kw):
    path = tmp_path / f"{sheet_id}.csv"
    _write(path, rows)
    sheet = csv_sheet(sheet_id, path, **kw)
    settings = make_settings(sheet)

    def sync():
        return sync_sheet(sheet, CsvSource(tmp_path), store, settings)

    def write(new_rows):
        _write(path, new_rows)

    return write, sync


def _stored(store, sheet_id: str) -> dict[str, tuple[dict[str, str], bool]]:
    """Every stored lead (soft-deleted too): id -> (identity fields, deleted)."""
    index = store.load_index(sheet_id)
    idents = store.load_identities(sheet_id, set(index), include_deleted=True)
    return {k: (idents.get(k, {}), v.deleted) for k, v in index.items()}


def _emails(store, sheet_id: str, *, deleted: bool | None = None) -> set[str]:
    return {f["email"] for f, d in _stored(store, sheet_id).values() if f.get("email") and (deleted is None or d == deleted)}


def _people(n: int, *, prefix: str = "User", domain: str = "example.com", company: bool = True) -> list[list[str]]:
    return [HEADER] + [
        [f"{prefix} {i}", f"{prefix.lower()}{i}@{domain}", f"07911 {100000 + i}", f"Firm {i}" if company else ""] for i in range(n)
    ]


# 1. the reproduction: other people on the old phone numbers


@pytest.mark.parametrize("companies", ["same firms", "no firms"])
def test_other_people_on_the_old_phones_do_not_take_over_their_leads(tmp_path, store, make_settings, companies: str) -> None:
    """20 people replaced by 20 others (other names, other emails) sharing the old phones, with
    the same firms (a switchboard) or none: no id is carried, the guard blocks the 100% drop and
    every old email stays stored; approved, the old leads are soft-deleted with their emails and
    the 20 new people are new leads. (On 8d5bad0: SUCCESS identity_kept, 0 old emails left.)"""
    same = companies == "same firms"
    old = _people(20, company=same)
    write, sync = _setup(tmp_path, store, make_settings, "takeover", old)
    assert sync().status == "SUCCESS"
    old_emails = _emails(store, "takeover")
    assert len(old_emails) == 20
    new = [HEADER] + [[f"Stranger {i}", f"someone{i}@other.org", r[2], r[3]] for i, r in enumerate(old[1:])]
    write(new)
    report = sync()
    assert "identity_kept" not in report.reason_codes and report.carried == 0
    assert report.status == "ERROR" and "guard_blocked" in report.reason_codes and report.blocked["kind"] == "drop"
    assert _emails(store, "takeover", deleted=False) == old_emails, "a blocked sync changes nothing"
    approve_blocked(store, "takeover")
    applied = sync()
    assert "approved" in applied.reason_codes and (applied.added, applied.deleted, applied.updated) == (20, 20, 0)
    assert _emails(store, "takeover", deleted=True) == old_emails, "the old people are soft-deleted, emails kept"
    assert _emails(store, "takeover", deleted=False) == {r[1] for r in new[1:]}
    assert sync().written == 0, "the new keys are stable"


def test_a_recycled_phone_list_pasted_over_a_few_rows_is_new_leads(tmp_path, store, make_settings) -> None:
    """Three of 20 rows pasted over with other people on the same phones: +3 -3 (within the drop
    limit, soft-deleted, restorable), never an overwrite of the stored people."""
    old = _people(20)
    write, sync = _setup(tmp_path, store, make_settings, "paste", old)
    sync()
    new = [r[:] for r in old]
    for i in (2, 9, 15):
        new[i] = [f"Other {i}", f"other{i}@else.net", old[i][2], old[i][3]]
    write(new)
    report = sync()
    assert (report.added, report.deleted, report.updated, report.carried) == (3, 3, 0, 0)
    assert "identity_not_carried" in report.reason_codes and report.status == "SUCCESS"
    assert _emails(store, "paste", deleted=True) == {old[i][1] for i in (2, 9, 15)}


# 2. legitimate email changes still keep the id


def test_a_changed_email_with_the_same_phone_and_name_keeps_the_id(tmp_path, store, make_settings) -> None:
    """An email corrected (same phone, same name however written: case, accents, word order) is an
    update of the same lead, counted as a carry; later syncs write nothing."""
    rows = _people(20)
    rows[3][0] = "José Núñez"
    write, sync = _setup(tmp_path, store, make_settings, "legit", rows)
    sync()
    before = {k for k, (_, d) in _stored(store, "legit").items() if not d}
    rows[3][0], rows[3][1] = "NUNEZ, Jose", "jose.nunez@newfirm.com"
    rows[5][1] = "user5@example.org"
    write(rows)
    report = sync()
    assert (report.added, report.deleted, report.updated, report.carried) == (0, 0, 2, 2)
    assert "identity_kept" in report.reason_codes and report.counts()["carried"] == 2
    assert {k for k, (_, d) in _stored(store, "legit").items() if not d} == before
    assert sync().written == 0


def test_an_email_change_at_the_same_firm_keeps_the_id_only_with_the_same_local_part(tmp_path, store, make_settings) -> None:
    """Name and company alone (no phone): namesakes at one firm with other emails are two leads
    (+1 -1); the same person whose domain changed (same local part) keeps the id."""
    rows = [["Name", "Email", "Company"]] + [[f"Ann Lee {chr(65 + i)}", f"ann{i}@acme.com", "Acme Ltd"] for i in range(12)]
    write, sync = _setup(tmp_path, store, make_settings, "namesake", rows)
    sync()
    rows[1][1] = "a.lee.sales@gmail.com"  # another Ann Lee A at Acme
    rows[2][1] = "ann1@acme.co.uk"  # the same person, the firm's new domain
    rows[3][2] = "ACME Limited"
    write(rows)
    report = sync()
    assert (report.added, report.deleted, report.updated, report.carried) == (1, 1, 2, 1)
    assert "ann0@acme.com" in _emails(store, "namesake", deleted=True)


def test_a_phone_only_lead_keeps_its_id_when_details_are_added(tmp_path, store, make_settings) -> None:
    """A row holding only a phone (nothing else to disagree with) that gains a name and an email keeps
    its id: nothing stored is lost. The same phone under another person's name is a new lead."""
    rows = [["Name", "Email", "Phone"]] + [[f"Person {i}", "", f"07911 {200000 + i}"] for i in range(12)]
    rows[1] = ["", "", rows[1][2]]
    write, sync = _setup(tmp_path, store, make_settings, "phoneonly", rows)
    sync()
    rows[1] = ["Newly Named", "named@example.com", rows[1][2]]
    write(rows)
    enriched = sync()
    assert (enriched.added, enriched.deleted, enriched.updated, enriched.carried) == (0, 0, 1, 1)
    rows[2] = ["Somebody Else", "", rows[2][2]]  # the number now belongs to someone else (same key: the phone)
    write(rows)
    recycled = sync()
    assert (recycled.added, recycled.deleted, recycled.updated) == (1, 1, 0), "Person 1 is not overwritten"
    names = {f.get("full_name"): d for f, d in _stored(store, "phoneonly").values()}
    assert names["Person 1"] is True and names["Somebody Else"] is False
    assert sync().written == 0, "the new person's key is stable"
    rows[2] = ["Person 1", "", rows[2][2]]  # the first owner is back: restored, not a third lead
    write(rows)
    back = sync()
    assert (back.restored, back.added, back.deleted) == (1, 0, 1)


# 3. too many carries in one run: blocked like a drop, approved by id


def test_carries_over_the_share_are_blocked_until_exactly_those_are_approved(tmp_path, store, make_settings) -> None:
    """5 of 20 emails changed at once (25% > 20%): ERROR identity_blocked, nothing written, a preview
    of old -> new ids without PII; an approval of that change applies it; a different set lapses."""
    rows = _people(20)
    write, sync = _setup(tmp_path, store, make_settings, "carry", rows)
    sync()
    before = _stored(store, "carry")
    for i in range(1, 6):
        rows[i][1] = f"moved{i}@newmail.com"
    write(rows)
    blocked = sync()
    assert blocked.status == "ERROR" and "identity_blocked" in blocked.reason_codes and "guard_blocked" not in blocked.reason_codes
    assert blocked.blocked["kind"] == "carry" and blocked.blocked["count"] == 5 and blocked.carried == 5
    assert _stored(store, "carry") == before, "a blocked sync writes nothing"
    preview = blocked.blocked["preview"]
    assert len(preview) == 5 and all(set(p) == {"id", "to", "row"} for p in preview)
    assert {p["id"] for p in preview} <= set(before) and all(p["to"].startswith("e") for p in preview)
    text = json.dumps(blocked.blocked) + " ".join(blocked.messages)
    assert "@" not in text and "User" not in text and "07911" not in text, "no PII in the blocked change"
    assert blocked.guard["carried"] == 5 and blocked.guard["max_carry"] == 0.2
    # a sixth change after the approval: not what was approved, so it lapses and blocks again
    approve_blocked(store, "carry")
    original = rows[6][1]
    rows[6][1] = "moved6@newmail.com"
    write(rows)
    other = sync()
    assert "approval_lapsed" in other.reason_codes and other.blocked["id"] != blocked.blocked["id"]
    rows[6][1] = original
    write(rows)
    again = sync()
    assert again.blocked["id"] == blocked.blocked["id"], "the change id is the digest of exactly these carries"
    approve_blocked(store, "carry")
    applied = sync()
    assert "approved" in applied.reason_codes and (applied.updated, applied.added, applied.deleted, applied.carried) == (5, 0, 0, 5)
    assert {k for k, (_, d) in _stored(store, "carry").items() if not d} == set(before)
    state = store.get_state("carry")
    assert [(a.kind, a.outcome) for a in state.approvals] == [("carry", "lapsed"), ("carry", "applied")]
    assert sync().written == 0


def test_the_carry_share_is_set_per_sheet_and_checked_at_the_limit(tmp_path, store, make_settings) -> None:
    """Exactly 20% carries pass (the limit is 'more than'); a sheet with max_carry 0.5 lets 25% through."""
    rows = _people(20)
    write, sync = _setup(tmp_path, store, make_settings, "limit", rows)
    sync()
    for i in range(1, 5):
        rows[i][1] = f"moved{i}@newmail.com"
    write(rows)
    assert sync().carried == 4
    rows2 = _people(20)
    write2, sync2 = _setup(tmp_path, store, make_settings, "loose", rows2, max_carry=0.5)
    sync2()
    for i in range(1, 6):
        rows2[i][1] = f"moved{i}@newmail.com"
    write2(rows2)
    loose = sync2()
    assert loose.status == "SUCCESS" and loose.carried == 5


def test_a_carry_block_is_approved_through_the_api_and_shown_in_health(tmp_path, store, make_settings) -> None:
    """Through the v2 handlers: health detail shows the carry block (kind carry, old -> new ids),
    POST approve names it, and the next run applies it and records the approval as applied."""
    import azure.functions as func

    import health_http
    import leads_http
    from shared.service import Runtime, set_runtime

    def call(module, name: str, method: str, url: str, params=None, body: bytes = b"", route=None):
        fn = getattr(module, name).build().get_user_function()
        resp = fn(func.HttpRequest(method=method, url=url, params=params or {}, body=body, route_params=route or {}))
        return resp.status_code, json.loads(resp.get_body())

    rows = _people(20)
    path = tmp_path / "api.csv"
    _write(path, rows)
    rt = Runtime(make_settings(csv_sheet("api", path)), environ={}, store=store)
    set_runtime(rt)
    rt.syncs.run()
    for i in range(1, 9):
        rows[i][1] = f"moved{i}@newmail.com"
    _write(path, rows)
    blocked = rt.syncs.run().sheets[0]
    assert blocked.status == "ERROR" and blocked.blocked["kind"] == "carry"
    status, doc = call(health_http, "health_detail", "GET", "/api/leads/health/detail", {"sheet": "api"})
    sheet = doc["sheets"][0]
    assert sheet["blocked"]["kind"] == "carry" and sheet["awaiting_approval"] and "identity_blocked" in sheet["reason_codes"]
    assert sheet["counts"]["carried"] == 8 and [p["row"] for p in sheet["blocked"]["preview"]] == list(range(2, 10))
    change = sheet["blocked"]["id"]
    status, doc = call(leads_http, "approve_drop", "POST", "/a", body=b"{}", route={"sheet": "api"})
    assert status == 400 and "health/detail" in doc["detail"]  # the contract: name the change shown there
    status, doc = call(leads_http, "approve_drop", "POST", "/a", body=b'{"change": "d0000000000000000"}', route={"sheet": "api"})
    assert status in (400, 409) and change in doc["detail"] and "carry" in doc["detail"]
    status, doc = call(leads_http, "approve_drop", "POST", "/a", body=json.dumps({"change": change}).encode(), route={"sheet": "api"})
    assert status == 200
    applied = rt.syncs.run().sheets[0]
    assert "approved" in applied.reason_codes and applied.updated == 8 and applied.added == 0 and applied.deleted == 0
    status, doc = call(health_http, "health_detail", "GET", "/api/leads/health/detail", {"sheet": "api"})
    assert doc["sheets"][0]["approvals"][-1]["kind"] == "carry" and doc["sheets"][0]["approvals"][-1]["outcome"] == "applied"


# 4. the pure rule, fuzzed

_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéèüñç", min_size=2, max_size=8)


@given(st.lists(_WORD, min_size=1, max_size=4), st.randoms(use_true_random=False))
def test_names_agree_whatever_the_case_accents_and_word_order(words: list[str], rnd) -> None:
    """A name written in another case, without accents, in another order or with a comma agrees."""
    import unicodedata

    shuffled = words[:]
    rnd.shuffle(shuffled)
    plain = "".join(c for c in unicodedata.normalize("NFKD", ", ".join(shuffled)) if not unicodedata.combining(c)).upper()
    a, b = traits({"full_name": " ".join(words)}), traits({"full_name": plain})
    assert names_agree(a.name, b.name)
    assert may_carry(a, b, "p")


@given(st.lists(_WORD, min_size=1, max_size=3, unique=True), st.lists(_WORD, min_size=1, max_size=3, unique=True), st.booleans())
def test_another_name_never_carries(first: list[str], second: list[str], same_firm: bool) -> None:
    """Two names with no word in common never share an id, whatever else they share (phone, firm)."""
    a, b = traits({"full_name": " ".join(first)}), traits({"full_name": " ".join(second)})
    if set(a.name) & set(b.name):
        return
    firm = {"company": "Acme"} if same_firm else {}
    new = traits({"full_name": " ".join(first), "phone": "+447911100000", "email": "x@a.com", **firm})
    old = traits({"full_name": " ".join(second), "phone": "+447911100000", "email": "y@b.com", **firm})
    for basis in "pnr":
        assert not may_carry(new, old, basis)


def test_the_second_attribute_rule() -> None:
    """Which attribute lets a shared phone or name carry an id, and which does not."""
    t = traits
    ann = t({"full_name": "Ann Lee", "email": "ann.lee@old.com", "phone": "+1", "company": "Acme Ltd"})
    assert may_carry(t({"full_name": "Lee Ann", "email": "x@new.com", "phone": "+1"}), ann, "p")  # name
    assert may_carry(t({"email": "Ann_Lee+crm@new.com", "phone": "+1"}), ann, "p")  # local part (dots, case, +tag)
    assert may_carry(t({"email": "", "phone": "+1", "company": "ACME limited"}), ann, "p")  # company, nothing disagreeing
    assert not may_carry(t({"email": "bob@new.com", "phone": "+1", "company": "Acme"}), ann, "p")  # switchboard colleague
    assert not may_carry(t({"full_name": "Bob Stone", "email": "ann.lee@new.com", "phone": "+1"}), ann, "p")  # another name
    assert not may_carry(t({"email": "info@new.com", "phone": "+1"}), t({"email": "info@old.com", "phone": "+1"}), "p")  # roles
    assert not may_carry(t({"full_name": "Ann Lee", "company": "Acme", "email": "a@x.com"}), ann, "n")  # namesake at the firm
    assert may_carry(t({"full_name": "Ann Lee", "company": "Acme", "email": "annlee@x.com"}), ann, "n")
    assert may_carry(
        t({"full_name": "Ann Lee", "company": "Acme", "email": "a@x.com"}), t({"full_name": "Ann Lee", "company": "Acme"}), "n"
    )
    assert may_carry(t({"full_name": "Ann Lee", "phone": "+1"}), t({"phone": "+1"}), "p")  # a phone alone: enriched
    assert not may_carry(t({"phone": "+1"}), t({"full_name": "Ann Lee", "phone": "+1"}), "p")  # the name gone: no evidence
    assert names_agree(("ann", "lee", "marie"), ("ann", "lee")) and not names_agree(("ann",), ("ann", "lee"))
    assert Traits((), "", (), "", "") == t({})


def test_the_carry_limit_is_a_setting_per_deployment_and_per_sheet() -> None:
    """LEAD_SYNC_MAX_CARRY sets the default (a bad value is a problem naming it, never a crash); a
    sheet's max_carry overrides it; a sheet's max_carry outside 0..1 makes that sheet broken."""
    from shared.config import load_settings

    good = {"id": "s1", "customer": "C", "spreadsheet_id": "abcdefghijklmnop"}
    s = load_settings(
        {
            "LEAD_SYNC_MAX_CARRY": "0.35",
            "LEAD_SYNC_SHEETS": json.dumps([good, {**good, "id": "s2", "spreadsheet_id": "bcdefghijklmnopq", "max_carry": 0}]),
        }
    )
    assert s.policy(s.sheets[0]).max_carry == 0.35 and s.policy(s.sheets[1]).max_carry == 0
    assert load_settings({}).max_carry == 0.2
    for bad in ("2", "lots", "nan"):
        b = load_settings({"LEAD_SYNC_MAX_CARRY": bad})
        assert b.max_carry == 0.2 and any("LEAD_SYNC_MAX_CARRY" in p for p in b.problems)
    broken = load_settings({"LEAD_SYNC_SHEETS": json.dumps([{**good, "max_carry": 1.5}])})
    assert not broken.sheets and "max_carry" in broken.broken[0].error


def test_the_carry_check_counts_against_the_larger_sheet_and_skips_tiny_ones() -> None:
    """More than max_carry of the sheet is blocked ('more than': exactly the limit passes); the
    share is of the larger of the high-water mark, stored and incoming; tiny sheets are not checked."""
    from shared.core.guard import GuardPolicy, check_carries

    policy = GuardPolicy(max_carry=0.2, min_baseline=10)
    assert check_carries(4, 20, 20, 20, policy).allowed
    blocked = check_carries(5, 20, 20, 20, policy)
    assert not blocked.allowed and blocked.code == "carry_over_limit" and "25%" in blocked.reason
    assert check_carries(5, 10, 10, 30, policy).allowed, "5 of 30 incoming is 17%"
    assert check_carries(3, 5, 5, 5, policy).allowed, "below the minimum baseline"
    assert check_carries(0, 100, 100, 100, GuardPolicy(max_carry=0.0)).allowed
    assert not check_carries(1, 100, 100, 100, GuardPolicy(max_carry=0.0)).allowed


@given(st.integers(0, 500), st.integers(0, 500), st.integers(0, 500), st.floats(0, 1))
def test_an_allowed_run_never_carries_more_than_the_limit(carried: int, stored: int, incoming: int, limit: float) -> None:
    """Whatever the numbers, an allowed run on a checked sheet carries at most the limit's share."""
    from shared.core.guard import GuardPolicy, check_carries

    d = check_carries(carried, stored, stored, incoming, GuardPolicy(max_carry=limit, min_baseline=10))
    size = max(stored, incoming)
    if d.allowed and size >= 10:
        assert carried <= limit * size + 1e-9
