"""
The sync queue on Azure Storage Queues (azure-storage-queue), tested against Azurite.

Messages are sent base64-encoded (``TextBase64EncodePolicy``): the Functions queue trigger
expects base64 by default (``host.json`` ``extensions.queues.messageEncoding``). The queue
lives in the ``AzureWebJobsStorage`` account, the connection the queue trigger listens on.

``send`` sets the message's initial visibility timeout, which is how the pacing plan
(``shared.core.pacing``) holds each sheet back until its turn. ``receive``, ``delete`` and
``to_poison`` are what a host does; the local worker (``scripts/queue_worker.py``) and the
tests use them to drive the registered queue function the way the Functions host would.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from typing import Any

from azure.core.exceptions import AzureError, ResourceExistsError, ResourceNotFoundError
from azure.storage.queue import QueueClient, QueueMessage, TextBase64DecodePolicy, TextBase64EncodePolicy

from ..config import StorageTarget
from ..errors import StoreError
from .table_client import client_options, credential_for

MAX_DELAY = 7 * 24 * 3600 - 60
"""A message's visibility timeout must stay under its time to live (7 days by default)."""
SEND_THREADS = 8


@contextmanager
def queue_errors(what: str) -> Iterator[None]:
    try:
        yield
    except StoreError:
        raise
    except AzureError as e:
        lines = str(e).strip().splitlines()
        raise StoreError(f"{what}: {lines[0][:300] if lines else type(e).__name__}") from e


def _client(target: StorageTarget, name: str, **kwargs: Any) -> QueueClient:
    policies = {"message_encode_policy": TextBase64EncodePolicy(), "message_decode_policy": TextBase64DecodePolicy()}
    options: dict[str, Any] = {**client_options(), **policies, **kwargs}
    if target.connection_string:
        return QueueClient.from_connection_string(target.connection_string, name, **options)
    return QueueClient(str(target.queue_endpoint), name, credential=credential_for(target), **options)


class StorageQueue:
    """``SyncQueue`` on one storage queue and its poison queue."""

    def __init__(self, target: StorageTarget, name: str, poison_name: str | None = None, **client_kwargs: Any) -> None:
        if not target.connection_string and not target.queue_endpoint:
            raise StoreError("no queue service configured: set AzureWebJobsStorage (or __queueServiceUri)")
        try:
            self.queue = _client(target, name, **client_kwargs)
            self.poison = _client(target, poison_name or f"{name}-poison", **client_kwargs)
        except (ValueError, AzureError) as e:
            raise StoreError(f"invalid queue connection: {type(e).__name__}") from e
        self.name = name
        self._ready = False

    def ensure(self) -> None:
        if self._ready:
            return
        with queue_errors("cannot create the sync queue"):
            for q in (self.queue, self.poison):
                with suppress(ResourceExistsError):
                    q.create_queue()
        self._ready = True

    def send(self, text: str, delay: float = 0.0) -> None:
        """Enqueue one message, invisible for ``delay`` seconds; a queue deleted meanwhile is created again."""
        self.ensure()
        timeout = max(0, min(MAX_DELAY, int(round(delay))))
        with queue_errors("cannot enqueue a sync message"):
            try:
                self.queue.send_message(text, visibility_timeout=timeout)
            except ResourceNotFoundError as e:
                if "QueueNotFound" not in (getattr(e, "error_code", None) or ""):
                    raise
                self._ready = False
                self.ensure()
                self.queue.send_message(text, visibility_timeout=timeout)

    def send_many(self, messages: Iterable[tuple[str, float]]) -> int:
        """Enqueue many messages (a few threads: one request each). Raises the first failure."""
        items = list(messages)
        if not items:
            return 0
        self.ensure()
        with ThreadPoolExecutor(SEND_THREADS) as pool:
            for _ in pool.map(lambda m: self.send(*m), items):
                pass
        return len(items)

    # what the host does (local worker, tests)

    def receive(self, max_messages: int = 16, visibility_timeout: int = 30, poison: bool = False) -> list[QueueMessage]:
        q = self.poison if poison else self.queue
        self.ensure()
        with queue_errors("cannot read the sync queue"):
            return list(
                q.receive_messages(messages_per_page=max_messages, max_messages=max_messages, visibility_timeout=visibility_timeout)
            )

    def delete(self, message: QueueMessage, poison: bool = False) -> None:
        with queue_errors("cannot delete a sync message"):
            (self.poison if poison else self.queue).delete_message(message)

    def to_poison(self, message: QueueMessage) -> None:
        """Move a message that exhausted its deliveries to the poison queue (as the host does)."""
        with queue_errors("cannot move a message to the poison queue"):
            self.poison.send_message(message.content)
            self.queue.delete_message(message)

    def count(self, poison: bool = False) -> int:
        with queue_errors("cannot read the queue's properties"):
            return int((self.poison if poison else self.queue).get_queue_properties().approximate_message_count or 0)
