"""
HTTP for the functions: the only module (with the triggers) that knows status codes.

It parses query strings and bodies with the contract's models (``shared.contract``: one source for
a route's shapes and its document) into the service's typed inputs, answers with documents
validated against the contract's response models, maps ``LeadSyncError`` subclasses to status
codes and guards every handler: an unexpected exception answers a JSON 500 carrying an error id
that is also logged (type and place only, never values), never a traceback.

The contract and pydantic are imported when a request first needs them, never by importing
this module: the cold start of ``function_app`` and the anonymous health probe stay cheap.

Errors are problem details (RFC 9457, ``application/problem+json``): ``type``, ``title``,
``status``, ``detail`` and a stable ``code``; ``error`` repeats ``detail`` for clients written
against the first version of the API.

CORS for the dashboard: which origins may call is the platform's (infra's ``corsAllowedOrigins``,
``az functionapp cors add``; ``Host.CORS`` in local.settings.json for Core Tools), and the platform
answers preflights. The platform has no setting for the response headers a page may read, so
every answer here says ``Access-Control-Expose-Headers: ETag, Location`` itself (harmless without
CORS): a dashboard on another origin polls with its ETags and follows a started sync's Location.
The local server does all of it from ``LEAD_SYNC_CORS_ORIGINS``.
"""

from __future__ import annotations

import base64
import functools
import json
import logging
import re
import traceback
import typing
import uuid
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import azure.functions as func

from .core.redact import redact, redact_all
from .errors import (
    ConfigError,
    ConflictError,
    ExpiredError,
    InvalidRequestError,
    LeadSyncError,
    NotFoundError,
    PacedError,
    StoreError,
    UnauthorizedError,
    UnknownRunError,
    UnknownSheetError,
)
from .service import (
    ApprovalRequest,
    AuditQuery,
    ChangeNotice,
    ErasureRequest,
    HealthQuery,
    HealthView,
    LeadsQuery,
    NoticeResult,
    NotifySetup,
    RemovalsQuery,
    SyncRequest,
    SyncStarted,
)

if TYPE_CHECKING:
    from datetime import datetime

    from pydantic import BaseModel, ValidationError

    from .contract import DeliveriesParams, Route, WebhookBody


M = TypeVar("M", bound="BaseModel")

log = logging.getLogger("leadsync")

MAX_BODY_BYTES = 16 * 1024
"""Request bodies are small JSON objects; anything larger is refused before parsing."""
MAX_WAIT = 20
"""``wait`` (seconds) of a single-sheet manual sync is capped here (the front end gives up at 230 s); the contract says so."""

STATUS: tuple[tuple[type[LeadSyncError], int, str], ...] = (
    (InvalidRequestError, 400, "Invalid request"),
    (UnauthorizedError, 401, "Unauthorized"),
    (PacedError, 429, "Too many requests"),
    (UnknownSheetError, 404, "Unknown sheet"),
    (NotFoundError, 404, "Not found"),
    (ConflictError, 409, "Conflict"),
    (UnknownRunError, 404, "Unknown run"),
    (ExpiredError, 410, "Gone"),
    (ConfigError, 503, "Not configured"),
    (StoreError, 503, "Storage unavailable"),
)
"""Error type -> (status, title); the first match wins. Anything else is 500."""


EXPOSE = {"Access-Control-Expose-Headers": "ETag, Location"}
"""On every answer: a page on another (allowed) origin may read these (CORS hides any other)."""


def json_response(
    status: int, payload: Mapping[str, Any] | str, headers: Mapping[str, str] | None = None, mimetype: str = "application/json"
) -> func.HttpResponse:
    """A JSON answer: ``payload`` as a document, or its JSON text already (``document``)."""
    return func.HttpResponse(
        payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False, default=str),
        status_code=status,
        mimetype=mimetype,
        headers={"Cache-Control": "no-store", **EXPOSE, **(headers or {})},
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
            resp = problem(status, e.code, title, str(e))
            if isinstance(e, PacedError):
                resp.headers["Retry-After"] = str(e.retry_after)
            elif isinstance(e, UnauthorizedError):
                resp.headers["WWW-Authenticate"] = 'Bearer realm="lead-sync-sheet"'
            return resp
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


