"""
The composition root: settings and the adapters built from them, lazily, one set per process
(``get_runtime``), and the use cases wired to them.

Nothing here is a use case. Adapters (Table Storage, the queue, Google) are imported and built on
first use, so importing this module, and therefore indexing the app, cannot fail on a setting or
a credential; a missing setting surfaces as ``ConfigError`` in the use case that needs it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any

from ..config import Settings, StorageTarget, load_settings

if TYPE_CHECKING:  # annotations only: importing the app loads no pydantic
    from ..config_model import SheetConfig
    from .webhooks import Webhooks
from ..core.state import SheetState
from ..errors import ConfigError, StoreError
from ..ports import DriveWatch, LeadStore, NoticeMarks, SheetEntries, SheetSource, SyncJobs, SyncQueue
from .approvals import Approvals
from .changes import Changes
from .health import Health
from .leads import LeadReads
from .privacy import Privacy
from .sheets import SheetAdmin
from .syncs import Syncs
from .worker import QueueWorker

SHEETS_TABLE_SECONDS = 300.0
"""How often the sheet list is read again from ``LEAD_SYNC_SHEETS_TABLE``."""
SHEETS_TABLE_RETRY_SECONDS = 15.0
"""After a failed read of the sheets table, the next attempt comes this soon."""
HEALTH_CACHE_SECONDS = 5.0
"""Health reads the sync states at most once in this many seconds, however often it is called."""
READ_TIMEOUTS: dict[str, Any] = {"connection_timeout": 2, "read_timeout": 2, "retry_total": 1, "retry_backoff_factor": 0.2}
"""Storage calls made while answering HTTP: a hung storage account costs a caller ~5 s, not 30."""


class Runtime:
    """
    Settings plus lazily built adapters, and the use cases that run on them:

    - ``health``: the public summary and the operators' detail;
    - ``leads``: pages of leads and one lead;
    - ``syncs``: sync in this process, enqueue (timer), start and follow a manual run;
    - ``worker``: the queue messages and the poison queue;
    - ``approvals``: approve one blocked change;
    - ``privacy``: erasure, suppression, retention purge and the audit trail;
    - ``sheet_admin``: the console's sheet list edits (preview, add, pause, resume, override);
    - ``changes``: a sheet's change notifications (token, debounce, pacing) and how to set them up.

    Use cases take typed inputs (``shared.service.inputs``), return typed results
    (``shared.service.results``) and raise ``LeadSyncError`` subclasses; only ``shared.web``
    knows HTTP and only ``shared.cli`` exit codes.
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
        self._hook_queue: SyncQueue | None = None
        self._hook_tables: dict[bool, Any] = {}
        self._sender: Any = None
        self._jobs: SyncJobs | None = None
        self._read_jobs: SyncJobs | None = None
        self._sheet_entries: SheetEntries | None = None
        self._notice_marks: NoticeMarks | None = None
        self._drive: dict[str, DriveWatch] = {}
        self._lock = threading.Lock()
        self._states_cache: dict[tuple[str, ...] | None, tuple[float, list[SheetState] | StoreError]] = {}

    # use cases (stateless but for small caches; built on first use)

    @cached_property
    def health(self) -> Health:
        return Health(self)

    @cached_property
    def leads(self) -> LeadReads:
        return LeadReads(self)

    @cached_property
    def syncs(self) -> Syncs:
        return Syncs(self)

    @cached_property
    def worker(self) -> QueueWorker:
        return QueueWorker(self)

    @cached_property
    def approvals(self) -> Approvals:
        return Approvals(self)

    @cached_property
    def privacy(self) -> Privacy:
        return Privacy(self)

    @cached_property
    def sheet_admin(self) -> SheetAdmin:
        return SheetAdmin(self)

    @cached_property
    def changes(self) -> Changes:
        return Changes(self)

    @cached_property
    def webhooks(self) -> Webhooks:
        from .webhooks import Webhooks  # on first use: importing the app stays light

        return Webhooks(self, self._webhook_sender, self._webhook_table)

    # settings

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
        from ..config import with_sheet_entries

        target = s.storage_target or (StorageTarget(connection_string=s.storage_connection) if s.storage_connection else None)
        if target is None or s.sheets_table is None:
            return s
        try:
            from ..adapters.sheet_table import read_sheet_entries

            entries = read_sheet_entries(target, s.sheets_table, **READ_TIMEOUTS)
        except StoreError as e:
            self._sheets_read_at = time.monotonic() - SHEETS_TABLE_SECONDS + SHEETS_TABLE_RETRY_SECONDS
            if s.sheets or s.broken:  # keep the last good list; say that it may be old
                return with_sheet_entries(s, None, f"{e}; using the list read before")
            return with_sheet_entries(s, None, str(e))
        return with_sheet_entries(self._base_settings, entries)

    def known(self, sheet_id: str) -> bool:
        """Whether ``sheet_id`` is configured, validly or not."""
        return self.settings.sheet(sheet_id) is not None or any(b.id == sheet_id for b in self.settings.broken)

    # adapters

    def _table_store(self, **client_kwargs: Any) -> LeadStore:
        from ..adapters.table_storage import TableLeadStore

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
                from ..adapters.queue_storage import StorageQueue

                s = self.settings
                if s.queue_target is None:
                    raise ConfigError("no queue configured: set AzureWebJobsStorage (the queue trigger's connection)")
                self._queue = StorageQueue(s.queue_target, s.queue_name, s.poison_queue_name)
            return self._queue

    @property
    def webhook_queue(self) -> SyncQueue:
        """The dispatcher's wake-up queue (``LEAD_SYNC_WEBHOOK_QUEUE`` in the ``AzureWebJobsStorage`` account)."""
        with self._lock:
            if self._hook_queue is None:
                from ..adapters.queue_storage import StorageQueue

                s = self.settings
                if s.queue_target is None:
                    raise ConfigError("no queue configured: set AzureWebJobsStorage (the queue trigger's connection)")
                self._hook_queue = StorageQueue(s.queue_target, s.webhook_queue)
            return self._hook_queue

    def _webhook_table(self, create: bool) -> Any:
        """Subscriptions and the delivery log; ``create=False`` (HTTP reads): short timeouts, nothing created."""
        with self._lock:
            if create not in self._hook_tables:
                from ..adapters.webhook_table import TableWebhooks

                s = self.settings
                target = s.storage_target or s.storage_connection
                if not target:
                    raise ConfigError("no storage configured: set LEAD_SYNC_STORAGE or AzureWebJobsStorage")
                kwargs = {} if create else READ_TIMEOUTS
                self._hook_tables[create] = TableWebhooks(target, s.webhooks_table, create=create, **kwargs)
            return self._hook_tables[create]

    def _webhook_sender(self) -> Any:
        with self._lock:
            if self._sender is None:
                from ..adapters.webhook_sender import WebhookSender

                self._sender = WebhookSender(allow_loopback=self.settings.webhook_allow_loopback)
            return self._sender

    def _job_store(self, **client_kwargs: Any) -> SyncJobs:
        from ..adapters.job_table import TableJobStore

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

    @property
    def sheet_entries(self) -> SheetEntries:
        """The sheets table (``LEAD_SYNC_SHEETS_TABLE``) entry by entry, with ETags, for the console's edits."""
        with self._lock:
            if self._sheet_entries is None:
                from ..adapters.sheet_table import TableSheetEntries

                s = self.settings
                target = s.storage_target or (StorageTarget(connection_string=s.storage_connection) if s.storage_connection else None)
                if target is None or s.sheets_table is None:
                    raise ConfigError("no sheets table: set LEAD_SYNC_SHEETS_TABLE and storage (LEAD_SYNC_STORAGE or AzureWebJobsStorage)")
                self._sheet_entries = TableSheetEntries(target, s.sheets_table)
            return self._sheet_entries

    @property
    def notice_marks(self) -> NoticeMarks:
        """Change notifications' marks, in the sync state table (partition ``notify``), with HTTP's short timeouts."""
        with self._lock:
            if self._notice_marks is None:
                from ..adapters.notice_table import TableNoticeMarks

                s = self.settings
                target = s.storage_target or s.storage_connection
                if not target:
                    raise ConfigError("no storage configured: set LEAD_SYNC_STORAGE or AzureWebJobsStorage")
                self._notice_marks = TableNoticeMarks(target, s.state_table, **READ_TIMEOUTS)
            return self._notice_marks

    def sheets_changed(self) -> None:
        """The sheet list was written (the console): read it again on next use, in this process at once."""
        self._sheets_read_at = None
        self._states_cache = {}

    def source_for(self, sheet: SheetConfig, defer_rate_limits: bool = False) -> SheetSource:
        """The sheet's source; Google sources are one per credential, each paced by its own limiter."""
        with self._lock:
            if sheet.source == "csv":
                if self._csv is None:
                    from ..adapters.csv_source import CsvSource

                    self._csv = CsvSource(self.settings.base_dir)
                return self._csv
            name = self.settings.credential_name(sheet)
            key = (name, defer_rate_limits)
            if key not in self._google:
                from ..adapters.google_sheets import GoogleSheetsSource, RateLimiter

                info, problem = self.settings.credentials_for(name)
                limiter = self._limiters.setdefault(name, RateLimiter(self.settings.reads_per_minute))
                self._google[key] = GoogleSheetsSource(info, limiter, missing_reason=problem, defer_rate_limits=defer_rate_limits)
            return self._google[key]

    def drive_for(self, sheet: SheetConfig) -> DriveWatch:
        """Drive push channels as the sheet's service account (one client per credential)."""
        with self._lock:
            name = self.settings.credential_name(sheet)
            if name not in self._drive:
                from ..adapters.drive_watch import DriveChannels

                info, problem = self.settings.credentials_for(name)
                self._drive[name] = DriveChannels(info, missing_reason=problem)
            return self._drive[name]

    # the sync states health reads, shared by the use cases that change them

    def states(self, fields: tuple[str, ...] | None = None) -> list[SheetState]:
        """
        Every sheet's sync state, read at most once per ``HEALTH_CACHE_SECONDS``; with ``fields``,
        a projection (only those read, the rest default), cached apart from the full states.
        """
        now = time.monotonic()
        cached = self._states_cache.get(fields)
        if cached is not None and now - cached[0] < HEALTH_CACHE_SECONDS:
            if isinstance(cached[1], StoreError):
                raise cached[1]  # storage failed a moment ago: callers do not each wait for it again
            return cached[1]
        try:
            states = self.read_store.list_states() if fields is None else self.read_store.list_states(fields)
        except StoreError as e:
            self._states_cache[fields] = (time.monotonic(), e)
            raise
        self._states_cache[fields] = (time.monotonic(), states)
        return states

    def states_changed(self) -> None:
        """A use case changed sync states: this process's health shows it at once."""
        self._states_cache = {}


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
