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

Only the email is a person's own identifier. A phone (a switchboard, a recycled number), a name
with a company (namesakes at one firm) or the rest of a row are shared by different people, so
a lead's id passes to a row through one of them only when a second attribute agrees
(``may_carry``); otherwise the row is a new lead and the stored one leaves through the guard.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Mapping
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


FALLBACK = frozenset("pnr")
"""Key kinds that other people can share: phone, name with company, rest of the row."""

_TOKEN = re.compile(r"[^\W_]+")
_LEGAL = frozenset(
    [
        "ltd",
        "limited",
        "inc",
        "incorporated",
        "llc",
        "llp",
        "lp",
        "plc",
        "gmbh",
        "mbh",
        "ag",
        "kg",
        "sa",
        "sas",
        "sarl",
        "srl",
        "spa",
        "bv",
        "nv",
        "co",
        "corp",
        "corporation",
        "company",
        "the",
        "pty",
        "ab",
        "oy",
        "as",
        "kk",
    ]
)
_ROLES = frozenset(
    [
        "info",
        "sales",
        "contact",
        "contacts",
        "hello",
        "admin",
        "office",
        "enquiries",
        "enquiry",
        "inquiries",
        "support",
        "team",
        "mail",
        "email",
        "reception",
        "accounts",
        "accounting",
        "marketing",
        "hr",
        "jobs",
        "careers",
        "help",
        "service",
        "noreply",
        "donotreply",
        "webmaster",
        "billing",
        "orders",
        "general",
        "bookings",
    ]
)
"""Local parts that name a role, not a person: two people's ``info@`` agree on nothing."""


def _tokens(text: str | None) -> tuple[str, ...]:
    """Words of ``text`` folded for comparison (case, accents, punctuation), in sorted order (word order ignored)."""
    if not text:
        return ()
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold().replace("ß", "ss")
    return tuple(sorted(_TOKEN.findall(plain)))


class Traits(NamedTuple):
    """What identifies a person besides the key, normalised for comparison (never stored or logged)."""

    name: tuple[str, ...]
    local: str
    company: tuple[str, ...]
    phone: str
    email: str


def traits(fields: Mapping[str, str]) -> Traits:
    """The comparable attributes of a lead's (or a stored lead's) identity fields."""
    name = fields.get("full_name") or " ".join(v for v in (fields.get("first_name"), fields.get("last_name")) if v)
    email = (fields.get("email") or "").strip().casefold()
    local = email.rsplit("@", 1)[0].split("+", 1)[0] if "@" in email else ""
    local = "".join(ch for ch in local if ch not in "._-")
    company = tuple(t for t in _tokens(fields.get("company")) if t not in _LEGAL)
    return Traits(_tokens(name), "" if local in _ROLES else local, company, fields.get("phone") or "", email)


