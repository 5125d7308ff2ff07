"""
Azure Table Storage store (azure-data-tables), tested against Azurite.

Tables:

- ``leads``: PartitionKey = sheet id, RowKey = lead key (``shared.core.identity``). One property
  per canonical field, ``extra`` (JSON, split over ``extra``, ``extra_2``... to stay under the
  64 KiB string limit), ``invalid`` (JSON), ``fp`` (content fingerprint), ``deleted`` /
  ``deleted_at`` (soft delete), ``first_seen``, ``updated_at``, ``row``, ``duplicate_of``.
- ``syncstate``: PartitionKey = "sheet", RowKey = sheet id: status, messages, counts, mapping of
  the last successful sync, approval flag and the lease.
- ``syncruns``: PartitionKey = sheet id, RowKey = inverted time (newest first): run history.

Writes go in transactions of at most 100 operations and well under 4 MiB (one partition per
sheet). Transient failures (5xx, timeouts) are retried by the SDK's retry policy, given jitter
here (``JitteredRetryPolicy``), with exponential backoff; idempotent writes are retried on
timeouts too; what outlives the retries raises ``StoreError``.
"""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import (
    AzureError,
    HttpResponseError,
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
)
from azure.data.tables import TableServiceClient, TableTransactionError, UpdateMode
from azure.data.tables._policies import TablesRetryPolicy

from ..config import SheetConfig
from ..core.identity import KeyedLead
from ..core.models import CANONICAL_FIELDS
from ..core.plan import StoredLead
from ..errors import StoreError

MAX_BATCH = 100
"""Entity group transactions take at most 100 operations."""
MAX_BATCH_BYTES = 3_500_000
"""A transaction's payload must stay under 4 MiB; leave room for the multipart envelope."""
CHUNK_CHARS = 30_000
"""A string property holds at most 64 KiB of UTF-16, i.e. 32K characters."""
STATE_PK = "sheet"
IDEMPOTENT: dict[str, Any] = {"retry_on_methods": ["HEAD", "GET", "PUT", "DELETE", "OPTIONS", "TRACE", "POST", "PATCH", "MERGE"]}
"""azure-core retries a timed-out POST or PATCH only when told to; upserts and merges of whole
entities (and batches of them) give the same result when sent twice, so they are retried."""
_INDEX_SELECT = ["RowKey", "fp", "deleted", "first_seen"]


class JitteredRetryPolicy(TablesRetryPolicy):
    """
    The SDK's retry policy with full jitter on its exponential backoff.

    azure-core backs off 0.5, 1, 2, 4 s exactly; several instances retrying against the same
    account would retry in step. Each wait is drawn uniformly from [backoff / 2, backoff].
    """

    def get_backoff_time(self, settings: dict[str, Any]) -> float:
        backoff = float(super().get_backoff_time(settings))
        return random.uniform(backoff / 2, backoff) if backoff > 0 else 0.0


class _TableService(TableServiceClient):
    """TableServiceClient whose pipeline (shared by its table clients) retries with jitter."""

    def _configure_policies(self, **kwargs: Any) -> list[Any]:
        policies = super()._configure_policies(**kwargs)
        return [JitteredRetryPolicy(**kwargs) if type(p) is TablesRetryPolicy else p for p in policies]


def _client_kwargs() -> dict[str, Any]:
    return {
        "connection_timeout": 5,
        "read_timeout": 30,
        "retry_total": 4,
        "retry_backoff_factor": 0.5,
        "retry_backoff_max": 8,
    }


