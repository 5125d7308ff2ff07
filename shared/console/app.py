"""
The operator console (``/console``): server-rendered pages over the service's use cases.

Every request: the principal from App Service Authentication (trusted only when the platform
says sign-in is on), the role its action needs checked here, on the server (``ROLE_OF``), a CSRF
token on every POST, security headers on every answer. Bad input re-renders the form with the
message beside its field; an unexpected failure answers a page with an error id (logged with
the type and place only, never a value). Like ``shared.web``, this module knows HTTP.
"""

from __future__ import annotations

import logging
import re
import time
import traceback
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, quote, urlencode, urlsplit

import azure.functions as func

from ..core.models import CANONICAL_FIELDS, DEFAULT_REQUIRED
from ..errors import (
    ConfigError,
    ConflictError,
    ExpiredError,
    InvalidFieldError,
    InvalidRequestError,
    LeadSyncError,
    NotFoundError,
    StoreError,
    UnknownRunError,
    UnknownSheetError,
)
from ..service import ApprovalRequest, AuditQuery, ErasureRequest, HealthQuery, SyncRequest, get_runtime
from ..service.inputs import SheetDraft, SheetEdit
from ..service.sheets import column_letter
from . import csrf
from .principal import OPERATOR, PRIVACY, READER, ROLES, Principal, parse_principal
from .render import SECURITY_HEADERS, STATIC, render

log = logging.getLogger("leadsync.console")

BASE = "/console"
MOVED_FROM = "/api/console"
"""Where the console was served before; it redirects to ``BASE`` for one release (``moved``)."""
MAX_FORM_BYTES = 64 * 1024
PAGE_SIZE = 50
"""Sheets per overview page (a page stays well below 100 KB, sparklines included)."""
SHEET_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
RUN_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
SPREADSHEET_URL = re.compile(r"/spreadsheets/d/([A-Za-z0-9_-]{10,200})")
SPREADSHEET_ID = re.compile(r"^[A-Za-z0-9_-]{10,200}$")
STATIC_FILES = {"htmx.min.js": "text/javascript", "console.css": "text/css"}
SORTS = ("customer", "sheet", "status", "last_run", "leads")
SHOWS = ("all", "error", "warning", "blocked", "stale", "paused")
STATUS_RANK = {"ERROR": 0, "WARNING": 1, "SUCCESS": 2}
ERRORS: tuple[tuple[type[LeadSyncError], int], ...] = (
    (InvalidRequestError, 400),
    (UnknownSheetError, 404),
    (NotFoundError, 404),
    (UnknownRunError, 404),
    (ConflictError, 409),
    (ExpiredError, 410),
    (ConfigError, 503),
    (StoreError, 503),
)
NOTICES = {
    "approved": "Approved. The next sync applies exactly this change.",
    "paused": "Paused: the timer skips this sheet until it is resumed.",
    "resumed": "Resumed: the next timer run syncs this sheet.",
    "override": "Column override saved: the next sync reads the column that way.",
    "saved": "Sheet saved. Its first sync has started.",
    "saved_nosync": "Sheet saved. The next timer run syncs it.",
    "sync": "Sync started.",
    "synced": "Sync finished: the page shows its result.",
    "subscribed": "Subscribed: new lead events go to the receiver from now on.",
    "disabled": "Disabled: events wait in the log (7 days) until it is enabled again.",
    "enabled": "Enabled: waiting events are delivered within a minute.",
    "replayed": "Marked for delivery again: the receiver gets them within a minute.",
}


@dataclass
class Page:
    """An answer before it becomes an ``HttpResponse``: status, body, content type and extra headers."""

    status: int = 200
    body: str | bytes = ""
    mimetype: str = "text/html"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Ctx:
    """One request as a view sees it."""

    req: func.HttpRequest
    path: str
    principal: Principal
    token: str
    form: Mapping[str, str]

    def q(self, name: str, default: str = "") -> str:
        return (self.req.params.get(name) or default)[:500]


def _redirect(location: str) -> Page:
    return Page(303, "", "text/plain", {"Location": location})


