"""
Google Drive push notifications for a spreadsheet (``files.watch``, ``channels.stop``), as the
service account that reads the sheet, over google-auth's ``AuthorizedSession``.

What the Drive guide says (https://developers.google.com/workspace/drive/api/guides/push): the
``watch`` body is ``id`` (at most 64 characters), ``type: web_hook``, ``address`` (HTTPS with a
valid certificate), ``token`` (at most 256, echoed as ``X-Goog-Channel-Token``) and ``expiration``
(milliseconds); the answer carries the channel's ``resourceId`` and ``expiration``. Channels do
not renew themselves. Not verified against Google from here: which scope ``watch`` accepts for a
file shared with the account as a viewer (``drive.readonly`` is asked for), and the longest
expiration granted (reported: one day for files).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import requests
from google.auth.exceptions import GoogleAuthError
from google.auth.transport.requests import AuthorizedSession
from google.oauth2.service_account import Credentials

from ..core.notify import Channel
from ..errors import SourceAuthError, SourceNotFoundError, SourceUnavailableError

DRIVE = "https://www.googleapis.com/drive/v3"
SCOPES = ["https://www.googleapis.com/auth/drive.readonly"]
TIMEOUT = (5.0, 20.0)


class DriveChannels:
    """Open and stop push channels on spreadsheets, as one service account."""

    def __init__(self, credentials_info: dict[str, Any] | None, missing_reason: str | None = None, session: Any = None) -> None:
        self.info = credentials_info
        self.missing_reason = missing_reason
        self._session = session

    def _http(self) -> Any:
        if self._session is None:
            if not self.info:
                raise SourceAuthError(self.missing_reason or "GOOGLE_SERVICE_ACCOUNT_JSON is not set: no Drive channel can be opened")
            try:
                creds = Credentials.from_service_account_info(self.info, scopes=SCOPES)  # type: ignore[no-untyped-call]
            except (ValueError, KeyError) as e:
                raise SourceAuthError(f"the service-account key cannot be used ({type(e).__name__})") from e
            self._session = AuthorizedSession(creds)  # type: ignore[no-untyped-call]
        return self._session

    def _post(self, url: str, body: dict[str, Any]) -> requests.Response:
        try:
            resp: requests.Response = self._http().post(url, json=body, timeout=TIMEOUT)
        except GoogleAuthError as e:
            raise SourceAuthError(f"Google refused the service account's sign-in ({type(e).__name__})") from e
        except requests.RequestException as e:
            raise SourceUnavailableError(f"Google Drive did not answer ({type(e).__name__})") from e
        if resp.status_code in (401, 403):
            raise SourceAuthError(f"Google Drive answered {resp.status_code}: share the spreadsheet with the service account")
        if resp.status_code == 404:
            raise SourceNotFoundError("Google Drive answered 404: the spreadsheet is not shared with the service account, or gone")
        if resp.status_code >= 300:
            raise SourceUnavailableError(f"Google Drive answered {resp.status_code}")
        return resp

    def watch(self, file_id: str, channel_id: str, address: str, token: str, expiration: datetime) -> Channel:
        """Open a channel on the file; its calls go to ``address`` with ``token``. Raises ``SourceError`` subclasses."""
        body = {
            "id": channel_id,
            "type": "web_hook",
            "address": address,
            "token": token,
            "expiration": int(expiration.timestamp() * 1000),
        }
        doc = self._post(f"{DRIVE}/files/{file_id}/watch", body).json()
        if not isinstance(doc, dict) or not doc.get("resourceId"):
            raise SourceUnavailableError("Google Drive's answer to watch carries no resourceId")
        granted = doc.get("expiration")
        try:
            until = datetime.fromtimestamp(int(granted) / 1000, UTC) if granted is not None else expiration
        except (TypeError, ValueError):
            until = expiration
        return Channel(str(doc.get("id") or channel_id), str(doc["resourceId"]), until)

    def stop(self, channel_id: str, resource_id: str) -> None:
        """Stop a channel (calls to it end). Raises ``SourceError`` subclasses."""
        self._post(f"{DRIVE}/channels/stop", {"id": channel_id, "resourceId": resource_id})
