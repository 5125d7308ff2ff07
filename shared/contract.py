"""
The HTTP contract: pydantic models of every request and response, the route registry, and the
OpenAPI 3.1 document generated from both (served at ``GET /api/openapi.json``).

This module is part of the HTTP edge (like ``shared.web``): it names status codes. The models are
the single source of each route's shapes: ``shared.web`` parses query strings and bodies with the
query and body models (unknown names, types, ranges, patterns and the one-of rules of bodies are
theirs), and answers by validating the use case's document against the response model, so a
route has nothing besides its models that could drift from the document.

Adding a route: append a ``Route`` to ``ROUTES`` (path, method, operation id, auth, query model,
body model, response models by status, headers). The document is generated on first use and
cached (``openapi``). ``shared.web`` and the triggers import this module (and pydantic) only when a
request needs it, so importing ``function_app`` stays fast and a health probe never loads it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, model_validator

from .core.models import CANONICAL_FIELDS
from .core.reasons import ReasonCode

API_VERSION = "1.0.0"
TIMESTAMP = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$"
"""An ISO 8601 date-time with its offset: every timestamp the API serves matches it."""
Timestamp = Annotated[str, Field(pattern=TIMESTAMP, json_schema_extra={"format": "date-time"})]
DateOrTimestamp = Annotated[
    str,
    Field(
        pattern=r"^\d{4}-\d\d-\d\d(T\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d))?$",
        description="A date (2026-11-03) when the sheet gave only a day, else a date-time with its offset",
    ),
]
SHEET_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
LEAD_ID_PATTERN = r"^[^/\\#?\x00-\x1f\x7f]+$"
"""A lead id as this API serves them: no path separators, query or fragment marks, or control characters."""
SheetId = Annotated[str, Field(pattern=SHEET_PATTERN)]
SyncStatus = Literal["SUCCESS", "WARNING", "ERROR"]


class Closed(BaseModel):
    model_config = ConfigDict(extra="forbid")


# query parameter types: a query string carries text, and each type says which text it accepts
# (exactly what its JSON schema says: a generator or a client can rely on the document alone)


def _query_bool(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise ValueError("must be true or false")


def _query_int(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"[+-]?[0-9]{1,12}", value):
        return int(value)
    raise ValueError("must be a whole number")


EARLIEST = datetime(1601, 1, 1, tzinfo=UTC)
"""Table Storage holds Edm.DateTime from 1601-01-01: an earlier time filters as this one."""
_DATE_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:[Zz]|[+-][0-9]{2}:[0-9]{2}))?")
TIME_MESSAGE = "must be an RFC 3339 date-time with its offset (2026-11-29T10:00:00Z) or a date (2026-11-29, midnight UTC)"


def parse_query_time(value: Any) -> Any:
    """
    An RFC 3339 date-time (``Z`` or an offset) or a full date (midnight UTC) as an aware UTC
    datetime. Times outside Table Storage's range filter as its ends: nothing is stored before
    1601 or after 9999, so "since 1500" means "since ever" and is answered, not refused.
    """
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _DATE_TIME.fullmatch(value):
        raise ValueError(TIME_MESSAGE)
    text = value.upper().replace("Z", "+00:00")
    if "." in text:  # fromisoformat takes at most 6 digits of a fraction
        head, _, rest = text.partition(".")
        digits = re.match(r"[0-9]+", rest)
        assert digits is not None
        text = head + "." + (digits.group(0) + "000000")[:6] + rest[digits.end() :]
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(TIME_MESSAGE) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    try:
        when = when.astimezone(UTC)
    except OverflowError:
        return datetime.max.replace(tzinfo=UTC)
    return max(when, EARLIEST)


def _json_integer(value: Any) -> Any:
    """JSON Schema's integer: 14.0 is one (a number with no fraction), true is not."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


JsonInt = Annotated[int, BeforeValidator(_json_integer)]
QueryBool = Annotated[bool, BeforeValidator(_query_bool), WithJsonSchema({"type": "boolean"})]
QueryInt = Annotated[int, BeforeValidator(_query_int)]
QueryTime = Annotated[
    datetime,
    BeforeValidator(parse_query_time),
    WithJsonSchema({"anyOf": [{"type": "string", "format": "date-time"}, {"type": "string", "format": "date"}]}),
]
QueryText = Annotated[str, Field(min_length=1, max_length=512)]


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


NotBlank = Annotated[str, AfterValidator(_not_blank), Field(json_schema_extra={"pattern": r"\S"})]
"""Text with something besides white space (the pattern is read as Python reads ``\\s``, like ``str.strip``)."""


# errors


class Problem(Closed):
    """An RFC 9457 problem document (``application/problem+json``)."""

    type: str = Field(description="A URI naming the problem type: https://leadsync.dev/problems/{code}")
    title: str
    status: int
    detail: str = Field(description="What went wrong and how to fix it, for a person")
    code: str = Field(
        description="A stable machine code: invalid_request, unknown_sheet, unknown_run, not_found, conflict, expired, config, store, internal"
    )
    error: str = Field(description="Deprecated: the same text as detail (clients of the first API version)")
    error_id: str | None = Field(default=None, description="On 500: quote it to support")


# leads


class ContactValue(Closed):
    column: str = Field(description="The sheet column the value came from")
    value: str


