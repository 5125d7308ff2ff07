"""
Manual sync runs in Table Storage (one table, ``LEAD_SYNC_JOBS_TABLE``, default ``syncjobs``).

PartitionKey is the run id; RowKey ``~run`` holds the run (trigger, creation time) and one row
per sheet its state (``shared.core.jobs``). A run is one partition, so creating it is a few
transactions of 100 rows and reading it is one partition query. Updates MERGE one row and are
idempotent, so a duplicate delivery writes the same thing twice; a finished sheet is never sent
back to an unfinished state (``shared.core.jobs.may_follow``).

Only ``create_job`` (the service that starts a run) adds rows: an update of a run, or of a sheet
the run does not list, that does not exist changes nothing and says so (``False``), so a message
written to the queue by someone else cannot make a run appear. A table that disappeared is
created again on the call that finds it missing (a store built with ``create=False``, the
reader, creates nothing and reads it as empty).
"""

from __future__ import annotations

import contextlib
import itertools
import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from azure.core import MatchConditions
from azure.core.exceptions import ResourceExistsError, ResourceModifiedError, ResourceNotFoundError
from azure.data.tables import TableTransactionError, UpdateMode

from ..config import StorageTarget
from ..core.jobs import Job, JobSheet, may_follow
from ..errors import StoreError
from .table_client import service_client
from .table_storage import MAX_BATCH, storage_errors, table_missing

T = TypeVar("T")

RUN_ROW = "~run"
MAX_ATTEMPTS = 3
"""Tries of a guarded progress update when another delivery writes the same row meanwhile."""
MAX_REPORT_CHARS = 30_000
"""A report is kept as JSON text in one property (64 KiB of UTF-16); longer ones are cut to their counts."""


