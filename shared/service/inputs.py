"""
What the use cases take: validated requests, built by ``shared.web`` (HTTP) or ``shared.cli``.

Each is frozen and carries only checked values; a use case never parses text of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..core.leadquery import LeadFilter

MAX_PAGE = 1000
"""The largest page of leads or audit records one call returns."""


@dataclass(frozen=True)
class LeadsQuery:
    """A validated ``GET /api/leads`` (``shared.web.parse_leads_query``)."""

    sheet_id: str | None = None
    customer: str | None = None
    page_size: int = 100
    continuation: str | None = None
    include_deleted: bool = False
    updated_since: datetime | None = None
    include_orphaned: bool = False
    """With ``customer``: also leads of sheets no longer configured (found by the customer on each lead)."""
    status: str | None = None
    source: str | None = None
    campaign: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    updated_from: datetime | None = None
    updated_to: datetime | None = None
    has_invalid: bool | None = None
    duplicate: bool | None = None
    deleted: bool | None = None
    q: str | None = None
    sort: str | None = None
    """A sort field (``shared.core.leadquery.SORT_FIELDS``), ``-`` first for descending."""
    count: bool = False

    def lead_filter(self, phone_region: str = "GB") -> LeadFilter:
        return LeadFilter(
            status=self.status,
            source=self.source,
            campaign=self.campaign,
            updated_from=self.updated_from,
            updated_to=self.updated_to,
            changed_since=self.updated_since,
            include_deleted=self.include_deleted or self.deleted is True,
            deleted=self.deleted,
            created_from=self.created_from,
            created_to=self.created_to,
            has_invalid=self.has_invalid,
            duplicate=self.duplicate,
            q=self.q,
            phone_region=phone_region,
        )


@dataclass(frozen=True)
class RemovalsQuery:
    """A validated ``GET /api/leads/removals``: a sheet's or a customer's leads deleted for real, since a time."""

    sheet_id: str | None = None
    customer: str | None = None
    since: datetime | None = None
    page_size: int = 100
    continuation: str | None = None


@dataclass(frozen=True)
class HealthQuery:
    """``GET /api/leads/health/detail``: each sheet's last ``runs`` runs, or one sheet with its history."""

    runs: int = 5
    sheet_id: str | None = None


@dataclass(frozen=True)
class SyncRequest:
    """A validated manual sync: one sheet, or every sheet when ``sheet_id`` is None."""

    sheet_id: str | None = None
    wait: float = 0.0
    """Seconds a single-sheet sync may wait for its result (``?wait=``); 0 answers at once."""


@dataclass(frozen=True)
class ApprovalRequest:
    """A person approving one blocked change of a sheet (``change_id`` from health or the report)."""

    sheet_id: str
    change_id: str | None = None
    by: str = ""
    reason: str = ""
    confirm_empty: bool = False


@dataclass(frozen=True)
class ErasureRequest:
    """A person's identifiers as given (any format) and who acts; used to erase and to un-suppress."""

    email: str | None = None
    phone: str | None = None
    actor: str = "function key"


@dataclass(frozen=True)
class AuditQuery:
    """A page of the audit trail (newest first)."""

    page_size: int = 100
    continuation: str | None = None


@dataclass(frozen=True)
class SheetDraft:
    """A Google sheet an operator is onboarding (the console's form), checked field by field."""

    sheet_id: str
    customer: str
    spreadsheet_id: str
    worksheet: str | None = None
    overrides: tuple[tuple[str, str], ...] = ()
    """Header -> canonical field, or ``"ignore"``."""
    phone_region: str | None = None
    required: tuple[tuple[str, ...], ...] | None = None
    """Groups of fields of which each needs one mapped column; None: the default groups."""
    actor: str = ""

    def entry(self) -> dict[str, object]:
        """The sheet-list entry (the JSON object of ``LEAD_SYNC_SHEETS``) this draft saves."""
        out: dict[str, object] = {"id": self.sheet_id, "customer": self.customer, "source": "google", "spreadsheet_id": self.spreadsheet_id}
        if self.worksheet:
            out["worksheet"] = self.worksheet
        if self.overrides:
            out["overrides"] = dict(self.overrides)
        if self.phone_region:
            out["phone_region"] = self.phone_region
        if self.required is not None:
            out["required"] = [list(g) for g in self.required]
        return out


@dataclass(frozen=True)
class SheetEdit:
    """A change to one sheet's configuration, made against the version the operator saw (``etag``)."""

    sheet_id: str
    etag: str
    actor: str
    enabled: bool | None = None
    """Pause (False) or resume (True); None leaves it."""
    override: tuple[str, str | None] | None = None
    """(header, field or ``"ignore"``; None removes the override); None leaves the overrides."""


@dataclass(frozen=True)
class ChangeNotice:
    """A change notification of one sheet (``POST /api/leads/sheets/{sheet}/changed``): the token as presented."""

    sheet_id: str
    token: str | None
    probe: bool = False
    """A Drive push channel's first message (``X-Goog-Resource-State: sync``): checked, answered, nothing queued."""
    channel_id: str | None = None
    """``X-Goog-Channel-ID``: the call comes from a Drive push channel, which must be the sheet's own."""
