"""
HTTP for the functions: the only module (with the triggers) that knows status codes.

It parses and validates request parameters and bodies into the service's typed inputs, renders
documents as JSON, maps ``LeadSyncError`` subclasses to status codes and guards every handler:
an unexpected exception answers a JSON 500 carrying an error id that is also logged (type and
place only, never values), never a traceback.

Errors are problem details (RFC 9457, ``application/problem+json``): ``type``, ``title``,
``status``, ``detail`` and a stable ``code``; ``error`` repeats ``detail`` for clients written
against the first version of the API.

CORS for the dashboard is configured on the platform (``az functionapp cors add``), not here:
App Service CORS overrides headers set in code. The local server adds the same headers from
``LEAD_SYNC_CORS_ORIGINS``.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import traceback
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import azure.functions as func

from .adapters.table_codec import MAX_TOKEN_CHARS
from .contract import HealthParams, LeadParams, LeadsQueryParams, RemovalsParams
from .core.leadquery import SORT_FIELDS, parse_sort
from .core.redact import redact, redact_all
from .errors import (
    ConfigError,
    ConflictError,
    ExpiredError,
    InvalidRequestError,
    LeadSyncError,
    NotFoundError,
    StoreError,
    UnknownRunError,
    UnknownSheetError,
)
from .service import (
    MAX_PAGE,
    ApprovalRequest,
    AuditQuery,
    ErasureRequest,
    HealthQuery,
    HealthView,
    LeadsQuery,
    RemovalsQuery,
    SyncRequest,
    SyncStarted,
)

log = logging.getLogger("leadsync")

MAX_BODY_BYTES = 16 * 1024
"""Request bodies are small JSON objects; anything larger is refused before parsing."""
MAX_PARAM_CHARS = 512
"""Longest query parameter value accepted (a continuation token has its own, larger limit)."""
SHEET_ID = re.compile(r"[A-Za-z0-9_-]{1,64}\Z")  # \Z: "$" would accept a trailing newline
MAX_CUSTOMER_CHARS = 200
LEADS_PARAMS = (*LeadsQueryParams.model_fields, "code")
"""Accepted on GET /api/leads, as the contract lists them (``code`` is the function key, read by the host)."""
LEAD_PARAMS = (*LeadParams.model_fields, "code")
REMOVALS_PARAMS = (*RemovalsParams.model_fields, "code")
HEALTH_PARAMS = (*HealthParams.model_fields, "code")
SYNC_BODY_KEYS = ("sheet", "all", "wait")
MAX_WAIT = 20
"""``wait`` (seconds) of a single-sheet manual sync is capped here (the front end gives up at 230 s)."""
RUN_ID = re.compile(r"[A-Za-z0-9_-]{1,64}\Z")
# Table Storage holds Edm.DateTime from 1601-01-01: earlier instants cannot be compared with.
EARLIEST = datetime(1601, 1, 1, tzinfo=UTC)
TRUE, FALSE = ("1", "true", "yes"), ("0", "false", "no", "")

STATUS: tuple[tuple[type[LeadSyncError], int, str], ...] = (
    (InvalidRequestError, 400, "Invalid request"),
    (UnknownSheetError, 404, "Unknown sheet"),
    (NotFoundError, 404, "Not found"),
    (ConflictError, 409, "Conflict"),
    (UnknownRunError, 404, "Unknown run"),
    (ExpiredError, 410, "Gone"),
    (ConfigError, 503, "Not configured"),
    (StoreError, 503, "Storage unavailable"),
)
"""Error type -> (status, title); the first match wins. Anything else is 500."""


def json_response(
    status: int, payload: Mapping[str, Any], headers: Mapping[str, str] | None = None, mimetype: str = "application/json"
) -> func.HttpResponse:
    return func.HttpResponse(
        json.dumps(payload, ensure_ascii=False, default=str),
        status_code=status,
        mimetype=mimetype,
        headers={"Cache-Control": "no-store", **(headers or {})},
    )


def problem(status: int, code: str, title: str, detail: str, **extra: Any) -> func.HttpResponse:
    """An RFC 9457 problem document; ``detail`` is redacted (no paths, hosts or accounts)."""
    detail = redact(detail)
    doc = {
        "type": f"https://leadsync.dev/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
        "error": detail,
    }
    return json_response(status, doc | redact_all(extra), mimetype="application/problem+json")


def error_response(e: LeadSyncError) -> func.HttpResponse:
    for kind, status, title in STATUS:
        if isinstance(e, kind):
            return problem(status, e.code, title, str(e))
    return problem(500, e.code, "Error", str(e))


Handler = Callable[[func.HttpRequest], func.HttpResponse]


def guarded(fn: Handler) -> Handler:
    """Answer every outcome of ``fn`` as JSON: typed errors by their status, anything else 500."""

    @functools.wraps(fn)
    def wrapper(req: func.HttpRequest) -> func.HttpResponse:
        try:
            return fn(req)
        except LeadSyncError as e:
            return error_response(e)
        except Exception as e:
            error_id = uuid.uuid4().hex[:12]
            frames = traceback.extract_tb(e.__traceback__)
            where = f"{frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno}" if frames else "?"
            log.error("http_unhandled %s %s %s at %s", error_id, fn.__name__, type(e).__name__, where)
            return problem(500, "internal", "Internal error", f"internal error; quote error id {error_id} to support", error_id=error_id)

    return wrapper


# request parsing


def _params(req: func.HttpRequest, accepted: tuple[str, ...]) -> dict[str, str]:
    params = dict(req.params)
    unknown = sorted(k for k in params if k not in accepted)
    if unknown:
        shown = ", ".join(repr(k[:40]) for k in unknown[:5])
        names = ", ".join(k for k in accepted if k != "code")
        raise InvalidRequestError(f"unknown query parameter {shown}; " + (f"accepted: {names}" if names else "this route takes none"))
    for k, v in params.items():
        if len(v) > (MAX_TOKEN_CHARS if k == "continuation" else MAX_PARAM_CHARS):
            raise InvalidRequestError(f"{k} is too long")
    return params


def _sheet_id(value: str, name: str = "sheet") -> str:
    if not SHEET_ID.match(value):
        raise InvalidRequestError(f"{name} must be a sheet id: 1-64 letters, digits, '_' or '-'")
    return value


def _bool(params: Mapping[str, str], name: str) -> bool:
    raw = (params.get(name) or "").strip().lower()
    if raw in TRUE:
        return True
    if raw in FALSE:
        return False
    raise InvalidRequestError(f"{name} must be true or false")


def _int(params: Mapping[str, str], name: str, default: int, lo: int, hi: int) -> int:
    raw = params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidRequestError(f"{name} must be a whole number from {lo} to {hi}") from None
    if not lo <= value <= hi:
        raise InvalidRequestError(f"{name} must be between {lo} and {hi}")
    return value


def parse_time(raw: str, name: str) -> datetime:
    """An ISO 8601 date-time (``Z`` or an offset; UTC when none) within Table Storage's range."""
    message = f"{name} must be an ISO 8601 date-time from 1601 to 9999, e.g. 2026-11-29T10:00:00Z"
    try:
        when = datetime.fromisoformat(raw.strip().replace("Z", "+00:00").replace("z", "+00:00"))
        when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    except (ValueError, OverflowError):
        raise InvalidRequestError(message) from None
    if when < EARLIEST:
        raise InvalidRequestError(message)
    return when