class Lead(BaseModel):
    """One lead as stored by the last sync of its sheet. Fields the sheet does not have are null."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="Stable lead id within its sheet (the storage row key)")
    sheet_id: SheetId
    customer: str | None
    full_name: str | None
    first_name: str | None
    last_name: str | None
    email: str | None
    phone: str | None = Field(description="E.164 when valid (+447912345678)")
    company: str | None
    job_title: str | None
    source: str | None
    campaign: str | None
    status: str | None
    created_at: DateOrTimestamp | None = Field(
        description="When the lead was created, from the sheet; a time without a zone in the sheet is read as UTC"
    )
    notes: str | None
    address: str | None
    city: str | None
    postcode: str | None
    country: str | None
    website: str | None
    phones: list[ContactValue] | None = Field(
        default=None, description="Every phone of the lead with its column, when the sheet has several"
    )
    emails: list[ContactValue] | None = Field(
        default=None, description="Every email of the lead with its column, when the sheet has several"
    )
    extra: dict[str, Any] = Field(description="Unmapped columns by header")
    invalid: dict[str, Any] = Field(description="Values that could not be normalised, kept raw, by field")
    row: int | None = Field(ge=1, description="1-based row of the lead in its sheet at the last sync, as a person counts rows")
    duplicate_of: str | None = Field(description="Id of the first lead in the sheet with the same email or phone")
    deleted: bool
    deleted_at: Timestamp | None
    first_seen: Timestamp | None
    updated_at: Timestamp | None = Field(description="When the sync last wrote this lead")
    changed_at: Timestamp | None = Field(description="When storage committed the last change (what updated_since filters on)")
    truncated: list[str] | None = Field(default=None, description="Fields cut to fit one storage entity")


assert set(CANONICAL_FIELDS) <= set(Lead.model_fields)


class LeadsPage(Closed):
    items: list[Lead]
    count: int = Field(ge=0, description="Items on this page")
    total: int | None = Field(default=None, ge=0, description="Every lead matching the query (only with count=true)")
    continuation: str | None = Field(description="Pass back as ?continuation= for the next page; null on the last page")
    watermark: Timestamp | None = Field(description="Pass back as ?updated_since= next time to read only what changed")


SortKey = Literal[
    "created_at", "-created_at", "updated_at", "-updated_at", "name", "-name", "company", "-company", "changed_at", "-changed_at"
]


class LeadsQueryParams(Closed):
    """
    Query parameters of ``GET /api/leads``. Without customer or sheet: every configured sheet.

    With ``updated_since`` (an incremental read) soft-deleted leads are served too, as changes
    marked ``deleted``, unless ``include_deleted=false`` says otherwise: a mirror learns that a
    lead left its sheet from the same read that tells it what changed.
    """

    customer: str | None = Field(default=None, min_length=1, max_length=200, description="Leads of this customer's sheets")
    sheet: SheetId | None = Field(default=None, description="Leads of one sheet")
    sheet_id: SheetId | None = Field(default=None, description="Same as sheet (older name)")
    page_size: QueryInt = Field(default=100, ge=1, le=1000)
    continuation: str | None = Field(
        default=None,
        min_length=1,
        max_length=4096,
        description="The continuation of the previous page, unchanged (an opaque value this API issued)",
        json_schema_extra={"format": "continuation"},
    )
    include_deleted: QueryBool | None = Field(
        default=None,
        description="Also leads removed from the sheet (soft-deleted). Default: true with updated_since (deletions are changes), else false",
    )
    include_orphaned: QueryBool = Field(
        default=False, description="Also leads of sheets no longer configured (a customer's, or every one's)"
    )
    updated_since: QueryTime | None = Field(
        default=None,
        description="Only leads whose changed_at is at or after this: writes, soft deletions and restores (deleted leads included unless include_deleted=false)",
    )
    status: QueryText | None = Field(default=None, description="Lead status, exactly as stored (server-side filter)")
    source: QueryText | None = Field(default=None, description="Lead source, exactly as stored (server-side filter)")
    campaign: QueryText | None = Field(default=None, description="Campaign, exactly as stored (server-side filter)")
    created_from: QueryTime | None = Field(default=None, description="created_at at or after (a date-only created_at is midnight UTC)")
    created_to: QueryTime | None = Field(default=None, description="created_at before")
    updated_from: QueryTime | None = Field(default=None, description="updated_at at or after (server-side filter)")
    updated_to: QueryTime | None = Field(default=None, description="updated_at before (server-side filter)")
    has_invalid: QueryBool | None = Field(default=None, description="Only leads with (true) or without (false) invalid values")
    duplicate: QueryBool | None = Field(
        default=None, description="Only duplicates of another lead (true) or only first occurrences (false)"
    )
    deleted: QueryBool | None = Field(
        default=None, description="Only deleted (true) or only live (false) leads; true implies include_deleted"
    )
    q: NotBlank | None = Field(
        default=None,
        max_length=200,
        description="Search name, email, company (case- and accent-insensitive substring) and phone (any format, normalised as the sync does)",
    )
    sort: SortKey | None = Field(default=None, description="Order by a field; '-' for descending. Ties break on sheet and id")
    count: QueryBool = Field(default=False, description="Also return total, the number of matching leads")


class LeadParams(Closed):
    """Query parameters of ``GET /api/leads/{id}``."""

    sheet: SheetId = Field(description="The lead's sheet")


class NoParams(Closed):
    """A route that takes no query parameters (a typo is refused, not ignored)."""


class Removal(Closed):
    """
    A lead deleted for real: delete it from any copy (nothing personal is kept here). A lead can
    come back under the same id (its row returns to the sheet, or its person is taken off the
    suppression list): apply a removal to a copy only if removed_at is later than the copy's changed_at.
    """

    sheet_id: SheetId
    id: str = Field(description="The lead's id, as GET /api/leads served it")
    reason: Literal["erased", "purged"] = Field(
        description="erased: a person's erasure (POST /api/leads/erasures, or a sync that met an erased person); "
        "purged: soft-deleted longer ago than the retention"
    )
    removed_at: Timestamp | None


class RemovalsPage(Closed):
    """Leads deleted for real since a time, for readers that mirror the leads (kept LEAD_SYNC_REMOVALS_DAYS, 30 by default)."""

    items: list[Removal]
    count: int = Field(ge=0)
    continuation: str | None = Field(description="Pass back as ?continuation= for the next page; null on the last page")
    watermark: Timestamp | None = Field(
        description="Pass back as ?since= next time: it lies a minute back, so a removal may come twice (deleting twice is harmless) but is never missed"
    )


class RemovalsParams(Closed):
    """Query parameters of ``GET /api/leads/removals``. Without customer or sheet: every sheet's."""

    customer: str | None = Field(default=None, min_length=1, max_length=200, description="Removals of this customer's sheets")
    sheet: SheetId | None = Field(default=None, description="Removals of one sheet")
    since: QueryTime | None = Field(default=None, description="Only removals recorded at or after this (the previous page's watermark)")
    page_size: QueryInt = Field(default=100, ge=1, le=1000)
    continuation: str | None = Field(
        default=None,
        min_length=1,
        max_length=4096,
        description="The continuation of the previous page, unchanged (an opaque value this API issued)",
        json_schema_extra={"format": "continuation"},
    )


