"""
What the use cases return: typed results, each with ``to_dict()``, the document ``shared.web``
answers and the CLI prints. A result knows nothing of HTTP (status codes, headers, ETags).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from ..core.jobs import Job
from ..core.state import BlockedChange


@dataclass(frozen=True)
class HealthView:
    """A health document and whether storage could be read for it (``shared.web`` answers 503 when not)."""

    doc: dict[str, Any]
    storage_ok: bool = True


@dataclass(frozen=True)
class LeadsPage:
    """One page of leads; ``continuation`` fetches the next, ``watermark`` is where an incremental reader resumes."""

    items: list[dict[str, Any]]
    continuation: str | None
    watermark: str | None
    total: int | None = None
    """Every matching lead (``count=true`` only)."""

    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "items": self.items,
            "count": len(self.items),
            "continuation": self.continuation,
            "watermark": self.watermark,
        }
        if self.total is not None:
            doc["total"] = self.total
        return doc


@dataclass(frozen=True)
class RemovalsPage:
    """Leads deleted for real (erasure, purge): sheet id, lead id, reason, time; nothing personal."""

    items: list[dict[str, Any]]
    continuation: str | None
    watermark: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"items": self.items, "count": len(self.items), "continuation": self.continuation, "watermark": self.watermark}


@dataclass(frozen=True)
class Enqueued:
    """A run handed to the sync queue: one message per sheet, the last one delayed ``last_delay_s``."""

    run_id: str
    messages: int
    sheets: tuple[str, ...]
    broken: tuple[str, ...] = ()
    """Sheets whose configuration is invalid: reported, not queued."""
    last_delay_s: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "messages": self.messages,
            "broken": list(self.broken),
            "last_delay_s": self.last_delay_s,
            "sheets": list(self.sheets),
        }


@dataclass(frozen=True)
class SyncStarted:
    """A manual sync handed to the queue: its run, finished or not yet."""

    run: Job
    finished: bool = False

    @property
    def run_id(self) -> str:
        return self.run.run_id

    @property
    def report(self) -> dict[str, Any] | None:
        """The sheet's report when a one-sheet run finished with one; else None."""
        if not self.finished or len(self.run.sheets) != 1:
            return None
        return self.run.sheets[0].report


class Outcome(StrEnum):
    """What became of one queue message."""

    DONE = "done"
    BUSY = "busy"
    """Another run held the sheet; a timer message is dropped (the next interval syncs it)."""
    DEFERRED = "deferred"
    """Sent back to the queue with a delay (Google's 429, or a busy sheet of a manual run)."""
    MALFORMED = "malformed"
    UNKNOWN = "unknown"
    """The message names a sheet that is not configured (any more)."""
    REFUSED = "refused"
    """The message names a run that does not exist or does not list its sheet (not sent by the
    service that starts runs), or a poisoned copy of a sheet's message whose run already finished."""
    POISONED = "poisoned"


@dataclass(frozen=True)
class ApprovalResult:
    """An approval recorded: the change it applies to and who gave it."""

    sheet_id: str
    change: BlockedChange
    by: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "sheet_id": self.sheet_id,
            "approved": True,
            "change": self.change.to_dict(),
            "by": self.by,
            "message": "the next sync applies this change if it is exactly the same; anything else, or 24 hours, lets the approval lapse",
        }


@dataclass(frozen=True)
class ErasureResult:
    """A person erased: leads deleted per sheet, identifiers suppressed, and the audit record."""

    per_sheet: dict[str, int]
    suppressed: int
    identifiers: tuple[str, ...]
    """The kinds given (``email``, ``phone``), never the values."""
    audit_id: str
    suppressed_kinds: dict[str, int] = field(default_factory=dict)
    """Identifiers listed by kind (``email``, ``phone``), counted in matching form."""
    suppressed_from_leads: int = 0
    """Of those, how many were not given but carried by the erased leads."""

    @property
    def erased(self) -> int:
        return sum(self.per_sheet.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "erased": self.erased,
            "sheets": [{"sheet_id": k, "leads": v} for k, v in self.per_sheet.items()],
            "suppressed": self.suppressed,
            "suppressed_kinds": dict(self.suppressed_kinds),
            "suppressed_from_leads": self.suppressed_from_leads,
            "identifiers": list(self.identifiers),
            "audit_id": self.audit_id,
            "message": "deleted for real; the other emails and phones of the erased leads are suppressed too, unless another "
            "person's lead shares them; every later sync withholds rows carrying these identifiers, in any spelling, and reports "
            "them by row number",
        }


