"""
The data-loss guard: refuse a sync that would make too many leads disappear.

A sheet that suddenly shrinks is far more often a mistake (a filter left on, a bad paste, the
wrong tab, a truncated export) than a real mass deletion. The guard compares the incoming leads
with the last successful sync, by count and by key set, and blocks before anything is written.
The baseline is the largest live count within a window of recent successful syncs (the
high-water mark) or what storage holds now, whichever is larger: a sheet that erodes by
steps just under the limit is blocked at the step where the total drop passes it, and a sheet
whose sync state was lost is compared with its stored leads.

Identity carries are guarded the same way: a row that keeps a stored lead's id through a phone
or a name (``identity.resolve_identities``) overwrites what was stored under it, so a run whose
carries pass a share of the sheet (``max_carry``) is blocked too.

A person approves one blocked change by its id (``change_id``): the digest of exactly what it
would remove. The next run applies it only if it would remove that same set.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class GuardPolicy:
    max_drop: float = 0.7
    """Largest share of leads that may disappear in one sync (0.7 = 70%)."""
    min_baseline: int = 10
    """Below this many leads the percentage check is skipped (tiny sheets swing wildly)."""
    max_carry: float = 0.2
    """Largest share of the sheet's leads that may keep another row's stored id in one sync (0.2 = 20%)."""


@dataclass(frozen=True, slots=True)
class GuardDecision:
    allowed: bool
    reason: str
    code: str
    numbers: dict[str, float] = field(default_factory=dict)


def check_data_loss(
    baseline: int | None,
    active_stored: int,
    incoming: int,
    disappearing: int,
    policy: GuardPolicy,
) -> GuardDecision:
    """
    Decide whether a sync may be applied.

    Args:
        baseline: the high-water mark of live leads over the guard's window (``None`` if never synced).
        active_stored: leads currently stored and not deleted for this sheet.
        incoming: valid leads in the sheet now.
        disappearing: stored active leads whose keys are not in the sheet now.
        policy: the sheet's limits.

    A person's approval is not an argument: it is bound to the change id of what this decision
    blocks (``change_id``), and the caller applies it only to exactly that change.
    """
    before = max(baseline or 0, active_stored)
    numbers = {
        "baseline": float(baseline or 0),
        "stored": float(active_stored),
        "incoming": float(incoming),
        "disappearing": float(disappearing),
        "max_drop": policy.max_drop,
    }
    if before > 0 and incoming == 0:
        return GuardDecision(False, f"sheet returned no leads after having {before}; blocked", "empty_sheet", numbers)
    if before < policy.min_baseline:
        return GuardDecision(True, f"baseline of {before} is below {policy.min_baseline}; not checked", "small", numbers)
    count_drop = (before - incoming) / before if before else 0.0
    key_drop = disappearing / active_stored if active_stored else 0.0
    drop = max(count_drop, key_drop)
    numbers["drop"] = round(drop, 4)
    if drop > policy.max_drop:
        which = "leads would disappear" if key_drop >= count_drop else "fewer leads than last sync"
        return GuardDecision(
            False,
            f"{drop:.0%} {which} ({incoming} now, {before} before, {disappearing} missing); limit is {policy.max_drop:.0%}; blocked",
            "drop_over_limit",
            numbers,
        )
    return GuardDecision(True, f"{drop:.0%} drop is within the {policy.max_drop:.0%} limit", "ok", numbers)


def check_carries(carried: int, baseline: int | None, active_stored: int, incoming: int, policy: GuardPolicy) -> GuardDecision:
    """
    Decide whether this sync's identity carries may be applied.

    Args:
        carried: rows that took a stored lead's id through a phone, a name or the rest of the row.
        baseline, active_stored, incoming: as for ``check_data_loss``; the share is of the larger
            of the sheet before and now, and is not checked below ``min_baseline``.
    """
    size = max(baseline or 0, active_stored, incoming)
    numbers = {"carried": float(carried), "max_carry": policy.max_carry}
    if not carried or size < policy.min_baseline:
        return GuardDecision(True, f"{carried} identity carries", "ok", numbers)
    share = carried / size
    numbers["carry"] = round(share, 4)
    if share > policy.max_carry:
        return GuardDecision(
            False,
            f"{share:.0%} of the sheet's leads ({carried} of {size}) would keep the id of a stored lead whose email changed; "
            f"limit is {policy.max_carry:.0%}; blocked",
            "carry_over_limit",
            numbers,
        )
    return GuardDecision(True, f"{share:.0%} identity carries are within the {policy.max_carry:.0%} limit", "ok", numbers)


def change_id(kind: str, items: Iterable[str]) -> str:
    """A short digest naming a blocked change: its kind and exactly what it would remove."""
    h = hashlib.blake2b(kind.encode(), digest_size=8)
    for item in sorted(items):
        h.update(b"\n")
        h.update(item.encode("utf-8"))
    return f"{kind[0]}{h.hexdigest()}"
