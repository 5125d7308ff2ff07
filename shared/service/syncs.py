"""
Use case: run syncs. In this process (the CLI), or through the sync queue: the timer's fan-out,
and a manual run that a person starts and follows (``GET /api/leads/runs/{id}``).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from .. import telemetry
from ..config import Settings
from ..core.jobs import Job
from ..core.models import Status
from ..errors import ConfigError, ConflictError, LeadSyncError, StoreError, UnknownRunError, UnknownSheetError
from .deps import Deps
from .inputs import SyncRequest
from .results import Enqueued, SyncStarted

if TYPE_CHECKING:
    from ..config_model import SheetConfig
    from ..sync import RunReport

WAIT_POLL_SECONDS = 0.25
MAX_WAIT_SECONDS = 20.0
"""The longest ``wait`` of a manual sync: far below the front end's 230 s."""


class Syncs:
    def __init__(self, deps: Deps):
        self._deps = deps

    def run(self, only: str | None = None, trigger: str = "timer") -> RunReport:
        """Sync every enabled sheet, or only ``only``, in this process; raises ``UnknownSheetError``."""
        from ..sync import RunReport, SheetReport, broken_report, sync_all

        rt = self._deps
        telemetry.configure(rt.telemetry_connection)
        t0 = time.perf_counter()
        if only is not None and not rt.known(only):
            raise UnknownSheetError(only)
        try:
            store = rt.store
        except (ConfigError, StoreError) as e:
            sheets = [s for s in rt.settings.sheets if only in (None, s.id)]
            reports = []
            for sheet in sheets:
                failed = SheetReport(sheet.id, sheet.customer)
                failed.note(Status.ERROR, e.code, str(e))
                reports.append(failed)
            reports += [broken_report(b) for b in rt.settings.broken if only in (None, b.id)]
            report = RunReport(reports)
        else:
            report = sync_all(rt.settings, rt.source_for, store, only=only, trigger=trigger)
        rt.states_changed()
        changed = [s.sheet_id for s in report.sheets if s.written]
        if changed:
            rt.webhooks.wake(changed)
        if only is None:
            report.problems = list(rt.settings.problems)
        for sheet_report in report.sheets:
            telemetry.log_sheet(sheet_report.log_fields())
        errors = sum(1 for s in report.sheets if s.status == Status.ERROR.value)
        telemetry.log_run(report.status, len(report.sheets), errors, int((time.perf_counter() - t0) * 1000), trigger)
        telemetry.flush()
        return report

    # the queue path

    def plan(self, sheets: list[SheetConfig], interval_seconds: float) -> dict[str, float]:
        """Each sheet's delay in the interval (``core.pacing``); Google sheets only are paced."""
        from ..core.pacing import Read, plan_reads

        s = self._deps.settings
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

    def enqueue(
        self,
        trigger: str = "timer",
        only: str | None = None,
        run_id: str | None = None,
        now: datetime | None = None,
        delay: float | None = None,
    ) -> Enqueued:
        """
        Put one message per enabled sheet (or only ``only``) on the sync queue, each delayed to its
        turn in the interval up to the timer's next fire (timer) or as soon as the budget allows
        (manual), or by ``delay`` seconds when given (a change notification's debounced, paced
        slot, ``core.notify``). Returns at once. Without ``run_id`` the run is recorded here first (every sheet
        ``queued``); a ``run_id`` must name a run already recorded (``start``), or the worker
        refuses its messages.
        """
        from ..core.messages import SyncMessage

        rt = self._deps
        telemetry.configure(rt.telemetry_connection)
        if only is not None and not rt.known(only):
            raise UnknownSheetError(only)
        t0 = time.perf_counter()
        sheets = [x for x in rt.settings.sheets if (x.id == only if only else x.enabled)]
        if run_id is None:
            # The run's record comes first, here: the queue worker acts only on a message whose run
            # exists and lists its sheet, so a message written by anyone else changes nothing.
            run_id = uuid.uuid4().hex
            try:
                rt.jobs.create_job(run_id, trigger, [x.id for x in sheets], datetime.now(UTC))
            except (StoreError, ConfigError):
                telemetry.log_run(Status.ERROR.value, len(sheets), len(sheets), int((time.perf_counter() - t0) * 1000), trigger)
                telemetry.flush()
                raise
        interval = interval_seconds(rt.settings, now or datetime.now(UTC)) if trigger == "timer" else 0.0
        delays = self.plan(sheets, min(interval, 3600.0)) if delay is None else {x.id: delay for x in sheets}
        broken = [b for b in rt.settings.broken if only in (None, b.id)]
        if broken:
            from ..sync import broken_report

            for b in broken:
                telemetry.log_sheet(broken_report(b).log_fields())
        try:
            sent = rt.queue.send_many((SyncMessage(x.id, run_id, trigger).to_json(), delays[x.id]) for x in sheets)
        except (StoreError, ConfigError):
            telemetry.log_run(Status.ERROR.value, len(sheets), len(sheets), int((time.perf_counter() - t0) * 1000), trigger)
            telemetry.flush()
            raise
        if trigger == "timer":
            rt.webhooks.wake()  # the safety net: events whose wake-up was lost are dispatched within one interval
        # The run's record (the heartbeat alert's signal): the timer ran and handed out every sheet;
        # each sheet's outcome follows as its own sheet_sync record.
        status = Status.ERROR if broken or (only is None and rt.settings.problems) else Status.SUCCESS
        telemetry.log_run(status.value, len(sheets) + len(broken), len(broken), int((time.perf_counter() - t0) * 1000), trigger)
        telemetry.flush()
        return Enqueued(
            run_id,
            sent,
            tuple(x.id for x in sheets),
            tuple(b.id for b in broken),
            max(delays.values(), default=0.0),
        )

    def start(
        self,
        request: SyncRequest,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Any] = time.sleep,
    ) -> SyncStarted:
        """
        A manual sync through the queue: record the run (every sheet ``queued``), enqueue, and, for
        one sheet with ``wait``, poll the run until it finishes or the wait ends.
        """
        rt = self._deps
        if request.sheet_id is not None and rt.settings.sheet(request.sheet_id) is None:
            if rt.known(request.sheet_id):
                raise ConflictError(f"sheet {request.sheet_id!r} has an invalid configuration: see health detail")
            raise UnknownSheetError(request.sheet_id)
        run_id = uuid.uuid4().hex
        sheets = [x.id for x in rt.settings.sheets if (x.id == request.sheet_id if request.sheet_id else x.enabled)]
        rt.jobs.create_job(run_id, "manual", sheets, datetime.now(UTC))
        try:
            self.enqueue("manual", only=request.sheet_id, run_id=run_id)
        except LeadSyncError as e:
            # Nothing was queued: the run's record says so instead of staying "queued" forever.
            for sheet_id in sheets:
                record_progress(rt, run_id, "manual", sheet_id, "failed", error=f"not queued: {str(e)[:300]}")
            raise
        deadline = clock() + min(max(0.0, request.wait), MAX_WAIT_SECONDS)
        while True:
            job = self.status(run_id)
            if job.state == "done" or clock() >= deadline:
                return SyncStarted(job, job.state == "done")
            sleep(WAIT_POLL_SECONDS)

    def status(self, run_id: str) -> Job:
        """A manual sync's per-sheet progress; raises ``UnknownRunError``."""
        job = self._deps.read_jobs.get_job(run_id)
        if job is None:
            raise UnknownRunError(run_id)
        return job


def interval_seconds(settings: Settings, now: datetime) -> float:
    """The real time from ``now`` to the timer's next fire (``SYNC_SCHEDULE``): what a run is paced over."""
    from ..core.schedule import interval_after

    return interval_after(settings.sync_schedule, now).total_seconds()


def record_progress(deps: Deps, run_id: str, trigger: str, sheet_id: str, state: str, **kw: Any) -> None:
    """
    Best effort: a sheet's progress in its run (a run that does not list the sheet is left as it
    is: only ``start`` and ``enqueue`` create runs). Only manual runs keep each sheet's report:
    health is the record of the others.
    """
    if trigger != "manual":
        kw.pop("report", None)
    try:
        deps.jobs.update_job_sheet(run_id, sheet_id, state, datetime.now(UTC), **kw)
    except (StoreError, ConfigError) as e:
        telemetry.logger.warning(
            "job_progress_not_recorded run=%s sheet=%s state=%s: %s",
            run_id[:64],
            sheet_id,
            state,
            type(e).__name__,
            extra={"event": "job_progress_not_recorded", "sheet_id": sheet_id, "state": state},
        )
