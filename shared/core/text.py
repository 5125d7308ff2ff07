"""
Text helpers: header normalisation and fast classification of cell values.

Classification is regex-only and deliberately cheap: detection runs it over the top of a sheet
and mapping over a sample of each column. Full validation (phonenumbers, date parsing) happens
in ``normalize``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

EMPTY, TEXT, NUMBER, DATE, EMAIL, PHONE, URL = "empty", "text", "number", "date", "email", "phone", "url"
TYPED_KINDS = frozenset({NUMBER, DATE, EMAIL, PHONE, URL})

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NON_ALNUM = re.compile(r"[\W_]+")
_WORD = re.compile(r"(?:[^\W_]|(?<=[^\W_])[\u0300-\u036f\u0900-\u0dff\u0e00-\u0eff\u1000-\u109f\u3099\u309a])+")
"""A word: letters and digits, with the vowel signs and marks of Indic, Thai, Lao, Myanmar and
kana that follow them (Python's \\w does not count those marks as word characters)."""
"""Anything but letters and digits of any script: Cyrillic, Greek, CJK and Arabic headers keep their words."""

EMAIL_RE = re.compile(r"^[^@\s,;<>]+@[^@\s,;<>]+\.[A-Za-z]{2,}$")
_URL_RE = re.compile(r"^(?:https?://|www\.)\S+$|^[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?:/\S*)?$", re.I)
_NUMBER_RE = re.compile(r"^[-+(]?[£$€¥]?\s?(?:\d{1,3}(?:[, ]\d{3})+|\d+)?(?:[.,]\d+)?(?:[eE][-+]?\d+)?\)?\s?%?$")
_PHONE_RE = re.compile(r"^\+?[\d][\d\s().\-/]{7,22}$")
_DATE_RE = re.compile(
    r"^(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?(?:\.\d+)?\s*(?:Z|[AaPp][Mm]|[+-]\d{2}:?\d{2}|UTC|GMT)?)?$"
    r"|^\d{1,2}[ -](?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?[ -,]+\d{2,4}"
    r"|^(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2}(?:st|nd|rd|th)?,? \d{2,4}"
    r"|^\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp][Mm])?$",
    re.I,
)
_DIGITS = re.compile(r"\d")


def normalize_header(text: str) -> str:
    """
    Fold a header cell to lower-case words separated by single spaces.

    ``"E-Mail Address"``, ``"email_address"`` and ``"emailAddress"`` all give
    ``"e mail address"``/``"email address"``; accents are stripped (``"Teléfono"`` gives
    ``"telefono"``); letters of other scripts are kept (``"Фамилия"`` gives ``"фамилия"``,
    ``"電話番号"`` stays one word).
    """
    return _normalize_header(text)


_E_MAIL = re.compile(r"(?<![^\W\d_])e[-_\u2010\u2011\u2012\u2013]?mail", re.IGNORECASE)
"""The "e" of "E-Mail", "e_mail", "eMail": one word with "mail", never the Italian/Portuguese "e" (and)."""
_DECORATED_UP_TO = 0x06FF
"""Combining marks on letters up to here (Latin, Greek, Cyrillic, Armenian, Hebrew, Arabic) are
accents or optional vowel points and are dropped; in other scripts (Devanagari, Thai, Hangul,
kana voicing) they are part of the letter and kept."""


@lru_cache(maxsize=4096)
def _normalize_header(text: str) -> str:
    text = _E_MAIL.sub("email", text.strip())
    text = _CAMEL.sub(" ", text)
    if text.isascii():  # most headers and values: no marks to weigh
        return _NON_ALNUM.sub(" ", text.lower()).strip()
    text = unicodedata.normalize("NFKD", text)
    kept: list[str] = []
    base = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) == "Mc":
            if base <= _DECORATED_UP_TO:
                continue
        else:
            base = ord(ch)
        kept.append(ch)
    text = unicodedata.normalize("NFC", "".join(kept)).lower().replace("ß", "ss")
    return " ".join(_WORD.findall(text))


def classify(value: str) -> str:
    """Return the kind of a cell: empty, text, number, date, email, phone or url."""
    v = value.strip()
    if not v:
        return EMPTY
    if "@" in v:
        return EMAIL if EMAIL_RE.match(v) else TEXT
    first = v[0]
    if first.isdigit() or first in "+-(£$€.":
        if _DATE_RE.match(v):
            return DATE
        if _PHONE_RE.match(v):
            digits = len(_DIGITS.findall(v))
            if 9 <= digits <= 15 and (v[0] in "+0(" or not _NUMBER_RE.match(v)):
                return PHONE
        if _NUMBER_RE.match(v):
            return NUMBER
        if _URL_RE.match(v):
            return URL
        return TEXT
    if _DATE_RE.match(v):
        return DATE
    if "." in v and " " not in v and _URL_RE.match(v):
        return URL
    return TEXT