@dataclass(frozen=True)
class UnsuppressResult:
    removed: int
    audit_id: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "removed": self.removed,
            "audit_id": self.audit_id,
            "message": "the next syncs store this person's rows again"
            if self.removed
            else "these identifiers were not on the suppression list",
        }


@dataclass(frozen=True)
class PurgedSheet:
    sheet_id: str
    retention_days: float
    purged: int
    more: bool
    """The run stopped at ``purge_max``, or the sheet was busy: the next run deletes more."""
    busy: bool = False
    """A sync held the sheet (or a dead run's lease was left on it): skipped, the next run purges it."""

    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"sheet_id": self.sheet_id, "retention_days": self.retention_days, "purged": self.purged, "more": self.more}
        if self.busy:
            doc["busy"] = True
        return doc


@dataclass(frozen=True)
class PurgeResult:
    """A retention run: what each sheet with a retention purged, and the error that stopped it, if any."""

    sheets: tuple[PurgedSheet, ...]
    error: str | None = None
    audit_id: str | None = None
    removals_forgotten: int = 0
    """Records of removals older than ``LEAD_SYNC_REMOVALS_DAYS`` deleted by this run."""
    runs_forgotten: int = 0
    """Manual sync runs older than a week deleted by this run."""

    @property
    def purged(self) -> int:
        return sum(x.purged for x in self.sheets)

    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "purged": self.purged,
            "sheets": [x.to_dict() for x in self.sheets],
            "error": self.error,
            "removals_forgotten": self.removals_forgotten,
            "runs_forgotten": self.runs_forgotten,
        }
        if self.audit_id is not None:
            doc["audit_id"] = self.audit_id
        return doc


@dataclass(frozen=True)
class AuditPage:
    items: list[dict[str, Any]]
    continuation: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"items": self.items, "count": len(self.items), "continuation": self.continuation}


@dataclass(frozen=True)
class SheetPreview:
    """What the app reads from a sheet before it is saved: the header, each column's decision, the first leads."""

    sheet_id: str
    header_row: int | None
    """1-based row of the header found; None when none was found."""
    columns: list[dict[str, Any]]
    """Each column: ``index``, ``letter``, ``header``, ``field``, ``score``, ``reason``, ``low`` (low confidence)."""
    status: str
    messages: list[str]
    leads: list[dict[str, Any]]
    """The first leads as they would be stored: canonical fields, extra columns, raw values that did not normalise."""
    rows_read: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "sheet_id": self.sheet_id,
            "header_row": self.header_row,
            "columns": self.columns,
            "status": self.status,
            "messages": self.messages,
            "leads": self.leads,
            "rows_read": self.rows_read,
        }


@dataclass(frozen=True)
class SheetEntry:
    """One sheet's entry in the sheets table and its ETag (the version a change is made against)."""

    sheet_id: str
    entry: dict[str, Any]
    etag: str

    def to_dict(self) -> dict[str, Any]:
        return {"sheet_id": self.sheet_id, "entry": self.entry, "etag": self.etag}


@dataclass(frozen=True)
class SheetSaved:
    """A configuration change written: the new ETag, its audit record and, for a new sheet, its first sync."""

    sheet_id: str
    etag: str
    audit_id: str
    run_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"sheet_id": self.sheet_id, "etag": self.etag, "audit_id": self.audit_id, "run_id": self.run_id}


@dataclass(frozen=True)
class NoticeResult:
    """What a change notification did: ``queued`` a sync, found one ``pending``, or ``ignored`` a probe."""

    sheet_id: str
    outcome: str
    sync_expected_at: datetime | None
    debounce_seconds: float
    run_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "sheet_id": self.sheet_id,
            "outcome": self.outcome,
            "sync_expected_at": self.sync_expected_at.isoformat() if self.sync_expected_at else None,
            "debounce_seconds": self.debounce_seconds,
            "run_id": self.run_id,
        }


@dataclass(frozen=True)
class ChannelsRenewed:
    """What a run of the watch timer did: channels opened (new or replacing one near expiry), kept, and failures by sheet."""

    renewed: tuple[str, ...] = ()
    kept: tuple[str, ...] = ()
    failed: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"renewed": list(self.renewed), "kept": list(self.kept), "failed": dict(self.failed)}


@dataclass(frozen=True)
class NotifySetup:
    """What a sheet owner needs to send change notifications: the address, the sheet's token and the Apps Script."""

    sheet_id: str
    url: str
    token: str
    notify_version: int
    apps_script: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "sheet_id": self.sheet_id,
            "url": self.url,
            "token": self.token,
            "notify_version": self.notify_version,
            "header": f"Authorization: Bearer {self.token}",
            "apps_script": self.apps_script,
        }
