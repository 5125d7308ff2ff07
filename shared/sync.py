"""
One sync of one sheet, and a run over every sheet.

The order of a sheet's sync is what makes it safe:

1. take the sheet's lease (a timer run and a manual sync never overlap);
2. read the sheet (one request), analyse it (pure core): header, mapping, essential columns,
   drift, leads;
3. load the stored index (keys, fingerprints, deleted flags) and plan the changes;
4. ask the guard; a blocked sync writes nothing at all;
5. write added/changed/restored leads, then soft-delete the leads that left the sheet;
6. save the state (status, counts, mapping) and the run in the history; release the lease.

A failure at any step ends that sheet's sync with ERROR and its reason; it never stops the
other sheets (``sync_all``). A write that fails halfway leaves the previous state as the
baseline, and the next run converges, because writes are idempotent upserts.
"""

from __future__ import annotations

import hashlib
import logging
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from .config import BrokenSheet, Settings, SheetConfig
from .core.analysis import PreviousSync, SheetAnalysis, analyse_sheet
from .core.guard import check_data_loss
from .core.identity import KeyedLead, assign_keys
from .core.models import HeaderMatch, Status
from .core.plan import plan_changes
from .errors import LeadSyncError, SourceError, StoreError
from .ports import LeadStore, SheetSource

log = logging.getLogger("leadsync")

LEASE_SECONDS = 600
"""A crashed run's lease expires after this; longer than any sync takes."""
RECENT_RUNS = 10
"""Runs kept inline in a sheet's state, so health needs one query for every sheet."""
RUN_HISTORY = timedelta(days=30)
"""How long each sheet's run history is kept (health shows the latest runs)."""
FULL_CHECK_EVERY = timedelta(hours=24)
"""An unchanged sheet skips reading the stored index, but not for longer than this: a full
comparison with storage repairs anything changed there by other hands."""


MAX_LEAD_CHARS = 400_000
"""Table Storage keeps at most 1 MiB per entity, counting strings as UTF-16 (2 bytes a
character); 400,000 characters leaves room for names and the envelope. Sheets allows 50,000
characters a cell, so only very wide rows of very long cells come near it."""


def _chars(k: KeyedLead) -> int:
    lead = k.lead
    return sum(len(a) + len(b) for d in (lead.fields, lead.extra, lead.invalid) for a, b in d.items())


def set_fingerprint(keyed: list[KeyedLead]) -> str:
    """Hash of a sheet's whole lead set (keys and content), independent of row order."""
    h = hashlib.blake2b(digest_size=16)
    for line in sorted(f"{k.key}:{k.fingerprint}" for k in keyed):
        h.update(line.encode())
        h.update(b"\n")
    return h.hexdigest()


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class SheetReport:
    sheet_id: str
    customer: str | None
    status: str
    messages: list[str] = field(default_factory=list)
    reason_codes: list[str] = field(default_factory=list)
    header_row: int | None = None
    header_strategy: str | None = None
    header_confidence: float | None = None
    mapped_fields: list[str] = field(default_factory=list)
    rows_read: int = 0
    leads: int = 0
    added: int = 0
    updated: int = 0
    restored: int = 0
    deleted: int = 0
    unchanged: int = 0
    skipped: int = 0
    invalid_values: int = 0
    duplicates: int = 0
    written: int = 0
    guard: dict[str, Any] | None = None
    duration_ms: int = 0
    started_at: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def log_fields(self) -> dict[str, Any]:
        """Counts and ids only: no lead data (for telemetry)."""
        keys = (
            "sheet_id", "status", "rows_read", "leads", "added", "updated", "restored", "deleted",
            "unchanged", "skipped", "invalid_values", "duplicates", "written", "duration_ms",
            "header_row", "header_strategy",
        )
        out = {k: getattr(self, k) for k in keys}
        out["reason_codes"] = ",".join(self.reason_codes)
        return out


@dataclass
class RunReport:
    sheets: list[SheetReport]
    problems: list[str] = field(default_factory=list)
    """Configuration problems of the whole deployment: they make the run ERROR."""

    @property
    def status(self) -> str:
        statuses = [Status(s.status) for s in self.sheets] + [Status.ERROR for _ in self.problems[:1]]
        return Status.worst(statuses).value if statuses else Status.SUCCESS.value

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "problems": list(self.problems), "sheets": [s.to_dict() for s in self.sheets]}


def _previous(state: dict[str, Any] | None) -> PreviousSync | None:
    cols = (state or {}).get("mapping")
    if not cols:
        return None
    return PreviousSync(tuple((int(c[0]), str(c[1]), c[2]) for c in cols))


