"""
Use case: the queue function's work. Sync the one sheet a message names; after every delivery
failed, record the sheet as poisoned.

Queue messages are data, not commands: anyone who can write to the queue can write one. A
message is acted on only when its run exists and lists its sheet (runs are created by
``Syncs.start`` and ``Syncs.enqueue`` alone), and a poisoned message marks its sheet ERROR only
when that run's record shows the worker took the message and did not finish it.
"""

from __future__ import annotations

import random
from dataclasses import replace
from typing import Any

from .. import telemetry
from ..core.jobs import JobSheet
from ..core.models import Status
from ..core.state import SheetState
from ..errors import ConfigError, LeadSyncError, RetryLater, StoreError
from .deps import Deps
from .results import Outcome
from .syncs import record_progress

BUSY_RETRY_SECONDS = 30.0
"""A manual (or change-notified) run's sheet found busy (another run holds its lease) is tried again after this."""
MAX_DEFERRALS = 6
"""A sheet deferred by a 429 this many times is retried by the queue instead (and may be poisoned)."""
TRANSIENT = frozenset({"store", "source_unavailable", "source_rate_limited", "internal"})
"""Reason codes of an ERROR that may pass: the message is failed so the queue delivers it again."""


class QueueWorker:
    def __init__(self, deps: Deps):
        self._deps = deps

    def handle(self, body: str | bytes, dequeue_count: int = 1) -> Outcome:
        """
        Sync the one sheet a queue message names and say what happened; raises ``RetryLater``
        when the failure may pass, so that the queue delivers the message again (and, after
        ``maxDequeueCount``, poisons it).
        """
        from ..core.messages import MessageError, parse_message
        from ..core.pacing import backoff_seconds
        from ..core.redact import redact_all
        from ..sync import sync_sheet

        rt = self._deps
        if _is_dispatch(body):
            # A webhook wake-up on the sync queue (both queues given one name): the dispatcher's, not lost.
            rt.webhooks.handle(body, dequeue_count)
            return Outcome.DONE

        def progress(run_id: str, trigger: str, sheet_id: str, state: str, **kw: Any) -> None:
            record_progress(rt, run_id, trigger, sheet_id, state, **kw)

        telemetry.configure(rt.telemetry_connection)
        try:
            msg = parse_message(body)
        except MessageError as e:
            telemetry.logger.error("queue_message_malformed %s", e, extra={"event": "queue_message_malformed", "reason": str(e)})
            return Outcome.MALFORMED
        try:
            entry = rt.jobs.get_job_sheet(msg.run_id, msg.sheet_id)
        except (StoreError, ConfigError) as e:
            raise RetryLater(f"sheet {msg.sheet_id}: cannot check the message's run: {e}") from e
        if entry is None:
            _refused("the message's run does not exist or does not list its sheet (runs are started by the service only)", msg.sheet_id)
            return Outcome.REFUSED
        sheet = rt.settings.sheet(msg.sheet_id)
        if sheet is None:
            why = "not configured (removed, or its entry is invalid: see health detail)"
            telemetry.logger.warning("queue_message_unknown_sheet %s", msg.sheet_id, extra={"event": "queue_message_unknown_sheet"})
            progress(msg.run_id, msg.trigger, msg.sheet_id, "failed", error=f"sheet {msg.sheet_id!r} is {why}")
            return Outcome.UNKNOWN
        progress(msg.run_id, msg.trigger, sheet.id, "running")
        try:
            store = rt.store
            source = rt.source_for(sheet, defer_rate_limits=True)
        except LeadSyncError as e:
            progress(msg.run_id, msg.trigger, sheet.id, "retrying", error=str(e)[:500], deliveries=dequeue_count)
            raise RetryLater(f"sheet {sheet.id}: {e}") from e
        report = sync_sheet(sheet, source, store, rt.settings, trigger=msg.trigger)
        rt.states_changed()
        if report.written:
            rt.webhooks.wake([sheet.id])  # the dispatcher delivers this sync's events now, not at the next timer
        telemetry.log_sheet(report.log_fields())
        telemetry.flush()
        codes = set(report.reason_codes)
        if "busy" in codes:
            # Another delivery of this sheet (a duplicate, or the next interval's) holds the lease.
            # A person waiting on a manual run gets the sheet synced after it, not a run stuck at
            # "running": the message comes back shortly (a few times), then the run says busy.
            # A change notification's sync comes back too: the running sync may have read the sheet before the edit.
            if msg.trigger in ("manual", "change") and msg.attempt < MAX_DEFERRALS:
                rt.queue.send(msg.deferred().to_json(), BUSY_RETRY_SECONDS)
                progress(msg.run_id, msg.trigger, sheet.id, "queued", error="another sync of this sheet is running; retried shortly")
                return Outcome.DEFERRED
            progress(msg.run_id, msg.trigger, sheet.id, "done", status=report.status, report=report.to_dict())
            return Outcome.BUSY
        if "source_rate_limited" in codes and msg.attempt >= MAX_DEFERRALS:
            progress(msg.run_id, msg.trigger, sheet.id, "retrying", error="Google quota (429) on every deferral", deliveries=dequeue_count)
            raise RetryLater(f"sheet {sheet.id}: transient failure: Google quota (429) after {msg.attempt} deferrals")
        if "source_rate_limited" in codes:
            delay = backoff_seconds(msg.attempt, jitter=random.random())
            rt.queue.send(msg.deferred().to_json(), delay)
            progress(msg.run_id, msg.trigger, sheet.id, "queued", error=f"Google quota (429): deferred {delay:.0f} s")
            return Outcome.DEFERRED
        if report.status == Status.ERROR.value and codes & TRANSIENT:
            error = "; ".join(report.messages)[-500:]
            progress(msg.run_id, msg.trigger, sheet.id, "retrying", error=error, deliveries=dequeue_count)
            raise RetryLater(f"sheet {sheet.id}: transient failure on delivery {dequeue_count}: {error}")
        progress(msg.run_id, msg.trigger, sheet.id, "done", status=report.status, report=redact_all(report.to_dict()))
        return Outcome.DONE

    def poison(self, body: str | bytes, dequeue_count: int = 1) -> Outcome:
        """
        A message that failed on every delivery: the sheet becomes ERROR ``poisoned`` with the last
        error and the delivery count the worker last saw, in health and in telemetry (the
        sheet-ERROR alert), until a later sync succeeds.

        Only for a well-formed message of a configured sheet whose run lists it and shows it
        taken but unfinished (``running`` or ``retrying``): a message written to the poison queue
        by hand, or a copy of one whose sheet finished, is refused and logged.
        """
        from ..core.messages import MessageError, parse_message
        from ..core.reasons import ReasonCode, action

        rt = self._deps
        telemetry.configure(rt.telemetry_connection)
        try:
            msg = parse_message(body)
        except MessageError:
            # The worker completes a malformed message (never retried), so none reaches this queue.
            _refused("a poisoned message that is not a sync message", None, poison=dequeue_count)
            return Outcome.REFUSED
        sheet = rt.settings.sheet(msg.sheet_id)
        if sheet is None:
            telemetry.logger.error("queue_message_poisoned unknown sheet", extra={"event": "queue_message_poisoned"})
            telemetry.flush()
            return Outcome.UNKNOWN
        try:
            entry: JobSheet | None = rt.jobs.get_job_sheet(msg.run_id, sheet.id)
        except (StoreError, ConfigError):
            # Storage is away (the likely reason every delivery failed): nothing can be checked or
            # saved, but the sheet-ERROR alert still fires, marked unverified and unsaved.
            telemetry.log_sheet(
                {
                    "sheet_id": sheet.id,
                    "status": Status.ERROR.value,
                    "reason_codes": ReasonCode.POISONED.value,
                    "trigger": msg.trigger,
                    "saved": False,
                    "verified": False,
                    "poison_delivery": dequeue_count,
                }
            )
            telemetry.flush()
            return Outcome.POISONED
        if entry is None or entry.state not in ("running", "retrying"):
            why = (
                "its run does not exist or does not list the sheet"
                if entry is None
                else f"its run shows the sheet {entry.state} (the worker never failed on it)"
            )
            _refused(f"a poisoned message whose sheet stays as it is: {why}", sheet.id, poison=dequeue_count)
            return Outcome.REFUSED
        last = entry.error
        state: SheetState | None = None
        try:
            state = rt.store.get_state(sheet.id)
        except (StoreError, ConfigError):
            state = None
        if last is None and state is not None and state.status == Status.ERROR.value and state.messages:
            last = state.messages[-1]
        seen = f"delivery {entry.deliveries}" if entry.deliveries else "no failed delivery recorded"
        message = (
            f"the sync message failed on every delivery and was poisoned (the worker last saw {seen}); "
            f"last error: {last or 'unknown (the worker did not record it)'}"
            f". To fix: {action(ReasonCode.POISONED.value)}"
        )
        saved = True
        try:
            base = state or SheetState(sheet.id, customer=sheet.customer)
            rt.store.save_state(
                replace(base, status=Status.ERROR.value, reason_codes=(ReasonCode.POISONED.value,), messages=(message[:2000],)),
                fields=("status", "reason_codes", "messages"),
            )
        except (StoreError, ConfigError):
            saved = False
        rt.states_changed()
        record_progress(rt, msg.run_id, msg.trigger, sheet.id, "failed", error=message[:500])
        telemetry.log_sheet(
            {
                "sheet_id": sheet.id,
                "status": Status.ERROR.value,
                "reason_codes": ReasonCode.POISONED.value,
                "trigger": msg.trigger,
                "saved": saved,
                "verified": True,
                "deliveries": entry.deliveries or 0,
                "poison_delivery": dequeue_count,
            }
        )
        telemetry.flush()
        return Outcome.POISONED


def _refused(why: str, sheet_id: str | None, poison: int | None = None) -> None:
    """A message not acted on: logged with the sheet id only (never the message)."""
    event = "queue_message_refused" if poison is None else "poison_message_refused"
    extra: dict[str, Any] = {"event": event, "reason": why}
    if sheet_id is not None:
        extra["sheet_id"] = sheet_id
    if poison is not None:
        extra["poison_delivery"] = poison
    telemetry.logger.warning("%s sheet=%s: %s", event, sheet_id or "-", why, extra=extra)
    telemetry.flush()


def _is_dispatch(body: str | bytes) -> bool:
    import json

    try:
        doc = json.loads(body)
    except (ValueError, TypeError):
        return False
    return isinstance(doc, dict) and doc.get("kind") == "dispatch"
