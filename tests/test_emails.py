"""
The one email parser (shared/core/emails.py, issue 18): examples, and hypothesis properties.

Properties: the parser never raises; a stored address always parses back to itself (so a
stored lead re-read, or a sync of its own output, never changes it); matching keys are stable;
the regex fast path accepts only what email-validator accepts; any decoration of an address (the
erasure spelling family: zero-width and format characters, compatibility forms, case, names,
``mailto:``, trailing dots, lists) still yields the address and its matching key; and a plain
address is stored exactly as the release before stored it (lead ids do not change on upgrade).
"""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from shared.core import emails
from shared.core.emails import identifiers, match_key, normalize_email, parse_emails

OLD_EMAIL_RE = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[A-Za-z]{2,}$")


def old_normalize_email(value: str) -> str | None:
    """normalize_email as released at 8d5bad0 (what stored lead ids were computed from)."""
    v = value.strip().strip("<>").strip()
    if v.lower().startswith("mailto:"):
        v = v[7:]
    v = v.lower()
    return v if OLD_EMAIL_RE.match(v) else None


@pytest.mark.parametrize(
    ("cell", "stored", "every", "key"),
    [
        ("alice@example.com", "alice@example.com", ["alice@example.com"], "alice@example.com"),
        (" Alice.Smith@Example.COM ", "alice.smith@example.com", ["alice.smith@example.com"], "alice.smith@example.com"),
        ("Alice Victim <alice@example.com>", "alice@example.com", ["alice@example.com"], "alice@example.com"),
        ("mailto:alice@example.com?subject=Hi", "alice@example.com", ["alice@example.com"], "alice@example.com"),
        ("alice@example.com.", "alice@example.com", ["alice@example.com"], "alice@example.com"),
        ("alice\uff20example.com", "alice@example.com", ["alice@example.com"], "alice@example.com"),
        ("ali\u200bce@exa\u00admple.com", "alice@example.com", ["alice@example.com"], "alice@example.com"),
        ("a@x.com; b@y.org, c@z.net d@w.io", "a@x.com", ["a@x.com", "b@y.org", "c@z.net", "d@w.io"], "a@x.com"),
        ("a@x.com / b@y.org", "a@x.com", ["a@x.com", "b@y.org"], "a@x.com"),
        ("alice+news@example.com", "alice+news@example.com", ["alice+news@example.com"], "alice@example.com"),
        ("A.Lice.Victim+x@googlemail.com", "a.lice.victim+x@googlemail.com", ["a.lice.victim+x@googlemail.com"], "alicevictim@gmail.com"),
        ("alice@m\u00fcller.de", "alice@m\u00fcller.de", ["alice@m\u00fcller.de"], "alice@xn--mller-kva.de"),
        ('"test@example.com"', "test@example.com", ["test@example.com"], "test@example.com"),
        ("alice@example.com (old)", None, ["alice@example.com"], None),
        ("Dr Amelia Hart;amelia@example.co.uk;07912 345678", None, ["amelia@example.co.uk"], None),
        ("a@x.com, bad@@x", None, ["a@x.com"], None),
        ("a..b@example.com", None, [], None),
        ("john@doe.invalid", None, [], None),
        ("x@localhost", None, [], None),
        ("a@b.c0m", None, [], None),
        ("n/a", None, [], None),
        ("", None, [], None),
        ("\ud800@x.com", None, [], None),
        ("al\ufffdice@example.com", None, [], None),
    ],
)
def test_examples(cell: str, stored: str | None, every: list[str], key: str | None) -> None:
    """What a cell stores as the lead's email, every address it holds (identifiers), and the first one's matching key."""
    assert normalize_email(cell) == stored
    assert identifiers(cell) == every
    if key is not None:
        assert match_key(every[0]) == key


ATEXT = "abcdefghijklmnopqrstuvwxyz0123456789_-"
LOCAL = st.lists(st.text(ATEXT, min_size=1, max_size=8), min_size=1, max_size=3).map(".".join)
DOMAIN = st.tuples(
    st.lists(st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8), min_size=1, max_size=2),
    st.sampled_from(["com", "org", "co.uk", "example", "de", "io"]),
).map(lambda t: ".".join([*t[0], t[1]]))
ADDRESS = st.tuples(LOCAL, DOMAIN).map(lambda t: f"{t[0]}@{t[1]}")
INVISIBLE = st.sampled_from(["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u200e", "\u200f", "\u202a", "\u202c"])


