"""
Lead Sync's exception tree.

* LeadSyncError
  + ConfigError            a setting is missing or invalid (the app still starts; health says so)
  + SourceError            a sheet could not be read
    - SourceAuthError      credentials missing, invalid or refused (401/403)
    - SourceNotFoundError  the spreadsheet or worksheet does not exist (404)
    - SourceUnavailableError  429/5xx/timeouts that outlived the retries
      . SourceRateLimitedError  a 429 in the queue path: the message comes back later
    - SourceFormatError    the source answered with something that is not a sheet
  + StoreError             Table Storage failed (after retries)
  + InvalidRequestError    a caller sent something we cannot act on (HTTP 400, CLI exit 2)
  + UnknownSheetError      a sheet id that is not configured (HTTP 404, CLI exit 2)
  + ConflictError          the request does not fit the current state (HTTP 409, CLI exit 1)
  + UnknownRunError        a sync run id that is not recorded (HTTP 404)
  + UnauthorizedError      a sheet's change-notification token is wrong, or the sheet unknown (HTTP 401)
  + PacedError             a notified sync would not fit the read budgets soon enough (HTTP 429)
  + RetryLater             a queue message failed transiently: the queue delivers it again

Expected outcomes (no header, missing columns, a blocked guard) are values in a report, never
exceptions: see ``shared.sync``.
"""

from __future__ import annotations


class LeadSyncError(Exception):
    """Base of every error Lead Sync raises on purpose."""

    code = "error"


class ConfigError(LeadSyncError):
    """A setting is missing or invalid."""

    code = "config"


class SourceError(LeadSyncError):
    """A sheet could not be read."""

    code = "source"


class SourceAuthError(SourceError):
    """Credentials are missing, invalid or refused."""

    code = "source_auth"


class SourceNotFoundError(SourceError):
    """The spreadsheet, worksheet or file does not exist."""

    code = "source_not_found"


class SourceUnavailableError(SourceError):
    """The source kept failing (rate limits, server errors, timeouts) after bounded retries."""

    code = "source_unavailable"


class SourceRateLimitedError(SourceUnavailableError):
    """Google answered 429 and the caller asked not to wait in-process (the queue defers the message)."""

    code = "source_rate_limited"


class SourceFormatError(SourceError):
    """The source answered with something that is not a sheet."""

    code = "source_format"


class StoreError(LeadSyncError):
    """Table Storage failed after retries."""

    code = "store"


class InvalidRequestError(LeadSyncError):
    """A caller sent a parameter or body that cannot be acted on; the message says how to fix it."""

    code = "invalid_request"


class UnknownSheetError(LeadSyncError):
    """The sheet id names no configured sheet."""

    code = "unknown_sheet"

    def __init__(self, sheet_id: str) -> None:
        super().__init__(f"unknown sheet {sheet_id[:64]!r}: see the sheet ids in the keyed health view")
        self.sheet_id = sheet_id


class InvalidFieldError(InvalidRequestError):
    """One named input (a form field) is invalid: a form shows the message beside that field."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


class ConflictError(LeadSyncError):
    """The request does not fit the sheet's current state (e.g. nothing to approve)."""

    code = "conflict"


class NotFoundError(LeadSyncError):
    """The thing asked for (a lead) does not exist."""

    code = "not_found"


class UnknownRunError(LeadSyncError):
    """The run id names no recorded manual sync (or one whose record expired)."""

    code = "unknown_run"

    def __init__(self, run_id: str) -> None:
        super().__init__(f"unknown sync run {run_id[:64]!r}: POST /api/leads/sync answers with the id of the run it starts")
        self.run_id = run_id


class ExpiredError(LeadSyncError):
    """What was asked for is older than what is kept (removals before ``LEAD_SYNC_REMOVALS_DAYS``)."""

    code = "expired"


class UnauthorizedError(LeadSyncError):
    """A change notification whose token is not the sheet's (or whose sheet is not configured: the same answer)."""

    code = "unauthorized"


class PacedError(LeadSyncError):
    """A notified sync would not start soon enough within the read budgets; ask again after ``retry_after`` seconds."""

    code = "paced"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RetryLater(LeadSyncError):
    """A queue message failed for a reason that may pass (storage, Google 5xx): let the queue retry it."""

    code = "retry"