# reasons


class Reason(Closed):
    code: ReasonCode
    status: SyncStatus = Field(description="The status this reason implies at least")
    meaning: str
    action: str = Field(description="What a person does about it")


class Reasons(Closed):
    reasons: list[Reason]


# health


class SheetCounts(Closed):
    total: int
    SUCCESS: int
    WARNING: int
    ERROR: int


class HealthSummary(Closed):
    """What anyone may know: nothing about customers, sheets or messages."""

    status: SyncStatus
    checked_at: Timestamp
    version: str
    started_at: Timestamp
    storage: Literal["ok", "unavailable"]
    configuration: Literal["ok", "has problems"]
    syncs: Literal["fresh", "stale"]
    sheets: SheetCounts
    detail: str


class RunSummary(Closed):
    started_at: Timestamp
    duration_ms: int
    status: SyncStatus | Literal[""]
    counts: dict[str, int]
    reason_codes: list[ReasonCode]
    trigger: str | None
    run_id: str | None = None


class BlockedChange(Closed):
    id: str = Field(description="Approve exactly this change: POST /api/leads/sheets/{sheet}/approve {'change': id}")
    kind: str = Field(
        description="drop (leads removed), empty (the sheet came back empty), columns (essential columns removed) "
        "or carry (too many rows would keep a stored lead's id through a phone or name; preview items are {id, to, row})"
    )
    count: int
    at: Timestamp
    reason: str
    preview: list[dict[str, Any]]


class ApprovalNow(Closed):
    change_id: str
    at: Timestamp
    by: str


class ApprovalRecord(Closed):
    change_id: str
    kind: str
    count: int
    approved_at: Timestamp
    by: str
    reason: str
    outcome: str
    decided_at: Timestamp


class SheetHealth(Closed):
    sheet_id: str = Field(description="The sheet id (a broken entry's id as written, or #N for its position)")
    customer: str | None
    source: str | None = None
    enabled: bool | None = None
    status: SyncStatus
    messages: list[str]
    reason_codes: list[ReasonCode]
    last_run_at: Timestamp | None = None
    last_success_at: Timestamp | None = None
    leads: int | None = None
    counts: dict[str, int] | None = None
    header_row: int | None = Field(default=None, ge=1, description="1-based row of the header in the sheet, as a person counts rows")
    header_row_index: int | None = Field(default=None, ge=0, description="0-based index of the header row (blank rows counted)")
    header_strategy: str | None = None
    guard: dict[str, Any] | None = None
    blocked: BlockedChange | None = Field(default=None, description="The change the last sync did not make until a person approves it")
    awaiting_approval: bool | None = Field(default=None, description="True when a change is blocked and no valid approval covers it")
    approved: ApprovalNow | None = None
    approvals: list[ApprovalRecord] | None = None
    skipped_runs: int | None = None
    recent_runs: list[RunSummary] | None = None


class OrphanedSheet(Closed):
    sheet_id: str
    customer: str | None
    leads: int | None
    last_seen: Timestamp | None
    reason_codes: list[ReasonCode]


class Privacy(Closed):
    erasure: str = Field(description='"ready", or why erasure cannot run (a setting to fix)')
    retention_days: float | None = Field(description="Soft-deleted leads are purged after this many days; null: never")
    sheet_retention: dict[str, float] = Field(description="Sheets with a retention of their own")


class HealthDetail(Closed):
    checked_at: Timestamp
    version: str
    started_at: Timestamp
    problems: list[str]
    warnings: list[str]
    status: SyncStatus
    sheets: list[SheetHealth]
    orphaned: list[OrphanedSheet] | None = None
    privacy: Privacy | None = None
    webhooks: list[Webhook] | None = Field(default=None, description="Each webhook subscription's status (when there are any)")


class HealthParams(Closed):
    sheet: SheetId | None = Field(default=None, description="One sheet, with up to 50 runs from its history")
    runs: QueryInt = Field(default=5, ge=0, le=50, description="Recent runs per sheet")


# sync and approval


