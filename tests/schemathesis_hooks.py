"""
Schemathesis hooks (loaded through schemathesis.toml): what the fuzzer cannot learn from a schema.

- ``continuation`` is a value the API issued with the previous page. A schema-valid string is
  not one, and the server answers it with the documented 400; so cases meant to be valid leave it
  out (paging with real tokens is tested in tests/test_contract.py and test_no_lead_lost.py).
- An erasure names a person by an email address or a phone number, which is decided by the
  parsers the sync uses (libphonenumber), not by a pattern; cases meant to be valid carry real
  ones. Cases meant to be invalid are left as generated.
"""

from __future__ import annotations

import zlib
from typing import Any

import schemathesis

EMAILS = ("someone@example.com", "Ana.Lima@Example.org", "x.y+z@example.co.uk")
PHONES = ("+44 7911 123456", "07911 123457", "+1 650 253 0000")


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
    return case