# request parsing: every query string, body and route parameter goes through the contract


def _route(operation_id: str) -> Route:
    from .contract import ROUTE_BY_ID

    return ROUTE_BY_ID[operation_id]


def _encodable(value: Any) -> bool:
    """Whether every text in ``value`` (keys too) can be encoded as UTF-8 (no lone surrogate)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, Mapping):
        return all(_encodable(k) and _encodable(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return all(_encodable(v) for v in value)
    return True


NOT_UTF8 = "the request holds text that cannot be encoded as UTF-8 (a lone surrogate such as \\ud800): send valid Unicode text"


def _message(error: ValidationError, where: str, accepted: list[str]) -> str:
    """What is wrong, for a person: names and rules only, never the values sent (they may be personal)."""
    parts: list[str] = []
    for e in error.errors(include_url=False, include_input=False, include_context=True):
        loc = ".".join(str(x) for x in e["loc"])
        msg = str(e["msg"]).removeprefix("Value error, ")
        kind = e["type"]
        if kind == "extra_forbidden":
            names = ", ".join(accepted)
            parts.append(f"unknown {where} {loc[:40]!r}; " + (f"accepted: {names}" if names else "this route takes none"))
        elif kind == "missing":
            parts.append(f"{where} {loc!r} is required")
        elif kind in ("greater_than_equal", "less_than_equal", "string_too_short", "string_too_long") and loc:
            ctx = e.get("ctx") or {}
            bound = {
                "greater_than_equal": f"at least {ctx.get('ge')}",
                "less_than_equal": f"at most {ctx.get('le')}",
                "string_too_short": f"at least {ctx.get('min_length')} characters long",
                "string_too_long": f"at most {ctx.get('max_length')} characters long",
            }[kind]
            parts.append(f"{loc} must be {bound}")
        elif kind == "string_pattern_mismatch" and "A-Za-z0-9_-" in str((e.get("ctx") or {}).get("pattern", "")):
            parts.append(f"{loc} must be an id of 1-64 letters, digits, '_' or '-'")
        elif loc:
            parts.append(f"{loc}: {msg}")
        else:
            parts.append(msg)
    return "; ".join(parts[:5]) or f"the {where} is not valid"


def _validated(model: type[M], data: Any, where: str, strict: bool) -> M:
    from pydantic import ValidationError

    try:
        return model.model_validate(data, strict=strict)
    except ValidationError as e:
        raise InvalidRequestError(_message(e, where, list(model.model_fields))) from None


def query_params(req: func.HttpRequest, model: type[M]) -> M:
    """
    The query string as ``model`` (the route's contract model): unknown names, types, ranges and
    patterns are the model's. ``code`` is the function key, read by the host, never a parameter.
    """
    params = {k: v for k, v in req.params.items() if k != "code"}
    if not _encodable(params):
        raise InvalidRequestError(NOT_UTF8)
    for name in _integer_fields(model).intersection(params):
        # The document says "integer": pydantic's lax mode would also take "1.0" or " 1".
        if not WHOLE_NUMBER.fullmatch(params[name]):
            raise InvalidRequestError(f"the query parameter {name} must be a whole number")
    return _validated(model, params, "query parameter", strict=False)


WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+")


@functools.cache
def _integer_fields(model: type[BaseModel]) -> frozenset[str]:
    """The fields of a query model whose type is an integer (alone or with None)."""
    out = set()
    for name, info in model.model_fields.items():
        kinds = typing.get_args(info.annotation) or (info.annotation,)
        if int in kinds and bool not in kinds:
            out.add(info.alias or name)
    return frozenset(out)


def body_json(req: func.HttpRequest) -> dict[str, Any]:
    """The request body as a JSON object. Raises InvalidRequestError."""
    raw = req.get_body() or b""
    if len(raw) > MAX_BODY_BYTES:
        raise InvalidRequestError(f"the body is larger than {MAX_BODY_BYTES // 1024} KiB")
    if not raw.strip():
        raise InvalidRequestError("send a JSON object in the body")
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError) as e:
        where = f" ({e.msg} at line {e.lineno} column {e.colno})" if isinstance(e, json.JSONDecodeError) else ""
        raise InvalidRequestError(f"the body is not valid JSON{where}") from None
    if not isinstance(value, dict):
        raise InvalidRequestError("the body must be a JSON object")
    if not _encodable(value):
        raise InvalidRequestError(NOT_UTF8)
    return value


def body_of(req: func.HttpRequest, model: type[M]) -> M:
    """The JSON body as ``model`` (strict: JSON types as the document says them, no coercion)."""
    return _validated(model, body_json(req), "body key", strict=True)


def route_param(req: func.HttpRequest, operation_id: str, name: str) -> str:
    """A route parameter checked against the route's documented schema (pattern, lengths)."""
    text, schema = _route(operation_id).path_params[name]
    value = req.route_params.get(name) or ""
    pattern = str(schema.get("pattern", ""))
    if pattern.endswith("$"):
        pattern = pattern[:-1] + r"\Z"  # the end of the text, never before a trailing newline
    if (
        not _encodable(value)
        or len(value) < int(schema.get("minLength", 1))
        or len(value) > int(schema.get("maxLength", 4096))
        or (pattern and not re.search(pattern, value))
    ):
        raise InvalidRequestError(f"the {name} in the path is not valid: {text[:1].lower() + text[1:]}")
    return value


def parse_leads_query(req: func.HttpRequest) -> LeadsQuery:
    """
    ``GET /api/leads``. An incremental read (``updated_since``) serves soft-deletions as changes
    (marked ``deleted``) unless ``include_deleted=false``: a mirror must learn that a lead left.
    """
    from .contract import LeadsQueryParams

    p = query_params(req, LeadsQueryParams)
    include_deleted = p.include_deleted if p.include_deleted is not None else p.updated_since is not None
    return LeadsQuery(
        sheet_id=p.sheet or p.sheet_id,
        customer=p.customer,
        page_size=p.page_size,
        continuation=p.continuation,
        include_deleted=include_deleted,
        updated_since=p.updated_since,
        include_orphaned=p.include_orphaned,
        status=p.status,
        source=p.source,
        campaign=p.campaign,
        created_from=p.created_from,
        created_to=p.created_to,
        updated_from=p.updated_from,
        updated_to=p.updated_to,
        has_invalid=p.has_invalid,
        duplicate=p.duplicate,
        deleted=p.deleted,
        q=p.q.strip() if p.q is not None else None,
        sort=p.sort,
        count=p.count,
    )


def parse_removals_query(req: func.HttpRequest) -> RemovalsQuery:
    from .contract import RemovalsParams

    p = query_params(req, RemovalsParams)
    return RemovalsQuery(sheet_id=p.sheet, customer=p.customer, since=p.since, page_size=p.page_size, continuation=p.continuation)


def parse_lead_request(req: func.HttpRequest) -> tuple[str, str]:
    """``GET /api/leads/{id}?sheet=ID``: (sheet id, lead id)."""
    from .contract import LeadParams

    lead_id = route_param(req, "getLead", "id")
    return query_params(req, LeadParams).sheet, lead_id


def parse_no_params(req: func.HttpRequest) -> None:
    """Routes that take no query parameters refuse any (a typo is not silently ignored)."""
    from .contract import NoParams

    query_params(req, NoParams)


def parse_health_query(req: func.HttpRequest) -> HealthQuery:
    from .contract import HealthParams

    p = query_params(req, HealthParams)
    return HealthQuery(p.runs, p.sheet)


def parse_sync_request(req: func.HttpRequest) -> SyncRequest:
    """
    ``{"sheet": ID}`` syncs one sheet; ``{"all": true}`` every sheet. ``wait`` (seconds, at most
    ``MAX_WAIT``) lets a one-sheet sync answer with its report when it finishes within that time;
    a sync of every sheet answers at once.
    """
    from .contract import SyncBody

    parse_no_params(req)
    body = body_of(req, SyncBody)
    return SyncRequest(body.sheet, float(body.wait)) if body.sheet is not None else SyncRequest(None)


def route_run_id(req: func.HttpRequest) -> str:
    return route_param(req, "syncRun", "run")


def route_sheet(req: func.HttpRequest) -> str:
    return route_param(req, "approveChange", "sheet")


IDENTITY_HEADERS = ("x-ms-client-principal-name", "x-ms-client-principal-id")
"""Set by App Service Authentication (Easy Auth) in front of the app: who is calling."""


def actor(req: func.HttpRequest) -> str:
    """Who is calling: the identity header set by App Service Authentication, else "function key"."""
    who = next((req.headers.get(h) for h in IDENTITY_HEADERS if req.headers.get(h)), None)
    return (who or "function key")[:200]


def parse_approval(req: func.HttpRequest) -> ApprovalRequest:
    """``{"change": ID, "reason": "...", "confirm_empty": true}``; who approves comes from the identity header, else ``by``."""
    from .contract import ApprovalBody

    sheet = route_sheet(req)
    parse_no_params(req)
    if "change" not in body_json(req):
        raise InvalidRequestError(
            f'name the blocked change you approve: {{"change": ID}}, with the id that GET /api/leads/health/detail?sheet={sheet} shows as blocked.id'
        )
    body = body_of(req, ApprovalBody)
    who = next((req.headers.get(h) for h in IDENTITY_HEADERS if req.headers.get(h)), None)
    return ApprovalRequest(sheet, body.change, (who or body.by or "function key")[:200], body.reason, body.confirm_empty)


# personal data (issue 14)

ERASURE_BODY_KEYS = ("email", "phone")


def parse_erasure(req: func.HttpRequest) -> ErasureRequest:
    """``{"email": "...", "phone": "..."}`` (either or both, any format), in the body only: never in a URL, where it would be logged."""
    from .contract import ErasureBody

    if any(k in req.params for k in ERASURE_BODY_KEYS):
        raise InvalidRequestError('send "email" and "phone" in the JSON body, never in the URL (URLs are logged)')
    parse_no_params(req)
    body = body_of(req, ErasureBody)
    return ErasureRequest(body.email, body.phone, actor(req))


def parse_audit_query(req: func.HttpRequest) -> AuditQuery:
    from .contract import AuditParams

    p = query_params(req, AuditParams)
    return AuditQuery(page_size=p.page_size, continuation=p.continuation)


# change notifications (issue 22)

BEARER = re.compile(r"[Bb][Ee][Aa][Rr][Ee][Rr] +(\S+) *\Z")


def parse_change_notice(req: func.HttpRequest) -> ChangeNotice:
    """
    ``POST /api/leads/sheets/{sheet}/changed``: the sheet from the path; its token from
    ``Authorization: Bearer``, else ``X-Goog-Channel-Token`` (a Drive push channel), else
    ``?token=``. The body is not read (an Apps Script sends the change type; nothing depends
    on it) but is bounded like every body.
    """
    from .contract import ChangedParams

    sheet = route_param(req, "sheetChanged", "sheet")
    params = query_params(req, ChangedParams)
    if len(req.get_body() or b"") > MAX_BODY_BYTES:
        raise InvalidRequestError(f"the body is larger than {MAX_BODY_BYTES // 1024} KiB")
    header = req.headers.get("authorization") or ""
    bearer = BEARER.match(header.strip())
    token = bearer.group(1) if bearer else (req.headers.get("x-goog-channel-token") or params.token)
    probe = (req.headers.get("x-goog-resource-state") or "").strip().lower() == "sync"
    channel = req.headers.get("x-goog-channel-id")
    return ChangeNotice(sheet, token, probe, channel[:200] if channel is not None else None)


def notice_response(result: NoticeResult) -> func.HttpResponse:
    """202: a sync is queued (or already pending) for ``sync_expected_at``."""
    return json_response(202, document("sheetChanged", 202, result.to_dict()))


def public_origin(req: func.HttpRequest) -> str:
    """``scheme://host[:port]`` this request came to (its ``Host`` header, else its URL's); "" when unknown."""
    from urllib.parse import urlsplit

    parts = urlsplit(req.url)
    host = (req.headers.get("host") or parts.netloc or "").strip()
    if not host or not re.fullmatch(r"[A-Za-z0-9.:\[\]-]{1,255}", host):
        return ""
    return f"{parts.scheme or 'https'}://{host}"


def notify_url(req: func.HttpRequest, sheet_id: str) -> str:
    """The address of the sheet's ``changed`` route, on the host this request came to (no query string)."""
    from urllib.parse import urlsplit

    path = urlsplit(req.url).path
    path = path.rsplit("/notify", 1)[0] if path.endswith("/notify") else f"/api/leads/sheets/{sheet_id}"
    return f"{public_origin(req)}{path}/changed"


def parse_notify_setup(req: func.HttpRequest) -> tuple[str, str]:
    """``GET /api/leads/sheets/{sheet}/notify``: (sheet id, the URL a sheet owner calls)."""
    sheet = route_param(req, "sheetNotifySetup", "sheet")
    parse_no_params(req)
    return sheet, notify_url(req, sheet)


def notify_setup_response(setup: NotifySetup) -> func.HttpResponse:
    return json_response(200, document("sheetNotifySetup", 200, setup.to_dict()))


# answers: documents validated against the contract's response models


def document(operation_id: str, status: int, doc: Mapping[str, Any]) -> str:
    """
    The JSON text of ``doc`` as the model that the contract's route gives for ``status``
    serialises it: validated (a use case that drifts from the contract fails here, as a 500 with
    an error id, never as an answer off the document), with exactly the keys it had
    (``exclude_unset``). pydantic writes the text itself, so validating costs little more than
    ``json.dumps`` did.
    """
    model = _route(operation_id).responses[status]
    return model.model_validate(doc).model_dump_json(exclude_unset=True)


def _position(token: str) -> str:
    """
    Where a continuation leads, without the walk's clock: tokens carry the walk's watermark
    (``w``), which moves on every first page; everything else in them says where the next page
    starts, and so belongs in the page's ETag.
    """
    body = token[2:] if token.startswith("s.") else token
    try:
        value = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return token
    if not isinstance(value, dict):
        return token
    return json.dumps({k: v for k, v in value.items() if k != "w"}, sort_keys=True, ensure_ascii=False, default=str)


def etag_of(payload: Mapping[str, Any], volatile: tuple[str, ...] = ()) -> str:
    """
    The ETag of a document. Strong (``"..."``) when it hashes the whole representation; weak
    (``W/"..."``) when ``volatile`` fields (a clock: ``checked_at``, ``watermark``) are left out,
    since two answers with one weak ETag may then differ in those fields only. A ``continuation``
    named volatile still counts by where it leads (``_position``): a page whose next page
    appeared, moved or went away has a new ETag, so a reader that stops on a 304 misses nothing.
    """
    import hashlib

    stable = {k: v for k, v in payload.items() if k not in volatile}
    if "continuation" in volatile and "continuation" in payload:
        token = payload["continuation"]
        stable["continuation"] = _position(token) if isinstance(token, str) else token
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


def cached_json(
    req: func.HttpRequest, status: int, payload: Mapping[str, Any], volatile: tuple[str, ...] = (), text: str | None = None
) -> func.HttpResponse:
    """A JSON answer (``text`` when given, else ``payload``) with the ETag of ``payload``; 304 (no body) when If-None-Match names it."""
    etag = etag_of(payload, volatile)
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}  # lead data: no shared cache keeps it
    if status == 200 and _etag_matches(req.headers.get("if-none-match"), etag):
        return func.HttpResponse(status_code=304, headers={**EXPOSE, **headers})
    return json_response(status, text if text is not None else payload, headers)