class SyncBody(Closed):
    """``{"sheet": ID}`` syncs one sheet; ``{"all": true}`` every sheet; ``wait`` (one sheet) waits for it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "oneOf": [
                {"required": ["sheet"], "properties": {"sheet": {"type": "string"}}},
                {"required": ["all"], "properties": {"all": {"const": True}}},
            ]
        },
    )

    wait: JsonInt = Field(
        default=0,
        ge=0,
        le=20,
        description="Seconds to wait for a single sheet's sync (200 with its report); a sync of every sheet answers at once",
    )
    sheet: SheetId = Field(default=None, description="One sheet id (not with all)")  # type: ignore[assignment]
    all: Literal[True] = Field(default=None, description="true: every sheet (not with sheet)")  # type: ignore[arg-type]

    @model_validator(mode="after")
    def _one_of(self) -> SyncBody:
        if (self.sheet is None) == (self.all is None):
            raise ValueError('give {"sheet": ID} for one sheet or {"all": true} for every sheet, not both')
        return self


class SheetReport(Closed):
    sheet_id: str
    customer: str | None
    status: SyncStatus
    messages: list[str]
    reason_codes: list[ReasonCode]
    header_row: int | None = Field(ge=1, description="1-based row of the header, as a person counts rows")
    header_row_index: int | None = Field(ge=0, description="0-based index of the header row")
    header_strategy: str | None
    header_confidence: float | None
    mapped_fields: list[str]
    rows_read: int
    leads: int
    added: int
    updated: int
    restored: int
    deleted: int
    unchanged: int
    skipped: int
    not_leads: int
    error_values: int
    suppressed: int
    invalid_values: int
    duplicates: int
    carried: int = Field(description="Rows that kept a stored lead's id through a phone, a name or the rest of the row (an email change)")
    written: int
    truncated: int
    guard: dict[str, Any] | None
    blocked: BlockedChange | None
    awaiting_approval: bool = Field(description="True when this run was blocked and waits for a person's approval")
    duration_ms: int
    started_at: Timestamp | None


class RunReport(Closed):
    status: SyncStatus
    problems: list[str]
    sheets: list[SheetReport]
    run_id: str | None = Field(default=None, description="The manual run (when it went through the queue)")


class SyncRunSheet(Closed):
    sheet_id: str
    state: Literal["queued", "running", "retrying", "done", "failed"]
    status: SyncStatus | None = None
    updated_at: Timestamp | None = None
    error: str | None = None
    report: dict[str, Any] | None = Field(default=None, description="The sheet's run report when done")


class SyncRun(Closed):
    """A manual sync handed to the queue, sheet by sheet."""

    run_id: str
    trigger: str
    created_at: Timestamp
    state: Literal["queued", "running", "done"]
    counts: dict[str, int]
    sheets: list[SyncRunSheet]
    status_url: str | None = Field(default=None, description="Where to follow it: GET /api/leads/runs/{id}")


class ApprovalBody(Closed):
    change: str = Field(pattern=SHEET_PATTERN, description="The blocked change id shown in health detail (and in the sync's report)")
    by: str = Field(default="", max_length=200, description="Who approves, when no identity header says it")
    reason: str = Field(default="", max_length=1000)
    confirm_empty: bool = Field(default=False, description="Needed to approve a change that empties the sheet")


class ApprovalResult(Closed):
    sheet_id: str
    approved: Literal[True]
    change: BlockedChange
    by: str
    message: str


# personal data (issue 14)


class ErasureBody(Closed):
    """A person, by email and/or phone in any format (normalised as the sync normalises them)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            # allOf around anyOf: generated TypeScript reads it as "these keys, and at least one of them".
            "allOf": [
                {
                    "anyOf": [
                        {"required": ["email"], "properties": {"email": {"type": "string"}}},
                        {"required": ["phone"], "properties": {"phone": {"type": "string"}}},
                    ]
                }
            ]
        },
    )

    email: NotBlank = Field(default=None, max_length=320)  # type: ignore[assignment]
    phone: NotBlank = Field(default=None, max_length=320)  # type: ignore[assignment]

    @model_validator(mode="after")
    def _any_of(self) -> ErasureBody:
        if self.email is None and self.phone is None:
            raise ValueError('give the person\'s "email" and/or "phone"')
        return self


class ErasedSheet(Closed):
    sheet_id: str
    leads: int


class ErasureResult(Closed):
    erased: int = Field(description="Leads deleted for real, in every sheet")
    sheets: list[ErasedSheet]
    suppressed: int = Field(
        description="Identifiers now on the suppression list (as keyed hashes): those given and those the erased leads carried"
    )
    suppressed_kinds: dict[Literal["email", "phone"], int] = Field(
        description="The identifiers listed, counted by kind (never their values)"
    )
    suppressed_from_leads: int = Field(
        description="Of those, how many were not given but carried by the erased leads (their other emails and phones)"
    )
    identifiers: list[Literal["email", "phone"]] = Field(description="Which kinds of identifier were given (never their values)")
    audit_id: str
    message: str


class UnsuppressResult(Closed):
    removed: int
    audit_id: str
    message: str


class AuditEntry(BaseModel):
    """One recorded action: what, when, who, sheet ids and counts; never personal data."""

    model_config = ConfigDict(extra="allow")
    id: str
    action: str
    actor: str


class AuditPage(Closed):
    items: list[AuditEntry]
    count: int
    continuation: str | None


class AuditParams(Closed):
    page_size: int = Field(default=100, ge=1, le=1000)
    continuation: str | None = Field(default=None, max_length=4096)


# change notifications (issue 22)


class ChangedParams(Closed):
    token: str | None = Field(
        default=None,
        min_length=1,
        max_length=256,
        description="The sheet's token, for callers that cannot send a header (prefer Authorization: Bearer: URLs are logged)",
    )


class NoticeAccepted(Closed):
    """A sync of the sheet is queued, or already pending: it starts at sync_expected_at"""

    sheet_id: str
    outcome: Literal["queued", "pending", "ignored"] = Field(
        description="queued: this notification queued the sync; pending: one queued within the debounce window covers it; "
        "ignored: a Drive channel's first (sync) message, nothing to do"
    )
    sync_expected_at: Timestamp | None = Field(description="When the sync's queue message becomes visible (debounce and pacing)")
    debounce_seconds: float = Field(description="Notifications within this time of the first are one sync")
    run_id: str | None = Field(default=None, description="The queued run (outcome queued)")


