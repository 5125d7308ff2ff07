"""
Issue 18 §2 (UK GDPR): after an erasure, the person does not come back under another spelling.

End to end against Azurite: a sheet is synced, a person is erased by one address, the sheet is
rewritten with the person's row spelled another way (the family the red team found, and more),
and the next sync must serve no lead of that person, active or deleted. Also: every identifier the
erased leads carried is suppressed and counted in the answer (never shown), stored leads written
by an older release in a spelling storage cannot look up are found, and sheet text that cannot be
encoded as UTF-8 is cleaned with a row issue.
"""

from __future__ import annotations

import csv
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import azure.functions as func
import pytest
import responses

from shared.adapters.google_sheets import GoogleSheetsSource, RateLimiter
from shared.config import SheetConfig
from shared.core.analysis import analyse_sheet
from shared.core.identity import assign_keys
from shared.core.models import Lead
from shared.core.privacy import Identifiers, key_bytes
from shared.service import Runtime, set_runtime
from tests.conftest import csv_sheet
from tests.helpers import TOKEN_URL

KEY = "test-erasure-key-0123456789abcdef"
HEADER = ["Name", "Email", "Phone"]
OTHERS = [[f"Colleague {i}", f"colleague{i}@example.com", f"07700 900{i:03d}"] for i in range(1, 12)]
NAME, PHONE = "Alice Victim", "07911 123456"
E164 = "+447911123456"

# (erased address, how the person's row is written afterwards: email cell, phone cell)
SPELLINGS: dict[str, tuple[str, str, str]] = {
    # the red team's family
    "only the phone": ("alice@example.com", "", PHONE),
    "only the phone, another format": ("alice@example.com", "", "+44 (0)7911-123-456"),
    "display name": ("alice@example.com", "Alice Victim <alice@example.com>", PHONE),
    "two addresses, first": ("alice@example.com", "alice@example.com, alice@work.example", ""),
    "two addresses, second": ("alice@example.com", "alice@work.example, alice@example.com", ""),
    "trailing dot": ("alice@example.com", "alice@example.com.", ""),
    "full-width at sign": ("alice@example.com", "alice\uff20example.com", ""),
    "zero-width space": ("alice@example.com", "ali\u200bce@example.com", ""),
    "plus tag": ("alice@example.com", "alice+leads@example.com", ""),
    "gmail dots": ("alicevictim@gmail.com", "alice.victim@gmail.com", ""),
    # more of the same family
    "mailto": ("alice@example.com", "mailto:alice@example.com", ""),
    "mailto with a subject": ("alice@example.com", "mailto:Alice@Example.com?subject=Hello", ""),
    "upper case": ("alice@example.com", "ALICE@EXAMPLE.COM", ""),
    "full-width letters (NFKC)": (
        "alice@example.com",
        "\uff41\uff4c\uff49\uff43\uff45@\uff45\uff58\uff41\uff4d\uff50\uff4c\uff45\uff0e\uff43\uff4f\uff4d",
        "",
    ),
    "ligature (NFKC)": ("fiona@example.com", "\ufb01ona@example.com", ""),
    "soft hyphen": ("alice@example.com", "al\u00adice@example.com", ""),
    "word joiner and bidi mark": ("alice@example.com", "alice\u2060@\u200fexample.com", ""),
    "byte order mark": ("alice@example.com", "\ufeffalice@example.com", ""),
    "semicolon list": ("alice@example.com", "bob@other.example;alice@example.com", ""),
    "comma list without spaces": ("alice@example.com", "bob@other.example,alice@example.com", ""),
    "space-separated list": ("alice@example.com", "bob@other.example alice@example.com", ""),
    "newline-separated list": ("alice@example.com", "bob@other.example\nalice@example.com", ""),
    "angle brackets without a name": ("alice@example.com", "<alice@example.com>", ""),
    "quoted name with a comma": ("alice@example.com", '"Victim, Alice" <alice@example.com>', ""),
    "spaces around the at sign": ("alice@example.com", "alice @ example.com", ""),
    "a comment after it (kept raw)": ("alice@example.com", "alice@example.com (old address)", ""),
    "googlemail alias": ("alice.victim@gmail.com", "AliceVictim+crm@googlemail.com", ""),
    "erased with a tag, written plain": ("alice+newsletter@example.com", "alice@example.com", ""),
    "erased by display name": ("Alice Victim <alice@example.com>", "alice@example.com", ""),
}


