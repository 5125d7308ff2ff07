"""
How Lead Sync's values become Table Storage entities and back (pure: no client, no I/O).

Every storage convention lives here and nowhere else:

- Table Storage counts strings in UTF-16: a string property holds at most 64 KiB (32,768 code
  units; an emoji is two), an entity at most 1 MiB. Long strings are split over ``name``,
  ``name_2``, ... (``put_text`` / ``get_text``) by UTF-16 units, never inside a surrogate pair.
- Lists and dicts are JSON in ``<name>_json`` columns (split the same way when long).
- ``None`` is stored as an empty string (or ``-1`` for the header row), since a MERGE cannot
  remove a property.
- Leads: PartitionKey = sheet id, RowKey = lead key; one property per canonical field,
  ``extra``/``invalid`` as JSON, ``fp`` (fingerprint), ``ck`` (the content key when the lead
  kept an older id), ``deleted``/``deleted_at``, ``first_seen``, ``updated_at``, ``row``,
  ``duplicate_of``, ``truncated`` (columns cut to fit).
- Sync state: PartitionKey = "sheet", RowKey = sheet id (``SheetState``).
- Run history: PartitionKey = sheet id, RowKey = inverted start time (newest first).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from ..core.fit import cost, utf16_units
from ..core.identity import KeyedLead, signatures
from ..core.models import CANONICAL_FIELDS
from ..core.state import Approval, ApprovalRecord, BlockedChange, Lease, RunSummary, SheetState

STATE_PK = "sheet"
CHUNK_UNITS = 30_000
"""UTF-16 code units per string property: under the 32,768 (64 KiB) limit."""
MAX_TOKEN_CHARS = 4096
"""A continuation token is two keys of at most 1 KiB each, base64 encoded: longer is forged."""
MAX_MESSAGES = 25
MAX_MESSAGE_CHARS = 1000
MAX_MAPPING_BYTES = 300_000
"""A state's column list costing more (``core.fit.cost``: thousands of long headers) keeps its mapped columns only."""
TOKEN_ERROR = "invalid continuation token: pass back the continuation of the previous page unchanged"


def split_utf16(text: str, units: int = CHUNK_UNITS) -> list[str]:
    """``text`` in pieces of at most ``units`` UTF-16 code units, never splitting a surrogate pair."""
    if len(text) * 2 <= units:
        return [text]
    raw = text.encode("utf-16-le")
    out: list[str] = []
    start = 0
    while start < len(raw):
        end = min(start + units * 2, len(raw))
        if end < len(raw) and 0xD8 <= raw[end - 1] <= 0xDB:  # a high surrogate's second byte: keep the pair whole
            end -= 2
        out.append(raw[start:end].decode("utf-16-le"))
        start = end
    return out


def put_text(e: dict[str, Any], name: str, text: str) -> None:
    """Store a string, split over ``name``, ``name_2``... when it passes the property limit."""
    for n, part in enumerate(split_utf16(text), start=1):
        e[name if n == 1 else f"{name}_{n}"] = part


def get_text(e: Mapping[str, Any], name: str) -> str | None:
    """Read a string written by ``put_text``."""
    first = e.get(name)
    if not first:
        return None
    parts = [first]
    n = 2
    while f"{name}_{n}" in e:
        parts.append(e[f"{name}_{n}"])
        n += 1
    return "".join(parts)


def entity_bytes(e: Mapping[str, Any]) -> int:
    """An entity's size as Table Storage counts it (4 + keys + per property 8 + name + value)."""
    size = 4 + 2 * (utf16_units(str(e.get("PartitionKey", ""))) + utf16_units(str(e.get("RowKey", ""))))
    for k, v in e.items():
        if k in ("PartitionKey", "RowKey"):
            continue
        size += 8 + 2 * len(k)
        size += 4 + 2 * utf16_units(v) if isinstance(v, str) else 8
    return size


# leads


