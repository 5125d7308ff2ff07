"""
A local stand-in for the Functions host's queue listener: it receives the sync messages from the
queue (Azurite locally), hands each to the *registered* ``sync_queue`` function as a
``func.QueueMessage``, deletes it when the function returns, makes it visible again after
``visibilityTimeout`` when the function raises, and moves it to ``<queue>-poison`` after
``maxDequeueCount`` deliveries, where the registered ``sync_poison`` function reads it. The
numbers come from host.json, as the host's do. Used by ``scripts/run-local`` and the tests.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import azure.functions as func
from azure.functions.queue import QueueMessage

from shared.adapters.queue_storage import StorageQueue

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger("leadsync.worker")


def host_queue_settings() -> dict[str, Any]:
    return dict(json.loads((ROOT / "host.json").read_text())["extensions"]["queues"])


def _seconds(hms: str) -> float:
    h, m, s = (float(x) for x in hms.split(":"))
    return timedelta(hours=h, minutes=m, seconds=s).total_seconds()


def registered(name: str, package: str = "sync_queue") -> Any:
    """
    A queue function as registered (a blueprint ``function_app`` registers: ``sync_queue``,
    ``webhooks_queue``), through the documented v2 testing API ``<builder>.build().get_user_function()``.
    """
    import importlib

    return getattr(importlib.import_module(package), name).build().get_user_function()


def as_function_message(m: Any) -> func.QueueMessage:
    """
    What the host passes the function: the decoded body and the delivery's metadata, as the
    worker's own ``azure.functions.queue.QueueMessage`` (a ``func.QueueMessage`` that carries the
    dequeue count; the public constructor takes only id, body and pop receipt).
    """
    return QueueMessage(
        id=m.id,
        body=str(m.content).encode("utf-8"),
        dequeue_count=m.dequeue_count,
        pop_receipt=m.pop_receipt,
        insertion_time=m.inserted_on,
        expiration_time=m.expires_on,
    )


@dataclass
class Worker:
    queue: StorageQueue
    max_dequeue: int = 5
    retry_delay: float = 30.0
    outcomes: list[tuple[str, str]] = field(default_factory=list)
    """(message id, "ok" | "failed" | "poisoned" | "poison-read")"""
    functions: tuple[str, str, str | None] = ("sync_queue", "sync_queue", "sync_poison")
    """(package, the queue's function, the poison queue's function or None) the messages go to."""

    @classmethod
    def from_host_json(cls, queue: StorageQueue, **overrides: Any) -> Worker:
        q = host_queue_settings()
        kw: dict[str, Any] = {"max_dequeue": int(q["maxDequeueCount"]), "retry_delay": _seconds(q["visibilityTimeout"])}
        return cls(queue, **(kw | overrides))

    def run_once(self, lease_seconds: int = 600) -> int:
        """Process what is visible now (sync queue, then poison queue); returns how many messages."""
        handled = 0
        package, name, poison_name = self.functions
        sync = registered(name, package)
        poison = registered(poison_name, package) if poison_name else None
        for m in self.queue.receive(16, visibility_timeout=lease_seconds):
            handled += 1
            if m.dequeue_count > self.max_dequeue:
                self.queue.to_poison(m)
                self.outcomes.append((m.id, "poisoned"))
                continue
            try:
                sync(as_function_message(m))
            except Exception as e:
                log.warning("%s failed (%s), delivery %d", name, type(e).__name__, m.dequeue_count)
                self.outcomes.append((m.id, "failed"))
                if m.dequeue_count >= self.max_dequeue:
                    self.queue.to_poison(m)
                    self.outcomes.append((m.id, "poisoned"))
                else:
                    self.queue.queue.update_message(m, visibility_timeout=int(self.retry_delay))
                continue
            self.queue.delete(m)
            self.outcomes.append((m.id, "ok"))
        for m in self.queue.receive(16, visibility_timeout=lease_seconds, poison=True) if poison else ():
            handled += 1
            poison(as_function_message(m))
            self.queue.delete(m, poison=True)
            self.outcomes.append((m.id, "poison-read"))
        return handled

    def run_until_idle(self, idle_seconds: float = 1.0, poll: float = 0.2, timeout: float = 120.0) -> int:
        """Process until nothing arrived for ``idle_seconds`` (or ``timeout``)."""
        total, quiet_since, deadline = 0, time.monotonic(), time.monotonic() + timeout
        while time.monotonic() < deadline:
            n = self.run_once()
            total += n
            if n:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= idle_seconds:
                break
            else:
                time.sleep(poll)
        return total

    def run_forever(self, stop: threading.Event, poll: float = 1.0) -> None:
        while not stop.is_set():
            try:
                if not self.run_once():
                    stop.wait(poll)
            except Exception as e:
                log.warning("queue worker: %s", type(e).__name__)
                stop.wait(poll)
