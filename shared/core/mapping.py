"""
Column mapping: decide which canonical lead field each column holds.

Evidence, strongest first:

1. a per-sheet override from configuration;
2. the header named the same as at the last successful sync (keeps a decision stable);
3. an exact synonym (``vocabulary.SYNONYMS``, after ``normalize_header``);
4. a synonym phrase inside a longer header ("Your email address (required)");
5. a fuzzy match (rapidfuzz) above ``FUZZY_MIN`` whose best field clearly beats the next;
6. the column's content: a column of email addresses is ``email`` whatever its title, a "Name"
   column of company names in a business list is ``company``.

Each field is given to at most one column: candidates are taken best first, so the assignment
does not depend on column order. Every column that gets no field is kept as extra data under a
unique name (blank headers are named by position, duplicates numbered), never dropped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping as MappingABC
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rapidfuzz.distance import DamerauLevenshtein

from .models import ColumnDecision, Mapping
from .text import DATE, EMAIL, NUMBER, PHONE, TEXT, URL, classify, normalize_header
from .vocabulary import COMPANY_SUFFIXES, LOOKUP, QUALIFIERS, SYNONYMS

FUZZY_MIN = 86.0
"""rapidfuzz ratio (0-100) below which a header is not a fuzzy match."""
TIE_MARGIN = 4.0
"""A fuzzy match must beat the best other field by this much, or it is rejected as ambiguous."""
CONTENT_SHARE = 0.6
"""Share of non-blank sample values that must agree for content to decide a field."""
SAMPLE_ROWS = 200

IGNORE = "ignore"
_CHOICES = list(LOOKUP)
_SUFFIXES = frozenset(COMPANY_SUFFIXES)
_POSTCODE_UK = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}$", re.I)


@dataclass(frozen=True, slots=True)
class Profile:
    """What a sample of a column's values looks like."""

    count: int
    email: float
    phone: float
    date: float
    url: float
    company: float
    multiword: float
    postcode: float

    @classmethod
    def of(cls, values: Sequence[str]) -> Profile:
        vals = [v.strip() for v in values if v and v.strip()]
        n = len(vals)
        if not n:
            return cls(0, 0, 0, 0, 0, 0, 0, 0)
        kinds = [classify(v) for v in vals]
        company = multi = postcode = 0
        for v, k in zip(vals, kinds):
            if k == TEXT:
                words = normalize_header(v).split()
                if words and words[-1] in _SUFFIXES:
                    company += 1
                parts = v.split()
                if 2 <= len(parts) <= 4 and all(p[:1].isupper() for p in parts) and not any(ch.isdigit() for ch in v):
                    multi += 1  # "Ann Lee": two to four capitalised words
                if _POSTCODE_UK.match(v):
                    postcode += 1
        return cls(
            n,
            kinds.count(EMAIL) / n,
            (kinds.count(PHONE) + sum(1 for v, k in zip(vals, kinds) if k == NUMBER and _bare_phone(v))) / n,
            kinds.count(DATE) / n,
            kinds.count(URL) / n,
            company / n,
            # names are mostly distinct; campaigns, cities and job titles repeat
            multi / n if len(set(vals)) * 10 >= n * 6 else 0.0,
            postcode / n,
        )


def _bare_phone(v: str) -> bool:
    """A number cell that is a phone stored as a number (the leading 0 lost)."""
    digits = v[:-2] if v.endswith(".0") else v
    return digits.isdigit() and 9 <= len(digits) <= 13


def column_name(index: int) -> str:
    """Spreadsheet letter for a 0-based column index (0 -> A, 27 -> AB)."""
    name = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        name = chr(65 + rem) + name
    return name


def unique_names(labels: Sequence[str | None]) -> list[str]:
    """Names for extra data: blank headers by position, duplicates numbered ("Email (2)")."""
    names: list[str] = []
    seen: dict[str, int] = {}
    for i, label in enumerate(labels):
        base = label.strip() if label and label.strip() else f"column_{column_name(i)}"
        key = base.lower()
        seen[key] = seen.get(key, 0) + 1
        name = base if seen[key] == 1 else f"{base} ({seen[key]})"
        while name.lower() in seen and seen[key] > 1 and name.lower() != key:
            seen[key] += 1
            name = f"{base} ({seen[key]})"
        if name.lower() != key:
            seen[name.lower()] = 1
        names.append(name)
    return names


