"""
Azure Table Storage store (azure-data-tables), tested against Azurite.

Three tables (``leads``, ``syncstate``, ``syncruns``); how values become entities, and every
storage convention, is in ``table_codec``. This module is the client (options, retries) and the
store (queries, batches, the lease); every SDK error becomes ``StoreError`` in one place
(``storage_errors``), and a table that disappeared is created again on the call that finds it
missing (``TableLeadStore._call``).

Writes go in transactions of at most 100 operations and well under 4 MiB (one partition per
sheet). Transient failures (5xx, timeouts) are retried by the SDK's retry policy, given jitter
here (``JitteredRetryPolicy``), with exponential backoff; idempotent writes are retried on
timeouts too; what outlives the retries raises ``StoreError``.
"""

from __future__ import annotations

import bisect
import json
import random
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple, TypeVar

from azure.core import MatchConditions
from azure.core.exceptions import (
    AzureError,
    HttpResponseError,
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
)
from azure.data.tables import TableTransactionError, UpdateMode

from ..config import SheetConfig, StorageTarget
from ..core.events import OUTBOX_PREFIX, RESERVED, SEQUENCE_ROW, OutboxEntry, decode_events, encode_events, outbox_row
from ..core.identity import KeyedLead
from ..core.leadquery import LeadFilter
from ..core.plan import StoredLead
from ..core.state import Lease, RunSummary, SheetState
from ..errors import StoreError
from .table_client import IDEMPOTENT, service_client
from .table_codec import (
    STATE_PK,
    TOKEN_ERROR,
    decode_token,
    encode_token,
    entity_to_lead,
    inverted_time,
    lead_entity,
    may_continue,
    run_entity,
    run_from_entity,
    state_columns,
    state_from_entity,
    state_to_entity,
)

MAX_BATCH = 100
"""Entity group transactions take at most 100 operations."""
MAX_BATCH_BYTES = 3_500_000
"""A transaction's payload must stay under 4 MiB; leave room for the multipart envelope."""
T = TypeVar("T")
COUNTER_TRIES = 20
KEPT_TAGS = 32
"""How many recent batch ids the event counter keeps, to recognise a batch that landed unseen."""
Counter = tuple[int, str | None, str]

"""A sheet's event counter: its last sequence number, its ETag, its recent batch ids."""
"""How often a batch is tried again when another writer moved the sheet's event counter first."""
_INDEX_SELECT = ["RowKey", "fp", "deleted", "first_seen", "ck", "row", "sig"]
_CHECK_SELECT = ["RowKey", "fp", "deleted", "ck"]
NOT_LEADS = RESERVED
"""RowKeys from here on are not leads (bookkeeping entities share the leads' partitions)."""
_IDENTITY_SELECT = ["RowKey", "email", "phone", "full_name", "first_name", "last_name", "company", "emails", "phones"]
WATERMARK_MARGIN = timedelta(seconds=60)
"""How far behind a walk's start its watermark lies: more than any clock skew between this host
and storage, so that a change committed while a reader reads is never behind its next watermark."""
LEADS_ONLY = f"RowKey lt '{RESERVED}'"
"""Every lead query says it: a sheet's partition also holds its outbox (``shared.core.events``)."""
MAX_LEAD_BYTES = 800_000
"""What one lead's names and values may cost (``core.fit.cost``) to fit an entity (1 MiB) with its
envelope, property names and the JSON of ``extra``."""


class TableSet:
    """
    A set of tables (``names``) of one service client, created on first use (unless a reader's,
    ``_create`` False), with every call's SDK errors mapped to ``StoreError`` (``_call``).
    """

    service: Any
    names: tuple[str, ...]
    _ready: bool
    _create: bool

    def ensure_tables(self) -> None:
        if self._ready:
            return
        with storage_errors("cannot reach Table Storage"):
            for name in self.names:
                self.service.create_table_if_not_exists(name)
        self._ready = True

    def _call(self, what: str, fn: Callable[[], T]) -> T:
        """
        Run one storage call with errors mapped to ``StoreError``. A table that disappeared
        (storage restored, tables deleted by hand) is created again and the call retried once,
        so a warm worker recovers without a restart.
        """
        self.ensure_tables()
        try:
            with storage_errors(what):
                return fn()
        except StoreError as e:
            if not _table_missing(e.__cause__) or not self._create:
                raise
        self._ready = False
        self.ensure_tables()
        with storage_errors(what):
            return fn()