class TableJobStore:
    """``SyncJobs`` on Azure Table Storage (or Azurite)."""

    def __init__(self, target: str | StorageTarget, table: str = "syncjobs", *, create: bool = True, **client_kwargs: Any) -> None:
        target = target if isinstance(target, StorageTarget) else StorageTarget(connection_string=target)
        service = service_client(target, **client_kwargs)
        self.service, self.name = service, table
        self.table = service.get_table_client(table)
        self._ready = not create
        self._create = create

    def _ensure(self) -> None:
        if self._ready:
            return
        with storage_errors("cannot reach Table Storage"), contextlib.suppress(ResourceExistsError):
            self.service.create_table(self.name)
        self._ready = True

    def _call(self, what: str, fn: Callable[[], T]) -> T:
        """
        One storage call with errors mapped to ``StoreError``. A table that disappeared (deleted
        by hand, storage restored) is created again and the call tried once more, so the app
        recovers without a restart instead of failing every call for good.
        """
        self._ensure()
        try:
            with storage_errors(what):
                return fn()
        except StoreError as e:
            if not self._create or not table_missing(e.__cause__):
                raise
        self._ready = False
        self._ensure()
        with storage_errors(what):
            return fn()

    def create_job(self, run_id: str, trigger: str, sheet_ids: Sequence[str], now: datetime) -> None:
        """Record a run and every sheet it lists (``queued``): the only way a run comes to exist."""
        rows: list[dict[str, Any]] = [{"PartitionKey": run_id, "RowKey": RUN_ROW, "trigger": trigger, "created_at": now}]
        rows += [{"PartitionKey": run_id, "RowKey": s, "state": "queued", "updated_at": now} for s in sheet_ids]

        def write() -> None:
            for i in range(0, len(rows), MAX_BATCH):
                self.table.submit_transaction([("upsert", r, {"mode": UpdateMode.REPLACE}) for r in rows[i : i + MAX_BATCH]])

        self._call("cannot record the sync run", write)

    def get_job_sheet(self, run_id: str, sheet_id: str) -> JobSheet | None:
        """One sheet of a run (one point read), or None when the run does not exist or does not list the sheet."""

        def read() -> JobSheet | None:
            try:
                return _sheet(self.table.get_entity(run_id, sheet_id))
            except ResourceNotFoundError as e:
                if table_missing(e):
                    raise
                return None

        try:
            return self._call("cannot read the sync run", read)
        except StoreError as e:
            if isinstance(e.__cause__, ResourceNotFoundError):
                return None  # the reader found no table: no run was ever recorded
            raise

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
        """
        Set one sheet's state in a run that lists it; False (nothing written) when the run does
        not exist or does not list the sheet, or when a finished sheet would go back.
        """
        row: dict[str, Any] = {"PartitionKey": run_id, "RowKey": sheet_id, "state": state, "updated_at": now}
        if status is not None:
            row["status"] = status
        if error is not None:
            row["error"] = error[:2000]
        if deliveries is not None:
            row["deliveries"] = deliveries
        if report is not None:
            text = json.dumps(report, ensure_ascii=False, default=str)
            if len(text) > MAX_REPORT_CHARS:
                keep = {k: report[k] for k in ("sheet_id", "status", "reason_codes") if k in report}
                text = json.dumps(keep | {"truncated": True}, ensure_ascii=False, default=str)
            row["report"] = text

        def write() -> bool:
            # Checked and written under the row's ETag: the row must exist (only ``create_job``
            # adds rows), and a finish recorded in between is never undone (``may_follow``).
            for _ in range(MAX_ATTEMPTS):
                try:
                    current = self.table.get_entity(run_id, sheet_id)
                except ResourceNotFoundError as e:
                    if table_missing(e):
                        raise
                    return False
                if not may_follow(str(current.get("state", "queued")), state):
                    return False
                try:
                    self.table.update_entity(
                        row, mode=UpdateMode.MERGE, etag=current.metadata["etag"], match_condition=MatchConditions.IfNotModified
                    )
                    return True
                except ResourceModifiedError:
                    continue
                except ResourceNotFoundError as e:
                    if table_missing(e):
                        raise
                    return False  # the run was forgotten (pruned) meanwhile
            raise StoreError(f"the sheet's progress changed under this update {MAX_ATTEMPTS} times; not recorded: {state}")

        try:
            return self._call("cannot record the sheet's progress", write)
        except StoreError as e:
            if table_missing(e.__cause__):
                return False  # a reader's store (create=False) found no table: no run exists
            raise

    def prune_jobs(self, before: datetime, limit: int = 1000) -> int:
        return self._call("cannot forget old sync runs", lambda: self._prune(before, limit))

    def _prune(self, before: datetime, limit: int) -> int:
        heads = self.table.query_entities(
            "RowKey eq @run and created_at lt @before", parameters={"run": RUN_ROW, "before": before}, select=["PartitionKey"]
        )
        runs = [e["PartitionKey"] for e in itertools.islice(heads, limit)]
        for run_id in runs:
            rows = [r["RowKey"] for r in self.table.query_entities("PartitionKey eq @pk", parameters={"pk": run_id}, select=["RowKey"])]
            # the run's own row last: a prune cut short is found and finished by the next one
            rows.sort(key=lambda k: k == RUN_ROW)
            for i in range(0, len(rows), MAX_BATCH):
                chunk = rows[i : i + MAX_BATCH]
                try:
                    self.table.submit_transaction([("delete", {"PartitionKey": run_id, "RowKey": k}) for k in chunk])
                except TableTransactionError:  # a row went meanwhile (another prune): one by one
                    for k in chunk:
                        with contextlib.suppress(ResourceNotFoundError):
                            self.table.delete_entity(run_id, k)
        return len(runs)

    def get_job(self, run_id: str) -> Job | None:
        try:
            rows = self._call(
                "cannot read the sync run", lambda: list(self.table.query_entities("PartitionKey eq @pk", parameters={"pk": run_id}))
            )
        except StoreError as e:
            if isinstance(e.__cause__, ResourceNotFoundError):
                return None  # no run was ever recorded: the table does not exist yet
            raise
        head = next((r for r in rows if r["RowKey"] == RUN_ROW), None)
        sheets = tuple(_sheet(r) for r in rows if r["RowKey"] != RUN_ROW)
        if head is None and not sheets:
            return None
        created = _utc(head.get("created_at")) if head else None
        return Job(run_id, str(head.get("trigger", "")) if head else "", created or datetime.fromtimestamp(0, UTC), sheets)


def _sheet(r: dict[str, Any]) -> JobSheet:
    report = None
    if r.get("report"):
        try:
            report = json.loads(r["report"])
        except ValueError:
            report = None
    deliveries = r.get("deliveries")
    return JobSheet(
        str(r["RowKey"]),
        str(r.get("state", "queued")),
        r.get("status"),
        _utc(r.get("updated_at")),
        r.get("error"),
        report,
        deliveries if isinstance(deliveries, int) and not isinstance(deliveries, bool) else None,
    )


def _utc(v: Any) -> datetime | None:
    if isinstance(v, datetime):
        return v if v.tzinfo else v.replace(tzinfo=UTC)
    return None
