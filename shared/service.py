"""
The application service: settings, adapters and the use cases the functions and the CLI call.

Everything heavy (gspread, azure-data-tables, the telemetry exporter) is imported only when a
use case needs it, so importing this module, and therefore indexing the app, cannot fail on a
setting or a credential.
"""

from __future__ import annotations

import base64
import contextlib
import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from . import buildinfo, telemetry
from .config import Settings, SheetConfig, StorageTarget, load_settings
from .core.leadquery import LeadFilter, parse_sort, sort_key
from .core.models import Status
from .core.state import Approval, SheetState
from .errors import (
    ConfigError,
    ConflictError,
    InvalidRequestError,
    LeadSyncError,
    NotFoundError,
    RetryLater,
    StoreError,
    UnknownRunError,
    UnknownSheetError,
)
from .ports import LeadStore, SheetSource, SyncJobs, SyncQueue

if TYPE_CHECKING:
    from .core.privacy import Identifiers
    from .sync import RunReport

MAX_PAGE = 1000
SHEETS_TABLE_SECONDS = 300.0
"""How often the sheet list is read again from ``LEAD_SYNC_SHEETS_TABLE``."""
SHEETS_TABLE_RETRY_SECONDS = 15.0
"""After a failed read of the sheets table, the next attempt comes this soon."""
HEALTH_CACHE_SECONDS = 5.0
"""Health reads the sync states at most once in this many seconds, however often it is called."""
READ_TIMEOUTS: dict[str, Any] = {"connection_timeout": 2, "read_timeout": 2, "retry_total": 1, "retry_backoff_factor": 0.2}
"""Storage calls made while answering HTTP: a hung storage account costs a caller ~5 s, not 30."""


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
class SyncRequest:
    """A validated manual sync: one sheet, or every sheet when ``sheet_id`` is None."""

    sheet_id: str | None = None
    wait: float = 0.0
    """Seconds a single-sheet sync may wait for its result (``?wait=``); 0 answers at once."""


@dataclass(frozen=True)
class SyncStarted:
    """A manual sync handed to the queue: its run, and the run's document when it already finished."""

    run_id: str
    run: dict[str, Any]
    finished: bool = False


BUSY_RETRY_SECONDS = 30.0
"""A manual run's sheet found busy (another run holds its lease) is tried again after this."""
MAX_DEFERRALS = 6
"""A sheet deferred by a 429 this many times is retried by the queue instead (and may be poisoned)."""
TRANSIENT = frozenset({"store", "source_unavailable", "source_rate_limited", "internal"})
"""Reason codes of an ERROR that may pass: the message is failed so the queue delivers it again."""
WAIT_POLL_SECONDS = 0.25
MAX_WAIT_SECONDS = 20.0
"""The longest ``wait`` of a manual sync: far below the front end's 230 s."""


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
class HealthView:
    """A health document and whether storage could be read for it (503 when not)."""

    doc: dict[str, Any]
    storage_ok: bool = True