class NotifySetupDoc(Closed):
    """How a sheet owner sends change notifications: the address, the sheet's token and the Apps Script to paste"""

    sheet_id: str
    url: str = Field(description="POST here on every change")
    token: str = Field(description="The sheet's token (derived from LEAD_SYNC_NOTIFY_KEY and notify_version; a secret)")
    notify_version: int = Field(ge=1, description="Raise the sheet entry's notify_version to revoke this token")
    header: str = Field(description="The header to send: Authorization: Bearer <token>")
    apps_script: str = Field(description="An Apps Script file with an installable on-change and form-submit trigger")


# webhooks (issue 22)

EventType = Literal["lead.created", "lead.updated", "lead.deleted", "lead.restored", "lead.erased", "lead.purged"]
WEBHOOK_ID_PATTERN = r"^wh_[0-9a-f]{1,40}$"
WebhookUrl = Annotated[str, Field(min_length=8, max_length=2048, description="https URL of the receiver (public addresses only)")]
WebhookSecret = Annotated[
    str,
    Field(
        min_length=38,
        max_length=200,
        pattern=r"^whsec_[A-Za-z0-9+/]+={0,2}$",
        description="whsec_ and base64 of 24 to 64 random bytes; write-only: never returned",
    ),
]
Customers = Annotated[list[Annotated[str, Field(min_length=1, max_length=200)]], Field(max_length=100)]


class WebhookBody(Closed):
    """A new subscription: where, which customers (none: all) and which event types (none: all)."""

    url: WebhookUrl
    secret: WebhookSecret
    customers: Customers = Field(default_factory=list, description="Only these customers' leads; empty: every customer")
    types: list[EventType] = Field(default_factory=list, max_length=6, description="Only these event types; empty: every type")
    description: str = Field(default="", max_length=200)


class WebhookPatch(Closed):
    """What to change; a new ``secret`` replaces the old at once."""

    url: WebhookUrl | None = None
    secret: WebhookSecret | None = None
    customers: Customers | None = None
    types: list[EventType] | None = Field(default=None, max_length=6)
    description: str | None = Field(default=None, max_length=200)
    disabled: bool | None = None


class Webhook(Closed):
    """A subscription (its secret is never returned: ``secret_fingerprint`` tells secrets apart)."""

    id: str
    url: str
    customers: list[str]
    types: list[EventType]
    description: str
    disabled: bool
    secret_fingerprint: str
    created_at: Timestamp | None
    status: Literal["ok", "retrying", "failing", "disabled"] = Field(
        description="failing: its receiver has failed for 24 hours (reason says how); retrying: failing for less"
    )
    reason: str | None
    failing_since: Timestamp | None
    pending: int | None = Field(description="Deliveries waiting (not counted in the health detail: null there)")
    dead: int = Field(description="Deliveries given up after 24 hours (since the last replay)")


class Webhooks(Closed):
    """Every subscription."""

    items: list[Webhook]


class WebhookDeleted(Closed):
    id: str
    deleted: Literal[True]


class Delivery(Closed):
    """One event's delivery to one subscription (ids only)."""

    event_id: str = Field(description="The webhook-id header: the same on every attempt and replay")
    type: EventType
    lead_id: str
    sheet_id: str
    sequence: int = Field(description="The event's number in its sheet: order by it")
    at: Timestamp | None = Field(description="When the change committed")
    status: Literal["pending", "delivered", "dead"]
    attempts: int
    next_at: Timestamp | None
    last_status: int | None = Field(description="The receiver's last HTTP status (none: no answer)")
    last_error: str | None
    delivered_at: Timestamp | None


class Deliveries(Closed):
    """One page of a subscription's delivery log (kept 7 days), sheet by sheet in sequence order."""

    items: list[Delivery]
    continuation: str | None


class DeliveriesParams(Closed):
    status: Literal["pending", "delivered", "dead"] | None = None
    page_size: int = Field(default=100, ge=1, le=1000)
    continuation: str | None = Field(default=None, max_length=4096)


