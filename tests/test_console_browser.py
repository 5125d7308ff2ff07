"""
The operator console in a real browser (issue 21): Playwright drives Debian's chromium
(``/usr/bin/chromium``; Playwright's own browser builds are never downloaded) against the dev
server, Azurite and a queue worker, with Google Sheets answered at the HTTP layer (``responses``)
while the real gspread code runs. Each page's screenshot is written under ``.artifacts/console``.
"""

from __future__ import annotations

import json
import os
import re
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import responses

from shared.adapters.sheet_table import write_sheet_entries
from shared.config import StorageTarget
from shared.console.principal import encode_principal
from shared.service import Runtime, set_runtime
from tests.conftest import ROOT
from tests.helpers import TOKEN_URL, TWENTY_PEOPLE, write_rows

CHROMIUM = Path(os.environ.get("LEAD_SYNC_CHROMIUM") or "/usr/bin/chromium")
"""Debian's chromium; LEAD_SYNC_CHROMIUM names another build of it (GitHub's runners ship Google Chrome)."""
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / ".artifacts" / "console"
SPREADSHEET = "1GlobexLeadsSheet0123456789abcdef"
VALUES_URL = f"https://sheets.googleapis.com/v4/spreadsheets/{SPREADSHEET}/values/"
OPERATOR = "olivia.operator@example.com:Reader,Operator"
READER = "rey.reader@example.com:Reader"
PRIVACY = "pat.privacy@example.com:Reader,Privacy"
EVERYONE = "ada.admin@example.com:Reader,Operator,Privacy"

# Skipped only on a developer's machine without chromium; in CI (scripts/bootstrap installs it) a
# missing browser fails the run instead of hiding the scenario.
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"), reason="chromium is not installed (scripts/bootstrap installs it as root)"
)

GLOBEX = {
    "range": "'Leads'!A1:E26",
    "majorDimension": "ROWS",
    "values": [["Globex inbound leads"], ["Full Name", "E-mail", "Mobile", "Company", "Comments"]]
    + [[f"Person {i}", f"p{i}@globex.example", f"07911 123{i:03d}", "Globex", f"wave {i % 3}"] for i in range(24)],
}


