"""
From a grid to leads: detection, mapping, the essential-column check, drift and row
normalisation, combined into one ``SheetAnalysis``.

``analyse_sheet`` is the whole pure pipeline of one sheet; ``shared.sync`` adds storage, the
guard and the lease around it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass, field

from .detection import detect_header
from .emails import parse_emails
from .mapping import SAMPLE_ROWS, map_columns
from .models import (
    DEFAULT_REQUIRED,
    ColumnMapping,
    FieldChange,
    Grid,
    HeaderMatch,
    Lead,
    NoHeader,
    RowIssue,
    Status,
)
from .normalize import normalize_date, normalize_email, normalize_phone, phone_numbers, region_for_country
from .scrub import scrub_grid
from .text import EMAIL, PHONE, classify, is_blank_row, normalize_header

IDENTITY_FIELDS = ("email", "phone")
SECONDARY_FIELDS = {"phone": "phones", "email": "emails"}
"""Lead keys listing every value of a field with several columns: JSON ``[{"column", "value"}]``."""
_DATE_WORDS = frozenset(
    {"date", "time", "day", "dob", "birthday", "deadline", "due", "when", "datum", "fecha", "data", "dia", "jour", "giorno"}
)
_SERIAL = re.compile(r"^\d{5}(?:\.\d+)?$")
"""A Sheets date serial in a plausible range (1927-2173): five digits, maybe a time fraction."""


@dataclass(frozen=True, slots=True)
class SheetOptions:
    required: tuple[tuple[str, ...], ...] = DEFAULT_REQUIRED
    overrides: MappingABC[str, str | None] = field(default_factory=dict)
    phone_region: str = "GB"
    day_first: bool = True


@dataclass(frozen=True, slots=True)
class PreviousSync:
    """What the last successful sync of the sheet saw (for drift)."""

    columns: tuple[tuple[int, str, str | None], ...] = ()
    """(index, column name, field) of every column."""

    @property
    def by_label(self) -> dict[str, str]:
        return {name: f for _, name, f in self.columns if f}


@dataclass(slots=True)
class SheetAnalysis:
    header: HeaderMatch | NoHeader
    mapping: ColumnMapping
    missing: list[str]
    status: Status
    messages: list[str]
    leads: list[Lead]
    issues: list[RowIssue]
    rows_read: int
    rows_blank: int
    drift: list[FieldChange]
    header_fingerprint: str
    reasons: list[str] = field(default_factory=list)
    """Reason codes, one per finding (for health and alerts)."""

    @property
    def rows_skipped(self) -> int:
        return sum(1 for i in self.issues if i.code in SKIP_CODES)

    def note(self, status: Status, code: str, message: str) -> None:
        """Record a finding: it raises the status to at least ``status``."""
        self.status = Status.worst([self.status, status])
        self.reasons.append(code)
        self.messages.append(message)


SKIP_CODES = frozenset({"no_contact_or_name", "repeated_header"})


def header_fingerprint(mapping: ColumnMapping) -> str:
    payload = json.dumps([[c.name, c.field] for c in mapping.columns], ensure_ascii=False)
    return hashlib.blake2b(payload.encode(), digest_size=8).hexdigest()


def check_required(mapping: ColumnMapping, required: Sequence[Sequence[str]]) -> list[str]:
    """Return one message per required group with no mapped column (empty when all present)."""
    mapped = set(mapping.fields)
    return [" or ".join(group) for group in required if group and not mapped.intersection(group)]


def diff_mapping(previous: PreviousSync, mapping: ColumnMapping) -> list[FieldChange]:
    """Changes of columns since the last successful sync, by meaning, not by position."""
    changes: list[FieldChange] = []
    before_f = {f: (i, name) for i, name, f in previous.columns if f}
    after_f = {c.field: (c.index, c.name) for c in mapping.columns if c.field}
    for f, (i, name) in sorted(before_f.items()):
        if f not in after_f:
            changes.append(FieldChange("removed", f, name, None))
            continue
        j, new_name = after_f[f]
        if new_name != name:
            changes.append(FieldChange("renamed", f, name, new_name))
        elif i != j:
            changes.append(FieldChange("moved", f, str(i), str(j)))
    for f, (_, new_name) in sorted(after_f.items()):
        if f not in before_f:
            changes.append(FieldChange("added", f, None, new_name))
    before_extra = {name for _, name, f in previous.columns if not f}
    after_extra = {c.name for c in mapping.columns if not c.field}
    renamed_from = {c.before for c in changes if c.kind == "renamed"}
    renamed_to = {c.after for c in changes if c.kind == "renamed"}
    for name in sorted(before_extra - after_extra - renamed_to):
        if name not in {c.name for c in mapping.columns}:
            changes.append(FieldChange("removed", None, name, None))
    for name in sorted(after_extra - before_extra - renamed_from):
        if name not in {n for _, n, _ in previous.columns}:
            changes.append(FieldChange("added", None, None, name))
    return changes


def analyse_sheet(
    grid: Grid, options: SheetOptions | None = None, previous: PreviousSync | None = None, *, release_rows: bool = False
) -> SheetAnalysis:
    """Run detection, mapping, checks and normalisation over one sheet.

    ``release_rows``: the caller's grid is done with once the leads are built (a sync): each row
    is dropped from it as soon as it is read, so the largest sheet is never held twice over, as
    rows and as leads. Only the leads step releases rows: an analysis that stops before it (an
    ERROR) leaves the grid whole."""
    options = options or SheetOptions()
    grid, unencodable = scrub_grid(grid)
    header = detect_header(grid)
    width = max((len(r) for r in grid[: header.data_start + SAMPLE_ROWS]), default=0)
    labels = list(header.labels) if isinstance(header, HeaderMatch) else []
    labels += [None] * (width - len(labels))
    samples = _samples(grid, header.data_start, width)
    low = list(header.field_labels) + [None] * (width - len(header.field_labels))
    mapping = map_columns(labels, samples, options.overrides, previous.by_label if previous else None, low)
    result = SheetAnalysis(header, mapping, [], Status.SUCCESS, [], [], [], 0, 0, [], header_fingerprint(mapping))
    if unencodable:
        result.issues += [RowIssue(r, "unencodable_text") for r in unencodable]
        shown = ", ".join(str(r + 1) for r in unencodable[:20]) + (f" and {len(unencodable) - 20} more" if len(unencodable) > 20 else "")
        result.note(
            Status.WARNING,
            "unencodable_text",
            f"{len(unencodable)} rows held text that cannot be stored (lone UTF-16 surrogates), replaced with U+FFFD (rows {shown})",
        )

    if not any(not is_blank_row(r) for r in grid):
        result.note(Status.WARNING, "empty_sheet", "sheet is empty")
        result.rows_blank = len(grid)
        return result
    if isinstance(header, NoHeader):
        result.note(Status.WARNING, "no_header", "no header row found; columns mapped by their content")
    elif header.strategy == "row0_fallback":
        result.note(Status.WARNING, "low_confidence_header", f"header row {header.row + 1} taken by fallback (low confidence)")

    if mapping.review:
        result.note(
            Status.WARNING,
            "mapping_needs_review",
            "mapping needs review: " + "; ".join(mapping.review) + " (confirm with an override for the sheet)",
        )

    result.missing = check_required(mapping, options.required)
    if result.missing:
        result.note(Status.ERROR, "missing_columns", "missing essential columns: " + "; ".join(result.missing) + "; nothing written")

    if previous and previous.columns:
        result.drift = diff_mapping(previous, mapping)
        # Essential means what the sheet's required groups name: with ``required: []`` nothing is.
        essential = {f for g in options.required for f in g}
        lost = [c for c in result.drift if c.kind == "removed" and c.field in essential]
        if lost:
            # A header still in the sheet that no longer reads as its field (its values changed, or
            # a newer release reads it otherwise) is blocked the same way, but said as it is.
            present = {c.name for c in mapping.columns}
            gone = ", ".join(
                f"{c.before!r} ({c.field}{': still there, no longer read as ' + str(c.field) if c.before in present else ''})" for c in lost
            )
            result.note(
                Status.ERROR,
                "essential_column_removed",
                f"essential column disappeared or changed meaning since the last sync: {gone}; nothing written",
            )
        elif result.drift:
            diff = "; ".join(c.describe() for c in result.drift)
            result.note(Status.WARNING, "drift", f"columns changed since the last sync: {diff}")
    if result.status is Status.ERROR:
        return result

    above = _contacts_above(grid, header)
    if above:
        result.note(
            Status.WARNING,
            "rows_above_header",
            f"{above} rows above the header row hold emails or phone numbers and are not synced; check the header row (or set an override)",
        )
    leads, issues, rows_read, blank = build_leads(grid, header.data_start, mapping, options, low, samples, release_rows)
    result.leads, result.rows_read, result.rows_blank = leads, rows_read, blank
    result.issues += issues
    invalid = sum(1 for i in issues if i.code.startswith("invalid_"))
    if invalid:
        result.note(Status.WARNING, "invalid_values", f"{invalid} values could not be normalised (kept as raw values)")
    if result.rows_skipped:
        result.note(Status.WARNING, "rows_skipped", f"{result.rows_skipped} rows skipped (no contact or name)")
    return result


def _contacts_above(grid: Grid, header: HeaderMatch | NoHeader) -> int:
    """Rows above the header that hold an email or a phone: leads the header would hide."""
    if not isinstance(header, HeaderMatch):
        return 0
    count = 0
    for row in grid[: header.row]:
        kinds = {classify(c) for c in row if c and c.strip()}
        if EMAIL in kinds or PHONE in kinds:
            count += 1
    return count


def _samples(grid: Grid, start: int, width: int) -> list[list[str]]:
    cols: list[list[str]] = [[] for _ in range(width)]
    taken = 0
    for row in grid[start:]:
        if taken >= SAMPLE_ROWS:
            break
        if is_blank_row(row):
            continue
        taken += 1
        for j in range(min(width, len(row))):
            if row[j]:
                cols[j].append(row[j])
    return cols


def build_leads(
    grid: Grid,
    start: int,
    mapping: ColumnMapping,
    options: SheetOptions,
    labels: Sequence[str | None] = (),
    samples: Sequence[Sequence[str]] = (),
    release: bool = False,
) -> tuple[list[Lead], list[RowIssue], int, int]:
    """
    Turn the data rows into leads.

    Blank rows are skipped; a row that repeats the header (a second paste) is skipped and
    reported; a row with no contact and no name is skipped and reported. Values that fail
    normalisation are kept raw in ``Lead.invalid``.

    This loop runs once per row of every sheet, so it is written for speed: normalisers are
    chosen per column once, and remember their answers per distinct value.

    Memory: a column whose sample values (``samples``, per column) repeat (companies, statuses,
    cities) keeps one string per distinct value, so the leads do not hold a copy per row; with
    ``release`` each row is dropped from ``grid`` once read, so the parsed copies go with it.

    Returns:
        (leads, issues, rows read, blank rows)
    """
    region, day_first = options.phone_region, options.day_first
    normalisers: dict[str, Callable[[str], str | None]] = {
        "email": normalize_email,  # addresses are unique: remembering them would only cost memory
        "phone": _cached(lambda v: normalize_phone(v, region)),
        "created_at": _cached(lambda v: normalize_date(v, day_first)),
    }
    names = {c.index: c.name for c in mapping.columns}
    checked = [(c.index, c.field, normalisers[c.field]) for c in mapping.columns if c.field in normalisers]
    # Further phone and email columns ("Mobile", "Work email"): the field holds the first
    # non-empty valid value in the order primary column, then the others left to right;
    # ``phones``/``emails`` list every value with the column it came from.
    fields_at = mapping.fields
    further = (
        [
            (f, SECONDARY_FIELDS[f], normalisers[f], [(fields_at[f], names[fields_at[f]])] + [(j, names[j]) for j in cols])
            for f, cols in mapping.secondary.items()
            if f in fields_at
        ]
        if mapping.secondary
        else []
    )
    # A primary email cell listing several addresses keeps them all under ``emails`` (they are
    # all the lead's identifiers); with further email columns ``_further_contacts`` does it.
    email_at = fields_at.get("email", -1) if "email" not in mapping.secondary else -1
    email_name = names.get(email_at, "")
    country_at = fields_at.get("country", -1)
    phone_at = fields_at.get("phone") if country_at >= 0 else None
    share = _sharers(mapping, samples)
    plain = [(c.index, c.field, share[c.index]) for c in mapping.columns if c.field and c.field not in normalisers]
    extra_cols = [(c.index, c.name, share[c.index]) for c in mapping.columns if not c.field]
    # Google Sheets sends dates as serial numbers; in an extra column named like a date
    # ("Follow-up date", "Fecha de visita") a serial is shown as the date it stands for.
    date_extras = [name for _, name, _ in extra_cols if _DATE_WORDS.intersection(normalize_header(name).split())]
    extra_date = _cached(lambda v: normalize_date(v, day_first) or v)
    header = [(j, x.strip().lower()) for j, x in enumerate(labels) if x and x.strip()]
    first_label = header[0] if len(header) >= 2 else None
    identity = ("email", "phone", "full_name", "first_name", "last_name", "company")
    # Every column a row of full width holds: such rows (nearly all) skip the bounds checks.
    width = 1 + max([j for j, _, _ in plain] + [j for j, _, _ in checked] + [j for j, _, _ in extra_cols] + [country_at], default=-1)
    gone: list[str] = []
    country_region: dict[str, str | None] = {}
    leads: list[Lead] = []
    issues: list[RowIssue] = []
    rows_read = blank = 0
    for r in range(start, len(grid)):
        row = grid[r]
        if release:
            grid[r] = gone
        n = len(row)
        if not any(row) or is_blank_row(row):
            blank += 1
            continue
        rows_read += 1
        if first_label and first_label[0] < n and row[first_label[0]].strip().lower() == first_label[1] and _repeats_header(row, header):
            issues.append(RowIssue(r, "repeated_header"))
            continue
        invalid: dict[str, str] = {}
        if n >= width:  # nearly every row: no bounds checks in the two widest comprehensions
            fields = {f: keep(v, v) for j, f, keep in plain if (v := row[j].strip())}
            extra = {name: keep(v, v) for j, name, keep in extra_cols if (v := row[j].strip())}
        else:
            fields = {f: keep(v, v) for j, f, keep in plain if j < n and (v := row[j].strip())}
            extra = {name: keep(v, v) for j, name, keep in extra_cols if j < n and (v := row[j].strip())}
        for j, f, fn in checked:  # a few columns: one path for every row
            v = row[j].strip() if j < n else ""
            if v:
                norm = fn(v)
                if norm is None:
                    invalid[f] = v
                    issues.append(RowIssue(r, f"invalid_{f}", f))
                else:
                    fields[f] = norm
                    if f == "phone" and len(v) > _ONE_NUMBER_LEN:  # rare: room for a second number
                        _several_phones(v, region, names[j], fields)
        if 0 <= email_at < n and "email" in fields and len(row[email_at]) > len(fields["email"]) + 2:
            listed = parse_emails(row[email_at])[0]  # longer than its address: a name, a list
            if len(listed) > 1:
                fields["emails"] = json.dumps(
                    [{"column": email_name, "value": e} for e in listed], ensure_ascii=False, separators=(",", ":")
                )
        if phone_at is not None and country_at < n and phone_at < n and row[country_at]:
            country = row[country_at]
            other = (
                country_region[country] if country in country_region else country_region.setdefault(country, region_for_country(country))
            )
            if other and other != region:
                _phone_by_country(r, row[phone_at], other, names[phone_at], fields, invalid, issues)
        for f, plural, fn, cols in further:  # usually none
            _further_contacts(row, f, plural, fn, cols, fields)
        for name in date_extras:  # usually none
            raw = extra.get(name)
            if raw and _SERIAL.match(raw):
                extra[name] = extra_date(raw) or raw
        if not invalid and not any(f in fields for f in identity):
            issues.append(RowIssue(r, "no_contact_or_name"))
            continue
        if "full_name" not in fields and ("first_name" in fields or "last_name" in fields):
            fields["full_name"] = " ".join(fields[f] for f in ("first_name", "last_name") if f in fields)
        leads.append(Lead(r, fields, extra, invalid or _NO_VALUES))
    return leads, issues, rows_read, blank


_ONE_NUMBER_LEN = 24
"""Longer phone cells may hold two numbers ("07911 123456 / 0113 496 0456"); shorter ones cannot."""


def _further_contacts(
    row: Sequence[str], f: str, plural: str, fn: Callable[[str], str | None], cols: Sequence[tuple[int, str]], fields: dict[str, str]
) -> None:
    """Every value of a field read from several columns (``phones``/``emails``): the primary
    column first; a primary cell that held several keeps them all; ``f`` is the first found."""
    n = len(row)
    found: list[dict[str, str]] = []
    for j, name in cols:
        v = row[j].strip() if j < n else ""
        if not v:
            continue
        if name == cols[0][1] and plural in fields:  # the primary cell held several
            found.extend(x for x in json.loads(fields[plural]) if all(y["value"] != x["value"] for y in found))
            continue
        if f == "email":  # every address of a clean cell
            listed, clean = parse_emails(v)
            found += [{"column": name, "value": e} for e in listed if clean and all(x["value"] != e for x in found)]
            continue
        norm = fields.get(f) if name == cols[0][1] else fn(v)
        if norm:
            found.append({"column": name, "value": norm})
    if found:
        fields.setdefault(f, found[0]["value"])
        if len(found) > 1 or found[0]["column"] != cols[0][1]:
            fields[plural] = json.dumps(found, ensure_ascii=False, separators=(",", ":"))


def _several_phones(raw: str, region: str, column: str, fields: dict[str, str]) -> None:
    """Two numbers in one phone cell: ``phone`` keeps the first, ``phones`` lists them all (nothing typed is lost)."""
    numbers = phone_numbers(raw, region)
    if len(numbers) > 1:
        fields["phones"] = json.dumps([{"column": column, "value": n} for n in numbers], ensure_ascii=False, separators=(",", ":"))


def _phone_by_country(
    r: int, raw: str, other: str, column: str, fields: dict[str, str], invalid: dict[str, str], issues: list[RowIssue]
) -> None:
    """A national number read in the row's own country (``other``: a ``country`` column's region, not the sheet's)."""
    if not raw.strip():
        return
    norm = normalize_phone(raw, other)
    if norm is None:
        return
    fields["phone"] = norm
    if len(raw) > _ONE_NUMBER_LEN:  # a second number of that country: kept too, never dropped
        fields.pop("phones", None)
        _several_phones(raw, other, column, fields)
    if invalid.pop("phone", None) is not None:
        for k in range(len(issues) - 1, -1, -1):
            if issues[k].row == r and issues[k].code == "invalid_phone":
                del issues[k]
                break