def _to_http(page: Page) -> func.HttpResponse:
    headers = {**SECURITY_HEADERS, **page.headers}
    return func.HttpResponse(page.body, status_code=page.status, mimetype=page.mimetype, charset="utf-8", headers=headers)


def _html(ctx: Ctx | None, template: str, status: int = 200, **values: Any) -> Page:
    principal = ctx.principal if ctx else None
    values.setdefault("notice", NOTICES.get(ctx.q("notice")) if ctx else None)
    return Page(
        status,
        render(
            template,
            base=BASE,
            principal=principal,
            csrf=ctx.token if ctx else "",
            roles={"reader": READER, "operator": OPERATOR, "privacy": PRIVACY},
            can_operate=bool(principal and principal.can(OPERATOR)),
            can_privacy=bool(principal and principal.can(PRIVACY)),
            **values,
        ),
    )


def _error_page(ctx: Ctx | None, status: int, title: str, message: str) -> Page:
    return _html(ctx, "error.html", status, title=title, message=message, nav="")


# routing

View = Callable[..., Page]
ROUTES: list[tuple[str, re.Pattern[str], str, View]] = []


def route(method: str, pattern: str, role: str) -> Callable[[View], View]:
    """Register a view for ``method`` on ``pattern`` (below ``/console``), needing ``role``."""

    def register(view: View) -> View:
        ROUTES.append((method, re.compile(f"^{pattern}$"), role, view))
        return view

    return register


def _form(req: func.HttpRequest) -> dict[str, str]:
    raw = req.get_body() or b""
    if len(raw) > MAX_FORM_BYTES:
        raise InvalidRequestError(f"the form is larger than {MAX_FORM_BYTES // 1024} KiB")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidRequestError("the form is not UTF-8") from None
    return {k: v[0] for k, v in parse_qs(text, keep_blank_values=True, max_num_fields=500).items()}


def handle(req: func.HttpRequest) -> func.HttpResponse:
    """Answer one console request; never raises."""
    try:
        return _to_http(_handle(req))
    except Exception as e:  # the guard: a page with an error id, never a trace
        error_id = uuid.uuid4().hex[:12]
        tb = traceback.extract_tb(e.__traceback__)
        where = f"{tb[-1].filename.rsplit('/', 1)[-1]}:{tb[-1].lineno}" if tb else "?"
        log.error("console_error id=%s type=%s at=%s", error_id, type(e).__name__, where)
        body = f"<!doctype html><title>Error</title><p>Something went wrong (error {error_id}). It was logged; try again.</p>"
        return _to_http(Page(500, body))


def moved(req: func.HttpRequest) -> func.HttpResponse:
    """
    ``/api/console...`` -> ``/console...`` with the same query: 308, so a form posted to the old
    address is posted again (method and body kept) to the new one. Kept for one release.
    """
    url = urlsplit(req.url)
    rest = url.path[len(MOVED_FROM) :] if url.path.startswith(MOVED_FROM) else ""
    if rest and not rest.startswith("/"):
        rest = ""
    location = BASE + rest + (f"?{url.query}" if url.query else "")
    return _to_http(Page(308, "", "text/plain", {"Location": location}))


