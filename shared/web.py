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

from .core.redact import redact, redact_all
from .errors import ConfigError, ConflictError, InvalidRequestError, LeadSyncError, StoreError, UnknownRunError, UnknownSheetError
from .service import MAX_PAGE, ApprovalRequest, LeadsQuery, SyncRequest, SyncStarted

log = logging.getLogger("leadsync")

MAX_BODY_BYTES = 16 * 1024
"""Request bodies are small JSON objects; anything larger is refused before parsing."""
MAX_PARAM_CHARS = 512
"""Longest query parameter value accepted (a continuation token has its own, larger limit)."""
MAX_TOKEN_CHARS = 4096
SHEET_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_CUSTOMER_CHARS = 200
LEADS_PARAMS = (
    "customer",
    "sheet",
    "sheet_id",
    "page_size",
    "continuation",
    "include_deleted",
    "include_orphaned",
    "updated_since",
    "code",
)
"""Accepted on GET /api/leads (``code`` is the function key, read by the host)."""
HEALTH_PARAMS = ("sheet", "runs", "code")
SYNC_BODY_KEYS = ("sheet", "all", "wait")
MAX_WAIT = 20
"""``wait`` (seconds) of a single-sheet manual sync is capped here (the front end gives up at 230 s)."""
RUN_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# Table Storage holds Edm.DateTime from 1601-01-01; 1970 is the earliest useful watermark.
EARLIEST = datetime(1601, 1, 1, tzinfo=UTC)
TRUE, FALSE = ("1", "true", "yes"), ("0", "false", "no", "")

STATUS: tuple[tuple[type[LeadSyncError], int, str], ...] = (
    (InvalidRequestError, 400, "Invalid request"),
    (UnknownSheetError, 404, "Unknown sheet"),
    (ConflictError, 409, "Conflict"),
    (UnknownRunError, 404, "Unknown run"),
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
        except Exception as e:  # noqa: BLE001 - promise 1: one bad request never escapes as a crash
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
        raise InvalidRequestError(f"unknown query parameter {shown}; accepted: {', '.join(k for k in accepted if k != 'code')}")
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


def parse_leads_query(req: func.HttpRequest) -> LeadsQuery:
    params = _params(req, LEADS_PARAMS)
    sheet = params.get("sheet") or params.get("sheet_id") or None
    customer = params.get("customer") or None
    if not sheet and not customer:
        raise InvalidRequestError("give ?customer=NAME or ?sheet=ID")
    if customer is not None and len(customer) > MAX_CUSTOMER_CHARS:
        raise InvalidRequestError(f"customer is longer than {MAX_CUSTOMER_CHARS} characters")
    return LeadsQuery(
        sheet_id=_sheet_id(sheet) if sheet else None,
        customer=customer,
        page_size=_int(params, "page_size", 100, 1, MAX_PAGE),
        continuation=params.get("continuation") or None,
        include_deleted=_bool(params, "include_deleted"),
        updated_since=parse_time(params["updated_since"], "updated_since") if params.get("updated_since") else None,
        include_orphaned=_bool(params, "include_orphaned"),
    )


def parse_health_query(req: func.HttpRequest) -> tuple[int, str | None]:
    params = _params(req, HEALTH_PARAMS)
    sheet = params.get("sheet") or None
    return _int(params, "runs", 5, 0, 50), _sheet_id(sheet) if sheet else None


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
        sheet = body["sheet"] if "sheet" in body else query_sheet
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
    if started.finished and len(started.run["sheets"]) == 1:
        sheet = started.run["sheets"][0]
        report = sheet.get("report") or {
            "sheet_id": sheet["sheet_id"],
            "status": sheet.get("status", "ERROR"),
            "messages": [sheet.get("error", "")],
        }
        doc = {"run_id": started.run_id, "status": report.get("status"), "problems": [], "sheets": [report]}
        return json_response(200, redact_all(doc), headers={"Location": location})
    doc = {"run_id": started.run_id, "status_url": location, **started.run}
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
