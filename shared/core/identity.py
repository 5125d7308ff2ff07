"""
Stable lead identity and content fingerprints.

A lead's key comes from what it is, not where it sits, so sorting a sheet, inserting rows or
moving columns never changes it:

1. ``e`` + hash of the normalised email;
2. else ``p`` + hash of the E.164 phone;
3. else ``n`` + hash of the normalised name and company;
4. else ``r`` + hash of every value in the row (a row with no contact and no name).

Keys are hex hashes, so they hold only characters Table Storage allows in a RowKey and carry no
PII into logs or URLs. Two rows with the same key in one sheet are both kept: the one whose
content sorts first keeps the plain key, the others get the key plus a content suffix
(``assign_keys``), and the duplicates are reported.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from .models import Lead


def _h(text: str, size: int = 10) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=size).hexdigest()


def base_key(lead: Lead) -> str:
    f = lead.fields
    email = f.get("email")
    if email:
        return "e" + _h(email)
    phone = f.get("phone")
    if phone:
        return "p" + _h(phone)
    name = " ".join(
        v.casefold()
        for v in (f.get("full_name"), f.get("first_name"), f.get("last_name"), f.get("company"))
        if v
    )
    if name:
        return "n" + _h(" ".join(name.split()))
    return "r" + _h(json.dumps([sorted(lead.fields.items()), sorted(lead.extra.items())], ensure_ascii=False))


def fingerprint(lead: Lead) -> str:
    """Hash of the lead's content (fields, extra data, invalid raw values), not its position."""
    payload = json.dumps(
        [sorted(lead.fields.items()), sorted(lead.extra.items()), sorted(lead.invalid.items())],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return _h(payload, 12)


@dataclass(frozen=True, slots=True)
class KeyedLead:
    key: str
    fingerprint: str
    lead: Lead
    duplicate_of: str | None = None


def assign_keys(leads: list[Lead]) -> tuple[list[KeyedLead], int]:
    """
    Give every lead a unique key.

    Returns:
        The keyed leads, in sheet order, and how many rows shared their key with another row.
    """
    groups: dict[str, list[tuple[str, Lead]]] = {}
    for lead in leads:
        groups.setdefault(base_key(lead), []).append((fingerprint(lead), lead))
    keyed: dict[int, KeyedLead] = {}
    duplicates = 0
    for key, members in groups.items():
        if len(members) == 1:
            fp, lead = members[0]
            keyed[id(lead)] = KeyedLead(key, fp, lead)
            continue
        duplicates += len(members)
        members.sort(key=lambda m: m[0])
        seen: dict[str, int] = {}
        for n, (fp, lead) in enumerate(members):
            earlier = seen.get(fp, 0)
            seen[fp] = earlier + 1
            if n == 0:
                keyed[id(lead)] = KeyedLead(key, fp, lead)
                continue
            suffix = fp[:8] if earlier == 0 else f"{fp[:8]}-{earlier + 1}"
            keyed[id(lead)] = KeyedLead(f"{key}-{suffix}", fp, lead, duplicate_of=key)
    return [keyed[id(lead)] for lead in leads], duplicates
