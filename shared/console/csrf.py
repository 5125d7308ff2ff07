"""
Cross-site request forgery: Easy Auth signs people in with a cookie, so a page elsewhere could
make their browser post to the console. Every state-changing request carries a token bound to
the signed-in user and a time, signed with the console's key; without a valid one it is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

TOKEN_SECONDS = 12 * 3600
"""A token is accepted this long after its page was rendered."""

_process_key = secrets.token_bytes(32)
"""When ``LEAD_SYNC_CONSOLE_KEY`` is unset: this process's own key (tokens hold on this instance only)."""


def _key(secret: str | None) -> bytes:
    return hashlib.sha256(secret.encode()).digest() if secret else _process_key


def _sign(key: bytes, user: str, issued: int) -> str:
    return hmac.new(key, f"csrf|{user}|{issued}".encode(), hashlib.sha256).hexdigest()[:40]


def make_token(secret: str | None, user: str, now: float) -> str:
    """A token for ``user`` issued at ``now`` (seconds)."""
    issued = int(now)
    return f"{issued}.{_sign(_key(secret), user, issued)}"


def check_token(secret: str | None, user: str, token: str | None, now: float) -> bool:
    """Whether ``token`` was made for ``user`` with this key within ``TOKEN_SECONDS`` (never raises)."""
    if not token or len(token) > 100 or "." not in token:
        return False
    issued_text, _, mac = token.partition(".")
    if not issued_text.isdigit():
        return False
    issued = int(issued_text)
    if not 0 <= now - issued <= TOKEN_SECONDS:
        return False
    return hmac.compare_digest(mac.encode(), _sign(_key(secret), user, issued).encode())