def encode_token(token: Any, extra: Mapping[str, str] | None = None) -> str | None:
    if not token:
        return None
    payload = dict(token) | dict(extra or {})
    return base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_token(text: str | None, extra_keys: Iterable[str] = ()) -> Any:
    """A continuation token back as the SDK's dict (plus any of ``extra_keys``); ValueError if forged."""
    if not text:
        return None
    if len(text) > MAX_TOKEN_CHARS:
        raise ValueError(TOKEN_ERROR)
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        value = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as e:
        raise ValueError(TOKEN_ERROR) from e
    allowed = {"PartitionKey", "RowKey", *extra_keys}
    # The SDK's tokens are flat: {"PartitionKey": str, "RowKey": str} (either may be absent).
    if (
        not isinstance(value, dict)
        or not value
        or not all(k in allowed and isinstance(v, str | None) and len(v or "") <= 1024 for k, v in value.items())
    ):
        raise ValueError(TOKEN_ERROR)
    return value


def lead_entity(
    sheet_id: str, customer: str, lead: KeyedLead, now: datetime, first_seen: Any, truncated: Iterable[str] = ()
) -> dict[str, Any]:
    """The Table entity of one lead (written whole, in REPLACE mode)."""
    e: dict[str, Any] = {
        "PartitionKey": sheet_id,
        "RowKey": lead.key,
        "sheet_id": sheet_id,
        "customer": customer,
        "fp": lead.fingerprint,
        "deleted": False,
        "first_seen": first_seen or now,
        "updated_at": now,
        "row": lead.lead.row + 1,
    }
    if lead.content_key and lead.content_key != lead.key:
        e["ck"] = lead.content_key
    sigs = signatures(lead.lead)
    if sigs:
        e["sig"] = ",".join(sigs)
    if lead.duplicate_of:
        e["duplicate_of"] = lead.duplicate_of
    for k, v in lead.lead.fields.items():
        put_text(e, k, v)
    if lead.lead.extra:
        put_text(e, "extra", json.dumps(lead.lead.extra, ensure_ascii=False, separators=(",", ":")))
    if lead.lead.invalid:
        put_text(e, "invalid", json.dumps(lead.lead.invalid, ensure_ascii=False, separators=(",", ":")))
    cut = sorted(truncated)
    if cut:
        put_text(e, "truncated", json.dumps(cut, ensure_ascii=False))
    return e


def entity_to_lead(e: Mapping[str, Any]) -> dict[str, Any]:
    """A stored lead as the API serves it."""
    extra_text = get_text(e, "extra")
    invalid_text = get_text(e, "invalid")
    truncated_text = get_text(e, "truncated")
    out: dict[str, Any] = {
        "id": e["RowKey"],
        "sheet_id": e.get("sheet_id") or e["PartitionKey"],
        "customer": e.get("customer"),
    }
    for f in CANONICAL_FIELDS:
        out[f] = get_text(e, f)
    for f in ("phones", "emails"):  # further contact columns; absent on older entities
        listed = get_text(e, f)
        if listed:
            out[f] = json.loads(listed)
    out["extra"] = json.loads(extra_text) if extra_text else {}
    out["invalid"] = json.loads(invalid_text) if invalid_text else {}
    out["row"] = e.get("row")
    out["duplicate_of"] = e.get("duplicate_of")
    out["deleted"] = bool(e.get("deleted"))
    for k in ("deleted_at", "first_seen", "updated_at"):
        out[k] = _served_time(e.get(k))
    out["created_at"] = _served_created(out["created_at"])
    if truncated_text:
        out["truncated"] = json.loads(truncated_text)
    stamp = getattr(e, "metadata", {}).get("timestamp")
    out["changed_at"] = stamp.isoformat() if isinstance(stamp, datetime) else None
    return out


def _served_time(v: Any) -> str | None:
    """A stored time as the API serves it: ISO 8601 with its offset (UTC), or None."""
    if isinstance(v, datetime):
        return (v if v.tzinfo else v.replace(tzinfo=UTC)).isoformat()
    when = _when(v)
    return when.isoformat() if when else None


