"""
Lead change events: what the outbox records, how an event is named, and what a webhook carries.

Every write of leads also writes, in the same entity-group transaction, one outbox entity that
lists the ids and kinds of the leads it changed, and moves the sheet's sequence counter by as many
events (``shared.adapters.table_storage``): a change commits with its events or not at all. Events
of a sheet are numbered 1, 2, 3... in commit order, so a receiver that orders by ``sequence`` never
sees a lead's ``updated`` before its ``created``.

Events carry ids only (sheet, lead, customer, sequence): never a name, email or phone. A receiver
reads the lead itself from ``GET /api/leads/{sheet}/{id}``.

Pure: no I/O, clock or environment.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple
from urllib.parse import urlsplit

KINDS = ("created", "updated", "deleted", "restored", "erased", "purged")
EVENT_TYPES = tuple(f"lead.{k}" for k in KINDS)
"""The event types a subscription may ask for (``lead.<kind>``)."""

OUTBOX_PREFIX = "~evt~"
"""RowKey prefix of outbox entities in a sheet's leads partition (``~`` sorts after every lead id)."""
SEQUENCE_ROW = "~seq"
"""RowKey of the sheet's event counter, in the same partition."""
RESERVED = "~"
"""Lead ids never start with this: rows at or after it in a partition are the outbox's."""

RETRY_FOR = timedelta(hours=24)
"""How long a delivery is retried before it is dead-lettered."""
FIRST_RETRY = timedelta(seconds=5)
MAX_RETRY = timedelta(hours=1)
MAX_SECRET_BYTES = 64
MIN_SECRET_BYTES = 24
MAX_URL = 2048


def outbox_row(first_sequence: int) -> str:
    """The RowKey of the outbox entity whose first event has this sequence number (sorts by number)."""
    return f"{OUTBOX_PREFIX}{first_sequence:015d}"


def event_id(sheet_id: str, sequence: int) -> str:
    """The event's id, sent as ``webhook-id``: the same on every delivery attempt and replay of it."""
    digest = hashlib.blake2b(f"{sheet_id}\x1f{sequence}".encode(), digest_size=10).digest()
    return "evt_" + base64.b32encode(digest).decode().lower().rstrip("=")


@dataclass(frozen=True)
class Event:
    """One lead change, as the outbox records it."""

    sheet_id: str
    sequence: int
    lead_id: str
    kind: str
    at: datetime
    customer: str | None = None

    @property
    def id(self) -> str:
        return event_id(self.sheet_id, self.sequence)

    @property
    def type(self) -> str:
        return f"lead.{self.kind}"


class OutboxEntry(NamedTuple):
    """One outbox entity as read: its RowKey, its events (blanked ones left out) and its ETag."""

    row: str
    events: list[Event]
    etag: str | None


def encode_events(items: Sequence[tuple[str, str]]) -> str:
    """An outbox entity's list: ``kind:id`` a line (ids hold neither); ``-`` for an event blanked by an erasure."""
    return "\n".join(f"{KINDS.index(kind)}:{lead_id}" if lead_id else "-" for lead_id, kind in items)


def decode_events(sheet_id: str, first: int, text: str, at: datetime, customer: str | None) -> list[Event]:
    """The events of one outbox entity, numbered from ``first`` (blanked ones keep their number, unsent)."""
    out = []
    for i, line in enumerate(text.split("\n") if text else ()):
        code, _, lead_id = line.partition(":")
        if not lead_id:
            continue
        out.append(Event(sheet_id, first + i, lead_id, KINDS[int(code)], at, customer))
    return out


def payload(event: Event) -> dict[str, Any]:
    """
    The webhook body: Standard Webhooks' ``type``/``timestamp``/``data``, with CloudEvents'
    ``specversion``, ``id``, ``source``, ``subject`` and ``time`` beside them. Ids only.
    """
    time = event.at.isoformat().replace("+00:00", "Z")
    return {
        "specversion": "1.0",
        "id": event.id,
        "type": event.type,
        "source": f"/api/leads/{event.sheet_id}",
        "subject": event.lead_id,
        "time": time,
        "timestamp": time,
        "data": {"id": event.lead_id, "sheet_id": event.sheet_id, "customer": event.customer, "sequence": event.sequence},
    }