def sync_sheet(
    sheet: SheetConfig,
    source: SheetSource,
    store: LeadStore,
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utcnow,
    owner: str | None = None,
) -> SheetReport:
    """Sync one sheet. Never raises for an expected failure: it is in the report."""
    owner = owner or uuid.uuid4().hex
    started = clock()
    t0 = time.perf_counter()
    report = SheetReport(sheet.id, sheet.customer, Status.ERROR.value, started_at=started.isoformat())
    try:
        if not store.acquire_lease(sheet.id, owner, started, LEASE_SECONDS):
            report.status = Status.WARNING.value
            report.messages.append("sheet is already syncing in another run; skipped")
            report.reason_codes.append("busy")
            report.duration_ms = int((time.perf_counter() - t0) * 1000)
            return report
    except StoreError as e:
        report.messages.append(str(e))
        report.reason_codes.append(e.code)
        report.duration_ms = int((time.perf_counter() - t0) * 1000)
        return report
    state: dict[str, Any] = {}
    try:
        state = store.get_state(sheet.id) or {}
        _sync_locked(sheet, source, store, settings, report, clock, state)
    except LeadSyncError as e:
        report.status = Status.ERROR.value
        report.messages.append(str(e))
        report.reason_codes.append(e.code)
    except Exception as e:  # noqa: BLE001 - one sheet's bug must not stop the others
        # Type and place only: an exception's message may quote a cell (PII).
        frame = traceback.extract_tb(e.__traceback__)[-1]
        where = f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}"
        report.status = Status.ERROR.value
        report.messages.append(f"unexpected error: {type(e).__name__} at {where}")
        report.reason_codes.append("internal")
        log.error("sheet_sync_crashed %s %s at %s", sheet.id, type(e).__name__, where)
    finally:
        report.duration_ms = int((time.perf_counter() - t0) * 1000)
        _record(sheet, store, report, clock, state.get("recent_runs") or [])
        store.release_lease(sheet.id, owner)
    return report


def _sync_locked(
    sheet: SheetConfig,
    source: SheetSource,
    store: LeadStore,
    settings: Settings,
    report: SheetReport,
    clock: Callable[[], datetime],
    state: dict[str, Any],
) -> None:
    try:
        grid = source.fetch(sheet)
    except SourceError as e:
        report.messages.append(str(e))
        report.reason_codes.append(e.code)
        return
    analysis = analyse_sheet(grid, sheet.options(settings.phone_region), _previous(state))
    _describe(analysis, report)
    if analysis.status is Status.ERROR:
        return

    keyed, duplicates = assign_keys(analysis.leads)
    too_large = [k for k in keyed if _chars(k) > MAX_LEAD_CHARS]
    if too_large:
        big = {k.key for k in too_large}
        keyed = [k for k in keyed if k.key not in big]
        rows = ", ".join(str(k.lead.row + 1) for k in too_large[:10])
        report.messages.append(
            f"{len(too_large)} rows hold more text than a Table Storage entity can (1 MiB): rows {rows}; "
            "they stay in the sheet but are not synced"
        )
        report.reason_codes.append("too_large")
        if report.status == Status.SUCCESS.value:
            report.status = Status.WARNING.value
    report.leads, report.duplicates = len(keyed), duplicates
    if duplicates:
        report.messages.append(f"{duplicates} rows share an email/phone with another row; each kept as its own lead")
        report.reason_codes.append("duplicates")
        if report.status == Status.SUCCESS.value:
            report.status = Status.WARNING.value
    now = clock()
    content = set_fingerprint(keyed)
    checked = state.get("full_check_at")
    renamed_customer = state.get("leads_customer") not in (None, "", sheet.customer)
    if (
        state.get("last_success_at")
        and not renamed_customer
        and state.get("set_fp") == content
        and isinstance(checked, datetime)
        and now - checked < FULL_CHECK_EVERY
    ):
        # Same leads with the same content as the last successful sync: nothing to write,
        # nothing can disappear, so the stored index need not even be read.
        report.unchanged = len(keyed)
        report.guard = {"allowed": True, "code": "unchanged", "reason": "sheet unchanged since the last sync"}
        store.save_state(sheet.id, {"last_success_at": now, "approved": False})
        return
    stored = store.load_index(sheet.id)
    if renamed_customer:
        # The sheet now belongs to another customer name: every lead is rewritten to carry it.
        stored = {k: replace(v, fingerprint="") for k, v in stored.items()}
        report.messages.append(f"customer renamed from {state.get('leads_customer')!r}; all leads rewritten")
        report.reason_codes.append("customer_renamed")
    plan = plan_changes(keyed, stored)
    active = sum(1 for s in stored.values() if not s.deleted)
    approved = bool(state.get("approved"))
    decision = check_data_loss(
        state.get("baseline") if state.get("last_success_at") else None,
        active,
        len(keyed),
        len(plan.deleted),
        settings.policy(sheet),
        approved,
    )
    report.guard = {"allowed": decision.allowed, "code": decision.code, "reason": decision.reason, **decision.numbers}
    if not decision.allowed:
        report.status = Status.ERROR.value
        report.messages.append(decision.reason)
        report.reason_codes.append("guard_blocked")
        return

    first_seen = {k: s.first_seen for k, s in stored.items() if s.first_seen is not None}
    report.written = store.write_leads(sheet, plan.upserts, now, first_seen)
    report.written += store.soft_delete(sheet.id, plan.deleted, now)
    if renamed_customer:
        gone = [k for k, v in stored.items() if v.deleted and k not in {x.key for x in plan.upserts}]
        report.written += store.merge_leads(sheet.id, gone, {"customer": sheet.customer})
    report.added, report.updated = len(plan.added), len(plan.updated)
    report.restored, report.deleted, report.unchanged = len(plan.restored), len(plan.deleted), plan.unchanged
    if approved:
        report.messages.append("a person approved this drop; applied once")
        report.reason_codes.append("approved")
    store.save_state(
        sheet.id,
        {
            "customer": sheet.customer,
            "leads_customer": sheet.customer,
            "baseline": len(keyed),
            "last_success_at": now,
            "approved": False,
            "mapping": [[c.index, c.name, c.field] for c in analysis.mapping.columns],
            "header_fp": analysis.header_fingerprint,
            "set_fp": content,
            "full_check_at": now,
        },
    )


