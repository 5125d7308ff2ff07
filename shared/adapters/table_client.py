"""
The Table Storage client: endpoint and credential, timeouts, and retries with jitter.

``service_client`` builds the ``TableServiceClient`` a store uses, from a connection string or an
identity-based target (``<NAME>__tableServiceUri`` / ``__accountName`` with a managed identity).
Its pipeline retries transient failures (5xx, timeouts) with exponential backoff and full
jitter; idempotent writes are retried on timeouts too (``IDEMPOTENT``).
"""

from __future__ import annotations

import random
from typing import Any

from azure.core.exceptions import AzureError
from azure.data.tables import TableServiceClient
from azure.data.tables._policies import TablesRetryPolicy

from ..config import StorageTarget
from ..errors import StoreError

IDEMPOTENT: dict[str, Any] = {"retry_on_methods": ["HEAD", "GET", "PUT", "DELETE", "OPTIONS", "TRACE", "POST", "PATCH", "MERGE"]}
"""azure-core retries a timed-out POST or PATCH only when told to; upserts and merges of whole
entities (and batches of them) give the same result when sent twice, so they are retried."""


class JitteredRetryPolicy(TablesRetryPolicy):
    """
    The SDK's retry policy with full jitter on its exponential backoff.

    azure-core backs off 0.5, 1, 2, 4 s exactly; several instances retrying against the same
    account would retry in step. Each wait is drawn uniformly from [backoff / 2, backoff].
    """

    def get_backoff_time(self, settings: dict[str, Any]) -> float:
        backoff = float(super().get_backoff_time(settings))
        return random.uniform(backoff / 2, backoff) if backoff > 0 else 0.0


# The jitter hooks into the SDK's pipeline through two private names: ``_policies.TablesRetryPolicy``
# and ``TableServiceClient._configure_policies``. Checked against azure-data-tables 12.7.0 (the
# version pinned in constraints.txt); tests/test_table_storage.py fails if either goes away.
class _TableService(TableServiceClient):
    """TableServiceClient whose pipeline (shared by its table clients) retries with jitter."""

    def _configure_policies(self, **kwargs: Any) -> list[Any]:
        policies = super()._configure_policies(**kwargs)
        return [JitteredRetryPolicy(**kwargs) if type(p) is TablesRetryPolicy else p for p in policies]  # type: ignore[no-untyped-call]


def client_options() -> dict[str, Any]:
    """Default timeouts and retries of every storage client (tables and queues)."""
    return {
        "connection_timeout": 5,
        "read_timeout": 30,
        "retry_total": 4,
        "retry_backoff_factor": 0.5,
        "retry_backoff_max": 8,
    }


def credential_for(target: StorageTarget) -> Any:
    """The Entra ID credential of an identity-based connection (``__credential``, ``__clientId``)."""
    from azure.identity import DefaultAzureCredential, ManagedIdentityCredential

    if target.credential == "managedidentity":
        return ManagedIdentityCredential(client_id=target.client_id) if target.client_id else ManagedIdentityCredential()
    return DefaultAzureCredential(managed_identity_client_id=target.client_id)


def service_client(target: str | StorageTarget, **client_kwargs: Any) -> TableServiceClient:
    """A client for ``target`` with the default timeouts and retries, overridden by ``client_kwargs``."""
    kwargs = client_options() | client_kwargs
    if not isinstance(target, StorageTarget):
        target = StorageTarget(connection_string=target)
    try:
        if target.connection_string:
            return _TableService.from_connection_string(target.connection_string, **kwargs)
        kwargs.setdefault("credential", credential_for(target))
        return _TableService(endpoint=str(target.table_endpoint), **kwargs)
    except (ValueError, AzureError) as e:
        raise StoreError(f"invalid storage connection string: {e}") from e
