"""Helpers shared by test modules (no test module imports another)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from shared.core.state import Approval


def approve_blocked(store, sheet_id: str, *, confirm_empty: bool = False, at: datetime | None = None, change_id: str | None = None) -> str:
    """Approve the sheet's blocked change as a person would (its id from the state); returns the id."""
    state = store.get_state(sheet_id)
    assert state is not None and state.blocked is not None, "nothing is blocked"
    cid = change_id or state.blocked.id
    approval = Approval(cid, at or datetime.now(UTC), "test", "checked", confirm_empty)
    store.save_state(replace(state, approval=approval), fields=("approval",))
    return cid
