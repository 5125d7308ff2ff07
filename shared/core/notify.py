"""
Change notifications (issue 22, section 3), pure: a sheet's token, and when a notified sync runs.

**Token.** A sheet's token is derived, never stored: HMAC-SHA256 over the sheet id and the
sheet's ``notify_version`` with the server key (``LEAD_SYNC_NOTIFY_KEY``). Raising one sheet's
``notify_version`` revokes its old token and no other; changing the key revokes every token.
Tokens are compared in constant time (``hmac.compare_digest``).

**Debounce and pacing.** A notification asks for a sync of its sheet. The first one of a quiet
sheet puts one queue message in, invisible for ``DEBOUNCE_SECONDS``, and marks the sheet
pending until then; every notification before that time changes nothing (several edits in 20 s
are one sync, which reads them all). Notified syncs share the Google read budgets the timer's
pacing plan uses (``core.pacing``): each credential's and each project's notified reads are at
least ``spacing`` apart, recorded as the next free time of each budget. A sync that could not
start within ``MAX_DELAY_SECONDS`` of its notification is refused (HTTP 429 with Retry-After),
and the timer's next run syncs the sheet anyway.

**Drive push channels.** A sheet with ``notify_drive`` is watched by a Drive channel that lives
``CHANNEL_TTL`` and is replaced ``RENEW_BEFORE`` its expiry (``channel_due``); a call is taken
only from the sheet's current channel or the one it replaced, while alive (``channel_known``).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from .pacing import DEFAULT_HEADROOM, spacing

DEBOUNCE_SECONDS = 20.0
"""Notifications of one sheet within this time of the first are one sync, which starts at its end."""
MAX_DELAY_SECONDS = 60.0
"""A notified sync starts within this time of its notification, or the notification is refused (429)."""
TOKEN_PREFIX = "lsn1_"
"""Marks a Lead Sync notification token (secret scanners and people can tell what it is)."""
TOKEN_CONTEXT = b"leadsync/sheet-change-notification/v1"


def notify_token(key: str, sheet_id: str, version: int) -> str:
    """The sheet's token for ``version``: ``lsn1_`` and 64 hexadecimal digits (256 bits)."""
    message = TOKEN_CONTEXT + b"\x00" + sheet_id.encode("utf-8") + b"\x00" + str(int(version)).encode("ascii")
    digest = hmac.new(key.encode("utf-8"), message, hashlib.sha256)
    return TOKEN_PREFIX + digest.hexdigest()


def token_matches(key: str, sheet_id: str, version: int, presented: str) -> bool:
    """Whether ``presented`` is the sheet's token, compared in constant time (as bytes: any text is safe)."""
    expected = notify_token(key, sheet_id, version).encode("utf-8")
    return hmac.compare_digest(expected, presented.encode("utf-8", "surrogatepass"))


@dataclass(frozen=True)
class Budget:
    """A read budget notified syncs share: a credential's or a project's, with its spacing in seconds."""

    name: str
    spacing: float


def budgets(credential: str, project: str, per_minute: int, project_per_minute: int) -> tuple[Budget, Budget]:
    """The two budgets a sheet's notified read uses, spaced as the timer's plan spaces reads."""
    return (
        Budget(f"cred.{_safe(credential)}", spacing(per_minute, DEFAULT_HEADROOM)),
        Budget(f"project.{_safe(project)}", spacing(project_per_minute, DEFAULT_HEADROOM)),
    )


