"""
Sends one signed webhook, safely (issue 22).

- Signed with the Standard Webhooks reference library (``standardwebhooks``): ``webhook-id``,
  ``webhook-timestamp``, ``webhook-signature`` (``v1,<base64 HMAC-SHA256>``), which receivers verify
  with the same scheme's libraries in many languages.
- Server-side request forgery: the host is resolved here and every address it resolves to must be
  public (``core.events.address_problem``); the connection then goes to that very address (the TLS
  name check and SNI still use the host name), so a DNS answer that changes between the check and
  the connection cannot aim the request inside. https only (``http`` only to loopback when local
  development allows it); redirects are never followed; the response body is never read beyond
  1 KiB and never stored.
- 10 s for the whole request by the wall clock: a watchdog shuts the socket at the deadline, so a
  receiver that trickles its answer a byte at a time cannot hold a delivery (a socket timeout
  alone restarts on every byte).
- Plain ``http.client`` on a socket this module opens: no HTTP client library that telemetry
  instruments, so a receiver's URL (which may carry its own token) never reaches Application
  Insights.
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from standardwebhooks.webhooks import Webhook

from ..core.events import address_of, address_problem, url_problem

TIMEOUT_SECONDS = 10.0
RESOLVE_TTL = 60.0
USER_AGENT = "LeadSync-Webhooks/1"
Resolver = Callable[..., list[tuple[Any, ...]]]


@dataclass(frozen=True)
class Attempt:
    """What one attempt got: the status (None when no answer came) and, on failure, why."""

    status: int | None
    error: str | None
    ms: float

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class Refused(Exception):
    """The URL may not receive webhooks (scheme, or an address it resolves to)."""


class WebhookSender:
    def __init__(self, allow_loopback: bool = False, timeout: float = TIMEOUT_SECONDS, resolve: Resolver = socket.getaddrinfo) -> None:
        self.allow_loopback = allow_loopback
        self.timeout = timeout
        self._resolve = resolve
        self._addresses: dict[tuple[str, int], tuple[float, str]] = {}
        self._lock = threading.Lock()

    def check(self, url: str) -> str | None:
        """Why ``url`` cannot receive webhooks now (parsing and resolving it), or None."""
        try:
            self._target(url)
        except Refused as e:
            return str(e)
        return None

    def _target(self, url: str) -> tuple[str, str, int, str, str]:
        """(scheme, address, port, host, path) for a URL that passes every check; raises Refused."""
        if problem := url_problem(url, self.allow_loopback):
            raise Refused(problem)
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        address = self._address(host, port)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return parts.scheme, address, port, host, path

    def _address(self, host: str, port: int) -> str:
        literal = address_of(host)
        if literal is not None:
            if problem := address_problem(literal, self.allow_loopback):
                raise Refused(f"url {problem}")
            return str(literal)
        now = time.monotonic()
        with self._lock:
            cached = self._addresses.get((host, port))
        if cached and now - cached[0] < RESOLVE_TTL:
            return cached[1]
        try:
            infos = self._resolve(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as e:
            raise Refused(f"url host {host!r} does not resolve ({type(e).__name__})") from None
        addresses = [str(info[4][0]) for info in infos]
        if not addresses:
            raise Refused(f"url host {host!r} does not resolve")
        for a in addresses:
            parsed = address_of(a.split("%", 1)[0])
            problem = "is not an IP address" if parsed is None else address_problem(parsed, self.allow_loopback)
            if problem:
                raise Refused(f"url host {host!r} resolves to an address that {problem.removeprefix('points at ')}")
        with self._lock:
            self._addresses[(host, port)] = (now, addresses[0])
        return addresses[0]

    def send(self, url: str, secret: str, msg_id: str, when: datetime, body: bytes) -> Attempt:
        """POST ``body`` signed for ``msg_id`` at ``when``; never raises for what the receiver does."""
        t0 = time.perf_counter()
        try:
            scheme, address, port, host, path = self._target(url)
        except Refused as e:
            return Attempt(None, f"refused: {e}", 0.0)
        signature = Webhook(secret).sign(msg_id, when, body)
        headers = {
            "Host": host if port in (80, 443) else f"{host}:{port}",
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "webhook-id": msg_id,
            "webhook-timestamp": str(int(when.timestamp())),
            "webhook-signature": signature,
            "Connection": "close",
        }
        raw: socket.socket | None = None
        watchdog: threading.Timer | None = None
        expired = threading.Event()
        try:
            raw = socket.create_connection((address, port), timeout=self.timeout)
            left = max(0.001, self.timeout - (time.perf_counter() - t0))

            def expire(sock: socket.socket = raw) -> None:
                expired.set()
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

            watchdog = threading.Timer(left, expire)
            watchdog.daemon = True
            watchdog.start()
            sock = _TLS.wrap_socket(raw, server_hostname=host) if scheme == "https" else raw
            conn = http.client.HTTPConnection(host, port, timeout=self.timeout)
            conn.sock = sock  # the connection to the address checked above, not a new lookup
            conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
            response.read(1024)  # a little, never kept
            status = response.status
        except (OSError, http.client.HTTPException, ValueError) as e:
            reason = f"no complete answer within {self.timeout:g} s" if expired.is_set() else _reason(e, self.timeout)
            return Attempt(None, reason, (time.perf_counter() - t0) * 1000)
        finally:
            if watchdog is not None:
                watchdog.cancel()
            if raw is not None:
                raw.close()
        ms = (time.perf_counter() - t0) * 1000
        if 300 <= status < 400:
            return Attempt(status, f"answered {status} (redirects are not followed)", ms)
        if not 200 <= status < 300:
            return Attempt(status, f"answered {status}", ms)
        return Attempt(status, None, ms)

    def close(self) -> None:
        """Nothing is kept open between requests (each delivery has its own connection and deadline)."""


_TLS = ssl.create_default_context()


def _reason(e: Exception, timeout: float) -> str:
    text = str(e).lower()
    if "timed out" in text or "timeout" in text:
        return f"no answer within {timeout:g} s"
    if "refused" in text:
        return "connection refused"
    if "certificate" in text or "ssl" in text:
        return "TLS failed (certificate or handshake)"
    return f"the connection failed ({type(e).__name__})"
