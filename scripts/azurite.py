"""
Start and stop Azurite's Table service for tests and the local run.

Azurite comes from the project's own ``package.json`` (``npm ci`` in ``scripts/bootstrap``). It
listens on 127.0.0.1 only, keeps everything in memory (``--inMemoryPersistence``), accepts the
SDK's newer API versions (``--skipApiVersionCheck``) and sends no telemetry.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from shared.config import azurite_connection

ROOT = Path(__file__).resolve().parent.parent
BINARY = ROOT / "node_modules" / ".bin" / "azurite-table"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def connection_string(port: int) -> str:
    return azurite_connection(port)


class Azurite:
    """One Azurite Table service process on a port of its own."""

    def __init__(self, port: int | None = None, cert: str | None = None, key: str | None = None, oauth: str | None = None) -> None:
        """``cert``/``key`` (PEM files) serve HTTPS; ``oauth="basic"`` (HTTPS only) also accepts bearer tokens."""
        self.port = port or free_port()
        self.cert, self.key, self.oauth = cert, key, oauth
        self.proc: subprocess.Popen[bytes] | None = None
        self._logf = None
        self.workdir = tempfile.mkdtemp(prefix="azurite-")
        self.log = os.path.join(self.workdir, "azurite.log")

    @property
    def connection_string(self) -> str:
        conn = connection_string(self.port)
        return conn.replace("http://", "https://").replace("Protocol=http;", "Protocol=https;") if self.cert else conn

    @property
    def table_endpoint(self) -> str:
        return f"{'https' if self.cert else 'http'}://127.0.0.1:{self.port}/devstoreaccount1"

    def start(self, timeout: float = 60.0) -> Azurite:
        if not BINARY.exists():
            raise RuntimeError(f"{BINARY} is missing: run scripts/bootstrap (npm ci) first")
        self._logf = open(self.log, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [
                str(BINARY),
                "--tableHost",
                "127.0.0.1",
                "--tablePort",
                str(self.port),
                "--inMemoryPersistence",
                "--skipApiVersionCheck",
                "--disableTelemetry",
                "--silent",
                *(["--cert", self.cert, "--key", self.key] if self.cert and self.key else []),
                *(["--oauth", self.oauth] if self.oauth else []),
            ],
            cwd=self.workdir,  # Azurite may still write a debug log or lock file in its cwd
            stdout=subprocess.DEVNULL,
            stderr=self._logf,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = Path(self.log).read_text(errors="replace")
                raise RuntimeError(f"azurite exited with {self.proc.returncode}: {err[-500:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"azurite did not listen on port {self.port} within {timeout}s")

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                try:
                    os.killpg(proc.pid, sig)
                    proc.wait(timeout=10)
                    break
                except ProcessLookupError:
                    break
                except subprocess.TimeoutExpired:
                    continue
        if self._logf is not None:
            self._logf.close()
            self._logf = None

    def pause(self) -> None:
        """Freeze Azurite (SIGSTOP): connections hang as in a storage outage; data is kept."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        """Let a paused Azurite run again (SIGCONT)."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGCONT)

    def __enter__(self) -> Azurite:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


if __name__ == "__main__":
    az = Azurite(int(sys.argv[1]) if len(sys.argv) > 1 else None).start()
    print(az.connection_string, flush=True)
    try:
        az.proc.wait()  # type: ignore[union-attr]
    except KeyboardInterrupt:
        az.stop()
