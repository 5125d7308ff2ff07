"""
The one email parser: what the sync stores, what a lead's id hashes and what an erasure matches.

A sheet's email cell is written by people and by exports, so the same address arrives as
``Alice Victim <alice@example.com>``, ``mailto:alice@example.com``, ``ALICE@EXAMPLE.COM.``,
``alice＠example.com`` (full-width), with a zero-width space or a soft hyphen inside, or as a list
(``alice@example.com; alice@work.example``). ``parse_emails`` reads every address of a cell:

1. NFKC (full-width and other compatibility forms become their plain letters), then every format
   character (Unicode category Cf: zero-width spaces and joiners, soft hyphens, bidi marks, BOMs)
   and lone surrogate is removed; control characters separate like spaces;
2. spaces around ``@`` are dropped; ``Name <addr>`` gives ``addr``; the cell is split on commas,
   semicolons and white space (a lone ``/`` or ``|`` separates too); a cell holding anything else
   (a comment, a note, a whole row pasted into one cell) is not clean: the sync keeps it raw as
   an invalid value, while its addresses still count as identifiers for suppression;
3. each address loses ``mailto:`` (and a URI's ``?subject=...``), surrounding quotes and brackets
   and trailing dots, is lower-cased, and must be accepted by ``email-validator`` (syntax only, no
   DNS) with a top-level domain of letters.

The first address is the lead's email; every address is an identifier. The stored form (the
address as written, cleaned and lower-cased) always parses back to itself. Matching is looser than
storage: ``match_key`` drops a ``+tag`` and applies provider rules (Gmail ignores dots, and
googlemail.com is gmail.com), for suppression and erasure only; what is stored keeps the
address as the person wrote it.

Speed: a plain ASCII address (nearly every cell) is recognised by one regular expression that
accepts only what the validator accepts (a hypothesis test checks it); the validator, imported
lazily, sees the rest.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

SPECIAL_USE_TLDS = frozenset({"arpa", "invalid", "local", "localhost", "onion", "test"})
"""Names the validator refuses as special-use (RFC 6761 and others); the fast path refuses them too."""
DOT_BLIND_DOMAINS = frozenset({"gmail.com"})
"""Providers that ignore dots in the local part (after ``DOMAIN_ALIASES``)."""
DOMAIN_ALIASES = {"googlemail.com": "gmail.com"}
"""Domains that deliver to the same mailboxes as another."""

_ATOM = r"[a-z0-9!#$%&'*+/=?^_`{|}~-]++"
_LABEL = r"[a-z0-9]++(?:-[a-z0-9]++)*+"
_FAST = re.compile(rf"(?:{_ATOM}\.)*+{_ATOM}@(?:{_LABEL}\.)++[a-z]{{2,63}}")
"""
A lower-case dot-atom address (no leading, trailing or double dots), labels of letters and digits
joined by single hyphens, an alphabetic TLD. Possessive: one pass, no backtracking.
"""
_SPECIAL = tuple("." + t for t in SPECIAL_USE_TLDS)
_TLD = re.compile(r"[^\W\d_]{2,63}|xn--[a-z0-9-]+")
_ANGLE = re.compile(r"<([^<>]*)>")
_AROUND_AT = re.compile(r"\s*@\s*")
_SPLIT = re.compile(r"[\s,;]+")
_EDGE = "\"'()[]{}<>`"
_MAILTO = re.compile(r"mailto:", re.IGNORECASE)


def normalize_email(value: str) -> str | None:
    """The lead's email: the first address of the cell, stored form; ``None`` when the cell holds no valid address or a malformed one."""
    v = value.strip()
    if v.isascii():
        low = v.lower()
        if _fast_ok(low):
            return low  # nearly every cell: one address, no call to the validator
    found, clean = _parse_slow(v)
    return found[0] if found and clean else None


def parse_emails(value: str) -> tuple[list[str], bool]:
    """
    Every address of a cell, in order, without repeats, in stored form; and whether the cell was
    clean (every word holding an ``@`` is a valid address). Never raises.
    """
    v = value.strip()
    if v.isascii():
        low = v.lower()
        if _fast_ok(low):
            return [low], True
    return _parse_slow(v)


