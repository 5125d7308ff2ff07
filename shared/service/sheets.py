"""
Use case: the sheet list as operators edit it (the console). Read a sheet before saving it
(header, mapping with reasons, the first leads as they would be stored), add it to the sheets
table, pause, resume and override a column, each write made against the version the operator
saw (the entity's ETag) and recorded in the audit trail with who, before and after
(configuration only, never a lead value).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import ConfigError, ConflictError, InvalidFieldError, SourceError, UnknownSheetError
from .audit import record as record_audit
from .deps import Deps
from .inputs import SheetDraft, SheetEdit, SyncRequest
from .results import SheetEntry, SheetPreview, SheetSaved

if TYPE_CHECKING:  # pydantic is loaded on first use, not with the app
    from ..config_model import SheetConfig

PREVIEW_LEADS = 20
"""How many leads the onboarding preview shows."""

FIELD_OF = {"id": "sheet_id", "spreadsheet_id": "spreadsheet", "worksheet": "worksheet", "customer": "customer"}
"""A ``SheetConfig`` field -> the form field its error is shown beside."""


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA (the letters a spreadsheet shows above a column)."""
    out = ""
    n = index + 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def _config(entry: dict[str, Any]) -> SheetConfig:
    """The entry as a ``SheetConfig``; ``InvalidFieldError`` naming the form field otherwise."""
    from pydantic import ValidationError

    from ..config_model import SheetConfig

    try:
        return SheetConfig.model_validate(entry)
    except ValidationError as e:
        err = e.errors()[0]
        where = str(err["loc"][0]) if err.get("loc") else ""
        raise InvalidFieldError(FIELD_OF.get(where, where or "sheet_id"), str(err["msg"]).removeprefix("Value error, ")) from None


class SheetAdmin:
    def __init__(self, deps: Deps):
        self._deps = deps

    def _entries(self) -> Any:
        if self._deps.settings.sheets_table is None:
            raise ConfigError(
                "the sheet list is read from LEAD_SYNC_SHEETS or a file, which the console cannot change: "
                "set LEAD_SYNC_SHEETS_TABLE (and import the list with `python -m shared sheets-import FILE`) to edit sheets here"
            )
        return self._deps.sheet_entries

    def service_account(self, credential: str | None = None) -> str | None:
        """The address a spreadsheet must be shared with (the named key's, else the default key's), if a key is set."""
        s = self._deps.settings
        info = s.google_accounts.get(credential or "default") or s.google_credentials or {}
        email = info.get("client_email") if isinstance(info, dict) else None
        return str(email) if email else None

    def entry(self, sheet_id: str) -> SheetEntry:
        """The sheet's entry and its ETag; ``UnknownSheetError`` when the table does not hold it."""
        found = self._entries().get_entry(sheet_id)
        if found is None:
            raise UnknownSheetError(sheet_id)
        return SheetEntry(sheet_id, found[0], found[1])

    def preview(self, draft: SheetDraft) -> SheetPreview:
        """
        Read the sheet as it would be synced: its header row, each column's field with the reason
        and confidence (``low`` below the mapper's confidence line), the findings, and the first
        ``PREVIEW_LEADS`` leads as they would be stored. Nothing is written. A sheet that cannot be
        read raises ``InvalidFieldError`` on ``spreadsheet``, naming the address to share it with.
        """
        sheet = _config(draft.entry())
        self._new_id(draft.sheet_id)
        return self._analyse(sheet)

    def _new_id(self, sheet_id: str) -> None:
        if self._deps.known(sheet_id):
            raise InvalidFieldError("sheet_id", f"sheet id {sheet_id!r} is already in the sheet list: choose another")

    def inspect(self, sheet_id: str) -> SheetPreview:
        """A configured sheet read now, as ``preview`` reads a new one (the console's sheet page)."""
        sheet = self._deps.settings.sheet(sheet_id)
        if sheet is None:
            raise UnknownSheetError(sheet_id)
        return self._analyse(sheet)

    def _analyse(self, sheet: SheetConfig) -> SheetPreview:
        from ..core.analysis import analyse_sheet
        from ..core.mapping import W
        from ..core.models import HeaderMatch

        rt = self._deps
        try:
            grid = rt.source_for(sheet).fetch(sheet)
        except SourceError as e:
            who = self.service_account(sheet.credential)
            hint = f" (the app reads as {who}: share the spreadsheet with that address as a viewer)" if who and who not in str(e) else ""
            raise InvalidFieldError("spreadsheet", f"cannot read the sheet: {e}{hint}") from None
        analysis = analyse_sheet(grid, sheet.options(rt.settings.phone_region))
        columns = [
            {
                **c.to_dict(),
                "letter": column_letter(c.index),
                "low": c.field is not None and c.score < W.confident,
                "overridden": (c.header or "") in sheet.overrides or column_letter(c.index) in sheet.overrides,
            }
            for c in analysis.mapping.columns
        ]
        leads = [
            {"row": lead.row + 1, "fields": dict(lead.fields), "extra": dict(lead.extra), "invalid": dict(lead.invalid)}
            for lead in analysis.leads[:PREVIEW_LEADS]
        ]
        header = analysis.header
        return SheetPreview(
            sheet.id,
            header.row + 1 if isinstance(header, HeaderMatch) else None,
            columns,
            analysis.status.value,
            list(analysis.messages),
            leads,
            analysis.rows_read,
        )

    def create(self, draft: SheetDraft) -> SheetSaved:
        """Add the sheet to the sheets table (``ConflictError`` if its id is taken), record it, and start its first sync."""
        from .syncs import Syncs

        entry = draft.entry()
        _config(entry)
        rt = self._deps
        self._new_id(draft.sheet_id)
        etag = self._entries().put_entry(entry, None)
        audit_id = record_audit(rt.store, "sheet_added", draft.actor, [draft.sheet_id], {}, before=None, after=entry)
        rt.sheets_changed()
        run_id: str | None = None
        try:
            run_id = Syncs(rt).start(SyncRequest(draft.sheet_id)).run_id
        except (ConfigError, ConflictError, UnknownSheetError):
            run_id = None  # saved; the timer's next run syncs it
        return SheetSaved(draft.sheet_id, etag, audit_id, run_id)

    def edit(self, edit: SheetEdit) -> SheetSaved:
        """
        Pause, resume or override one column of a sheet, against the version the operator saw:
        ``ConflictError`` when the entry changed since (``etag``), so nobody overwrites another's change.
        """
        current = self.entry(edit.sheet_id)
        if current.etag != edit.etag:
            raise ConflictError(
                f"sheet {edit.sheet_id!r} was changed by someone else since you opened it: reload the page and apply your change again"
            )
        before = current.entry
        after = dict(before)
        if edit.enabled is not None:
            if edit.enabled:
                after.pop("enabled", None)
            else:
                after["enabled"] = False
        if edit.override is not None:
            header, target = edit.override
            overrides = dict(after.get("overrides") or {})
            if target is None:
                overrides.pop(header, None)
            else:
                overrides[header] = target
            if overrides:
                after["overrides"] = overrides
            else:
                after.pop("overrides", None)
        _config(after)
        etag = self._entries().put_entry(after, edit.etag)
        action = "sheet_paused" if edit.enabled is False else "sheet_resumed" if edit.enabled else "sheet_changed"
        audit_id = record_audit(self._deps.store, action, edit.actor, [edit.sheet_id], {}, before=before, after=after)
        self._deps.sheets_changed()
        return SheetSaved(edit.sheet_id, etag, audit_id)
