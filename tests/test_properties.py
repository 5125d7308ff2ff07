"""Hypothesis fuzzing of the pure core: any grid gives a result, never a crash."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.core.analysis import analyse_sheet
from shared.core.detection import detect_header
from shared.core.mapping import map_columns
from shared.core.models import CANONICAL_FIELDS, HeaderMatch, NoHeader
from shared.core.text import normalize_header

cell = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", "", "Name", "Email", "Phone", "ann@example.com", "07911 123456", "2024-01-05", "45123", "Total", "1,000"]),
)
grids = st.lists(st.lists(cell, max_size=12), max_size=40)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(grids)
def test_analyse_any_grid(grid: list[list[str]]) -> None:
    """Ragged, empty and unicode grids give an analysis with consistent parts."""
    a = analyse_sheet(grid)
    assert isinstance(a.header, (HeaderMatch, NoHeader))
    width = max((len(r) for r in grid), default=0)
    assert len(a.mapping.columns) >= min(width, 1) or width == 0
    fields = [c.field for c in a.mapping.columns if c.field]
    assert len(fields) == len(set(fields)) and set(fields) <= set(CANONICAL_FIELDS)
    assert len({c.name for c in a.mapping.columns}) == len(a.mapping.columns)
    if isinstance(a.header, HeaderMatch):
        assert 0 <= a.header.row < len(grid) and a.header.data_start > a.header.row
    for lead in a.leads:
        assert lead.fields or lead.invalid


@settings(max_examples=20, deadline=None)
@given(st.integers(1000, 3000), st.text(min_size=1, max_size=3))
def test_detection_on_thousands_of_columns(width: int, text: str) -> None:
    """A very wide sheet is handled (detection looks at a bounded window)."""
    grid = [[f"{text}{i}" for i in range(width)], ["x"] * width]
    detect_header(grid)


def test_huge_cells_and_long_sheets() -> None:
    """A 100k-character cell and a 50k-row sheet are handled; detection reads only the top."""
    grid = [["Name", "Email"], ["A" * 100_000, "a@b.co"]] + [["B", f"b{i}@b.co"] for i in range(50_000)]
    h = detect_header(grid)
    assert isinstance(h, HeaderMatch) and h.row == 0
    assert len(analyse_sheet(grid).leads) == 50_001


headers = st.lists(
    st.sampled_from(
        [
            "Name",
            "Full Name",
            "Email",
            "E-mail",
            "Phone",
            "Mobile",
            "Company",
            "Job Title",
            "Notes",
            "Source",
            "Campaign",
            "Status",
            "Date",
            "City",
            "Postcode",
            "Country",
            "Website",
            "First Name",
            "Surname",
            "Foo",
            "Bar",
        ]
    ),
    min_size=1,
    max_size=12,
    unique_by=normalize_header,  # "Email" and "E-mail" are one name: of two such columns the leftmost is the email
)


@settings(max_examples=200, deadline=None)
@given(headers, st.randoms())
def test_mapping_is_deterministic_and_order_independent(labels: list[str], rnd: random.Random) -> None:
    """Headers with distinct names map to the same fields whatever the column order."""
    first = {c.header: c.field for c in map_columns(labels).columns}
    assert first == {c.header: c.field for c in map_columns(labels).columns}
    shuffled = labels[:]
    rnd.shuffle(shuffled)
    assert first == {c.header: c.field for c in map_columns(shuffled).columns}


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=40))
def test_header_reading_is_evidence_or_a_refusal(label: str) -> None:
    """Any header gives candidates or a refusal with its reason, never both, and never a crash."""
    from shared.core.mapping import read_header

    reading = read_header(label)
    assert not (reading.evidence and reading.refused)
    for e in reading.evidence:
        assert e.field in CANONICAL_FIELDS and e.reason


@settings(max_examples=500, deadline=None)
@given(st.from_regex(r"\+?[0-9 ()\-.]{0,24}", fullmatch=True) | st.text(max_size=30))
def test_phone_shape_needs_seven_to_fifteen_digits(value: str) -> None:
    """Whatever the text, a phone-shaped value has 7 to 15 digits (plus an extension at most)."""
    from shared.core.text import phone_shape

    if phone_shape(value):
        assert sum(ch.isdigit() for ch in value) >= 7


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=15)), max_size=8), st.data())
def test_mapping_gives_each_field_once_and_secondaries_only_beside_it(labels: list[str | None], data: st.DataObject) -> None:
    """Each field has one column; a secondary phone or email column exists only beside a primary one."""
    samples = [data.draw(st.lists(cell, max_size=6)) for _ in labels]
    m = map_columns(labels, samples)
    fields = [c.field for c in m.columns if c.field]
    assert len(fields) == len(set(fields))
    for field in m.secondary:
        assert field in m.fields


CELLS = st.sampled_from(["#N/A", "#REF!", "Loading...", "LOADING...", " #N/A", "x#", "#", "L", "Lee", "#1 lead", ""]) | st.text(max_size=8)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.lists(CELLS, max_size=6), max_size=8))
def test_blanking_error_values_blanks_exactly_the_error_cells(grid: list[list[str]]) -> None:
    """Every error value (and only those) becomes blank; other rows are the very same objects."""
    from shared.core.rows import blank_error_values, is_error_value

    out, count = blank_error_values(grid)
    assert count == sum(1 for row in grid for c in row if c and is_error_value(c))
    for row, got in zip(grid, out, strict=True):
        assert list(got) == ["" if c and is_error_value(c) else c for c in row]
        if not any(c and is_error_value(c) for c in row):
            assert got is row
