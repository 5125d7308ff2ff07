"""
The boundaries of a sync: where sheets come from and where leads and sync state go.

Storage is three small protocols (one class, ``TableLeadStore``, implements all of them);
storage behaviour is always tested against Azurite. Every method raises ``StoreError`` when
storage fails after its retries, and nothing else on purpose.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # annotations only: importing the app loads no pydantic
    from .config_model import SheetConfig
from .core.events import OutboxEntry
from .core.identity import KeyedLead
from .core.jobs import Job, JobSheet
from .core.leadquery import LeadFilter
from .core.models import Grid
from .core.notify import Channel
from .core.plan import StoredLead
from .core.state import Lease, RunSummary, SheetState


class SheetSource(Protocol):
    def fetch(self, sheet: SheetConfig) -> Grid:
        """Return the sheet's cells as rows of strings; raise ``SourceError`` subclasses."""
        ...


class LeadRecords(Protocol):
    """A sheet's stored leads. Writes are idempotent: sending the same batch twice gives the same result."""

    max_lead_bytes: int
    """What one lead's names and values may cost (``core.fit.cost``); larger leads are cut to fit first."""

    def load_index(self, sheet_id: str, incoming: Iterable[KeyedLead] | None = None) -> dict[str, StoredLead]:
        """Every stored lead of the sheet (deleted ones too) by key: fingerprint, deleted, first seen.
        With ``incoming`` (the sheet's keyed leads), the leads the sheet still holds may leave out
        their signatures (used only for leads that left the sheet)."""
        ...

    def count_active(self, sheet_id: str) -> int:
        """How many live (not soft-deleted) leads of the sheet storage holds (keys only are read)."""
        ...

    def index_page(self, sheet_id: str, after: str, limit: int) -> tuple[list[StoredLead], str | None]:
        """
        A slice of the stored index in key order: the sheet's leads (soft-deleted ones too) whose
        keys sort after ``after`` (``""``: from the start), about ``limit`` of them, with key,
        fingerprint, deleted flag and content key; and the last key read when more follow
        (None when the slice reached the partition's end).
        """
        ...

    def carried_to(self, sheet_id: str, content_keys: Iterable[str]) -> dict[str, StoredLead]:
        """The live stored leads that keep an older id for these content keys, by content key."""
        ...

    def load_identities(self, sheet_id: str, keys: Iterable[str], include_deleted: bool = False) -> dict[str, dict[str, str]]:
        """Email, phone, names and company of the given live leads (to recognise a lead whose email changed)."""
        ...

    def write_leads(
        self,
        sheet: SheetConfig,
        leads: Iterable[KeyedLead],
        now: datetime,
        first_seen: dict[str, Any] | None = None,
        truncated: Mapping[str, Iterable[str]] | None = None,
        kinds: Mapping[str, str] | None = None,
    ) -> int:
        """Upsert whole leads (REPLACE); ``truncated`` names the columns cut to fit, per key. Returns the count.

        Every write commits with its events (``kinds``: created, updated or restored per key;
        default created, or updated for a key in ``first_seen``) in the same transaction."""
        ...

    def soft_delete(self, sheet_id: str, keys: Iterable[str], now: datetime, customer: str | None = None) -> int:
        """Mark leads deleted (kept, restorable), each with its ``deleted`` event. Returns the count."""
        ...

    def merge_leads(
        self,
        sheet_id: str,
        keys: Iterable[str],
        props: dict[str, Any],
        kind: str = "updated",
        now: datetime | None = None,
        customer: str | None = None,
    ) -> int:
        """Set ``props`` on stored leads, keeping the rest (MERGE), each with a ``kind`` event. Returns the count."""
        ...

    def list_leads(
        self,
        *,
        sheet_ids: Sequence[str] | None = None,
        sheet_id: str | None = None,
        customer: str | None = None,
        include_deleted: bool = False,
        page_size: int = 100,
        token: str | None = None,
        updated_since: datetime | None = None,
        lead_filter: LeadFilter | None = None,
    ) -> tuple[list[dict[str, Any]], str | None, str | None]:
        """One page of leads as the API serves them, the next page's token and the walk's watermark
        (pass it back as ``updated_since``). ValueError for a forged token. ``lead_filter``, when
        given, replaces ``include_deleted`` and ``updated_since``."""
        ...

    def scan_leads(self, sheet_ids: Sequence[str], lead_filter: LeadFilter) -> list[dict[str, Any]]:
        """Every lead of these sheets passing the filter, as the API serves them (to sort or count)."""
        ...

    def get_lead(self, sheet_id: str, lead_id: str) -> dict[str, Any] | None:
        """One lead as the API serves it (deleted too), or None."""
        ...


