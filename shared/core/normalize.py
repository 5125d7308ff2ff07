"""
Normalisation of single values: emails, phone numbers and dates.

Phones are validated against Google's libphonenumber metadata (the ``phonenumbers`` package).
Parsing every cell with ``phonenumbers.parse`` costs tens of microseconds, so the common case,
a national or +CC number of the default region, takes a fast path: the digits are matched
against the region's own number-type patterns taken from the same metadata. Anything else
(other countries, extensions, letters) goes through ``phonenumbers`` itself. A hypothesis test
checks that both paths agree.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache

import phonenumbers
from phonenumbers import PhoneMetadata

from . import emails
from .text import normalize_header
from .vocabulary import COUNTRY_REGIONS

_REGIONS = frozenset(phonenumbers.SUPPORTED_REGIONS)

_PHONE_CHARS = re.compile(r"^\+?[0-9 ()\-.\u00a0/]+$")
_NOT_DIGIT = re.compile(r"\D")
_TYPE_DESCS = (
    "fixed_line",
    "mobile",
    "toll_free",
    "premium_rate",
    "shared_cost",
    "personal_number",
    "voip",
    "pager",
    "uan",
    "voicemail",
)


class _RegionPhones:
    """The fast path for one default region, built from libphonenumber's metadata."""

    def __init__(self, region: str) -> None:
        meta = PhoneMetadata.metadata_for_region(region)
        if meta is None:
            raise ValueError(f"unknown phone region {region!r}")
        self.region = region
        self.cc = str(meta.country_code)
        self.prefix = meta.national_prefix or ""
        patterns = [
            getattr(meta, name).national_number_pattern
            for name in _TYPE_DESCS
            if getattr(meta, name) is not None and getattr(meta, name).national_number_pattern
        ]
        self.valid = re.compile("(?:" + "|".join(f"(?:{p})" for p in patterns) + ")")
        lengths = set(meta.general_desc.possible_length or ()) if meta.general_desc else set()
        self.lengths = lengths or set(range(4, 16))

    def fast(self, digits: str, international: bool) -> str | None:
        """Return E.164 when the digits are a valid number of this region, else None."""
        if international:
            if not digits.startswith(self.cc):
                return None
            national = digits[len(self.cc) :]
            if self.prefix and national.startswith(self.prefix):
                # "+44 (0)7911 123456": the national prefix written after the country code
                national = national[len(self.prefix) :]
        elif self.prefix and digits.startswith(self.prefix):
            national = digits[len(self.prefix) :]
        else:
            national = digits  # "7911123456": a number cell that lost its leading zero
        if len(national) in self.lengths and self.valid.fullmatch(national):
            return f"+{self.cc}{national}"
        return None


@lru_cache(maxsize=32)
def _region(region: str) -> _RegionPhones:
    return _RegionPhones(region)


def normalize_phone(value: str, region: str = "GB") -> str | None:
    """
    Normalise a phone number to E.164 (``+447911123456``).

    Returns ``None`` when the value is not a valid number for ``region`` or, when written
    with a ``+`` country code, for its own country.
    """
    v = value.strip()
    if not v:
        return None
    if v[0] in _TEXT_PREFIX:
        v = v[1:].strip()  # "'0812 345 678": the apostrophe that makes a spreadsheet keep the zero
        if not v:
            return None
    if v.endswith(".0") and v[:-2].isdigit():
        v = v[:-2]  # a number cell rendered from a float
    fast = _region(region)
    if _PHONE_CHARS.match(v):
        digits = _NOT_DIGIT.sub("", v)
        if v.startswith("+"):
            hit = fast.fast(digits, True)
        elif digits.startswith("00"):
            hit = fast.fast(digits[2:], True) if digits[2:].startswith(fast.cc) else None
        else:
            hit = fast.fast(digits, False)
        if hit is not None:
            return hit
    return _slow_phone(v, region)


def phone_numbers(value: str, region: str = "GB") -> tuple[str, ...]:
    """
    Every phone number in a cell, in E.164, in the order written ("07911 123456 / 0113 496
    0456" gives two). ``normalize_phone`` keeps the first; this lets the caller keep the others.
    """
    v = value.strip()
    if not v or _SCIENTIFIC.match(v):
        return ()
    if v[0] in _TEXT_PREFIX:
        v = v[1:]
    found = [phonenumbers.format_number(m.number, phonenumbers.PhoneNumberFormat.E164) for m in phonenumbers.PhoneNumberMatcher(v, region)]
    if not found:
        one = normalize_phone(v, region)
        return (one,) if one else ()
    return tuple(dict.fromkeys(found))


@lru_cache(maxsize=512)
def region_for_country(country: str) -> str | None:
    """
    The phone region of a ``country`` cell: an ISO 3166 alpha-2 code ("DE", "us") or a
    country name in one of several languages ("Deutschland", "United States"); else ``None``.
    """
    v = country.strip()
    if len(v) == 2 and v.upper() in _REGIONS:
        return v.upper()
    return COUNTRY_REGIONS.get(normalize_header(v))