def _safe(name: str) -> str:
    """A name as a storage row key may hold it (no ``/ \\ # ?`` or control characters), bounded."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)[:200] or "_"


@dataclass(frozen=True)
class NoticeDecision:
    """
    What a notification does: ``queued`` (a message, delayed to ``due``), ``pending`` (a sync is
    already set for ``due``: nothing to do) or ``refused`` (the budgets are taken until more than
    ``MAX_DELAY_SECONDS`` from now: ask again after ``retry_after`` seconds).
    """

    outcome: str
    due: datetime | None = None
    retry_after: int = 0
    marks: tuple[tuple[str, datetime], ...] = ()
    """What to record when ``queued``: the sheet's pending time and each budget's next free time."""

    def delay(self, now: datetime) -> float:
        return max(0.0, (self.due - now).total_seconds()) if self.due is not None else 0.0


def sheet_mark(sheet_id: str) -> str:
    return f"sheet.{sheet_id}"


def decide(
    sheet_id: str,
    now: datetime,
    marks: dict[str, datetime | None],
    sheet_budgets: tuple[Budget, ...],
    debounce: float = DEBOUNCE_SECONDS,
    max_delay: float = MAX_DELAY_SECONDS,
) -> NoticeDecision:
    """
    The outcome of a notification at ``now`` given the recorded ``marks`` (the sheet's pending
    time, each budget's next free time; None when never set). Deterministic.
    """
    pending = marks.get(sheet_mark(sheet_id))
    if pending is not None and now < pending:
        return NoticeDecision("pending", pending)
    due = now + timedelta(seconds=debounce)
    for b in sheet_budgets:
        free = marks.get(b.name)
        if free is not None and free > due:
            due = free
    late = (due - now).total_seconds()
    if late > max_delay:
        return NoticeDecision("refused", retry_after=max(1, -int(-(late - max_delay) // 1)))
    new = [(sheet_mark(sheet_id), due)] + [(b.name, due + timedelta(seconds=b.spacing)) for b in sheet_budgets]
    return NoticeDecision("queued", due, marks=tuple(new))


APPS_SCRIPT = """\
// Lead Sync: tell Lead Sync when this spreadsheet changes (sheet "{sheet_id}").
// Extensions > Apps Script, replace the editor's content with this file, save, then run
// installLeadSync once (Run) and accept the permissions it asks for.
const LEAD_SYNC_URL = '{url}';
const LEAD_SYNC_TOKEN = '{token}';

function installLeadSync() {{
  PropertiesService.getScriptProperties().setProperty('LEAD_SYNC_TOKEN', LEAD_SYNC_TOKEN);
  ScriptApp.getProjectTriggers()
    .filter(function (t) {{ return t.getHandlerFunction() === 'notifyLeadSync'; }})
    .forEach(function (t) {{ ScriptApp.deleteTrigger(t); }});
  const sheet = SpreadsheetApp.getActive();
  ScriptApp.newTrigger('notifyLeadSync').forSpreadsheet(sheet).onChange().create();
  ScriptApp.newTrigger('notifyLeadSync').forSpreadsheet(sheet).onFormSubmit().create();
  notifyLeadSync({{ changeType: 'INSTALL' }});
}}

function notifyLeadSync(e) {{
  const token = PropertiesService.getScriptProperties().getProperty('LEAD_SYNC_TOKEN') || LEAD_SYNC_TOKEN;
  const response = UrlFetchApp.fetch(LEAD_SYNC_URL, {{
    method: 'post',
    contentType: 'application/json',
    payload: JSON.stringify({{ changeType: (e && e.changeType) || 'FORM_SUBMIT' }}),
    headers: {{ Authorization: 'Bearer ' + token }},
    muteHttpExceptions: true,
  }});
  const code = response.getResponseCode();
  if (code !== 202) {{
    console.warn('Lead Sync answered ' + code + ': ' + response.getContentText().slice(0, 300));
  }}
}}
"""
"""The Apps Script file a sheet owner pastes (``apps_script``): an installable on-change and form-submit trigger."""


def apps_script(sheet_id: str, url: str, token: str) -> str:
    """The ready-to-paste Apps Script for one sheet (``url`` is the sheet's ``.../changed`` address)."""
    quoted = {k: v.replace("\\", "\\\\").replace("'", "\\'") for k, v in (("url", url), ("token", token))}
    return APPS_SCRIPT.format(sheet_id=sheet_id, **quoted)


# Google Drive push notifications (files.watch): channels that expire and are renewed by a timer

CHANNEL_TTL = timedelta(hours=24)
"""How long a new channel is asked to live (reported maximum for files: 1 day; Google may give less)."""
RENEW_BEFORE = timedelta(hours=12)
"""A channel this close to its expiry is replaced: the timer runs every 6 hours, so one failed run never lets it lapse."""


@dataclass(frozen=True)
class Channel:
    """A Drive push channel watching one sheet: our id, Google's resource id, when it expires."""

    id: str
    resource_id: str
    expiration: datetime
    previous_id: str = ""
    """The channel this one replaced: its calls are still taken until it is stopped or expires."""
    previous_expiration: datetime | None = None


def channel_due(channel: Channel | None, now: datetime, renew_before: timedelta = RENEW_BEFORE) -> bool:
    """Whether the sheet needs a new channel now: none yet, or the current one expires within ``renew_before``."""
    return channel is None or channel.expiration - now <= renew_before


def channel_known(channel: Channel | None, channel_id: str, now: datetime) -> bool:
    """Whether a call naming ``channel_id`` comes from the sheet's current channel, or from the one it replaced while unexpired."""
    if channel is None or not channel_id:
        return False
    if hmac.compare_digest(channel.id.encode(), channel_id.encode("utf-8", "surrogatepass")):
        return channel.expiration > now
    previous = channel.previous_id
    return (
        bool(previous)
        and hmac.compare_digest(previous.encode(), channel_id.encode("utf-8", "surrogatepass"))
        and (channel.previous_expiration is not None and channel.previous_expiration > now)
    )