class SyncStates(Protocol):
    """Each sheet's ``SheetState`` and its lease."""

    def get_state(self, sheet_id: str) -> SheetState | None:
        """The sheet's state, or None when it never synced."""
        ...

    def save_state(self, state: SheetState, fields: Iterable[str] | None = None) -> None:
        """Write ``fields`` of the state (default: all but the lease), keeping the others (MERGE; idempotent)."""
        ...

    def list_states(self, fields: Iterable[str] | None = None) -> list[SheetState]:
        """Every sheet's state, in one query; with ``fields`` (``lease`` for the lease), only those are read, the rest left default."""
        ...

    def acquire_lease(self, sheet_id: str, owner: str, now: datetime, ttl_seconds: int) -> LeaseResult:
        """Take the sheet's lease unless another owner holds an unexpired one (ETag-guarded)."""
        ...

    def renew_lease(self, sheet_id: str, owner: str, now: datetime, ttl_seconds: int) -> bool:
        """Push the lease ``owner`` holds to ``now + ttl_seconds`` (the run's heartbeat); False when another holds it."""
        ...

    def release_lease(self, sheet_id: str, owner: str) -> None:
        """Give the lease back if ``owner`` still holds it; never raises (a lease expires by itself)."""
        ...


class LeaseResult(Protocol):
    """Truthy when the lease was taken; ``replaced`` is the expired lease of a run that never finished."""

    replaced: Lease | None

    def __bool__(self) -> bool: ...


class RunHistory(Protocol):
    """Each sheet's run history, newest first."""

    def add_run(self, sheet_id: str, run: RunSummary) -> None:
        """Record one run (idempotent by start time and run id)."""
        ...

    def list_runs(self, sheet_id: str, limit: int) -> list[RunSummary]:
        """The newest ``limit`` runs."""
        ...

    def prune_runs(self, sheet_id: str, before: datetime) -> int:
        """Delete runs older than ``before`` (runs only: leads are never erased). Returns the count."""
        ...


class Suppressions(Protocol):
    """The suppression list: keyed hashes (``core.privacy.identifier_hash``) of erased identifiers, never the values."""

    def load_suppressions(self) -> dict[str, str]:
        """Every entry: keyed hash -> id of the key that made it (``core.privacy.key_id``)."""
        ...

    def add_suppressions(self, hashes: Iterable[str], kid: str, now: datetime) -> int:
        """Add entries (idempotent). Returns the count."""
        ...

    def remove_suppressions(self, hashes: Iterable[str]) -> int:
        """Remove entries; returns how many were on the list."""
        ...


class Erasure(Protocol):
    """Finding and deleting leads for real: erasure and the retention purge (the only hard deletes)."""

    def find_contacts(self, email: str | None = None, phone: str | None = None) -> Iterable[tuple[str, str, dict[str, Any]]]:
        """(sheet id, key, contact fields: email, phone, emails, phones) of every stored lead, deleted ones too, that may
        carry ``email`` or ``phone`` (a superset: the caller matches with ``core.privacy.matches_person``)."""
        ...

    def delete_leads(self, sheet_id: str, keys: Iterable[str], reason: str = "erased", now: datetime | None = None) -> int:
        """Delete leads for real (idempotent), each removal recorded first with ``reason``
        (``erased``, ``purged``) for ``Removals.list_removals``. Returns the count."""
        ...

    def list_removals(
        self, sheet_ids: Sequence[str], since: datetime | None = None, page_size: int = 100, token: str | None = None
    ) -> tuple[list[dict[str, Any]], str | None, str | None]:
        """A page of removals (sheet id, lead id, reason, time; nothing personal) recorded at or after
        ``since``: ``(items, continuation, watermark)``. ValueError for a forged token."""
        ...

    def prune_removals(self, before: datetime, limit: int = 10_000) -> int:
        """Forget removals recorded before ``before``; how many."""
        ...

    def deleted_before(self, sheet_id: str, before: datetime, limit: int) -> list[str]:
        """Keys of leads soft-deleted before ``before``, at most ``limit``."""
        ...


class AuditTrail(Protocol):
    """Append-only record of erasures, un-suppressions, approvals and purges: counts and sheet ids, no personal data."""

    def append_audit(self, entry: Mapping[str, Any], now: datetime) -> str:
        """Append one record; returns its id."""
        ...

    def list_audit(self, page_size: int = 100, token: str | None = None) -> tuple[list[dict[str, Any]], str | None]:
        """One page, newest first, and the next page's token (ValueError for a forged token)."""
        ...


