"""
Redaction of operational messages before they leave the process in a response.

Messages come from many places (SDK errors, file errors, our own findings). Whatever their
origin, an answer must not tell a caller where things live or who we are: absolute paths become
their file name, URLs, host names with ports, IP addresses, cloud endpoints and storage account
names become placeholders, and e-mail addresses (a Google service account's, or any other)
become ``[email]``. Lead data is never passed through here: it is not a message.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any


@cache
def _rules() -> tuple[tuple[re.Pattern[str], str], ...]:
    """The rules, compiled on first use (not on every cold start: a health answer redacts nothing)."""
    return (
        (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.iam\.gserviceaccount\.com", re.I), "[the service account]"),
        (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.I), "[email]"),
        (re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s'\"<>)]+", re.I), "[address]"),
        (
            re.compile(r"\b(AccountName|AccountKey|SharedAccessSignature|sig|TableEndpoint|BlobEndpoint|QueueEndpoint)=[^;\s'\"]*", re.I),
            r"\1=[redacted]",
        ),
        (
            re.compile(
                r"\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:windows\.net|azure\.com|azure\.net|azurewebsites\.net|googleapis\.com|cloudapp\.net)\b(?::\d{1,5})?",
                re.I,
            ),
            "[address]",
        ),
        (re.compile(r"\[?\b(?:\d{1,3}\.){3}\d{1,3}\b\]?(?::\d{1,5})?"), "[address]"),
        (re.compile(r"\[[0-9a-f:]*:[0-9a-f:]+\](?::\d{1,5})?", re.I), "[address]"),
        # host:port, but not file:line ("normalize.py:37" says where a bug is, not where we live)
        (re.compile(r"\b(?:localhost|(?:[a-z0-9-]+\.)+(?!(?:py|csv|json|txt|js|ts)\b)[a-z][a-z0-9-]*):\d{1,5}\b", re.I), "[address]"),
        (re.compile(r"\bport[=: ]+\d{1,5}\b", re.I), "port [n]"),
        # Host names in quotes, as urllib3 and socket errors quote them ("host='x.y'", "resolve 'x.y'"),
        # whatever the domain; quoted file names keep their name.
        (re.compile(r"""(['"])(?:[a-z0-9-]+\.)+(?!(?:csv|json|txt|tsv|xlsx?|xml|py)\1)[a-z][a-z0-9-]*\1""", re.I), r"\1[address]\1"),
        (re.compile(r"\bdevstoreaccount1\b"), "[account]"),
        (re.compile(r"(?<![\w.:/])(?:/(?!api/)[^\s/'\":]+)+/([^\s/'\"]+)"), r"\1"),
        (re.compile(r"\b[A-Za-z]:\\(?:[^\s\\'\"]+\\)*([^\s\\'\"]+)"), r"\1"),
        (re.compile(r"\\\\[^\s\\'\"]+\\(?:[^\s\\'\"]+\\)*([^\s\\'\"]+)"), r"\1"),
    )


def redact(text: str) -> str:
    """``text`` without paths, addresses, account names or e-mail addresses."""
    for pattern, replacement in _rules():
        text = pattern.sub(replacement, text)
    return text


def redact_all(value: Any) -> Any:
    """``redact`` every string inside a JSON-like value (dicts, lists), keys included."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {redact_all(k): redact_all(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_all(v) for v in value]
    return value
