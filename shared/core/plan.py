"""
Change planning: what a sync must write, given the keyed leads and what is stored.

Only differences are written: a stored lead with the same fingerprint is left alone, a lead
that left the sheet is soft-deleted (never erased), and a soft-deleted lead that comes back is
restored.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .identity import KeyedLead


@dataclass(frozen=True, slots=True)
class StoredLead:
    key: str
    fingerprint: str
    deleted: bool
    first_seen: object = None
    """When the lead was first stored (kept across rewrites); opaque to the core."""
    content_key: str | None = None
    """The key the lead's content gives now, when the lead kept an older id (its email changed)."""
    row: int | None = None
    """1-based sheet row at its last write (for previews of a blocked drop)."""
    signatures: tuple[str, ...] = ()
    """``identity.signatures`` of the stored lead (empty for leads written before they existed)."""


@dataclass(slots=True)
class ChangePlan:
    added: list[KeyedLead] = field(default_factory=list)
    updated: list[KeyedLead] = field(default_factory=list)
    restored: list[KeyedLead] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: int = 0

    @property
    def upserts(self) -> list[KeyedLead]:
        return self.added + self.updated + self.restored


def plan_changes(incoming: list[KeyedLead], stored: dict[str, StoredLead]) -> ChangePlan:
    """Compare incoming leads with the stored index of the sheet."""
    plan = ChangePlan()
    seen: set[str] = set()
    for lead in incoming:
        seen.add(lead.key)
        old = stored.get(lead.key)
        if old is None:
            plan.added.append(lead)
        elif old.deleted:
            plan.restored.append(lead)
        elif old.fingerprint != lead.fingerprint:
            plan.updated.append(lead)
        else:
            plan.unchanged += 1
    plan.deleted = sorted(k for k, s in stored.items() if not s.deleted and k not in seen)
    return plan
