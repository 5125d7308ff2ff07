"""
Change planning: what a sync must write, given the keyed leads and what is stored.

Only differences are written: a stored lead with the same fingerprint is left alone, a lead
that left the sheet is soft-deleted (never erased), and a soft-deleted lead that comes back is
restored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .identity import KeyedLead


@dataclass(frozen=True, slots=True)
class StoredLead:
    key: str
    fingerprint: str
    deleted: bool
    first_seen: object = None
    """When the lead was first stored (kept across rewrites); opaque to the core."""
    content_key: str | None = None
    """The key the lead's content gives now, when the lead kept an older id (its email changed)."""
    row: int | None = None
    """1-based sheet row at its last write (for previews of a blocked drop)."""
    signatures: tuple[str, ...] = ()
    """``identity.signatures`` of the stored lead (empty for leads written before they existed)."""


@dataclass(slots=True)
class ChangePlan:
    added: list[KeyedLead] = field(default_factory=list)
    updated: list[KeyedLead] = field(default_factory=list)
    restored: list[KeyedLead] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def upserts(self) -> list[KeyedLead]:
        return self.added + self.updated + self.restored


def plan_changes(incoming: list[KeyedLead], stored: dict[str, StoredLead]) -> ChangePlan:
    """Compare incoming leads with the stored index of the sheet."""
    plan = ChangePlan()
    seen: set[str] = set()
    for lead in incoming:
        seen.add(lead.key)
        old = stored.get(lead.key)
        if old is None:
            plan.added.append(lead)
        elif old.deleted:
            plan.restored.append(lead)
        elif old.fingerprint != lead.fingerprint:
            plan.updated.append(lead)
        else:
            plan.unchanged += 1
    plan.deleted = sorted(k for k, s in stored.items() if not s.deleted and k not in seen)
    return plan


SPLIT_KEY = re.compile(r"(.+)-i[0-9a-f]{8}(?:-[0-9]+)?\Z")
"""A key of its own given to a row that shares a fallback key with another person
(``identity._split_key``): it stands for the key before ``-i``, and is stored without a content key."""


@dataclass(frozen=True, slots=True)
class SliceCheck:
    """
    What one slice of the stored index (the stored leads with keys in ``(after, until]``, deleted
    ones too) showed against the sheet's keyed leads, when the sheet is unchanged since the last
    sync and storage should therefore hold exactly its leads (``check_slice``).
    """

    read: int
    """Stored leads in the slice (live and soft-deleted)."""
    expected: int
    """The sheet's keys that fall in the slice."""
    missing: dict[str, str]
    """Keys of the slice (with their fingerprints) that no live lead of the slice holds: deleted or
    marked deleted in storage, unless a lead elsewhere keeps an older id for them (``carried_to``)."""
    unexpected: int
    """Live leads of the slice the sheet does not hold (added in storage), or holding a key twice."""
    changed: int
    """Live leads whose fingerprint is not the sheet's (edited in storage)."""
    resume: str | None
    """Where the next slice starts (after this key; None: from the start). ``until``, or the key
    before it when the slice ends on a key whose lead may be held under a key of its own
    (``SPLIT_KEY``) just past the slice: that key is checked again with the next slice."""


def check_slice(keyed: Iterable[KeyedLead], page: Iterable[StoredLead], after: str, until: str | None) -> SliceCheck:
    """
    Compare a slice of the stored index with the keyed leads of an unchanged sheet. A stored lead
    that kept an older id (``content_key``), or holds a key of its own (``SPLIT_KEY``), stands
    for the key its content gives, wherever that key falls; such a key of the slice held under
    an older id elsewhere shows as ``missing`` until ``resolve_missing`` finds it.
    """
    page = list(page)
    live = [s for s in page if not s.deleted]
    split = {s.key: m.group(1) for s in live if not s.content_key and (m := SPLIT_KEY.match(s.key))}
    others = {s.content_key for s in live if s.content_key} | set(split.values())
    inside: dict[str, str] = {}
    elsewhere: dict[str, str] = {}
    for k in keyed:
        key = k.key
        if key > after and (until is None or key <= until):
            inside[key] = k.fingerprint
        elif others and key in others:
            elsewhere[key] = k.fingerprint
    matched: set[str] = set()
    unexpected = changed = 0
    for s in live:
        own = s.content_key or s.key
        fp = inside.get(own) or elsewhere.get(own)
        if fp is None and own in split:
            own = split[own]
            fp = inside.get(own) or elsewhere.get(own)
        if fp is None or own in matched:
            unexpected += 1
            continue
        matched.add(own)
        if fp != s.fingerprint:
            changed += 1
    missing = {k: fp for k, fp in inside.items() if k not in matched}
    resume = until
    if until is not None and until in missing:
        del missing[until]
        resume = page[-2].key if len(page) > 1 else after or None
    return SliceCheck(len(page), len(inside), missing, unexpected, changed, resume)


def resolve_missing(missing: Mapping[str, str], carried: Mapping[str, StoredLead]) -> tuple[int, int]:
    """Of a slice's ``missing`` keys, how many no live lead keeps under an older id either (really
    missing), and how many are kept with another fingerprint (changed)."""
    gone = changed = 0
    for key, fp in missing.items():
        held = carried.get(key)
        if held is None:
            gone += 1
        elif held.fingerprint != fp:
            changed += 1
    return gone, changed