class ReplayBody(Closed):
    """Deliver again: every logged event from a time, or from one event onwards (in its sheet)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"oneOf": [{"required": ["since"]}, {"required": ["event_id"]}]},
    )

    since: Timestamp = Field(default=None)  # type: ignore[assignment]  # absent, never null
    event_id: str = Field(default=None, pattern=r"^evt_[a-z2-7]{1,40}$")  # type: ignore[assignment]

    @model_validator(mode="after")
    def _one_of(self) -> ReplayBody:
        if (self.since is None) == (self.event_id is None):
            raise ValueError('give exactly one of "since" (a time) or "event_id"')
        return self


class LeadEventData(Closed):
    id: str = Field(description="The lead's id: read it with GET /api/leads/{id}?sheet={sheet_id}")
    sheet_id: str
    customer: str | None
    sequence: int = Field(description="The event's number in its sheet, from 1 without gaps (erased events excepted): order by it")


class LeadEvent(Closed):
    """What a receiver gets: Standard Webhooks' type/timestamp/data, with CloudEvents' attributes beside them. Ids only."""

    specversion: Literal["1.0"]
    id: str = Field(description="The event id, also sent as the webhook-id header: deduplicate on it")
    type: EventType
    source: str
    subject: str = Field(description="The lead id")
    time: Timestamp = Field(description="When the change committed")
    timestamp: Timestamp
    data: LeadEventData


class Replayed(Closed):
    id: str
    replayed: int = Field(description="How many deliveries are pending again")


class OpenApiDocument(BaseModel):
    """The OpenAPI 3.1 document itself."""

    model_config = ConfigDict(extra="allow")
    openapi: str


# routes


LOCATION = "Location"
ETAG = "ETag"
RETRY_AFTER = "Retry-After"
WWW_AUTHENTICATE = "WWW-Authenticate"


@dataclass(frozen=True)
class Route:
    """One HTTP route of the API: what the document says of it, and what ``shared.web`` parses with."""

    method: str
    path: str
    operation_id: str
    summary: str
    auth: Literal["anonymous", "function"]
    responses: dict[int, type[BaseModel]]
    """Status -> document model (a 304 is added for ``etag`` routes; 500 and 401 for every route that can answer them)."""
    query: type[BaseModel] | None = NoParams
    """The query model: unknown names are refused with 400. None: the route ignores its query string (health probes)."""
    body: type[BaseModel] | None = None
    path_params: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    """name -> (description, JSON schema)"""
    etag: bool = False
    headers: dict[int, tuple[str, ...]] = field(default_factory=dict)
    """Status -> response headers always sent besides the ETag (Location)."""
    tags: tuple[str, ...] = ()
    security: tuple[str, ...] = ()
    """Security schemes of an ``anonymous`` route that checks a credential of its own (a sheet's token)."""


SHEET_PARAM = {"sheet": ("The sheet id", {"type": "string", "pattern": SHEET_PATTERN})}

ROUTES: list[Route] = [
    Route(
        "get",
        "/api/leads",
        "listLeads",
        "A page of leads of a customer, a sheet or every sheet, filtered, searched and sorted",
        "function",
        {200: LeadsPage, 400: Problem, 404: Problem, 503: Problem},
        query=LeadsQueryParams,
        etag=True,
        tags=("leads",),
    ),
    Route(
        "get",
        "/api/leads/{id}",
        "getLead",
        "One lead by its id and sheet",
        "function",
        {200: Lead, 400: Problem, 404: Problem, 503: Problem},
        query=LeadParams,
        path_params={
            "id": ("The lead id (from GET /api/leads)", {"type": "string", "minLength": 1, "maxLength": 512, "pattern": LEAD_ID_PATTERN})
        },
        etag=True,
        tags=("leads",),
    ),
    Route(
        "get",
        "/api/leads/removals",
        "listRemovals",
        "Leads deleted for real (erasure, retention purge) since a time: what a mirror of the leads must delete too",
        "function",
        {200: RemovalsPage, 400: Problem, 404: Problem, 410: Problem, 503: Problem},
        query=RemovalsParams,
        etag=True,
        tags=("leads", "personal data"),
    ),
    Route(
        "post",
        "/api/leads/sync",
        "syncNow",
        "Start a sync of one sheet or every sheet (202 and where to follow it; 200 with the report when a waited sheet finished)",
        "function",
        {200: RunReport, 202: SyncRun, 400: Problem, 404: Problem, 409: Problem, 503: Problem},
        body=SyncBody,
        headers={200: (LOCATION,), 202: (LOCATION,)},
        tags=("sync",),
    ),
    Route(
        "get",
        "/api/leads/runs/{run}",
        "syncRun",
        "A manual sync's progress, sheet by sheet",
        "function",
        {200: SyncRun, 400: Problem, 404: Problem, 503: Problem},
        path_params={"run": ("The run id that POST /api/leads/sync answered", {"type": "string", "pattern": SHEET_PATTERN})},
        tags=("sync",),
    ),
    Route(
        "post",
        "/api/leads/sheets/{sheet}/approve",
        "approveChange",
        "Approve a sheet's blocked change (applied by the next sync if it is exactly the same)",
        "function",
        {200: ApprovalResult, 400: Problem, 404: Problem, 409: Problem, 503: Problem},
        body=ApprovalBody,
        path_params={"sheet": ("The sheet id", {"type": "string", "pattern": SHEET_PATTERN})},
        tags=("sync",),
    ),
    Route(
        "post",
        "/api/leads/sheets/{sheet}/changed",
        "sheetChanged",
        "A sheet changed: sync it within a minute (debounced: notifications within 20 s are one sync; the body is ignored)",
        "anonymous",
        {202: NoticeAccepted, 400: Problem, 401: Problem, 409: Problem, 429: Problem, 503: Problem},
        query=ChangedParams,
        path_params=SHEET_PARAM,
        headers={401: (WWW_AUTHENTICATE,), 429: (RETRY_AFTER,)},
        security=("sheetToken", "sheetTokenQuery"),
        tags=("sync",),
    ),
    Route(
        "get",
        "/api/leads/sheets/{sheet}/notify",
        "sheetNotifySetup",
        "A sheet's change-notification address, token and Apps Script, for its owner",
        "function",
        {200: NotifySetupDoc, 400: Problem, 404: Problem, 409: Problem, 503: Problem},
        path_params=SHEET_PARAM,
        tags=("sync",),
    ),
    Route(
        "get",
        "/api/leads/health",
        "health",
        "Overall sync health (anonymous; nothing operational; the query string is ignored)",
        "anonymous",
        {200: HealthSummary, 503: HealthSummary},
        query=None,
        etag=True,
        tags=("health",),
    ),
    Route(
        "get",
        "/api/leads/health/detail",
        "healthDetail",
        "Each sheet's status, messages, counts, guard and recent runs",
        "function",
        {200: HealthDetail, 400: Problem, 404: Problem, 503: HealthDetail},
        query=HealthParams,
        etag=True,
        tags=("health",),
    ),
    Route(
        "post",
        "/api/leads/erasures",
        "erasePerson",
        "Erase a person from every sheet for real; later syncs withhold their rows (recorded in the audit trail)",
        "function",
        {200: ErasureResult, 400: Problem, 503: Problem},
        body=ErasureBody,
        tags=("personal data",),
    ),
    Route(
        "post",
        "/api/leads/erasures/unsuppress",
        "unsuppressPerson",
        "Take a person off the suppression list (recorded); later syncs store their rows again",
        "function",
        {200: UnsuppressResult, 400: Problem, 503: Problem},
        body=ErasureBody,
        tags=("personal data",),
    ),
    Route(
        "get",
        "/api/leads/audit",
        "auditTrail",
        "The audit trail of erasures, un-suppressions, approvals and purges, newest first",
        "function",
        {200: AuditPage, 400: Problem, 503: Problem},
        query=AuditParams,
        tags=("personal data",),
    ),
    Route(
        "get",
        "/api/webhooks",
        "listWebhooks",
        "Every webhook subscription with its status",
        "function",
        {200: Webhooks, 400: Problem, 503: Problem},
        tags=("webhooks",),
    ),
    Route(
        "post",
        "/api/webhooks",
        "createWebhook",
        "Subscribe a receiver to lead events (signed as Standard Webhooks)",
        "function",
        {201: Webhook, 400: Problem, 503: Problem},
        body=WebhookBody,
        tags=("webhooks",),
    ),
    Route(
        "get",
        "/api/webhooks/{id}",
        "getWebhook",
        "One subscription",
        "function",
        {200: Webhook, 400: Problem, 404: Problem, 503: Problem},
        path_params={"id": ("The subscription id (from POST /api/webhooks)", {"type": "string", "pattern": WEBHOOK_ID_PATTERN})},
        tags=("webhooks",),
    ),
    Route(
        "patch",
        "/api/webhooks/{id}",
        "updateWebhook",
        "Change a subscription (url, secret, filters, disabled)",
        "function",
        {200: Webhook, 400: Problem, 404: Problem, 503: Problem},
        body=WebhookPatch,
        path_params={"id": ("The subscription id (from POST /api/webhooks)", {"type": "string", "pattern": WEBHOOK_ID_PATTERN})},
        tags=("webhooks",),
    ),
    Route(
        "delete",
        "/api/webhooks/{id}",
        "deleteWebhook",
        "Delete a subscription (its delivery log ages out)",
        "function",
        {200: WebhookDeleted, 400: Problem, 404: Problem, 503: Problem},
        path_params={"id": ("The subscription id (from POST /api/webhooks)", {"type": "string", "pattern": WEBHOOK_ID_PATTERN})},
        tags=("webhooks",),
    ),
    Route(
        "get",
        "/api/webhooks/{id}/deliveries",
        "webhookDeliveries",
        "A subscription's delivery log: pending, delivered and dead-lettered events",
        "function",
        {200: Deliveries, 400: Problem, 404: Problem, 503: Problem},
        query=DeliveriesParams,
        path_params={"id": ("The subscription id (from POST /api/webhooks)", {"type": "string", "pattern": WEBHOOK_ID_PATTERN})},
        tags=("webhooks",),
    ),
    Route(
        "post",
        "/api/webhooks/{id}/replay",
        "replayWebhook",
        "Deliver logged events again, from a time or from one event",
        "function",
        {200: Replayed, 400: Problem, 404: Problem, 503: Problem},
        body=ReplayBody,
        path_params={"id": ("The subscription id (from POST /api/webhooks)", {"type": "string", "pattern": WEBHOOK_ID_PATTERN})},
        tags=("webhooks",),
    ),
    Route(
        "get",
        "/api/leads/reasons",
        "reasons",
        "The reason codes of health and run reports: status, meaning and what to do",
        "anonymous",
        {200: Reasons, 400: Problem},
        etag=True,
        tags=("meta",),
    ),
    Route(
        "get",
        "/api/openapi.json",
        "openapi",
        "This document",
        "anonymous",
        {200: OpenApiDocument, 400: Problem},
        etag=True,
        tags=("meta",),
    ),
]

ROUTE_BY_ID = {r.operation_id: r for r in ROUTES}

HEADERS: dict[str, dict[str, Any]] = {
    ETAG: {
        "description": "Send it back as If-None-Match: 304 when nothing changed. A page's ETag covers its items and where its continuation leads",
        "required": True,
        "schema": {"type": "string"},
    },
    LOCATION: {"description": "Where to follow the run: GET /api/leads/runs/{run}", "required": True, "schema": {"type": "string"}},
    RETRY_AFTER: {
        "description": "Seconds to wait before notifying again",
        "required": True,
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
    },
    WWW_AUTHENTICATE: {"description": "Bearer: send the sheet's token", "required": True, "schema": {"type": "string"}},
}


def _query_parameters(model: type[BaseModel]) -> list[dict[str, Any]]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    out: list[dict[str, Any]] = []
    for name, prop in schema.get("properties", {}).items():
        prop = dict(prop)
        text = prop.pop("description", None)
        prop.pop("title", None)
        if "anyOf" in prop and any(
            k.get("type") == "null" for k in prop["anyOf"]
        ):  # X | None: a query parameter is absent rather than null
            kinds = [k for k in prop["anyOf"] if k.get("type") != "null"]
            prop = {**{k: v for k, v in prop.items() if k != "anyOf"}, **(kinds[0] if len(kinds) == 1 else {"anyOf": kinds})}
        if prop.get("default", 0) is None:
            prop.pop("default")
        param = {"name": name, "in": "query", "required": name in schema.get("required", []), "schema": prop}
        if text:
            param["description"] = text
        out.append(param)
    return out


def _parameters(route: Route) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "description": text, "schema": schema}
        for name, (text, schema) in route.path_params.items()
    ]
    if route.query is not None:
        out += _query_parameters(route.query)
    if route.auth == "function":
        out.append(
            {
                "name": "code",
                "in": "query",
                "required": False,
                "description": "The function key (or send it as the x-functions-key header)",
                "schema": {"type": "string"},
            }
        )
    if route.etag:
        out.append(
            {
                "name": "If-None-Match",
                "in": "header",
                "required": False,
                "description": "The ETag of a previous answer: 304 when nothing changed",
                "schema": {"type": "string"},
            }
        )
    return out


