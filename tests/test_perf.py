"""The speed and memory measures of issue 20 change no result: fingerprints, sizes, leads and settings stay what they were."""

from __future__ import annotations

import gc
import json
import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from bench.synth import big_sheet
from shared.adapters.table_storage import MAX_BATCH_BYTES, _batches, _entity_size
from shared.core.analysis import analyse_sheet
from shared.core.fit import MAX_CHAR_COST, cost, fit_lead, lead_cost, nested_cost
from shared.core.identity import _SheetEncoder, assign_keys, fingerprint
from shared.core.models import Lead
from shared.sync import paused_gc, set_fingerprint
from tests.conftest import ROOT

names = st.text(min_size=1, max_size=8)
cells = st.dictionaries(names, st.text(max_size=30), max_size=6)
leads = st.builds(Lead, st.integers(0, 10), cells, cells, cells)


@settings(max_examples=300)
@given(st.lists(leads, min_size=1, max_size=12))
def test_sheet_encoder_gives_the_stored_fingerprints(batch: list[Lead]) -> None:
    """The per-sheet fingerprint (names sorted once per set) equals ``fingerprint`` for every lead,
    whatever its names (``%`` in them too), so an upgrade rewrites no lead."""
    enc = _SheetEncoder()
    for lead in batch:
        assert enc.fingerprint(lead) == fingerprint(lead)
    keyed, _ = assign_keys(batch)
    assert [k.fingerprint for k in keyed] == [fingerprint(lead) for lead in batch]


def test_set_fingerprint_is_the_digest_of_the_sorted_lines() -> None:
    """The sheet's fingerprint is still blake2b-16 of every sorted ``key:fingerprint`` line ending in a newline."""
    import hashlib

    keyed, _ = assign_keys(analyse_sheet(big_sheet(300)).leads)
    h = hashlib.blake2b(digest_size=16)
    for line in sorted(f"{k.key}:{k.fingerprint}" for k in keyed):
        h.update(line.encode())
        h.update(b"\n")
    assert set_fingerprint(keyed) == h.hexdigest()


@settings(max_examples=500)
@given(st.text(max_size=200))
def test_no_character_costs_more_than_the_bound(text: str) -> None:
    """The cheap size bound of ``fit_lead`` (12 bytes a character) never undercounts either count."""
    assert cost(text) <= MAX_CHAR_COST * len(text)
    assert nested_cost(text) <= MAX_CHAR_COST * len(text)


def test_a_lead_over_its_budget_is_still_cut() -> None:
    """The bound only skips the exact count for leads that fit: a long lead is still measured and cut."""
    lead = Lead(1, {"email": "a@b.co", "notes": "é" * 300_000}, {}, {})
    fitted, cut = fit_lead(lead, 800_000)
    assert cut == ("notes",) and lead_cost(fitted) <= 800_000
    small = Lead(1, {"email": "a@b.co", "notes": "😀" * 1000}, {"x": "\x01" * 50}, {})
    assert fit_lead(small, 800_000) == (small, ())


@settings(max_examples=300)
@given(st.dictionaries(names, st.one_of(st.text(max_size=400), st.integers(), st.booleans(), st.none()), max_size=12))
def test_entity_size_bound_is_never_below_the_json(entity: dict[str, object]) -> None:
    """A batch's size estimate is at least what the entity's JSON takes (what the old estimate counted)."""
    assert _entity_size(entity) >= len(json.dumps(entity, default=str).encode()) + 400


def test_batches_stay_under_the_transaction_limits() -> None:
    """Entities of every size are batched at most 100 at a time and under the payload limit."""
    ops = [("upsert", {"PartitionKey": "p", "RowKey": str(i), "notes": "😀" * (i * 37 % 9000)}, {}) for i in range(700)]
    got = list(_batches(ops))
    assert sum(len(b) for b in got) == 700
    for b in got:
        assert len(b) <= 100
        assert sum(len(json.dumps(op[1]).encode()) + 400 for op in b) <= MAX_BATCH_BYTES


def test_release_rows_gives_the_same_analysis_and_empties_the_grid() -> None:
    """With ``release_rows`` the leads and issues are the same, and every data row is dropped from the grid once read."""
    grid = big_sheet(2000)
    before = analyse_sheet([row[:] for row in grid])
    mine = [row[:] for row in grid]
    after = analyse_sheet(mine, release_rows=True)
    assert after.leads == before.leads and after.issues == before.issues
    assert after.rows_read == before.rows_read and after.rows_blank == before.rows_blank
    start = after.header.data_start
    assert all(not row for row in mine[start:]) and mine[:start] == grid[:start]


def test_release_rows_keeps_the_grid_when_the_analysis_stops_early() -> None:
    """An analysis that ends in ERROR before the leads (no essential column) leaves the grid whole (an approval re-reads it)."""
    grid = [["Notes", "City"], ["hello", "Leeds"], ["again", "York"]]
    copy = [row[:] for row in grid]
    result = analyse_sheet(grid, release_rows=True)
    assert result.status.value == "ERROR" and grid == copy


def test_paused_gc_switches_the_collector_back_on() -> None:
    """The collector is off inside ``paused_gc`` and on again after it, also after an error; off stays off."""
    assert gc.isenabled()
    try:
        with paused_gc():
            assert not gc.isenabled()
            raise ValueError
    except ValueError:
        pass
    assert gc.isenabled()
    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_importing_the_settings_loads_no_pydantic() -> None:
    """``import shared.config`` (and the service) loads no pydantic; reading a sheet list does, and a bad entry is still a broken sheet."""
    code = (
        "import sys, json\n"
        "import shared.config, shared.service.root\n"
        "print('pydantic' in sys.modules)\n"
        "s = shared.config.load_settings({'LEAD_SYNC_SHEETS': json.dumps([{'id': 'a', 'customer': 'A', 'source': 'csv', 'path': 'a.csv'},"
        " {'id': 'b b', 'customer': 'B'}]), 'LEAD_SYNC_STORAGE': 'UseDevelopmentStorage=true'})\n"
        "print([x.id for x in s.sheets], [b.id for b in s.broken], s.problems)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout.splitlines()
    assert out[0] == "False"
    assert out[1] == "['a'] ['b b'] ()"