def is_blank_row(row: Sequence[str]) -> bool:
    # A plain loop: this runs for every row of every sheet, and the early return beats all(...).
    for cell in row:  # noqa: SIM110
        if cell and not cell.isspace():
            return False
    return True


_PHONE_LABEL = re.compile(
    r"^\s*(?:telephone|téléphone|telefone|teléfono|telefono|telefon|whatsapp|mobile|phone|call|cell|tel|tél|mob|fon|ph|wa|p|t|m)\s*[:.]?\s*",
    re.I,
)
"""A label written before the number: "p:+44…" (Facebook Lead Ads), "Tel: …", "Phone: …"."""
_PHONE_EXT = re.compile(r"\s*(?:,|;)?\s*(?:ext\.?|extension|x|#|доб\.?|内線)\s*\d{1,6}\s*$", re.I)
_ANY_DIGIT = re.compile(r"\d")
_IPV4 = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
_PHONE_BODY = re.compile(r"^(?:\+|00)?\s?(?:\(\s?\+?\d{1,5}\s?\)|\d)[\d\s().\-/\u00a0]*\d$")


def phone_shape(value: str, loose: bool = False) -> bool:
    """
    Does the cell look like a phone number, whatever country it is from?

    Judged by shape only, never by a region: an optional label ("p:", "Tel:", "Phone:"), an
    optional ``+`` or ``00``, 7 to 15 digits in groups separated by spaces, dots, dashes,
    slashes or brackets, and an optional extension ("x204", "ext. 12"). Bare digit strings
    need 9 to 15 digits (shorter ones are ids and counts) unless ``loose`` (the header already
    says phone: "91234567" is a Norwegian number); values with one dot are decimals.

    Also a phone: the same after a text-prefix apostrophe ("'0812 345 678"), followed by a note
    ("0612345678 (mobile)", "… after 5pm"), the first of two numbers ("0612345678 / 0698765432"),
    and the number of a JSON-like cell ("{'area': '+33', 'phone': '06 12 34 56 78'}"). A number
    in scientific notation ("5,51196E+12") never is: the spreadsheet lost its digits.
    """
    v = value.strip()
    if not v:
        return False
    if v[0] in TEXT_PREFIX:
        v = v[1:].lstrip()
    if _shape(v, loose):
        return True
    if len(v) > 120 or not _SEVEN_DIGITS.search(v):
        return False
    if v[0] == "{":
        m = _RECORD_NUMBER.search(v)
        return m is not None and _shape(m.group(1).strip(), True)
    first = _SECOND_NUMBER.split(v, 1)[0]
    if not first[:1].isdigit() and first[:1] not in "+(":
        first = _PHONE_LABEL.sub("", first, count=1)
    if first != v and _shape(first, loose):
        return True
    m = _LEADING_NUMBER.match(first)
    return m is not None and m.end() < len(first) and not first[m.end()].isdigit() and _shape(m.group(), loose)


TEXT_PREFIX = "'\u2019`"
"""Characters typed before a number to keep a spreadsheet from reading it as a number."""
_SEVEN_DIGITS = re.compile(r"(?:\d\D{0,3}){7}")
_RECORD_NUMBER = re.compile(r"""["']?(?:phone|number|tel|mobile|cell|numero|número|fone|whatsapp)\w*["']?\s*:\s*["']?([^"',}]+)""", re.I)
_SECOND_NUMBER = re.compile(r"\s+/\s+|\s*[;,|\n]\s*|\s+(?:or|ou|oder|o|y|und|and|et|e|или)\s+", re.I)
_LEADING_NUMBER = re.compile(r"^(?:\+|00)?\s?(?:\(\s?\+?\d{1,5}\s?\)|\d)[\d\s().\-/\u00a0]*\d")


def _shape(v: str, loose: bool) -> bool:
    if not v or len(v) > 40:
        return False
    if not v[0].isdigit() and v[0] not in "+(":
        if not _ANY_DIGIT.search(v):
            return False
        v = _PHONE_LABEL.sub("", v, count=1)
    v = _PHONE_EXT.sub("", v)
    if not _PHONE_BODY.match(v):
        return False
    digits = sum(ch.isdigit() for ch in v)
    if digits < 7 or digits > 15:
        return False
    if v.count(".") == 1 or "," in v or _IPV4.match(v):
        return False
    separated = any(ch in v for ch in " ()-/.\u00a0") or v.startswith("+")
    if not separated:
        return loose or digits >= 9
    if _DATE_RE.match(v):
        return False
    return digits >= 8 or v.count("-") + v.count(" ") >= 1