@dataclass
class Console:
    base: str
    runtime: Runtime
    tmp: Path
    sheets_table: str
    monkeypatch: pytest.MonkeyPatch

    def sign_in(self, who: str | None) -> None:
        """The dev server's development principal for the next requests (None: nobody)."""
        if who is None:
            self.monkeypatch.delenv("LEAD_SYNC_DEV_PRINCIPAL", raising=False)
        else:
            self.monkeypatch.setenv("LEAD_SYNC_DEV_PRINCIPAL", who)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def console(make_settings, tmp_path, monkeypatch, account) -> Iterator[Console]:
    """Dev server + queue worker over Azurite, a sheets table holding one CSV sheet (20 leads, synced), Google mocked."""
    from scripts.devserver import make_server
    from scripts.queue_worker import Worker

    write_rows(tmp_path / "acme.csv", TWENTY_PEOPLE)
    table = f"sheets{uuid.uuid4().hex[:10]}"
    settings = make_settings(
        sheets_table=table,
        base_dir=tmp_path,
        console_signed_in=True,
        console_key="console-test-key-0123456789",
        erasure_key="erasure-test-key-0123456789abcdef",
        google_credentials=account,
    )
    write_sheet_entries(
        StorageTarget(connection_string=settings.storage_connection),
        table,
        [{"id": "acme", "customer": "Acme Ltd", "source": "csv", "path": "acme.csv"}],
    )
    rt = Runtime(settings)
    set_runtime(rt)
    rt.store.ensure_tables()  # type: ignore[attr-defined]
    assert rt.syncs.run().status in ("SUCCESS", "WARNING")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as google:
        google.add_passthru(re.compile(r"http://127\.0\.0\.1[:/]"))
        google.add(responses.POST, TOKEN_URL, json={"access_token": "ya29.test", "expires_in": 3600, "token_type": "Bearer"})
        google.add(responses.GET, re.compile(re.escape(VALUES_URL) + ".*"), json=GLOBEX)
        server = make_server("127.0.0.1", 0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        stop = threading.Event()
        worker = Worker.from_host_json(rt.queue)  # type: ignore[arg-type]
        threading.Thread(target=worker.run_forever, args=(stop, 0.2), daemon=True).start()
        try:
            yield Console(f"http://127.0.0.1:{server.server_address[1]}", rt, tmp_path, table, monkeypatch)
        finally:
            stop.set()
            server.shutdown()
            server.server_close()


@pytest.fixture
def page(browser) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    yield pg
    context.close()


def shot(page: Any, name: str) -> None:
    """Save the page's screenshot as a test artifact (``.artifacts/console/<name>.png``)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def audit(rt: Runtime) -> list[dict[str, Any]]:
    items, _ = rt.store.list_audit(50)
    return items


def test_onboard_a_sheet_with_an_override_preview_save_and_first_sync(console: Console, page: Any) -> None:
    """
    Onboarding: the form reads the Google sheet, shows the header row and each column's field with
    its reason; an override changes the preview; saving writes the sheets table (audited with the
    signed-in user) and starts the first sync, whose progress the page polls until done; the
    overview then lists the sheet with its leads.
    """
    console.sign_in(EVERYONE)
    page.goto(f"{console.base}/console/onboard")
    page.get_by_label("Google Sheets address or id").fill(f"https://docs.google.com/spreadsheets/d/{SPREADSHEET}/edit#gid=0")
    page.get_by_label("Tab (empty: the first tab)").fill("Leads")
    page.get_by_label("Customer", exact=True).fill("Globex")
    page.get_by_role("button", name="Read the sheet").click()
    page.get_by_text("What the app found").wait_for()
    assert "Header row: 2" in page.inner_text("main")
    mapping = page.locator("table.mapping")
    assert "E-mail" in mapping.inner_text() and "email" in mapping.inner_text()
    comments = mapping.locator("tr", has_text="Comments")
    comments.get_by_label("Field for column E").select_option("campaign")
    page.get_by_role("button", name="Preview again").click()
    page.get_by_text("What the app found").wait_for()
    assert "campaign" in page.locator("table.preview thead").inner_text()
    assert "wave 0" in page.locator("table.preview tbody tr").first.inner_text()
    assert len(page.locator("table.preview tbody tr").all()) == 20
    shot(page, "onboard")
    page.get_by_role("button", name="Save and start the first sync").click()
    page.wait_for_url(re.compile(r"^http://127\.0\.0\.1:\d+/console/sheets/globex\?"))
    page.locator("#progress").wait_for()  # the first sync's progress, polled until it is done
    page.get_by_text("Sync finished").wait_for(timeout=60_000)
    assert page.locator("#progress").count() == 0 and "24 leads stored" in page.inner_text("main")
    shot(page, "sheet-first-sync")
    entry = console.runtime.sheet_admin.entry("globex").entry
    assert entry["overrides"] == {"Comments": "campaign"} and entry["spreadsheet_id"] == SPREADSHEET
    added = next(a for a in audit(console.runtime) if a["action"] == "sheet_added")
    assert added["actor"] == "ada.admin@example.com" and added["sheets"] == ["globex"]
    assert "p0@globex.example" not in json.dumps(added)  # configuration only, never a lead value
    page.goto(f"{console.base}/console?q=globex")
    row = page.locator("table.sheets tbody tr", has_text="Globex")
    assert "24" in row.inner_text()
    shot(page, "overview-onboarded")
    state = console.runtime.store.get_state("globex")
    assert state is not None and state.baseline == 24


def test_a_blocked_drop_is_shown_with_evidence_and_only_an_operator_approves_it(console: Console, page: Any) -> None:
    """
    The sheet loses 80% of its rows: its page shows the block and the leads that would go; a Reader
    sees no Approve and is refused (403) when posting anyway; an Operator approves with a reason, the
    next sync soft-deletes exactly those leads, and the audit trail names the operator.
    """
    rt = console.runtime
    write_rows(console.tmp / "acme.csv", TWENTY_PEOPLE[:5])  # 4 of 20 leads left
    rt.syncs.run(only="acme")
    state = rt.store.get_state("acme")
    assert state is not None and state.blocked is not None
    console.sign_in(READER)
    page.goto(f"{console.base}/console/sheets/acme")
    page.get_by_role("heading", name="Blocked change").wait_for()
    assert page.get_by_role("button", name="Approve this change").count() == 0
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    refused = page.request.post(
        f"{console.base}/console/sheets/acme/approve", form={"csrf": token, "change": state.blocked.id, "reason": "x"}
    )
    assert refused.status == 403 and "LeadSync.Operator" in refused.text()
    assert rt.store.get_state("acme").approval is None  # type: ignore[union-attr]

    console.sign_in(OPERATOR)
    page.goto(f"{console.base}/console/sheets/acme")
    blocked = page.locator("section.blocked")
    assert "16" in blocked.inner_text() and "u10@example.com" in blocked.inner_text()  # the evidence: which leads go
    shot(page, "sheet-blocked")
    # By keyboard alone: the reason, Tab to Approve, Enter.
    page.get_by_label("Why this change is right").focus()
    page.keyboard.type("customer archived old leads")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Approve this change"
    page.keyboard.press("Enter")
    page.get_by_text("Approved.").wait_for()
    rt.syncs.run(only="acme")
    leads, _, _ = rt.store.list_leads(sheet_id="acme", include_deleted=True, page_size=100)
    assert sum(1 for lead in leads if lead["deleted"]) == 16 and len(leads) == 20
    approval = next(a for a in audit(rt) if a["action"] == "approval")
    assert approval["actor"] == "olivia.operator@example.com"
    page.goto(f"{console.base}/console/sheets/acme")
    assert page.locator("section.blocked").count() == 0
    shot(page, "sheet")


def test_erase_a_person_from_the_privacy_page_and_the_audit_shows_it(console: Console, page: Any) -> None:
    """Privacy: the form first says how many leads in which sheets will go, then erases them; the audit lists the erasure by the signed-in user."""
    console.sign_in(PRIVACY)
    page.goto(f"{console.base}/console/privacy")
    page.get_by_role("region", name="Erase a person").get_by_label("Email").fill("U3@Example.com")
    page.get_by_role("button", name="Find their leads").click()
    confirm = page.locator("form.confirm")
    assert "1 lead " in confirm.inner_text() and "acme (1)" in confirm.inner_text()
    assert len(console.runtime.store.list_leads(sheet_id="acme", page_size=100)[0]) == 20  # nothing erased yet
    shot(page, "privacy-confirm")
    confirm.get_by_role("button", name="Erase").click()
    page.get_by_text("Erased 1 lead").wait_for()
    emails = {lead["email"] for lead in console.runtime.store.list_leads(sheet_id="acme", include_deleted=True, page_size=100)[0]}
    assert "u3@example.com" not in emails and len(emails) == 19
    row = page.locator("table.audit tbody tr").first
    assert "erasure" in row.inner_text() and "pat.privacy@example.com" in row.inner_text()
    assert "u3@example.com" not in page.locator("table.audit").inner_text().lower()
    shot(page, "privacy")


def test_forged_principal_and_missing_csrf_token_are_refused(console: Console, page: Any) -> None:
    """A client's own X-MS-CLIENT-PRINCIPAL is stripped (401 without a dev principal); a POST without a valid CSRF token is 403 and changes nothing."""
    console.sign_in(None)
    forged = encode_principal("mallory@example.com", ["LeadSync.Reader", "LeadSync.Operator", "LeadSync.Privacy"])
    answer = page.request.get(f"{console.base}/console", headers={"X-MS-CLIENT-PRINCIPAL": forged})
    assert answer.status == 401 and "mallory" not in answer.text()
    console.sign_in(EVERYONE)
    answer = page.request.post(f"{console.base}/console/sheets/acme/sync", form={"x": "1"})
    assert answer.status == 403 and "security token" in answer.text()
    answer = page.request.post(f"{console.base}/console/sheets/acme/sync", form={"csrf": "1.deadbeef"})
    assert answer.status == 403
    headers = page.request.get(f"{console.base}/console").headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"] and "unsafe-inline" not in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"] == "no-referrer"


