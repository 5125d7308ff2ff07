"""
The marks of change notifications (``ports.NoticeMarks``) in the sync state table, partition
``notify`` (the sheets' states live in partition ``sheet``, which nothing here touches): RowKey
``sheet.<id>`` holds a sheet's pending sync time, ``cred.<name>`` and ``project.<name>`` the next
free time of a read budget. One entity group transaction writes them, each under the ETag it was
read with (or created if it was absent), so two instances answering notifications at once never
both queue a sync, and never hand out the same budget slot: the second transaction fails whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
from azure.data.tables import TableTransactionError, UpdateMode

from ..config import StorageTarget
from ..core.notify import Channel
from ..errors import StoreError
from .table_client import service_client
from .table_storage import storage_errors

PARTITION = "notify"


class TableNoticeMarks:
    def __init__(self, target: StorageTarget | str, table: str, **client_kwargs: Any) -> None:
        self._service = service_client(target, **client_kwargs)
        self._table = self._service.get_table_client(table)
        self._name = table
        self._ready = False

    def _ensure(self) -> None:
        if not self._ready:
            with storage_errors("cannot reach Table Storage"):
                self._service.create_table_if_not_exists(self._name)
            self._ready = True

    def read_marks(self, names: Sequence[str]) -> tuple[dict[str, datetime | None], dict[str, str | None]]:
        self._ensure()
        values: dict[str, datetime | None] = {}
        etags: dict[str, str | None] = {}
        for name in names:
            try:
                with storage_errors("cannot read the change-notification marks"):
                    row = self._table.get_entity(PARTITION, name)
            except StoreError as e:
                if isinstance(e.__cause__, ResourceNotFoundError):
                    values[name], etags[name] = None, None
                    continue
                raise
            at = row.get("at")
            values[name] = at.astimezone(UTC) if isinstance(at, datetime) else None
            etags[name] = str(row.metadata["etag"])
        return values, etags

    def write_marks(self, marks: Sequence[tuple[str, datetime]], seen: Any) -> bool:
        self._ensure()
        ops: list[Any] = []
        for name, at in marks:
            row = {"PartitionKey": PARTITION, "RowKey": name, "at": at}
            etag = seen.get(name) if isinstance(seen, dict) else None
            if etag is None:
                ops.append(("create", row))
            else:
                ops.append(("update", row, {"mode": UpdateMode.REPLACE, "etag": etag, "match_condition": MatchConditions.IfNotModified}))
        try:
            with storage_errors("cannot record the change notification"):
                self._table.submit_transaction(ops)
        except StoreError as e:
            cause = e.__cause__
            if isinstance(cause, TableTransactionError | ResourceExistsError) and _lost_race(cause):
                return False
            raise
        return True

    def get_channel(self, sheet_id: str) -> Channel | None:
        self._ensure()
        try:
            with storage_errors("cannot read the sheet's Drive channel"):
                row = self._table.get_entity(PARTITION, f"channel.{sheet_id}")
        except StoreError as e:
            if isinstance(e.__cause__, ResourceNotFoundError):
                return None
            raise
        until, before = row.get("expiration"), row.get("previous_expiration")
        if not isinstance(until, datetime) or not row.get("channel_id"):
            return None
        return Channel(
            str(row["channel_id"]),
            str(row.get("resource_id") or ""),
            until.astimezone(UTC),
            str(row.get("previous_id") or ""),
            before.astimezone(UTC) if isinstance(before, datetime) else None,
        )

    def put_channel(self, sheet_id: str, channel: Channel) -> None:
        self._ensure()
        row: dict[str, Any] = {
            "PartitionKey": PARTITION,
            "RowKey": f"channel.{sheet_id}",
            "channel_id": channel.id,
            "resource_id": channel.resource_id,
            "expiration": channel.expiration,
            "previous_id": channel.previous_id,
        }
        if channel.previous_expiration is not None:
            row["previous_expiration"] = channel.previous_expiration
        with storage_errors("cannot record the sheet's Drive channel"):
            self._table.upsert_entity(row, mode=UpdateMode.REPLACE)


def _lost_race(e: Exception) -> bool:
    """A transaction refused because another writer got there first: an ETag that moved (412) or an entity created meanwhile (409)."""
    status = getattr(e, "status_code", None)
    code = str(getattr(e, "error_code", "") or "")
    return status in (409, 412) or code in ("EntityAlreadyExists", "UpdateConditionNotSatisfied")