class TableLeadStore(TableSet):
    """``LeadStore`` on Azure Table Storage (or Azurite)."""

    def __init__(
        self,
        connection_string: str | StorageTarget,
        leads_table: str = "leads",
        state_table: str = "syncstate",
        runs_table: str = "syncruns",
        *,
        create_tables: bool = True,
        suppression_table: str | None = None,
        audit_table: str | None = None,
        outbox: bool = True,
        **client_kwargs: Any,
    ) -> None:
        """``create_tables=False`` for a reader: a missing table reads as empty, nothing is created.

        The suppression list and the audit trail default to ``<leads>erased`` and ``<leads>audit``."""
        self.service = service_client(connection_string, **client_kwargs)
        suppression_table = suppression_table or f"{leads_table[:55]}erased"
        audit_table = audit_table or f"{leads_table[:58]}audit"
        removals_table = f"{leads_table[:59]}gone"
        self.names = (leads_table, state_table, runs_table, suppression_table, audit_table, removals_table)
        self.leads = self.service.get_table_client(leads_table)
        self.state = self.service.get_table_client(state_table)
        self.runs = self.service.get_table_client(runs_table)
        self.suppressed = self.service.get_table_client(suppression_table)
        self.audit = self.service.get_table_client(audit_table)
        self.removals = self.service.get_table_client(removals_table)
        self._ready = not create_tables
        self._create = create_tables
        self.max_lead_bytes = MAX_LEAD_BYTES
        self.outbox = outbox
        """False only to measure what the outbox costs (``bench.events``): writes then carry no events."""
        self._decoded: dict[tuple[str, ...], dict[str, tuple[str, SheetState]]] = {}
        """Projected states already decoded, by projection and sheet, with the entity's ETag they came from."""

    # leads

    def load_index(self, sheet_id: str, incoming: Iterable[KeyedLead] | None = None) -> dict[str, StoredLead]:
        """Every stored lead of the sheet as the sync compares it, held compactly (the daily full
        comparison of the largest sheet holds one per row): plain datetimes (the SDK's carry a
        dict and the service's text each), one object for equal times, and no empty strings or
        tuples of their own. With ``incoming`` (the sheet's keyed leads), a stored lead the
        sheet still holds shares its key and its fingerprint (when equal) with the sheet's lead
        and keeps no signatures: they serve only to recognise a lead that left the sheet. (The
        leads by key are indexed once the partition turns out not to be empty.)"""

        def read() -> dict[str, StoredLead]:
            out: dict[str, StoredLead] = {}
            times: dict[Any, Any] = {}
            sheet: dict[str, KeyedLead] | None = None
            for e in self.leads.query_entities(
                "PartitionKey eq @pk and RowKey lt @end",
                parameters={"pk": sheet_id, "end": NOT_LEADS},
                select=_INDEX_SELECT,
                results_per_page=1000,
            ):
                key, fp, first = e["RowKey"], e.get("fp") or "", e.get("first_seen")
                if first is not None:
                    first = times.get(first) or times.setdefault(first, _plain_time(first))
                if sheet is None:
                    sheet = {k.key: k for k in incoming or ()}
                here = sheet.get(key)
                sig: str = ""
                if here is not None:
                    key = here.key
                    fp = here.fingerprint if here.fingerprint == fp else fp
                else:
                    sig = e.get("sig") or ""
                out[key] = StoredLead(
                    key,
                    fp,
                    bool(e.get("deleted")),
                    first,
                    content_key=e.get("ck") or None,
                    row=e.get("row"),
                    signatures=tuple(x for x in sig.split(",") if x) if sig else (),
                )
            return out

        return self._call("cannot read stored leads", read)

    def count_active(self, sheet_id: str) -> int:
        """Live leads of the sheet, counted over their keys only (``select`` RowKey, pages of 1,000)."""

        def count() -> int:
            rows = self.leads.query_entities(
                "PartitionKey eq @pk and deleted eq false", parameters={"pk": sheet_id}, select=["RowKey"], results_per_page=1000
            )
            return sum(1 for _ in rows)

        return self._call("cannot count stored leads", count)

    def index_page(self, sheet_id: str, after: str, limit: int) -> tuple[list[StoredLead], str | None]:
        """A slice of the stored index in key order from after ``after`` (see ``LeadRecords.index_page``):
        storage pages of at most ``limit`` entities are read until ``limit`` are read or the
        partition ends; the last key read when more follow. Keys from ``~`` on are not leads."""

        def read() -> tuple[list[StoredLead], str | None]:
            pages: Any = self.leads.query_entities(
                "PartitionKey eq @pk and RowKey gt @after and RowKey lt @end",
                parameters={"pk": sheet_id, "after": after, "end": NOT_LEADS},
                select=_CHECK_SELECT,
                results_per_page=limit,
            ).by_page()
            out: list[StoredLead] = []
            for page in pages:
                out += [StoredLead(e["RowKey"], e.get("fp") or "", bool(e.get("deleted")), content_key=e.get("ck") or None) for e in page]
                if len(out) >= limit:
                    break
            more = pages.continuation_token is not None
            return out, (out[-1].key if out else after) if more else None

        return self._call("cannot read stored leads", read)

    def carried_to(self, sheet_id: str, content_keys: Iterable[str]) -> dict[str, StoredLead]:
        """Live leads whose ``ck`` is one of ``content_keys``, 11 keys per query (a filter may
        hold 15 comparisons; the SDK substitutes only ``@name`` words between spaces)."""
        wanted = sorted(set(content_keys))

        def read() -> dict[str, StoredLead]:
            out: dict[str, StoredLead] = {}
            for i in range(0, len(wanted), 11):
                chunk = wanted[i : i + 11]
                params: dict[str, Any] = {"pk": sheet_id, "end": NOT_LEADS} | {f"c{n}": k for n, k in enumerate(chunk)}
                anyof = " or ".join(f"ck eq @c{n}" for n in range(len(chunk)))
                for e in self.leads.query_entities(
                    f"PartitionKey eq @pk and RowKey lt @end and deleted eq false and ( {anyof} )", parameters=params, select=_CHECK_SELECT
                ):
                    out[e["ck"]] = StoredLead(e["RowKey"], e.get("fp") or "", False, content_key=e["ck"])
            return out

        return self._call("cannot read stored leads", read)

    def load_identities(self, sheet_id: str, keys: Iterable[str], include_deleted: bool = False) -> dict[str, dict[str, str]]:
        """The identity fields (email, phone, names, company, further emails and phones) of the given stored leads."""
        wanted = set(keys)
        if not wanted:
            return {}
        query = f"PartitionKey eq @pk and {LEADS_ONLY}" if include_deleted else "PartitionKey eq @pk and deleted eq false"

        def read() -> dict[str, dict[str, str]]:
            out: dict[str, dict[str, str]] = {}
            for e in self.leads.query_entities(query, parameters={"pk": sheet_id}, select=_IDENTITY_SELECT, results_per_page=1000):
                if e["RowKey"] in wanted:
                    out[e["RowKey"]] = {k: e[k] for k in _IDENTITY_SELECT[1:] if e.get(k)}
            return out

        return self._call("cannot read stored leads", read)

    def write_leads(
        self,
        sheet: SheetConfig,
        leads: Iterable[KeyedLead],
        now: datetime,
        first_seen: dict[str, Any] | None = None,
        truncated: Mapping[str, Iterable[str]] | None = None,
        kinds: Mapping[str, str] | None = None,
    ) -> int:
        seen = first_seen or {}
        cut = truncated or {}
        kind = kinds or {}
        ops = (
            (
                "upsert",
                lead_entity(sheet.id, sheet.customer, lead, now, seen.get(lead.key), cut.get(lead.key, ())),
                {"mode": UpdateMode.REPLACE},
                kind.get(lead.key) or ("updated" if lead.key in seen else "created"),
            )
            for lead in leads
        )
        return self._submit(sheet.id, ops, now, sheet.customer)

    def soft_delete(self, sheet_id: str, keys: Iterable[str], now: datetime, customer: str | None = None) -> int:
        return self.merge_leads(sheet_id, keys, {"deleted": True, "deleted_at": now}, kind="deleted", now=now, customer=customer)

    def merge_leads(
        self,
        sheet_id: str,
        keys: Iterable[str],
        props: dict[str, Any],
        kind: str = "updated",
        now: datetime | None = None,
        customer: str | None = None,
    ) -> int:
        """Set ``props`` on stored leads, keeping everything else (MERGE); each is a ``kind`` event."""
        ops = (("upsert", {"PartitionKey": sheet_id, "RowKey": k, **props}, {"mode": UpdateMode.MERGE}, kind) for k in keys)
        return self._submit(sheet_id, ops, now or datetime.now(UTC), customer)

    def _submit(self, sheet_id: str, ops: Iterable[Op], now: datetime, customer: str | None) -> int:
        """Write ``ops`` in transactions, each with its outbox entity (``_commit``)."""
        written = 0
        counter: Counter | None = None
        for batch in _batches(ops, MAX_BATCH - 2 if self.outbox else MAX_BATCH):
            if self.outbox:
                counter = self._commit(sheet_id, batch, now, customer, counter)
            else:

                def send(b: list[Op] = batch) -> Any:
                    return self.leads.submit_transaction([op[:3] for op in b], **IDEMPOTENT)

                self._call(f"a batch of {len(batch)} writes failed", send)
            written += len(batch)
        return written

    def _commit(self, sheet_id: str, batch: list[Op], now: datetime, customer: str | None, counter: Counter | None) -> Counter:
        """
        One entity-group transaction: the batch's writes, one outbox entity listing their events,
        and the sheet's event counter moved past them under its ETag. The counter serialises
        every writer of the partition (a sync and an erasure at once): the one that finds it
        moved reads it again and tries again. A transaction that committed although its answer
        was lost (a timeout, then a retry refused) is recognised by its batch id, which the
        counter keeps among the last ``KEPT_TAGS`` (not by the outbox entity: a dispatcher may
        have handed that on and deleted it already). Returns the counter as it now stands.
        """
        events = [(op[1]["RowKey"], op[3]) for op in batch]
        for attempt in range(COUNTER_TRIES):
            if attempt:
                time.sleep(random.uniform(0, 0.02 * 2 ** min(attempt, 6)))  # another writer won: back off, with jitter
            seq, etag, tags = counter if counter is not None else self._read_counter(sheet_id)
            first, tag = seq + 1, uuid.uuid4().hex
            kept = " ".join([tag, *tags.split()][:KEPT_TAGS])
            outbox = {
                "PartitionKey": sheet_id,
                "RowKey": outbox_row(first),
                "first": first,
                "n": len(events),
                "events": encode_events(events),
                "at": now,
                "customer": customer or "",
                "batch": tag,
            }
            mark = {"PartitionKey": sheet_id, "RowKey": SEQUENCE_ROW, "seq": seq + len(events), "tags": kept}
            guard: tuple[Any, ...] = (
                ("create", mark)
                if etag is None
                else ("update", mark, {"mode": UpdateMode.REPLACE, "etag": etag, "match_condition": MatchConditions.IfNotModified})
            )
            tx = [op[:3] for op in batch] + [("upsert", outbox, {"mode": UpdateMode.REPLACE}), guard]

            def send(tx: list[Any] = tx) -> Any:
                return self.leads.submit_transaction(tx, **IDEMPOTENT)

            try:
                result = self._call(f"a batch of {len(batch)} writes failed", send)
            except StoreError as e:
                cause = e.__cause__
                if not isinstance(cause, TableTransactionError):
                    raise
                if cause.status_code not in (409, 412):
                    raise StoreError(f"a batch of {len(batch)} writes was refused: {_short(cause)}") from cause
                counter = self._read_counter(sheet_id)
                if tag in counter[2].split():
                    return counter  # it landed: its answer was lost, and the SDK's retry was refused
                continue
            return seq + len(events), (result[-1] or {}).get("etag"), kept
        raise StoreError(
            f"sheet {sheet_id}: its event counter kept changing under {COUNTER_TRIES} tries; nothing of this batch was written"
        )

    def _read_counter(self, sheet_id: str) -> Counter:
        """The sheet's last event sequence number, the counter's ETag and its recent batch ids (0, None, "" before the first)."""

        def read() -> Counter:
            try:
                e = self.leads.get_entity(sheet_id, SEQUENCE_ROW)
            except ResourceNotFoundError as err:
                if _table_missing(err):
                    raise
                return 0, None, ""
            return int(e.get("seq") or 0), e.metadata.get("etag"), str(e.get("tags") or "")

        return self._call("cannot read the sheet's event counter", read)

    # the outbox (read by the dispatcher, ``shared.service.webhooks``)

    def event_sequence(self, sheet_id: str) -> int:
        """The sheet's last event sequence number (0 before its first event)."""
        return self._read_counter(sheet_id)[0]

    def read_outbox(self, sheet_id: str, limit: int = 50) -> list[OutboxEntry]:
        """The sheet's oldest outbox entities (at most ``limit``): each RowKey, its events in sequence order, and its ETag."""

        def read() -> list[OutboxEntry]:
            out: list[OutboxEntry] = []
            for e in self.leads.query_entities(
                "PartitionKey eq @pk and RowKey ge @lo and RowKey lt @hi",
                parameters={"pk": sheet_id, "lo": OUTBOX_PREFIX, "hi": OUTBOX_PREFIX + RESERVED},
                results_per_page=limit,
            ):
                events = decode_events(sheet_id, int(e["first"]), e.get("events") or "", _plain_time(e["at"]), e.get("customer") or None)
                out.append(OutboxEntry(e["RowKey"], events, e.metadata.get("etag")))
                if len(out) >= limit:
                    break
            return out

        try:
            return self._call("cannot read the outbox", read)
        except StoreError as e:
            if isinstance(e.__cause__, ResourceNotFoundError):
                return []
            raise

    def drop_outbox(self, sheet_id: str, row: str, etag: str | None = None) -> bool:
        """
        Delete an outbox entity once handed on; with ``etag``, only if it is unchanged since it
        was read (False: an erasure blanked some of its events meanwhile). A row already gone counts.
        """

        def one() -> bool:
            try:
                if etag:
                    self.leads.delete_entity(sheet_id, row, etag=etag, match_condition=MatchConditions.IfNotModified)
                else:
                    self.leads.delete_entity(sheet_id, row)
            except ResourceNotFoundError as err:
                if _table_missing(err):
                    raise
            except ResourceModifiedError:
                return False
            return True

        return self._call("cannot delete an outbox entity", one)

    def forget_events(self, sheet_id: str, keys: Iterable[str]) -> int:
        """
        Blank these leads' events in the sheet's outbox (an erasure), but for ``erased`` ones; their
        numbers stay used. Each entity is rewritten under its ETag (two erasures at once, or a
        dispatcher deleting it, never undo each other). Returns how many events were blanked.
        """
        gone = set(keys)
        n = 0
        for _ in range(COUNTER_TRIES):
            changed = False
            for entry in self.read_outbox(sheet_id, limit=100_000):
                hit = [ev.lead_id in gone and ev.kind != "erased" for ev in entry.events]
                if not any(hit):
                    continue
                first = int(entry.row.removeprefix(OUTBOX_PREFIX))
                kept = [("", "")] * (entry.events[-1].sequence - first + 1)  # by position: every event keeps its number
                for ev, h in zip(entry.events, hit, strict=True):
                    if not h:
                        kept[ev.sequence - first] = (ev.lead_id, ev.kind)
                text = encode_events(kept)

                def merge(row: str = entry.row, text: str = text, etag: str | None = entry.etag) -> bool:
                    try:
                        self.leads.update_entity(
                            {"PartitionKey": sheet_id, "RowKey": row, "events": text},
                            mode=UpdateMode.MERGE,
                            etag=etag,
                            match_condition=MatchConditions.IfNotModified,
                        )
                    except ResourceNotFoundError as err:
                        if _table_missing(err):
                            raise
                        return True  # handed on meanwhile: the dispatcher's own check finds the change
                    except ResourceModifiedError:
                        return False
                    return True

                if self._call("cannot update the outbox", merge):
                    n += sum(hit)
                else:
                    changed = True
            if not changed:
                return n
        raise StoreError(f"sheet {sheet_id}: its outbox kept changing while an erasure blanked events; try the erasure again")

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
    ) -> LeadPage:
        """
        One page of leads. With ``sheet_ids`` (or ``sheet_id``) the walk reads only those sheets'
        partitions, one after the other, and fills each page up to ``page_size`` across storage
        pages and partitions: a page is empty only at the end. Without, it scans by ``customer``.

        ``updated_since`` filters on the time storage committed each lead's last change (its
        ``Timestamp``: writes, soft deletions and restores alike). The page's ``watermark`` (the
        walk's start less a safety margin, the same on every page of one walk) is what a reader
        passes back next time: it never misses a change committed while it was reading.

        ``lead_filter``: its stored-property parts go to storage as OData (``odata_filter``); the
        rest is decided on each lead here, reading storage pages until the page is full.
        """
        state = decode_token(token, extra_keys=("s", "w", "r"))
        watermark = (state or {}).get("w") or (datetime.now(UTC) - WATERMARK_MARGIN).isoformat()
        f = lead_filter or LeadFilter(include_deleted=include_deleted, changed_since=updated_since)
        clauses, params = odata_filter(f)
        match = f.matcher()
        # Sorted, and tokens name the sheet they stopped in (not a position): a sheet added to or
        # removed from the configuration during a walk neither skips nor repeats a partition.
        parts = sorted(set(sheet_ids)) if sheet_ids is not None else [sheet_id] if sheet_id else None
        sdk_token: Any = _sdk_token(state)

        def fill(query: str, qparams: dict[str, Any], cont: Any, items: list[dict[str, Any]]) -> Any:
            """Read one storage page (at most what the page still needs) into ``items``; the next token."""
            pages: Any = self.leads.query_entities(query, parameters=qparams, results_per_page=page_size - len(items)).by_page(
                continuation_token=cont
            )
            got = [entity_to_lead(e) for e in next(pages, [])]
            items += [x for x in got if match(x)] if match else got
            return pages.continuation_token

        if parts is None:
            if customer:
                clauses.append("customer eq @customer")
                params["customer"] = customer
            scan_query = " and ".join(clauses) or "PartitionKey ne ''"

            def scan() -> LeadPage:
                items: list[dict[str, Any]] = []
                cont = fill(scan_query, params, sdk_token, items)
                while cont and len(items) < page_size:
                    cont = fill(scan_query, params, cont, items)
                return LeadPage(items, encode_token(cont, {"w": watermark}), watermark)

            return self._read_leads(scan)

        index, resume = _resume_at(parts, state)
        if not resume:
            sdk_token = None
            state = {k: v for k, v in (state or {}).items() if k != "r"}
        query = " and ".join(["PartitionKey eq @pk", *clauses])

        def walk() -> LeadPage:
            return _walk(self.leads, parts, index, sdk_token, query, params, page_size, watermark, entity_to_lead)

        def sieve() -> LeadPage:
            # Decided per lead: read storage pages of 1,000 and stop at the lead that fills the
            # page; the next page starts after its RowKey (an OData range, not a storage token).
            assert match is not None
            items: list[dict[str, Any]] = []
            i, after = index, (state or {}).get("r")
            while i < len(parts) and len(items) < page_size:
                qp = params | {"pk": parts[i]} | ({"rk": after} if after else {})
                for e in self.leads.query_entities(query + (" and RowKey gt @rk" if after else ""), parameters=qp, results_per_page=1000):
                    lead = entity_to_lead(e)
                    if match(lead):
                        items.append(lead)
                        if len(items) == page_size:
                            after = e["RowKey"]
                            break
                else:
                    i, after = i + 1, None
            more = i < len(parts)
            return LeadPage(
                items, encode_token({"s": parts[i], "w": watermark} | ({"r": after} if after else {})) if more else None, watermark
            )

        if match is not None:
            return self._read_leads(sieve)
        return self._read_leads(walk)

    def scan_leads(self, sheet_ids: Sequence[str], lead_filter: LeadFilter) -> list[dict[str, Any]]:
        """Every lead of these sheets' partitions passing ``lead_filter`` (for sorting and counting)."""
        clauses, params = odata_filter(lead_filter)
        match = lead_filter.matcher()
        query = " and ".join(["PartitionKey eq @pk", *clauses])

        def read() -> LeadPage:
            out: list[dict[str, Any]] = []
            for pk in sheet_ids:
                for e in self.leads.query_entities(query, parameters=params | {"pk": pk}, results_per_page=1000):
                    lead = entity_to_lead(e)
                    if match is None or match(lead):
                        out.append(lead)
            return LeadPage(out, None, None)

        return self._read_leads(read).items

    def get_lead(self, sheet_id: str, lead_id: str) -> dict[str, Any] | None:
        """One lead as the API serves it (deleted ones too), or None."""

        if lead_id.startswith(RESERVED):
            return None  # the outbox's rows are no leads

        def read() -> LeadPage:
            try:
                return LeadPage([entity_to_lead(self.leads.get_entity(sheet_id, lead_id))], None, None)
            except ResourceNotFoundError as e:
                if _table_missing(e):
                    raise
                return LeadPage([], None, None)

        items = self._read_leads(read).items
        return items[0] if items else None

    def _read_leads(self, read: Callable[[], LeadPage]) -> LeadPage:
        try:
            return self._call("cannot list leads", read)
        except StoreError as e:
            if isinstance(e.__cause__, ResourceNotFoundError):
                return LeadPage([], None, None)
            raise

    # state, lease, history

    def get_state(self, sheet_id: str) -> SheetState | None:
        def read() -> SheetState | None:
            try:
                return state_from_entity(self.state.get_entity(STATE_PK, sheet_id))
            except ResourceNotFoundError as e:
                if _table_missing(e):
                    raise
                return None

        return self._call("cannot read sync state", read)

    def save_state(self, state: SheetState, fields: Iterable[str] | None = None) -> None:
        entity = state_to_entity(state, fields)
        self._call("cannot save sync state", lambda: self.state.upsert_entity(entity, mode=UpdateMode.MERGE, **IDEMPOTENT))

    def list_states(self, fields: Iterable[str] | None = None) -> list[SheetState]:
        """
        Every sheet's state in one query; with ``fields``, only those (``lease`` for the lease) are
        selected and decoded, the rest keep their defaults: a read-only view's projection, never
        a state to save back.
        """
        select = None if fields is None else state_columns(fields)

        def read() -> list[SheetState]:
            rows = self.state.query_entities("PartitionKey eq @pk", parameters={"pk": STATE_PK}, select=select)
            if select is None:
                return [state_from_entity(e) for e in rows]
            # An entity whose ETag is the one decoded last time is the same state: not decoded again.
            before = self._decoded.get(tuple(select), {})
            now: dict[str, tuple[str, SheetState]] = {}
            for e in rows:
                key, etag = str(e["RowKey"]), str(e.metadata.get("etag") or "")
                hit = before.get(key)
                if hit is not None and etag and hit[0] == etag:
                    now[key] = hit
                    continue
                # A selected property an entity lacks comes back as null: leave it out, as if unselected.
                got = {k: v for k, v in e.items() if v is not None}
                if may_continue(got):  # a JSON value split over parts (rare): that entity read whole
                    got = self.state.get_entity(STATE_PK, key)
                now[key] = (etag, state_from_entity(got))
            self._decoded[tuple(select)] = now  # sheets gone since are forgotten
            return [st for _, st in now.values()]

        try:
            return self._call("cannot read sync states", read)
        except StoreError as e:
            if isinstance(e.__cause__, ResourceNotFoundError):
                return []
            raise

    def acquire_lease(self, sheet_id: str, owner: str, now: datetime, ttl_seconds: int) -> LeaseGrant:
        """Take the sheet's lease unless another owner holds an unexpired one (ETag-guarded).

        The grant says whose expired lease it replaced: a run that never finished."""
        until = now + timedelta(seconds=ttl_seconds)
        lease = {"PartitionKey": STATE_PK, "RowKey": sheet_id, "lease_owner": owner, "lease_until": until}

        def take() -> LeaseGrant:
            try:
                current = self.state.get_entity(STATE_PK, sheet_id)
            except ResourceNotFoundError as e:
                if _table_missing(e):
                    raise
                try:
                    self.state.create_entity(lease)
                    return LeaseGrant(True)
                except ResourceExistsError:
                    return LeaseGrant(False)
            held = current.get("lease_until")
            holder = current.get("lease_owner")
            if holder and holder != owner and isinstance(held, datetime) and held > now:
                return LeaseGrant(False)
            try:
                self.state.update_entity(
                    lease, mode=UpdateMode.MERGE, etag=current.metadata["etag"], match_condition=MatchConditions.IfNotModified
                )
            except (ResourceModifiedError, HttpResponseError) as e:
                if isinstance(e, ResourceModifiedError) or getattr(e, "status_code", None) == 412:
                    return LeaseGrant(False)
                raise
            left = Lease(holder, held.astimezone(UTC)) if holder and holder != owner and isinstance(held, datetime) else None
            return LeaseGrant(True, left)

        return self._call("cannot take the sheet lease", take)

    def renew_lease(self, sheet_id: str, owner: str, now: datetime, ttl_seconds: int) -> bool:
        """The heartbeat of a running sync: push its lease to ``now + ttl_seconds`` (ETag-guarded); False once it is not the holder."""
        until = now + timedelta(seconds=ttl_seconds)

        def renew() -> bool:
            for _ in range(3):  # the run saves its state meanwhile (another ETag): read again
                try:
                    current = self.state.get_entity(STATE_PK, sheet_id)
                except ResourceNotFoundError as e:
                    if _table_missing(e):
                        raise
                    return False
                if current.get("lease_owner") != owner:
                    return False
                with suppress(ResourceModifiedError):
                    self.state.update_entity(
                        {"PartitionKey": STATE_PK, "RowKey": sheet_id, "lease_until": until},
                        mode=UpdateMode.MERGE,
                        etag=current.metadata["etag"],
                        match_condition=MatchConditions.IfNotModified,
                    )
                    return True
            return True  # still the holder, renewed by the next beat

        return self._call("cannot renew the sheet lease", renew)

    def release_lease(self, sheet_id: str, owner: str) -> None:
        try:
            current = self.state.get_entity(STATE_PK, sheet_id)
            if current.get("lease_owner") != owner:
                return
            self.state.update_entity(
                {"PartitionKey": STATE_PK, "RowKey": sheet_id, "lease_owner": "", "lease_until": ""},
                mode=UpdateMode.MERGE,
                etag=current.metadata["etag"],
                match_condition=MatchConditions.IfNotModified,
            )
        except AzureError:
            pass  # the lease expires by itself

    def add_run(self, sheet_id: str, run: RunSummary) -> None:
        entity = run_entity(sheet_id, run)
        self._call("cannot record the run", lambda: self.runs.upsert_entity(entity, mode=UpdateMode.MERGE, **IDEMPOTENT))

    def prune_runs(self, sheet_id: str, before: datetime) -> int:
        """Delete run history older than ``before`` (runs only: leads are never erased)."""
        oldest_kept = inverted_time(before)

        def prune() -> int:
            old = [
                e["RowKey"]
                for e in self.runs.query_entities(
                    "PartitionKey eq @pk and RowKey gt @rk", parameters={"pk": sheet_id, "rk": oldest_kept}, select=["RowKey"]
                )
            ]
            for i in range(0, len(old), MAX_BATCH):
                self.runs.submit_transaction([("delete", {"PartitionKey": sheet_id, "RowKey": k}) for k in old[i : i + MAX_BATCH]])
            return len(old)

        return self._call("cannot prune run history", prune)

    def list_runs(self, sheet_id: str, limit: int = 10) -> list[RunSummary]:
        def read() -> list[RunSummary]:
            pages = self.runs.query_entities("PartitionKey eq @pk", parameters={"pk": sheet_id}, results_per_page=limit).by_page()
            return [r for r in (run_from_entity(e) for e in next(pages, [])) if r is not None][:limit]

        try:
            return self._call("cannot read run history", read)
        except StoreError as e:
            if isinstance(e.__cause__, ResourceNotFoundError):
                return []
            raise

    # erasure, suppression, retention, audit (issue 14)

    def find_contacts(self, email: str | None = None, phone: str | None = None) -> Iterator[tuple[str, str, dict[str, Any]]]:
        """
        (sheet id, key, contact fields) of the stored leads of every sheet, deleted ones too, that
        may carry ``email`` or ``phone``: those whose primary ``email``/``phone`` equals them, and
        every lead with further contact columns (``emails``/``phones``, JSON lists the caller
        matches). One query across partitions, filtered by storage (a property a lead lacks
        never compares true), reading only the contact columns. Without either: every lead.
        """
        select = ["PartitionKey", "RowKey", *CONTACT_FIELDS]
        clauses = ["emails ge '['", "phones ge '['"]
        params: dict[str, Any] = {}
        if email:
            clauses.insert(0, "email eq @email")
            params["email"] = email
        if phone:
            clauses.insert(0, "phone eq @phone")
            params["phone"] = phone
        query = " or ".join(clauses) if params else LEADS_ONLY

        def read() -> list[tuple[str, str, dict[str, Any]]]:
            return [
                (e["PartitionKey"], e["RowKey"], {k: e.get(k) for k in CONTACT_FIELDS})
                for e in self.leads.query_entities(query, parameters=params, select=select, results_per_page=1000)
            ]

        try:
            yield from self._call("cannot read stored leads", read)
        except StoreError as e:
            if not isinstance(e.__cause__, ResourceNotFoundError):
                raise

    def delete_leads(self, sheet_id: str, keys: Iterable[str], reason: str = "erased", now: datetime | None = None) -> int:
        """
        Delete leads for real (erasure, purge): idempotent, a key already gone counts as deleted.
        Each removal is recorded first (``list_removals``: the id, ``reason`` and time, nothing
        personal), so a reader that mirrors the leads learns of every one, even after a failure
        halfway.
        """
        unique = [k for k in dict.fromkeys(keys) if not k.startswith(RESERVED)]
        when = now or datetime.now(UTC)
        self._record_removals(sheet_id, unique, reason, when)
        kind = "erased" if reason == "erased" else "purged"
        if kind == "erased":
            self.forget_events(sheet_id, unique)  # first: the ``lead.erased`` events below stay
        for attempt in range(2):
            # Only the leads still there are deleted, each with its event: a key already gone (a
            # retried erasure, a concurrent purge) is neither an error nor a second event.
            present = self._present(sheet_id, unique)
            ops: Iterator[Op] = (("delete", {"PartitionKey": sheet_id, "RowKey": k}, {}, kind) for k in unique if k in present)
            try:
                self._submit(sheet_id, ops, when, None)
            except StoreError as e:
                gone_meanwhile = isinstance(e.__cause__, TableTransactionError) and e.__cause__.status_code == 404
                if attempt or not gone_meanwhile:
                    raise
                continue
            break
        return len(unique)

    def _present(self, sheet_id: str, keys: Sequence[str]) -> set[str]:
        """Which of ``keys`` the sheet's partition holds (point reads for a few, one key scan for many)."""
        if len(keys) > 200:

            def scan() -> set[str]:
                wanted = set(keys)
                rows = self.leads.query_entities(
                    f"PartitionKey eq @pk and {LEADS_ONLY}", parameters={"pk": sheet_id}, select=["RowKey"], results_per_page=1000
                )
                return {e["RowKey"] for e in rows if e["RowKey"] in wanted}

            return self._call("cannot read stored leads", scan)
        out: set[str] = set()
        for k in keys:

            def one(k: str = k) -> bool:
                try:
                    self.leads.get_entity(sheet_id, k, select=["RowKey"])
                except ResourceNotFoundError as err:
                    if _table_missing(err):
                        raise
                    return False
                return True

            if self._call("cannot read a stored lead", one):
                out.add(k)
        return out

    def _record_removals(self, sheet_id: str, keys: Sequence[str], reason: str, now: datetime) -> None:
        for i in range(0, len(keys), MAX_BATCH):
            rows = [{"PartitionKey": sheet_id, "RowKey": k, "reason": reason, "removed_at": now} for k in keys[i : i + MAX_BATCH]]

            def send(rows: list[dict[str, Any]] = rows) -> Any:
                return self.removals.submit_transaction([("upsert", r, {"mode": UpdateMode.REPLACE}) for r in rows], **IDEMPOTENT)

            self._call("cannot record the removal of leads (nothing was deleted)", send)

    def list_removals(
        self, sheet_ids: Sequence[str], since: datetime | None = None, page_size: int = 100, token: str | None = None
    ) -> LeadPage:
        """
        One page of the removals of these sheets' leads (``delete_leads``), recorded at or after
        ``since`` (storage's commit time, as ``list_leads``'s ``updated_since``), with the
        watermark to pass back next time. Raises ValueError on a forged token.
        """
        state = decode_token(token, extra_keys=("s", "w"))
        watermark = (state or {}).get("w") or (datetime.now(UTC) - WATERMARK_MARGIN).isoformat()
        parts = sorted(set(sheet_ids))
        index, resume = _resume_at(parts, state)
        query, params = "PartitionKey eq @pk", {}
        if since is not None:
            query, params = query + " and Timestamp ge @since", {"since": since}

        def read() -> LeadPage:
            return _walk(
                self.removals, parts, index, _sdk_token(state) if resume else None, query, params, page_size, watermark, removal_from_entity
            )

        try:
            return self._call("cannot read the removals", read)
        except StoreError as e:
            if isinstance(e.__cause__, ResourceNotFoundError):
                return LeadPage([], None, watermark)
            raise

    def prune_removals(self, before: datetime, limit: int = 10_000) -> int:
        """Forget removals recorded before ``before`` (at most ``limit`` per call); how many."""

        def prune() -> int:
            old = list(
                self.removals.query_entities("removed_at lt @before", parameters={"before": before}, select=["PartitionKey", "RowKey"])
            )
            old = old[:limit]
            for i in range(0, len(old), MAX_BATCH):
                chunk = old[i : i + MAX_BATCH]
                by_sheet: dict[str, list[Any]] = {}
                for e in chunk:
                    by_sheet.setdefault(e["PartitionKey"], []).append(e)
                for rows in by_sheet.values():
                    try:
                        self.removals.submit_transaction(
                            [("delete", {"PartitionKey": r["PartitionKey"], "RowKey": r["RowKey"]}) for r in rows]
                        )
                    except TableTransactionError:  # one was forgotten meanwhile (another purge): one by one
                        for r in rows:
                            with suppress(ResourceNotFoundError):
                                self.removals.delete_entity(r["PartitionKey"], r["RowKey"])
            return len(old)

        return self._call("cannot forget old removals", prune)

    def deleted_before(self, sheet_id: str, before: datetime, limit: int) -> list[str]:
        """Keys of the sheet's leads soft-deleted before ``before``, at most ``limit``."""

        def read() -> list[str]:
            out: list[str] = []
            for e in self.leads.query_entities(
                "PartitionKey eq @pk and deleted eq true and deleted_at lt @before",
                parameters={"pk": sheet_id, "before": before},
                select=["RowKey"],
                results_per_page=1000,
            ):
                out.append(e["RowKey"])
                if len(out) >= limit:
                    break
            return out

        return self._call("cannot read deleted leads", read)

    def load_suppressions(self) -> dict[str, str]:
        """The suppression list: keyed hash -> the id of the key that made it."""

        def read() -> dict[str, str]:
            return {
                e["RowKey"]: str(e.get("kid") or "")
                for e in self.suppressed.query_entities("PartitionKey eq 'h'", select=["RowKey", "kid"])
            }

        try:
            return self._call("cannot read the suppression list", read)
        except StoreError as e:
            if isinstance(e.__cause__, ResourceNotFoundError):
                return {}
            raise

    def add_suppressions(self, hashes: Iterable[str], kid: str, now: datetime) -> int:
        """Add keyed hashes to the list (upserts: adding one twice is harmless)."""
        rows = [{"PartitionKey": "h", "RowKey": h, "kid": kid, "added_at": now} for h in dict.fromkeys(hashes)]
        for i in range(0, len(rows), MAX_BATCH):
            chunk: list[Any] = [("upsert", r, {"mode": UpdateMode.REPLACE}) for r in rows[i : i + MAX_BATCH]]

            def send(c: list[Any] = chunk) -> Any:
                return self.suppressed.submit_transaction(c, **IDEMPOTENT)

            self._call("cannot write the suppression list", send)
        return len(rows)

    def remove_suppressions(self, hashes: Iterable[str]) -> int:
        """Remove keyed hashes from the list; returns how many were on it."""

        def remove() -> int:
            n = 0
            for h in dict.fromkeys(hashes):
                try:
                    self.suppressed.get_entity("h", h, select=["RowKey"])
                except ResourceNotFoundError as e:
                    if _table_missing(e):
                        raise
                    continue
                self.suppressed.delete_entity("h", h)
                n += 1
            return n

        return self._call("cannot change the suppression list", remove)

    def append_audit(self, entry: Mapping[str, Any], now: datetime) -> str:
        """Append one audit record (newest first by RowKey); returns its id."""
        rid = f"{10**17 - int(now.timestamp() * 1_000_000):017d}-{uuid.uuid4().hex[:8]}"  # newest first, to the microsecond
        e: dict[str, Any] = {"PartitionKey": "audit", "RowKey": rid, "at": now}
        for k, v in entry.items():
            e[k] = json.dumps(v, ensure_ascii=False, default=str) if isinstance(v, dict | list | tuple) else v
        self._call("cannot write the audit trail", lambda: self.audit.create_entity(e))
        return rid

    def list_audit(self, page_size: int = 100, token: str | None = None) -> tuple[list[dict[str, Any]], str | None]:
        """One page of the audit trail, newest first, and the next page's token (ValueError if forged)."""
        sdk_token: Any = decode_token(token)

        def read() -> tuple[list[dict[str, Any]], str | None]:
            pages: Any = self.audit.query_entities("PartitionKey eq 'audit'", results_per_page=page_size).by_page(
                continuation_token=sdk_token
            )
            page = list(next(pages, []))
            return [audit_from_entity(e) for e in page], encode_token(pages.continuation_token)

        try:
            return self._call("cannot read the audit trail", read)
        except StoreError as e:
            if isinstance(e.__cause__, ResourceNotFoundError):
                return [], None
            raise


