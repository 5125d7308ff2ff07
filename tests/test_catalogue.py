"""The named catalogue of messy sheets: one file per problem, each with its expected outcome."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shared.adapters.csv_source import read_csv
from shared.core.analysis import analyse_sheet
from shared.core.models import HeaderMatch

DIR = Path(__file__).parent / "data" / "sheets"
EXPECTED: dict[str, dict] = json.loads((DIR / "expected.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(EXPECTED), ids=lambda n: n.removesuffix(".csv"))
def test_catalogue_sheet(name: str) -> None:
    """Each messy sheet gets its expected header row, field mapping, status and lead count."""
    want = EXPECTED[name]
    a = analyse_sheet(read_csv(DIR / name))
    header_row = a.header.row if isinstance(a.header, HeaderMatch) else None
    if "header_row" in want:
        assert header_row == want["header_row"], a.header.candidates
    if "header_rows_include" in want:
        assert want["header_rows_include"] in a.header.rows
    by_name = {c.name: c.field for c in a.mapping.columns}
    for column, field in want.get("fields", {}).items():
        assert by_name.get(column, "absent") == field, (column, [c.to_dict() for c in a.mapping.columns])
    by_index = {str(c.index): c.field for c in a.mapping.columns}
    for index, field in want.get("fields_by_index", {}).items():
        assert by_index[index] == field, [c.to_dict() for c in a.mapping.columns]
    assert a.status.value == want.get("status", a.status.value)
    assert a.missing == want.get("missing", [])
    for code in want.get("reasons", []):
        assert code in a.reasons
    assert len(a.leads) == want["leads"]
    if "skipped" in want:
        assert a.rows_skipped == want["skipped"]
    if "phones" in want:
        assert [lead.fields.get("phone") for lead in a.leads] == want["phones"]


def test_catalogue_keeps_every_column() -> None:
    """No column of any catalogue sheet is dropped: each is a field or named extra data."""
    for name in EXPECTED:
        grid = read_csv(DIR / name)
        a = analyse_sheet(grid)
        width = max(len(r) for r in grid)
        assert [c.index for c in a.mapping.columns] == list(range(width))
        assert len({c.name for c in a.mapping.columns}) == width
