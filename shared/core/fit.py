"""
Fitting a lead into one storage entity: Table Storage counts strings in UTF-16 code units and
holds at most 1 MiB an entity. A lead whose cells are longer than that is cut, longest cells
first, and the cut columns are named; the lead is stored, never dropped.
"""

from __future__ import annotations

from dataclasses import replace

from .models import Lead

MARK = " … [cut: too long to store]"


def utf16_units(text: str) -> int:
    """Length in UTF-16 code units (an emoji counts two)."""
    return len(text.encode("utf-16-le")) // 2


def lead_units(lead: Lead) -> int:
    return sum(utf16_units(k) + utf16_units(v) for d in (lead.fields, lead.extra, lead.invalid) for k, v in d.items())


def _cut(text: str, units: int) -> str:
    raw = text.encode("utf-16-le")[: max(0, units) * 2]
    if raw and 0xD8 <= raw[-1] <= 0xDB:  # never end inside a surrogate pair
        raw = raw[:-2]
    return raw.decode("utf-16-le") + MARK


def fit_lead(lead: Lead, max_units: int) -> tuple[Lead, tuple[str, ...]]:
    """``lead`` unchanged when it fits ``max_units``; else a copy with its longest cells cut, and their names."""
    total = lead_units(lead)
    if total <= max_units:
        return lead, ()
    parts = {"fields": dict(lead.fields), "extra": dict(lead.extra), "invalid": dict(lead.invalid)}
    cells = sorted(((utf16_units(v), part, k) for part, d in parts.items() for k, v in d.items()), reverse=True)
    cut: list[str] = []
    for size, part, key in cells:
        if total <= max_units:
            break
        keep = max(1000, size - (total - max_units) - 100)
        if keep >= size:
            continue
        parts[part][key] = _cut(parts[part][key], keep)
        total -= size - utf16_units(parts[part][key])
        cut.append(key)
    return replace(lead, fields=parts["fields"], extra=parts["extra"], invalid=parts["invalid"]), tuple(cut)