CONTACT_FIELDS = ("email", "phone", "emails", "phones", "invalid")
"""The lead properties an erasure matches on (``emails``/``phones`` are JSON lists; ``invalid`` may hold a raw email cell)."""


def audit_from_entity(e: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"id": e["RowKey"]}
    for k, v in e.items():
        if k in ("PartitionKey", "RowKey"):
            continue
        if isinstance(v, datetime):
            out[k] = v.astimezone(UTC).isoformat()
        elif isinstance(v, str) and v[:1] in "[{":
            try:
                out[k] = json.loads(v)
            except ValueError:
                out[k] = v
        else:
            out[k] = v
    return out


def removal_from_entity(e: Mapping[str, Any]) -> dict[str, Any]:
    """A removal as the API serves it: which lead of which sheet, why and when; nothing personal."""
    at = e.get("removed_at")
    return {
        "sheet_id": e["PartitionKey"],
        "id": e["RowKey"],
        "reason": e.get("reason") or "erased",
        "removed_at": at.astimezone(UTC).isoformat() if isinstance(at, datetime) else None,
    }


class LeadPage(NamedTuple):
    """A page of leads as the API serves them; ``continuation`` is None on the last page."""

    items: list[dict[str, Any]]
    continuation: str | None
    watermark: str | None


