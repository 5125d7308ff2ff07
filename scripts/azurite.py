"""
Start and stop Azurite's Table and Queue services for tests and the local run.

Azurite comes from the project's own ``package.json`` (``npm ci`` in ``scripts/bootstrap``). It
listens on 127.0.0.1 only, keeps everything in memory (``--inMemoryPersistence``), accepts the
SDK's newer API versions (``--skipApiVersionCheck``) and sends no telemetry. The Queue service
(``azurite-queue``, the sync messages and their poison queue) runs as a second process beside the
Table service, on a free port of its own, with the same options.
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
QUEUE_BINARY = ROOT / "node_modules" / ".bin" / "azurite-queue"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def connection_string(port: int, queue_port: int | None = None) -> str:
    return azurite_connection(port, queue_port=queue_port)


class Azurite:
    """One Azurite Table service process (and, with ``queue``, a Queue service process) on ports of their own."""

    def __init__(
        self, port: int | None = None, cert: str | None = None, key: str | None = None, oauth: str | None = None, queue: bool = True
    ) -> None:
        """``cert``/``key`` (PEM files) serve HTTPS; ``oauth="basic"`` (HTTPS only) also accepts bearer tokens."""
        self.port = port or free_port()
        self.queue_port: int | None = free_port() if queue else None
        self.cert, self.key, self.oauth = cert, key, oauth
        self.proc: subprocess.Popen[bytes] | None = None
        self.queue_proc: subprocess.Popen[bytes] | None = None
        self._logf = None
        self.workdir = tempfile.mkdtemp(prefix="azurite-")
        self.log = os.path.join(self.workdir, "azurite.log")

    @property
    def connection_string(self) -> str:
        conn = connection_string(self.port, self.queue_port)
        return conn.replace("http://", "https://").replace("Protocol=http;", "Protocol=https;") if self.cert else conn

    @property
    def table_endpoint(self) -> str:
        return f"{'https' if self.cert else 'http'}://127.0.0.1:{self.port}/devstoreaccount1"

    @property
    def queue_endpoint(self) -> str:
        return f"{'https' if self.cert else 'http'}://127.0.0.1:{self.queue_port}/devstoreaccount1"

    def start(self, timeout: float = 60.0) -> Azurite:
        if not BINARY.exists() or (self.queue_port and not QUEUE_BINARY.exists()):
            raise RuntimeError(f"{BINARY} is missing: run scripts/bootstrap (npm ci) first")
        self._logf = open(self.log, "wb")  # noqa: SIM115 - closed in stop()
        if self.queue_port:
            self.queue_proc = subprocess.Popen(
                [
                    str(QUEUE_BINARY),
                    "--queueHost",
                    "127.0.0.1",
                    "--queuePort",
                    str(self.queue_port),
                    "--inMemoryPersistence",
                    "--skipApiVersionCheck",
                    "--disableTelemetry",
                    "--silent",
                    *(["--cert", self.cert, "--key", self.key] if self.cert and self.key else []),
                    *(["--oauth", self.oauth] if self.oauth else []),
                ],
                cwd=self.workdir,
                stdout=subprocess.DEVNULL,
                stderr=self._logf,
                start_new_session=True,
            )
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
        waiting = [(self.proc, self.port)] + ([(self.queue_proc, self.queue_port)] if self.queue_proc and self.queue_port else [])
        while waiting and time.monotonic() < deadline:
            proc, port = waiting[0]
            if proc.poll() is not None:
                err = Path(self.log).read_text(errors="replace")
                self.stop()
                raise RuntimeError(f"azurite exited with {proc.returncode}: {err[-500:]}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    waiting.pop(0)
            except OSError:
                time.sleep(0.1)
        if not waiting:
            return self
        self.stop()
        raise RuntimeError(f"azurite did not listen on port {waiting[0][1]} within {timeout}s")

    def stop(self) -> None:
        queue_proc, self.queue_proc = self.queue_proc, None
        self._kill(queue_proc)
        proc, self.proc = self.proc, None
        self._kill(proc)
        if self._logf is not None:
            self._logf.close()
            self._logf = None

    @staticmethod
    def _kill(proc: subprocess.Popen[bytes] | None) -> None:
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
