"""
Filters, search and sort of served leads (pure): what ``GET /api/leads`` does in the process.

Table Storage filters server-side only on stored properties within a partition (equality and
ranges: ``status``, ``source``, ``campaign``, ``updated_at``, ``deleted``, ``Timestamp``); the store
turns those parts of a ``LeadFilter`` into OData. Everything else is decided here on each lead
as the API serves it: ``q`` (search), ``created_at`` ranges (a sheet's text, dates or date-times),
``has_invalid``, ``duplicate``, and the sort order.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

SORT_FIELDS = ("created_at", "updated_at", "name", "company", "changed_at")
_NOT_DIGIT = re.compile(r"\D")


@dataclass(frozen=True)
class LeadFilter:
    """What to serve. Server-side parts: status, source, campaign, updated range, deleted, changed since."""

    status: str | None = None
    source: str | None = None
    campaign: str | None = None
    updated_from: datetime | None = None
    updated_to: datetime | None = None
    changed_since: datetime | None = None
    include_deleted: bool = False
    deleted: bool | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    has_invalid: bool | None = None
    duplicate: bool | None = None
    q: str | None = None
    phone_region: str = "GB"

    @property
    def in_process(self) -> bool:
        """Whether some part must be decided on each lead in the process."""
        return any(v is not None for v in (self.created_from, self.created_to, self.has_invalid, self.duplicate, self.q))

    def matcher(self) -> Callable[[Mapping[str, Any]], bool] | None:
        """A predicate for the in-process parts (None when there are none)."""
        if not self.in_process:
            return None
        search = Search(self.q, self.phone_region) if self.q else None

        def match(lead: Mapping[str, Any]) -> bool:
            if self.has_invalid is not None and bool(lead.get("invalid")) != self.has_invalid:
                return False
            if self.duplicate is not None and bool(lead.get("duplicate_of")) != self.duplicate:
                return False
            if self.created_from is not None or self.created_to is not None:
                created = parse_when(lead.get("created_at"))
                if created is None:
                    return False
                if self.created_from is not None and created < self.created_from:
                    return False
                if self.created_to is not None and created >= self.created_to:
                    return False
            return search is None or search(lead)

        return match


def fold(text: str) -> str:
    """Case- and accent-insensitive form of ``text`` for search (``Zoë`` -> ``zoe``)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


class Search:
    """``q`` over name, email, company (folded substring) and phone (any format)."""

    def __init__(self, q: str, region: str = "GB") -> None:
        from .normalize import normalize_phone  # phonenumbers: imported when a search runs, not at app start

        self.text = fold(q.strip())
        digits = _NOT_DIGIT.sub("", q)
        self.phone = normalize_phone(q, region) if len(digits) >= 6 else None
        # A partial number: its digits without a national trunk 0 or an international 00.
        self.digits = digits.lstrip("0") if len(digits) >= 4 and len(digits) * 2 >= len(q.strip().replace(" ", "")) else ""

    def __call__(self, lead: Mapping[str, Any]) -> bool:
        if self.text:
            for f in ("full_name", "first_name", "last_name", "email", "company"):
                v = lead.get(f)
                if v and self.text in fold(str(v)):
                    return True
            names = " ".join(str(lead.get(f) or "") for f in ("first_name", "last_name")).strip()
            if names and self.text in fold(names):
                return True
        phones = [p for p in [lead.get("phone"), *(lead.get("phones") or [])] if p]
        if self.phone and self.phone in phones:
            return True
        return bool(self.digits) and any(self.digits in _NOT_DIGIT.sub("", str(p)) for p in phones)


def parse_when(value: Any) -> datetime | None:
    """A served date or date-time as an aware UTC datetime (a date is its midnight UTC)."""
    if not isinstance(value, str) or not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def sort_value(lead: Mapping[str, Any], field: str) -> str | None:
    """The comparable text of a lead's sort field (None sorts last ascending, first descending)."""
    if field == "name":
        v = lead.get("full_name") or " ".join(x for x in (lead.get("first_name"), lead.get("last_name")) if x) or None
        return fold(v) if v else None
    if field == "company":
        v = lead.get("company")
        return fold(v) if v else None
    when = parse_when(lead.get(field))
    return when.isoformat() if when else None


def sort_key(lead: Mapping[str, Any], field: str) -> tuple[int, str, str, str]:
    """A total order: the field, then sheet and id, so that paging is stable."""
    v = sort_value(lead, field)
    return (1 if v is None else 0, v or "", str(lead.get("sheet_id") or ""), str(lead.get("id") or ""))


def parse_sort(raw: str) -> tuple[str, bool] | None:
    """``-created_at`` -> (``created_at``, descending); None when not a sort field."""
    desc = raw.startswith("-")
    name = raw[1:] if desc or raw.startswith("+") else raw
    return (name, desc) if name in SORT_FIELDS else None
