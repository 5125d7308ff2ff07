"""
Header-row detection.

A sheet typed by people has titles, notes and blank rows above its header, sometimes a header
of several rows, sometimes none. Detection reads only the top of the grid (``SCAN_ROWS`` rows
plus ``LOOK_BELOW`` rows beneath the last candidate), so its cost does not grow with the sheet.

It combines three strategies and says which one decided:

* ``keywords``: the row names lead fields ("Email", "Teléfono", "Full Name") or generic header
  words ("Year", "Total");
* ``data_types``: the row holds short distinct labels above columns of typed values (emails,
  phones, dates, numbers);
* ``row0_fallback``: nothing scored well enough and the first non-blank row does not look like
  data, so it is taken as the header with low confidence.

When the first rows look like data (an email in the first row, the same types as below) and no
row scores as a header, the result is ``NoHeader`` and mapping works from column contents.

Rows above the header are "preamble" when they are blank, hold one cell at the left edge (a
title or a note), repeat one value across most of the width (a merged title), or form a block of
"key | value" pairs (metadata). A preamble row is never a candidate.

The chosen row is then grown into a header block: downwards over continuation rows, upwards
over group labels ("Contact details" above "Name | Email"), years and units, stopping at
notes, titles standing apart, and rows whose values recur in the data. ``row`` is the block's
first row; mapping reads each column's lowest label first.

Every rule here is a general property of tables (labels differ in type from the data they head,
a header sits above its data, a merged title spans the table); ``bench/corpus.py`` and
``bench/leadsheets.py`` measure the result on real and synthetic sheets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .models import Candidate, Grid, HeaderMatch, NoHeader
from .text import EMAIL, EMPTY, NUMBER, PHONE, TEXT, TYPED_KINDS, classify, normalize_header
from .vocabulary import GIVEN_NAMES, HEADERISH_WORDS, LOOKUP

SCAN_ROWS = 40
"""Rows from the top that may hold the header (the corpus's deepest header is row 16)."""
LOOK_BELOW = 12
"""Non-blank rows below a candidate used to judge it."""
MAX_COLS = 200
"""Columns looked at; a wider sheet is judged on its first 200 columns."""
ACCEPT = 1.6
"""Score at which a row is taken as the header."""
OVERTAKE = 0.9
"""How much a lower row must beat an earlier acceptable one to replace it."""

_YEARISH = re.compile(r"^(?:1[89]|20)\d\d(?:\.0)?(?:\s*[-–/]\s*\d{2,4})?$|^(?:fy|q[1-4])\s?\d{2,4}$", re.I)
_UNIT = re.compile(r"^\(.*\)$|^\[.*\]$")
"""A unit label above a column: "(1,000)", "[In percent]"."""
_NOTE = re.compile(r"\S:\s*\S|:$")
"""A form note ("Email:", "Client: Acme"), not a column label."""


@dataclass(slots=True)
class _Row:
    index: int
    cells: list[str]
    kinds: list[str]
    filled: list[int]
    rule: bool = False

    @property
    def count(self) -> int:
        return len(self.filled)


def _headerish_kind(value: str, kind: str) -> bool:
    """A cell that can stand in a header: text, or a year-like number ("2005", "2010-11")."""
    return kind == TEXT or (kind in TYPED_KINDS and bool(_YEARISH.match(value)))


def _vocab_hit(value: str) -> tuple[bool, bool]:
    """Return (lead-vocabulary hit, generic header-word hit) for one cell."""
    norm = normalize_header(value)
    if not norm:
        return False, False
    if norm in LOOKUP:
        return True, False
    words = norm.split()
    if len(words) <= 5:
        for n in (3, 2, 1):
            for i in range(len(words) - n + 1):
                if " ".join(words[i : i + n]) in LOOKUP and (n > 1 or len(words[i]) > 3):
                    return True, False
    return False, any(w in HEADERISH_WORDS for w in words)


_RULE = re.compile(r"^[-=_*~.\u2013\u2014]+$")
"""A cell that only draws a line (``-----``, ``====``): layout, not content."""


def _prepare(grid: Grid, stop: int) -> list[_Row]:
    rows = []
    for i, raw in enumerate(grid[:stop]):
        cells = [c.strip() if isinstance(c, str) else str(c) for c in raw[:MAX_COLS]]
        ruled = [bool(c and _RULE.match(c)) for c in cells]
        cells = ["" if r else c for c, r in zip(cells, ruled)]
        kinds = [classify(c) if c else EMPTY for c in cells]
        filled = [j for j, k in enumerate(kinds) if k != EMPTY]
        rows.append(_Row(i, cells, kinds, filled, rule=not filled and any(ruled)))
    return rows


def _is_preamble(row: _Row, left: int, width: int) -> bool:
    """
    Rows above a header that are not part of it: blank rows, titles and notes.

    A title or note is one cell at the left edge (or a long one anywhere), a value repeated
    across most of the table's width (a merged title), or a short "key | value" pair at the left
    of a wide table ("Source | Census 2010").
    """
    if not row.filled:
        return True
    if width <= 1:
        return False
    values = [row.cells[j] for j in row.filled]
    if row.count == 1:
        return row.filled[0] <= left or len(values[0]) > 60
    top = max(set(values), key=values.count)
    if values.count(top) * 5 >= row.count * 4 and values.count(top) * 5 >= width * 3:
        return True
    if width >= 5 and row.count == 2 and row.filled[-1] <= left + 1:
        value = values[1]
        return any(ch.isdigit() for ch in value) or len(value) > 25 or len(value.split()) >= 3
    return False


def detect_header(grid: Grid) -> HeaderMatch | NoHeader:
    """
    Find the header row of ``grid``.

    Returns:
        ``HeaderMatch`` with the chosen row, its block, combined labels, strategy, confidence
        and the candidates weighed; or ``NoHeader`` when the sheet starts with data.
    """
    rows = _prepare(grid, SCAN_ROWS + LOOK_BELOW * 3)
    nonblank = [r for r in rows if r.filled]
    if not nonblank:
        return NoHeader(width=0, strategy="empty", confidence=1.0, candidates=(), data_start=len(grid))
    width = max(r.filled[-1] + 1 for r in nonblank)
    multi = [r.filled[0] for r in nonblank if r.count >= 2]
    left = min(multi) if multi else 0

    kv_block = _key_value_block(nonblank, left, width)
    scored: list[RowScore] = []
    for pos, row in enumerate(nonblank):
        if row.index >= SCAN_ROWS:
            break
        if _is_preamble(row, left, width) or row.index in kv_block:
            continue
        below = nonblank[pos + 1 : pos + 1 + LOOK_BELOW]
        rs = _score(row, below, width)
        above = _data_rows_above(nonblank[max(0, pos - LOOK_BELOW) : pos], below)
        if above >= 2:
            # a header sits above its data: rows shaped like the data above it speak against it
            rs = RowScore(
                row,
                rs.score - WEIGHTS["data_above"] * min(above, 4),
                (*rs.reasons, f"{above} rows above look like the data below"),
                rs.data_like,
                rs.lead_hits,
            )
        scored.append(rs)

    candidates = tuple(Candidate(rs.row.index, rs.score, rs.reasons) for rs in sorted(scored, key=lambda s: -s.score)[:5])
    chosen = _choose(scored)
    first = nonblank[0]
    if chosen is None:
        if not scored:
            return NoHeader(width, "no_header", 0.5, candidates, first.index)
        top = scored[0]
        top_row = top.row
        notes = any(_NOTE.search(top_row.cells[j]) for j in top_row.filled)
        if top.data_like > 0 or notes or top.score < 0 or _matches_below(top_row, nonblank):
            return NoHeader(width, "no_header", 0.6, candidates, first.index)
        header_row, confidence, strategy = top_row, 0.3, "row0_fallback"
    else:
        header_row = chosen.row
        confidence = max(0.0, min(1.0, chosen.score / (ACCEPT * 2)))
        strategy = "keywords" if chosen.lead_hits >= 2 else "data_types"

    block = _extend_up(_header_block(header_row, nonblank, width), nonblank, left, width)
    first_row = block[0].index
    if first_row > 0 and rows[first_row - 1].rule:
        first_row -= 1  # a ruled line drawn right above the header is its top border
    labels = _combine_labels(block, width)
    field_labels = tuple(next((r.cells[j] for r in reversed(block) if j < len(r.cells) and r.cells[j]), None) for j in range(width))
    last = block[-1].index
    return HeaderMatch(
        row=first_row,
        rows=tuple(r.index for r in block),
        labels=labels,
        strategy=strategy,
        confidence=round(confidence, 3),
        candidates=candidates,
        data_start=last + 1,
        field_labels=field_labels,
    )


@dataclass(frozen=True, slots=True)
class RowScore:
    """One row weighed as the header."""

    row: _Row
    score: float
    reasons: tuple[str, ...]
    data_like: float
    """Share of the row's cells that look like data (typed values)."""
    lead_hits: int
    """Cells naming a lead field."""


WEIGHTS: dict[str, float] = {
    # evidence for a header row (each a share 0-1 unless said otherwise)
    "vocab": 1.8,  # cells naming lead fields (1 each) or generic header words (0.6 each), per cell
    "lead_hits": 0.3,  # per lead field named, up to 4
    "contrast": 1.4,  # columns where a label sits above typed values
    "text_like": 0.8,  # cells that can stand in a header (text, year-like numbers)
    "fill": 0.6,  # share of the table's width filled
    "distinct": 0.4,  # share of distinct values
    # evidence against
    "data_like": 2.2,  # cells that look like data themselves
    "repeat": 1.2,  # values that recur in the rows below
    "no_data_below": 0.8,  # nothing below to head
    "long_cells": 0.4,  # cells over 50 characters (sentences, not labels)
    "notes": 1.5,  # "Key: value" form notes
    "single_cell": 0.6,  # a row of one cell (flat penalty)
    "data_above": 0.5,  # per row above shaped like the data below, up to 4
    "address": 2.0,  # a cell that is an e-mail address: someone's contact, never a column's label (flat)
}
"""Weights of ``_score``: a row at ``ACCEPT`` or more is taken as the header."""


def _score(row: _Row, below: list[_Row], width: int) -> RowScore:
    cells = [row.cells[j] for j in row.filled]
    kinds = [row.kinds[j] for j in row.filled]
    n = len(cells)
    text_like = sum(1 for j, v, k in zip(row.filled, cells, kinds) if _headerish_kind(v, k) or _labels_other_kind(j, k, below))
    typed = n - text_like
    lead_hits = generic_hits = 0
    for v, k in zip(cells, kinds):
        if k == TEXT and not _NOTE.search(v):  # "Email:" labels a value beside it, not a column
            lead, generic = _vocab_hit(v)
            lead_hits += lead
            generic_hits += generic
    distinct = len(set(c.lower() for c in cells)) / n
    fill = n / width if width else 0.0
    long_cells = sum(1 for c in cells if len(c) > 50)
    notes = sum(1 for c in cells if _NOTE.search(c) and cells.count(c) == 1)  # merged cells are labels

    contrast_cols = repeats = judged = shaped = 0
    for j, value in zip(row.filled, cells):
        seen = [r.cells[j] for r in below if j < len(r.cells) and r.kinds[j] != EMPTY]
        if not seen:
            continue
        judged += 1
        if row.kinds[j] == TEXT and _DIGITS.search(value) and not _YEARISH.match(value):
            # "V-12.823.321" above "E-82.345.678": a value written like the ones below is data, not a label
            mine = _shape(value)
            shaped += sum(_shape(x) == mine for x in seen) * 2 > len(seen)
        elif row.kinds[j] == TEXT and _persons_name(value) and sum(map(_persons_name, seen)) * 2 > len(seen):
            shaped += 1  # "Maria Lopez" above more people's names: a person, not a column label
        typed_below = sum(1 for r in below if j < len(r.kinds) and r.kinds[j] in TYPED_KINDS and not _YEARISH.match(r.cells[j]))
        if typed_below * 2 >= len(seen) and (_headerish_kind(value, row.kinds[j]) or _labels_other_kind(j, row.kinds[j], below)):
            contrast_cols += 1
        if value.lower() in {s.lower() for s in seen}:
            repeats += 1

    typed = min(n, typed + shaped)
    data_like = typed / n
    vocab = (lead_hits * 1.0 + generic_hits * 0.6) / n
    contrast = contrast_cols / judged if judged else 0.0
    repeat = repeats / judged if judged else 0.0
    no_data_below = 1.0 if not judged else 0.0

    w = WEIGHTS
    score = (
        w["vocab"] * min(vocab, 1.0)
        + w["lead_hits"] * min(lead_hits, 4)
        + w["contrast"] * contrast
        + w["text_like"] * (text_like / n)
        + w["fill"] * fill
        + w["distinct"] * distinct
        - w["data_like"] * data_like
        - w["repeat"] * repeat
        - w["no_data_below"] * no_data_below
        - w["long_cells"] * (long_cells / n)
        - w["notes"] * (notes / n)
        - (w["single_cell"] if n == 1 else 0.0)
        - (w["address"] if EMAIL in kinds or any("@" in c and _ADDRESS.match(c) for c in cells) else 0.0)
    )
    reasons = []
    if lead_hits:
        reasons.append(f"{lead_hits} lead field names")
    if generic_hits:
        reasons.append(f"{generic_hits} header words")
    if contrast_cols:
        reasons.append(f"labels above typed values in {contrast_cols}/{judged} columns")
    if typed:
        reasons.append(f"{typed}/{n} cells look like data")
    if repeats:
        reasons.append(f"{repeats} values repeat below")
    if notes:
        reasons.append(f"{notes} cells read like form notes ('Key: value')")
    reasons.append(f"{n}/{width} cells filled")
    return RowScore(row, score, tuple(reasons), data_like, lead_hits)


_DIGITS = re.compile(r"\d")
_ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+$")
"""An address typed wrong ("ann@invalid-domain") is still someone's address."""


def _persons_name(value: str) -> bool:
    """
    A known given name, alone or opening two or three capitalised words ("Maria", "Maria Lopez"):
    a person, never a column's label. Words the lead vocabulary or the header words know
    ("Mark", "Grace period") do not count.
    """
    words = value.split()
    if not 1 <= len(words) <= 3 or not all(w[:1].isupper() and w.replace("-", "").replace("'", "").isalpha() for w in words):
        return False
    folded = normalize_header(value).split()
    if not folded or len(folded[0]) < 3 or folded[0] not in GIVEN_NAMES:
        return False
    return not any(w in LOOKUP or w in HEADERISH_WORDS for w in folded) and normalize_header(value) not in LOOKUP


_SHAPE_RUNS = re.compile(r"(.)\1+")


def _shape(value: str) -> str:
    """How a value is written: letters as ``a``, digits as ``9``, runs folded ("V-12.823.321" -> "a-9.9.9")."""
    out = "".join("9" if ch.isdigit() else "a" if ch.isalpha() else ch for ch in value.strip())
    return _SHAPE_RUNS.sub(r"\1", out)


def _choose(scored: list[RowScore]) -> RowScore | None:
    """
    Take the first acceptable row unless a row below it, before the data starts, clearly
    beats it.

    A row of one value (one cell, or one value repeated over merged cells) is never taken as
    the header itself: it is a title or a group label, and can only join a header block found
    below it (``_extend_up``).
    """
    for i, entry in enumerate(scored):
        if entry.score < ACCEPT or _distinct(entry.row) < 2:
            continue
        best = entry
        for later in scored[i + 1 :]:
            if later.data_like > 0.5:  # data has started
                break
            if later.score > best.score + OVERTAKE and _distinct(later.row) >= 2:
                best = later
        return best
    return None


_FAMILY = {PHONE: NUMBER}
"""Phones stored as numbers lose their leading zero: the two kinds are one family."""


def _labels_other_kind(j: int, kind: str, below: list[_Row]) -> bool:
    """
    A typed cell above a column of another type is a label: dates heading columns of numbers
    ("2015-01-01" over "895"), as time-series tables have. The same type below means data.
    """
    if kind not in TYPED_KINDS:
        return False
    kinds = [_FAMILY.get(r.kinds[j], r.kinds[j]) for r in below if j < len(r.kinds) and r.kinds[j] != EMPTY]
    if len(kinds) < 2:
        return False
    common = max(set(kinds), key=kinds.count)
    return common != _FAMILY.get(kind, kind) and kinds.count(common) * 10 >= len(kinds) * 8


def _typed_columns(row: _Row) -> frozenset[int]:
    return frozenset(j for j in row.filled if row.kinds[j] in TYPED_KINDS and not _YEARISH.match(row.cells[j]))


def _data_rows_above(above: list[_Row], below: list[_Row]) -> int:
    """How many rows above hold typed values in the same columns as most rows below (data rows)."""
    sigs = [_typed_columns(r) for r in below]
    if len(sigs) < 2:
        return 0
    common = max(set(sigs), key=sigs.count)
    if not common or sigs.count(common) * 2 < len(sigs):
        return 0
    return sum(1 for r in above if _typed_columns(r) == common)


def _key_value_block(nonblank: list[_Row], left: int, width: int) -> set[int]:
    """
    Rows of a metadata block: three or more consecutive rows holding only a "key | value"
    pair at the left edge of a wide table ("Period | Mid-2006", "Version | 06_V1").
    """
    if width < 5:
        return set()
    out: set[int] = set()
    run: list[int] = []
    for r in nonblank:
        if r.count <= 2 and r.filled[-1] <= left + 1:
            run.append(r.index)
            continue
        if len(run) >= 3:
            out.update(run)
        run = []
    if len(run) >= 3:
        out.update(run)
    return out


def _distinct(row: _Row) -> int:
    return len({row.cells[j].lower() for j in row.filled})


def _matches_below(row: _Row, nonblank: list[_Row]) -> bool:
    """Does the row share its column types with the rows below (so it is data)?"""
    below = [r for r in nonblank if r.index > row.index][:LOOK_BELOW]
    if not below:
        return False
    same = 0
    for j in row.filled:
        kinds = [r.kinds[j] for r in below if j < len(r.kinds) and r.kinds[j] != EMPTY]
        if kinds and max(set(kinds), key=kinds.count) == row.kinds[j]:
            same += 1
    return same == row.count


def _header_block(header: _Row, nonblank: list[_Row], width: int) -> list[_Row]:
    """
    Extend the header downwards over continuation rows of a multi-row header.

    A continuation row holds only labels, fills columns the first row left blank or splits
    them, and sits above typed data that it contrasts with.
    """
    block = [header]
    pos = next(i for i, r in enumerate(nonblank) if r.index == header.index)
    for nxt in nonblank[pos + 1 : pos + 4]:
        if nxt.index - block[-1].index > 3:
            break
        if any(not _headerish_kind(nxt.cells[j], nxt.kinds[j]) for j in nxt.filled):
            break
        below = [r for r in nonblank if r.index > nxt.index][:LOOK_BELOW]
        if not below:
            break
        filled_before = set().union(*(r.filled for r in block))
        adds_columns = any(j not in filled_before for j in nxt.filled)
        if not adds_columns:
            break
        typed_below = 0
        for j in nxt.filled:
            kinds = [r.kinds[j] for r in below if j < len(r.kinds) and r.kinds[j] != EMPTY]
            if kinds and sum(k in TYPED_KINDS for k in kinds) * 2 >= len(kinds):
                typed_below += 1
        gaps_before = len(block[-1].filled) < width
        if typed_below == 0 or not gaps_before:
            break
        values_below = {r.cells[j].lower() for r in below for j in nxt.filled if j < len(r.cells)}
        if any(nxt.cells[j].lower() in values_below for j in nxt.filled):
            break
        block.append(nxt)
    return block


def _extend_up(block: list[_Row], nonblank: list[_Row], left: int, width: int) -> list[_Row]:
    """
    Extend the header upwards over group rows of a multi-row header.

    A group row holds only labels (text or years) and is not preamble; rows of notes ("Client:
    Acme", long sentences) end the header.
    """
    pos = next(i for i, r in enumerate(nonblank) if r.index == block[0].index)
    below = [r for r in nonblank if r.index > block[-1].index][:LOOK_BELOW]
    below_values: dict[int, set[str]] = {}
    for r in below:
        for j in r.filled:
            below_values.setdefault(j, set()).add(r.cells[j].lower())
    for u in reversed(nonblank[max(0, pos - 6) : pos]):
        if block[0].index - u.index > 4 or _is_preamble(u, left, width):
            break
        cells = [u.cells[j] for j in u.filled]
        typed = sum(1 for j in u.filled if not _headerish_kind(u.cells[j], u.kinds[j]) and not _UNIT.match(u.cells[j]))
        if typed and (typed * 2 > u.count or u.count - typed < 2):
            break
        if any(len(c) > 60 or (_NOTE.search(c) and cells.count(c) == 1) for c in cells):
            break  # a note; a "Key: value" merged over several columns is a group label
        if any(u.cells[j].lower() in below_values.get(j, ()) for j in u.filled):
            break  # its values recur in the data: a data row, not a group label
        if u.count >= 2 and _distinct(u) == 1 and block[0].index - u.index > 2:
            break  # a merged title standing apart; a merged group label sits on its columns
        block.insert(0, u)
    return block


def _combine_labels(block: list[_Row], width: int) -> tuple[str | None, ...]:
    """One label per column: upper rows spread over the blank cells to their right (merged cells)."""
    parts: list[list[str]] = [[] for _ in range(width)]
    last = len(block) - 1
    for depth, row in enumerate(block):
        carry = ""
        for j in range(width):
            value = row.cells[j] if j < len(row.cells) else ""
            if value:
                carry = value
            elif depth < last and carry and j > (row.filled[0] if row.filled else 0):
                value = carry
            if value and (not parts[j] or parts[j][-1] != value):
                parts[j].append(value)
    return tuple(" ".join(p) if p else None for p in parts)
