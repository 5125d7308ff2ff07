"""The data-loss guard, lead identity and change planning."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from shared.core.guard import GuardPolicy, check_data_loss
from shared.core.identity import assign_keys, base_key, fingerprint
from shared.core.models import Lead
from shared.core.plan import StoredLead, plan_changes

POLICY = GuardPolicy(max_drop=0.7, min_baseline=10)


def test_guard_blocks_drop_over_limit() -> None:
    """Losing more than 70% of 100 leads is blocked, with the numbers in the reason."""
    d = check_data_loss(100, 100, 20, 80, POLICY)
    assert not d.allowed and d.code == "drop_over_limit" and "80%" in d.reason


def test_guard_allows_drop_at_limit() -> None:
    """Exactly 70% is allowed; the limit is 'more than'."""
    assert check_data_loss(100, 100, 30, 70, POLICY).allowed


def test_guard_blocks_empty_sheet_even_when_small() -> None:
    """A sheet that returns nothing after having leads is always blocked."""
    d = check_data_loss(3, 3, 0, 3, POLICY)
    assert not d.allowed and d.code == "empty_sheet"


def test_guard_ignores_tiny_baselines() -> None:
    """Below the minimum baseline, percentage swings are not checked."""
    assert check_data_loss(5, 5, 1, 4, POLICY).allowed


def test_guard_checks_key_set_not_only_count() -> None:
    """Same count but 90% different keys (a sheet swapped for another) is blocked."""
    d = check_data_loss(100, 100, 100, 90, POLICY)
    assert not d.allowed


def test_change_ids_name_exactly_what_a_change_removes() -> None:
    """The id a person approves is the digest of the kind and the exact set removed, in any order."""
    from shared.core.guard import change_id

    assert change_id("drop", ["b", "a"]) == change_id("drop", ["a", "b"])
    assert change_id("drop", ["a", "b"]) != change_id("drop", ["a", "b", "c"])
    assert change_id("drop", ["a"]) != change_id("empty", ["a"]) and change_id("empty", ["a"]).startswith("e")


@given(st.integers(0, 10_000), st.integers(0, 10_000), st.integers(0, 10_000), st.floats(0.05, 1.0))
def test_guard_never_allows_loss_above_limit(stored: int, incoming: int, missing: int, limit: float) -> None:
    """Whatever the numbers, an allowed sync never loses more than the limit of a big sheet."""
    missing = min(missing, stored)
    policy = GuardPolicy(max_drop=limit, min_baseline=10)
    d = check_data_loss(stored, stored, incoming, missing, policy)
    if d.allowed and stored >= 10:
        assert missing / stored <= limit + 1e-9
        assert (stored - incoming) / stored <= limit + 1e-9
    if stored and incoming == 0:
        assert not d.allowed


def _lead(row: int, **fields: str) -> Lead:
    return Lead(row, dict(fields), {})


def test_key_prefers_email_then_phone_then_name() -> None:
    """Keys come from email, else phone, else name and company."""
    assert base_key(_lead(0, email="a@b.co", phone="+447911123456")).startswith("e")
    assert base_key(_lead(0, phone="+447911123456")).startswith("p")
    assert base_key(_lead(0, full_name="Ann Lee")).startswith("n")
    assert base_key(_lead(0, full_name="Ann Lee")) == base_key(_lead(7, full_name="ann  LEE"))


def test_key_and_fingerprint_ignore_position() -> None:
    """Moving a row does not change its key or fingerprint."""
    a, b = _lead(1, email="a@b.co", full_name="A"), _lead(50, email="a@b.co", full_name="A")
    assert base_key(a) == base_key(b) and fingerprint(a) == fingerprint(b)


def test_keys_are_table_storage_safe() -> None:
    """Keys hold only hex digits, letters and dashes (no / \\ # ? or control characters)."""
    keyed, _ = assign_keys([_lead(0, email="x/y#z?@b.co"), _lead(1, full_name="\\\x01")])
    for k in keyed:
        assert k.key.replace("-", "").isalnum()


def test_duplicates_are_kept_and_counted() -> None:
    """Two rows with one email are both kept under distinct keys, whatever their order."""
    a, b = _lead(0, email="a@b.co", notes="first"), _lead(1, email="a@b.co", notes="second")
    k1, dup1 = assign_keys([a, b])
    k2, dup2 = assign_keys([b, a])
    assert dup1 == dup2 == 2
    assert {k.key for k in k1} == {k.key for k in k2} and len({k.key for k in k1}) == 2
    assert sum(1 for k in k1 if k.duplicate_of) == 1


def test_exact_duplicate_rows_get_distinct_keys() -> None:
    """Identical rows are not merged away."""
    keyed, dup = assign_keys([_lead(0, email="a@b.co"), _lead(1, email="a@b.co"), _lead(2, email="a@b.co")])
    assert dup == 3 and len({k.key for k in keyed}) == 3


def test_plan_writes_only_changes() -> None:
    """Unchanged leads are not written; changed, new, returning and missing ones are."""
    keyed, _ = assign_keys([_lead(0, email="a@b.co"), _lead(1, email="b@b.co", notes="new"), _lead(2, email="c@b.co")])
    a, b, c = keyed
    stored = {
        a.key: StoredLead(a.key, a.fingerprint, False),
        b.key: StoredLead(b.key, "old", False),
        c.key: StoredLead(c.key, c.fingerprint, True),
        "gone": StoredLead("gone", "x", False),
        "already-deleted": StoredLead("already-deleted", "x", True),
    }
    plan = plan_changes(keyed, stored)
    assert plan.unchanged == 1
    assert [k.key for k in plan.updated] == [b.key]
    assert [k.key for k in plan.restored] == [c.key]
    assert plan.deleted == ["gone"]
    assert plan.added == []