def _without_null_defaults(node: Any) -> Any:
    """``"default": null`` says nothing a reader needs (and generators read it as "always present")."""
    if isinstance(node, dict):
        return {k: _without_null_defaults(v) for k, v in node.items() if not (k == "default" and v is None)}
    if isinstance(node, list):
        return [_without_null_defaults(v) for v in node]
    return node


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _response(route: Route, status: int, model: type[BaseModel] | None, description: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"description": description}
    if model is not None:
        kind = "application/problem+json" if model is Problem else "application/json"
        entry["content"] = {kind: {"schema": _ref(model)}}
    names = ((ETAG,) if route.etag and status in (200, 304) else ()) + route.headers.get(status, ())
    if names:
        entry["headers"] = {name: HEADERS[name] for name in names}
    return entry


ERROR_TEXT = {
    400: "The request is not one this route takes: problem.detail says what to change",
    401: "A function key is needed (the Functions host answers with an empty body; the local server with a problem document)",
    404: "No such sheet, lead or run",
    409: "The request conflicts with the current state (a sync running, a different blocked change, a paused sheet)",
    410: "Gone: what was asked for is no longer kept",
    429: "The Google read budget is taken for the next minute: notify again after Retry-After seconds (the timer syncs the sheet anyway)",
    500: "An unexpected error: quote problem.error_id to support",
    503: "Storage or a setting is unavailable: problem.detail names it",
}