class LeaseGrant:
    """The answer of ``acquire_lease``: true when taken; ``replaced`` is an expired lease of a run that never finished."""

    __slots__ = ("acquired", "replaced")

    def __init__(self, acquired: bool, replaced: Lease | None = None) -> None:
        self.acquired, self.replaced = acquired, replaced

    def __bool__(self) -> bool:
        return self.acquired


def _sdk_token(state: Mapping[str, Any] | None) -> Any:
    """The storage SDK's own continuation inside one of our tokens (None to start a partition)."""
    return {k: v for k, v in (state or {}).items() if k in ("PartitionKey", "RowKey")} or None


def _resume_at(parts: Sequence[str], state: Mapping[str, Any] | None) -> tuple[int, bool]:
    """
    Where a walk over the sorted partitions ``parts`` goes on: the index of the partition its
    token names (``s``), and whether that partition is still in the list (else the walk starts
    the next one). Tokens name a sheet, not a position, so a sheet added to or removed from the
    configuration during a walk neither skips nor repeats a partition.
    """
    if state is None:
        return 0, True
    at = state.get("s")
    if not at:
        raise ValueError(TOKEN_ERROR)
    index = bisect.bisect_left(parts, at)
    return index, index < len(parts) and parts[index] == at


def _walk(
    table: Any,
    parts: Sequence[str],
    index: int,
    sdk_token: Any,
    query: str,
    params: dict[str, Any],
    page_size: int,
    watermark: str,
    convert: Callable[[Any], dict[str, Any]],
) -> LeadPage:
    """
    One page of ``table`` read partition after partition from ``parts[index]`` (``query`` with
    ``@pk``), filled across storage pages and partitions: a page is empty only at the end.
    """
    items: list[dict[str, Any]] = []
    i, cont = index, sdk_token
    while i < len(parts) and len(items) < page_size:
        pages: Any = table.query_entities(query, parameters=params | {"pk": parts[i]}, results_per_page=page_size - len(items)).by_page(
            continuation_token=cont
        )
        items += [convert(e) for e in next(pages, [])]
        cont = pages.continuation_token
        if not cont:
            i, cont = i + 1, None
    more = i < len(parts)
    return LeadPage(items, encode_token(dict(cont or {}) | {"s": parts[i], "w": watermark}) if more else None, watermark)