def _opt_bool(params: Mapping[str, str], name: str) -> bool | None:
    return _bool(params, name) if (params.get(name) or "").strip() else None


def _opt_time(params: Mapping[str, str], name: str) -> datetime | None:
    return parse_time(params[name], name) if params.get(name) else None


def _opt_text(params: Mapping[str, str], name: str) -> str | None:
    value = params.get(name)
    return value if value else None


def parse_leads_query(req: func.HttpRequest) -> LeadsQuery:
    params = _params(req, LEADS_PARAMS)
    sheet = params.get("sheet") or params.get("sheet_id") or None
    customer = params.get("customer") or None
    if not sheet and not customer:
        raise InvalidRequestError("give ?customer=NAME or ?sheet=ID")
    if customer is not None and len(customer) > MAX_CUSTOMER_CHARS:
        raise InvalidRequestError(f"customer is longer than {MAX_CUSTOMER_CHARS} characters")
    sort = params.get("sort") or None
    if sort is not None and parse_sort(sort) is None:
        raise InvalidRequestError(f"sort must be one of {', '.join(SORT_FIELDS)}, with '-' first for descending (e.g. sort=-created_at)")
    q = params.get("q")
    if q is not None and (not q.strip() or len(q) > 200):
        raise InvalidRequestError("q must be 1 to 200 characters of a name, email, phone or company")
    created_from, created_to = _opt_time(params, "created_from"), _opt_time(params, "created_to")
    updated_from, updated_to = _opt_time(params, "updated_from"), _opt_time(params, "updated_to")
    for lo, hi, name in ((created_from, created_to, "created"), (updated_from, updated_to, "updated")):
        if lo is not None and hi is not None and lo > hi:
            raise InvalidRequestError(f"{name}_from must not be after {name}_to")
    return LeadsQuery(
        sheet_id=_sheet_id(sheet) if sheet else None,
        customer=customer,
        page_size=_int(params, "page_size", 100, 1, MAX_PAGE),
        continuation=params.get("continuation") or None,
        include_deleted=_bool(params, "include_deleted"),
        updated_since=_opt_time(params, "updated_since"),
        include_orphaned=_bool(params, "include_orphaned"),
        status=_opt_text(params, "status"),
        source=_opt_text(params, "source"),
        campaign=_opt_text(params, "campaign"),
        created_from=created_from,
        created_to=created_to,
        updated_from=updated_from,
        updated_to=updated_to,
        has_invalid=_opt_bool(params, "has_invalid"),
        duplicate=_opt_bool(params, "duplicate"),
        deleted=_opt_bool(params, "deleted"),
        q=q.strip() if q is not None else None,
        sort=sort,
        count=_bool(params, "count"),
    )


