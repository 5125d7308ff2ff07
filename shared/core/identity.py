"""
Stable lead identity and content fingerprints.

A lead's key comes from what it is, not where it sits, so sorting a sheet, inserting rows or
moving columns never changes it:

1. ``e`` + hash of the normalised email;
2. else ``p`` + hash of the E.164 phone;
3. else ``n`` + hash of the normalised name and company;
4. else ``r`` + hash of every value in the row (a row with no contact and no name).

Keys are hex hashes, so they hold only characters Table Storage allows in a RowKey and carry no
PII into logs or URLs. Two rows with the same key in one sheet are both kept: the one whose
content sorts first keeps the plain key, the others get the key plus a content suffix
(``assign_keys``), and the duplicates are reported.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable
from hashlib import blake2b
from itertools import chain, repeat
from operator import itemgetter
from typing import Any, NamedTuple

from .models import Lead


def _h(text: str, size: int = 10) -> str:
    return hashlib.blake2b(text.encode("utf-8"), digest_size=size).hexdigest()


def base_key(lead: Lead) -> str:
    f = lead.fields
    email = f.get("email")
    if email:
        return "e" + _h(email)
    phone = f.get("phone")
    if phone:
        return "p" + _h(phone)
    name = " ".join(v.casefold() for v in (f.get("full_name"), f.get("first_name"), f.get("last_name"), f.get("company")) if v)
    if name:
        return "n" + _h(" ".join(name.split()))
    return "r" + _h(_encode(lead, with_invalid=False))


_UNIT, _GROUP = "\x1f", "\x1d"
"""ASCII unit and group separators: control characters that sheet text does not hold."""


def _encode(lead: Lead, with_invalid: bool = True) -> str:
    parts = [_UNIT.join(chain.from_iterable(sorted(lead.fields.items()))), _UNIT.join(chain.from_iterable(sorted(lead.extra.items())))]
    if with_invalid and lead.invalid:
        parts.append(_UNIT.join(chain.from_iterable(sorted(lead.invalid.items()))))
    return _GROUP.join(parts)


def fingerprint(lead: Lead) -> str:
    """
    Hash of the lead's content (fields, extra data, invalid raw values), not its position.

    Items are sorted, so moving columns does not change it. Joined with C-level ``str.join``:
    this runs once per lead per sync.
    """
    return hashlib.blake2b(_encode(lead).encode("utf-8"), digest_size=12).hexdigest()


def _getter(names: tuple[str, ...]) -> Callable[[dict[str, str]], tuple[str, ...]]:
    """The values of ``names`` as a tuple (``itemgetter`` gives one value bare, and needs a name)."""
    if len(names) > 1:
        return itemgetter(*names)

    def get(d: dict[str, str]) -> tuple[str, ...]:
        return tuple(d[n] for n in names)

    return get


def _template(names: tuple[str, ...]) -> str:
    """``_encode``'s text of one part with every value left as ``%s``."""
    return _UNIT.join(f"{n.replace('%', '%%')}{_UNIT}%s" for n in names)


class _SheetEncoder:
    """
    ``fingerprint`` for the leads of one sheet, without sorting each lead's items. The leads of a
    sheet hold few distinct sets of names (one per pattern of empty cells): for each set, the
    sorted names are worked out once, as a ``%`` template of the text ``_encode`` makes, and
    a lead's values are taken in that order (``operator.itemgetter``) and formatted in, at C
    speed. The text hashed, and so every fingerprint, is exactly ``fingerprint``'s.
    """

    LIMIT = 4096
    """Distinct name sets remembered; past it (a sheet of very irregular rows) a lead is encoded as before."""

    def __init__(self) -> None:
        self._plans: dict[
            tuple[tuple[str, ...], tuple[str, ...]], tuple[str, Callable[[dict[str, str]], Any], Callable[[dict[str, str]], Any]]
        ] = {}

    def fingerprint(self, lead: Lead) -> str:
        f, x = lead.fields, lead.extra
        names = (tuple(f), tuple(x))
        plan = self._plans.get(names)
        if plan is None:
            if len(self._plans) >= self.LIMIT:
                return fingerprint(lead)
            fo, xo = tuple(sorted(names[0])), tuple(sorted(names[1]))
            plan = self._plans[names] = (_template(fo) + _GROUP + _template(xo), _getter(fo), _getter(xo))
        template, get_f, get_x = plan
        text = template % (get_f(f) + get_x(x))
        if lead.invalid:
            text += _GROUP + _UNIT.join(chain.from_iterable(sorted(lead.invalid.items())))
        return blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


class KeyedLead(NamedTuple):
    """A lead with its key (a NamedTuple: one is built per lead per sync, and they are cheap)."""

    key: str
    fingerprint: str
    lead: Lead
    duplicate_of: str | None = None
    content_key: str | None = None
    """The key the content gives, when the lead keeps an older id instead (see ``shared.core.plan``)."""


