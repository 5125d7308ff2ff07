"""
Reason codes: why a sheet's sync is not plain SUCCESS, in one catalogue.

Health, run reports, telemetry and alerts carry these codes; the dashboard switches on them.
Each has the status it implies, what it means and what a person does about it. ERROR messages
end with the action, so that every ERROR says what clears it.
"""

from __future__ import annotations

import enum
from typing import NamedTuple

from .models import Status


class ReasonCode(str, enum.Enum):
    # detection, mapping, rows (shared.core.analysis)
    EMPTY_SHEET = "empty_sheet"
    NO_HEADER = "no_header"
    LOW_CONFIDENCE_HEADER = "low_confidence_header"
    MAPPING_REVIEW = "mapping_needs_review"
    MISSING_COLUMNS = "missing_columns"
    ESSENTIAL_COLUMN_REMOVED = "essential_column_removed"
    DRIFT = "drift"
    ROWS_ABOVE_HEADER = "rows_above_header"
    INVALID_VALUES = "invalid_values"
    ROWS_SKIPPED = "rows_skipped"
    ERROR_VALUES = "error_values"
    NOT_LEADS = "not_leads"
    UNENCODABLE_TEXT = "unencodable_text"
    # writing (shared.sync)
    DUPLICATES = "duplicates"
    TRUNCATED = "truncated"
    CUSTOMER_RENAMED = "customer_renamed"
    IDENTITY_KEPT = "identity_kept"
    IDENTITY_NOT_CARRIED = "identity_not_carried"
    IDENTITY_BLOCKED = "identity_blocked"
    GUARD_BLOCKED = "guard_blocked"
    APPROVED = "approved"
    APPROVAL_LAPSED = "approval_lapsed"
    COLUMNS_ACCEPTED = "columns_accepted"
    SUPPRESSED = "suppressed"
    ERASED_AGAIN = "erased_again"
    SUPPRESSION_UNUSABLE = "suppression_unusable"
    # runs
    BUSY = "busy"
    INTERRUPTED = "interrupted"
    RECOVERING = "recovering"
    STORAGE_DRIFT = "storage_drift"
    STALE = "stale"
    NEVER_SYNCED = "never_synced"
    ORPHANED = "orphaned"
    POISONED = "poisoned"
    DEFERRED = "source_rate_limited"
    INTERNAL = "internal"
    # errors (shared.errors codes)
    CONFIG = "config"
    SOURCE = "source"
    SOURCE_AUTH = "source_auth"
    SOURCE_NOT_FOUND = "source_not_found"
    SOURCE_UNAVAILABLE = "source_unavailable"
    SOURCE_FORMAT = "source_format"
    STORE = "store"


class ReasonInfo(NamedTuple):
    status: Status
    meaning: str
    action: str


