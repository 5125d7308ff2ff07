"""
A stateful hypothesis test of the promise "no lead is ever lost", against Azurite.

Random edits to a sheet (add, remove, change, sort, empty it, correct an email, an oversize
cell) and operator actions (approve the blocked change, lose the sync state) are synced one
after another. After every sync: every lead ever stored is still stored (active or
soft-deleted); when the guard allowed the sync, the active leads are exactly the sheet's; when
it blocked it, storage did not change at all; and every removal was either within the limit
from the high-water mark of live leads or approved for exactly that set of leads.
"""

from __future__ import annotations

import uuid

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from shared.adapters.table_storage import TableLeadStore
from shared.config import Settings, SheetConfig
from shared.core.guard import change_id
from shared.sync import sync_sheet
from tests.helpers import approve_blocked

SHEET = SheetConfig(id="prop", customer="Prop", source="csv", path="unused.csv")


class _Source:
    def __init__(self) -> None:
        self.grid: list[list[str]] = []

    def fetch(self, sheet: SheetConfig) -> list[list[str]]:
        return [row[:] for row in self.grid]


def make_machine(connection: str) -> type[RuleBasedStateMachine]:  # noqa: C901 - one factory holds the machine's rules
    class NoLeadLost(RuleBasedStateMachine):
        @initialize(n=st.integers(0, 30))
        def start(self, n: int) -> None:
            tag = uuid.uuid4().hex[:10]
            self.store = TableLeadStore(connection, f"pl{tag}", f"ps{tag}", f"pr{tag}")
            self.settings = Settings(sheets=(SHEET,), min_baseline=5)
            self.source = _Source()
            self.people = {i: f"note {i}" for i in range(n)}
            self.emails = {i: f"p{i}@example.com" for i in range(n)}
            self.next_id = n
            self.ever: set[str] = set()
            self.before: dict[str, tuple[str, bool]] = {}
            self.last = None
            self.high = 0  # the model of the guard's high-water mark
            self.approved: str | None = None
            self._sync()

        def _render(self) -> None:
            rows = [["Name", "Email", "Phone", "Notes"]]
            for i, note in self.people.items():
                rows.append([f"Person {i}", self.emails.get(i, f"p{i}@example.com"), f"07911 {100000 + i}", note])
            self.source.grid = rows

        def _sync(self) -> None:
            self._render()
            self.before = self._index()
            self.last = sync_sheet(SHEET, self.source, self.store, self.settings)
            now = self._index()
            self.ever |= set(now)
            self._check_removal(now)

        def _check_removal(self, now: dict[str, tuple[str, bool]]) -> None:
            """Every removal was under the limit from the high-water mark, or approved for exactly that set."""
            was = {k for k, (_, d) in self.before.items() if not d}
            live = {k for k, (_, d) in now.items() if not d}
            removed = was - live
            if removed and self.last is not None and "approved" in self.last.reason_codes:
                kinds = {"drop", "empty"}
                # A change whose identity carries were over the limit too also digests the carries
                # (old id > new key), which this model does not know: only runs without carries
                # are checked against the removed set (tests/test_identity_takeover.py pins carries).
                if not self.last.carried:
                    assert self.approved in {change_id(kind, removed) for kind in kinds}, "an approval applied to another set"
                self.high = len(live)
            elif removed:
                mark = max(self.high, len(was))
                if mark >= self.settings.min_baseline:
                    assert len(live) >= (1 - self.settings.max_drop) * mark - 1e-9, "a removal past the limit was not approved"
            if self.last is not None and self.last.status != "ERROR":
                self.high = max(self.high, len(live))

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

        @rule(data=st.data())
        def correct_email(self, data: st.DataObject) -> None:
            if self.people:
                who = data.draw(st.sampled_from(sorted(self.people)))
                self.emails[who] = f"fixed{self.next_id}@example.org"
                self.next_id += 1
            self._sync()

        @rule(data=st.data())
        def oversize_cell(self, data: st.DataObject) -> None:
            if self.people:
                who = data.draw(st.sampled_from(sorted(self.people)))
                self.people[who] = "😀" * 120_000  # ~1.4 MB as sent: cut to fit, never dropped
            self._sync()

        @rule()
        def approve(self) -> None:
            state = self.store.get_state("prop")
            if state is not None and state.blocked is not None:
                self.approved = approve_blocked(self.store, "prop", confirm_empty=True)
            self._sync()

        @rule()
        def lose_state(self) -> None:
            self.store.state.delete_entity("sheet", "prop")
            self.high = sum(1 for _, d in self._index().values() if not d)
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
        max_examples=20, stateful_step_count=8, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )
    machine.TestCase().runTest()
