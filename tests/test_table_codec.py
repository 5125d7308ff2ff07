"""The Table Storage codec, without Azurite: every storage convention round-trips."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.adapters.table_codec import (
    CHUNK_UNITS,
    MAX_JSON_PARTS,
    decode_token,
    encode_token,
    entity_to_lead,
    get_text,
    lead_entity,
    put_text,
    run_entity,
    run_from_entity,
    split_utf16,
    state_from_entity,
    state_to_entity,
    utf16_units,
)
from shared.core.identity import assign_keys
from shared.core.models import Lead
from shared.core.state import Approval, ApprovalRecord, BlockedChange, RunSummary, SheetState

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200), st.integers(2, 50))
def test_split_utf16_never_breaks_a_character(text: str, units: int) -> None:
    parts = split_utf16(text, units)
    assert "".join(parts) == text
    assert all(utf16_units(p) <= units for p in parts)


def test_long_emoji_text_is_split_by_utf16_units_and_read_back() -> None:
    """40,000 UTF-16 units of emoji pass one property's 32K limit: split, and joined again on read."""
    e: dict = {}
    text = "🎉" * 20_000
    put_text(e, "notes", text)
    assert set(e) == {"notes", "notes_2"} and all(utf16_units(v) <= CHUNK_UNITS for v in e.values())
    assert get_text(e, "notes") == text


def test_state_round_trips_and_keeps_storage_conventions_inside() -> None:
    """None is '' (or -1 for the header row) in the entity and None again in the state."""
    state = SheetState(
        "s1",
        customer="Acme",
        status="ERROR",
        messages=("a", "b"),
        reason_codes=("guard_blocked",),
        last_run_at=NOW,
        counts={"added": 2},
        header_row=None,
        mapping=((0, "Name", "full_name"), (1, "Notes", None)),
        recent_runs=(RunSummary(NOW, "SUCCESS", 12, {"added": 2}, ("ok",), "r1", "timer"),),
        blocked=BlockedChange("d1234", "drop", 40, NOW, "80% drop", ({"id": "e1", "row": 3},)),
        approval=Approval("d1234", NOW, "ops", "checked"),
        approvals=(ApprovalRecord("d0", "drop", 3, NOW, "ops", "", "applied", NOW),),
        high_water=((NOW - timedelta(days=1), 100), (NOW, 60)),
        skipped_runs=2,
    )
    e = state_to_entity(state)
    assert e["header_row"] == -1 and e["PartitionKey"] == "sheet" and e["RowKey"] == "s1"
    assert "lease_owner" not in e, "the lease is written by the lease methods only"
    back = state_from_entity(e)
    assert back == state


def test_a_state_with_huge_messages_and_mapping_stays_under_the_limits() -> None:
    mapping = tuple((i, f"Column {i} " + "x" * 400, None) for i in range(5000)) + ((5000, "Email", "email"),)
    state = SheetState("s1", messages=tuple("m" * 10_000 for _ in range(200)), mapping=mapping)
    e = state_to_entity(state)
    assert all(utf16_units(v) <= 32_767 for v in e.values() if isinstance(v, str))
    back = state_from_entity(e)
    assert len(back.messages) == 25 and back.messages[-1].startswith("… and ")
    assert back.mapping == ((5000, "Email", "email"),), "thousands of extra columns keep the mapped ones only"
    assert len([k for k in e if k.startswith("messages_json")]) <= MAX_JSON_PARTS


def test_a_shorter_value_blanks_the_parts_a_longer_one_left() -> None:
    long = state_to_entity(SheetState("s1", messages=tuple("m" * 2000 for _ in range(25))))
    short = state_to_entity(SheetState("s1", messages=("ok",)))
    merged = long | short  # what a MERGE leaves
    assert state_from_entity(merged).messages == ("ok",)


def test_run_entities_round_trip_newest_first() -> None:
    older, newer = RunSummary(NOW, "SUCCESS", run_id="a"), RunSummary(NOW + timedelta(seconds=1), "ERROR", run_id="b")
    assert run_entity("s", newer)["RowKey"] < run_entity("s", older)["RowKey"]
    assert run_from_entity(run_entity("s", newer)) == newer


def test_tokens_round_trip_and_forged_ones_are_refused() -> None:
    token = encode_token({"PartitionKey": "s1", "RowKey": "e12"}, {"i": "1", "w": NOW.isoformat()})
    assert decode_token(token, extra_keys=("i", "w"))["i"] == "1"
    for forged in ("x" * 5000, "%%%", encode_token({"PartitionKey": {"nested": 1}}), encode_token({"Other": "x"})):
        with pytest.raises(ValueError, match="invalid continuation token"):
            decode_token(forged)


def test_lead_entities_round_trip_with_secondary_contacts_and_cut_columns() -> None:
    phones = json.dumps([{"column": "Work", "value": "+441134960456"}])
    keyed, _ = assign_keys([Lead(4, {"email": "a@example.com", "phone": "+447911123456", "phones": phones}, {"Notes": "hi"})])
    e = lead_entity("s1", "Acme", keyed[0], NOW, None, truncated=("Notes",))
    assert e["row"] == 5 and e["sig"] and "ck" not in e
    lead = entity_to_lead(e)
    assert lead["phones"] == json.loads(phones) and lead["truncated"] == ["Notes"] and lead["extra"] == {"Notes": "hi"}
