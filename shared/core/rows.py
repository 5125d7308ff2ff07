"""
Cells and rows that are not lead data: spreadsheet error values, and footer, total or
section-title rows inside the data.

Error values (``#N/A``, ``#REF!``...) are what a broken formula shows; they are read as blank so
that they never become an email, a key or an "invalid" value. Footer and title rows are what
people type into a list ("TOTAL: 14 leads", "--- March ---", "Week 3:"); they hold no contact, so
they are recognised by their words and shape and skipped, counted, never stored.
"""

from __future__ import annotations

import re

from .models import Grid, Lead

ERROR_VALUES = frozenset(
    v.casefold()
    for v in (
        "#N/A",
        "#N/A!",
        "#REF!",
        "#VALUE!",
        "#ERROR!",
        "#NAME?",
        "#DIV/0!",
        "#NUM!",
        "#NULL!",
        "#SPILL!",
        "#CALC!",
        "#GETTING_DATA",
        "Loading...",
    )
)


def is_error_value(cell: str) -> bool:
    return bool(cell) and (cell[0] == "#" or cell[0] == "L") and cell.strip().casefold() in ERROR_VALUES


def blank_error_values(grid: Grid) -> tuple[Grid, int]:
    """The grid with spreadsheet error values blanked (rows copied only where needed), and how many."""
    count = 0
    out: Grid | None = None
    for i, row in enumerate(grid):
        joined = "\x1f".join(row)  # one C-speed scan: most rows hold no "#" and no "loading"
        if "#" not in joined and "loading" not in joined.casefold():
            continue
        hits = [j for j, c in enumerate(row) if c and (c[0] == "#" or c[0] == "L") and is_error_value(c)]
        if not hits:
            continue
        if out is None:
            out = list(grid)
        fixed = list(row)
        for j in hits:
            fixed[j] = ""
        out[i] = fixed
        count += len(hits)
    return (out if out is not None else grid), count


_SUMMARY = re.compile(
    r"^\s*(?:grand\s+|sub-?\s*)?totals?\b|^\s*sum\b|^\s*summe\b|^\s*(?:ins)?gesamt|^\s*totale?\b|^\s*somme\b"
    r"|^\s*suma\b|^\s*soma\b|^\s*totaal\b|^\s*итого|^\s*всего|^\s*合計|^\s*合计|^\s*总计|^\s*toplam\b|^\s*razem\b"
    r"|^\s*end\s+of\s+(?:list|data|report|file|sheet)\b|^\s*fin\s+de\s+(?:la\s+)?(?:liste|lista)\b|^\s*ende\s+der\s+liste\b"
    r"|^\s*(?:number|count|no\.)\s+of\s+(?:leads|rows|contacts|entries|records)\b|^\s*(?:count|records?|rows)\s*[:=]",
    re.IGNORECASE,
)
_DECORATED = re.compile(r"^\s*[-=*#~_>•▶■]{2,}|[-=*#~_<•◀■]{2,}\s*$")
_TITLE_WORDS = re.compile(
    r"\b(?:leads?|contacts?|prospects?|section|batch|week|month|quarter|page|part|group|list|"
    r"january|february|march|april|may|june|july|august|september|october|november|december|"
    r"woche|kontakte|semaine|semana|contactos|settimana|contatti|week|maand)\b",
    re.IGNORECASE,
)


def not_lead_reason(lead: Lead) -> str | None:
    """``"summary"`` or ``"section_title"`` for a row that is not a lead, else None."""
    if "email" in lead.fields or "phone" in lead.fields:
        return None
    values = [v for d in (lead.fields, lead.extra, lead.invalid) for v in d.values() if v.strip()]
    if not values or len(values) > 3:
        return None
    if any(_SUMMARY.search(v) for v in values):
        return "summary"
    if len(values) == 1:
        text = values[0].strip()
        if text.endswith(":") or _DECORATED.search(text) or (_TITLE_WORDS.search(text) and len(text.split()) <= 6):
            return "section_title"
    return None