def odata_filter(f: LeadFilter) -> tuple[list[str], dict[str, Any]]:
    """The parts of ``f`` Table Storage evaluates itself (stored properties, within the partition)."""
    clauses: list[str] = [LEADS_ONLY]  # never the outbox's rows
    params: dict[str, Any] = {}
    if f.deleted is not None:
        clauses.append("deleted eq @deleted")
        params["deleted"] = f.deleted
    elif not f.include_deleted:
        clauses.append("deleted eq false")
    for name in ("status", "source", "campaign"):
        value = getattr(f, name)
        if value is not None:
            clauses.append(f"{name} eq @{name}")
            params[name] = value
    if f.updated_from is not None:
        clauses.append("updated_at ge @updated_from")
        params["updated_from"] = f.updated_from
    if f.updated_to is not None:
        clauses.append("updated_at lt @updated_to")
        params["updated_to"] = f.updated_to
    if f.changed_since is not None:
        clauses.append("Timestamp ge @since")
        params["since"] = f.changed_since
    return clauses, params


@contextmanager
def storage_errors(what: str) -> Iterator[None]:
    """Map the SDK's errors to ``StoreError("<what>: <first line>")``, keeping the cause."""
    try:
        yield
    except StoreError:
        raise
    except AzureError as e:
        raise StoreError(f"{what}: {_short(e)}") from e


