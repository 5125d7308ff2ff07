"""
Erasure, suppression and retention, as pure functions (issue 14, UK GDPR).

A person asks to be forgotten by email and/or phone. Their identifiers are normalised exactly as
the sync normalises a sheet's cells (``normalize_email``, ``normalize_phone`` with the
deployment's region unless the number carries a country code) and kept only as keyed hashes
(HMAC-SHA256 with the deployment's erasure key): without the key, the list cannot be reversed
by hashing every possible phone number. Every sync withholds the rows whose email or phone
(primary or further contact columns) hashes to an entry of the list.

The key is passed in; nothing here reads a setting, the clock or storage.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from .models import Lead
from .normalize import normalize_email, normalize_phone

KINDS = ("email", "phone")
_PREFIX = {"email": "e", "phone": "p"}
KEY_CHECK = b"lead-sync erasure key check"


def identifier_hash(kind: str, value: str, key: bytes) -> str:
    """The keyed hash of one normalised identifier: ``e``/``p`` + HMAC-SHA256 hex (65 characters)."""
    return _PREFIX[kind] + hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def key_id(key: bytes) -> str:
    """A short, non-reversible name of the erasure key: entries made with another key are detected."""
    return hmac.new(key, KEY_CHECK, hashlib.sha256).hexdigest()[:12]


@dataclass(frozen=True)
class Identifiers:
    """A person's normalised identifiers (never logged, never stored as such)."""

    email: str | None = None
    phone: str | None = None

    def pairs(self) -> list[tuple[str, str]]:
        return [(k, v) for k, v in (("email", self.email), ("phone", self.phone)) if v]

    def hashes(self, key: bytes) -> list[str]:
        return [identifier_hash(k, v, key) for k, v in self.pairs()]


def parse_identifiers(email: str | None, phone: str | None, region: str) -> Identifiers:
    """
    Normalise what a person gave, as the sync would; ValueError (without the value) when a given
    identifier is not an email or a phone number, or when neither is given.
    """
    if not (email or "").strip() and not (phone or "").strip():
        raise ValueError("give an email and/or a phone number")
    e = p = None
    if (email or "").strip():
        e = normalize_email(email or "")
        if e is None:
            raise ValueError("email is not an email address")
    if (phone or "").strip():
        p = normalize_phone(phone or "", region)
        if p is None:
            raise ValueError(f"phone is not a valid phone number (numbers without a country code are read as {region})")
    return Identifiers(e, p)


def contacts(fields: Mapping[str, str | None]) -> set[tuple[str, str]]:
    """
    Every normalised email and phone a stored or incoming lead carries: its primary ``email``
    and ``phone`` and the further contact columns listed in ``emails``/``phones`` (JSON lists of
    ``{"column", "value"}``, as the analysis writes them).
    """
    out: set[tuple[str, str]] = set()
    for kind, listed in (("email", "emails"), ("phone", "phones")):
        v = fields.get(kind)
        if v:
            out.add((kind, v))
        raw = fields.get(listed)
        if raw:
            for item in _items(raw):
                value = item.get("value") if isinstance(item, dict) else item if isinstance(item, str) else None
                if isinstance(value, str) and value:
                    out.add((kind, value))
    return out


_VALUE = re.compile(r'"value"\s*:\s*"((?:[^"\\]|\\.)*)"')


def _items(raw: object) -> list[object]:
    if isinstance(raw, list):
        return raw
    if isinstance(raw, str):
        try:
            value = json.loads(raw)
        except ValueError:
            # Only the first part of a list too long for one property: take the values it shows.
            return [{"value": m} for m in _VALUE.findall(raw)]
        return value if isinstance(value, list) else []
    return []


def matches_person(fields: Mapping[str, str | None], person: Identifiers) -> bool:
    """True when a lead carries any of the person's identifiers (primary or further columns)."""
    wanted = set(person.pairs())
    return bool(wanted) and not wanted.isdisjoint(contacts(fields))


def lead_hashes(lead: Lead, key: bytes) -> set[str]:
    return {identifier_hash(k, v, key) for k, v in contacts(lead.fields)}


def split_suppressed(leads: Iterable[Lead], suppressed: frozenset[str] | set[str], key: bytes) -> tuple[list[Lead], list[Lead]]:
    """
    (leads to sync, leads withheld): a lead is withheld when any of its emails or phones hashes
    to an entry of ``suppressed``. Order is kept in both lists.
    """
    kept: list[Lead] = []
    withheld: list[Lead] = []
    if not suppressed:
        return list(leads), []
    for lead in leads:
        (withheld if lead_hashes(lead, key) & suppressed else kept).append(lead)
    return kept, withheld


def list_digest(hashes: Iterable[str]) -> str:
    """A short digest of the whole suppression list (order-free): it changes when an entry is added or removed."""
    h = hashlib.blake2b(digest_size=8)
    for x in sorted(hashes):
        h.update(x.encode())
        h.update(b"\n")
    return h.hexdigest()


def describe_rows(rows: Iterable[int], limit: int = 20) -> str:
    """Sheet row numbers (1-based, as a person sees them), shortened: never a value."""
    numbers = sorted(r + 1 for r in rows)
    shown = ", ".join(str(n) for n in numbers[:limit])
    return shown + (f" and {len(numbers) - limit} more" if len(numbers) > limit else "")


def retention_cutoff(now: datetime, days: float | None) -> datetime | None:
    """Leads soft-deleted before this may be purged; ``None`` when retention is off."""
    if days is None or days <= 0:
        return None
    return now - timedelta(days=days)


def key_bytes(secret: str) -> bytes:
    """The erasure key as bytes (the setting's text, UTF-8)."""
    return secret.encode("utf-8")
