"""
A stateful hypothesis test of the promise "no lead is ever lost", against Azurite.

Random edits to a sheet (add, remove, change, sort, blank rows, truncate) are synced one after
another. After every sync: every lead ever stored is still stored (active or soft-deleted); when
the guard allowed the sync, the active leads are exactly the sheet's; when it blocked it,
storage did not change at all.
"""

from __future__ import annotations

import uuid

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from shared.adapters.table_storage import TableLeadStore
from shared.config import Settings, SheetConfig
from shared.sync import sync_sheet

SHEET = SheetConfig(id="prop", customer="Prop", source="csv", path="unused.csv")


class _Source:
    def __init__(self) -> None:
        self.grid: list[list[str]] = []

    def fetch(self, sheet: SheetConfig) -> list[list[str]]:
        return [row[:] for row in self.grid]


def make_machine(connection: str) -> type[RuleBasedStateMachine]:
    class NoLeadLost(RuleBasedStateMachine):
        @initialize(n=st.integers(0, 30))
        def start(self, n: int) -> None:
            tag = uuid.uuid4().hex[:10]
            self.store = TableLeadStore(connection, f"pl{tag}", f"ps{tag}", f"pr{tag}")
            self.settings = Settings(sheets=(SHEET,), min_baseline=5)
            self.source = _Source()
            self.people = {i: f"note {i}" for i in range(n)}
            self.next_id = n
            self.ever: set[str] = set()
            self.before: dict[str, tuple[str, bool]] = {}
            self.last = None
            self._sync()

        def _render(self) -> None:
            rows = [["Name", "Email", "Notes"]]
            for i, note in self.people.items():
                rows.append([f"Person {i}", f"p{i}@example.com", note])
            self.source.grid = rows

        def _sync(self) -> None:
            self._render()
            self.before = self._index()
            self.last = sync_sheet(SHEET, self.source, self.store, self.settings)
            self.ever |= set(self._index())

        def _index(self) -> dict[str, tuple[str, bool]]:
            return {k: (v.fingerprint, v.deleted) for k, v in self.store.load_index("prop").items()}

        @rule(k=st.integers(1, 5))
        def add(self, k: int) -> None:
            for _ in range(k):
                self.people[self.next_id] = "new"
                self.next_id += 1
            self._sync()

        @rule(data=st.data())
        def remove_some(self, data: st.DataObject) -> None:
            if self.people:
                victims = data.draw(st.lists(st.sampled_from(sorted(self.people)), max_size=len(self.people), unique=True))
                for v in victims:
                    del self.people[v]
            self._sync()

        @rule(data=st.data())
        def change_one(self, data: st.DataObject) -> None:
            if self.people:
                who = data.draw(st.sampled_from(sorted(self.people)))
                self.people[who] = data.draw(st.text(max_size=10))
            self._sync()

        @rule()
        def sort_backwards(self) -> None:
            self.people = dict(sorted(self.people.items(), reverse=True))
            self._sync()

        @rule()
        def empty_sheet(self) -> None:
            saved = self.people
            self.people = {}
            self._sync()
            self.people = saved

        @invariant()
        def nothing_lost(self) -> None:
            if self.last is None:
                return
            now = self._index()
            assert self.ever <= set(now), "a stored lead was erased"
            if self.last.status != "ERROR":
                active = {k for k, (_, deleted) in now.items() if not deleted}
                assert len(active) == len(self.people)
            elif "guard_blocked" in self.last.reason_codes:
                assert now == self.before, "a blocked sync changed storage"

    return NoLeadLost


def test_no_lead_is_ever_lost(azurite) -> None:
    """Random edit sequences never erase a stored lead; blocked syncs change nothing."""
    machine = make_machine(azurite.connection_string)
    machine.TestCase.settings = settings(
        max_examples=15, stateful_step_count=6, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )
    machine.TestCase().runTest()