def parse_removals_query(req: func.HttpRequest) -> RemovalsQuery:
    params = _params(req, REMOVALS_PARAMS)
    sheet, customer = params.get("sheet") or None, params.get("customer") or None
    if not sheet and not customer:
        raise InvalidRequestError("give ?customer=NAME or ?sheet=ID")
    if customer is not None and len(customer) > MAX_CUSTOMER_CHARS:
        raise InvalidRequestError(f"customer is longer than {MAX_CUSTOMER_CHARS} characters")
    return RemovalsQuery(
        sheet_id=_sheet_id(sheet) if sheet else None,
        customer=customer,
        since=_opt_time(params, "since"),
        page_size=_int(params, "page_size", 100, 1, MAX_PAGE),
        continuation=params.get("continuation") or None,
    )


def parse_lead_request(req: func.HttpRequest) -> tuple[str, str]:
    """``GET /api/leads/{id}?sheet=ID``: (sheet id, lead id)."""
    params = _params(req, LEAD_PARAMS)
    lead_id = req.route_params.get("id") or ""
    if not lead_id or len(lead_id) > 512 or any(c in lead_id for c in "/\\#?") or not lead_id.isprintable():
        raise InvalidRequestError("the lead id is not one this API serves; ids come from GET /api/leads")
    if not params.get("sheet"):
        raise InvalidRequestError("give ?sheet=ID: a lead id is unique within its sheet")
    return _sheet_id(params["sheet"]), lead_id


def etag_of(payload: Mapping[str, Any], volatile: tuple[str, ...] = ()) -> str:
    """
    The ETag of a document. Strong (``"..."``) when it hashes the whole representation; weak
    (``W/"..."``) when ``volatile`` fields (a clock: ``checked_at``, ``watermark``) are left out,
    since two answers with one weak ETag may then differ in those fields only.
    """
    import hashlib

    stable = {k: v for k, v in payload.items() if k not in volatile}
    digest = hashlib.sha256(json.dumps(stable, ensure_ascii=False, default=str, sort_keys=True).encode()).hexdigest()[:32]
    return f'W/"{digest}"' if volatile else f'"{digest}"'


def _etag_matches(header: str | None, etag: str) -> bool:
    """If-None-Match uses the weak comparison (RFC 9110 13.1.2): W/ prefixes are ignored."""
    if not header:
        return False
    if header.strip() == "*":
        return True
    bare = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == bare for tag in header.split(","))


def cached_json(req: func.HttpRequest, status: int, payload: Mapping[str, Any], volatile: tuple[str, ...] = ()) -> func.HttpResponse:
    """A JSON answer with an ETag; 304 (no body) when the request's If-None-Match names it."""
    etag = etag_of(payload, volatile)
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}  # lead data: no shared cache keeps it
    if status == 200 and _etag_matches(req.headers.get("if-none-match"), etag):
        return func.HttpResponse(status_code=304, headers=headers)
    return json_response(status, payload, headers)


