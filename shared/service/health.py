"""Use case: sync health, as anyone may see it (summary) and as operators see it (detail)."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .. import buildinfo
from ..config import Settings

if TYPE_CHECKING:  # annotations only: importing the app loads no pydantic
    from ..config_model import SheetConfig
from ..core.models import Status
from ..core.state import SheetState
from ..errors import ConfigError, StoreError, UnknownSheetError
from .deps import Deps
from .inputs import HealthQuery
from .privacy import privacy_status
from .results import HealthView

OVERVIEW_FIELDS = ("status", "messages", "reason_codes", "last_run_at", "baseline", "blocked", "approval", "recent_runs", "lease")
"""The state fields the overview's entries come from: one projected query reads only these."""
OVERVIEW_KEYS = frozenset(
    {
        "sheet_id",
        "customer",
        "source",
        "enabled",
        "status",
        "messages",
        "reason_codes",
        "last_run_at",
        "leads",
        "awaiting_approval",
        "recent_runs",
    }
)
"""What each overview entry keeps: the keys that ``OVERVIEW_FIELDS`` fill exactly as ``detail`` does."""


class Health:
    def __init__(self, deps: Deps):
        self._deps = deps
        self._pacing_warning: tuple[Settings, list[str]] | None = None
        self._overview_runs: dict[str, tuple[SheetState, int, list[dict[str, Any]]]] = {}
        """Each sheet's runs as the overview last showed them, with the state object they came from."""

    def summary(self) -> HealthView:
        """
        What anyone may know: overall status, build, start time, sheets per status and whether
        syncs are fresh. No customer, sheet id, message or address.
        """
        view = self._detail(HealthQuery(runs=0), None, webhooks=False)  # the public view never reads the webhook tables
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

    def detail(self, query: HealthQuery | None = None) -> HealthView:
        """
        Overall and per-sheet status for operators (function key); no lead data.

        Each sheet shows its last ``query.runs`` runs from its state (one query for all sheets);
        with ``query.sheet_id``, only that sheet, with up to 50 runs read from the run history.
        """
        return self._detail(query or HealthQuery(), None)

    def overview(self, runs: int = 10) -> HealthView:
        """
        Every sheet as ``detail`` shows it, reduced to status, reasons, last run, leads, flags and
        its last ``runs`` runs (``OVERVIEW_KEYS``): the operator console's overview. Its states are
        a projection (``OVERVIEW_FIELDS``: no guard, mapping, counts or approvals history read or
        decoded), cached like the full ones, so thousands of sheets cost one light query. A state
        the store hands back unchanged (the same object: the cache, or an unchanged ETag) reuses
        the runs it showed last time instead of converting them again.
        """
        memo: dict[str, tuple[SheetState, int, list[dict[str, Any]]]] = {}
        view = self._detail(HealthQuery(runs=runs), OVERVIEW_FIELDS, memo)
        self._overview_runs = memo  # only the sheets of this overview: removed ones are forgotten
        doc = dict(view.doc)
        doc["sheets"] = [{k: v for k, v in e.items() if k in OVERVIEW_KEYS} for e in doc["sheets"]]
        doc.pop("orphaned", None)
        return HealthView(doc, view.storage_ok)

    def _detail(
        self,
        query: HealthQuery,
        fields: tuple[str, ...] | None,
        memo: dict[str, tuple[SheetState, int, list[dict[str, Any]]]] | None = None,
        webhooks: bool = True,
    ) -> HealthView:
        sheet_id = query.sheet_id
        if sheet_id is not None and not self._deps.known(sheet_id):
            raise UnknownSheetError(sheet_id)
        s = self._deps.settings
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
            states = {st.sheet_id: st for st in (self._deps.states() if fields is None else self._deps.states(fields))}
        except (ConfigError, StoreError) as e:
            states = {}
            out["problems"].append(f"storage cannot be read now: {e}")
            storage_ok = False
        for b in s.broken:
            if sheet_id not in (None, b.id):
                continue
            sheets.append({"sheet_id": b.id, "customer": b.customer, "status": "ERROR", "messages": [b.error], "reason_codes": ["config"]})
        now = datetime.now(UTC)
        stale_before = self._stale_before(now)
        for sheet in s.sheets:
            if sheet_id not in (None, sheet.id):
                continue
            st = states.get(sheet.id)
            entry = self._sheet_health(sheet, st, query.runs, with_runs=sheet_id is not None, memo=memo)
            self._mark_stale(entry, st, now, stale_before)
            if st is not None and st.lease_expired(now):
                _warn(entry, "interrupted", "the last run did not finish (killed, timed out or restarted); the next run recovers")
            sheets.append(entry)
        # Webhook subscriptions, in the whole deployment's views only (a storage that failed above is not asked again).
        hooks = self._deps.webhooks.health(now) if webhooks and sheet_id is None and fields is None and storage_ok else []
        for h in hooks:
            if h["status"] == "failing":
                out["warnings"].append(
                    f"webhook {h['id']} is failing since {h['failing_since']}: {h['reason']}; see /api/webhooks/{h['id']}/deliveries"
                )
        # A sheet switched off in config keeps its last status for reference but does not count.
        statuses = [Status(x["status"]) for x in sheets if x.get("enabled", True)]
        if out["problems"]:
            statuses.append(Status.ERROR)
        if out["warnings"]:
            statuses.append(Status.WARNING)
        out["status"] = Status.worst(statuses).value
        out["sheets"] = sheets
        out["privacy"] = privacy_status(s)
        if hooks:
            out["webhooks"] = hooks
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
        s = self._deps.settings
        if self._pacing_warning is None or self._pacing_warning[0] is not s:
            self._pacing_warning = (s, [])
            from ..core import schedule

            if s.sync_schedule and (why := schedule.problem(s.sync_schedule)):
                self._pacing_warning[1].append(f"{why}; health treats the schedule as daily, so staleness is reported late")
            if s.sync_schedule and any(x.source == "google" for x in s.sheets):
                from ..core.pacing import Read, plan_reads

                # The tightest gap between two fires: every interval must fit its reads.
                interval = min(schedule.shortest_interval(s.sync_schedule, datetime.now(UTC)).total_seconds(), 3600.0)
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

    def _stale_before(self, now: datetime) -> datetime:
        """A sheet whose last finished run is older than this let ``stale_after`` timer fires pass."""
        from ..core.schedule import stale_before

        s = self._deps.settings
        return stale_before(s.sync_schedule, now, s.stale_after)

    def _mark_stale(self, entry: dict[str, Any], st: SheetState | None, now: datetime, stale_before: datetime) -> None:
        """WARNING ``stale`` when ``stale_after`` timer fires passed since an enabled sheet's last finished run."""
        s = self._deps.settings
        last = st.last_run_at if st else None
        if not entry.get("enabled", True) or last is None or last >= stale_before:
            return
        hours = (now - last).total_seconds() / 3600
        _warn(
            entry,
            "stale",
            (
                f"no sync of this sheet has finished for {hours:.1f} h ({s.stale_after} timer fires since): "
                "check that the sync timer runs (SYNC_SCHEDULE, the function app's state) and the run history"
            ),
        )

    def _sheet_health(
        self,
        sheet: SheetConfig,
        st: SheetState | None,
        history: int,
        with_runs: bool,
        memo: dict[str, tuple[SheetState, int, list[dict[str, Any]]]] | None = None,
    ) -> dict[str, Any]:
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
        last = self._overview_runs.get(st.sheet_id) if memo is not None else None
        if last is not None and last[0] is st and last[1] == history:
            entry["recent_runs"] = last[2]
        else:
            entry["recent_runs"] = [r.to_dict() for r in st.recent_runs[:history]]
        if memo is not None:
            memo[st.sheet_id] = (st, history, entry["recent_runs"])
        if with_runs:
            with contextlib.suppress(StoreError):
                entry["recent_runs"] = [r.to_dict() for r in self._deps.read_store.list_runs(sheet.id, min(history, 50))]
        return entry


def _warn(entry: dict[str, Any], code: str, message: str) -> None:
    entry["status"] = Status.worst([Status(entry["status"]), Status.WARNING]).value
    entry["messages"] = [*entry.get("messages", []), message]
    entry["reason_codes"] = [*entry.get("reason_codes", []), code]


def _iso(v: Any) -> str | None:
    if isinstance(v, datetime):
        return v.isoformat()
    return v or None