_S, _W, _E = Status.SUCCESS, Status.WARNING, Status.ERROR
R = ReasonCode
CATALOGUE: dict[ReasonCode, ReasonInfo] = {
    R.EMPTY_SHEET: ReasonInfo(
        _W, "the sheet has no cells", "check the worksheet name; a sheet with stored leads that empties is blocked by the guard"
    ),
    R.NO_HEADER: ReasonInfo(
        _W, "no header row was found; columns were mapped by their content", "add a header row, or map columns by letter in overrides"
    ),
    R.LOW_CONFIDENCE_HEADER: ReasonInfo(_W, "the header row was a guess", "check the header with `python -m shared inspect --sheet ID`"),
    R.MAPPING_REVIEW: ReasonInfo(_W, "an essential field's best column was weak or tied", "confirm the column in overrides"),
    R.MISSING_COLUMNS: ReasonInfo(
        _E,
        "a required group of columns (e.g. email or phone) has no mapped column",
        "add the column, map it in overrides, or change the sheet's required groups",
    ),
    R.ESSENTIAL_COLUMN_REMOVED: ReasonInfo(
        _E,
        "a column of an essential field disappeared, or no longer reads as that field, since the last sync; nothing was written",
        "restore the column, map it in overrides (a column that changed meaning: check its values), or accept the change: "
        "approve the blocked change id shown in health detail",
    ),
    R.DRIFT: ReasonInfo(
        _W, "columns were renamed, moved, added or removed since the last sync", "nothing, if intended; otherwise fix the sheet"
    ),
    R.ROWS_ABOVE_HEADER: ReasonInfo(
        _W, "rows above the header hold contacts that are not synced", "check the header row (or set an override)"
    ),
    R.INVALID_VALUES: ReasonInfo(_W, "values could not be normalised; kept raw under `invalid`", "fix the cells if they matter"),
    R.ROWS_SKIPPED: ReasonInfo(_W, "rows without a contact or a name were skipped", "fill in the rows if they are leads"),
    R.ERROR_VALUES: ReasonInfo(
        _W, "cells held spreadsheet errors (#N/A, #REF!...) and were read as blank", "fix the formulas in the sheet"
    ),
    R.UNENCODABLE_TEXT: ReasonInfo(
        _W,
        "cells held text that cannot be stored (lone UTF-16 surrogates, broken characters); it was replaced with U+FFFD",
        "retype the characters in the rows named if they matter",
    ),
    R.NOT_LEADS: ReasonInfo(
        _W,
        "footer, total or section-title rows inside the data were skipped",
        "nothing; move them out of the table if they should not be there",
    ),
    R.DUPLICATES: ReasonInfo(
        _W, "rows share an email or phone; each is kept as its own lead", "merge the rows in the sheet if they are the same person"
    ),
    R.TRUNCATED: ReasonInfo(
        _W, "cells too long for one Table Storage entity were cut to fit (marked `truncated`)", "shorten the cells in the sheet"
    ),
    R.CUSTOMER_RENAMED: ReasonInfo(_S, "the sheet's customer name changed; its leads were rewritten with it", "nothing"),
    R.IDENTITY_KEPT: ReasonInfo(
        _S,
        "leads whose email changed kept their id (matched on phone, name and company, or the rest of the row, "
        "and a second attribute agreeing: name, email local part or company); counted as `carried`",
        "nothing",
    ),
    R.IDENTITY_NOT_CARRIED: ReasonInfo(
        _S,
        "rows shared a phone, or a name and company, with a stored lead but no second attribute (another person): "
        "each is a new lead and the stored one left the sheet (soft-deleted, under the guard)",
        "nothing, if the people were replaced; otherwise fix the rows",
    ),
    R.IDENTITY_BLOCKED: ReasonInfo(
        _E,
        "more rows than allowed (max_carry, 20% by default) would keep the id of a stored lead whose email changed; nothing was written",
        "if the emails really changed, approve the blocked change id shown in health detail (its preview lists old and new ids); "
        "otherwise fix the sheet",
    ),
    R.GUARD_BLOCKED: ReasonInfo(
        _E,
        "the sync would remove more leads than allowed, or the sheet came back empty; nothing was written",
        "if the removal is right, approve the blocked change id shown in health detail (an emptied sheet needs confirm_empty); otherwise fix the sheet",
    ),
    R.APPROVED: ReasonInfo(_S, "a person approved exactly this change and it was applied", "nothing"),
    R.APPROVAL_LAPSED: ReasonInfo(
        _W,
        "an approval was not used: the next sync did something else, or 24 hours passed",
        "review the new blocked change and approve it if right",
    ),
    R.COLUMNS_ACCEPTED: ReasonInfo(_W, "a person accepted the removal of an essential column", "nothing"),
    R.BUSY: ReasonInfo(_W, "the sheet was already syncing in another run; this run skipped it", "nothing, unless it repeats"),
    R.INTERRUPTED: ReasonInfo(
        _W,
        "a run did not finish (killed, timed out or restarted); its lease expired",
        "nothing: the next run recovers; look at the host's logs if it repeats",
    ),
    R.RECOVERING: ReasonInfo(_W, "this run followed an interrupted run", "nothing"),
    R.STORAGE_DRIFT: ReasonInfo(
        _W,
        "storage no longer held the sheet's leads as the last sync left them (rows deleted, marked deleted, edited or added "
        "behind the app's back); this run compared the sheet with storage in full and repaired it",
        "nothing; if it recurs, find what changes the leads table outside the app",
    ),
    R.STALE: ReasonInfo(
        _W, "no sync of the sheet finished for several timer periods", "check that the timer runs and the function app is up"
    ),
    R.NEVER_SYNCED: ReasonInfo(_W, "the sheet has not been synced yet", "wait for the timer or POST /api/leads/sync"),
    R.ORPHANED: ReasonInfo(
        _W,
        "leads of a sheet that is no longer configured are still stored",
        "configure the sheet again, or leave them (they are not served unless include_orphaned=true)",
    ),
    R.POISONED: ReasonInfo(
        _E,
        "the sheet's sync message failed on every delivery (host.json maxDequeueCount) and went to the poison queue",
        "read the last error in the message; fix its cause (storage, Google, configuration); the next interval syncs the sheet again",
    ),
    R.DEFERRED: ReasonInfo(
        _W,
        "Google answered 429 (quota): the sheet's sync message was put back on the queue with a backoff delay",
        "nothing, unless it repeats: then give the sheet's credential fewer sheets or add a service account",
    ),
    R.INTERNAL: ReasonInfo(
        _E, "a bug in Lead Sync stopped this sheet's sync", "report the error type and place shown; other sheets are unaffected"
    ),
    R.CONFIG: ReasonInfo(_E, "the sheet's configuration is invalid", "fix the entry as the message says (`python -m shared check-config`)"),
    R.SOURCE: ReasonInfo(_E, "the sheet could not be read", "check the sheet's settings"),
    R.SOURCE_AUTH: ReasonInfo(
        _E,
        "the Google credentials are missing, malformed or refused",
        "fix GOOGLE_SERVICE_ACCOUNT_JSON and share the sheet with the service account (`python -m shared check-config`)",
    ),
    R.SOURCE_NOT_FOUND: ReasonInfo(
        _E,
        "the spreadsheet, tab or file does not exist or is not shared",
        "check spreadsheet_id and worksheet, and share the sheet with the service account",
    ),
    R.SOURCE_UNAVAILABLE: ReasonInfo(
        _E,
        "the source kept failing (rate limits, server errors, timeouts)",
        "nothing: the next run retries; check Google's status if it repeats",
    ),
    R.SOURCE_FORMAT: ReasonInfo(_E, "the source answered with something that is not a sheet", "check the file or tab"),
    R.SUPPRESSED: ReasonInfo(
        _W,
        "rows of people who asked to be erased were withheld (suppression list); reported by row number only",
        "tell the sheet's owner to remove those rows; nothing to do in Lead Sync",
    ),
    R.ERASED_AGAIN: ReasonInfo(
        _W,
        "stored leads of erased people (written before the erasure finished) were deleted for real",
        "nothing: the suppression list did its work",
    ),
    R.SUPPRESSION_UNUSABLE: ReasonInfo(
        _E,
        "the suppression list cannot be checked (the erasure key is missing or not the one the list was made with); nothing was written",
        "set LEAD_SYNC_ERASURE_KEY to the key the erasures were made with",
    ),
    R.STORE: ReasonInfo(_E, "Table Storage failed after retries", "nothing: the next run retries; check the storage account if it repeats"),
}


def action(code: str) -> str | None:
    """What a person does about ``code`` (None for an unknown code)."""
    try:
        return CATALOGUE[ReasonCode(code)].action
    except ValueError:
        return None


def catalogue() -> list[dict[str, str]]:
    """The catalogue as data (for the API and the README)."""
    return [{"code": c.value, "status": i.status.value, "meaning": i.meaning, "action": i.action} for c, i in CATALOGUE.items()]
