"""
The Google Sheets source against Sheets API v4 responses at the HTTP layer.

The real code path runs: google-auth signs a JWT with a (test) service-account key and fetches
a token, gspread sends the ``values.get`` request through requests; ``responses`` answers at the
transport with bodies shaped as in Google's reference (ValueRange, and the error object).
"""

from __future__ import annotations

import base64
import json
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import requests
import responses

from shared.adapters.google_sheets import GoogleSheetsSource, RateLimiter, cell_text, sheet_range
from shared.config import SheetConfig
from shared.errors import SourceAuthError, SourceFormatError, SourceNotFoundError, SourceUnavailableError
from tests.helpers import TOKEN_URL

SHEET_ID = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
VALUES_URL = f"https://sheets.googleapis.com/v4/spreadsheets/{SHEET_ID}/values/"
SHEET = SheetConfig(id="g1", customer="Acme", source="google", spreadsheet_id=SHEET_ID, worksheet="Leads Nov")

VALUE_RANGE = {
    "range": "'Leads Nov'!A1:D5",
    "majorDimension": "ROWS",
    "values": [
        ["Acme leads"],
        [],
        ["Name", "Email", "Phone", "Created"],
        ["Ann Lee", "ann@example.com", 7911123456, 45123.5],
        ["Bo Chan", "bo@example.com", "07400 123456", 45124, True],
    ],
}


def _error(code: int, status: str, message: str) -> dict:
    return {"error": {"code": code, "message": message, "status": status}}


@pytest.fixture
def api():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add(responses.POST, TOKEN_URL, json={"access_token": "ya29.test", "expires_in": 3600, "token_type": "Bearer"})
        yield rsps


def _source(account: dict, sleeps: list[float] | None = None, **kw) -> GoogleSheetsSource:
    sleeps = sleeps if sleeps is not None else []
    return GoogleSheetsSource(account, limiter=RateLimiter(6000, sleep=sleeps.append), sleep=sleeps.append, **kw)


def _values_calls(api) -> list:
    return [c for c in api.calls if c.request.url.startswith(VALUES_URL)]


def test_fetch_is_one_values_request_with_readonly_token(api, account) -> None:
    """One GET of the whole worksheet, unformatted values, serial dates, a bearer token and a timeout."""
    api.add(responses.GET, VALUES_URL + "%27Leads%20Nov%27", json=VALUE_RANGE)
    grid = _source(account).fetch(SHEET)
    assert grid[2] == ["Name", "Email", "Phone", "Created"]
    assert grid[3] == ["Ann Lee", "ann@example.com", "7911123456", "45123.5"]
    assert grid[4][-1] == "TRUE" and grid[1] == []
    calls = _values_calls(api)
    assert len(calls) == 1
    req = calls[0].request
    query = parse_qs(urlsplit(req.url).query)
    assert query["valueRenderOption"] == ["UNFORMATTED_VALUE"] and query["dateTimeRenderOption"] == ["SERIAL_NUMBER"]
    assert unquote(urlsplit(req.url).path).endswith("/values/'Leads Nov'")
    assert req.headers["Authorization"] == "Bearer ya29.test"
    assert req.req_kwargs["timeout"] == (5.0, 30.0)
    token_req = next(c.request for c in api.calls if c.request.url == TOKEN_URL)
    body = token_req.body.decode() if isinstance(token_req.body, bytes) else token_req.body
    assertion = parse_qs(body)["assertion"][0]
    claims = json.loads(base64.urlsafe_b64decode(assertion.split(".")[1] + "=="))
    assert claims["scope"] == "https://www.googleapis.com/auth/spreadsheets.readonly"


def test_429_then_success_retries_with_backoff(api, account) -> None:
    """A rate-limit answer is retried after a backoff, then the sheet is read."""
    url = VALUES_URL + "%27Leads%20Nov%27"
    api.add(responses.GET, url, status=429, json=_error(429, "RESOURCE_EXHAUSTED", "Quota exceeded"))
    api.add(responses.GET, url, json=VALUE_RANGE)
    sleeps: list[float] = []
    grid = _source(account, sleeps).fetch(SHEET)
    assert len(grid) == 5 and len(_values_calls(api)) == 2
    assert any(0.5 <= s <= 1.0 for s in sleeps)  # first backoff: 1 s with full jitter in [0.5, 1]


def test_persistent_500_gives_up_after_bounded_attempts(api, account) -> None:
    """A server error that does not clear ends in SourceUnavailableError after 4 attempts."""
    api.add(responses.GET, VALUES_URL + "%27Leads%20Nov%27", status=500, json=_error(500, "INTERNAL", "Internal error"))
    sleeps: list[float] = []
    with pytest.raises(SourceUnavailableError, match="4 attempts.*500"):
        _source(account, sleeps).fetch(SHEET)
    assert len(_values_calls(api)) == 4
    backoffs = [s for s in sleeps if s >= 0.5]
    assert len(backoffs) == 3 and max(backoffs) <= 4.0


