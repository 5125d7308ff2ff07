"""
The application service: settings, adapters and the use cases the functions and the CLI call.

Everything heavy (gspread, azure-data-tables, the telemetry exporter) is imported only when a
use case needs it, so importing this module, and therefore indexing the app, cannot fail on a
setting or a credential.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from . import buildinfo, telemetry
from .config import Settings, SheetConfig, load_settings
from .core.models import Status
from .errors import ConfigError, LeadSyncError, StoreError
from .ports import LeadStore, SheetSource

if TYPE_CHECKING:
    from .sync import RunReport

MAX_PAGE = 1000


class Runtime:
    """Settings plus lazily built adapters; one per process (``get_runtime``)."""

    def __init__(self, settings: Settings, environ: Mapping[str, str] | None = None, store: LeadStore | None = None):
        self.settings = settings
        self.environ = dict(os.environ if environ is None else environ)
        self._store = store
        self._google: SheetSource | None = None
        self._csv: SheetSource | None = None
        self._lock = threading.Lock()

    @property
    def store(self) -> LeadStore:
        with self._lock:
            if self._store is None:
                from .adapters.table_storage import TableLeadStore

                s = self.settings
                conn = s.storage_target or s.storage_connection
                if not conn:
                    raise ConfigError("no storage configured: set LEAD_SYNC_STORAGE or AzureWebJobsStorage")
                self._store = TableLeadStore(conn, s.leads_table, s.state_table, s.runs_table)
            return self._store

    def source_for(self, sheet: SheetConfig) -> SheetSource:
        with self._lock:
            if sheet.source == "csv":
                if self._csv is None:
                    from .adapters.csv_source import CsvSource

                    self._csv = CsvSource(self.settings.base_dir)
                return self._csv
            if self._google is None:
                from .adapters.google_sheets import GoogleSheetsSource, RateLimiter

                self._google = GoogleSheetsSource(
                    self.settings.google_credentials, RateLimiter(self.settings.reads_per_minute)
                )
            return self._google

    # use cases

    def run_sync(self, only: str | None = None, trigger: str = "timer") -> RunReport:
        from .sync import RunReport, SheetReport, broken_report, sync_all

        telemetry.configure(self.environ)
        t0 = time.perf_counter()
        if only is not None and self.settings.sheet(only) is None and not any(b.id == only for b in self.settings.broken):
            raise KeyError(only)
        try:
            store = self.store
        except (ConfigError, StoreError) as e:
            sheets = [s for s in self.settings.sheets if only in (None, s.id)]
            reports = [SheetReport(s.id, s.customer, Status.ERROR.value, [str(e)], [e.code]) for s in sheets]
            reports += [broken_report(b) for b in self.settings.broken if only in (None, b.id)]
            report = RunReport(reports)
        else:
            report = sync_all(self.settings, self.source_for, store, only=only)
        for sheet in report.sheets:
            telemetry.log_sheet(sheet.log_fields())
        errors = sum(1 for s in report.sheets if s.status == Status.ERROR.value)
        telemetry.log_run(report.status, len(report.sheets), errors, int((time.perf_counter() - t0) * 1000), trigger)
        telemetry.flush()
        return report

    def health(self, history: int = 5, sheet_id: str | None = None) -> tuple[int, dict[str, Any]]:
        """
        Overall and per-sheet status; no lead data. 503 only when storage cannot be read.

        Each sheet shows its last ``history`` runs from its state (one query for all sheets);
        with ``sheet_id``, only that sheet, with up to 50 runs read from the run history.
        """
        if sheet_id is not None and self.settings.sheet(sheet_id) is None and not any(b.id == sheet_id for b in self.settings.broken):
            return 404, {"error": f"unknown sheet {sheet_id!r}"}
        s = self.settings
        out: dict[str, Any] = {"checked_at": datetime.now(UTC).isoformat(), "problems": list(s.problems)}
        out.update(version=buildinfo.version(), started_at=buildinfo.started_at())
        sheets: list[dict[str, Any]] = []
        code = 200
        try:
            states = {st["sheet_id"]: st for st in self.store.list_states()}
        except (ConfigError, StoreError) as e:
            states = {}
            out["problems"].append(f"storage: {e}")
            code = 503
        for b in s.broken:
            if sheet_id not in (None, b.id):
                continue
            sheets.append({"sheet_id": b.id, "customer": b.customer, "status": "ERROR", "messages": [b.error], "reason_codes": ["config"]})
        for sheet in s.sheets:
            if sheet_id not in (None, sheet.id):
                continue
            st = states.get(sheet.id)
            entry: dict[str, Any] = {"sheet_id": sheet.id, "customer": sheet.customer, "source": sheet.source, "enabled": sheet.enabled}
            if not st or not st.get("status"):
                entry.update(status="WARNING", messages=["not synced yet"], reason_codes=["never_synced"])
            else:
                entry.update(
                    status=st.get("status"),
                    messages=st.get("messages") or [],
                    reason_codes=st.get("reason_codes") or [],
                    last_run_at=_iso(st.get("last_run_at")),
                    last_success_at=_iso(st.get("last_success_at")),
                    leads=st.get("baseline"),
                    counts=st.get("counts") or {},
                    header_row=None if st.get("header_row") in (None, -1) else st.get("header_row"),
                    header_strategy=st.get("header_strategy") or None,
                    guard=st.get("guard") or None,
                    awaiting_approval=bool(st.get("approved")),
                )
                entry["recent_runs"] = (st.get("recent_runs") or [])[:history]
                if sheet_id is not None:
                    try:
                        entry["recent_runs"] = [
                            {
                                "started_at": _iso(r.get("started_at")),
                                "duration_ms": r.get("duration_ms"),
                                "status": r.get("status"),
                                "counts": r.get("counts"),
                                "reason_codes": r.get("reason_codes"),
                            }
                            for r in self.store.list_runs(sheet.id, min(history, 50))
                        ]
                    except StoreError:
                        pass
            sheets.append(entry)
        # A sheet switched off in config keeps its last status for reference but does not count.
        statuses = [Status(x["status"]) for x in sheets if x.get("enabled", True)]
        if out["problems"]:
            statuses.append(Status.ERROR)
        out["status"] = Status.worst(statuses).value
        out["sheets"] = sheets
        return code, out

    def leads(self, params: Mapping[str, str]) -> tuple[int, dict[str, Any]]:
        sheet_id = params.get("sheet") or params.get("sheet_id")
        customer = params.get("customer")
        if not sheet_id and not customer:
            return 400, {"error": "give ?customer=NAME or ?sheet=ID"}
        if sheet_id and self.settings.sheet(sheet_id) is None:
            return 404, {"error": f"unknown sheet {sheet_id!r}"}
        try:
            page_size = int(params.get("page_size") or 100)
        except ValueError:
            return 400, {"error": "page_size must be a whole number"}
        if not 1 <= page_size <= MAX_PAGE:
            return 400, {"error": f"page_size must be between 1 and {MAX_PAGE}"}
        include_deleted = (params.get("include_deleted") or "").lower() in ("1", "true", "yes")
        since = None
        if params.get("updated_since"):
            try:
                since = datetime.fromisoformat(params["updated_since"].replace("Z", "+00:00"))
            except ValueError:
                return 400, {"error": "updated_since must be an ISO 8601 date-time, e.g. 2026-11-29T10:00:00Z"}
            if since.tzinfo is None:
                since = since.replace(tzinfo=UTC)
        try:
            items, token = self.store.list_leads(
                sheet_id=sheet_id, customer=customer, include_deleted=include_deleted, page_size=page_size,
                token=params.get("continuation") or None, updated_since=since,
            )
        except ValueError as e:
            return 400, {"error": str(e)}
        except (ConfigError, StoreError) as e:
            return 503, {"error": f"leads cannot be read now: {e}"}
        return 200, {"items": items, "count": len(items), "continuation": token}

    def sync(self, sheet_id: str | None) -> tuple[int, dict[str, Any]]:
        try:
            report = self.run_sync(only=sheet_id, trigger="manual")
        except KeyError:
            return 404, {"error": f"unknown sheet {sheet_id!r}"}
        return 200, report.to_dict()

    def approve(self, sheet_id: str) -> tuple[int, dict[str, Any]]:
        """Approve one blocked drop: the next sync of the sheet applies it."""
        if self.settings.sheet(sheet_id) is None:
            return 404, {"error": f"unknown sheet {sheet_id!r}"}
        try:
            state = self.store.get_state(sheet_id) or {}
            if "guard_blocked" not in (state.get("reason_codes") or []):
                return 409, {"error": "the last sync of this sheet was not blocked by the guard; nothing to approve"}
            self.store.save_state(sheet_id, {"approved": True})
        except (ConfigError, StoreError) as e:
            return 503, {"error": str(e)}
        return 200, {"sheet_id": sheet_id, "approved": True, "message": "the next sync applies the blocked drop once"}


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


__all__ = ["LeadSyncError", "Runtime", "get_runtime", "set_runtime"]