def names_agree(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Same words in any order, or one name's words (two at least) all in the other (a middle name added)."""
    if a == b:
        return bool(a)
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    return len(short) >= 2 and not (Counter(short) - Counter(long))


def _same(a: object, b: object, agree: Callable[[Any, Any], bool] | None = None) -> bool | None:
    """True or False when both sides hold the attribute, None when either lacks it."""
    if not a or not b:
        return None
    return agree(a, b) if agree is not None else a == b


def may_carry(new: Traits, old: Traits, basis: str) -> bool:
    """
    May a row (``new``) take a stored lead's id (``old``) that it shares through ``basis`` (the
    kind of fallback key or signature: ``p`` phone, ``n`` name with company, ``r`` rest of row)?

    Only when a second attribute agrees: the name (case, accents and word order aside), else the
    email's local part (``ann.lee@old`` and ``annlee@new``; role addresses such as ``info@`` say
    nothing), else the company while neither name nor local part disagrees. A name that
    disagrees is another person whatever else matches. Name with company needs a contact to
    agree too (namesakes at one firm), unless one side has no contact at all. A stored lead that holds nothing the row lacks (a phone
    alone, a name and company alone) is carried: nothing of it would be lost.
    """
    name = _same(new.name, old.name, names_agree)
    if name is False:
        return False
    local, phone = _same(new.local, old.local), _same(new.phone, old.phone)
    if basis == "n":
        # Name and company are the basis: a contact must agree, or one side hold none at all
        # (a lead without contacts, a row whose contact columns are gone).
        return bool(local or phone) or (not old.email and not old.phone) or (not new.email and not new.phone)
    if name or local:
        return True
    if _same(new.company, old.company) and local is not False:
        return True
    return not old.name and not old.email and not old.company


class Carry(NamedTuple):
    """A row that took a stored lead's id through a fallback key (ids only: no PII)."""

    old: str
    """The stored lead's id, which the row keeps."""
    new: str
    """The key the row's content gives."""
    row: int
    """0-based row of the lead in the sheet."""


class Identities(NamedTuple):
    keyed: list[KeyedLead]
    """The leads with the ids they keep (``content_key`` set on those that keep an older id)."""
    carried: list[Carry]
    """Ids newly carried in this sync (aliases found before are not counted again)."""
    refused: int
    """Rows that shared a fallback key or signature with a stored lead but no second attribute:
    each is a new lead (its own key) and the stored one is missing (soft-deleted, guarded)."""


def _split_key(key: str, taken: set[str], t: Traits) -> str:
    """A key of its own for a row that shares a fallback key with another person: derived from its traits (stable)."""
    base = f"{key}-i{_h(repr((t.name, t.local, t.company)), 4)}"
    out, n = base, 1
    while out in taken:
        n += 1
        out = f"{base}-{n}"
    return out


def resolve_identities(
    keyed: list[KeyedLead],
    stored: Mapping[str, str],
    aliases: Mapping[str, str],
    missing: Mapping[str, tuple[str, ...]],
    load: Callable[[set[str]], Mapping[str, Mapping[str, str]]],
) -> Identities:
    """
    Which stored id each row keeps.

    Args:
        keyed: this sync's leads with the keys their content gives.
        stored: every stored key of the sheet (soft-deleted too) -> its fingerprint.
        aliases: content key -> stored id, for leads that kept an id before.
        missing: stored live leads that this sync's keys do not reach -> their signatures
            (empty for leads written before signatures existed).
        load: reads the identity fields of the given stored ids (called at most once).

    1. A row whose fallback key (``p``/``n``/``r``) is stored with other content must agree with
       the stored lead on a second attribute (``may_carry``); otherwise it gets a key of its own
       and the stored lead is missing.
    2. A new key that is an alias takes its id (under the same rule when its content changed).
    3. A new row and a missing stored lead that share a signature (phone, then name and
       company, then the rest of the row), one to one and unambiguously, and agree on a second
       attribute, are the same lead: the row takes the stored id and is an update.
    """
    present = {k.key for k in keyed}
    direct = [i for i, k in enumerate(keyed) if k.key[0] in FALLBACK and stored.get(k.key, k.fingerprint) != k.fingerprint]
    via_alias = {
        t
        for k in keyed
        if k.key not in stored and (t := aliases.get(k.key)) is not None and k.key[0] in FALLBACK and stored.get(t) != k.fingerprint
    }
    new_sigs = {s for k in keyed if k.key not in stored for s in signatures(k.lead)} if missing else set()
    lacking = {key for key, sigs in missing.items() if not sigs}
    wanted = {keyed[i].key for i in direct} | via_alias
    if new_sigs:
        wanted |= lacking | {key for key, sigs in missing.items() if key not in present and new_sigs.intersection(sigs)}
    idents = load(wanted) if wanted else {}

    def agrees(k: KeyedLead, old_key: str, basis: str) -> bool:
        old = idents.get(old_key)
        return old is not None and may_carry(traits(k.lead.fields), traits(old), basis)

    out = list(keyed)
    refused = 0
    for i in direct:
        k = out[i]
        if k.key in idents and not agrees(k, k.key, k.key[0]):
            out[i] = k._replace(key=_split_key(k.key, present | set(stored), traits(k.lead.fields)))
            present.add(out[i].key)
            refused += 1
    taken: set[str] = set()
    incoming = {k.key for k in out}
    for i, k in enumerate(out):
        target = aliases.get(k.key)
        if k.key in stored or target is None or target in taken or target in incoming:
            continue
        if k.key[0] in FALLBACK and stored.get(target) != k.fingerprint and not agrees(k, target, k.key[0]):
            refused += 1
            continue
        out[i] = k._replace(key=target, content_key=k.key)
        taken.add(target)
    if not missing:
        return Identities(out, [], refused)
    sigs_of = {key: sigs or (signatures(Lead(0, dict(idents[key]), {}, {})) if key in idents else ()) for key, sigs in missing.items()}
    present = {k.key for k in out}
    by_sig: dict[str, list[str]] = {}
    for key, sigs in sigs_of.items():
        if key not in present and key not in taken:
            for sig in sigs:
                by_sig.setdefault(sig, []).append(key)
    claims: dict[str, list[int]] = {}
    for i, k in enumerate(out):
        if k.key in stored or k.key in taken:
            continue
        disagreed = False
        for sig in signatures(k.lead):
            owners = by_sig.get(sig, [])
            if len(owners) > 1:
                break  # ambiguous at the strongest shared signature: no guess
            if len(owners) == 1:
                if agrees(k, owners[0], sig[0]):
                    claims.setdefault(owners[0], []).append(i)
                    disagreed = False
                    break
                disagreed = True  # another person sharing a phone or a name: try the weaker signatures
        refused += disagreed
    carried: list[Carry] = []
    for key, idx in claims.items():
        if len(idx) == 1:
            k = out[idx[0]]
            out[idx[0]] = k._replace(key=key, content_key=k.key)
            carried.append(Carry(key, k.key, k.lead.row))
    return Identities(out, sorted(carried), refused)