class Outbox(Protocol):
    """Each sheet's lead change events, written with the changes (``shared.core.events``), read by the dispatcher."""

    def event_sequence(self, sheet_id: str) -> int:
        """The sheet's last event sequence number (0 before its first event)."""
        ...

    def read_outbox(self, sheet_id: str, limit: int = 50) -> list[OutboxEntry]:
        """The sheet's oldest outbox entities: each one's row, its events in sequence order, its ETag."""
        ...

    def drop_outbox(self, sheet_id: str, row: str, etag: str | None = None) -> bool:
        """Delete an outbox entity once handed on; with ``etag`` only if unchanged since read (False otherwise)."""
        ...

    def forget_events(self, sheet_id: str, keys: Iterable[str]) -> int:
        """Blank these leads' events in the outbox (erasure), each entity under its ETag."""
        ...


class LeadStore(LeadRecords, SyncStates, RunHistory, Suppressions, Erasure, AuditTrail, Outbox, Protocol):
    """Everything a sync (and the privacy use cases) needs from storage."""


class SyncQueue(Protocol):
    """Where per-sheet sync messages go (a storage queue); raises ``StoreError``."""

    def send(self, text: str, delay: float = 0.0) -> None:
        """Enqueue one message, invisible for ``delay`` seconds."""
        ...

    def send_many(self, messages: Iterable[tuple[str, float]]) -> int:
        """Enqueue ``(text, delay)`` messages; returns the count."""
        ...


class SyncJobs(Protocol):
    """The per-sheet progress of manual sync runs (``GET /api/leads/runs/{id}``); raises ``StoreError``."""

    def create_job(self, run_id: str, trigger: str, sheet_ids: Sequence[str], now: datetime) -> None:
        """Record a run with every sheet ``queued``: the only way a run (or a sheet of it) comes to exist."""
        ...

    def update_job_sheet(
        self,
        run_id: str,
        sheet_id: str,
        state: str,
        now: datetime,
        status: str | None = None,
        error: str | None = None,
        report: dict[str, Any] | None = None,
        deliveries: int | None = None,
    ) -> bool:
        """Set one sheet's state (MERGE; idempotent) in a run that lists it; False when nothing was written."""
        ...

    def get_job_sheet(self, run_id: str, sheet_id: str) -> JobSheet | None:
        """One sheet of a run, or None when the run does not exist or does not list it."""
        ...

    def prune_jobs(self, before: datetime, limit: int = 1000) -> int:
        """Forget runs created before ``before`` (at most ``limit``), every row of each; how many runs."""
        ...

    def get_job(self, run_id: str) -> Job | None:
        """The run and its sheets, or None."""
        ...


class SheetEntries(Protocol):
    """
    The sheet list in the sheets table (``LEAD_SYNC_SHEETS_TABLE``), one entry at a time, with
    optimistic concurrency: each entry carries its ETag, and a write naming an ETag that is no
    longer current raises ``ConflictError`` (two operators never overwrite each other silently).
    """

    def get_entry(self, sheet_id: str) -> tuple[dict[str, Any], str] | None:
        """The entry (the JSON object of ``LEAD_SYNC_SHEETS``) and its ETag, or None."""
        ...

    def put_entry(self, entry: Mapping[str, Any], etag: str | None) -> str:
        """Write the entry: create it when ``etag`` is None (``ConflictError`` if it exists), else
        replace it only if its ETag is still ``etag``; returns the new ETag."""
        ...


class NoticeMarks(Protocol):
    """
    The small records behind change notifications (``core.notify``): each sheet's pending sync time
    and each read budget's next free time, by name, changed together or not at all.
    """

    def read_marks(self, names: Sequence[str]) -> tuple[dict[str, datetime | None], Any]:
        """Each mark's time (None when never set), and what ``write_marks`` needs to detect a change since."""
        ...

    def write_marks(self, marks: Sequence[tuple[str, datetime]], seen: Any) -> bool:
        """Set ``marks`` in one transaction, only if none changed since ``read_marks`` gave ``seen``; False when one did."""
        ...

    def get_channel(self, sheet_id: str) -> Channel | None:
        """The sheet's Drive push channel as last recorded, or None."""
        ...

    def put_channel(self, sheet_id: str, channel: Channel) -> None:
        """Record the sheet's Drive push channel (replacing the record)."""
        ...


class DriveWatch(Protocol):
    """Google Drive push channels on spreadsheets; raises ``SourceError`` subclasses."""

    def watch(self, file_id: str, channel_id: str, address: str, token: str, expiration: datetime) -> Channel:
        """Open a channel on the file calling ``address`` with ``token``; Google's expiration may be earlier."""
        ...

    def stop(self, channel_id: str, resource_id: str) -> None:
        """Stop a channel."""
        ...
