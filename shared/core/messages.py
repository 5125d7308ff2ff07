"""
The queue message that asks for one sheet's sync (pure: JSON in, typed value out).

``{"v": 1, "sheet": ID, "run": RUN_ID, "trigger": "timer" | "manual" | "change", "attempt": N}``. ``attempt``
counts deferrals after a 429 (each re-enqueued with a longer delay); the queue's own dequeue
count (host.json ``maxDequeueCount``) counts failures. A message that is not this shape is
refused by ``parse_message`` with a reason: the worker reports it and completes it, because
retrying a malformed message can never succeed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

VERSION = 1
MAX_MESSAGE_CHARS = 4096
"""Far more than a valid message needs; Azure queues take 64 KiB."""
ID = re.compile(r"[A-Za-z0-9_-]{1,64}\Z")
"""A sheet or run id; anchored with ``\\Z`` (``$`` would also match before a trailing newline)."""
TRIGGERS = ("timer", "manual", "cli", "local", "change")
MAX_ATTEMPT = 100


class MessageError(ValueError):
    """The message cannot be a sync request; the text says why (never quotes the message)."""


@dataclass(frozen=True)
class SyncMessage:
    sheet_id: str
    run_id: str
    trigger: str = "timer"
    attempt: int = 0

    def to_json(self) -> str:
        return json.dumps({"v": VERSION, "sheet": self.sheet_id, "run": self.run_id, "trigger": self.trigger, "attempt": self.attempt})

    def deferred(self) -> SyncMessage:
        return SyncMessage(self.sheet_id, self.run_id, self.trigger, self.attempt + 1)


def parse_message(text: str | bytes) -> SyncMessage:
    """A ``SyncMessage`` from the queue's text; raises ``MessageError``."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise MessageError("the message is not UTF-8 text") from None
    if len(text) > MAX_MESSAGE_CHARS:
        raise MessageError(f"the message is longer than {MAX_MESSAGE_CHARS} characters")
    try:
        doc: Any = json.loads(text)
    except (ValueError, RecursionError):
        raise MessageError("the message is not JSON") from None
    if not isinstance(doc, dict):
        raise MessageError("the message is not a JSON object")
    if doc.get("v", VERSION) != VERSION:
        raise MessageError(f"unknown message version (expected {VERSION})")
    unknown = sorted(str(k)[:20] for k in doc if k not in ("v", "sheet", "run", "trigger", "attempt"))
    if unknown:
        raise MessageError(f"unknown message fields: {', '.join(unknown[:5])}")
    sheet, run, trigger, attempt = doc.get("sheet"), doc.get("run"), doc.get("trigger", "timer"), doc.get("attempt", 0)
    if not isinstance(sheet, str) or not ID.match(sheet):
        raise MessageError("'sheet' must be a sheet id (1-64 letters, digits, '_' or '-')")
    if not isinstance(run, str) or not ID.match(run):
        raise MessageError("'run' must be a run id (1-64 letters, digits, '_' or '-')")
    if trigger not in TRIGGERS:
        raise MessageError(f"'trigger' must be one of {', '.join(TRIGGERS)}")
    if isinstance(attempt, bool) or not isinstance(attempt, int) or not 0 <= attempt <= MAX_ATTEMPT:
        raise MessageError(f"'attempt' must be a whole number from 0 to {MAX_ATTEMPT}")
    return SyncMessage(sheet, run, trigger, attempt)


def sheet_of(text: str | bytes) -> str | None:
    """The sheet id of a message, even of one that fails validation otherwise (for the poison queue)."""
    try:
        return parse_message(text).sheet_id
    except MessageError:
        pass
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError, UnicodeDecodeError):
        return None
    sheet = doc.get("sheet") if isinstance(doc, dict) else None
    return sheet if isinstance(sheet, str) and ID.match(sheet) else None