NOISY = st.one_of(
    st.text(),
    st.tuples(st.text(max_size=6), ADDRESS, st.text(max_size=6), ADDRESS).map("".join),
    st.tuples(st.text(max_size=3), ADDRESS, st.sampled_from([",", " ", ";", "<", ">", "..", "+", "\u200b", "\uff20"])).map("".join),
)


@given(NOISY)
@example("\ud800\udc00@x.com")
@example("<<a@b.com>>")
@example("mailto:")
@example("İ@example.com")
def test_never_raises_and_stored_forms_are_fixed_points(text: str) -> None:
    """Any text: no exception; every address found re-parses to itself alone, and its matching key is stable."""
    found, _ = parse_emails(text)
    assert normalize_email(text) in (None, *found)
    for address in found:
        assert parse_emails(address) == ([address], True)
        assert normalize_email(address) == address
        assert address.encode("utf-8")  # storable
        key = match_key(address)
        assert match_key(key) == key


_ATOM = r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+"
DOT_ATOM = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@(?:[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?\.)+[a-z]{{2,63}}")
"""RFC 5322 dot-atom addresses with RFC 1035 labels: most pass the fast path, a few test its edges."""


@given(st.one_of(st.from_regex(DOT_ATOM, fullmatch=True), st.from_regex(emails._FAST, fullmatch=True)))
@settings(max_examples=400)
def test_the_fast_path_accepts_only_what_the_validator_accepts(address: str) -> None:
    """A string the fast path takes is one email-validator also takes (so skipping the validator changes nothing)."""
    if emails._fast_ok(address):
        assert emails._valid(address)


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@given(ADDRESS, st.data())
@settings(max_examples=300)
def test_every_spelling_of_an_address_gives_it_back(address: str, data: st.DataObject) -> None:
    """Decorations people and exports add (the erasure spelling family) still give the address, and the same matching key."""
    assume(emails._fast_ok(address))
    spelled = address
    if data.draw(st.booleans()):
        spelled = spelled.upper() if data.draw(st.booleans()) else spelled.title()
    if data.draw(st.booleans()):
        spelled = _fullwidth(spelled)
    for _ in range(data.draw(st.integers(0, 3))):
        at = data.draw(st.integers(0, len(spelled)))
        spelled = spelled[:at] + data.draw(INVISIBLE) + spelled[at:]
    if data.draw(st.booleans()):
        spelled += "."
    if data.draw(st.booleans()):
        spelled = "mailto:" + spelled
    wrap = data.draw(st.sampled_from(["{}", "<{}>", "Some Body <{}>", '"Body, Some" <{}>', " {} ", "{}\n"]))
    spelled = wrap.format(spelled)
    assert normalize_email(spelled) == address
    other = data.draw(ADDRESS)
    assume(emails._fast_ok(other) and match_key(other) != match_key(address))
    sep = data.draw(st.sampled_from([", ", ";", "; ", " ", "\n", " / "]))
    listed = sep.join([other, spelled] if data.draw(st.booleans()) else [spelled, other])
    assert match_key(address) in {match_key(a) for a in identifiers(listed)}
    tagged = address.replace("@", "+" + data.draw(st.text(ATEXT, min_size=1, max_size=6)) + "@", 1)
    assert match_key(normalize_email(tagged) or "") == match_key(address)


@given(st.one_of(ADDRESS, st.text(ATEXT + "@.+'", max_size=40)), st.sampled_from(["{}", " {} ", "{}", "<{}>", "mailto:{}"]))
@settings(max_examples=300)
def test_a_plain_address_is_stored_as_before(text: str, wrap: str) -> None:
    """Upgrade safety: wherever the fast path takes a cell, the stored email (and so the lead id) is the one 8d5bad0 stored."""
    cell = wrap.format(text.upper() if len(text) % 2 else text)
    new = normalize_email(cell)
    if new is not None and new.isascii() and emails._fast_ok(new):
        assert old_normalize_email(cell) == new


def test_gmail_dot_rule_only_for_gmail() -> None:
    """Dots are ignored only where the provider ignores them; a +tag is dropped everywhere."""
    assert match_key("a.b+x@gmail.com") == match_key("ab@googlemail.com") == "ab@gmail.com"
    assert match_key("a.b@example.com") == "a.b@example.com"
    assert match_key("+only@example.com") == "+only@example.com"
    assert unicodedata.is_normalized("NFKC", match_key("alice@example.com"))