def test_the_console_is_at_console_and_its_old_address_redirects(console: Console, page: Any) -> None:
    """
    The console lives at /console and the API stays under /api (host.json's routePrefix is empty,
    each route names its prefix): a bookmark of /api/console/... lands on the same page below
    /console (308, query kept); the API's URLs are unchanged and nothing answers outside the two.
    """
    console.sign_in(EVERYONE)
    page.goto(f"{console.base}/api/console/settings?from=bookmark")
    assert page.url == f"{console.base}/console/settings?from=bookmark"
    page.get_by_role("heading", name="Settings check").wait_for()
    moved = page.request.get(f"{console.base}/api/console", max_redirects=0)
    assert moved.status == 308 and moved.headers["location"] == "/console"
    health = page.request.get(f"{console.base}/api/leads/health")
    assert health.status == 200 and health.json()["status"] in ("SUCCESS", "WARNING", "ERROR")
    assert page.request.get(f"{console.base}/leads/health").status == 404


def test_every_page_passes_axe_without_serious_violations(console: Console, browser: Any) -> None:
    """axe-core finds no serious or critical accessibility violation on any console page; each page's screenshot is saved."""
    rt = console.runtime
    write_rows(console.tmp / "acme.csv", TWENTY_PEOPLE[:5])
    rt.syncs.run(only="acme")  # the sheet page with a blocked change
    rt.settings = rt.settings.__class__(
        **{**rt.settings.__dict__, "webhook_key": "d2VibW9va2Via2V5d2VibW9va2Via2V5d2VibW9va2U=", "webhook_allow_loopback": True}
    )
    rt.webhooks.create(
        "http://127.0.0.1:9/hooks/leads", "whsec_" + "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI=", ["Acme Ltd"], ["lead.created"]
    )
    console.sign_in(EVERYONE)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    pages = {
        "overview": "/console",
        "sheet-acme": "/console/sheets/acme",
        "onboard-form": "/console/onboard",
        "privacy-form": "/console/privacy",
        "settings": "/console/settings",
        "webhooks": "/console/webhooks",
    }
    found: dict[str, list[str]] = {}
    for name, path in pages.items():
        page.goto(console.base + path)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        bad = [f"{v['id']}: {v['help']}" for v in result["violations"] if v["impact"] in ("serious", "critical")]
        if bad:
            found[name] = bad
        shot(page, name)
    context.close()
    assert found == {}
