"""
What a use case needs from the composition root (``root.Runtime`` implements it): the settings,
the adapters behind the ports, and the health cache of sync states.

Use cases depend on this protocol, never on the root, so a test may hand one any object that
fits, and the root is the only module that builds adapters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from ..config import Settings

if TYPE_CHECKING:  # annotations only: importing the app loads no pydantic
    from collections.abc import Iterable, Sequence
    from datetime import datetime

    from ..config_model import SheetConfig
from ..core.state import SheetState
from ..ports import DriveWatch, LeadStore, NoticeMarks, SheetEntries, SheetSource, SyncJobs, SyncQueue


class EventHooks(Protocol):
    """What other use cases ask of the webhooks (``webhooks.Webhooks`` implements it)."""

    def wake(self, sheet_ids: Sequence[str] = (), delay: float = 0.0) -> None:
        """Ask the dispatcher to run soon; never raises."""
        ...

    def forget(self, sheet_id: str, lead_ids: Iterable[str]) -> int:
        """An erasure: these leads' events leave the delivery log."""
        ...

    def prune(self, before: datetime) -> int:
        """Forget delivered and dead deliveries older than ``before``."""
        ...

    def handle(self, body: str | bytes, dequeue_count: int = 1) -> object:
        """One wake-up message of the dispatcher."""
        ...

    def health(self, now: datetime) -> list[dict[str, Any]]:
        """Each subscription's status (failing after 24 hours of failures), for the health detail; never raises."""
        ...


class Deps(Protocol):
    telemetry_connection: str | None
    """Application Insights, when configured; ``telemetry.configure`` is called with it."""

    @property
    def settings(self) -> Settings:
        """The settings now (the sheet list may be re-read from a table)."""
        ...

    @property
    def store(self) -> LeadStore:
        """The store syncs write through; raises ``ConfigError`` when no storage is configured."""
        ...

    @property
    def read_store(self) -> LeadStore:
        """The store HTTP reads go through: short timeouts, one retry."""
        ...

    @property
    def queue(self) -> SyncQueue: ...

    @property
    def webhooks(self) -> EventHooks:
        """The webhook use case (``wake`` after a change, ``forget`` on erasure)."""
        ...

    @property
    def webhook_queue(self) -> SyncQueue:
        """The queue that wakes the webhook dispatcher."""
        ...

    @property
    def jobs(self) -> SyncJobs: ...

    @property
    def notice_marks(self) -> NoticeMarks:
        """Change notifications' pending times and budget slots; raises ``ConfigError`` without storage."""
        ...

    @property
    def read_jobs(self) -> SyncJobs: ...

    def source_for(self, sheet: SheetConfig, defer_rate_limits: bool = False) -> SheetSource: ...

    def drive_for(self, sheet: SheetConfig) -> DriveWatch:
        """Drive push channels as the service account that reads ``sheet``."""
        ...

    def known(self, sheet_id: str) -> bool:
        """Whether ``sheet_id`` is configured, validly or not."""
        ...

    def states(self, fields: tuple[str, ...] | None = None) -> list[SheetState]:
        """Every sheet's sync state (only ``fields`` of it when given), cached briefly for health."""
        ...

    @property
    def sheet_entries(self) -> SheetEntries:
        """The sheets table, entry by entry with ETags; raises ``ConfigError`` without one."""
        ...

    def sheets_changed(self) -> None:
        """The sheet list was written: read it again on next use."""
        ...

    def states_changed(self) -> None:
        """Forget the cached states: a use case changed them."""
        ...
