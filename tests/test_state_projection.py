"""
The console overview's projection read (issue 21: 1,000 sheets fast): ``list_states(fields)``
selects and decodes only those state fields, and ``Health.overview`` builds from it exactly the
entries ``Health.detail`` builds from whole states, reduced to what the overview shows.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from shared.adapters.table_codec import STATE_FIELDS, state_columns, state_to_entity
from shared.adapters.table_storage import TableLeadStore
from shared.config import SheetConfig
from shared.core.state import Approval, BlockedChange, Lease, RunSummary, SheetState
from shared.service import HealthQuery, Runtime, set_runtime
from shared.service.health import OVERVIEW_FIELDS, OVERVIEW_KEYS

NOW = datetime.now(UTC).replace(microsecond=0)


def _full(sheet_id: str, **kw) -> SheetState:
    """A state with every field set, as a synced sheet has it."""
    runs = tuple(RunSummary(NOW - timedelta(minutes=15 * r), ("SUCCESS", "WARNING")[r % 2], 700, {"leads": 10 + r}) for r in range(10))
    base = SheetState(
        sheet_id,
        customer="Acme",
        status="WARNING",
        messages=("mapping needs review",),
        reason_codes=("mapping_needs_review",),
        last_run_at=NOW - timedelta(minutes=3),
        last_success_at=NOW - timedelta(minutes=3),
        counts={"leads": 10, "added": 1},
        header_row=1,
        header_strategy="scored",
        guard={"allowed": True, "code": "ok"},
        baseline=10,
        leads_customer="Acme",
        mapping=((0, "E-mail", "email"), (1, "Notes", None)),
        header_fp="f" * 16,
        set_fp="e" * 16,
        full_check_at=NOW,
        recent_runs=runs,
        high_water=((NOW - timedelta(days=1), 10),),
        skipped_runs=2,
    )
    return replace(base, **kw)


def test_every_stored_state_property_belongs_to_a_field_the_projection_knows() -> None:
    """state_columns(STATE_FIELDS) names the first property of every field state_to_entity writes; an unknown field is refused."""
    written = set(state_to_entity(_full("s1")))
    columns = set(state_columns(STATE_FIELDS))
    assert {c for c in written if not c.rsplit("_", 1)[-1].isdigit()} - {"PartitionKey"} == columns
    assert state_columns(("lease",)) == ["RowKey", "lease_owner", "lease_until"]
    with pytest.raises(ValueError, match="nonsense"):
        state_columns(("status", "nonsense"))


def test_a_projection_reads_exactly_its_fields(store: TableLeadStore) -> None:
    """
    The projected fields equal the whole read's; every other field keeps its default. A value
    split over several properties (25 long messages of emoji) is read whole (that entity is read
    again in full); an older entity that
    lacks a selected property reads as if it were unset; a sheet changed or deleted since the
    last projection is read anew (decoded states are reused only for an unchanged ETag).
    """
    long = tuple("🙂" * 990 + str(i) for i in range(25))  # 2 UTF-16 units per emoji: the messages span two properties
    lease = Lease("run-1", NOW + timedelta(minutes=5))
    blocked = BlockedChange("d" * 16, "drop", 8, NOW, "8 of 10 leads would go")
    store.save_state(_full("a", blocked=blocked, approval=Approval("d" * 16, NOW, by="olivia")))
    store.save_state(_full("b", messages=long))
    store.save_state(SheetState("c", status="SUCCESS"))  # written before most fields existed
    store.acquire_lease("a", lease.owner, NOW, 300)
    assert len(store.state.get_entity("sheet", "b")["messages_json_2"]) > 0, "the long messages must really be split"

    whole = {s.sheet_id: s for s in store.list_states()}
    projected = {s.sheet_id: s for s in store.list_states(OVERVIEW_FIELDS)}
    assert set(projected) == set(whole) == {"a", "b", "c"}
    kept = [f for f in OVERVIEW_FIELDS if f != "lease"]
    for sid, st in projected.items():
        assert {f: getattr(st, f) for f in kept} == {f: getattr(whole[sid], f) for f in kept}, sid
        assert st.lease == whole[sid].lease
        if sid != "b":  # b's split value had it read whole
            empty = SheetState(sid)
            assert {f: getattr(st, f) for f in STATE_FIELDS if f not in kept} == {
                f: getattr(empty, f) for f in STATE_FIELDS if f not in kept
            }
    assert len(projected["b"].messages) == 25 and sum(map(len, projected["b"].messages)) > 24_000  # whole, as stored (capped)
    assert projected["a"].blocked == blocked and projected["a"].lease is not None
    assert projected["a"].approval is not None and projected["a"].approval.by == "olivia"

    again = {s.sheet_id: s for s in store.list_states(OVERVIEW_FIELDS)}
    assert again["a"] is projected["a"], "an unchanged entity is not decoded again"
    store.save_state(replace(whole["c"], status="ERROR", messages=("the sheet is not shared",)))
    store.state.delete_entity("sheet", "b")
    after = {s.sheet_id: s for s in store.list_states(OVERVIEW_FIELDS)}
    assert set(after) == {"a", "c"} and after["c"].status == "ERROR" and after["c"].messages == ("the sheet is not shared",)


def test_the_overview_is_detail_reduced_to_what_it_shows(make_settings, store: TableLeadStore) -> None:
    """
    Health.overview's entries are Health.detail's (built from whole states) restricted to
    OVERVIEW_KEYS, for every kind of sheet: synced, blocked, approved, interrupted (expired lease),
    stale, paused and never synced; the overall status and problems are the same, orphans are not
    listed. It reads the states through one projected query, cached like the whole ones.
    """
    sheets = [
        SheetConfig(id=i, customer="Acme", source="csv", path=f"{i}.csv") for i in ("ok", "blocked", "approved", "crashed", "old", "never")
    ]
    sheets.append(SheetConfig(id="paused", customer="Acme", source="csv", path="p.csv", enabled=False))
    rt = Runtime(make_settings(*sheets), environ={}, store=store)
    set_runtime(rt)
    change = BlockedChange("c" * 16, "drop", 8, NOW, "8 of 10 leads would go")
    store.save_state(_full("ok"))
    store.save_state(_full("blocked", blocked=change))
    store.save_state(_full("approved", blocked=change, approval=Approval("c" * 16, NOW, by="olivia")))
    store.save_state(_full("crashed"))
    store.acquire_lease("crashed", "dead-run", NOW - timedelta(hours=2), 60)
    store.save_state(_full("old", last_run_at=NOW - timedelta(days=30)))
    store.save_state(_full("paused"))
    store.save_state(_full("gone"))  # an orphan: stored but no longer configured

    detail = rt.health.detail(HealthQuery(runs=10))
    calls: list[tuple[str, ...] | None] = []
    real = store.list_states

    def counting(fields=None):
        calls.append(None if fields is None else tuple(fields))
        return real(fields)

    store.list_states = counting  # type: ignore[method-assign]
    overview = rt.health.overview(runs=10)
    rt.health.overview(runs=10)
    assert calls == [OVERVIEW_FIELDS], "one projected query, then the cache"

    by_id = {e["sheet_id"]: e for e in detail.doc["sheets"]}
    assert [e["sheet_id"] for e in overview.doc["sheets"]] == list(by_id)
    for entry in overview.doc["sheets"]:
        want = {k: v for k, v in by_id[entry["sheet_id"]].items() if k in OVERVIEW_KEYS}
        assert entry == want, entry["sheet_id"]
    flags = {e["sheet_id"]: (e.get("awaiting_approval"), e["reason_codes"]) for e in overview.doc["sheets"]}
    assert flags["blocked"][0] is True and flags["approved"][0] is False
    assert "interrupted" in flags["crashed"][1] and "stale" in flags["old"][1] and flags["never"][1] == ["never_synced"]
    assert len(overview.doc["sheets"][0]["recent_runs"]) == 10
    assert overview.doc["status"] == detail.doc["status"] and overview.doc["problems"] == detail.doc["problems"]
    assert "orphaned" in detail.doc and "orphaned" not in overview.doc

    # A sheet synced since shows its new runs; an unchanged one reuses the runs shown before.
    store.list_states = real  # type: ignore[method-assign]
    store.save_state(_full("ok", recent_runs=(RunSummary(NOW, "ERROR", 5, {"leads": 0}),)))
    rt.states_changed()
    before = {e["sheet_id"]: e for e in overview.doc["sheets"]}
    after = {e["sheet_id"]: e for e in rt.health.overview(runs=10).doc["sheets"]}
    assert [r["status"] for r in after["ok"]["recent_runs"]] == ["ERROR"]
    assert after["blocked"]["recent_runs"] is before["blocked"]["recent_runs"]
    assert after["blocked"]["recent_runs"] == by_id["blocked"]["recent_runs"]