class Runtime:
    """
    The composition root (settings plus lazily built adapters; one per process, ``get_runtime``)
    and the use cases the functions and the CLI call. Use cases take typed inputs, return plain
    documents and raise ``LeadSyncError`` subclasses; only ``shared.web`` knows HTTP.
    """

    def __init__(
        self,
        settings: Settings,
        environ: Mapping[str, str] | None = None,
        store: LeadStore | None = None,
        read_store: LeadStore | None = None,
    ):
        self._settings = self._base_settings = settings
        self._sheets_read_at: float | None = None
        # ``environ`` (tests) overrides what the settings read from the process environment.
        self.telemetry_connection = (
            settings.appinsights_connection if environ is None else environ.get("APPLICATIONINSIGHTS_CONNECTION_STRING")
        )
        self._store = store
        self._read_store = read_store if read_store is not None else store
        self._google: dict[tuple[str, bool], SheetSource] = {}
        self._limiters: dict[str, Any] = {}
        self._csv: SheetSource | None = None
        self._queue: SyncQueue | None = None
        self._jobs: SyncJobs | None = None
        self._read_jobs: SyncJobs | None = None
        self._pacing_warning: tuple[Settings, list[str]] | None = None
        self._lock = threading.Lock()
        self._states_cache: tuple[float, list[SheetState] | StoreError] | None = None

    @property
    def settings(self) -> Settings:
        """
        The settings; with ``LEAD_SYNC_SHEETS_TABLE``, the sheet list is read from that table on
        first use and again every ``SHEETS_TABLE_SECONDS`` (sooner after a failed read).
        """
        s = self._settings
        if s.sheets_table is None:
            return s
        now = time.monotonic()
        if self._sheets_read_at is None or now - self._sheets_read_at >= SHEETS_TABLE_SECONDS:
            self._sheets_read_at = now
            self._settings = s = self._read_sheets_table(s)
        return s

    @settings.setter
    def settings(self, value: Settings) -> None:
        self._settings = self._base_settings = value
        self._sheets_read_at = None

    def _read_sheets_table(self, s: Settings) -> Settings:
        from .config import with_sheet_entries

        target = s.storage_target or (StorageTarget(connection_string=s.storage_connection) if s.storage_connection else None)
        if target is None or s.sheets_table is None:
            return s
        try:
            from .adapters.sheet_table import read_sheet_entries

            entries = read_sheet_entries(target, s.sheets_table, **READ_TIMEOUTS)
        except StoreError as e:
            self._sheets_read_at = time.monotonic() - SHEETS_TABLE_SECONDS + SHEETS_TABLE_RETRY_SECONDS
            if s.sheets or s.broken:  # keep the last good list; say that it may be old
                return with_sheet_entries(s, None, f"{e}; using the list read before")
            return with_sheet_entries(s, None, str(e))
        return with_sheet_entries(self._base_settings, entries)

    def _table_store(self, **client_kwargs: Any) -> LeadStore:
        from .adapters.table_storage import TableLeadStore

        s = self.settings
        target = s.storage_target or s.storage_connection
        if not target:
            raise ConfigError("no storage configured: set LEAD_SYNC_STORAGE or AzureWebJobsStorage")
        return TableLeadStore(target, s.leads_table, s.state_table, s.runs_table, **client_kwargs)

    @property
    def store(self) -> LeadStore:
        """The store syncs write through (patient timeouts and retries)."""
        with self._lock:
            if self._store is None:
                self._store = self._table_store()
            return self._store

    @property
    def read_store(self) -> LeadStore:
        """The store HTTP reads go through: short timeouts, one retry, never creates tables."""
        with self._lock:
            if self._read_store is None:
                self._read_store = self._table_store(create_tables=False, **READ_TIMEOUTS)
            return self._read_store

    @property
    def queue(self) -> SyncQueue:
        """The sync queue (``LEAD_SYNC_QUEUE`` in the ``AzureWebJobsStorage`` account)."""
        with self._lock:
            if self._queue is None:
                from .adapters.queue_storage import StorageQueue

                s = self.settings
                if s.queue_target is None:
                    raise ConfigError("no queue configured: set AzureWebJobsStorage (the queue trigger's connection)")
                self._queue = StorageQueue(s.queue_target, s.queue_name, s.poison_queue_name)
            return self._queue

    def _job_store(self, **client_kwargs: Any) -> SyncJobs:
        from .adapters.job_table import TableJobStore

        s = self.settings
        target = s.storage_target or s.storage_connection
        if not target:
            raise ConfigError("no storage configured: set LEAD_SYNC_STORAGE or AzureWebJobsStorage")
        return TableJobStore(target, s.jobs_table, **client_kwargs)

    @property
    def jobs(self) -> SyncJobs:
        """Manual sync runs (``LEAD_SYNC_JOBS_TABLE``): what the queue function writes."""
        with self._lock:
            if self._jobs is None:
                self._jobs = self._job_store()
            return self._jobs

    @property
    def read_jobs(self) -> SyncJobs:
        """Manual sync runs as HTTP reads them: short timeouts, one retry (``READ_TIMEOUTS``)."""
        with self._lock:
            if self._read_jobs is None:
                self._read_jobs = self._job_store(create=False, **READ_TIMEOUTS)
            return self._read_jobs

    def source_for(self, sheet: SheetConfig, defer_rate_limits: bool = False) -> SheetSource:
        """The sheet's source; Google sources are one per credential, each paced by its own limiter."""
        with self._lock:
            if sheet.source == "csv":
                if self._csv is None:
                    from .adapters.csv_source import CsvSource

                    self._csv = CsvSource(self.settings.base_dir)
                return self._csv
            name = self.settings.credential_name(sheet)
            key = (name, defer_rate_limits)
            if key not in self._google:
                from .adapters.google_sheets import GoogleSheetsSource, RateLimiter

                info, problem = self.settings.credentials_for(name)
                limiter = self._limiters.setdefault(name, RateLimiter(self.settings.reads_per_minute))
                self._google[key] = GoogleSheetsSource(info, limiter, missing_reason=problem, defer_rate_limits=defer_rate_limits)
            return self._google[key]

    def _known(self, sheet_id: str) -> bool:
        return self.settings.sheet(sheet_id) is not None or any(b.id == sheet_id for b in self.settings.broken)

    # use cases

    def run_sync(self, only: str | None = None, trigger: str = "timer") -> RunReport:
        """Sync every enabled sheet, or only ``only``; raises ``UnknownSheetError``."""
        from .sync import RunReport, SheetReport, broken_report, sync_all

        telemetry.configure(self.telemetry_connection)
        t0 = time.perf_counter()
        if only is not None and not self._known(only):
            raise UnknownSheetError(only)
        try:
            store = self.store
        except (ConfigError, StoreError) as e:
            sheets = [s for s in self.settings.sheets if only in (None, s.id)]
            reports = []
            for sheet in sheets:
                failed = SheetReport(sheet.id, sheet.customer)
                failed.note(Status.ERROR, e.code, str(e))
                reports.append(failed)
            reports += [broken_report(b) for b in self.settings.broken if only in (None, b.id)]
            report = RunReport(reports)
        else:
            report = sync_all(self.settings, self.source_for, store, only=only, trigger=trigger)
        self._states_cache = None  # this process's health shows its own sync at once
        if only is None:
            report.problems = list(self.settings.problems)
        for sheet_report in report.sheets:
            telemetry.log_sheet(sheet_report.log_fields())
        errors = sum(1 for s in report.sheets if s.status == Status.ERROR.value)
        telemetry.log_run(report.status, len(report.sheets), errors, int((time.perf_counter() - t0) * 1000), trigger)
        telemetry.flush()
        return report

    def _states(self) -> list[SheetState]:
        """Every sheet's sync state, read at most once per ``HEALTH_CACHE_SECONDS``."""
        now = time.monotonic()
        cached = self._states_cache
        if cached is not None and now - cached[0] < HEALTH_CACHE_SECONDS:
            if isinstance(cached[1], StoreError):
                raise cached[1]  # storage failed a moment ago: callers do not each wait for it again
            return cached[1]
        try:
            states = self.read_store.list_states()
        except StoreError as e:
            self._states_cache = (time.monotonic(), e)
            raise
        self._states_cache = (time.monotonic(), states)
        return states

    def health_summary(self) -> HealthView:
        """
        What anyone may know: overall status, build, start time, sheets per status and whether
        syncs are fresh. No customer, sheet id, message or address.
        """
        view = self.health_detail(history=0)
        doc = view.doc
        counts: dict[str, int] = {"total": 0, "SUCCESS": 0, "WARNING": 0, "ERROR": 0}
        for entry in doc["sheets"]:
            if entry.get("enabled", True):
                counts["total"] += 1
                counts[entry["status"]] = counts.get(entry["status"], 0) + 1
        summary = {
            "status": doc["status"],
            "checked_at": doc["checked_at"],
            "version": doc["version"],
            "started_at": doc["started_at"],
            "storage": "ok" if view.storage_ok else "unavailable",
            "configuration": "ok" if not doc["problems"] else "has problems",
            "syncs": "stale" if any("stale" in e.get("reason_codes", []) for e in doc["sheets"]) else "fresh",
            "sheets": counts,
            "detail": "GET /api/leads/health/detail with a function key shows each sheet",
        }
        return HealthView(summary, view.storage_ok)

    def health_detail(self, history: int = 5, sheet_id: str | None = None) -> HealthView:
        """
        Overall and per-sheet status for operators (function key); no lead data.

        Each sheet shows its last ``history`` runs from its state (one query for all sheets);
        with ``sheet_id``, only that sheet, with up to 50 runs read from the run history.
        """
        if sheet_id is not None and not self._known(sheet_id):
            raise UnknownSheetError(sheet_id)
        s = self.settings
        out: dict[str, Any] = {
            "checked_at": datetime.now(UTC).isoformat(),
            "version": buildinfo.version(),
            "started_at": buildinfo.started_at(),
            "problems": list(s.problems),
            "warnings": list(s.warnings) + self._pacing_warnings(),
        }
        sheets: list[dict[str, Any]] = []
        storage_ok = True
        try:
            states = {st.sheet_id: st for st in self._states()}
        except (ConfigError, StoreError) as e:
            states = {}
            out["problems"].append(f"storage cannot be read now: {e}")
            storage_ok = False
        for b in s.broken:
            if sheet_id not in (None, b.id):
                continue
            sheets.append({"sheet_id": b.id, "customer": b.customer, "status": "ERROR", "messages": [b.error], "reason_codes": ["config"]})
        now = datetime.now(UTC)
        for sheet in s.sheets:
            if sheet_id not in (None, sheet.id):
                continue
            st = states.get(sheet.id)
            entry = self._sheet_health(sheet, st, history, with_runs=sheet_id is not None)
            self._mark_stale(entry, st, now)
            if st is not None and st.lease_expired(now):
                _warn(entry, "interrupted", "the last run did not finish (killed, timed out or restarted); the next run recovers")
            sheets.append(entry)
        # A sheet switched off in config keeps its last status for reference but does not count.
        statuses = [Status(x["status"]) for x in sheets if x.get("enabled", True)]
        if out["problems"]:
            statuses.append(Status.ERROR)
        if out["warnings"]:
            statuses.append(Status.WARNING)
        out["status"] = Status.worst(statuses).value
        out["sheets"] = sheets
        out["privacy"] = self.privacy_status()
        if sheet_id is None:
            configured = {x.id for x in s.sheets} | {b.id for b in s.broken}
            out["orphaned"] = [
                {
                    "sheet_id": st.sheet_id,
                    "customer": st.leads_customer or st.customer,
                    "leads": st.baseline,
                    "last_seen": _iso(st.last_run_at),
                    "reason_codes": ["orphaned"],
                }
                for st in states.values()
                if st.sheet_id not in configured
            ]
        return HealthView(out, storage_ok)

    def _pacing_warnings(self) -> list[str]:
        """WARNING when the Google sheets cannot all be read within an interval under the quota
        (computed once per sheet list: a list re-read from the sheets table is planned again)."""
        if self._pacing_warning is None or self._pacing_warning[0] is not self.settings:
            self._pacing_warning = (self.settings, [])
            if self.settings.sync_schedule and any(x.source == "google" for x in self.settings.sheets):
                from .core.pacing import Read, plan_reads

                s = self.settings
                interval = min(self._interval_seconds(), 3600.0)
                reads = [
                    Read(x.id, s.credential_name(x), s.project_of(s.credential_name(x)))
                    for x in s.sheets
                    if x.enabled and x.source == "google"
                ]
                plan = plan_reads(reads, interval, s.reads_per_minute, s.project_reads_per_minute)
                if not plan.fits:
                    self._pacing_warning[1].append(
                        f"{len(reads)} Google sheets need {plan.needed_seconds:.0f} s to be read within Google's quota "
                        f"({s.reads_per_minute}/min per key, {s.project_reads_per_minute}/min per project) but SYNC_SCHEDULE "
                        f"runs every {interval:.0f} s: add service accounts (GOOGLE_SERVICE_ACCOUNTS, credential per sheet) "
                        "or lengthen the interval"
                    )
        return list(self._pacing_warning[1])

    def _mark_stale(self, entry: dict[str, Any], st: SheetState | None, now: datetime) -> None:
        """WARNING ``stale`` when an enabled sheet's last finished run is older than the limit."""
        last = st.last_run_at if st else None
        if not entry.get("enabled", True) or last is None or now - last <= self.settings.stale_limit:
            return
        hours = (now - last).total_seconds() / 3600
        _warn(
            entry,
            "stale",
            (
                f"no sync of this sheet has finished for {hours:.1f} h (more than {self.settings.stale_after} timer periods): "
                "check that the sync timer runs (SYNC_SCHEDULE, the function app's state) and the run history"
            ),
        )

    def _sheet_health(self, sheet: SheetConfig, st: SheetState | None, history: int, with_runs: bool) -> dict[str, Any]:
        entry: dict[str, Any] = {"sheet_id": sheet.id, "customer": sheet.customer, "source": sheet.source, "enabled": sheet.enabled}
        if st is None or not st.status:
            entry.update(status="WARNING", messages=["not synced yet"], reason_codes=["never_synced"])
            return entry
        now = datetime.now(UTC)
        approval = st.approval if st.approval and st.approval.valid_for(st.blocked, now) else None
        entry.update(
            status=st.status,
            messages=list(st.messages),
            reason_codes=list(st.reason_codes),
            last_run_at=_iso(st.last_run_at),
            last_success_at=_iso(st.last_success_at),
            leads=st.baseline,
            counts=dict(st.counts),
            header_row=None if st.header_row is None else st.header_row + 1,
            header_row_index=st.header_row,
            header_strategy=st.header_strategy,
            guard=dict(st.guard) if st.guard else None,
            blocked=st.blocked.to_dict() if st.blocked else None,
            awaiting_approval=st.blocked is not None and approval is None,
            approved=({"change_id": approval.change_id, "at": approval.at.isoformat(), "by": approval.by} if approval else None),
            approvals=[a.to_dict() for a in st.approvals[-10:]],
            skipped_runs=st.skipped_runs,
        )
        entry["recent_runs"] = [r.to_dict() for r in st.recent_runs[:history]]
        if with_runs:
            with contextlib.suppress(StoreError):
                entry["recent_runs"] = [r.to_dict() for r in self.read_store.list_runs(sheet.id, min(history, 50))]
        return entry

    def leads(self, query: LeadsQuery) -> dict[str, Any]:
        """
        One page of leads of a sheet or a customer; raises on unknown sheets and bad tokens.

        Without ``sort`` and ``count`` the store walks the partitions in key order and fills the
        page (server-side filters in OData, the rest decided per lead). With either, every
        matching lead of the customer's partitions is read, sorted (ties on sheet and id) and
        paged by the last key served, so pages are stable while leads change.
        """
        if query.sheet_id and self.settings.sheet(query.sheet_id) is None:
            raise UnknownSheetError(query.sheet_id)
        sheet_ids: list[str] | None
        if query.sheet_id:
            sheet_ids = [query.sheet_id]
            if query.customer and self.settings.sheet(query.sheet_id).customer != query.customer:  # type: ignore[union-attr]
                sheet_ids = []
        elif query.include_orphaned:
            sheet_ids = None  # scan by the customer each lead carries: configured and removed sheets alike
        else:
            # Only the partitions of this customer's configured sheets are read.
            sheet_ids = [s.id for s in self.settings.sheets if s.customer == query.customer]
        lead_filter = query.lead_filter(self.settings.phone_region or "GB")
        if query.sort or query.count:
            if sheet_ids is None:
                raise InvalidRequestError("sort and count work on configured sheets: leave out include_orphaned")
            return self._sorted_leads(query, sheet_ids, lead_filter)
        try:
            page = self.read_store.list_leads(
                sheet_ids=sheet_ids,
                customer=query.customer,
                page_size=query.page_size,
                token=query.continuation,
                lead_filter=lead_filter,
            )
        except ValueError as e:
            raise InvalidRequestError(str(e)) from e
        items, token, watermark = page
        return {"items": items, "count": len(items), "continuation": token, "watermark": watermark}

    def _sorted_leads(self, query: LeadsQuery, sheet_ids: list[str], lead_filter: LeadFilter) -> dict[str, Any]:
        sort = parse_sort(query.sort or "changed_at") if query.sort else None
        field, desc = sort if sort else ("", False)
        after = decode_sort_token(query.continuation, query.sort or "")
        watermark = after["w"] if after else (datetime.now(UTC) - WATERMARK_MARGIN).isoformat()
        leads = self.read_store.scan_leads(sheet_ids, lead_filter)

        def key(lead: dict[str, Any]) -> tuple[Any, ...]:
            if not field:  # storage order: by sheet id, then by lead id (never a position in the config)
                return (0, "", str(lead["sheet_id"]), str(lead["id"]))
            return sort_key(lead, field)

        keyed = sorted(((key(x), x) for x in leads), key=lambda kx: kx[0], reverse=desc)
        if after:
            last = tuple(after["k"])
            keyed = [(k, x) for k, x in keyed if (k < last if desc else k > last)]
        page = keyed[: query.page_size]
        more = len(keyed) > query.page_size
        token = encode_sort_token(query.sort or "", list(page[-1][0]), watermark) if more and page else None
        doc: dict[str, Any] = {"items": [x for _, x in page], "count": len(page), "continuation": token, "watermark": watermark}
        if query.count:
            doc["total"] = len(leads)
        return doc

    def lead(self, sheet_id: str, lead_id: str) -> dict[str, Any]:
        """One lead of a configured sheet (deleted ones too); raises UnknownSheetError or NotFoundError."""
        if self.settings.sheet(sheet_id) is None:
            raise UnknownSheetError(sheet_id)
        found = self.read_store.get_lead(sheet_id, lead_id)
        if found is None:
            raise NotFoundError("no lead with this id in this sheet; ids come from GET /api/leads")
        return found

    def sync(self, request: SyncRequest) -> dict[str, Any]:
        """Sync in this process (the CLI): no queue."""
        return self.run_sync(only=request.sheet_id, trigger="manual").to_dict()

    # the queue path

    def _interval_seconds(self) -> float:
        from .core.schedule import schedule_period

        return schedule_period(self.settings.sync_schedule).total_seconds()

    def plan(self, sheets: list[SheetConfig], interval_seconds: float) -> dict[str, float]:
        """Each sheet's delay in the interval (``core.pacing``); Google sheets only are paced."""
        from .core.pacing import Read, plan_reads

        s = self.settings
        google = [x for x in sheets if x.source == "google"]
        reads = [Read(x.id, s.credential_name(x), s.project_of(s.credential_name(x))) for x in google]
        plan = plan_reads(reads, interval_seconds, s.reads_per_minute, s.project_reads_per_minute)
        if interval_seconds > 0 and not plan.fits:
            telemetry.logger.warning(
                "pacing_overflow needed=%.0fs interval=%.0fs",
                plan.needed_seconds,
                interval_seconds,
                extra={"event": "pacing_overflow", "needed_s": plan.needed_seconds, "interval_s": interval_seconds},
            )
        return {x.id: plan.delays.get(x.id, 0.0) for x in sheets}

    def enqueue_sync(self, trigger: str = "timer", only: str | None = None, run_id: str | None = None) -> dict[str, Any]:
        """
        Put one message per enabled sheet (or only ``only``) on the sync queue, each delayed to its
        turn in the interval (timer) or as soon as the budget allows (manual). Returns at once.
        """
        import uuid

        from .core.messages import SyncMessage

        telemetry.configure(self.telemetry_connection)
        if only is not None and not self._known(only):
            raise UnknownSheetError(only)
        t0 = time.perf_counter()
        run_id = run_id or uuid.uuid4().hex
        sheets = [x for x in self.settings.sheets if (x.id == only if only else x.enabled)]
        interval = self._interval_seconds() if trigger == "timer" else 0.0
        delays = self.plan(sheets, min(interval, 3600.0))
        broken = [b for b in self.settings.broken if only in (None, b.id)]
        if broken:
            from .sync import broken_report

            for b in broken:
                telemetry.log_sheet(broken_report(b).log_fields())
        try:
            sent = self.queue.send_many((SyncMessage(x.id, run_id, trigger).to_json(), delays[x.id]) for x in sheets)
        except (StoreError, ConfigError):
            telemetry.log_run(Status.ERROR.value, len(sheets), len(sheets), int((time.perf_counter() - t0) * 1000), trigger)
            telemetry.flush()
            raise
        # The run's record (the heartbeat alert's signal): the timer ran and handed out every sheet;
        # each sheet's outcome follows as its own sheet_sync record.
        status = Status.ERROR if broken or (only is None and self.settings.problems) else Status.SUCCESS
        telemetry.log_run(status.value, len(sheets) + len(broken), len(broken), int((time.perf_counter() - t0) * 1000), trigger)
        telemetry.flush()
        return {
            "run_id": run_id,
            "messages": sent,
            "broken": [b.id for b in broken],
            "last_delay_s": max(delays.values(), default=0.0),
            "sheets": [x.id for x in sheets],
        }

    def start_sync(self, request: SyncRequest, clock: Any = time.monotonic, sleep: Any = time.sleep) -> SyncStarted:
        """
        A manual sync through the queue: record the run (every sheet ``queued``), enqueue, and, for
        one sheet with ``wait``, poll the run until it finishes or the wait ends.
        """
        import uuid

        if request.sheet_id is not None and self.settings.sheet(request.sheet_id) is None:
            if self._known(request.sheet_id):
                raise ConflictError(f"sheet {request.sheet_id!r} has an invalid configuration: see health detail")
            raise UnknownSheetError(request.sheet_id)
        run_id = uuid.uuid4().hex
        sheets = [x.id for x in self.settings.sheets if (x.id == request.sheet_id if request.sheet_id else x.enabled)]
        self.jobs.create_job(run_id, "manual", sheets, datetime.now(UTC))
        try:
            self.enqueue_sync("manual", only=request.sheet_id, run_id=run_id)
        except LeadSyncError as e:
            # Nothing was queued: the run's record says so instead of staying "queued" forever.
            for sheet_id in sheets:
                self._job(run_id, "manual", sheet_id, "failed", error=f"not queued: {str(e)[:300]}")
            raise
        deadline = clock() + min(max(0.0, request.wait), MAX_WAIT_SECONDS)
        while True:
            doc = self.run_status(run_id)
            if doc["state"] == "done" or clock() >= deadline:
                return SyncStarted(run_id, doc, doc["state"] == "done")
            sleep(WAIT_POLL_SECONDS)

    def run_status(self, run_id: str) -> dict[str, Any]:
        """A manual sync's per-sheet progress; raises ``UnknownRunError``."""
        job = self.read_jobs.get_job(run_id)
        if job is None:
            raise UnknownRunError(run_id)
        return job.to_dict()

    def _job(self, run_id: str, trigger: str, sheet_id: str, state: str, **kw: Any) -> None:
        """Best effort: a manual run's progress (timer runs are not tracked: health is their record)."""
        if trigger != "manual" and state not in ("retrying", "failed"):
            return
        with contextlib.suppress(StoreError, ConfigError):
            self.jobs.update_job_sheet(run_id, sheet_id, state, datetime.now(UTC), **kw)

    def handle_message(self, body: str | bytes, dequeue_count: int = 1) -> str:
        """
        Sync the one sheet a queue message names. Returns what happened (``done``, ``busy``,
        ``deferred``, ``malformed``, ``unknown``); raises ``RetryLater`` when the failure may pass,
        so that the queue delivers the message again (and, after ``maxDequeueCount``, poisons it).
        """
        from .core.messages import MessageError, parse_message
        from .core.pacing import backoff_seconds
        from .sync import sync_sheet

        telemetry.configure(self.telemetry_connection)
        try:
            msg = parse_message(body)
        except MessageError as e:
            telemetry.logger.error("queue_message_malformed %s", e, extra={"event": "queue_message_malformed", "reason": str(e)})
            return "malformed"
        sheet = self.settings.sheet(msg.sheet_id)
        if sheet is None:
            why = "not configured (removed, or its entry is invalid: see health detail)"
            telemetry.logger.warning("queue_message_unknown_sheet %s", msg.sheet_id, extra={"event": "queue_message_unknown_sheet"})
            self._job(msg.run_id, msg.trigger, msg.sheet_id, "failed", error=f"sheet {msg.sheet_id!r} is {why}")
            return "unknown"
        self._job(msg.run_id, msg.trigger, sheet.id, "running")
        try:
            store = self.store
            source = self.source_for(sheet, defer_rate_limits=True)
        except LeadSyncError as e:
            self._job(msg.run_id, msg.trigger, sheet.id, "retrying", error=str(e)[:500])
            raise RetryLater(f"sheet {sheet.id}: {e}") from e
        report = sync_sheet(sheet, source, store, self.settings, trigger=msg.trigger)
        self._states_cache = None
        telemetry.log_sheet(report.log_fields())
        telemetry.flush()
        codes = set(report.reason_codes)
        if "busy" in codes:
            # Another delivery of this sheet (a duplicate, or the next interval's) holds the lease.
            # A person waiting on a manual run gets the sheet synced after it, not a run stuck at
            # "running": the message comes back shortly (a few times), then the run says busy.
            if msg.trigger == "manual" and msg.attempt < MAX_DEFERRALS:
                self.queue.send(msg.deferred().to_json(), BUSY_RETRY_SECONDS)
                self._job(msg.run_id, msg.trigger, sheet.id, "queued", error="another sync of this sheet is running; retried shortly")
                return "deferred"
            self._job(msg.run_id, msg.trigger, sheet.id, "done", status=report.status, report=report.to_dict())
            return "busy"
        if "source_rate_limited" in codes and msg.attempt >= MAX_DEFERRALS:
            self._job(msg.run_id, msg.trigger, sheet.id, "retrying", error="Google quota (429) on every deferral")
            raise RetryLater(f"sheet {sheet.id}: transient failure: Google quota (429) after {msg.attempt} deferrals")
        if "source_rate_limited" in codes:
            import random

            delay = backoff_seconds(msg.attempt, jitter=random.random())
            self.queue.send(msg.deferred().to_json(), delay)
            self._job(msg.run_id, msg.trigger, sheet.id, "queued", error=f"Google quota (429): deferred {delay:.0f} s")
            return "deferred"
        if report.status == Status.ERROR.value and codes & TRANSIENT:
            error = "; ".join(report.messages)[-500:]
            self._job(msg.run_id, msg.trigger, sheet.id, "retrying", error=error)
            raise RetryLater(f"sheet {sheet.id}: transient failure on delivery {dequeue_count}: {error}")
        from .core.redact import redact_all

        self._job(msg.run_id, msg.trigger, sheet.id, "done", status=report.status, report=redact_all(report.to_dict()))
        return "done"

    def handle_poison(self, body: str | bytes) -> str:
        """
        A message that failed on every delivery: the sheet becomes ERROR ``poisoned`` with the last
        error, in health and in telemetry (the sheet-ERROR alert), until a later sync succeeds.
        """
        from .core.messages import MessageError, parse_message, sheet_of
        from .core.reasons import ReasonCode, action

        telemetry.configure(self.telemetry_connection)
        sheet_id = sheet_of(body)
        try:
            msg = parse_message(body)
            run_id, trigger = msg.run_id, msg.trigger
        except MessageError:
            run_id, trigger = "", ""
        sheet = self.settings.sheet(sheet_id) if sheet_id else None
        if sheet is None:
            telemetry.logger.error("queue_message_poisoned unknown sheet", extra={"event": "queue_message_poisoned"})
            telemetry.flush()
            return "unknown"
        last = None
        if run_id:
            try:
                job = self.jobs.get_job(run_id)
                last = next((x.error for x in (job.sheets if job else ()) if x.sheet_id == sheet.id and x.error), None)
            except (StoreError, ConfigError):
                pass
        state: SheetState | None = None
        try:
            state = self.store.get_state(sheet.id)
        except (StoreError, ConfigError):
            state = None
        if last is None and state is not None and state.status == Status.ERROR.value and state.messages:
            last = state.messages[-1]
        message = (
            f"the sync message failed on every delivery and was poisoned; last error: {last or 'unknown (the worker did not record it)'}"
            f". To fix: {action(ReasonCode.POISONED.value)}"
        )
        saved = True
        try:
            base = state or SheetState(sheet.id, customer=sheet.customer)
            self.store.save_state(
                replace(base, status=Status.ERROR.value, reason_codes=(ReasonCode.POISONED.value,), messages=(message[:2000],)),
                fields=("status", "reason_codes", "messages"),
            )
        except (StoreError, ConfigError):
            saved = False
        self._states_cache = None
        if run_id:
            self._job(run_id, trigger or "manual", sheet.id, "failed", error=message[:500])
        telemetry.log_sheet(
            {
                "sheet_id": sheet.id,
                "status": Status.ERROR.value,
                "reason_codes": ReasonCode.POISONED.value,
                "trigger": trigger,
                "saved": saved,
            }
        )
        telemetry.flush()
        return "poisoned"

    def approve(self, request: ApprovalRequest) -> dict[str, Any]:
        """
        Approve one blocked change, named by its id: the next sync applies it if, and only if, it
        would make exactly that change; otherwise the approval lapses (and so after 24 hours).
        """
        if self.settings.sheet(request.sheet_id) is None:
            raise UnknownSheetError(request.sheet_id)
        # An HTTP call: the reader's short timeouts, so a hung storage account costs seconds.
        state = self.read_store.get_state(request.sheet_id)
        blocked = state.blocked if state else None
        if state is None or blocked is None:
            raise ConflictError("nothing to approve: the last sync of this sheet was not blocked")
        what = (
            f"{blocked.kind} {blocked.id}: {blocked.count} {'columns' if blocked.kind == 'columns' else 'leads'} ({blocked.reason[:200]})"
        )
        if request.change_id is None:
            raise InvalidRequestError(f'name the blocked change you approve, e.g. {{"change": "{blocked.id}"}}; it is {what}')
        if request.change_id != blocked.id:
            raise ConflictError(
                f"change {request.change_id[:40]!r} is not the sheet's blocked change, which is now {what}; review it and approve that id"
            )
        if blocked.kind == "empty" and not request.confirm_empty:
            raise InvalidRequestError(
                f"change {blocked.id} removes every lead of the sheet: approve it with confirm_empty=true if that is right"
            )
        approval = Approval(blocked.id, datetime.now(UTC), request.by[:200], request.reason[:1000], request.confirm_empty)
        self.read_store.save_state(replace(state, approval=approval), fields=("approval",))
        self._states_cache = None
        self._audit(
            "approval",
            approval.by,
            [request.sheet_id],
            {"leads" if blocked.kind != "columns" else "columns": blocked.count},
            change=blocked.id,
            kind=blocked.kind,
        )
        return {
            "sheet_id": request.sheet_id,
            "approved": True,
            "change": blocked.to_dict(),
            "by": approval.by,
            "message": "the next sync applies this change if it is exactly the same; anything else, or 24 hours, lets the approval lapse",
        }

    # personal data (issue 14): erasure, suppression, retention, audit

    def _erasure_key(self) -> bytes:
        from .core.privacy import key_bytes

        problem = self.settings.erasure_problem
        if problem is not None:
            raise ConfigError(problem)
        return key_bytes(self.settings.erasure_key or "")

    def _identifiers(self, request: ErasureRequest) -> Identifiers:
        from .core.privacy import parse_identifiers

        try:
            return parse_identifiers(request.email, request.phone, self.settings.phone_region)
        except ValueError as e:
            raise InvalidRequestError(str(e)) from None

    def _audit(self, action: str, actor: str, sheets: list[str], counts: Mapping[str, int], **detail: Any) -> str:
        """Append one audit record: action, actor, sheet ids and counts, never personal data."""
        entry: dict[str, Any] = {"action": action, "actor": actor[:200] or "unknown", "sheets": sorted(sheets), "counts": dict(counts)}
        entry.update(detail)
        try:
            return self.store.append_audit(entry, datetime.now(UTC))
        except StoreError as e:
            raise StoreError(
                f"the {action} was done, but its audit record could not be written ({e}); repeat the request to record it"
            ) from e

    def erase(self, request: ErasureRequest) -> dict[str, Any]:
        """
        Erase a person: their identifiers join the suppression list (keyed hashes) first, so a sync
        that starts now withholds them; then every stored lead of every sheet carrying them
        (primary or further contact columns, deleted or not) is deleted for real. Idempotent.
        """
        from .core.privacy import key_id, matches_person

        key = self._erasure_key()
        person = self._identifiers(request)
        store = self.store
        hashes = person.hashes(key)
        store.add_suppressions(hashes, key_id(key), datetime.now(UTC))
        found: dict[str, list[str]] = {}
        for sheet_id, lead_key, fields in store.find_contacts(person.email, person.phone):
            if matches_person(fields, person):
                found.setdefault(sheet_id, []).append(lead_key)
        counts = {sheet_id: store.delete_leads(sheet_id, keys) for sheet_id, keys in sorted(found.items())}
        total = sum(counts.values())
        self._states_cache = None
        audit_id = self._audit(
            "erasure", request.actor, list(counts), {"leads": total, "sheets": len(counts), "identifiers": len(hashes)}, per_sheet=counts
        )
        telemetry.log_privacy("erasure", leads=total, sheets=len(counts), suppressed=len(hashes))
        return {
            "erased": total,
            "sheets": [{"sheet_id": k, "leads": v} for k, v in counts.items()],
            "suppressed": len(hashes),
            "identifiers": [k for k, _ in person.pairs()],
            "audit_id": audit_id,
            "message": "deleted for real; every later sync withholds rows carrying these identifiers and reports them by row number",
        }

    def unsuppress(self, request: ErasureRequest) -> dict[str, Any]:
        """Take a person's identifiers off the suppression list (a separate, recorded action): later syncs store them again."""
        key = self._erasure_key()
        person = self._identifiers(request)
        removed = self.store.remove_suppressions(person.hashes(key))
        audit_id = self._audit("unsuppress", request.actor, [], {"identifiers": removed})
        telemetry.log_privacy("unsuppress", identifiers=removed)
        return {
            "removed": removed,
            "audit_id": audit_id,
            "message": "the next syncs store this person's rows again" if removed else "these identifiers were not on the suppression list",
        }

    def purge(self, now: datetime | None = None) -> dict[str, Any]:
        """
        Delete for real the leads soft-deleted longer ago than their sheet's retention (off unless
        set), at most ``purge_max`` per sheet per run; what is left goes in the next run.
        """
        from .core.privacy import retention_cutoff

        now = now or datetime.now(UTC)
        s = self.settings
        sheets: list[dict[str, Any]] = []
        try:
            store = self.store
            for sheet in s.sheets:
                days = s.retention(sheet)
                cutoff = retention_cutoff(now, days)
                if cutoff is None:
                    continue
                keys = store.deleted_before(sheet.id, cutoff, s.purge_max)
                n = store.delete_leads(sheet.id, keys) if keys else 0
                sheets.append({"sheet_id": sheet.id, "retention_days": days, "purged": n, "more": len(keys) >= s.purge_max})
        except (ConfigError, StoreError) as e:
            return self._purged(sheets, str(e))
        return self._purged(sheets, None)

    def _purged(self, sheets: list[dict[str, Any]], error: str | None) -> dict[str, Any]:
        total = sum(x["purged"] for x in sheets)
        doc: dict[str, Any] = {"purged": total, "sheets": sheets, "error": error}
        if total:
            hit = [x for x in sheets if x["purged"]]
            doc["audit_id"] = self._audit(
                "purge",
                "retention timer",
                [x["sheet_id"] for x in hit],
                {"leads": total},
                per_sheet={x["sheet_id"]: x["purged"] for x in hit},
            )
        telemetry.log_privacy("purge", leads=total, sheets=len(sheets), failed=int(error is not None))
        return doc

    def audit(self, query: AuditQuery) -> dict[str, Any]:
        """One page of the audit trail, newest first."""
        try:
            items, token = self.read_store.list_audit(query.page_size, query.continuation)
        except ValueError as e:
            raise InvalidRequestError(str(e)) from e
        return {"items": items, "count": len(items), "continuation": token}

    def privacy_status(self) -> dict[str, Any]:
        """Whether erasure can run and the retention in force (for health): no identifier, no count of people."""
        s = self.settings
        return {
            "erasure": "ready" if s.erasure_problem is None else s.erasure_problem,
            "retention_days": s.retention_days,
            "sheet_retention": {x.id: x.retention_days for x in s.sheets if x.retention_days is not None},
        }