def _describe(analysis: SheetAnalysis, report: SheetReport) -> None:
    h = analysis.header
    report.header_row = h.row if isinstance(h, HeaderMatch) else None
    report.header_strategy = h.strategy
    report.header_confidence = h.confidence
    report.mapped_fields = sorted(analysis.mapping.fields)
    report.rows_read = analysis.rows_read
    report.skipped = analysis.rows_skipped
    report.invalid_values = sum(1 for i in analysis.issues if i.code.startswith("invalid_"))
    report.status = analysis.status.value
    report.messages.extend(analysis.messages)
    report.reason_codes.extend(analysis.reasons)


def _record(
    sheet: SheetConfig, store: LeadStore, report: SheetReport, clock: Callable[[], datetime], previous: list[Any]
) -> None:
    """Save status and history; a store failure here is reported, not raised."""
    now = clock()
    state = {
        "customer": sheet.customer,
        "status": report.status,
        "messages": report.messages,
        "reason_codes": report.reason_codes,
        "last_run_at": now,
        "counts": {
            k: getattr(report, k)
            for k in ("rows_read", "leads", "added", "updated", "restored", "deleted", "unchanged", "skipped", "invalid_values", "duplicates", "written")
        },
        "header_row": report.header_row if report.header_row is not None else -1,
        "header_strategy": report.header_strategy or "",
        "guard": report.guard or {},
    }
    run = {
        "run_id": uuid.uuid4().hex,
        "started_at": datetime.fromisoformat(report.started_at) if report.started_at else now,
        "duration_ms": report.duration_ms,
        "status": report.status,
        "counts": state["counts"],
        "reason_codes": report.reason_codes,
    }
    try:
        summary = {k: v.isoformat() if isinstance(v, datetime) else v for k, v in run.items() if k != "run_id"}
        state["recent_runs"] = [summary] + list(previous)[: RECENT_RUNS - 1]
        store.save_state(sheet.id, state)
        store.add_run(sheet.id, run)
        store.prune_runs(sheet.id, now - RUN_HISTORY)
    except StoreError as e:
        report.status = Status.ERROR.value
        report.messages.append(f"status not saved: {e}")
        if "store" not in report.reason_codes:
            report.reason_codes.append("store")


def broken_report(b: BrokenSheet) -> SheetReport:
    return SheetReport(b.id, b.customer, Status.ERROR.value, [b.error], ["config"])


def sync_all(
    settings: Settings,
    source_for: Callable[[SheetConfig], SheetSource],
    store: LeadStore,
    only: str | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> RunReport:
    """Sync every enabled sheet (or only ``only``), each on its own."""
    reports: list[SheetReport] = []
    for b in settings.broken:
        if only in (None, b.id):
            reports.append(broken_report(b))
    for sheet in settings.sheets:
        if only not in (None, sheet.id) or (only is None and not sheet.enabled):
            continue
        try:
            source = source_for(sheet)
        except LeadSyncError as e:
            reports.append(SheetReport(sheet.id, sheet.customer, Status.ERROR.value, [str(e)], [e.code]))
            continue
        reports.append(sync_sheet(sheet, source, store, settings, clock=clock))
    return RunReport(reports)
