"""
A manual sync's progress, sheet by sheet (pure): what ``GET /api/leads/runs/{id}`` shows.

Each sheet of a run is ``queued`` (its message waits, also after a 429 deferral), ``running``,
``done`` (with the sync's status and report) or ``failed`` (the message could not be processed:
poisoned, unknown sheet, malformed). ``retrying`` is a sheet whose message failed and waits for
the queue to deliver it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

STATES = ("queued", "running", "retrying", "done", "failed")
FINISHED = ("done", "failed")


def may_follow(current: str | None, new: str) -> bool:
    """
    Whether a sheet of a run may move from ``current`` to ``new``. A finished sheet stays finished:
    a duplicate delivery of its message (the queue delivers at least once) may record a newer
    outcome (``done`` again, ``failed``) but never sends it back to ``queued``, ``running`` or
    ``retrying``, so a run that said ``done`` never says otherwise.
    """
    return current not in FINISHED or new in FINISHED


@dataclass(frozen=True)
class JobSheet:
    sheet_id: str
    state: str = "queued"
    status: str | None = None
    updated_at: datetime | None = None
    error: str | None = None
    report: dict[str, Any] | None = None
    deliveries: int | None = None
    """The queue's delivery count of the sheet's message when the worker last recorded a failure."""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"sheet_id": self.sheet_id, "state": self.state}
        if self.status:
            out["status"] = self.status
        if self.updated_at:
            out["updated_at"] = self.updated_at.isoformat()
        if self.error:
            out["error"] = self.error
        if self.report is not None:
            out["report"] = self.report
        return out


@dataclass(frozen=True)
class Job:
    run_id: str
    trigger: str
    created_at: datetime
    sheets: tuple[JobSheet, ...] = ()

    @property
    def state(self) -> str:
        """``queued`` until a sheet starts, ``running`` until every sheet finished, then ``done``."""
        states = {s.state for s in self.sheets}
        if not states or states <= set(FINISHED):
            return "done"
        if states == {"queued"}:
            return "queued"
        return "running"

    def to_dict(self) -> dict[str, Any]:
        counts = {k: sum(1 for s in self.sheets if s.state == k) for k in STATES}
        return {
            "run_id": self.run_id,
            "trigger": self.trigger,
            "created_at": self.created_at.isoformat(),
            "state": self.state,
            "counts": counts,
            "sheets": [s.to_dict() for s in sorted(self.sheets, key=lambda s: s.sheet_id)],
        }