WATERMARK_MARGIN = timedelta(seconds=60)
"""As the store's: a sorted walk's watermark lies this far behind its start."""
_SORT_TOKEN_ERROR = "invalid continuation token: pass back the continuation of the previous page unchanged, with the same sort"


def encode_sort_token(sort: str, key: list[Any], watermark: str) -> str:
    """The continuation of a sorted listing: the sort, the last key served and the watermark."""
    raw = json.dumps({"s": sort, "k": key, "w": watermark}, separators=(",", ":"), ensure_ascii=False).encode()
    return "s." + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_sort_token(text: str | None, sort: str) -> dict[str, Any] | None:
    if not text:
        return None
    try:
        if not text.startswith("s."):
            raise ValueError(text[:2])
        body = text[2:]
        value = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        key = value["k"]
        ok = (
            isinstance(value, dict)
            and value.get("s") == sort
            and isinstance(value.get("w"), str)
            and isinstance(key, list)
            and len(key) == 4
            and isinstance(key[0], int)
            and all(isinstance(k, str) for k in key[1:])
        )
    except (ValueError, TypeError, KeyError, UnicodeDecodeError, RecursionError):
        ok = False
    if not ok:
        raise InvalidRequestError(_SORT_TOKEN_ERROR)
    return dict(value)


def _warn(entry: dict[str, Any], code: str, message: str) -> None:
    entry["status"] = Status.worst([Status(entry["status"]), Status.WARNING]).value
    entry["messages"] = [*entry.get("messages", []), message]
    entry["reason_codes"] = [*entry.get("reason_codes", []), code]


def _iso(v: Any) -> str | None:
    if isinstance(v, datetime):
        return v.isoformat()
    return v or None


_runtime: Runtime | None = None
_runtime_lock = threading.Lock()


def get_runtime() -> Runtime:
    """The process's runtime, built from the environment on first use."""
    global _runtime
    with _runtime_lock:
        if _runtime is None:
            _runtime = Runtime(load_settings())
        return _runtime


def set_runtime(runtime: Runtime | None) -> None:
    """Replace (or with ``None`` reset) the process's runtime: for the CLI and tests."""
    global _runtime
    with _runtime_lock:
        _runtime = runtime


__all__ = [
    "ApprovalRequest",
    "AuditQuery",
    "ErasureRequest",
    "HealthView",
    "LeadSyncError",
    "LeadsQuery",
    "Runtime",
    "SyncRequest",
    "get_runtime",
    "set_runtime",
]