def encode_token(token: Any) -> str | None:
    if not token:
        return None
    return base64.urlsafe_b64encode(json.dumps(token, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_token(text: str | None) -> Any:
    if not text:
        return None
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as e:
        raise ValueError("invalid continuation token") from e
    if not isinstance(value, dict):
        raise ValueError("invalid continuation token")
    return value


def lead_entity(sheet: SheetConfig, lead: KeyedLead, now: datetime, first_seen: Any) -> dict[str, Any]:
    """The Table entity of one lead (written whole, in REPLACE mode)."""
    e: dict[str, Any] = {
        "PartitionKey": sheet.id,
        "RowKey": lead.key,
        "sheet_id": sheet.id,
        "customer": sheet.customer,
        "fp": lead.fingerprint,
        "deleted": False,
        "first_seen": first_seen or now,
        "updated_at": now,
        "row": lead.lead.row + 1,
    }
    if lead.duplicate_of:
        e["duplicate_of"] = lead.duplicate_of
    for k, v in lead.lead.fields.items():
        _put(e, k, v)
    if lead.lead.extra:
        _put(e, "extra", json.dumps(lead.lead.extra, ensure_ascii=False, separators=(",", ":")))
    if lead.lead.invalid:
        _put(e, "invalid", json.dumps(lead.lead.invalid, ensure_ascii=False, separators=(",", ":")))
    return e


def _put(e: dict[str, Any], name: str, text: str) -> None:
    """Store a string, split over ``name``, ``name_2``... when it passes the property limit."""
    e[name] = text[:CHUNK_CHARS]
    for n, start in enumerate(range(CHUNK_CHARS, len(text), CHUNK_CHARS), start=2):
        e[f"{name}_{n}"] = text[start : start + CHUNK_CHARS]


def _get(e: dict[str, Any], name: str) -> str | None:
    """Read a string written by ``_put``."""
    first = e.get(name)
    if not first:
        return None
    parts = [first]
    n = 2
    while f"{name}_{n}" in e:
        parts.append(e[f"{name}_{n}"])
        n += 1
    return "".join(parts)


def entity_to_lead(e: dict[str, Any]) -> dict[str, Any]:
    """A stored lead as the API serves it."""
    extra_text = _get(e, "extra")
    invalid_text = _get(e, "invalid")
    out: dict[str, Any] = {
        "id": e["RowKey"],
        "sheet_id": e.get("sheet_id") or e["PartitionKey"],
        "customer": e.get("customer"),
    }
    for f in CANONICAL_FIELDS:
        out[f] = _get(e, f)
    for f in ("phones", "emails"):  # further contact columns; absent on older entities
        listed = _get(e, f)
        if listed:
            out[f] = json.loads(listed)
    out["extra"] = json.loads(extra_text) if extra_text else {}
    out["invalid"] = json.loads(invalid_text) if invalid_text else {}
    out["row"] = e.get("row")
    out["duplicate_of"] = e.get("duplicate_of")
    out["deleted"] = bool(e.get("deleted"))
    for k in ("deleted_at", "first_seen", "updated_at"):
        v = e.get(k)
        out[k] = v.isoformat() if isinstance(v, datetime) else v
    return out


def _state_from_entity(e: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in e.items():
        if k in ("PartitionKey", "RowKey"):
            continue
        if isinstance(v, datetime):
            out[k] = v.astimezone(UTC)
        elif isinstance(v, str) and k.endswith("_json"):
            out[k[:-5]] = json.loads(v) if v else None
        else:
            out[k] = v
    out["sheet_id"] = e["RowKey"]
    return out


def _state_to_entity(sheet_id: str, state: dict[str, Any]) -> dict[str, Any]:
    e: dict[str, Any] = {"PartitionKey": STATE_PK, "RowKey": sheet_id}
    for k, v in state.items():
        if k == "sheet_id":
            continue
        if isinstance(v, (dict, list)):
            e[f"{k}_json"] = json.dumps(v, ensure_ascii=False, default=str)
        elif v is None:
            e[k] = ""
        else:
            e[k] = v
    return e


class TableLeadStore:
    """``LeadStore`` on Azure Table Storage (or Azurite)."""

    def __init__(
        self,
        connection_string: str,
        leads_table: str = "leads",
        state_table: str = "syncstate",
        runs_table: str = "syncruns",
        **client_kwargs: Any,
    ) -> None:
        kwargs = _client_kwargs() | client_kwargs
        try:
            self.service = _TableService.from_connection_string(connection_string, **kwargs)
        except (ValueError, AzureError) as e:
            raise StoreError(f"invalid storage connection string: {e}") from e
        self.names = (leads_table, state_table, runs_table)
        self.leads = self.service.get_table_client(leads_table)
        self.state = self.service.get_table_client(state_table)
        self.runs = self.service.get_table_client(runs_table)
        self._ready = False

    def ensure_tables(self) -> None:
        if self._ready:
            return
        try:
            for name in self.names:
                self.service.create_table_if_not_exists(name)
        except AzureError as e:
            raise StoreError(f"cannot reach Table Storage: {_short(e)}") from e
        self._ready = True

    # leads

    def load_index(self, sheet_id: str) -> dict[str, StoredLead]:
        self.ensure_tables()
        index: dict[str, StoredLead] = {}
        try:
            for e in self.leads.query_entities(
                "PartitionKey eq @pk", parameters={"pk": sheet_id}, select=_INDEX_SELECT, results_per_page=1000
            ):
                index[e["RowKey"]] = StoredLead(e["RowKey"], e.get("fp") or "", bool(e.get("deleted")), e.get("first_seen"))
        except AzureError as e:
            raise StoreError(f"cannot read stored leads: {_short(e)}") from e
        return index

    def write_leads(
        self, sheet: SheetConfig, leads: Iterable[KeyedLead], now: datetime, first_seen: dict[str, Any] | None = None
    ) -> int:
        seen = first_seen or {}
        ops = (
            ("upsert", lead_entity(sheet, lead, now, seen.get(lead.key)), {"mode": UpdateMode.REPLACE})
            for lead in leads
        )
        return self._submit(ops)

    def soft_delete(self, sheet_id: str, keys: Iterable[str], now: datetime) -> int:
        return self.merge_leads(sheet_id, keys, {"deleted": True, "deleted_at": now})

    def merge_leads(self, sheet_id: str, keys: Iterable[str], props: dict[str, Any]) -> int:
        """Set ``props`` on stored leads, keeping everything else (MERGE)."""
        ops = (
            ("upsert", {"PartitionKey": sheet_id, "RowKey": k, **props}, {"mode": UpdateMode.MERGE})
            for k in keys
        )
        return self._submit(ops)

    def _submit(self, ops: Iterable[tuple[str, dict[str, Any], dict[str, Any]]]) -> int:
        self.ensure_tables()
        written = 0
        for batch in _batches(ops):
            try:
                self.leads.submit_transaction(batch, **IDEMPOTENT)
            except TableTransactionError as e:
                raise StoreError(f"a batch of {len(batch)} writes was refused: {_short(e)}") from e
            except AzureError as e:
                raise StoreError(f"writing leads failed after retries: {_short(e)}") from e
            written += len(batch)
        return written

    def list_leads(
        self,
        *,
        sheet_id: str | None = None,
        customer: str | None = None,
        include_deleted: bool = False,
        page_size: int = 100,
        token: str | None = None,
        updated_since: datetime | None = None,
    ) -> tuple[list[dict[str, Any]], str | None]:
        self.ensure_tables()
        clauses: list[str] = []
        params: dict[str, Any] = {}
        if sheet_id:
            clauses.append("PartitionKey eq @pk")
            params["pk"] = sheet_id
        if customer:
            clauses.append("customer eq @customer")
            params["customer"] = customer
        if not include_deleted:
            clauses.append("deleted eq false")
        if updated_since is not None:
            # a soft delete also counts as an update, so an incremental reader sees it
            clauses.append("( updated_at ge @since or deleted_at ge @since )" if include_deleted else "updated_at ge @since")
            params["since"] = updated_since
        query = " and ".join(clauses) or "PartitionKey ne ''"
        try:
            pages: Any = self.leads.query_entities(query, parameters=params, results_per_page=page_size).by_page(
                continuation_token=decode_token(token)
            )
            page: Any = next(pages, [])
            items = [entity_to_lead(e) for e in page]
            return items, encode_token(pages.continuation_token)
        except AzureError as e:
            raise StoreError(f"cannot list leads: {_short(e)}") from e

    # state, lease, history

    def get_state(self, sheet_id: str) -> dict[str, Any] | None:
        self.ensure_tables()
        try:
            return _state_from_entity(self.state.get_entity(STATE_PK, sheet_id))
        except ResourceNotFoundError:
            return None
        except AzureError as e:
            raise StoreError(f"cannot read sync state: {_short(e)}") from e

    def save_state(self, sheet_id: str, state: dict[str, Any]) -> None:
        self.ensure_tables()
        try:
            self.state.upsert_entity(_state_to_entity(sheet_id, state), mode=UpdateMode.MERGE, **IDEMPOTENT)
        except AzureError as e:
            raise StoreError(f"cannot save sync state: {_short(e)}") from e

    def list_states(self) -> list[dict[str, Any]]:
        self.ensure_tables()
        try:
            return [
                _state_from_entity(e)
                for e in self.state.query_entities("PartitionKey eq @pk", parameters={"pk": STATE_PK})
            ]
        except AzureError as e:
            raise StoreError(f"cannot read sync states: {_short(e)}") from e

    def acquire_lease(self, sheet_id: str, owner: str, now: datetime, ttl_seconds: int) -> bool:
        """Take the sheet's lease unless another owner holds an unexpired one (ETag-guarded)."""
        self.ensure_tables()
        until = now + timedelta(seconds=ttl_seconds)
        lease = {"PartitionKey": STATE_PK, "RowKey": sheet_id, "lease_owner": owner, "lease_until": until}
        try:
            try:
                current = self.state.get_entity(STATE_PK, sheet_id)
            except ResourceNotFoundError:
                try:
                    self.state.create_entity(lease)
                    return True
                except ResourceExistsError:
                    return False
            held = current.get("lease_until")
            if current.get("lease_owner") and current.get("lease_owner") != owner and isinstance(held, datetime) and held > now:
                return False
            try:
                self.state.update_entity(
                    lease, mode=UpdateMode.MERGE, etag=current.metadata["etag"], match_condition=MatchConditions.IfNotModified
                )
            except (ResourceModifiedError, HttpResponseError) as e:
                if isinstance(e, ResourceModifiedError) or getattr(e, "status_code", None) == 412:
                    return False
                raise
            return True
        except AzureError as e:
            raise StoreError(f"cannot take the sheet lease: {_short(e)}") from e

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

    def add_run(self, sheet_id: str, run: dict[str, Any]) -> None:
        self.ensure_tables()
        started: datetime = run["started_at"]
        inverted = 10**13 - int(started.timestamp() * 1000)
        e = {"PartitionKey": sheet_id, "RowKey": f"{inverted:013d}-{run.get('run_id', '')[:8]}"}
        for k, v in run.items():
            e[f"{k}_json" if isinstance(v, (dict, list)) else k] = (
                json.dumps(v, default=str) if isinstance(v, (dict, list)) else v
            )
        try:
            self.runs.upsert_entity(e, mode=UpdateMode.MERGE, **IDEMPOTENT)
        except AzureError as err:
            raise StoreError(f"cannot record the run: {_short(err)}") from err

    def prune_runs(self, sheet_id: str, before: datetime) -> int:
        """Delete run history older than ``before`` (runs only: leads are never erased)."""
        self.ensure_tables()
        oldest_kept = f"{10**13 - int(before.timestamp() * 1000):013d}"
        try:
            old = [
                e["RowKey"]
                for e in self.runs.query_entities(
                    "PartitionKey eq @pk and RowKey gt @rk", parameters={"pk": sheet_id, "rk": oldest_kept}, select=["RowKey"]
                )
            ]
            for i in range(0, len(old), MAX_BATCH):
                self.runs.submit_transaction([("delete", {"PartitionKey": sheet_id, "RowKey": k}) for k in old[i : i + MAX_BATCH]])
        except AzureError as err:
            raise StoreError(f"cannot prune run history: {_short(err)}") from err
        return len(old)

    def list_runs(self, sheet_id: str, limit: int = 10) -> list[dict[str, Any]]:
        self.ensure_tables()
        out = []
        try:
            pages = self.runs.query_entities("PartitionKey eq @pk", parameters={"pk": sheet_id}, results_per_page=limit).by_page()
            for e in next(pages, []):
                out.append(_state_from_entity(e) | {"sheet_id": sheet_id})
        except AzureError as err:
            raise StoreError(f"cannot read run history: {_short(err)}") from err
        return out[:limit]


def _batches(ops: Iterable[tuple[str, dict[str, Any], dict[str, Any]]]) -> Iterator[list]:
    batch: list = []
    size = 0
    for op in ops:
        n = len(json.dumps(op[1], default=str).encode()) + 400
        if batch and (len(batch) >= MAX_BATCH or size + n > MAX_BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(op)
        size += n
    if batch:
        yield batch


def _short(e: Exception) -> str:
    text = str(e).strip().splitlines()
    return text[0][:300] if text else type(e).__name__
