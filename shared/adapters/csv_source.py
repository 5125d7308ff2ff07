"""
CSV file source: the shipped samples, local testing and ``inspect``.

Encoding: UTF-8 with or without BOM, UTF-16 with BOM, else detected by charset-normalizer
(cp1250 lists from Central Europe, Shift-JIS from Japan, cp1252 from the West...); among its
near-equal guesses the one that leaves no symbols inside words wins ("Łódź" rather than
"£ódŸ"); Latin-1 as the last resort (every byte decodes, so a file never fails on encoding). Dialect: comma, semicolon, tab or pipe, chosen by
which one splits the first lines into the most consistent number of columns.
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from pathlib import Path

import charset_normalizer

from ..config import SheetConfig
from ..core.models import Grid
from ..errors import SourceFormatError, SourceNotFoundError

DELIMITERS = (",", ";", "\t", "|")
MAX_BYTES = 200 * 1024 * 1024


def decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    matches = list(charset_normalizer.from_bytes(data[:DETECT_BYTES]))
    if matches:
        usual = [m for m in matches if m.encoding in PREFERRED] or matches
        least = min(m.chaos for m in usual)
        near = [m for m in usual if m.chaos <= least + NEAR_CHAOS]
        best = min(near, key=lambda m: (_symbols_in_words(str(m)), -round(m.coherence, 3), _preference(m.encoding)))
        try:
            return data.decode(best.encoding)
        except (UnicodeDecodeError, LookupError):
            pass
    return data.decode("latin-1")


DETECT_BYTES = 256 * 1024
"""Bytes charset-normalizer reads to decide (a sample: large files decode at full speed)."""
NEAR_CHAOS = 0.05
"""charset-normalizer's "chaos" (0-1) within which its guesses are weighed again: fewest symbols
inside words, then its language coherence, then the code pages sheets are most often saved in.
Guesses among those usual code pages (``PREFERRED``) are weighed first."""
PREFERRED = (
    "cp1252",
    "cp1250",
    "cp932",
    "shift_jis",
    "euc_jp",
    "cp1251",
    "koi8_r",
    "gb18030",
    "gb2312",
    "big5",
    "euc_kr",
    "cp949",
    "cp1253",
    "cp1254",
    "cp1255",
    "cp1256",
    "cp1257",
    "cp1258",
    "tis_620",
    "iso8859_2",
    "iso8859_1",
    "iso8859_15",
    "mac_roman",
)


def _preference(encoding: str) -> int:
    return PREFERRED.index(encoding) if encoding in PREFERRED else len(PREFERRED)


def _symbols_in_words(text: str) -> int:
    """Symbols and stray marks between letters ("£ukasz", "¯ó³k"): the sign of a wrong code page."""
    count = 0
    for a, b, c in zip(text, text[1:], text[2:]):
        if (a.isalpha() or c.isalpha()) and unicodedata.category(b)[0] in "SN" and not b.isdigit() and b.isprintable() and b not in "+-&/'":
            count += 1
    return count


def sniff_delimiter(text: str) -> str:
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 26))  # a trial delimiter may see a whole long line as one field
    lines = text.splitlines()[:50]
    sample = "\n".join(lines)
    best, best_score = ",", -1.0
    for d in DELIMITERS:
        counts = [len(r) for r in csv.reader(io.StringIO(sample), delimiter=d) if any(c.strip() for c in r)]
        if not counts:
            continue
        mode = max(set(counts), key=counts.count)
        if mode < 2:
            continue
        score = counts.count(mode) / len(counts) * mode
        if score > best_score:
            best, best_score = d, score
    return best


def parse_csv(text: str) -> Grid:
    if "\x00" in text:
        raise SourceFormatError("file holds NUL bytes: not a CSV text file")
    delimiter = sniff_delimiter(text)
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 26))  # lead notes can be long
    return [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


def read_csv(path: Path) -> Grid:
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise SourceFormatError(f"{path.name} is {size} bytes; the limit is {MAX_BYTES}")
        data = path.read_bytes()
    except FileNotFoundError as e:
        raise SourceNotFoundError(f"file not found: {path}") from e
    except IsADirectoryError as e:
        raise SourceNotFoundError(f"not a file: {path}") from e
    except PermissionError as e:
        raise SourceNotFoundError(f"file cannot be read: {path}") from e
    try:
        return parse_csv(decode(data))
    except csv.Error as e:
        raise SourceFormatError(f"{path.name} is not valid CSV: {e}") from e


class CsvSource:
    """``SheetSource`` for sheets exported as CSV files."""

    def __init__(self, base_dir: Path) -> None:
        self.base_dir = base_dir

    def fetch(self, sheet: SheetConfig) -> Grid:
        assert sheet.path is not None
        p = Path(sheet.path)
        return read_csv(p if p.is_absolute() else self.base_dir / p)