def header_candidates(label: str | None) -> list[tuple[str, float, str]]:
    """Field candidates from the header text alone: (field, score, reason)."""
    if not label:
        return []
    norm = normalize_header(label)
    if not norm:
        return []
    field = LOOKUP.get(norm)
    if field:
        # Earlier synonyms are the field's more usual names: "Campaign" beats "Ad Set".
        rank = SYNONYMS[field].index(norm)
        return [(field, 100.0 - min(rank, 20) * 0.1, f"header {label!r} is a synonym of {field}")]
    words = norm.split()
    found: dict[str, tuple[float, str]] = {}
    if len(words) <= 8:
        for n in range(min(4, len(words)), 0, -1):
            for i in range(len(words) - n + 1):
                phrase = " ".join(words[i : i + n])
                f = LOOKUP.get(phrase)
                after = words[i + n :]
                if any(w in QUALIFIERS for w in after):
                    # "Campaign ID", "Contact owner", "Phone type": the column is about the
                    # word after the phrase (its identifier, owner, type), not the field itself
                    continue
                if f and (n > 1 or len(phrase) >= 4) and f not in found:
                    extra = len(words) - n
                    found[f] = (92.0 - 3.0 * extra + 2.0 * n, f"header {label!r} contains {phrase!r}")
    if found:
        ranked = sorted(found.items(), key=lambda kv: -kv[1][0])
        if len(ranked) > 1 and ranked[0][1][0] - ranked[1][1][0] < TIE_MARGIN:
            return []
        f, (score, reason) = ranked[0]
        return [(f, score, reason)]
    hits = process.extract(norm, _CHOICES, scorer=fuzz.ratio, limit=10, score_cutoff=70.0)
    best: dict[str, tuple[float, str]] = {}
    for choice, score, _ in hits:
        if len(norm) >= 5 and DamerauLevenshtein.distance(norm, choice) <= 1:
            score = max(score, 90.0)  # one typo or one swapped pair of letters ("Emial")
        if score < FUZZY_MIN - TIE_MARGIN:
            continue
        f = LOOKUP[choice]
        if f not in best or score > best[f][0]:
            best[f] = (score, choice)
    if not best:
        return []
    ranked = sorted(best.items(), key=lambda kv: -kv[1][0])
    (f, (score, choice)) = ranked[0]
    if score < FUZZY_MIN:
        return []
    if len(ranked) > 1 and score - ranked[1][1][0] < TIE_MARGIN:
        return []
    return [(f, min(score, 99.0) * 0.9, f"header {label!r} is close to {choice!r} ({score:.0f}%)")]


def content_candidates(profile: Profile) -> list[tuple[str, float, str]]:
    """Field candidates from a column's values alone."""
    if profile.count < 1:
        return []
    out = []
    if profile.email >= CONTENT_SHARE:
        out.append(("email", 80.0, f"{profile.email:.0%} of values are email addresses"))
    if profile.phone >= CONTENT_SHARE:
        out.append(("phone", 78.0, f"{profile.phone:.0%} of values are phone numbers"))
    if profile.url >= CONTENT_SHARE:
        out.append(("website", 70.0, f"{profile.url:.0%} of values are web addresses"))
    if profile.postcode >= CONTENT_SHARE:
        out.append(("postcode", 70.0, f"{profile.postcode:.0%} of values are postcodes"))
    if profile.date >= CONTENT_SHARE:
        out.append(("created_at", 55.0, f"{profile.date:.0%} of values are dates"))
    if profile.company >= 0.4:
        out.append(("company", 60.0, f"{profile.company:.0%} of values are company names"))
    elif profile.multiword >= CONTENT_SHARE:
        out.append(("full_name", 45.0, f"{profile.multiword:.0%} of values look like names"))
    return out


def _confirm(field: str, score: float, reason: str, profile: Profile) -> list[tuple[str, float, str]]:
    """Check a header-based candidate against the column's content."""
    if profile.count < 3:
        return [(field, score, reason)]
    if field != "email" and profile.email >= CONTENT_SHARE:
        return [("email", 97.0, f"{reason}, but {profile.email:.0%} of values are email addresses")]
    if field == "email" and profile.email < 0.2:
        if profile.phone >= CONTENT_SHARE:
            return [("phone", 96.0, f"{reason}, but {profile.phone:.0%} of values are phone numbers")]
        return [(field, score - 60.0, f"{reason}; only {profile.email:.0%} of values are emails")]
    if field == "phone" and profile.phone < 0.2:
        return [(field, score - 60.0, f"{reason}; only {profile.phone:.0%} of values are phone numbers")]
    if field in ("full_name", "first_name", "last_name") and profile.company >= 0.5:
        return [
            ("company", score - 2.0, f"{reason}, but {profile.company:.0%} of values are company names"),
            (field, score - 10.0, reason),
        ]
    if field == "first_name" and profile.multiword >= 0.7:
        return [(field, score, reason), ("full_name", score - 5.0, f"{reason}; values are whole names")]
    return [(field, score, reason)]