def _served_created(v: str | None) -> str | None:
    """A sheet's created_at: a date stays a date; a date-time without a zone is read as UTC."""
    if not v or len(v) <= 10:
        return v
    try:
        when = datetime.fromisoformat(v.replace("Z", "+00:00"))
    except ValueError:
        return v
    return v if when.tzinfo else when.replace(tzinfo=UTC).isoformat()


# sync state


def _when(v: Any) -> datetime | None:
    if isinstance(v, datetime):
        return v.astimezone(UTC)
    if isinstance(v, str) and v:
        try:
            parsed = datetime.fromisoformat(v)
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _json(e: Mapping[str, Any], name: str) -> Any:
    text = get_text(e, f"{name}_json")
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


LONG_JSON = frozenset({"messages", "mapping", "recent_runs", "approvals", "high_water", "blocked"})
"""State properties that may pass one property's limit and are split (at most ``MAX_JSON_PARTS``)."""
MAX_JSON_PARTS = 6


def _put_json(e: dict[str, Any], name: str, value: Any) -> None:
    text = json.dumps(value, ensure_ascii=False, default=str)
    parts = split_utf16(text)
    if name not in LONG_JSON and len(parts) > 1 or len(parts) > MAX_JSON_PARTS:
        raise ValueError(f"state property {name} is larger than its cap")  # a bug in a cap, not data
    for n, part in enumerate(parts, start=1):
        e[f"{name}_json" if n == 1 else f"{name}_json_{n}"] = part
    if name in LONG_JSON:
        # MERGE keeps properties it is not sent: blank the parts a longer value left before.
        for n in range(len(parts) + 1, MAX_JSON_PARTS + 1):
            e[f"{name}_json_{n}"] = ""


def _run(d: Mapping[str, Any]) -> RunSummary | None:
    started = _when(d.get("started_at"))
    if started is None:
        return None
    return RunSummary(
        started_at=started,
        status=str(d.get("status") or ""),
        duration_ms=int(d.get("duration_ms") or 0),
        counts={k: int(v) for k, v in (d.get("counts") or {}).items() if isinstance(v, int | float)},
        reason_codes=tuple(str(c) for c in d.get("reason_codes") or ()),
        run_id=str(d.get("run_id") or ""),
        trigger=str(d.get("trigger") or ""),
    )


def _cap_messages(messages: Iterable[str]) -> list[str]:
    items = [m if len(m) <= MAX_MESSAGE_CHARS else m[: MAX_MESSAGE_CHARS - 20] + " … (shortened)" for m in messages]
    if len(items) > MAX_MESSAGES:
        items = items[: MAX_MESSAGES - 1] + [f"… and {len(items) - MAX_MESSAGES + 1} more messages"]
    return items


def _cap_mapping(mapping: tuple[tuple[int, str, str | None], ...]) -> list[list[Any]]:
    cols = [[i, name[:2000], f] for i, name, f in mapping]
    if cost(json.dumps(cols, ensure_ascii=False)) > MAX_MAPPING_BYTES:
        cols = [c for c in cols if c[2]]  # thousands of extra columns: keep what drift and stability need
    return cols


STATE_FIELDS = (
    "customer",
    "status",
    "messages",
    "reason_codes",
    "last_run_at",
    "last_success_at",
    "counts",
    "header_row",
    "header_strategy",
    "guard",
    "baseline",
    "leads_customer",
    "mapping",
    "header_fp",
    "set_fp",
    "full_check_at",
    "recent_runs",
    "blocked",
    "approval",
    "approvals",
    "high_water",
    "skipped_runs",
    "check_from",
)
"""What ``save_state`` may write; the lease is written only by the lease methods."""
STATE_JSON = frozenset(
    {"messages", "reason_codes", "counts", "guard", "mapping", "recent_runs", "blocked", "approval", "approvals", "high_water"}
)
"""State fields stored as JSON text (``<name>_json``, long ones split over ``_json_2``...)."""