@functools.cache
def openapi() -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``ROUTES`` (built once per process)."""
    from pydantic.json_schema import models_json_schema

    models: set[type[BaseModel]] = {Problem, LeadEvent}
    for r in ROUTES:
        models.update(r.responses.values())
    _, defs = models_json_schema(
        [(m, "serialization") for m in sorted(models, key=lambda m: m.__name__)], ref_template="#/components/schemas/{model}"
    )
    bodies = [r.body for r in ROUTES if r.body is not None]
    _, body_defs = models_json_schema(
        [(m, "validation") for m in sorted(set(bodies), key=lambda m: m.__name__)], ref_template="#/components/schemas/{model}"
    )
    schemas: dict[str, Any] = _without_null_defaults(dict(defs.get("$defs", {})) | dict(body_defs.get("$defs", {})))
    paths: dict[str, Any] = {}
    for r in ROUTES:
        op: dict[str, Any] = {"operationId": r.operation_id, "summary": r.summary, "tags": list(r.tags)}
        params = _parameters(r)
        if params:
            op["parameters"] = params
        if r.body is not None:
            op["requestBody"] = {"required": True, "content": {"application/json": {"schema": _ref(r.body)}}}
        responses: dict[str, Any] = {}
        answers: dict[int, type[BaseModel] | None] = dict(r.responses)
        answers[500] = Problem
        if r.auth == "function":
            answers[401] = Problem
        if r.etag:
            answers[304] = None
        for status, model in sorted(answers.items()):
            if status == 304:
                text = "Not modified: the If-None-Match ETag is current"
            elif model is Problem and status == 401 and r.security:
                text = "The sheet's token is missing or wrong, or the sheet is not configured (one answer for both)"
            elif model is Problem:
                text = ERROR_TEXT.get(status, model.__name__)
            else:
                text = model.__doc__.strip().splitlines()[0] if model and model.__doc__ else (model.__name__ if model else "")
            responses[str(status)] = _response(r, status, model, text)
        if r.auth == "function":
            op["security"] = [{"functionKey": []}, {"functionKeyQuery": []}]
        else:
            op["security"] = [{name: []} for name in r.security]
        op["responses"] = responses
        paths.setdefault(r.path, {})[r.method] = op
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Lead Sync API",
            "version": API_VERSION,
            "description": "Leads synced from Google Sheets into Azure Table Storage, and the health of the syncs.",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "webhooks": {
            "leadEvent": {
                "post": {
                    "operationId": "leadEvent",
                    "summary": "A lead changed: sent to each subscription that wants it, signed as Standard Webhooks",
                    "tags": ["webhooks"],
                    "parameters": [
                        {"name": h, "in": "header", "required": True, "schema": {"type": "string"}, "description": d}
                        for h, d in (
                            ("webhook-id", "The event id: the same on every retry and replay"),
                            ("webhook-timestamp", "Seconds since 1970 of this attempt: refuse one older than 5 minutes"),
                            ("webhook-signature", "v1,<base64 HMAC-SHA256 of id.timestamp.body under the secret>"),
                        )
                    ],
                    "requestBody": {"required": True, "content": {"application/json": {"schema": _ref(LeadEvent)}}},
                    "responses": {"2XX": {"description": "Received: any 2xx; anything else (or no answer in 10 s) is retried"}},
                }
            }
        },
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "functionKey": {"type": "apiKey", "in": "header", "name": "x-functions-key"},
                "functionKeyQuery": {"type": "apiKey", "in": "query", "name": "code"},
                "sheetToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A sheet's change-notification token (GET /api/leads/sheets/{sheet}/notify); a Drive push channel "
                    "sends it as X-Goog-Channel-Token",
                },
                "sheetTokenQuery": {"type": "apiKey", "in": "query", "name": "token"},
            },
        },
    }


def response_schema(path: str, method: str, status: int) -> dict[str, Any]:
    """The JSON schema of one route's response (with the document's components), for validation."""
    doc = openapi()
    entry = doc["paths"][path][method.lower()]["responses"][str(status)]
    content = next(iter(entry["content"].values()))
    return {**content["schema"], "components": doc["components"]}