def _write(path: Path, rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([HEADER, *rows])


def _erase(body: dict) -> tuple[int, dict]:
    import privacy_http

    req = func.HttpRequest("POST", "/api/leads/erasures", body=json.dumps(body).encode(), headers={})
    resp = privacy_http.erase_person.build().get_user_function()(req)
    return resp.status_code, json.loads(resp.get_body())


def _setup(make_settings, tmp_path: Path, first_email: str) -> tuple[Runtime, Path]:
    path = tmp_path / "leads.csv"
    _write(path, [[NAME, first_email, PHONE], *OTHERS])
    rt = Runtime(make_settings(csv_sheet("leads", path), erasure_key=KEY), environ={})
    set_runtime(rt)
    assert rt.syncs.run(trigger="test").sheets[0].added == 12
    return rt, path


def _served(rt: Runtime) -> list[dict]:
    return list(rt.store.list_leads(sheet_id="leads", include_deleted=True)[0])


@pytest.mark.parametrize("spelling", sorted(SPELLINGS), ids=lambda s: s.replace(" ", "-"))
def test_an_erased_person_does_not_come_back_under_another_spelling(make_settings, tmp_path, spelling) -> None:
    """Erased by one address, the person's row written another way (or with the phone alone) is withheld and nothing of them is stored."""
    erased, email_cell, phone_cell = SPELLINGS[spelling]
    # As first synced, the row carries the plain address and the phone (what the erased lead holds).
    plain = "fiona@example.com" if erased.startswith("fiona") else "alicevictim@gmail.com" if "gmail" in erased else "alice@example.com"
    rt, path = _setup(make_settings, tmp_path, plain)
    status, doc = _erase({"email": erased})
    assert status == 200 and doc["erased"] == 1, doc

    _write(path, [[NAME, email_cell, phone_cell], *OTHERS])
    report = rt.syncs.run(trigger="test").sheets[0]
    assert report.suppressed == 1, report.to_dict()
    assert report.added == 0 and report.blocked is None
    stored = _served(rt)
    assert len(stored) == 11
    text = json.dumps(stored, ensure_ascii=False, default=str)
    assert NAME not in text and E164 not in text and "alice" not in text.lower() and "fiona" not in text


def test_the_erasure_suppresses_every_identifier_the_erased_leads_carried(make_settings, tmp_path) -> None:
    """Erasing by email lists the lead's phone and its other addresses too; the answer counts them by kind and never shows one."""
    path = tmp_path / "leads.csv"
    _write(path, [[NAME, "alice@example.com; alice@work.example", PHONE], *OTHERS])
    rt = Runtime(make_settings(csv_sheet("leads", path), erasure_key=KEY), environ={})
    set_runtime(rt)
    rt.syncs.run(trigger="test")
    status, doc = _erase({"email": "ALICE@example.com"})
    assert status == 200, doc
    assert doc["erased"] == 1 and doc["identifiers"] == ["email"]
    assert doc["suppressed"] == 3 and doc["suppressed_kinds"] == {"email": 2, "phone": 1} and doc["suppressed_from_leads"] == 2
    assert "alice" not in json.dumps(doc) and "7911" not in json.dumps(doc)
    # each of them alone keeps the person out
    for email, phone in (("alice@work.example", ""), ("", "+44 7911 123456")):
        _write(path, [["A. Victim", email, phone], *OTHERS])
        report = rt.syncs.run(trigger="test").sheets[0]
        assert report.suppressed == 1 and report.added == 0, report.to_dict()
    entries = rt.store.load_suppressions()
    assert set(Identifiers("alice@work.example", E164).hashes(key_bytes(KEY))) <= set(entries)


def test_an_identifier_the_erased_lead_shares_with_someone_else_is_not_listed(make_settings, tmp_path) -> None:
    """A phone the erased lead shares with another person's lead (a switchboard) is not listed: that person stays, untouched."""
    path = tmp_path / "leads.csv"
    _write(path, [[NAME, "alice@example.com", PHONE], ["Other Person", "other@example.com", PHONE], *OTHERS])
    rt = Runtime(make_settings(csv_sheet("leads", path), erasure_key=KEY), environ={})
    set_runtime(rt)
    rt.syncs.run(trigger="test")
    status, doc = _erase({"email": "alice@example.com"})
    assert status == 200 and doc["erased"] == 1 and doc["suppressed_kinds"] == {"email": 1, "phone": 0}, doc
    report = rt.syncs.run(trigger="test").sheets[0]
    assert report.suppressed == 1 and report.added == 0
    assert [x["full_name"] for x in _served(rt) if x.get("phone") == E164] == ["Other Person"]


def test_a_lead_stored_by_an_older_release_in_an_odd_spelling_is_found(make_settings, tmp_path, store) -> None:
    """A stored email that storage cannot look up by equality (a zero-width space an older release kept, a raw invalid cell) is erased."""
    path = tmp_path / "leads.csv"
    _write(path, OTHERS)
    rt = Runtime(make_settings(csv_sheet("leads", path), erasure_key=KEY), environ={}, store=store)
    set_runtime(rt)
    rt.syncs.run(trigger="test")
    sheet = rt.settings.sheets[0]
    old = [
        Lead(90, {"full_name": NAME, "email": "ali\u200bce@example.com"}, {}, {}),  # what 8d5bad0 stored
        Lead(91, {"full_name": "A. Victim"}, {}, {"email": "alice@example.com (old)"}),  # kept raw as invalid
    ]
    keyed, _ = assign_keys(old)
    store.write_leads(sheet, keyed, datetime.now(UTC))
    status, doc = _erase({"email": "alice@example.com"})
    assert status == 200 and doc["erased"] == 2, doc
    text = json.dumps(_served(rt), ensure_ascii=False, default=str)
    assert "Victim" not in text


def test_an_erasure_request_listing_two_addresses_erases_both(make_settings, tmp_path) -> None:
    """Every address of the request's email text is an identifier."""
    path = tmp_path / "leads.csv"
    _write(path, [[NAME, "alice@example.com", ""], ["Alice at work", "alice@work.example", ""], *OTHERS])
    rt = Runtime(make_settings(csv_sheet("leads", path), erasure_key=KEY), environ={})
    set_runtime(rt)
    rt.syncs.run(trigger="test")
    status, doc = _erase({"email": "Alice <alice@example.com>; alice@work.example"})
    assert status == 200 and doc["erased"] == 2 and doc["suppressed_kinds"] == {"email": 2, "phone": 0}
    assert doc["suppressed_from_leads"] == 0


VALUES_URL = "https://sheets.googleapis.com/v4/spreadsheets/1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789/values/"


def test_sheet_text_that_cannot_be_encoded_is_cleaned_with_a_row_issue(account) -> None:
    """A lone surrogate sent by the Sheets API (JSON \\ud800) is replaced with U+FFFD, reported as a row issue, and the rows get ids."""
    body = (
        '{"range": "Leads!A1:C4", "majorDimension": "ROWS", "values": ['
        '["Name", "Email", "Phone"], ["Al\\ud800ice", "alice@example.com", "07911 123456"],'
        '["Bob", "bob@example.com", "07911 123457"], ["Cy\\udc80", "cy\\udfff@example.com", "07911 123458"]]}'
    )
    sheet = SheetConfig(
        id="g1", customer="Acme", source="google", spreadsheet_id="1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789", worksheet="Leads"
    )
    with responses.RequestsMock(assert_all_requests_are_fired=False) as api:
        api.add(responses.POST, TOKEN_URL, json={"access_token": "ya29.test", "expires_in": 3600, "token_type": "Bearer"})
        api.add(responses.GET, re.compile(re.escape(VALUES_URL) + ".*"), body=body, content_type="application/json")
        grid = GoogleSheetsSource(account, limiter=RateLimiter(6000, sleep=lambda s: None), sleep=lambda s: None).fetch(sheet)
    assert "\ud800" in grid[1][0]  # what the API sent
    a = analyse_sheet(grid)
    assert [(i.row, i.code) for i in a.issues if i.code == "unencodable_text"] == [(1, "unencodable_text"), (3, "unencodable_text")]
    assert "unencodable_text" in a.reasons and "rows 2, 4" in " ".join(a.messages)
    names = [lead.fields.get("full_name") for lead in a.leads]
    assert names == ["Al\ufffdice", "Bob", "Cy\ufffd"]
    assert a.leads[2].fields.get("email") is None and a.leads[2].invalid["email"] == "cy\ufffd@example.com"
    keyed, _ = assign_keys(a.leads)  # raised UnicodeEncodeError before
    assert len({k.key for k in keyed}) == 3
    assert grid[1][0] == "Al\ud800ice"  # the caller's grid is not changed
