"""
Erasure, suppression and retention, as pure functions (issues 14 and 18, UK GDPR).

A person asks to be forgotten by email and/or phone. Their identifiers are normalised exactly as
the sync normalises a sheet's cells (``shared.core.emails`` for every address of the email text,
``normalize_phone`` with the deployment's region unless the number carries a country code) and
kept only as keyed hashes (HMAC-SHA256 with the deployment's erasure key): without the key, the
list cannot be reversed by hashing every possible phone number.

An email is listed by its matching form (``emails.match_key``: no ``+tag``, Gmail's dots
ignored) and its stored form, so ``Alice <a.lice+news@googlemail.com>`` in a sheet is withheld
after ``alice@gmail.com`` was erased, and lists written before matching forms still match. The
erasure also lists every email and phone the erased leads carried (``carried``), so the person
cannot come back under the phone alone. Every sync withholds the rows whose emails or phones
(primary, further contact columns, or an email cell kept raw as invalid) hash to an entry.

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
from typing import Any

from .emails import identifiers, match_key, parse_emails
from .models import Lead
from .normalize import normalize_phone

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
    """
    A person's normalised identifiers (never logged, never stored as such): the email and phone
    given, and ``more`` (kind, value) pairs: further addresses of the email given, and every
    email and phone the erased leads carried.
    """

    email: str | None = None
    phone: str | None = None
    more: frozenset[tuple[str, str]] = frozenset()

    def pairs(self) -> list[tuple[str, str]]:
        """Every identifier in stored form (the email and phone given first)."""
        given = [(k, v) for k, v in (("email", self.email), ("phone", self.phone)) if v]
        return given + sorted(self.more - set(given))

    def keys(self) -> set[tuple[str, str]]:
        """Every identifier in matching form (``emails.match_key``): what a lead is matched on."""
        return {(k, match_key(v) if k == "email" else v) for k, v in self.pairs()}

    def counts(self) -> dict[str, int]:
        """How many distinct identifiers of each kind (matching forms): what an answer may say."""
        keys = self.keys()
        return {kind: sum(1 for k, _ in keys if k == kind) for kind in KINDS}

    def hashes(self, key: bytes) -> list[str]:
        """
        The entries of the suppression list: each identifier's matching form, and its stored
        form where that differs (what lists made before matching forms hold, and what an
        older release looks up).
        """
        both = self.keys() | set(self.pairs())
        return sorted({identifier_hash(k, v, key) for k, v in both})

    def widened(self, pairs: Iterable[tuple[str, str]]) -> Identifiers:
        """The same person with more identifiers (those their erased leads carried)."""
        return Identifiers(self.email, self.phone, self.more | set(pairs))


def parse_identifiers(email: str | None, phone: str | None, region: str) -> Identifiers:
    """
    Normalise what a person gave, as the sync would (every address of the email text counts);
    ValueError (without the value) when a given identifier is not an email or a phone number,
    or when neither is given.
    """
    if not (email or "").strip() and not (phone or "").strip():
        raise ValueError("give an email and/or a phone number")
    e = p = None
    more: set[tuple[str, str]] = set()
    if (email or "").strip():
        found, clean = parse_emails(email or "")
        if not found or not clean:
            raise ValueError("email is not an email address")
        e = found[0]
        more = {("email", x) for x in found[1:]}
    if (phone or "").strip():
        p = normalize_phone(phone or "", region)
        if p is None:
            raise ValueError(f"phone is not a valid phone number (numbers without a country code are read as {region})")
    return Identifiers(e, p, frozenset(more))


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


def carried(fields: Mapping[str, Any], invalid: Mapping[str, Any] | str | None = None) -> set[tuple[str, str]]:
    """
    Every identifier a lead carries, in stored form, read the way the sync reads a cell today:
    ``contacts`` plus the addresses of a stored email that an older release kept uncleaned (a
    zero-width space, a name around it) and of an email cell kept raw as invalid (``invalid``:
    the lead's dict, or the stored JSON text).
    """
    out = contacts(fields)
    texts = [v for k, v in out if k == "email"]
    if isinstance(invalid, str):
        try:
            invalid = json.loads(invalid)
        except ValueError:
            invalid = None
    if isinstance(invalid, Mapping) and isinstance(invalid.get("email"), str):
        texts.append(invalid["email"])
    for text in texts:
        if not _PLAIN.fullmatch(text):
            out.update(("email", x) for x in identifiers(text))
    return out


_PLAIN = re.compile(r"[a-z0-9._%+'-]+@[a-z0-9.-]+")
"""A stored email that is already one clean address (skips the parser on the common path)."""


def keys_of(pairs: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """The matching forms of stored-form identifiers."""
    return {(k, match_key(v) if k == "email" else v) for k, v in pairs}


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


def matches_person(fields: Mapping[str, Any], person: Identifiers) -> bool:
    """True when a lead carries any of the person's identifiers, in any spelling (primary, further columns, a raw invalid email)."""
    wanted = person.keys()
    return bool(wanted) and not wanted.isdisjoint(keys_of(carried(fields, fields.get("invalid"))))


def lead_hashes(lead: Lead, key: bytes) -> set[str]:
    """The hashes a lead is looked up by: each identifier's stored and matching form."""
    pairs = carried(lead.fields, lead.invalid)
    return {identifier_hash(k, v, key) for k, v in pairs | keys_of(pairs)}


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
