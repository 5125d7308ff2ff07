"""
Schemathesis hooks (loaded through schemathesis.toml): what the fuzzer cannot learn from a schema.

- ``continuation`` is a value the API issued with the previous page. A schema-valid string is
  not one, and the server answers it with the documented 400; so cases meant to be valid leave it
  out (paging with real tokens is tested in tests/test_contract.py and test_no_lead_lost.py).
- An erasure names a person by an email address or a phone number, which is decided by the
  parsers the sync uses (libphonenumber), not by a pattern; cases meant to be valid carry real
  ones. Cases meant to be invalid are left as generated.
- A webhook receiver's URL is valid when it resolves to an address webhooks may reach, and a
  secret when its base64 holds 24 to 64 bytes: cases meant to be valid carry such ones (the test
  server allows loopback receivers, as local development does).
"""

from __future__ import annotations

import zlib
from typing import Any

import schemathesis

EMAILS = ("someone@example.com", "Ana.Lima@Example.org", "x.y+z@example.co.uk")
PHONES = ("+44 7911 123456", "07911 123457", "+1 650 253 0000")
RECEIVER = "http://127.0.0.1:9/hooks"
SECRET = "whsec_QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVowMTIzNDU="


def _positive(case: Any) -> bool:
    meta = getattr(case, "meta", None)
    return meta is not None and bool(meta.generation.mode.is_positive)


@schemathesis.hook
def map_case(context: Any, case: Any) -> Any:
    if not _positive(case):
        return case
    if isinstance(case.query, dict):
        case.query.pop("continuation", None)
    if case.operation.path.startswith("/api/leads/erasures") and isinstance(case.body, dict):
        for key, values in (("email", EMAILS), ("phone", PHONES)):
            if isinstance(case.body.get(key), str):
                case.body[key] = values[zlib.crc32(case.body[key].encode("utf-8", "replace")) % len(values)]
    if case.operation.path.startswith("/api/webhooks") and isinstance(case.body, dict):
        if isinstance(case.body.get("url"), str):
            case.body["url"] = RECEIVER
        if isinstance(case.body.get("secret"), str):
            case.body["secret"] = SECRET
    return case