def state_columns(fields: Iterable[str]) -> list[str]:
    """
    The stored properties that hold ``fields`` of a state (``lease`` for the lease), for a query
    that selects only those: a projection read decodes nothing else. A JSON field's first part
    only: the rare value split over more parts (``may_continue``) is read again whole.
    """
    out = ["RowKey"]
    for name in fields:
        if name == "lease":
            out += ["lease_owner", "lease_until"]
        elif name in STATE_JSON:
            out.append(f"{name}_json")
        elif name in STATE_FIELDS:
            out.append(name)
        else:
            raise ValueError(f"not a state field: {name}")
    return list(dict.fromkeys(out))


def may_continue(e: Mapping[str, Any]) -> bool:
    """
    Whether a projected entity holds a JSON first part that may continue in ``_json_2``...: only
    a text that filled its part (``CHUNK_UNITS``, less one for a surrogate pair kept whole) was
    split, and such a text is at least ``CHUNK_UNITS // 2`` characters long.
    """
    return any(k.endswith("_json") and isinstance(v, str) and len(v) * 2 >= CHUNK_UNITS - 1 for k, v in e.items())


def state_to_entity(state: SheetState, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The state entity's properties for ``fields`` (default: all but the lease)."""
    e: dict[str, Any] = {"PartitionKey": STATE_PK, "RowKey": state.sheet_id}
    for name in STATE_FIELDS if fields is None else fields:
        v = getattr(state, name)
        if name == "messages":
            _put_json(e, name, _cap_messages(v))
        elif name in ("reason_codes",):
            _put_json(e, name, list(dict.fromkeys(v))[:100])
        elif name == "counts":
            _put_json(e, name, dict(v))
        elif name == "guard":
            _put_json(e, name, dict(v or {}))
        elif name == "mapping":
            _put_json(e, name, _cap_mapping(v))
        elif name == "recent_runs":
            _put_json(e, name, [r.to_dict() for r in v])
        elif name in ("blocked", "approval"):
            if v is None:
                _put_json(e, name, None)
            elif isinstance(v, BlockedChange):
                _put_json(e, name, v.to_dict() | {"reason": v.reason[:500], "preview": [dict(p) for p in v.preview[:20]]})
            else:
                _put_json(
                    e,
                    name,
                    {
                        "change_id": v.change_id,
                        "at": v.at.isoformat(),
                        "by": v.by[:100],
                        "reason": v.reason[:300],
                        "confirm_empty": v.confirm_empty,
                    },
                )
        elif name == "approvals":
            _put_json(e, name, [a.to_dict() | {"by": a.by[:100], "reason": a.reason[:300]} for a in v[-20:]])
        elif name == "high_water":
            _put_json(e, name, [[at.isoformat(), n] for at, n in v])
        elif name == "header_row":
            e[name] = -1 if v is None else v
        elif v is None:
            e[name] = ""
        else:
            e[name] = v
    return e


def state_from_entity(e: Mapping[str, Any]) -> SheetState:
    """A stored state entity back as ``SheetState`` (older entities read too: unknown is default;
    so does a projection, ``state_columns``: the fields not selected keep their defaults).

    An entity that cannot be read (edited by hand, corrupted) is a state that says so, never an
    exception: health shows that sheet ERROR and the next sync rewrites it; the guard then
    compares with the stored leads, as when state is lost."""
    try:
        return _state_from_entity(e)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError):
        return SheetState(
            str(e.get("RowKey") or ""),
            status="ERROR",
            messages=("the stored sync state could not be read; the next sync rewrites it",),
            reason_codes=("store",),
        )


