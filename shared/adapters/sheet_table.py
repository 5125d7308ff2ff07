"""
The sheet list in Table Storage (``LEAD_SYNC_SHEETS_TABLE``): one entity per sheet, PartitionKey
``sheets``, RowKey the sheet id, ``config`` the entry's JSON (the same object as in
``LEAD_SYNC_SHEETS``). One app setting holds about 870 entries (128 KiB); a table holds any number,
and ``python -m shared sheets-import FILE`` writes a JSON list into it.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
from azure.data.tables import UpdateMode

from ..config import StorageTarget
from ..errors import StoreError
from .table_client import service_client
from .table_storage import MAX_BATCH, storage_errors

PARTITION = "sheets"


def _table(target: StorageTarget, name: str, **kwargs: Any) -> Any:
    service = service_client(target, **kwargs)
    return service, service.get_table_client(name)


def read_sheet_entries(target: StorageTarget, name: str, **kwargs: Any) -> list[Any]:
    """Every entry of the table, in RowKey order; an entry whose JSON is broken is passed on as text (reported per sheet)."""
    _, table = _table(target, name, **kwargs)
    try:
        with storage_errors("cannot read the sheets table"):
            rows = list(table.query_entities("PartitionKey eq @pk", parameters={"pk": PARTITION}))
    except StoreError as e:
        if isinstance(e.__cause__, ResourceNotFoundError):
            raise StoreError(f"table {name!r} does not exist: create it with `python -m shared sheets-import FILE`") from e
        raise
    out: list[Any] = []
    for row in sorted(rows, key=lambda r: str(r["RowKey"])):
        try:
            entry = json.loads(row.get("config") or "")
        except ValueError:
            entry = {"id": row["RowKey"], "config": "not JSON"}
        out.append(entry)
    return out


def write_sheet_entries(target: StorageTarget, name: str, entries: Iterable[Mapping[str, Any]]) -> int:
    """Upsert entries (RowKey = their id); entries without a usable id are refused by the caller's validation first."""
    service, table = _table(target, name)
    with storage_errors("cannot write the sheets table"):
        with contextlib.suppress(ResourceExistsError):
            service.create_table(name)
        rows = [{"PartitionKey": PARTITION, "RowKey": str(e["id"]), "config": json.dumps(e, ensure_ascii=False)} for e in entries]
        for i in range(0, len(rows), MAX_BATCH):
            table.submit_transaction([("upsert", r, {"mode": UpdateMode.REPLACE}) for r in rows[i : i + MAX_BATCH]])
    return len(rows)


class TableSheetEntries:
    """``ports.SheetEntries`` over the sheets table: one entity per sheet, written under its ETag."""

    def __init__(self, target: StorageTarget, name: str, **client_kwargs: Any):
        self._service, self._table = _table(target, name, **client_kwargs)
        self._name = name

    def get_entry(self, sheet_id: str) -> tuple[dict[str, Any], str] | None:
        try:
            with storage_errors("cannot read the sheets table"):
                row = self._table.get_entity(PARTITION, sheet_id)
        except StoreError as e:
            if isinstance(e.__cause__, ResourceNotFoundError):
                return None
            raise
        try:
            entry = json.loads(row.get("config") or "")
        except ValueError:
            entry = {"id": sheet_id, "config": "not JSON"}
        return (entry if isinstance(entry, dict) else {"id": sheet_id, "config": "not an object"}), str(row.metadata["etag"])

    def put_entry(self, entry: Mapping[str, Any], etag: str | None) -> str:
        from azure.core import MatchConditions
        from azure.core.exceptions import HttpResponseError

        from ..errors import ConflictError

        row = {"PartitionKey": PARTITION, "RowKey": str(entry["id"]), "config": json.dumps(dict(entry), ensure_ascii=False)}
        try:
            with storage_errors("cannot write the sheets table"):
                if etag is None:
                    with contextlib.suppress(ResourceExistsError):
                        self._service.create_table(self._name)
                    meta = self._table.create_entity(row)
                else:
                    meta = self._table.update_entity(row, mode=UpdateMode.REPLACE, etag=etag, match_condition=MatchConditions.IfNotModified)
        except StoreError as e:
            cause = e.__cause__
            if isinstance(cause, ResourceExistsError):
                raise ConflictError(f"sheet {entry['id']!r} is already in the sheet list: open it instead") from None
            if isinstance(cause, HttpResponseError) and cause.status_code in (404, 412):
                raise ConflictError(
                    f"sheet {entry['id']!r} was changed (or removed) by someone else since you opened it: reload it and apply your change again"
                ) from None
            raise
        return str(meta.get("etag", ""))