@dataclass(frozen=True)
class Subscription:
    """Where events go: ``customers`` empty means every customer; ``types`` empty means every type."""

    id: str
    url: str
    customers: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    disabled: bool = False

    def wants(self, event: Event) -> bool:
        if self.disabled:
            return False
        if self.types and event.type not in self.types:
            return False
        return not self.customers or (event.customer or "") in self.customers


def next_attempt(attempts: int, first_at: datetime, now: datetime, jitter: float) -> datetime | None:
    """
    When to try again after ``attempts`` failed attempts: exponential (5 s, 10 s, 20 s ... at most
    an hour), ``jitter`` (0 to 1, drawn by the caller) spreading it over the upper half; ``None``
    once 24 hours have passed since the first attempt (the delivery is dead-lettered).
    """
    if now - first_at >= RETRY_FOR:
        return None
    base = min(MAX_RETRY.total_seconds(), FIRST_RETRY.total_seconds() * 2 ** max(0, attempts - 1))
    delay = base / 2 + min(1.0, max(0.0, jitter)) * base / 2
    return min(now + timedelta(seconds=delay), first_at + RETRY_FOR)


# validation of what a subscriber gives (the web layer turns the messages into 400 problems)


def url_problem(url: str, allow_loopback: bool = False) -> str | None:
    """Why ``url`` cannot receive webhooks (parsed only; the sender checks resolved addresses), or None."""
    if len(url) > MAX_URL:
        return f"url is longer than {MAX_URL} characters"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "url is not a valid URL"
    host = parts.hostname or ""
    if not host:
        return "url has no host"
    if parts.username or parts.password:
        return "url must not carry a user name or password"
    if parts.fragment:
        return "url must not have a fragment"
    literal = address_of(host)
    loopback = host == "localhost" or host.endswith(".localhost") or (literal is not None and literal.is_loopback)
    if parts.scheme != "https" and not (allow_loopback and loopback and parts.scheme == "http"):
        return "url must use https"
    if loopback:
        return None if allow_loopback else "url points at this machine (loopback)"
    if literal is not None and (reason := address_problem(literal)):
        return f"url {reason}"
    if port == 0:
        return "url has port 0"
    return None


def address_of(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def address_problem(addr: ipaddress.IPv4Address | ipaddress.IPv6Address, allow_loopback: bool = False) -> str | None:
    """Why a webhook may not be sent to this address (private, loopback, link-local...), or None."""
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return address_problem(addr.ipv4_mapped, allow_loopback)
    if addr.is_loopback:
        return None if allow_loopback else "points at a loopback address"
    if addr.is_link_local:
        return "points at a link-local address (cloud metadata lives there)"
    if addr.is_private or addr.is_reserved or addr.is_multicast or addr.is_unspecified or not addr.is_global:
        return "points at a private or reserved address"
    return None


def secret_problem(secret: str) -> str | None:
    """Why ``secret`` cannot sign webhooks, or None: ``whsec_`` and base64 of 24 to 64 bytes."""
    if len(secret) > 200:
        return "secret is too long: whsec_ and base64 of at most 64 bytes"
    body = secret.removeprefix("whsec_")
    try:
        raw = base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
    except ValueError:
        return "secret must be whsec_ followed by base64"
    if not MIN_SECRET_BYTES <= len(raw) <= MAX_SECRET_BYTES:
        return f"secret must hold {MIN_SECRET_BYTES} to {MAX_SECRET_BYTES} random bytes (it holds {len(raw)})"
    return None


def kinds_of(types: Iterable[str]) -> tuple[str, ...]:
    """The subscription's event types, checked and in a fixed order; ValueError names an unknown one."""
    wanted = set(types)
    unknown = sorted(wanted - set(EVENT_TYPES))
    if unknown:
        raise ValueError(f"unknown event type {unknown[0]!r}: use one of {', '.join(EVENT_TYPES)}")
    return tuple(t for t in EVENT_TYPES if t in wanted)