def map_columns(
    labels: Sequence[str | None],
    samples: Sequence[Sequence[str]] | None = None,
    overrides: MappingABC[str, str | None] | None = None,
    previous: MappingABC[str, str] | None = None,
    field_labels: Sequence[str | None] | None = None,
) -> Mapping:
    """
    Map columns to canonical fields.

    Args:
        labels: one header label per column (``None`` for a blank header or no header).
        samples: one list of sample values per column (data rows below the header).
        overrides: header label (or column letter) -> field, or ``"ignore"``/``None`` to keep
            the column as extra data. Wins over everything.
        previous: header label -> field from the last successful sync.
        field_labels: for a multi-row header, the lowest label of each column; read before the
            combined label, which stays the column's name.

    Returns:
        A ``Mapping`` with one decision per column.
    """
    width = len(labels)
    samples = samples or [[] for _ in range(width)]
    profiles = [Profile.of(samples[i] if i < len(samples) else []) for i in range(width)]
    names = unique_names(labels)
    over = {normalize_header(k): v for k, v in (overrides or {}).items()}
    over.update({k.upper(): v for k, v in (overrides or {}).items() if k.isalpha() and len(k) <= 3})

    cands: list[tuple[float, str, int, str, str]] = []
    forced: dict[int, tuple[str | None, str]] = {}
    for i, label in enumerate(labels):
        norm = normalize_header(label) if label else ""
        low = field_labels[i] if field_labels and i < len(field_labels) and field_labels[i] else None
        letter = column_name(i)
        keys = [k for k in (norm, normalize_header(low or ""), normalize_header(names[i]), f"column {letter.lower()}", letter) if k]
        hit = next((k for k in keys if k in over), None)
        if hit is not None:
            target = over[hit] if over[hit] not in (None, IGNORE, "") else None
            forced[i] = (target, f"override in config: {label or names[i]!r} -> {target or 'extra data'}")
            if target:
                cands.append((1000.0, target, i, norm, forced[i][1]))
            continue
        if previous and label and label in previous and previous[label]:
            cands.append((99.0, previous[label], i, norm, f"header {label!r} mapped to {previous[label]} at the last sync"))
        found = header_candidates(low) if low and low != label else []
        found = found or header_candidates(label)
        for field, score, reason in found:
            for f2, s2, r2 in _confirm(field, score, reason, profiles[i]):
                cands.append((s2, f2, i, norm, r2))
        for field, score, reason in content_candidates(profiles[i]):
            if not found:
                reason = (f"header {label!r} not recognised; " if label else "no header; ") + reason
            cands.append((score - (0 if not found else 30.0), field, i, norm, reason))

    cands.sort(key=lambda c: (-c[0], c[3], c[1], c[2]))
    taken_fields: set[str] = set()
    chosen: dict[int, tuple[str, float, str]] = {}
    for score, field, i, _, reason in cands:
        if score < 40.0 or field in taken_fields or i in chosen:
            continue
        if i in forced and forced[i][0] != field:
            continue
        taken_fields.add(field)
        chosen[i] = (field, score, reason)

    chosen = _repair_names(chosen, labels, profiles)
    holder = {f: names[i] for i, (f, _, _) in chosen.items()}
    lost: dict[int, tuple[str, str]] = {}
    for score, field, i, _, _ in cands:
        if i not in chosen and i not in lost and score >= 60.0 and field in holder:
            lost[i] = (field, holder[field])
    weak: dict[int, str] = {}  # a candidate too weak to map, e.g. contradicted by the content
    for score, _, i, _, reason in cands:
        if i not in chosen and i not in lost and i not in weak and 0 < score < 40.0:
            weak[i] = reason
    decisions = []
    for i, label in enumerate(labels):
        if i in chosen:
            field, score, reason = chosen[i]
            decisions.append(ColumnDecision(i, label, names[i], field, score, reason))
        elif i in forced:
            decisions.append(ColumnDecision(i, label, names[i], None, 0.0, forced[i][1]))
        elif i in lost:
            field, other = lost[i]
            reason = f"header {label!r} also means {field}, but column {other!r} holds it; kept as extra data"
            decisions.append(ColumnDecision(i, label, names[i], None, 0.0, reason))
        elif i in weak:
            decisions.append(ColumnDecision(i, label, names[i], None, 0.0, f"{weak[i]}; kept as extra data"))
        else:
            why = "blank header" if not label else f"header {label!r} matches no lead field"
            decisions.append(ColumnDecision(i, label, names[i], None, 0.0, f"{why}; kept as extra data"))
    return Mapping(tuple(decisions))


def _repair_names(
    chosen: dict[int, tuple[str, float, str]], labels: Sequence[str | None], profiles: list[Profile]
) -> dict[int, tuple[str, float, str]]:
    """A lone first or last name column with no full name is the person's whole name."""
    fields = {f: i for i, (f, _, _) in chosen.items()}
    if "full_name" in fields or ("first_name" in fields) == ("last_name" in fields):
        return chosen
    field = "first_name" if "first_name" in fields else "last_name"
    i = fields[field]
    norm = normalize_header(labels[i] or "")
    explicit = any(w in norm for w in ("first", "last", "given", "family", "sur", "fore", "vor", "nach"))
    if explicit and profiles[i].multiword < 0.7:
        return chosen
    _, score, reason = chosen[i]
    chosen[i] = ("full_name", score, f"{reason}; no other name column, so taken as the full name")
    return chosen
