"""
Manual sync runs in Table Storage (one table, ``LEAD_SYNC_JOBS_TABLE``, default ``syncjobs``).

PartitionKey is the run id; RowKey ``~run`` holds the run (trigger, creation time) and one row
per sheet its state (``shared.core.jobs``). A run is one partition, so creating it is a few
transactions of 100 rows and reading it is one partition query. Updates MERGE one row and are
idempotent, so a duplicate delivery writes the same thing twice; a finished sheet is never sent
back to an unfinished state (``shared.core.jobs.may_follow``).
"""

from __future__ import annotations

import contextlib
import itertools
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import ResourceExistsError, ResourceModifiedError, ResourceNotFoundError
from azure.data.tables import TableTransactionError, UpdateMode

from ..config import StorageTarget
from ..core.jobs import FINISHED, Job, JobSheet, may_follow
from ..errors import StoreError
from .table_client import service_client
from .table_storage import MAX_BATCH, storage_errors

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

    def _ensure(self) -> None:
        if self._ready:
            return
        with storage_errors("cannot reach Table Storage"), contextlib.suppress(ResourceExistsError):
            self.service.create_table(self.name)
        self._ready = True

    def create_job(self, run_id: str, trigger: str, sheet_ids: Sequence[str], now: datetime) -> None:
        self._ensure()
        rows: list[dict[str, Any]] = [{"PartitionKey": run_id, "RowKey": RUN_ROW, "trigger": trigger, "created_at": now}]
        rows += [{"PartitionKey": run_id, "RowKey": s, "state": "queued", "updated_at": now} for s in sheet_ids]
        with storage_errors("cannot record the sync run"):
            for i in range(0, len(rows), MAX_BATCH):
                self.table.submit_transaction([("upsert", r, {"mode": UpdateMode.REPLACE}) for r in rows[i : i + MAX_BATCH]])

    def update_job_sheet(
        self,
        run_id: str,
        sheet_id: str,
        state: str,
        now: datetime,
        status: str | None = None,
        error: str | None = None,
        report: dict[str, Any] | None = None,
    ) -> None:
        self._ensure()
        row: dict[str, Any] = {"PartitionKey": run_id, "RowKey": sheet_id, "state": state, "updated_at": now}
        if status is not None:
            row["status"] = status
        if error is not None:
            row["error"] = error[:2000]
        if report is not None:
            text = json.dumps(report, ensure_ascii=False, default=str)
            if len(text) > MAX_REPORT_CHARS:
                keep = {k: report[k] for k in ("sheet_id", "status", "reason_codes") if k in report}
                text = json.dumps(keep | {"truncated": True}, ensure_ascii=False, default=str)
            row["report"] = text
        with storage_errors("cannot record the sheet's progress"):
            if state in FINISHED:
                self.table.upsert_entity(row, mode=UpdateMode.MERGE)
                return
            # Not finished: only over a sheet that is not finished either (``may_follow``), checked
            # and written under the row's ETag so a finish recorded in between is never undone.
            for _ in range(MAX_ATTEMPTS):
                try:
                    current = self.table.get_entity(run_id, sheet_id)
                except ResourceNotFoundError:
                    with contextlib.suppress(ResourceExistsError):
                        self.table.create_entity(row)
                        return
                    continue
                if not may_follow(str(current.get("state", "queued")), state):
                    return
                with contextlib.suppress(ResourceModifiedError):
                    self.table.update_entity(
                        row, mode=UpdateMode.MERGE, etag=current.metadata["etag"], match_condition=MatchConditions.IfNotModified
                    )
                    return
            raise StoreError(f"the sheet's progress changed under this update {MAX_ATTEMPTS} times; not recorded: {state}")

    def prune_jobs(self, before: datetime, limit: int = 1000) -> int:
        self._ensure()
        with storage_errors("cannot forget old sync runs"):
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
        self._ensure()
        try:
            with storage_errors("cannot read the sync run"):
                rows = list(self.table.query_entities("PartitionKey eq @pk", parameters={"pk": run_id}))
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
    return JobSheet(str(r["RowKey"]), str(r.get("state", "queued")), r.get("status"), _utc(r.get("updated_at")), r.get("error"), report)


def _utc(v: Any) -> datetime | None:
    if isinstance(v, datetime):
        return v if v.tzinfo else v.replace(tzinfo=UTC)
    return None