_NO_VALUES: dict[str, str] = {}
"""The ``invalid`` of every lead without invalid values: one empty dict, not one per row (leads
are never changed once built)."""


def _as_is(v: str, _: str) -> str:
    return v


def _sharers(mapping: ColumnMapping, samples: Sequence[Sequence[str]]) -> dict[int, Callable[[str, str], str]]:
    """Per column, ``keep(v, v)``: one string per distinct value where the sample repeats (at most
    half its values distinct), else ``v`` itself (a column of unique values: ids, notes)."""
    out: dict[int, Callable[[str, str], str]] = {}
    for c in mapping.columns:
        sample = samples[c.index] if c.index < len(samples) else ()
        repeats = len(sample) >= 20 and 2 * len(set(sample)) <= len(sample)
        canonical: dict[str, str] = {}
        out[c.index] = canonical.setdefault if repeats else _as_is
    return out


CACHE_LIMIT = 50_000
"""Distinct values remembered per normalised column: a sheet repeats its dates, campaigns and
phone numbers, and each is normalised once; a column of unique values stops filling at this
size (the memory stays bounded on the largest sheet)."""


def _cached(fn: Callable[[str], str | None]) -> Callable[[str], str | None]:
    """``fn`` remembering its answers per distinct value (for one sheet: the cache dies with it).

    A value normalises the same way wherever it stands, so the cache changes no result; equal
    values then share one normalised string."""
    cache: dict[str, str | None] = {}

    def call(v: str) -> str | None:
        if v in cache:
            return cache[v]
        norm = fn(v)
        if len(cache) < CACHE_LIMIT:
            cache[v] = norm
        return norm

    return call


def _repeats_header(row: Sequence[str], header: Sequence[tuple[int, str]]) -> bool:
    """Does the row repeat the header's labels (at least 80% of them, case-insensitively)?"""
    n = len(row)
    same = sum(1 for j, h in header if j < n and row[j].strip().lower() == h)
    return same * 10 >= len(header) * 8
