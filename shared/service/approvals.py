"""Use case: a person approves exactly one blocked change of a sheet (a large drop, lost columns, an emptied sheet, too many identity carries)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from ..core.state import Approval
from ..errors import ConflictError, InvalidRequestError, UnknownSheetError
from .audit import record as record_audit
from .deps import Deps
from .inputs import ApprovalRequest
from .results import ApprovalResult


class Approvals:
    def __init__(self, deps: Deps):
        self._deps = deps

    def approve(self, request: ApprovalRequest) -> ApprovalResult:
        """
        Approve one blocked change, named by its id: the next sync applies it if, and only if, it
        would make exactly that change; otherwise the approval lapses (and so after 24 hours).
        """
        rt = self._deps
        if rt.settings.sheet(request.sheet_id) is None:
            raise UnknownSheetError(request.sheet_id)
        # An HTTP call: the reader's short timeouts, so a hung storage account costs seconds.
        state = rt.read_store.get_state(request.sheet_id)
        blocked = state.blocked if state else None
        if state is None or blocked is None:
            raise ConflictError("nothing to approve: the last sync of this sheet was not blocked")
        unit = {"columns": "columns", "carry": "leads keeping another row's id"}.get(blocked.kind, "leads")
        what = f"{blocked.kind} {blocked.id}: {blocked.count} {unit} ({blocked.reason[:200]})"
        if request.change_id is None:
            raise InvalidRequestError(f'name the blocked change you approve, e.g. {{"change": "{blocked.id}"}}; it is {what}')
        if request.change_id != blocked.id:
            raise ConflictError(
                f"change {request.change_id[:40]!r} is not the sheet's blocked change, which is now {what}; review it and approve that id"
            )
        if blocked.kind == "empty" and not request.confirm_empty:
            raise InvalidRequestError(
                f"change {blocked.id} removes every lead of the sheet: approve it with confirm_empty=true if that is right"
            )
        approval = Approval(blocked.id, datetime.now(UTC), request.by[:200], request.reason[:1000], request.confirm_empty)
        rt.read_store.save_state(replace(state, approval=approval), fields=("approval",))
        rt.states_changed()
        record_audit(
            rt.store,
            "approval",
            approval.by,
            [request.sheet_id],
            {"leads" if blocked.kind != "columns" else "columns": blocked.count},
            change=blocked.id,
            kind=blocked.kind,
        )
        return ApprovalResult(request.sheet_id, blocked, approval.by)
