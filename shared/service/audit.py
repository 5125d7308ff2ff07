"""The audit trail's writer, shared by the use cases that act on people's data or approve drops."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from ..errors import StoreError
from ..ports import AuditTrail


def record(trail: AuditTrail, action: str, actor: str, sheets: list[str], counts: Mapping[str, int], **detail: Any) -> str:
    """Append one audit record (action, actor, sheet ids and counts, never personal data); its id."""
    entry: dict[str, Any] = {"action": action, "actor": actor[:200] or "unknown", "sheets": sorted(sheets), "counts": dict(counts)}
    entry.update(detail)
    try:
        return trail.append_audit(entry, datetime.now(UTC))
    except StoreError as e:
        raise StoreError(f"the {action} was done, but its audit record could not be written ({e}); repeat the request to record it") from e