def table_missing(e: BaseException | None) -> bool:
    """
    Whether the SDK's error says the table itself does not exist (not only the entity): a 404
    ``TableNotFound``, also from a transaction (``TableTransactionError`` is no ``ResourceNotFoundError``).
    """
    if not isinstance(e, ResourceNotFoundError | TableTransactionError):
        return False
    return "TableNotFound" in (getattr(e, "error_code", None) or "") or "table specified does not exist" in str(e)


_table_missing = table_missing


def _plain_time(value: Any) -> Any:
    """A datetime read from storage as a plain ``datetime`` (the same instant); anything else as is."""
    if isinstance(value, datetime) and type(value) is not datetime:
        return datetime(
            value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond, value.tzinfo, fold=value.fold
        )
    return value


EXACT_FROM = 2_000
"""Characters of an entity from which its size is counted exactly (its JSON) instead of bounded."""


def _entity_size(entity: Mapping[str, Any]) -> int:
    """
    An upper bound of the bytes an entity takes in a transaction's payload, cheap for the usual
    entity: under ``EXACT_FROM`` characters of names and values, each character is counted as 12
    bytes (the most one takes, an emoji escaped in JSON), anything but text by its text; a longer
    entity is measured exactly by its JSON, as before. A bound only ever closes a batch earlier.
    """
    chars = 0
    for k, v in entity.items():
        # + 1 a property: its quotes, colon and comma (8 bytes at most) count as 12
        chars += len(k) + (len(v) if isinstance(v, str) else len(str(v)) + 2) + 1
    if chars < EXACT_FROM:
        return 12 * chars + 402
    return len(json.dumps(entity, default=str).encode()) + 400


Op = tuple[str, dict[str, Any], dict[str, Any], str]
"""A write and the kind of its event: (operation, entity, options, ``shared.core.events.KINDS`` member)."""


def _batches(ops: Iterable[Op], limit: int = MAX_BATCH) -> Iterator[list[Op]]:
    batch: list[Op] = []
    size = 0
    for op in ops:
        n = _entity_size(op[1]) + len(op[1]["RowKey"]) + 12  # and its line in the outbox entity
        if batch and (len(batch) >= limit or size + n > MAX_BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(op)
        size += n
    if batch:
        yield batch


def _short(e: Exception) -> str:
    text = str(e).strip().splitlines()
    return text[0][:300] if text else type(e).__name__