def ok(payload: Mapping[str, Any]) -> func.HttpResponse:
    """200 with a JSON document that must not be cached (an action's outcome)."""
    return json_response(200, payload)


def ok_cached(req: func.HttpRequest, payload: Mapping[str, Any], volatile: tuple[str, ...] = ()) -> func.HttpResponse:
    """200 with a JSON document and its ETag, or 304 when the caller has it (``cached_json``)."""
    return cached_json(req, 200, payload, volatile)


def parse_no_params(req: func.HttpRequest) -> None:
    """Routes that take no query parameters refuse any (a typo is not silently ignored)."""
    _params(req, ("code",))


def parse_health_query(req: func.HttpRequest) -> HealthQuery:
    params = _params(req, HEALTH_PARAMS)
    sheet = params.get("sheet") or None
    return HealthQuery(_int(params, "runs", 5, 0, 50), _sheet_id(sheet) if sheet else None)


def health_response(req: func.HttpRequest, view: HealthView, redacted: bool = False) -> func.HttpResponse:
    """200, or 503 when storage could not be read; ``checked_at`` is left out of the ETag."""
    doc = redact_all(view.doc) if redacted else view.doc
    return cached_json(req, 200 if view.storage_ok else 503, doc, volatile=("checked_at",))


def body_json(req: func.HttpRequest) -> dict[str, Any]:
    """The request body as a JSON object; ``{}`` when there is none. Raises InvalidRequestError."""
    raw = req.get_body() or b""
    if len(raw) > MAX_BODY_BYTES:
        raise InvalidRequestError(f"the body is larger than {MAX_BODY_BYTES // 1024} KiB")
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError) as e:
        where = f" ({e.msg} at line {e.lineno} column {e.colno})" if isinstance(e, json.JSONDecodeError) else ""
        raise InvalidRequestError(f"the body is not valid JSON{where}") from None
    if not isinstance(value, dict):
        raise InvalidRequestError("the body must be a JSON object")
    return value


def _wait(body: Mapping[str, Any], req: func.HttpRequest) -> float:
    raw = body.get("wait", req.params.get("wait"))
    if raw is None or raw == "":
        return 0.0
    if isinstance(raw, bool):
        raise InvalidRequestError(f"wait must be a number of seconds from 0 to {MAX_WAIT}")
    try:
        value = float(raw)
    except (TypeError, ValueError, OverflowError):
        raise InvalidRequestError(f"wait must be a number of seconds from 0 to {MAX_WAIT}") from None
    if not 0 <= value <= MAX_WAIT:  # NaN fails too
        raise InvalidRequestError(f"wait must be a number of seconds from 0 to {MAX_WAIT}")
    return value


def parse_sync_request(req: func.HttpRequest) -> SyncRequest:
    """
    ``{"sheet": ID}`` (or ``?sheet=ID``) syncs one sheet; ``{"all": true}`` every sheet.
    ``wait`` (body or query, seconds, at most ``MAX_WAIT``) lets a one-sheet sync answer with its
    report when it finishes within that time.
    """
    body = body_json(req)
    wait = _wait(body, req)
    unknown = sorted(k for k in body if k not in SYNC_BODY_KEYS)
    if unknown:
        raise InvalidRequestError(
            f'unknown body key {", ".join(repr(k[:40]) for k in unknown[:5])}; give {{"sheet": ID}} or {{"all": true}}'
        )
    query_sheet = req.params.get("sheet")
    if "sheet" in body or query_sheet is not None:
        sheet = body.get("sheet", query_sheet)
        if not isinstance(sheet, str) or "all" in body:
            raise InvalidRequestError('"sheet" must be one sheet id (a string); to sync every sheet send {"all": true}')
        return SyncRequest(_sheet_id(sheet), wait)
    if body.get("all") is True:
        if wait:
            raise InvalidRequestError('"wait" applies to one sheet; a sync of every sheet answers at once with its run')
        return SyncRequest(None)
    if "all" in body:
        raise InvalidRequestError('"all" must be true')
    raise InvalidRequestError('say what to sync: {"sheet": ID} for one sheet or {"all": true} for every sheet')


def sync_started_response(started: SyncStarted) -> func.HttpResponse:
    """202 with the run and where to follow it; 200 with the report when a waited sync finished."""
    location = f"/api/leads/runs/{started.run_id}"
    report = started.report
    if report is not None:
        doc = {"run_id": started.run_id, "status": report.get("status"), "problems": [], "sheets": [report]}
        return json_response(200, redact_all(doc), headers={"Location": location})
    doc = {"run_id": started.run_id, "status_url": location, **started.run.to_dict()}
    return json_response(202, redact_all(doc), headers={"Location": location})