def identifiers(value: str) -> list[str]:
    """Every valid address a cell holds, even one that also holds malformed ones (what suppression matches)."""
    return parse_emails(value)[0]


def match_key(email: str) -> str:
    """
    The form two spellings of one mailbox share: ``+tag`` dropped, provider dot rules and domain
    aliases applied, the domain in ASCII (IDNA). For matching only, never stored.
    """
    local, _, domain = email.rpartition("@")
    if not local:
        return email
    if not domain.isascii():
        domain = _ascii_domain(domain)
    domain = DOMAIN_ALIASES.get(domain, domain)
    base = local.split("+", 1)[0]
    if base:
        local = base
    if domain in DOT_BLIND_DOMAINS:
        local = local.replace(".", "") or local
    return f"{local}@{domain}"


def _fast_ok(low: str) -> bool:
    """A plain address within the length limits: the validator accepts every one (a hypothesis test checks it)."""
    if _FAST.fullmatch(low) is None or len(low) > 254 or low.endswith(_SPECIAL):
        return False
    at = low.index("@")
    return at <= 64 and (len(low) - at <= 64 or max(len(label) for label in low[at + 1 :].split(".")) <= 63)


def _clean(text: str) -> str:
    """NFKC; format characters and surrogates removed; control characters as spaces."""
    text = unicodedata.normalize("NFKC", text)
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat in ("Cf", "Cs"):
            continue
        out.append(" " if cat == "Cc" else ch)
    return "".join(out)


def _parse_slow(value: str) -> tuple[list[str], bool]:
    text = _AROUND_AT.sub("@", _clean(value))
    # Text before ``<addr>`` is that address's display name; anywhere else, a word that is not an
    # address (a comment, a note, a row pasted into one cell) makes the cell unclean: it is then
    # kept raw, and its addresses are still identifiers.
    parts: list[tuple[str, bool]] = []
    pos = 0
    for m in _ANGLE.finditer(text):
        parts += [(text[pos : m.start()], True), (m.group(1), False)]
        pos = m.end()
    parts.append((text[pos:], False))
    found: list[str] = []
    clean = True
    for segment, named in parts:
        for word in _SPLIT.split(segment):
            if "@" not in word:
                if not named and _MAILTO.sub("", word).strip(_EDGE + "/|-.:") != "":
                    clean = False
                continue
            address = _address(word)
            if address is None:
                clean = False
            elif address not in found:
                found.append(address)
    return found, clean


def _address(word: str) -> str | None:
    w = _MAILTO.sub("", word.strip(_EDGE))
    if "?" in w and word.lower().lstrip(_EDGE).startswith("mailto:"):
        w = w.split("?", 1)[0]  # mailto:alice@example.com?subject=Hello
    w = w.strip(_EDGE).rstrip(".").lower()
    for _ in range(3):  # lower-casing can undo NFKC (and back): settle on a fixed point
        again = unicodedata.normalize("NFKC", w).lower()
        if again == w:
            break
        w = again
    else:
        return None
    if not w or w.count("@") != 1 or "\ufffd" in w:
        return None  # U+FFFD: a character was lost on the way (an undecodable byte, a lone surrogate)
    if w.isascii() and _fast_ok(w):
        return w
    return w if _valid(w) else None


@lru_cache(maxsize=4096)
def _valid(address: str) -> bool:
    """The validator's word on an address that is not a plain ASCII one (cached: lists repeat)."""
    from email_validator import EmailNotValidError, validate_email

    try:
        result = validate_email(address, check_deliverability=False)
    except (EmailNotValidError, ValueError, UnicodeError):
        return False
    tld = result.ascii_domain.rsplit(".", 1)[-1] if result.ascii_domain else ""
    return bool(_TLD.fullmatch(tld) or _TLD.fullmatch(result.domain.rsplit(".", 1)[-1]))


@lru_cache(maxsize=1024)
def _ascii_domain(domain: str) -> str:
    """The IDNA (ASCII) form of an internationalised domain, as the validator computes it."""
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(f"x@{domain}", check_deliverability=False).ascii_domain or domain
    except (EmailNotValidError, ValueError, UnicodeError):
        return domain
