"""
A sheet's sync state, typed: what the last runs saw and decided, the lease, a blocked change
waiting for a person, approvals and the high-water mark of live leads.

These are plain frozen values. How they are stored (JSON columns, empty strings for ``None``,
``-1`` for "no header row") is the storage adapter's business alone (its codec).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

REPORT_COUNTS = (
    "rows_read",
    "leads",
    "added",
    "updated",
    "restored",
    "deleted",
    "unchanged",
    "skipped",
    "not_leads",
    "error_values",
    "suppressed",
    "invalid_values",
    "duplicates",
    "carried",
    "written",
    "truncated",
)
"""The counts of a sheet's sync, declared once: reports, state, run history and telemetry use them."""


@dataclass(frozen=True, slots=True)
class RunSummary:
    """One run of one sheet, as kept in its history."""

    started_at: datetime
    status: str
    duration_ms: int = 0
    counts: Mapping[str, int] = field(default_factory=dict)
    reason_codes: tuple[str, ...] = ()
    run_id: str = ""
    trigger: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "started_at": self.started_at.isoformat(),
            "duration_ms": self.duration_ms,
            "status": self.status,
            "counts": dict(self.counts),
            "reason_codes": list(self.reason_codes),
            "trigger": self.trigger or None,
            "run_id": self.run_id or None,
        }


@dataclass(frozen=True, slots=True)
class Lease:
    """Who is syncing the sheet, until when (a crashed run's lease simply expires)."""

    owner: str
    until: datetime


@dataclass(frozen=True, slots=True)
class BlockedChange:
    """
    What a blocked sync would have done, named by a digest so that a person approves exactly
    that change: ``kind`` is ``drop`` (leads would disappear), ``empty`` (the sheet returned no
    leads), ``columns`` (essential columns disappeared) or ``carry`` (too many rows would keep a
    stored lead's id through a phone or a name).
    """

    id: str
    kind: str
    count: int
    at: datetime
    reason: str
    preview: tuple[Mapping[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "count": self.count,
            "at": self.at.isoformat(),
            "reason": self.reason,
            "preview": [dict(p) for p in self.preview],
        }


@dataclass(frozen=True, slots=True)
class Approval:
    """A person's approval of one blocked change (by its id), valid for ``APPROVAL_TTL``."""

    change_id: str
    at: datetime
    by: str = ""
    reason: str = ""
    confirm_empty: bool = False

    def valid_for(self, blocked: BlockedChange | None, now: datetime) -> bool:
        return (
            blocked is not None
            and blocked.id == self.change_id
            and now - self.at <= APPROVAL_TTL
            and (blocked.kind != "empty" or self.confirm_empty)
        )


APPROVAL_TTL = timedelta(hours=24)
"""An approval not used by a sync within this time lapses."""


@dataclass(frozen=True, slots=True)
class ApprovalRecord:
    """An approval's history entry: who approved what, and what became of it."""

    change_id: str
    kind: str
    count: int
    approved_at: datetime
    by: str
    reason: str
    outcome: str
    """``applied``, or ``lapsed`` (the next sync did something else, or 24 hours passed)."""
    decided_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "change_id": self.change_id,
            "kind": self.kind,
            "count": self.count,
            "approved_at": self.approved_at.isoformat(),
            "by": self.by,
            "reason": self.reason,
            "outcome": self.outcome,
            "decided_at": self.decided_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class SheetState:
    """Everything Lead Sync remembers about a sheet between runs (no lead data)."""

    sheet_id: str
    customer: str | None = None
    status: str | None = None
    messages: tuple[str, ...] = ()
    reason_codes: tuple[str, ...] = ()
    last_run_at: datetime | None = None
    last_success_at: datetime | None = None
    counts: Mapping[str, int] = field(default_factory=dict)
    header_row: int | None = None
    """0-based row of the header in the last run; None when the sheet had none."""
    header_strategy: str | None = None
    guard: Mapping[str, Any] | None = None
    baseline: int | None = None
    """Live leads after the last successful sync."""
    leads_customer: str | None = None
    """The customer name the stored leads carry (a rename rewrites them)."""
    mapping: tuple[tuple[int, str, str | None], ...] = ()
    """(index, column name, field) of the last successful sync, for drift and stability."""
    header_fp: str | None = None
    set_fp: str | None = None
    full_check_at: datetime | None = None
    recent_runs: tuple[RunSummary, ...] = ()
    lease: Lease | None = None
    blocked: BlockedChange | None = None
    approval: Approval | None = None
    approvals: tuple[ApprovalRecord, ...] = ()
    high_water: tuple[tuple[datetime, int], ...] = ()
    """(time, live leads) of successful syncs inside the guard's window."""
    skipped_runs: int = 0
    """Runs that found the sheet already syncing and skipped it."""
    check_from: str = ""
    """The key after which an unchanged sync checks the next slice of the stored index against the
    sheet (``""``: from the start); each such sync moves it on, so the slices cover the whole index."""

    def lease_expired(self, now: datetime) -> bool:
        """A lease left behind by a run that never finished (killed, timed out)."""
        return self.lease is not None and bool(self.lease.owner) and self.lease.until <= now


def high_water_mark(history: tuple[tuple[datetime, int], ...], now: datetime, window: timedelta) -> int | None:
    """The largest live count of the successful syncs within ``window`` (None when none)."""
    counts = [n for at, n in history if now - at <= window]
    return max(counts) if counts else None


def record_high_water(
    history: tuple[tuple[datetime, int], ...], now: datetime, count: int, window: timedelta, keep: int = 200
) -> tuple[tuple[datetime, int], ...]:
    """Add a successful sync's count, drop what left the window, and keep at most ``keep`` entries
    (the largest ones survive thinning, so the mark never falls by thinning alone)."""
    kept = [(at, n) for at, n in history if now - at <= window] + [(now, count)]
    if len(kept) > keep:
        top = max(kept, key=lambda e: e[1])
        kept = [e for e in kept[-(keep - 1) :] if e is not top] + [top]
        kept.sort(key=lambda e: e[0])
    return tuple(kept)
