"""
Use case: a sheet edit synced within a minute (issue 22, section 3).

A sheet's change notification (an Apps Script trigger, or a Drive push channel) names the sheet
and carries its token (``core.notify``). A valid one asks for one debounced, paced sync through
the same queue path as a manual sync (``Syncs.enqueue``, trigger ``change``); the timer stays the
safety net for every notification that never comes or is refused.

An unknown sheet and a wrong token get the same refusal (``UnauthorizedError``), after the same
work (a token is derived for an unknown sheet too), so a caller cannot learn which sheets exist.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from .. import telemetry
from ..core.notify import (
    CHANNEL_TTL,
    DEBOUNCE_SECONDS,
    Budget,
    Channel,
    apps_script,
    budgets,
    channel_due,
    channel_known,
    decide,
    notify_token,
    sheet_mark,
    token_matches,
)
from ..errors import ConfigError, ConflictError, LeadSyncError, PacedError, UnauthorizedError, UnknownSheetError
from .deps import Deps
from .inputs import ChangeNotice
from .results import ChannelsRenewed, NoticeResult, NotifySetup
from .syncs import Syncs

REFUSED = "the sheet's notification token is missing or wrong, or the sheet is not configured: ask its operator for its current token"
"""One answer for an unknown sheet and a wrong token: it says nothing of which sheets exist."""
WRITE_ATTEMPTS = 5
"""Notifications racing for a budget slot: each loser reads the marks again, at most this often."""


class Changes:
    def __init__(self, deps: Deps):
        self._deps = deps

    def _key(self) -> str:
        s = self._deps.settings
        problem = s.notify_problem
        if problem is not None or s.notify_key is None:
            raise ConfigError(problem or "LEAD_SYNC_NOTIFY_KEY is not set")
        return s.notify_key

    def setup(self, sheet_id: str, url: str) -> NotifySetup:
        """The sheet's token, the address to call (``url``) and the ready-to-paste Apps Script; for operators."""
        key = self._key()
        rt = self._deps
        sheet = rt.settings.sheet(sheet_id)
        if sheet is None:
            if rt.known(sheet_id):
                raise ConflictError(f"sheet {sheet_id!r} has an invalid configuration: fix it first (see health detail)")
            raise UnknownSheetError(sheet_id)
        token = notify_token(key, sheet.id, sheet.notify_version)
        return NotifySetup(sheet.id, url, token, sheet.notify_version, apps_script(sheet.id, url, token))

    def notify(self, notice: ChangeNotice, now: datetime | None = None) -> NoticeResult:
        """
        Check the token, then queue one sync ``DEBOUNCE_SECONDS`` from now unless one is pending
        (``core.notify.decide``). Raises ``ConfigError`` without ``LEAD_SYNC_NOTIFY_KEY``,
        ``UnauthorizedError``, ``ConflictError`` for a paused sheet, ``PacedError`` when the read
        budgets are taken, ``StoreError``.
        """
        key = self._key()
        rt = self._deps
        telemetry.configure(rt.telemetry_connection)
        s = rt.settings
        sheet = s.sheet(notice.sheet_id)
        valid = token_matches(key, notice.sheet_id, sheet.notify_version if sheet else 1, notice.token or "")
        if sheet is None or not valid:
            _log(notice.sheet_id if sheet is not None else None, "unauthorized")
            raise UnauthorizedError(REFUSED)
        now = now or datetime.now(UTC)
        if notice.channel_id is not None and not (
            sheet.notify_drive and channel_known(rt.notice_marks.get_channel(sheet.id), notice.channel_id, now)
        ):
            # A Drive channel's call: only the sheet's current channel (or the one it just replaced) counts.
            _log(sheet.id, "unknown_channel")
            raise UnauthorizedError(REFUSED)
        if not sheet.enabled:
            raise ConflictError(f"sheet {sheet.id!r} is paused: its changes are synced again once an operator resumes it")
        if notice.probe:
            return NoticeResult(sheet.id, "ignored", None, DEBOUNCE_SECONDS)
        sheet_budgets: tuple[Budget, ...] = ()
        if sheet.source == "google":
            cred = s.credential_name(sheet)
            sheet_budgets = budgets(cred, s.project_of(cred), s.reads_per_minute, s.project_reads_per_minute)
        names = [sheet_mark(sheet.id), *(b.name for b in sheet_budgets)]
        marks = rt.notice_marks
        for _ in range(WRITE_ATTEMPTS):
            values, seen = marks.read_marks(names)
            decision = decide(sheet.id, now, values, sheet_budgets)
            if decision.outcome == "pending":
                _log(sheet.id, "pending")
                return NoticeResult(sheet.id, "pending", decision.due, DEBOUNCE_SECONDS)
            if decision.outcome == "refused":
                _log(sheet.id, "refused")
                raise PacedError(
                    f"the Google read budget of sheet {sheet.id!r} is taken for the next minute: "
                    f"notify again after {decision.retry_after} s (the scheduled sync reads the sheet anyway)",
                    decision.retry_after,
                )
            if marks.write_marks(decision.marks, seen):
                break
        else:
            _log(sheet.id, "refused")
            raise PacedError("too many notifications at once: notify again in a second", 1)
        try:
            enqueued = Syncs(rt).enqueue("change", only=sheet.id, delay=decision.delay(now))
        except LeadSyncError:
            self._release(sheet.id, now)
            raise
        _log(sheet.id, "queued")
        return NoticeResult(sheet.id, "queued", decision.due, DEBOUNCE_SECONDS, enqueued.run_id)

    def renew_channels(self, now: datetime | None = None, new_id: Callable[[], str] = lambda: uuid.uuid4().hex) -> ChannelsRenewed:
        """
        Keep a Drive push channel open on every enabled Google sheet with ``notify_drive``: open one
        where there is none, replace one within ``RENEW_BEFORE`` of its expiry (then stop the old
        one). A sheet that fails is reported and retried on the next run; the others go on. Raises
        ``ConfigError`` without ``LEAD_SYNC_NOTIFY_KEY`` or a public address, when any sheet asks for a channel.
        """
        rt = self._deps
        telemetry.configure(rt.telemetry_connection)
        s = rt.settings
        sheets = [x for x in s.sheets if x.notify_drive and x.enabled and x.source == "google" and x.spreadsheet_id]
        if not sheets:
            return ChannelsRenewed()
        key = self._key()
        if not s.public_url:
            raise ConfigError("Drive push channels need the app's public address: set LEAD_SYNC_PUBLIC_URL (https://...)")
        now = now or datetime.now(UTC)
        renewed, kept, failed = [], [], {}
        for sheet in sheets:
            try:
                current = rt.notice_marks.get_channel(sheet.id)
                if not channel_due(current, now):
                    kept.append(sheet.id)
                    continue
                drive = rt.drive_for(sheet)
                address = f"{s.public_url}/api/leads/sheets/{sheet.id}/changed"
                opened = drive.watch(
                    str(sheet.spreadsheet_id), new_id(), address, notify_token(key, sheet.id, sheet.notify_version), now + CHANNEL_TTL
                )
                record = Channel(
                    opened.id,
                    opened.resource_id,
                    opened.expiration,
                    current.id if current else "",
                    current.expiration if current else None,
                )
                rt.notice_marks.put_channel(sheet.id, record)
                renewed.append(sheet.id)
                if current is not None and current.resource_id:
                    try:
                        drive.stop(current.id, current.resource_id)
                    except LeadSyncError as e:  # it expires by itself; its calls are refused once it has
                        _log(sheet.id, f"channel_not_stopped {type(e).__name__}")
            except LeadSyncError as e:
                failed[sheet.id] = str(e)[:300]
                telemetry.logger.warning(
                    "drive_channel_failed %s %s",
                    sheet.id,
                    type(e).__name__,
                    extra={"event": "drive_channel_failed", "sheet_id": sheet.id, "reason": str(e)[:300]},
                )
        telemetry.logger.info(
            "drive_channels renewed=%d kept=%d failed=%d",
            len(renewed),
            len(kept),
            len(failed),
            extra={"event": "drive_channels", "renewed": len(renewed), "kept": len(kept), "failed": len(failed)},
        )
        telemetry.flush()
        return ChannelsRenewed(tuple(renewed), tuple(kept), failed)

    def _release(self, sheet_id: str, now: datetime) -> None:
        """Nothing was queued: clear the sheet's pending time so that the next notification tries again (best effort)."""
        name = sheet_mark(sheet_id)
        try:
            _, seen = self._deps.notice_marks.read_marks([name])
            self._deps.notice_marks.write_marks([(name, now)], seen)
        except LeadSyncError:
            pass


def _log(sheet_id: str | None, outcome: str) -> None:
    """One record per notification: the sheet (only once its token matched) and what happened; never the token."""
    telemetry.logger.info(
        "sheet_change_notice %s %s",
        sheet_id or "-",
        outcome,
        extra={"event": "sheet_change_notice", "sheet_id": sheet_id or "", "outcome": outcome},
    )