def _handle(req: func.HttpRequest) -> Page:
    path = urlsplit(req.url).path
    rel = path[len(BASE) :] if path.startswith(BASE) else path
    rel = rel.rstrip("/") or "/"
    if rel.startswith("/static/"):
        return _static(rel[len("/static/") :])
    settings = get_runtime().settings
    principal = parse_principal(dict(req.headers.items())) if settings.console_signed_in else None
    if principal is None:
        if settings.console_signed_in and settings.console_login and req.method.upper() == "GET" and settings.console_login.startswith("/"):
            back = quote(path + (f"?{urlsplit(req.url).query}" if urlsplit(req.url).query else ""), safe="/")
            return Page(302, "", "text/plain", {"Location": f"{settings.console_login}?post_login_redirect_uri={back}"})
        why = (
            "Sign in first: open /.auth/login/aad?post_login_redirect_uri=/console."
            if settings.console_signed_in
            else "Sign-in is not set up: the console needs App Service Authentication (Entra ID) in front of the app "
            "(WEBSITE_AUTH_ENABLED); locally, set LEAD_SYNC_DEV_PRINCIPAL for the dev server."
        )
        page = _error_page(None, 401, "Sign in", why)
        page.headers["WWW-Authenticate"] = 'Bearer realm="console"'
        return page
    method = req.method.upper()
    candidates = [(m, p.match(rel), role, view) for m, p, role, view in ROUTES]
    hits = [(m, match, role, view) for m, match, role, view in candidates if match is not None]
    if not hits:
        return _error_page(None, 404, "Not found", "There is no such console page.")
    hit = next(((match, role, view) for m, match, role, view in hits if m == method), None)
    if hit is None:
        page = _error_page(None, 405, "Method not allowed", "This page does not take that method.")
        page.headers["Allow"] = ", ".join(sorted({m for m, _, _, _ in hits}))
        return page
    match, role, view = hit
    token = csrf.make_token(settings.console_key, principal.id, time.time())
    base_ctx = Ctx(req, rel, principal, token, {})
    if not (principal.can(role) if role != READER else principal.any_role):
        need = role if role != READER else " or ".join(ROLES)
        return _error_page(base_ctx, 403, "Not allowed", f"This needs the {need} role, which your account does not have.")
    form: dict[str, str] = {}
    if method == "POST":
        try:
            form = _form(req)
        except InvalidRequestError as e:
            return _error_page(base_ctx, 400, "Bad form", str(e))
        if not csrf.check_token(settings.console_key, principal.id, form.get("csrf"), time.time()):
            return _error_page(
                base_ctx, 403, "Form refused", "The form had no valid security token (expired, or sent from another site): reload the page."
            )
    ctx = Ctx(req, rel, principal, token, form)
    try:
        return view(ctx, **match.groupdict())
    except LeadSyncError as e:
        status = next((s for t, s in ERRORS if isinstance(e, t)), 500)
        if status == 500:
            raise
        return _error_page(ctx, status, type(e).__name__.removesuffix("Error") or "Error", str(e))


def _static(name: str) -> Page:
    mimetype = STATIC_FILES.get(name)
    if mimetype is None:
        return Page(404, "not found", "text/plain")
    return Page(200, (STATIC / name).read_bytes(), mimetype, {"Cache-Control": "public, max-age=3600"})


# overview


def _row(entry: Mapping[str, Any]) -> dict[str, Any]:
    codes = list(entry.get("reason_codes") or [])
    return {
        "sheet_id": entry["sheet_id"],
        "customer": entry.get("customer") or "",
        "status": entry.get("status") or "WARNING",
        "reason": "; ".join(str(m) for m in (entry.get("messages") or [])[:2]) or "synced",
        "last_run_at": entry.get("last_run_at"),
        "leads": entry.get("leads"),
        "stale": "stale" in codes,
        "blocked": bool(entry.get("awaiting_approval")),
        "paused": entry.get("enabled") is False,
        "runs": list(entry.get("recent_runs") or []),
    }


def _shown(row: Mapping[str, Any], show: str) -> bool:
    return (
        show == "all"
        or (show == "error" and row["status"] == "ERROR")
        or (show == "warning" and row["status"] == "WARNING")
        or (show in ("blocked", "stale", "paused") and bool(row[show]))
    )


def overview_rows(doc: Mapping[str, Any], q: str, show: str, sort: str, descending: bool) -> list[dict[str, Any]]:
    """The overview's rows: filtered by text (customer or sheet id) and kind, sorted."""
    needle = q.casefold().strip()
    rows = [_row(e) for e in doc.get("sheets", [])]
    rows = [r for r in rows if _shown(r, show) and (not needle or needle in r["customer"].casefold() or needle in r["sheet_id"].casefold())]
    keys: dict[str, Callable[[dict[str, Any]], Any]] = {
        "customer": lambda r: (r["customer"].casefold(), r["sheet_id"]),
        "sheet": lambda r: r["sheet_id"],
        "status": lambda r: (STATUS_RANK.get(r["status"], 0), not r["blocked"], r["customer"].casefold()),
        "last_run": lambda r: r["last_run_at"] or "",
        "leads": lambda r: r["leads"] or 0,
    }
    rows.sort(key=keys[sort], reverse=descending)
    return rows