def ok(operation_id: str, payload: Mapping[str, Any]) -> func.HttpResponse:
    """200 with the route's document of an action's outcome (never cached)."""
    return json_response(200, document(operation_id, 200, payload))


def ok_cached(req: func.HttpRequest, operation_id: str, payload: Mapping[str, Any], volatile: tuple[str, ...] = ()) -> func.HttpResponse:
    """200 with the route's document and its ETag, or 304 when the caller has it (``cached_json``)."""
    return cached_json(req, 200, payload, volatile, document(operation_id, 200, payload))


PAGE_VOLATILE = ("watermark", "continuation")
"""A page's clock: the watermark, and the continuation's copy of it (``etag_of`` keeps where it leads)."""


def health_response(req: func.HttpRequest, operation_id: str, view: HealthView, redacted: bool = False) -> func.HttpResponse:
    """200, or 503 when storage could not be read; ``checked_at`` is left out of the ETag."""
    doc = redact_all(view.doc) if redacted else view.doc
    status = 200 if view.storage_ok else 503
    return cached_json(req, status, doc, ("checked_at",), document(operation_id, status, doc))


def probe_response(req: func.HttpRequest, view: HealthView) -> func.HttpResponse:
    """
    The anonymous health probe's answer, the one document not validated here: a probe answers
    right after a cold start, and validating would load pydantic and the contract for it. Its
    shape (a few fixed fields, nothing operational) is checked against the contract by the tests.
    """
    return cached_json(req, 200 if view.storage_ok else 503, view.doc, volatile=("checked_at",))