def route_run_id(req: func.HttpRequest) -> str:
    value = req.route_params.get("run") or ""
    if not RUN_ID.match(value):
        raise InvalidRequestError("the run id is 1-64 letters, digits, '_' or '-' (as POST /api/leads/sync answered)")
    return value


def route_sheet(req: func.HttpRequest) -> str:
    return _sheet_id(req.route_params.get("sheet") or "")


APPROVE_BODY_KEYS = ("change", "by", "reason", "confirm_empty")
IDENTITY_HEADERS = ("x-ms-client-principal-name", "x-ms-client-principal-id")
"""Set by App Service Authentication (Easy Auth) in front of the app: who is calling."""


def parse_approval(req: func.HttpRequest) -> ApprovalRequest:
    """``{"change": ID, "reason": "...", "confirm_empty": true}``; who approves comes from the identity header."""
    body = body_json(req)
    unknown = sorted(k for k in body if k not in APPROVE_BODY_KEYS)
    if unknown:
        raise InvalidRequestError(
            f"unknown body key {', '.join(repr(k[:40]) for k in unknown[:5])}; accepted: {', '.join(APPROVE_BODY_KEYS)}"
        )
    change = body.get("change", req.params.get("change"))
    if change is not None and (not isinstance(change, str) or not SHEET_ID.match(change)):
        raise InvalidRequestError('"change" must be the blocked change id shown in health detail (e.g. "d1a2b3c4d5e6f7a8b")')
    reason, by, confirm = body.get("reason", ""), body.get("by", ""), body.get("confirm_empty", False)
    if not isinstance(reason, str) or len(reason) > 1000 or not isinstance(by, str) or len(by) > 200:
        raise InvalidRequestError('"reason" (at most 1000 characters) and "by" (at most 200) must be text')
    if not isinstance(confirm, bool):
        raise InvalidRequestError('"confirm_empty" must be true or false')
    who = next((req.headers.get(h) for h in IDENTITY_HEADERS if req.headers.get(h)), None)
    return ApprovalRequest(route_sheet(req), change, (who or by or "function key")[:200], reason, confirm)


# personal data (issue 14)

ERASURE_BODY_KEYS = ("email", "phone")
AUDIT_PARAMS = ("page_size", "continuation", "code")
MAX_IDENTIFIER_CHARS = 320


def actor(req: func.HttpRequest) -> str:
    """Who is calling: the identity header set by App Service Authentication, else "function key"."""
    who = next((req.headers.get(h) for h in IDENTITY_HEADERS if req.headers.get(h)), None)
    return (who or "function key")[:200]


def parse_erasure(req: func.HttpRequest) -> ErasureRequest:
    """``{"email": "...", "phone": "..."}`` (either or both, any format), in the body only: never in a URL, where it would be logged."""
    if any(k in req.params for k in ERASURE_BODY_KEYS):
        raise InvalidRequestError('send "email" and "phone" in the JSON body, never in the URL (URLs are logged)')
    _params(req, ("code",))
    body = body_json(req)
    unknown = sorted(k for k in body if k not in ERASURE_BODY_KEYS)
    if unknown:
        raise InvalidRequestError(
            f'unknown body key {", ".join(repr(k[:40]) for k in unknown[:5])}; give the person\'s "email" and/or "phone"'
        )
    email, phone = body.get("email"), body.get("phone")
    for name, value in (("email", email), ("phone", phone)):
        if value is not None and (not isinstance(value, str) or len(value) > MAX_IDENTIFIER_CHARS):
            raise InvalidRequestError(f'"{name}" must be text of at most {MAX_IDENTIFIER_CHARS} characters')
    if not (email or "").strip() and not (phone or "").strip():
        raise InvalidRequestError('give the person\'s "email" and/or "phone" in the JSON body')
    return ErasureRequest(email or None, phone or None, actor(req))


def parse_audit_query(req: func.HttpRequest) -> AuditQuery:
    params = _params(req, AUDIT_PARAMS)
    return AuditQuery(page_size=_int(params, "page_size", 100, 1, MAX_PAGE), continuation=params.get("continuation") or None)