@route("GET", "/", READER)
def overview(ctx: Ctx) -> Page:
    show = ctx.q("show", "all") if ctx.q("show", "all") in SHOWS else "all"
    raw_sort = ctx.q("sort", "status")
    descending = raw_sort.startswith("-")
    sort = raw_sort.lstrip("-") if raw_sort.lstrip("-") in SORTS else "status"
    q = ctx.q("q")[:200]
    try:
        page = max(1, int(ctx.q("page", "1")))
    except ValueError:
        page = 1
    view = get_runtime().health.overview(runs=10)
    doc = view.doc
    rows = overview_rows(doc, q, show, sort, descending)
    pages = max(1, -(-len(rows) // PAGE_SIZE))
    page = min(page, pages)
    all_rows = [_row(e) for e in doc.get("sheets", [])]
    totals = {
        "sheets": len(all_rows),
        "error": sum(1 for r in all_rows if r["status"] == "ERROR"),
        "blocked": sum(1 for r in all_rows if r["blocked"]),
        "stale": sum(1 for r in all_rows if r["stale"]),
        "paused": sum(1 for r in all_rows if r["paused"]),
    }

    def link(**change: Any) -> str:
        params = {"q": q, "show": show, "sort": ("-" if descending else "") + sort, "page": page} | change
        return f"{BASE}?{urlencode({k: v for k, v in params.items() if v not in ('', None)})}"

    return _html(
        ctx,
        "overview.html",
        nav="overview",
        rows=rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE],
        matched=len(rows),
        totals=totals,
        problems=doc.get("problems", []),
        overall=doc.get("status"),
        q=q,
        show=show,
        shows=SHOWS,
        sort=sort,
        descending=descending,
        sorts=SORTS,
        page=page,
        pages=pages,
        link=link,
        storage_ok=view.storage_ok,
    )


# one sheet


def _sheet_id(value: str) -> str:
    if not SHEET_ID.match(value or ""):
        raise InvalidRequestError("a sheet id is 1-64 letters, digits, '_' or '-'")
    return value


@route("GET", "/sheets/(?P<sheet>[^/]+)", READER)
def sheet_page(ctx: Ctx, sheet: str, errors: Mapping[str, str] | None = None, status: int = 200) -> Page:
    rt = get_runtime()
    sheet = _sheet_id(sheet)
    doc = rt.health.detail(HealthQuery(runs=20, sheet_id=sheet)).doc
    entry: dict[str, Any] = doc["sheets"][0] if doc.get("sheets") else {"sheet_id": sheet}
    config = rt.settings.sheet(sheet)
    inspection, inspect_error, stored_mapping = None, None, []
    # A Google read costs quota the syncs share: a Google sheet is read on request; a file always.
    read_now = config is not None and (config.source == "csv" or ctx.q("read") == "1")
    if read_now:
        try:
            inspection = rt.sheet_admin.inspect(sheet)
        except LeadSyncError as e:
            inspect_error = str(e)
    else:
        try:
            state = rt.read_store.get_state(sheet)
        except (StoreError, ConfigError):
            state = None
        stored_mapping = [{"letter": column_letter(i), "header": name, "field": f} for i, name, f in (state.mapping if state else ())]
    stored: list[dict[str, Any]] = []
    stored_error = None
    try:
        items, _, _ = rt.read_store.list_leads(sheet_id=sheet, page_size=5)
        stored = sorted(items[:5], key=lambda lead: lead.get("row") or 0)
    except (StoreError, ConfigError, ValueError) as e:
        stored_error = str(e)
    editable, etag, edit_note = False, "", None
    if rt.settings.sheets_table is not None:
        try:
            found = rt.sheet_admin.entry(sheet)
            editable, etag = True, found.etag
        except LeadSyncError as e:
            edit_note = str(e)
    else:
        edit_note = "This sheet is configured in LEAD_SYNC_SHEETS (or a file): pause, resume and overrides are made there."
    evidence: list[dict[str, Any]] = []
    blocked: dict[str, Any] = entry.get("blocked") or {}
    for item in (blocked.get("preview") or [])[:10]:
        try:
            lead = rt.read_store.get_lead(sheet, str(item.get("id")))
        except (StoreError, ConfigError):
            lead = None
        evidence.append({"row": item.get("row"), **(lead or {})})
    run_id = ctx.q("run")
    shown_fields = [f for f in CANONICAL_FIELDS if any(lead.get(f) for lead in stored)]
    notify, notify_note = None, None
    if config is not None and ctx.principal.can(OPERATOR):
        # The sheet's change-notification script (issue 22) holds its token: operators only.
        from ..web import public_origin

        try:
            notify = rt.changes.setup(sheet, f"{public_origin(ctx.req)}/api/leads/sheets/{sheet}/changed")
        except LeadSyncError as e:
            notify_note = str(e)
    return _html(
        ctx,
        "sheet.html",
        status,
        nav="overview",
        sheet_id=sheet,
        entry=entry,
        config=config,
        inspection=inspection,
        inspect_error=inspect_error,
        read_now=read_now,
        stored_mapping=stored_mapping,
        evidence=evidence,
        stored=stored,
        stored_error=stored_error,
        shown_fields=shown_fields,
        editable=editable,
        etag=etag,
        edit_note=edit_note,
        run_id=run_id if RUN_ID.match(run_id or "") else "",
        fields=CANONICAL_FIELDS,
        errors=errors or {},
        notify=notify,
        notify_note=notify_note,
    )


@route("POST", "/sheets/(?P<sheet>[^/]+)/approve", OPERATOR)
def approve(ctx: Ctx, sheet: str) -> Page:
    sheet = _sheet_id(sheet)
    change = ctx.form.get("change", "")
    if not SHEET_ID.match(change):
        return sheet_page(ctx, sheet, errors={"approve": "The change id is missing: reload the page."}, status=400)
    reason = ctx.form.get("reason", "").strip()
    if len(reason) > 1000:
        return sheet_page(ctx, sheet, errors={"reason": "At most 1000 characters."}, status=400)
    confirm = ctx.form.get("confirm_empty") == "yes"
    request = ApprovalRequest(sheet, change, ctx.principal.name, reason, confirm)
    try:
        get_runtime().approvals.approve(request)
    except InvalidRequestError as e:
        return sheet_page(ctx, sheet, errors={"approve": str(e)}, status=400)
    except ConflictError as e:
        return sheet_page(ctx, sheet, errors={"approve": str(e)}, status=409)
    return _redirect(f"{BASE}/sheets/{sheet}?notice=approved")


@route("POST", "/sheets/(?P<sheet>[^/]+)/sync", OPERATOR)
def sync_now(ctx: Ctx, sheet: str) -> Page:
    sheet = _sheet_id(sheet)
    started = get_runtime().syncs.start(SyncRequest(sheet))
    return _redirect(f"{BASE}/sheets/{sheet}?notice=sync&run={started.run_id}")


@route("GET", "/runs/(?P<run>[^/]+)", READER)
def run_progress(ctx: Ctx, run: str) -> Page:
    if not RUN_ID.match(run):
        raise InvalidRequestError("a run id is 1-64 letters, digits, '_' or '-'")
    job = get_runtime().syncs.status(run)
    sheet = ctx.q("sheet")
    if job.state == "done" and SHEET_ID.match(sheet) and ctx.req.headers.get("hx-request"):
        # htmx polled it to the end: show the sheet page again, with the run's result.
        return Page(200, "", "text/html", {"HX-Redirect": f"{BASE}/sheets/{sheet}?notice=synced"})
    return _html(ctx, "progress.html", run_id=run, job=job.to_dict(), sheet_id=sheet if SHEET_ID.match(sheet) else "", nav="")


def _edit(ctx: Ctx, sheet: str, **change: Any) -> SheetEdit:
    return SheetEdit(_sheet_id(sheet), ctx.form.get("etag", ""), ctx.principal.name, **change)


@route("POST", "/sheets/(?P<sheet>[^/]+)/pause", OPERATOR)
def pause(ctx: Ctx, sheet: str) -> Page:
    get_runtime().sheet_admin.edit(_edit(ctx, sheet, enabled=False))
    return _redirect(f"{BASE}/sheets/{sheet}?notice=paused")


@route("POST", "/sheets/(?P<sheet>[^/]+)/resume", OPERATOR)
def resume(ctx: Ctx, sheet: str) -> Page:
    get_runtime().sheet_admin.edit(_edit(ctx, sheet, enabled=True))
    return _redirect(f"{BASE}/sheets/{sheet}?notice=resumed")


@route("POST", "/sheets/(?P<sheet>[^/]+)/override", OPERATOR)
def override(ctx: Ctx, sheet: str) -> Page:
    header = ctx.form.get("header", "").strip()
    target = ctx.form.get("field", "")
    if not header or len(header) > 200:
        return sheet_page(ctx, sheet, errors={"override": "Choose a column."}, status=400)
    if target not in ("", "ignore", *CANONICAL_FIELDS):
        return sheet_page(ctx, sheet, errors={"override": f"{target[:40]!r} is not a field."}, status=400)
    get_runtime().sheet_admin.edit(_edit(ctx, sheet, override=(header, target or None)))
    return _redirect(f"{BASE}/sheets/{sheet}?notice=override")


# onboarding


def _required(text: str) -> tuple[tuple[str, ...], ...] | None:
    groups = tuple(tuple(f.strip() for f in g.split("|") if f.strip()) for g in text.split(";") if g.strip())
    unknown = sorted({f for g in groups for f in g if f not in CANONICAL_FIELDS})
    if unknown:
        raise InvalidFieldError("required", f"unknown field {unknown[0]!r}: use {', '.join(CANONICAL_FIELDS)}")
    return groups


def default_required() -> str:
    return "; ".join("|".join(g) for g in DEFAULT_REQUIRED)


def parse_draft(form: Mapping[str, str], actor: str) -> SheetDraft:
    """The onboarding form as a ``SheetDraft``; ``InvalidFieldError`` names the field at fault."""
    raw = form.get("spreadsheet", "").strip()
    found = SPREADSHEET_URL.search(raw)
    spreadsheet = found.group(1) if found else raw
    if not SPREADSHEET_ID.match(spreadsheet):
        raise InvalidFieldError("spreadsheet", "Paste the sheet's address (https://docs.google.com/spreadsheets/d/...) or its id.")
    customer = form.get("customer", "").strip()
    if not customer or len(customer) > 200:
        raise InvalidFieldError("customer", "Give the customer's name (1 to 200 characters).")
    sheet_id = form.get("sheet_id", "").strip() or re.sub(r"[^A-Za-z0-9_-]+", "-", customer.lower()).strip("-")[:64]
    if not SHEET_ID.match(sheet_id):
        raise InvalidFieldError("sheet_id", "1-64 letters, digits, '_' or '-'.")
    worksheet = form.get("worksheet", "").strip() or None
    if worksheet is not None and len(worksheet) > 100:
        raise InvalidFieldError("worksheet", "At most 100 characters.")
    region = form.get("phone_region", "").strip().upper() or None
    if region is not None:
        from ..config import check_region

        checked, error = check_region(region)
        if error:
            raise InvalidFieldError("phone_region", error)
        region = checked
    required_text = form.get("required", "").strip()
    required = None if required_text in ("", default_required()) else _required(required_text)
    overrides: list[tuple[str, str]] = []
    for key, value in sorted(form.items()):
        if key.startswith("ov.") and value:
            header = form.get("ovkey." + key[3:], "").strip()
            if value not in ("ignore", *CANONICAL_FIELDS) or not header:
                raise InvalidFieldError("overrides", f"{value[:40]!r} is not a field")
            overrides.append((header[:200], value))
    return SheetDraft(sheet_id, customer, spreadsheet, worksheet, tuple(overrides), region, required, actor)


@route("GET", "/onboard", OPERATOR)
def onboard(ctx: Ctx) -> Page:
    return _onboard_page(ctx, {"required": default_required()}, {}, None)


def _onboard_page(ctx: Ctx, values: Mapping[str, str], errors: Mapping[str, str], preview: Any, status: int = 200) -> Page:
    return _html(
        ctx,
        "onboard.html",
        status,
        nav="onboard",
        values=values,
        errors=errors,
        preview=preview,
        fields=CANONICAL_FIELDS,
        account=get_runtime().sheet_admin.service_account(),
        default_required=default_required(),
    )


@route("POST", "/onboard", OPERATOR)
def onboard_post(ctx: Ctx) -> Page:
    rt = get_runtime()
    values = {k: v for k, v in ctx.form.items() if k != "csrf"}
    try:
        draft = parse_draft(ctx.form, ctx.principal.name)
        preview = rt.sheet_admin.preview(draft)
        if ctx.form.get("action") != "save":
            return _onboard_page(ctx, values | {"sheet_id": draft.sheet_id}, {}, preview)
        saved = rt.sheet_admin.create(draft)
    except InvalidFieldError as e:
        return _onboard_page(ctx, values, {e.field: str(e)}, None, 400)
    except ConfigError as e:
        return _onboard_page(ctx, values, {"form": str(e)}, None, 503)
    notice = "saved" if saved.run_id else "saved_nosync"
    run = f"&run={saved.run_id}" if saved.run_id else ""
    return _redirect(f"{BASE}/sheets/{quote(saved.sheet_id)}?notice={notice}{run}")


# privacy


def _person(form: Mapping[str, str], actor: str) -> ErasureRequest | dict[str, str]:
    email, phone = form.get("email", "").strip(), form.get("phone", "").strip()
    if len(email) > 320 or len(phone) > 320:
        return {"person": "At most 320 characters each."}
    if not email and not phone:
        return {"person": "Give the person's email, phone or both."}
    return ErasureRequest(email or None, phone or None, actor)


def _privacy_page(ctx: Ctx, status: int = 200, **values: Any) -> Page:
    token = ctx.q("continuation") or None
    page = get_runtime().privacy.audit(AuditQuery(page_size=25, continuation=token))
    values.setdefault("errors", {})
    values.setdefault("confirm", None)
    values.setdefault("result", None)
    values.setdefault("values", {})
    return _html(ctx, "privacy.html", status, nav="privacy", audit=page.to_dict(), **values)


@route("GET", "/privacy", PRIVACY)
def privacy(ctx: Ctx) -> Page:
    return _privacy_page(ctx)


@route("POST", "/privacy/erase", PRIVACY)
def erase(ctx: Ctx) -> Page:
    rt = get_runtime()
    person = _person(ctx.form, ctx.principal.name)
    values = {"email": ctx.form.get("email", ""), "phone": ctx.form.get("phone", "")}
    if isinstance(person, dict):
        return _privacy_page(ctx, 400, errors=person, values=values)
    try:
        if ctx.form.get("step") != "erase":
            found = rt.privacy.count_person(person)
            return _privacy_page(ctx, confirm=found, values=values)
        result = rt.privacy.erase(person)
    except InvalidRequestError as e:
        return _privacy_page(ctx, 400, errors={"person": str(e)}, values=values)
    return _privacy_page(ctx, result={"kind": "erased", **result.to_dict()})


@route("POST", "/privacy/unsuppress", PRIVACY)
def unsuppress(ctx: Ctx) -> Page:
    person = _person(ctx.form, ctx.principal.name)
    if isinstance(person, dict):
        return _privacy_page(ctx, 400, errors={"unsuppress": next(iter(person.values()))})
    try:
        result = get_runtime().privacy.unsuppress(person)
    except InvalidRequestError as e:
        return _privacy_page(ctx, 400, errors={"unsuppress": str(e)})
    return _privacy_page(ctx, result={"kind": "unsuppressed", **result.to_dict()})


# settings


@route("GET", "/settings", READER)
def settings_page(ctx: Ctx) -> Page:
    rt = get_runtime()
    s = rt.settings
    from ..service.privacy import privacy_status

    return _html(
        ctx,
        "settings.html",
        nav="settings",
        problems=list(s.problems),
        warnings=list(s.warnings),
        broken=[{"id": b.id, "error": b.error} for b in s.broken],
        sheets=len(s.sheets),
        paused=sum(1 for x in s.sheets if not x.enabled),
        account=rt.sheet_admin.service_account(),
        sheets_table=s.sheets_table,
        privacy=privacy_status(s),
        signed_in=s.console_signed_in,
        key_set=s.console_key is not None,
    )


# webhooks (issue 22)

WEBHOOK_ID = re.compile(r"^wh_[0-9a-f]{1,40}$")


def _webhooks_page(ctx: Ctx, status: int = 200, errors: Mapping[str, str] | None = None, values: Mapping[str, str] | None = None) -> Page:
    from ..core.events import EVENT_TYPES

    rt = get_runtime()
    problem = None
    items: list[dict[str, Any]] = []
    try:
        items = rt.webhooks.list_all()["items"]
    except (ConfigError, StoreError) as e:
        problem = str(e)
    for item in items:
        parts = urlsplit(item["url"])
        item["where"] = f"{parts.scheme}://{parts.netloc}{parts.path}"  # a query may carry a receiver's token: not shown
    return _html(
        ctx,
        "webhooks.html",
        status,
        nav="webhooks",
        items=items,
        problem=problem,
        key_set=bool(rt.settings.webhook_key),
        event_types=EVENT_TYPES,
        errors=errors or {},
        values=values or {},
    )


@route("GET", "/webhooks", READER)
def webhooks(ctx: Ctx) -> Page:
    return _webhooks_page(ctx)


@route("POST", "/webhooks", OPERATOR)
def webhook_subscribe(ctx: Ctx) -> Page:
    form = ctx.form
    values = {"url": form.get("url", "").strip(), "customers": form.get("customers", "").strip()}
    customers = [c.strip() for c in values["customers"].split(",") if c.strip()]
    types = [t for t in parse_qs((ctx.req.get_body() or b"").decode("utf-8", "replace")).get("types", []) if t]
    try:
        get_runtime().webhooks.create(values["url"], form.get("secret", "").strip(), customers, types, form.get("description", "")[:200])
    except InvalidFieldError as e:
        return _webhooks_page(ctx, 400, errors={e.field: str(e)}, values=values)
    return _redirect(f"{BASE}/webhooks?notice=subscribed")


def _webhook_id(value: str) -> str:
    if not WEBHOOK_ID.match(value):
        raise InvalidRequestError("a subscription id is wh_ and hexadecimal digits")
    return value


@route("POST", "/webhooks/(?P<sub>[^/]+)/(?P<action>disable|enable)", OPERATOR)
def webhook_toggle(ctx: Ctx, sub: str, action: str) -> Page:
    get_runtime().webhooks.update(_webhook_id(sub), {"disabled": action == "disable"})
    return _redirect(f"{BASE}/webhooks?notice={action}d")


@route("POST", "/webhooks/(?P<sub>[^/]+)/replay", OPERATOR)
def webhook_replay(ctx: Ctx, sub: str) -> Page:
    from datetime import UTC, datetime

    text = ctx.form.get("since", "").strip()
    try:
        since = datetime.fromisoformat(text).replace(tzinfo=UTC) if text else None
    except ValueError:
        since = None
    if since is None:
        return _webhooks_page(ctx, 400, errors={f"replay-{sub}": "Give the date and time to deliver again from (UTC)."})
    get_runtime().webhooks.replay(_webhook_id(sub), since, None)
    return _redirect(f"{BASE}/webhooks?notice=replayed")