def _slow_phone(value: str, region: str) -> str | None:
    if _SCIENTIFIC.match(value):
        return None  # "5,51196E+12": a spreadsheet turned the number into a float and lost digits
    if "{" in value and ":" in value:
        return _phone_in_record(value, region)
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        # "07911 123456 (mobile)", "call 0113 496 0456 after 5", "0612 34 56 78 / 0698 76 54 32":
        # the number in the text; of two numbers, the first (the raw cell is not guessed at
        # when there is none)
        number = next((m.number for m in phonenumbers.PhoneNumberMatcher(value, region)), None)
        if number is None:
            return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_TEXT_PREFIX = "'’`"
"""Characters typed before a number to keep a spreadsheet from reading it as a number."""
_SCIENTIFIC = re.compile(r"^[-+]?\d(?:[.,]\d+)?\s?[eE]\s?[-+]?\d{1,3}$")
_RECORD_PAIR = re.compile(r"""["']?([A-Za-z_][\w ]*)["']?\s*:\s*["']?([^"',}]*)""")
_CODE_KEYS = ("area", "code", "country", "prefix", "dial", "cc", "indicativ", "ddi", "ddd")
_NUMBER_KEYS = ("phone", "number", "tel", "mobile", "cell", "numero", "número", "fone", "whatsapp")


def _phone_in_record(value: str, region: str) -> str | None:
    """
    A JSON-like cell (``{'area': '+33', 'phone': '06 12 34 56 78'}``, ``{"countryCode": "44",
    "number": "7911 123456"}``): the number, read in the country its code names.
    """
    code = number = ""
    for key, val in _RECORD_PAIR.findall(value):
        k, val = key.strip().lower(), val.strip()
        if not val:
            continue
        if any(w in k for w in _NUMBER_KEYS) and not any(w in k for w in _CODE_KEYS):
            number = number or val
        elif any(w in k for w in _CODE_KEYS):
            code = code or val
    if not number:
        return None
    cc = _NOT_DIGIT.sub("", code)
    if code and not cc:
        region = region_for_country(code) or region  # {'country': 'France', 'phone': '06 ...'}
    elif cc and not number.lstrip().startswith("+"):
        other = phonenumbers.region_code_for_country_code(int(cc)) if len(cc) <= 3 else "ZZ"
        if other != "ZZ":
            region = other
        elif len(cc) <= 5:
            number = f"+{cc}{number}"  # a country code the metadata maps to no single region
    return normalize_phone(number, region)


def normalize_email(value: str) -> str | None:
    """The cell's first email address, stored form (``shared.core.emails``); ``None`` when it holds none or a malformed one."""
    return emails.normalize_email(value)


# Google Sheets counts days from 1899-12-30 (the Lotus 1-2-3 epoch, which wrongly treats
# 1900 as a leap year, hence the 30th rather than the 31st).
SHEETS_EPOCH = datetime(1899, 12, 30)
_SERIAL = re.compile(r"^\d{4,5}(?:\.\d+)?$")
_ISO = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|UTC|GMT|(?:UTC|GMT)?[+-]\d{2}(?::?\d{2})?)?)?$", re.I
)
_NUMERIC = re.compile(r"^(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{1,4})(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?$")
_TEXT_FORMATS = (
    "%d %B %Y",
    "%d %b %Y",
    "%d-%b-%Y",
    "%d-%b-%y",
    "%B %d, %Y",
    "%b %d, %Y",
    "%B %d %Y",
    "%b %d %Y",
    "%d %B %Y %H:%M",
    "%d %b %Y %H:%M",
    "%a %d %b %Y",
    "%A %d %B %Y",
    "%a, %d %b %Y %H:%M:%S",
    "%d %b %y",
    # what CRM and ad exports write: "Dec 3, 2026 9:14 AM", "Tuesday, 3 December 2026"
    "%b %d, %Y %I:%M %p",
    "%B %d, %Y %I:%M %p",
    "%b %d, %Y %H:%M",
    "%B %d, %Y %H:%M",
    "%b %d, %Y, %I:%M %p",
    "%B %d, %Y, %I:%M %p",
    "%b %d, %Y %I:%M:%S %p",
    "%d %b %Y %I:%M %p",
    "%d %B %Y %H:%M:%S",
    "%d %b %Y %H:%M:%S",
    "%A, %d %B %Y",
    "%a, %d %b %Y",
    "%A, %B %d, %Y",
    "%a, %b %d, %Y",
    "%A %B %d %Y",
    "%A, %d %B %Y %H:%M",
    "%a %b %d %Y %H:%M:%S",
    "%a %b %d %H:%M:%S %Y",
)
_MONTHS = {
    # German, French, Spanish, Portuguese, Italian, Dutch month names (and common short forms)
    "januar": "January",
    "jänner": "January",
    "janvier": "January",
    "enero": "January",
    "janeiro": "January",
    "gennaio": "January",
    "januari": "January",
    "februar": "February",
    "février": "February",
    "fevrier": "February",
    "febrero": "February",
    "fevereiro": "February",
    "febbraio": "February",
    "februari": "February",
    "märz": "March",
    "maerz": "March",
    "mars": "March",
    "marzo": "March",
    "março": "March",
    "maart": "March",
    "avril": "April",
    "abril": "April",
    "aprile": "April",
    "mai": "May",
    "mayo": "May",
    "maio": "May",
    "maggio": "May",
    "mei": "May",
    "juni": "June",
    "juin": "June",
    "junio": "June",
    "junho": "June",
    "giugno": "June",
    "juli": "July",
    "juillet": "July",
    "julio": "July",
    "julho": "July",
    "luglio": "July",
    "août": "August",
    "aout": "August",
    "agosto": "August",
    "augustus": "August",
    "septembre": "September",
    "septiembre": "September",
    "setembro": "September",
    "settembre": "September",
    "oktober": "October",
    "octobre": "October",
    "octubre": "October",
    "outubro": "October",
    "ottobre": "October",
    "dezember": "December",
    "décembre": "December",
    "decembre": "December",
    "diciembre": "December",
    "dezembro": "December",
    "dicembre": "December",
    "november": "November",
    "novembre": "November",
    "noviembre": "November",
    "novembro": "November",
    "mrz": "Mar",
    "okt": "Oct",
    "dez": "Dec",
    "mär": "Mar",
}
_MONTH_WORD = re.compile(r"[^\W\d_]+\.?")
_ORDINAL = re.compile(r"(\d)(st|nd|rd|th)\b", re.I)


