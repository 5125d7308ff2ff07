"""
Google Sheets source: one worksheet, one ``values.get`` request per sync.

``gspread.Client.open_by_key(...).worksheet(...).get_all_values()`` costs three requests; this
adapter calls ``http_client.values_get`` directly, which is one, with the read-only scope,
unformatted values and dates as serial numbers (``shared.core.normalize`` converts them).

gspread's own ``BackOffHTTPClient`` is not used: in 6.2.1 its retry cap is dead code and a
persistent 429 recurses until ``RecursionError``, and the default client has no timeout. Here a
timeout is always set and retries are bounded, with exponential backoff and full jitter, and
every request (retries included) waits for the shared ``RateLimiter`` so one service account
stays under the 60 reads a minute that Google allows it.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from typing import Any

import gspread
import requests
from google.auth.exceptions import GoogleAuthError, RefreshError, TransportError
from google.oauth2.service_account import Credentials

from ..config import SheetConfig
from ..core.models import Grid
from ..errors import (
    SourceAuthError,
    SourceError,
    SourceFormatError,
    SourceNotFoundError,
    SourceRateLimitedError,
    SourceUnavailableError,
)

READONLY_SCOPES = ["https://www.googleapis.com/auth/spreadsheets.readonly"]
RETRY_STATUS = frozenset({408, 429, 500, 502, 503, 504})


class RateLimiter:
    """Space requests evenly: at most ``per_minute`` starts in any minute, shared by threads."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep):
        self.interval = 60.0 / per_minute
        self.clock, self.sleep = clock, sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def acquire(self) -> None:
        with self._lock:
            now = self.clock()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            self.sleep(start - now)


def cell_text(value: Any) -> str:
    """A cell of an UNFORMATTED_VALUE response as text (15.0 -> "15", True -> "TRUE")."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if value is None:
        return ""
    return str(value)


def sheet_range(worksheet: str | None) -> str:
    """A1 range of a whole worksheet; without a name, the first visible sheet."""
    if not worksheet:
        return "A:ZZZ"
    return "'" + worksheet.replace("'", "''") + "'"


class GoogleSheetsSource:
    """``SheetSource`` reading Google Sheets through gspread."""

    def __init__(
        self,
        credentials_info: dict[str, Any] | None,
        limiter: RateLimiter | None = None,
        timeout: tuple[float, float] = (5.0, 30.0),
        max_attempts: int = 4,
        backoff: float = 1.0,
        max_backoff: float = 16.0,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
        missing_reason: str | None = None,
        defer_rate_limits: bool = False,
    ) -> None:
        """
        ``missing_reason`` says why there are no credentials (not set, malformed...).
        ``defer_rate_limits``: a 429 raises ``SourceRateLimitedError`` at once instead of sleeping
        and retrying (the queue path puts the message back with a delay).
        """
        self.defer_rate_limits = defer_rate_limits
        self.info = credentials_info
        self.missing_reason = missing_reason
        self.limiter = limiter or RateLimiter(60)
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.backoff, self.max_backoff = backoff, max_backoff
        self.sleep = sleep
        self.session = session
        self._client: gspread.Client | None = None

    def _gc(self) -> gspread.Client:
        if self._client is None:
            if not self.info:
                raise SourceAuthError(self.missing_reason or "GOOGLE_SERVICE_ACCOUNT_JSON is not set: Google sheets cannot be read")
            try:
                creds = Credentials.from_service_account_info(self.info, scopes=READONLY_SCOPES)  # type: ignore[no-untyped-call]
            except (ValueError, KeyError) as e:
                raise SourceAuthError(f"GOOGLE_SERVICE_ACCOUNT_JSON is malformed: the key cannot be used ({type(e).__name__})") from e
            client = gspread.Client(auth=creds)
            if self.session is not None:
                client.http_client.session = self.session
            client.set_timeout(self.timeout)
            self._client = client
        return self._client

    @property
    def account(self) -> str:
        return str((self.info or {}).get("client_email", "the service account"))

    def fetch(self, sheet: SheetConfig) -> Grid:
        gc = self._gc()
        if not sheet.spreadsheet_id:
            raise SourceNotFoundError("no spreadsheet_id configured")
        params: dict[str, Any] = {
            "valueRenderOption": "UNFORMATTED_VALUE",
            "dateTimeRenderOption": "SERIAL_NUMBER",
            "majorDimension": "ROWS",
        }
        last: Exception | None = None
        for attempt in range(1, self.max_attempts + 1):
            self.limiter.acquire()
            try:
                data = gc.http_client.values_get(sheet.spreadsheet_id, sheet_range(sheet.worksheet), params=params)
                return _grid(data)
            except gspread.exceptions.APIError as e:
                status = e.response.status_code
                if status == 429 and self.defer_rate_limits:
                    raise SourceRateLimitedError("Google Sheets answered 429 (read quota): the sync is deferred") from e
                if status in RETRY_STATUS:
                    last = e
                elif status in (401, 403):
                    raise SourceAuthError(f"Google refused access ({status}): share the spreadsheet with {self.account} as a viewer") from e
                elif status == 404:
                    raise SourceNotFoundError("spreadsheet not found (404): check spreadsheet_id") from e
                elif status == 400 and "parse range" in str(e).lower():
                    raise SourceNotFoundError(f"worksheet {sheet.worksheet!r} not found in the spreadsheet") from e
                else:
                    raise SourceError(f"Google Sheets answered {status}: {_message(e)}") from e
            except RefreshError as e:
                raise SourceAuthError(f"Google rejected the service-account credentials: {str(e)[:200]}") from e
            except (requests.Timeout, requests.ConnectionError, TransportError) as e:
                last = e
            except (requests.JSONDecodeError, ValueError) as e:
                raise SourceFormatError("Google Sheets answered with malformed JSON") from e
            except GoogleAuthError as e:
                raise SourceAuthError(f"Google authentication failed: {str(e)[:200]}") from e
            if attempt < self.max_attempts:
                delay = min(self.max_backoff, self.backoff * 2 ** (attempt - 1))
                self.sleep(random.uniform(delay / 2, delay))
        raise SourceUnavailableError(f"Google Sheets kept failing after {self.max_attempts} attempts: {_describe(last)}") from last


def _grid(data: Any) -> Grid:
    if not isinstance(data, dict):
        raise SourceFormatError("Google Sheets answered with something that is not a value range")
    values = data.get("values", [])
    if not isinstance(values, list) or any(not isinstance(r, list) for r in values):
        raise SourceFormatError("Google Sheets value range has no list of rows")
    return [[cell_text(v) for v in row] for row in values]


def _message(e: gspread.exceptions.APIError) -> str:
    try:
        return str(e.error.get("message", ""))[:200]
    except AttributeError:
        return str(e)[:200]


def _describe(e: Exception | None) -> str:
    if isinstance(e, gspread.exceptions.APIError):
        return f"HTTP {e.response.status_code} {_message(e)}".strip()
    if isinstance(e, requests.Timeout):
        return "timed out"
    return type(e).__name__ if e else "unknown error"