def test_timeouts_are_retried_then_reported(api, account) -> None:
    """A request that times out is retried, and a sheet that keeps timing out is reported."""
    api.add(responses.GET, VALUES_URL + "%27Leads%20Nov%27", body=requests.exceptions.ReadTimeout("read timed out"))
    with pytest.raises(SourceUnavailableError, match="timed out"):
        _source(account, max_attempts=2).fetch(SHEET)
    assert len(_values_calls(api)) == 2


def test_timeout_then_success(api, account) -> None:
    """One timeout followed by an answer reads the sheet."""
    url = VALUES_URL + "%27Leads%20Nov%27"
    api.add(responses.GET, url, body=requests.exceptions.ConnectTimeout("connect timed out"))
    api.add(responses.GET, url, json=VALUE_RANGE)
    assert len(_source(account).fetch(SHEET)) == 5


def test_permission_denied_names_the_account(api, account) -> None:
    """403 says which service account the sheet must be shared with, and is not retried."""
    api.add(
        responses.GET,
        VALUES_URL + "%27Leads%20Nov%27",
        status=403,
        json=_error(403, "PERMISSION_DENIED", "The caller does not have permission"),
    )
    with pytest.raises(SourceAuthError, match="leadsync@test.iam.gserviceaccount.com"):
        _source(account).fetch(SHEET)
    assert len(_values_calls(api)) == 1


def test_missing_spreadsheet_and_worksheet(api, account) -> None:
    """404 and an unknown tab are SourceNotFoundError."""
    api.add(responses.GET, VALUES_URL + "%27Leads%20Nov%27", status=404, json=_error(404, "NOT_FOUND", "Requested entity was not found."))
    with pytest.raises(SourceNotFoundError, match="spreadsheet not found"):
        _source(account).fetch(SHEET)
    api.replace(
        responses.GET,
        VALUES_URL + "%27Leads%20Nov%27",
        status=400,
        json=_error(400, "INVALID_ARGUMENT", "Unable to parse range: 'Leads Nov'"),
    )
    with pytest.raises(SourceNotFoundError, match="worksheet 'Leads Nov' not found"):
        _source(account).fetch(SHEET)


def test_malformed_json_is_a_format_error(api, account) -> None:
    """A body that is not JSON is reported as SourceFormatError."""
    api.add(responses.GET, VALUES_URL + "%27Leads%20Nov%27", body="<html>proxy error</html>", content_type="text/html")
    with pytest.raises(SourceFormatError):
        _source(account).fetch(SHEET)


def test_rejected_credentials(api, account) -> None:
    """A token endpoint that refuses the key gives SourceAuthError."""
    api.replace(responses.POST, TOKEN_URL, status=400, json={"error": "invalid_grant", "error_description": "Invalid JWT Signature."})
    api.add(responses.GET, VALUES_URL + "%27Leads%20Nov%27", json=VALUE_RANGE)
    with pytest.raises(SourceAuthError, match="rejected"):
        _source(account).fetch(SHEET)


def test_missing_credentials() -> None:
    """No key configured: a clear SourceAuthError, no request."""
    with pytest.raises(SourceAuthError, match="GOOGLE_SERVICE_ACCOUNT_JSON"):
        GoogleSheetsSource(None).fetch(SHEET)


def test_empty_sheet_has_no_values_key(api, account) -> None:
    """Google omits "values" for an empty range: that is an empty grid."""
    api.add(responses.GET, VALUES_URL + "%27Leads%20Nov%27", json={"range": "'Leads Nov'!A1:Z1000", "majorDimension": "ROWS"})
    assert _source(account).fetch(SHEET) == []


def test_rate_limiter_paces_requests() -> None:
    """60 a minute means one start a second, shared by every sheet of a run."""
    now = [0.0]
    waits: list[float] = []

    def sleep(s: float) -> None:
        waits.append(s)
        now[0] += s

    limiter = RateLimiter(60, clock=lambda: now[0], sleep=sleep)
    for _ in range(5):
        limiter.acquire()
    assert waits == [1.0, 1.0, 1.0, 1.0] and now[0] == 4.0


def test_helpers() -> None:
    """Ranges quote sheet names; cells become text without float noise."""
    assert sheet_range("Bob's leads") == "'Bob''s leads'"
    assert sheet_range(None) == "A:ZZZ"
    assert [cell_text(v) for v in (15.0, 0.1, True, None, "x", 3)] == ["15", "0.1", "TRUE", "", "x", "3"]


def test_malformed_private_key_is_an_auth_error() -> None:
    """A key that is not a PEM private key is reported as a credentials problem, with no request."""
    info = {
        "client_email": "a@b.iam.gserviceaccount.com",
        "private_key": "-----BEGIN PRIVATE KEY-----\ngarbage\n-----END PRIVATE KEY-----\n",
        "token_uri": TOKEN_URL,
    }
    with pytest.raises(SourceAuthError, match="malformed"):
        GoogleSheetsSource(info).fetch(SHEET)