def _state_from_entity(e: Mapping[str, Any]) -> SheetState:

    def text(name: str) -> str | None:
        v = e.get(name)
        return v if isinstance(v, str) and v else None

    def number(name: str) -> int | None:
        v = e.get(name)
        return int(v) if isinstance(v, int | float) and not isinstance(v, bool) else None

    blocked = _json(e, "blocked")
    approval = _json(e, "approval")
    lease_owner = text("lease_owner")
    lease_until = _when(e.get("lease_until"))
    header_row = number("header_row")
    return SheetState(
        sheet_id=e["RowKey"],
        customer=text("customer"),
        status=text("status"),
        messages=tuple(_json(e, "messages") or ()),
        reason_codes=tuple(_json(e, "reason_codes") or ()),
        last_run_at=_when(e.get("last_run_at")),
        last_success_at=_when(e.get("last_success_at")),
        counts=_json(e, "counts") or {},
        header_row=None if header_row is None or header_row < 0 else header_row,
        header_strategy=text("header_strategy"),
        guard=_json(e, "guard") or None,
        baseline=number("baseline"),
        leads_customer=text("leads_customer"),
        mapping=tuple((int(c[0]), str(c[1]), c[2]) for c in _json(e, "mapping") or ()),
        header_fp=text("header_fp"),
        set_fp=text("set_fp"),
        full_check_at=_when(e.get("full_check_at")),
        recent_runs=tuple(r for r in (_run(d) for d in _json(e, "recent_runs") or ()) if r is not None),
        lease=Lease(lease_owner, lease_until) if lease_owner and lease_until else None,
        blocked=BlockedChange(
            id=str(blocked["id"]),
            kind=str(blocked["kind"]),
            count=int(blocked["count"]),
            at=_when(blocked["at"]) or datetime.min.replace(tzinfo=UTC),
            reason=str(blocked.get("reason") or ""),
            preview=tuple(blocked.get("preview") or ()),
        )
        if isinstance(blocked, dict) and blocked.get("id")
        else None,
        approval=Approval(
            change_id=str(approval["change_id"]),
            at=_when(approval["at"]) or datetime.min.replace(tzinfo=UTC),
            by=str(approval.get("by") or ""),
            reason=str(approval.get("reason") or ""),
            confirm_empty=bool(approval.get("confirm_empty")),
        )
        if isinstance(approval, dict) and approval.get("change_id")
        else None,
        approvals=tuple(
            ApprovalRecord(
                change_id=str(a["change_id"]),
                kind=str(a["kind"]),
                count=int(a["count"]),
                approved_at=_when(a["approved_at"]) or datetime.min.replace(tzinfo=UTC),
                by=str(a.get("by") or ""),
                reason=str(a.get("reason") or ""),
                outcome=str(a.get("outcome") or ""),
                decided_at=_when(a.get("decided_at")) or datetime.min.replace(tzinfo=UTC),
            )
            for a in _json(e, "approvals") or ()
        ),
        high_water=tuple((at, int(n)) for at, n in ((_when(a), n) for a, n in _json(e, "high_water") or ()) if at is not None),
        skipped_runs=number("skipped_runs") or 0,
        check_from=text("check_from") or "",
    )


def run_entity(sheet_id: str, run: RunSummary) -> dict[str, Any]:
    inverted = 10**13 - int(run.started_at.timestamp() * 1000)
    e: dict[str, Any] = {"PartitionKey": sheet_id, "RowKey": f"{inverted:013d}-{run.run_id[:8]}"}
    e.update(
        {
            "run_id": run.run_id,
            "started_at": run.started_at,
            "duration_ms": run.duration_ms,
            "status": run.status,
            "trigger": run.trigger,
        }
    )
    e["counts_json"] = json.dumps(dict(run.counts))
    e["reason_codes_json"] = json.dumps(list(dict.fromkeys(run.reason_codes))[:100])
    return e


def run_from_entity(e: Mapping[str, Any]) -> RunSummary | None:
    return _run(
        {
            "started_at": e.get("started_at"),
            "status": e.get("status"),
            "duration_ms": e.get("duration_ms"),
            "counts": _json(e, "counts") or {},
            "reason_codes": _json(e, "reason_codes") or [],
            "run_id": e.get("run_id"),
            "trigger": e.get("trigger"),
        }
    )


def inverted_time(when: datetime) -> str:
    return f"{10**13 - int(when.timestamp() * 1000):013d}"
