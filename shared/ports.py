"""
The two boundaries of a sync: where sheets come from and where leads go.

Real adapters live in ``shared.adapters``; tests may use the in-memory store in
``shared.adapters.memory`` for pure unit tests, but storage behaviour is tested against Azurite.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Protocol

from .config import SheetConfig
from .core.identity import KeyedLead
from .core.models import Grid
from .core.plan import StoredLead


class SheetSource(Protocol):
    def fetch(self, sheet: SheetConfig) -> Grid:
        """Return the sheet's cells as rows of strings; raise ``SourceError`` subclasses."""


class LeadStore(Protocol):
    def load_index(self, sheet_id: str) -> dict[str, StoredLead]: ...

    def write_leads(
        self, sheet: SheetConfig, leads: Iterable[KeyedLead], now: datetime, first_seen: dict[str, Any] | None = None
    ) -> int: ...

    def soft_delete(self, sheet_id: str, keys: Iterable[str], now: datetime) -> int: ...

    def merge_leads(self, sheet_id: str, keys: Iterable[str], props: dict[str, Any]) -> int: ...

    def get_state(self, sheet_id: str) -> dict[str, Any] | None: ...

    def save_state(self, sheet_id: str, state: dict[str, Any]) -> None: ...

    def list_states(self) -> list[dict[str, Any]]: ...

    def acquire_lease(self, sheet_id: str, owner: str, now: datetime, ttl_seconds: int) -> bool: ...

    def release_lease(self, sheet_id: str, owner: str) -> None: ...

    def add_run(self, sheet_id: str, run: dict[str, Any]) -> None: ...

    def list_runs(self, sheet_id: str, limit: int) -> list[dict[str, Any]]: ...

    def prune_runs(self, sheet_id: str, before: datetime) -> int: ...

    def list_leads(
        self,
        *,
        sheet_id: str | None,
        customer: str | None,
        include_deleted: bool,
        page_size: int,
        token: str | None,
        updated_since: datetime | None = None,
    ) -> tuple[list[dict[str, Any]], str | None]: ...