def normalize_date(value: str, day_first: bool = True) -> str | None:
    """
    Parse a date or date-time to ISO 8601 (``2024-03-05`` or ``2024-03-05T10:30:00``).

    Accepts Sheets serial numbers, ISO dates, numeric dates (day first by default, as in the UK;
    a value that only makes sense month first is read month first) and dates with month names
    as exports write them ("Dec 3, 2026 9:14 AM", "Tuesday, 3 December 2026", "3 März 2026").
    A time with a zone keeps it: ``Z`` when the source said UTC, else its offset
    (``2026-12-03T09:14:22+01:00``); a time without one stays as written.
    Returns ``None`` when the value is not a date.
    """
    v = value.strip()
    if not v:
        return None
    try:
        if _SERIAL.match(v):
            serial = float(v)
            if 1 <= serial < 2958466:  # up to 9999-12-31
                return _iso(SHEETS_EPOCH + timedelta(days=serial))
            return None
        m = _ISO.match(v)
        if m:
            y, mo, d, hh, mm, ss, tz = m.groups()
            dt = datetime(int(y), int(mo), int(d), int(hh or 0), int(mm or 0), int(ss or 0))
            if tz:
                return _zoned(dt, tz)
            return _iso(dt, has_time=hh is not None)
        m = _NUMERIC.match(v)
        if m:
            return _numeric(m, day_first)
        text = _ORDINAL.sub(r"\1", v).replace(",", ", ").replace(",  ", ", ")
        text = " ".join(text.split())
        text = _MONTH_WORD.sub(lambda m: _MONTHS.get(m.group(0).lower().rstrip("."), m.group(0)), text)
        text = re.sub(r"(\d)\. ", r"\1 ", text)  # "3. März 2026"
        for fmt in _TEXT_FORMATS:
            try:
                dt = datetime.strptime(text, fmt)
            except ValueError:
                continue
            return _iso(dt, has_time="%H" in fmt or "%I" in fmt)
    except (ValueError, OverflowError):
        return None
    return None


def _numeric(m: re.Match[str], day_first: bool) -> str | None:
    a, b, c, hh, mm, ss, ampm = m.groups()
    if len(a) == 4:
        y, mo, d = int(a), int(b), int(c)
    else:
        first, second, y = int(a), int(b), int(c)
        if len(c) == 2:
            y += 2000 if y < 70 else 1900
        elif len(c) != 4:
            return None
        d, mo = (first, second) if day_first else (second, first)
        if mo > 12 and d <= 12:
            d, mo = mo, d
    hour = int(hh or 0)
    if ampm:
        hour = hour % 12 + (12 if ampm.lower() == "pm" else 0)
    dt = datetime(y, mo, d, hour, int(mm or 0), int(ss or 0))
    return _iso(dt, has_time=hh is not None)


def _zoned(dt: datetime, tz: str) -> str:
    """An ISO date-time keeping the source's zone: ``Z`` for UTC, else its offset (``+01:00``)."""
    zone = tz.upper().replace("UTC", "").replace("GMT", "")
    if not zone or zone == "Z" or zone.strip("+-0:") == "":
        return dt.replace(microsecond=0).isoformat() + "Z"
    sign = 1 if zone[0] == "+" else -1
    digits = zone[1:].replace(":", "")
    offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
    return dt.replace(microsecond=0, tzinfo=timezone(sign * offset)).isoformat()


def _iso(dt: datetime | date, has_time: bool = True) -> str:
    if isinstance(dt, datetime):
        if has_time and (dt.hour or dt.minute or dt.second or dt.microsecond):
            return dt.replace(microsecond=0).isoformat()
        return dt.date().isoformat()
    return dt.isoformat()
