"""
Plain value types shared by the core, the adapters and the functions.

They are frozen dataclasses rather than pydantic models: the core builds one ``Lead`` per row,
and a 100,000-row sheet must stay cheap. Pydantic is used at the edge, for configuration.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

Grid = list[list[str]]
"""A sheet as rows of cell strings. Rows may be ragged; blank rows are kept so indices match."""

CANONICAL_FIELDS: tuple[str, ...] = (
    "full_name",
    "first_name",
    "last_name",
    "email",
    "phone",
    "company",
    "job_title",
    "source",
    "campaign",
    "status",
    "created_at",
    "notes",
    "address",
    "city",
    "postcode",
    "country",
    "website",
)

DEFAULT_REQUIRED: tuple[tuple[str, ...], ...] = (
    ("email", "phone"),
    ("full_name", "first_name", "last_name", "company"),
)
"""Each group needs at least one mapped column: a contact column and an identity column."""


class Status(str, enum.Enum):
    """Outcome of a sheet sync, worst last."""

    SUCCESS = "SUCCESS"
    WARNING = "WARNING"
    ERROR = "ERROR"

    @property
    def rank(self) -> int:
        return _STATUS_RANK[self]

    @classmethod
    def worst(cls, statuses: list[Status] | tuple[Status, ...]) -> Status:
        return max(statuses, key=lambda s: s.rank, default=cls.SUCCESS)


_STATUS_RANK = {Status.SUCCESS: 0, Status.WARNING: 1, Status.ERROR: 2}


@dataclass(frozen=True, slots=True)
class Candidate:
    """One row weighed as the header, with the evidence for and against it."""

    row: int
    score: float
    reasons: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "score": round(self.score, 3), "reasons": list(self.reasons)}


@dataclass(frozen=True, slots=True)
class HeaderMatch:
    """
    The header that detection chose.

    ``row`` is the first row of the header block (0-based, blank rows counted); ``rows`` lists
    every row of a multi-row header; ``labels`` holds one combined label per column (``None``
    for a blank header cell); ``data_start`` is the first row below the header.
    """

    row: int
    rows: tuple[int, ...]
    labels: tuple[str | None, ...]
    strategy: str
    confidence: float
    candidates: tuple[Candidate, ...]
    data_start: int
    field_labels: tuple[str | None, ...] = ()
    """Per column, the block's lowest label (the one closest to the data): what mapping reads
    first, so "Contact details" above "Surname" does not blur the field."""


@dataclass(frozen=True, slots=True)
class NoHeader:
    """Detection found no header row: columns are mapped by their content."""

    width: int
    strategy: str
    confidence: float
    candidates: tuple[Candidate, ...]
    data_start: int
    rows: tuple[int, ...] = ()
    row: None = None
    labels: tuple[None, ...] = ()
    field_labels: tuple[None, ...] = ()


@dataclass(frozen=True, slots=True)
class ColumnDecision:
    """How one grid column is used: a canonical field, or extra data under ``name``."""

    index: int
    header: str | None
    name: str
    field: str | None
    score: float
    reason: str
    also: str | None = None
    """For a column kept as extra data that is a further phone or email of the lead: that field
    (its values are normalised and kept on the lead as ``phones``/``emails``)."""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "index": self.index,
            "header": self.header,
            "name": self.name,
            "field": self.field,
            "score": round(self.score, 1),
            "reason": self.reason,
        }
        if self.also:
            out["also"] = self.also
        return out


@dataclass(frozen=True, slots=True)
class ColumnMapping:
    """Every column's decision, in grid order, and what the confidence gate asks to review."""

    columns: tuple[ColumnDecision, ...]
    review: tuple[str, ...] = ()
    """One note per essential field mapped on weak or tied evidence ("mapping needs review")."""

    @property
    def fields(self) -> dict[str, int]:
        return {c.field: c.index for c in self.columns if c.field}

    @property
    def secondary(self) -> dict[str, list[int]]:
        """Field -> the further columns holding it, in column order."""
        out: dict[str, list[int]] = {}
        for c in self.columns:
            if c.also:
                out.setdefault(c.also, []).append(c.index)
        return out


@dataclass(slots=True)
class Lead:
    """
    One normalised row.

    ``fields`` holds canonical values, plus ``phones``/``emails`` (JSON lists of ``{"column",
    "value"}``) when a sheet has further phone or email columns; ``extra`` holds every unmapped
    column by its name (further contact columns included, raw);
    ``invalid`` keeps raw values that failed normalisation (so nothing typed is lost).
    """

    row: int
    fields: dict[str, str]
    extra: dict[str, str]
    invalid: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RowIssue:
    """A problem with one row, without the value itself (no PII)."""

    row: int
    code: str
    column: str | None = None


@dataclass(frozen=True, slots=True)
class FieldChange:
    kind: str  # "added" | "removed" | "renamed" | "moved"
    field: str | None
    before: str | None
    after: str | None

    def describe(self) -> str:
        label = self.field or "extra column"
        if self.kind == "added":
            return f"+ column {self.after!r} ({label})"
        if self.kind == "removed":
            return f"- column {self.before!r} ({label})"
        if self.kind == "renamed":
            return f"~ {label}: header {self.before!r} -> {self.after!r}"
        return f"> {label}: column {self.before} -> {self.after}"
