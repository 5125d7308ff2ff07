"""Redaction of operational messages: no paths, hosts, ports, accounts or e-mail addresses; places in code and file names stay."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.core.redact import redact, redact_all


@pytest.mark.parametrize(
    ("text", "gone", "kept"),
    [
        ("file not found: /home/site/wwwroot/samples/x.csv", "/home/site", "x.csv"),
        ("HTTPConnectionPool(host='127.0.0.1', port=40123): Max retries", "127.0.0.1", "Max retries"),
        (
            "HTTPSConnection(host='tables.acme-internal.example', port=443): Failed to resolve 'tables.acme-internal.example'",
            "acme-internal",
            "Failed to resolve",
        ),
        ("https://myacct.table.core.windows.net/leads?sig=abc", "myacct", ""),
        ("AccountName=prodleads;AccountKey=c2VjcmV0;EndpointSuffix=core.windows.net", "prodleads", "AccountName="),
        ("share it with reader@proj-4711.iam.gserviceaccount.com", "proj-4711", "share it with"),
        ("C:\\Users\\bob\\sheets.json is bad", "Users", "sheets.json"),
        ("myhost.example.com:8080 refused", "myhost", "refused"),
        ("[::1]:10002 refused", "::1", "refused"),
        ("devstoreaccount1 not found", "devstoreaccount1", "not found"),
    ],
)
def test_addresses_paths_accounts_and_mail_are_removed(text: str, gone: str, kept: str) -> None:
    out = redact(text)
    assert gone not in out and kept in out, out


@pytest.mark.parametrize(
    "text",
    [
        "unexpected error: ValueError at normalize.py:37",
        "header row 4; 10:30 at 2026-11-29T10:00:00+00:00",
        "POST /api/leads/sheets/x/approve",
        "file 'leads.csv' is empty",
        "sheet 'acme-facebook' is blocked (change d1a2b3c4)",
    ],
)
def test_what_a_person_needs_stays(text: str) -> None:
    assert redact(text) == text


@given(st.text(max_size=300))
def test_redaction_never_fails_and_leaves_no_mail_address(text: str) -> None:
    out = redact(text)
    assert not re.search(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", out)
    assert redact_all({"m": [text], text: 1}) is not None