def assign_keys(leads: list[Lead]) -> tuple[list[KeyedLead], int]:
    """
    Give every lead a unique key.

    Returns:
        The keyed leads, in sheet order, and how many rows shared their key with another row.
    """
    keys = [base_key(lead) for lead in leads]
    fps = list(map(_SheetEncoder().fingerprint, leads))
    shared = {k for k, n in Counter(keys).items() if n > 1}
    # tuple.__new__ at C speed: the NamedTuple's own __new__ is a Python function, called per lead.
    keyed: list[KeyedLead] = list(map(tuple.__new__, repeat(KeyedLead), zip(keys, fps, leads, repeat(None), repeat(None))))
    if not shared:
        return keyed, 0
    groups: dict[str, list[int]] = {}
    for i, k in enumerate(keys):
        if k in shared:
            groups.setdefault(k, []).append(i)
    for key, members in groups.items():
        members.sort(key=lambda i: (fps[i], i))
        seen: dict[str, int] = {}
        for n, i in enumerate(members):
            fp = fps[i]
            earlier = seen.get(fp, 0)
            seen[fp] = earlier + 1
            if n:
                suffix = fp[:8] if earlier == 0 else f"{fp[:8]}-{earlier + 1}"
                keyed[i] = KeyedLead(f"{key}-{suffix}", fp, leads[i], key)
    return keyed, sum(len(m) for m in groups.values())


def signatures(lead: Lead) -> tuple[str, ...]:
    """
    What else identifies a lead besides its email, strongest first: its phone, its name with its
    company, and the rest of its row (everything but the email, when it holds a name and at least
    two more values). Hashes, prefixed by kind.
    """
    f = lead.fields
    out: list[str] = []
    if f.get("phone"):
        out.append("p" + _h(f["phone"], 8))
    name = " ".join(v.casefold() for v in (f.get("full_name"), f.get("company")) if v)
    if f.get("full_name") and f.get("company"):
        out.append("n" + _h(" ".join(name.split()), 8))
    rest = Lead(lead.row, {k: v for k, v in f.items() if k not in ("email", "emails")}, lead.extra, lead.invalid)
    # The rest of a row identifies a person only when it holds a name and enough besides: in a
    # sheet of emails and companies, "the rest" is a company, which colleagues share.
    named = any(f.get(k) for k in ("full_name", "first_name", "last_name"))
    if named and sum(1 for v in (*rest.fields.values(), *rest.extra.values()) if v) >= 3:
        out.append("r" + _h(_encode(rest, with_invalid=False), 8))
    return tuple(out)


def keep_identities(
    keyed: list[KeyedLead], stored_keys: set[str], aliases: dict[str, str], missing: dict[str, tuple[str, ...]]
) -> tuple[list[KeyedLead], int]:
    """
    Keep a lead's id when its email changes (corrected, added, or turned into ``#N/A``).

    Args:
        keyed: this sync's leads with the keys their content gives.
        stored_keys: every key stored for the sheet.
        aliases: content key -> stored id, for leads that kept an id before.
        missing: stored live leads that this sync's keys do not reach -> their signatures.

    A new key that is an alias takes its id. Otherwise a new lead and a missing stored lead that
    share a signature (phone, then name and company, then the rest of the row), one to one and
    unambiguously, are the same lead: the new one takes the stored id and is an update.

    Returns:
        The leads with kept ids (``content_key`` set on those), and how many were matched in
        this sync (aliases found before are not counted again).
    """
    out = list(keyed)
    taken: set[str] = set()
    incoming = {k.key for k in keyed}
    for i, k in enumerate(out):
        target = aliases.get(k.key)
        if k.key not in stored_keys and target is not None and target not in taken and target not in incoming:
            out[i] = k._replace(key=target, content_key=k.key)
            taken.add(target)
    aliased = len(taken)
    if not missing:
        return out, 0
    present = {k.key for k in out}
    open_missing = {key: sigs for key, sigs in missing.items() if key not in present and key not in taken}
    by_sig: dict[str, list[str]] = {}
    for key, sigs in open_missing.items():
        for sig in sigs:
            by_sig.setdefault(sig, []).append(key)
    claims: dict[str, list[int]] = {}
    for i, k in enumerate(out):
        if k.key in stored_keys or k.key in taken:
            continue
        for sig in signatures(k.lead):
            owners = by_sig.get(sig, [])
            if len(owners) == 1:
                claims.setdefault(owners[0], []).append(i)
                break
            if len(owners) > 1:
                break  # ambiguous at the strongest shared signature: no guess
    for key, idx in claims.items():
        if len(idx) == 1:
            k = out[idx[0]]
            out[idx[0]] = k._replace(key=key, content_key=k.key)
            taken.add(key)
    return out, len(taken) - aliased
