"""
Webhook subscriptions and their delivery log on Table Storage (issue 22), tested against Azurite.

- ``<webhooks>`` (partition ``sub``): one entity per subscription: url, customers, event types,
  the signing secret encrypted (``secret_enc``, never returned) and its fingerprint, and whether
  its receiver is failing. Partition ``~lease`` holds the dispatcher's lease.
- ``<webhooks>log``: one entity per event and subscription (partition = the subscription id,
  RowKey ``<sheet>~<sequence>``, so a sheet's events sort in their order): status ``pending``,
  ``delivered`` or ``dead``, attempts, when to try next, the last answer's status and reason. Ids
  only, no lead data.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, cast

from azure.core import MatchConditions
from azure.core.exceptions import ResourceExistsError, ResourceModifiedError, ResourceNotFoundError
from azure.data.tables import TableTransactionError, UpdateMode

from ..config import StorageTarget
from ..core.events import Event
from ..errors import StoreError
from .table_client import IDEMPOTENT, service_client
from .table_codec import decode_token, encode_token
from .table_storage import MAX_BATCH, TableSet, table_missing

T = TypeVar("T")
SUB = "sub"
LEASE = ("~lease", "dispatcher")


def delivery_row(sheet_id: str, sequence: int) -> str:
    return f"{sheet_id}~{sequence:015d}"


class TableWebhooks(TableSet):
    def __init__(self, target: str | StorageTarget, table: str = "webhooks", *, create: bool = True, **client_kwargs: Any) -> None:
        target = target if isinstance(target, StorageTarget) else StorageTarget(connection_string=target)
        self.service = service_client(target, **client_kwargs)
        self.names = (table, f"{table[:60]}log")
        self.subs = self.service.get_table_client(self.names[0])
        self.log = self.service.get_table_client(self.names[1])
        self._ready = not create
        self._create = create

    def _read(self, what: str, fn: Callable[[], T], empty: Any) -> T:
        """``_call`` for a read (or a clean-up) that finds nothing when the tables were never made: ``empty``."""
        try:
            return self._call(what, fn)
        except StoreError as e:
            if isinstance(e.__cause__, ResourceNotFoundError):
                return cast(T, empty)
            raise

    # subscriptions

    def list_subscriptions(self) -> list[dict[str, Any]]:
        def read() -> list[dict[str, Any]]:
            return [dict(e) for e in self.subs.query_entities("PartitionKey eq @pk", parameters={"pk": SUB})]

        return self._read("cannot read webhook subscriptions", read, [])

    def get_subscription(self, sub_id: str) -> dict[str, Any] | None:
        def read() -> dict[str, Any] | None:
            try:
                return dict(self.subs.get_entity(SUB, sub_id))
            except ResourceNotFoundError as e:
                if table_missing(e):
                    raise
                return None

        return self._call("cannot read a webhook subscription", read)

    def add_subscription(self, entity: dict[str, Any]) -> None:
        self._call("cannot save the webhook subscription", lambda: self.subs.create_entity({"PartitionKey": SUB, **entity}))

    def update_subscription(self, sub_id: str, props: dict[str, Any]) -> bool:
        """MERGE ``props``; False when the subscription is gone."""

        def write() -> bool:
            try:
                self.subs.update_entity({"PartitionKey": SUB, "RowKey": sub_id, **props}, mode=UpdateMode.MERGE)
            except ResourceNotFoundError as e:
                if table_missing(e):
                    raise
                return False
            return True

        return self._call("cannot update the webhook subscription", write)

    def delete_subscription(self, sub_id: str) -> bool:
        def delete() -> bool:
            found = self.get_subscription(sub_id) is not None
            self.subs.delete_entity(SUB, sub_id)
            return found

        return self._call("cannot delete the webhook subscription", delete)

    # the dispatcher's lease (one dispatcher delivers at a time; a crashed one's lease expires)

    def acquire(self, owner: str, now: datetime, ttl: timedelta) -> bool:
        def take() -> bool:
            entity = {"PartitionKey": LEASE[0], "RowKey": LEASE[1], "owner": owner, "until": now + ttl}
            try:
                current = self.subs.get_entity(*LEASE)
            except ResourceNotFoundError as e:
                if table_missing(e):
                    raise
                try:
                    self.subs.create_entity(entity)
                except ResourceExistsError:
                    return False
                return True
            until = current.get("until")
            if current.get("owner") != owner and isinstance(until, datetime) and until > now:
                return False
            try:
                self.subs.update_entity(
                    entity, mode=UpdateMode.REPLACE, etag=current.metadata["etag"], match_condition=MatchConditions.IfNotModified
                )
            except (ResourceModifiedError, ResourceNotFoundError):
                return False
            return True

        return self._call("cannot take the dispatcher's lease", take)

    def release(self, owner: str) -> None:
        def give() -> None:
            with contextlib.suppress(ResourceNotFoundError):
                current = self.subs.get_entity(*LEASE)
                if current.get("owner") == owner:
                    self.subs.delete_entity(*LEASE, etag=current.metadata["etag"], match_condition=MatchConditions.IfNotModified)

        with contextlib.suppress(StoreError, ResourceModifiedError):
            self._call("cannot give the dispatcher's lease back", give)

    # the delivery log

    def add_deliveries(self, sub_id: str, events: Sequence[Event], now: datetime) -> int:
        """One pending row per event (an event already logged is left as it is: fanning out twice changes nothing)."""
        rows = [
            {
                "PartitionKey": sub_id,
                "RowKey": delivery_row(e.sheet_id, e.sequence),
                "event_id": e.id,
                "type": e.type,
                "lead_id": e.lead_id,
                "sheet_id": e.sheet_id,
                "customer": e.customer or "",
                "sequence": e.sequence,
                "at": e.at,
                "status": "pending",
                "attempts": 0,
                "next_at": now,
            }
            for e in events
        ]
        for i in range(0, len(rows), MAX_BATCH):
            chunk = rows[i : i + MAX_BATCH]

            def send(chunk: list[dict[str, Any]] = chunk) -> None:
                try:
                    self.log.submit_transaction([("create", r) for r in chunk], **IDEMPOTENT)
                except TableTransactionError:
                    for r in chunk:  # some were logged before (a fan-out that died halfway): add the others
                        with contextlib.suppress(ResourceExistsError):
                            self.log.create_entity(r)

            self._call("cannot log webhook deliveries", send)
        return len(rows)

    def pending(self, sub_id: str, limit: int = 1000) -> list[dict[str, Any]]:
        """The subscription's pending deliveries, sheet by sheet in sequence order."""

        def read() -> list[dict[str, Any]]:
            out: list[dict[str, Any]] = []
            for e in self.log.query_entities(
                "PartitionKey eq @pk and status eq 'pending'", parameters={"pk": sub_id}, results_per_page=min(limit, 1000)
            ):
                out.append(dict(e))
                if len(out) >= limit:
                    break
            return out

        return self._call("cannot read webhook deliveries", read)

    def mark(self, sub_id: str, updates: Iterable[tuple[str, dict[str, Any]]]) -> None:
        """
        MERGE each (RowKey, props) into one subscription's rows, in transactions of 100. Only rows
        that exist: a row deleted meanwhile (an erasure, the retention prune) is not made again.
        """
        ops = [("update", {"PartitionKey": sub_id, "RowKey": rk, **props}, {"mode": UpdateMode.MERGE}) for rk, props in updates]
        for i in range(0, len(ops), MAX_BATCH):
            chunk = ops[i : i + MAX_BATCH]

            def send(chunk: list[Any] = chunk) -> None:
                try:
                    self.log.submit_transaction(chunk, **IDEMPOTENT)
                except TableTransactionError:
                    for op in chunk:  # one is gone: the others one by one
                        with contextlib.suppress(ResourceNotFoundError):
                            self.log.update_entity(op[1], mode=UpdateMode.MERGE)

            self._call("cannot record webhook deliveries", send)

    def remove_deliveries(self, sub_id: str, events: Sequence[Event]) -> int:
        """Delete these events' rows of one subscription (blanked by an erasure after they were logged)."""
        n = 0
        for e in events:

            def one(rk: str = delivery_row(e.sheet_id, e.sequence)) -> None:
                with contextlib.suppress(ResourceNotFoundError):
                    self.log.delete_entity(sub_id, rk)

            self._call("cannot forget webhook deliveries", one)
            n += 1
        return n

    def set_wake(self, due: datetime, now: datetime) -> bool:
        """
        Record that a wake-up is asked for at ``due``; False when one is already set for no later
        (and not past), so retries waiting during an outage wake the dispatcher once, not once per message.
        """
        key = (LEASE[0], "wake")

        def write() -> bool:
            try:
                current = self.subs.get_entity(*key)
            except ResourceNotFoundError as e:
                if table_missing(e):
                    raise
                with contextlib.suppress(ResourceExistsError):
                    self.subs.create_entity({"PartitionKey": key[0], "RowKey": key[1], "at": due})
                    return True
                return False
            at = current.get("at")
            if isinstance(at, datetime) and now < at <= due:
                return False
            try:
                self.subs.update_entity(
                    {"PartitionKey": key[0], "RowKey": key[1], "at": due},
                    mode=UpdateMode.REPLACE,
                    etag=current.metadata["etag"],
                    match_condition=MatchConditions.IfNotModified,
                )
            except (ResourceModifiedError, ResourceNotFoundError):
                return False
            return True

        return self._call("cannot record the dispatcher's wake-up", write)

    def deliveries(
        self, sub_id: str, status: str | None = None, page_size: int = 100, token: str | None = None
    ) -> tuple[list[dict[str, Any]], str | None]:
        """One page of the subscription's delivery log (oldest first per sheet). ValueError for a forged token."""
        cont = decode_token(token) if token else None
        query = "PartitionKey eq @pk" + (" and status eq @status" if status else "")
        params = {"pk": sub_id} | ({"status": status} if status else {})

        def read() -> tuple[list[dict[str, Any]], str | None]:
            pages: Any = self.log.query_entities(query, parameters=params, results_per_page=page_size).by_page(continuation_token=cont)
            items = [dict(e) for e in next(pages, [])]
            return items, encode_token(pages.continuation_token) if pages.continuation_token else None

        return self._read("cannot read webhook deliveries", read, ([], None))

    def replay(self, sub_id: str, since: datetime | None, from_row: str | None, now: datetime) -> int:
        """Make the subscription's logged events again pending: from a time, or from one event (its sheet, onwards).
        (``""`` clears a time: a MERGE leaves out properties that are None.)"""

        def read() -> list[str]:
            p: dict[str, Any]
            if from_row is not None:
                sheet = from_row.split("~", 1)[0]
                q, p = "PartitionKey eq @pk and RowKey ge @lo and RowKey lt @hi", {"pk": sub_id, "lo": from_row, "hi": f"{sheet}~~"}
            else:
                q, p = "PartitionKey eq @pk and at ge @since", {"pk": sub_id, "since": since or datetime.min.replace(tzinfo=UTC)}
            return [e["RowKey"] for e in self.log.query_entities(q, parameters=p, select=["RowKey"], results_per_page=1000)]

        rows = self._call("cannot read webhook deliveries", read)
        self.mark(sub_id, [(rk, {"status": "pending", "attempts": 0, "next_at": now, "first_try": "", "dead_at": ""}) for rk in rows])
        return len(rows)

    def find_delivery(self, sub_id: str, event_id: str) -> dict[str, Any] | None:
        def read() -> dict[str, Any] | None:
            for e in self.log.query_entities("PartitionKey eq @pk and event_id eq @id", parameters={"pk": sub_id, "id": event_id}):
                return dict(e)
            return None

        return self._call("cannot read webhook deliveries", read)

    def forget(self, sheet_id: str, lead_ids: Iterable[str]) -> int:
        """Delete every logged event of these leads of this sheet but ``lead.erased`` (an erasure). Returns how many.
        Each subscription's rows of the sheet are one RowKey range of its partition: no scan of the log."""
        ids = set(lead_ids)

        def delete() -> int:
            n = 0
            subs = [e["RowKey"] for e in self.subs.query_entities("PartitionKey eq @pk", parameters={"pk": SUB}, select=["RowKey"])]
            for sub in subs:
                for e in self.log.query_entities(
                    "PartitionKey eq @pk and RowKey ge @lo and RowKey lt @hi and type ne 'lead.erased'",
                    parameters={"pk": sub, "lo": f"{sheet_id}~", "hi": f"{sheet_id}~~"},
                    select=["PartitionKey", "RowKey", "lead_id"],
                ):
                    if e["lead_id"] in ids:
                        with contextlib.suppress(ResourceNotFoundError):
                            self.log.delete_entity(e["PartitionKey"], e["RowKey"])
                        n += 1
            return n

        return self._read("cannot forget webhook deliveries", delete, 0)

    def prune(self, before: datetime, budget_seconds: float = 120.0) -> int:
        """
        Delete delivered and dead rows of events older than ``before`` (the log's retention), and
        every row of a subscription that no longer exists, in transactions per partition, until
        done or ``budget_seconds`` have passed (the next daily run goes on).
        """
        import time

        def delete() -> int:
            end = time.monotonic() + budget_seconds
            live = {e["RowKey"] for e in self.subs.query_entities("PartitionKey eq @pk", parameters={"pk": SUB}, select=["RowKey"])}
            doomed: dict[str, list[str]] = {}
            for e in self.log.query_entities(
                "PartitionKey ne ''", select=["PartitionKey", "RowKey", "at", "status"], results_per_page=1000
            ):
                at = e.get("at")
                old = isinstance(at, datetime) and at < before and e.get("status") != "pending"
                if old or e["PartitionKey"] not in live:
                    doomed.setdefault(e["PartitionKey"], []).append(e["RowKey"])
                if time.monotonic() > end:
                    break
            n = 0
            for pk, rows in doomed.items():
                for i in range(0, len(rows), MAX_BATCH):
                    chunk = [("delete", {"PartitionKey": pk, "RowKey": rk}) for rk in rows[i : i + MAX_BATCH]]
                    try:
                        self.log.submit_transaction(chunk)
                    except TableTransactionError:
                        for op in chunk:
                            with contextlib.suppress(ResourceNotFoundError):
                                self.log.delete_entity(pk, op[1]["RowKey"])
                    n += len(chunk)
                    if time.monotonic() > end:
                        return n
            return n

        return self._read("cannot prune webhook deliveries", delete, 0)

    def counts(self, sub_id: str | None = None) -> dict[str, dict[str, int]]:
        """Per subscription (or only ``sub_id``, one partition): how many deliveries are pending and dead."""
        query = "status ne 'delivered'" + (" and PartitionKey eq @pk" if sub_id else "")

        def read() -> dict[str, dict[str, int]]:
            out: dict[str, dict[str, int]] = {}
            rows = self.log.query_entities(
                query, parameters={"pk": sub_id} if sub_id else None, select=["PartitionKey", "status"], results_per_page=1000
            )
            for e in rows:
                c = out.setdefault(e["PartitionKey"], {"pending": 0, "dead": 0})
                c[e["status"]] = c.get(e["status"], 0) + 1
            return out

        return self._read("cannot read webhook deliveries", read, {})
