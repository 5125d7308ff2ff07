"""
The dev server's stand-in for App Service Authentication (Easy Auth), kept apart from the server.

Like the platform, it strips every ``X-MS-CLIENT-PRINCIPAL*`` header a client sends (a forged
principal never reaches the app) and injects a development principal only when
``LEAD_SYNC_DEV_PRINCIPAL`` names one, as ``name`` or ``name:Role,Role`` (roles without the
``LeadSync.`` prefix are completed: ``dev@example.com:Reader,Operator``). Without it the console
answers 401. Read on every request, so a test may switch users.
"""

from __future__ import annotations

import os

PREFIX = "x-ms-client-principal"


def dev_principal(value: str | None) -> tuple[str, tuple[str, ...]] | None:
    """``name:Role,Role`` -> (name, roles), roles completed with ``LeadSync.``; None when unset or blank."""
    if not value or not value.strip():
        return None
    name, _, roles = value.strip().partition(":")
    names = tuple(r if r.startswith("LeadSync.") else f"LeadSync.{r}" for r in (x.strip() for x in roles.split(",")) if r)
    return (name.strip() or "developer"), names


def platform_headers(headers: dict[str, str], environ: dict[str, str] | None = None) -> dict[str, str]:
    """The request's headers as the app would receive them behind Easy Auth."""
    from shared.console.principal import encode_principal

    out = {k: v for k, v in headers.items() if not k.lower().startswith(PREFIX)}
    found = dev_principal((environ if environ is not None else dict(os.environ)).get("LEAD_SYNC_DEV_PRINCIPAL"))
    if found is not None:
        name, roles = found
        out["X-MS-CLIENT-PRINCIPAL"] = encode_principal(name, roles)
        out["X-MS-CLIENT-PRINCIPAL-NAME"] = name
        out["X-MS-CLIENT-PRINCIPAL-ID"] = f"dev-{name}"
        out["X-MS-CLIENT-PRINCIPAL-IDP"] = "aad"
    return out
