"""
Who is signed in: the principal App Service Authentication (Easy Auth) puts in front of every
request as ``X-MS-CLIENT-PRINCIPAL`` (base64 of JSON: ``auth_typ``, ``name_typ``, ``role_typ``
and ``claims``, each ``{"typ", "val"}``), and the console's roles among its claims.

The platform strips any such header a client sends and sets its own, so the header is trusted
only when the platform says sign-in is on (``WEBSITE_AUTH_ENABLED``; the dev server behaves the
same). Parsing never raises: a malformed header is no principal.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass

READER, OPERATOR, PRIVACY = "LeadSync.Reader", "LeadSync.Operator", "LeadSync.Privacy"
ROLES = (READER, OPERATOR, PRIVACY)
"""The app roles (``infra/``'s app registration): view; sync, pause, approve, onboard, override; erase, unsuppress, audit."""
ROLE_CLAIMS = ("roles", "http://schemas.microsoft.com/ws/2008/06/identity/claims/role")
NAME_CLAIMS = ("preferred_username", "name", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name")
ID_CLAIMS = ("http://schemas.microsoft.com/identity/claims/objectidentifier", "oid", "sub")
MAX_HEADER_CHARS = 16 * 1024
"""A principal header longer than this is not read (Entra tokens with many groups stay far below)."""


@dataclass(frozen=True)
class Principal:
    """The signed-in user: a stable id, a name to record in the audit trail, and the console roles held."""

    id: str
    name: str
    roles: frozenset[str]

    def can(self, role: str) -> bool:
        return role in self.roles

    @property
    def any_role(self) -> bool:
        return bool(self.roles & set(ROLES))


def _header(headers: Mapping[str, str], name: str) -> str:
    for k, v in headers.items():
        if k.lower() == name:
            return v
    return ""


def parse_principal(headers: Mapping[str, str]) -> Principal | None:
    """The principal in ``X-MS-CLIENT-PRINCIPAL`` (with ``-NAME``/``-ID`` as fallbacks), or None."""
    raw = _header(headers, "x-ms-client-principal").strip()
    if not raw or len(raw) > MAX_HEADER_CHARS:
        return None
    try:
        doc = json.loads(base64.b64decode(raw + "=" * (-len(raw) % 4), validate=False))
    except (binascii.Error, ValueError, UnicodeDecodeError, RecursionError):
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("claims"), list):
        return None
    claims = [(str(c.get("typ", "")), str(c.get("val", ""))) for c in doc["claims"] if isinstance(c, dict)]
    role_typ = str(doc.get("role_typ") or "")
    name_typ = str(doc.get("name_typ") or "")
    roles = frozenset(v for t, v in claims if t == role_typ or t in ROLE_CLAIMS)

    def first(types: tuple[str, ...]) -> str:
        return next((v for want in types for t, v in claims if t == want and v), "")

    name = first((name_typ, *NAME_CLAIMS) if name_typ else NAME_CLAIMS) or _header(headers, "x-ms-client-principal-name")
    pid = _header(headers, "x-ms-client-principal-id") or first(ID_CLAIMS) or name
    if not pid:
        return None
    return Principal(pid[:200], (name or pid)[:200], roles)


def encode_principal(name: str, roles: tuple[str, ...] | list[str], pid: str | None = None) -> str:
    """The header value Easy Auth would send for ``name`` with ``roles`` (the dev server and tests)."""
    claims = [{"typ": "name", "val": name}, {"typ": "oid", "val": pid or f"dev-{name}"}]
    claims += [{"typ": "roles", "val": r} for r in roles]
    doc = {"auth_typ": "aad", "name_typ": "name", "role_typ": "roles", "claims": claims}
    return base64.b64encode(json.dumps(doc).encode()).decode()