def sync_started_response(started: SyncStarted) -> func.HttpResponse:
    """202 with the run and where to follow it; 200 with the report when a waited sync finished (both with Location)."""
    location = f"/api/leads/runs/{started.run_id}"
    report = started.report
    if report is not None:
        doc = {"run_id": started.run_id, "status": report.get("status"), "problems": [], "sheets": [report]}
        return json_response(200, document("syncNow", 200, redact_all(doc)), headers={"Location": location})
    doc = {"run_id": started.run_id, "status_url": location, **started.run.to_dict()}
    return json_response(202, document("syncNow", 202, redact_all(doc)), headers={"Location": location})


# webhooks (issue 22)


def route_webhook(req: func.HttpRequest, operation_id: str) -> str:
    return route_param(req, operation_id, "id")


def parse_webhook_create(req: func.HttpRequest) -> WebhookBody:
    from .contract import WebhookBody

    parse_no_params(req)
    return body_of(req, WebhookBody)


def parse_webhook_patch(req: func.HttpRequest) -> tuple[str, dict[str, Any]]:
    from .contract import WebhookPatch

    sub = route_webhook(req, "updateWebhook")
    parse_no_params(req)
    return sub, body_of(req, WebhookPatch).model_dump(exclude_none=True)


def parse_deliveries_query(req: func.HttpRequest) -> tuple[str, DeliveriesParams]:
    from .contract import DeliveriesParams

    return route_webhook(req, "webhookDeliveries"), query_params(req, DeliveriesParams)


def parse_replay(req: func.HttpRequest) -> tuple[str, datetime | None, str | None]:
    from .contract import ReplayBody, parse_query_time

    sub = route_webhook(req, "replayWebhook")
    parse_no_params(req)
    body = body_of(req, ReplayBody)
    return sub, parse_query_time(body.since) if body.since else None, body.event_id


def created(operation_id: str, payload: Mapping[str, Any], location: str) -> func.HttpResponse:
    """201 with the route's document of what was made, and where it lives."""
    return json_response(201, document(operation_id, 201, payload), {"Location": location})
