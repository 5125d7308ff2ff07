"""
Fitting a lead into one storage entity (at most 1 MiB). What a string costs depends on who
counts: Azure Table Storage counts UTF-16 (2 bytes a character, 4 for an emoji), while the
request carries JSON with non-ASCII characters escaped (6 bytes for ``é``, 12 for an emoji),
which is what Azurite measures. A lead is kept under its budget by both counts: if it is over,
its longest cells are cut first and named; the lead is stored, never dropped.
"""

from __future__ import annotations

import json
from dataclasses import replace

from .models import Lead

MARK = " … [cut: too long to store]"


def utf16_units(text: str) -> int:
    """Length in UTF-16 code units (an emoji counts two)."""
    return len(text.encode("utf-16-le")) // 2


def cost(text: str) -> int:
    """Bytes a string may take in an entity, by the stricter of the two counts."""
    return max(2 * utf16_units(text), len(json.dumps(text)) - 2)


def nested_cost(text: str) -> int:
    """What a string costs inside a JSON value that is itself stored as a string (``extra``,
    ``invalid``): quotes, backslashes and control characters are escaped twice."""
    return cost(json.dumps(text, ensure_ascii=False)[1:-1])


def _cost(part: str, text: str) -> int:
    return cost(text) if part == "fields" else nested_cost(text)


def lead_cost(lead: Lead) -> int:
    return sum(
        _cost(part, k) + _cost(part, v)
        for part, d in (("fields", lead.fields), ("extra", lead.extra), ("invalid", lead.invalid))
        for k, v in d.items()
    )


MAX_CHAR_COST = 12
"""The most one character costs by either count (``cost``, also inside ``nested_cost``): an emoji
is 4 bytes in UTF-16 and 12 escaped in JSON; an escaped control character is 6 characters of 2
bytes each."""


def lead_chars(lead: Lead) -> int:
    """Characters of a lead's names and values (a cheap bound of its cost: ``MAX_CHAR_COST`` each)."""
    n = 0
    for d in (lead.fields, lead.extra, lead.invalid):
        n += sum(map(len, d)) + sum(map(len, d.values()))
    return n


def _cut(text: str, budget: int, part: str = "fields") -> str:
    """The longest prefix of ``text`` costing at most ``budget`` bytes, never inside a surrogate pair."""
    lo, hi = 0, len(text)
    while lo < hi:  # binary search on characters: cost grows with the prefix
        mid = (lo + hi + 1) // 2
        if _cost(part, text[:mid]) <= budget:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo] + MARK


def fit_lead(lead: Lead, max_bytes: int) -> tuple[Lead, tuple[str, ...]]:
    """``lead`` unchanged when it fits ``max_bytes``; else a copy with its longest cells cut, and their names."""
    if MAX_CHAR_COST * lead_chars(lead) <= max_bytes:
        return lead, ()  # no character costs more than 12 bytes: it fits without counting
    total = lead_cost(lead)
    if total <= max_bytes:
        return lead, ()
    parts = {"fields": dict(lead.fields), "extra": dict(lead.extra), "invalid": dict(lead.invalid)}
    cells = sorted(((_cost(part, v), part, k) for part, d in parts.items() for k, v in d.items()), reverse=True)
    cut: list[str] = []
    for size, part, key in cells:
        if total <= max_bytes:
            break
        keep = max(2000, size - (total - max_bytes) - 200)
        if keep >= size:
            continue
        parts[part][key] = _cut(parts[part][key], keep, part)
        total -= size - _cost(part, parts[part][key])
        cut.append(key)
    return replace(lead, fields=parts["fields"], extra=parts["extra"], invalid=parts["invalid"]), tuple(cut)
