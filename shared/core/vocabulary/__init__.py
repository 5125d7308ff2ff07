"""
Lead vocabulary: the header words that name each canonical field, and the word lists that tell a
lead field from something close to it, as data: one TOML file per language in this folder.

Every file has the same four tables (``tests/test_vocabulary_files.py`` checks them):

``[language]``
    ``code`` (ISO 639 code, also the file's name), ``name``, ``order``: when one folded word is
    listed in two languages, the language with the smaller ``order`` keeps it, and lists are
    merged in that order.
``[fields]``
    canonical field -> the words people and exports use for it, written as they appear in sheets
    (accents, scripts and case as typed); they are folded with ``text.normalize_header`` when
    loaded, so an entry never has to be pre-normalised.
``[words]``
    the lists below, by lower-case name (``not_lead`` is ``NOT_LEAD``, ``headerish`` is
    ``HEADERISH_WORDS``); a language lists only what it needs.
``[country_regions]``
    phone region (ISO 3166 code) -> country names as sheets write them.

To add a synonym, add it to its language's file; to add a language, add a file (``xx.toml``)
with the four tables and nothing else. ``mul.toml`` holds the lists that were kept
across languages before the vocabulary became data.

The names this module exposes (unchanged from when the vocabulary was a Python module):

- ``VOCABULARY``: language -> field -> words as typed. A folded word that means different things
  in different languages ("nom" is a surname in French forms, "ad" a first name in Turkish) keeps
  the meaning of the language listed first; ``AMBIGUOUS`` names such words, and content decides
  where it can (``mapping``).
- ``SYNONYMS``: folded words per field, all languages merged in ``VOCABULARY`` order (baselines).
- ``LOOKUP``: folded header -> field, the first listing wins; ``LANGUAGE``: folded header -> the
  language it was first listed under.
- ``NOT_LEAD`` (as typed) / ``NOT_LEAD_WORDS`` (folded): headers that name something close to a
  lead field but not it (fax numbers, middle names, owners and other internal people): a column
  headed so is kept as extra data even when its values would fit a field.
- ``AMBIGUOUS``: folded words listed under more than one field or language.
- ``QUALIFIERS``: folded words that, after a field's name, make a header about something else
  ("Campaign ID", "Contact owner", "Phone type", "Company size").
- ``REFUSE_BEFORE``: folded words that, before a field's name, make it something else's ("Middle
  name", "Sales person", "Owner email", "Birth date").
- ``CONTACT_OF_OTHERS``: words before "phone"/"email" that still mean a further contact value of
  the lead ("Secondary email", "Billing phone").
- ``COMPANY_SUFFIXES``: legal-form and business words that end a company name ("Acme Ltd").
- ``LEGAL_PREFIXES``: legal forms written before the name ("ООО «Ромашка»", "PT Maju Jaya").
- ``ORG_WORDS``: word starts that mark an organisation's name rather than a person's ("Apotheke
  am Markt", "Clinica Dental Sol"); entries of five letters or more match the start of a word,
  shorter ones whole words only.
- ``HEADERISH_WORDS``: words that mark a header cell in any table (detection).
- ``COUNTRY_REGIONS``: folded country name -> phone region (ISO codes also work, see normalize).
- ``CONTACT_PERSON``: folded headers that name the person who runs a business ("Owner",
  "Inhaber", "Gérant", "Titolare", "代表者"): in a list of businesses the lead's contact, in a CRM
  export often the seller's own staff. They are not in ``LOOKUP`` (header detection never counts
  them); mapping reads them only when the values are distinct people's names and the sheet lists
  businesses with no other name column.
- ``GIVEN_NAMES``: folded common given names: a value that starts with one is a person's name even
  if a later word looks like a trade ("Mark Garden").

Loading is lazy and cached: the files are read and parsed the first time one of these names is
used (module ``__getattr__``), never at import of the app. Reading this package's own data files
is the one I/O the pure core does (``tests/test_boundaries.py`` allows it here only): they are part
of the code, shipped with it, and read-only.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

from ..models import CANONICAL_FIELDS
from ..text import normalize_header

TABLES = ("language", "fields", "words", "country_regions")
"""The tables every language file has, and only these."""
LANGUAGE_KEYS = ("code", "name", "order")
WORD_LISTS = (
    "not_lead",
    "ambiguous",
    "qualifiers",
    "refuse_before",
    "contact_of_others",
    "company_suffixes",
    "legal_prefixes",
    "org_words",
    "headerish",
    "given_names",
    "cjk_family_names",
    "contact_person",
)
"""The keys a ``[words]`` table may have."""

VOCABULARY: dict[str, dict[str, tuple[str, ...]]]
SYNONYMS: dict[str, tuple[str, ...]]
LOOKUP: dict[str, str]
LANGUAGE: dict[str, str]
NOT_LEAD: tuple[str, ...]
NOT_LEAD_WORDS: frozenset[str]
AMBIGUOUS: frozenset[str]
QUALIFIERS: frozenset[str]
REFUSE_BEFORE: frozenset[str]
CONTACT_OF_OTHERS: frozenset[str]
COMPANY_SUFFIXES: tuple[str, ...]
LEGAL_PREFIXES: tuple[str, ...]
ORG_WORDS: tuple[str, ...]
HEADERISH_WORDS: frozenset[str]
COUNTRY_REGIONS: dict[str, str]
GIVEN_NAMES: frozenset[str]
CJK_FAMILY_NAMES: frozenset[str]
CONTACT_PERSON: frozenset[str]

NAMES = (
    "VOCABULARY",
    "SYNONYMS",
    "LOOKUP",
    "LANGUAGE",
    "NOT_LEAD",
    "NOT_LEAD_WORDS",
    "AMBIGUOUS",
    "QUALIFIERS",
    "REFUSE_BEFORE",
    "CONTACT_OF_OTHERS",
    "COMPANY_SUFFIXES",
    "LEGAL_PREFIXES",
    "ORG_WORDS",
    "HEADERISH_WORDS",
    "COUNTRY_REGIONS",
    "GIVEN_NAMES",
    "CJK_FAMILY_NAMES",
    "CONTACT_PERSON",
)
"""The public names, each loaded on first use."""


class VocabularyError(ValueError):
    """A vocabulary file breaks the schema (names the file and the key)."""


@dataclass(frozen=True, slots=True)
class Language:
    """One parsed language file."""

    code: str
    name: str
    order: int
    fields: dict[str, tuple[str, ...]]
    words: dict[str, tuple[str, ...]]
    country_regions: dict[str, tuple[str, ...]]


def _words(where: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(w, str) for w in value):
        raise VocabularyError(f"{where} must be a list of strings")
    return tuple(value)


def parse_language(filename: str, data: bytes) -> Language:
    """Parse and check one language file: the four tables, known keys only, lists of strings."""
    try:
        doc = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise VocabularyError(f"{filename}: {e}") from e
    if set(doc) != set(TABLES):
        raise VocabularyError(f"{filename}: tables {sorted(doc)}, expected exactly {list(TABLES)}")
    for table in TABLES:
        if not isinstance(doc[table], dict):
            raise VocabularyError(f"{filename}: {table} must be a table")
    lang, fields, words, regions = (doc[t] for t in TABLES)
    if set(lang) != set(LANGUAGE_KEYS):
        raise VocabularyError(f"{filename}: [language] keys {sorted(lang)}, expected {list(LANGUAGE_KEYS)}")
    code, name, order = lang["code"], lang["name"], lang["order"]
    if not isinstance(code, str) or filename != f"{code}.toml" or not isinstance(name, str) or type(order) is not int:
        raise VocabularyError(f"{filename}: [language] needs code (the file's name), name and an integer order")
    unknown = [k for k in fields if k not in CANONICAL_FIELDS] + [k for k in words if k not in WORD_LISTS]
    unknown += [k for k in regions if not (len(k) == 2 and k.isascii() and k.isupper())]
    if unknown:
        raise VocabularyError(f"{filename}: unknown keys {unknown}")
    return Language(
        code=code,
        name=name,
        order=order,
        fields={k: _words(f"{filename} fields.{k}", v) for k, v in fields.items()},
        words={k: _words(f"{filename} words.{k}", v) for k, v in words.items()},
        country_regions={k: _words(f"{filename} country_regions.{k}", v) for k, v in regions.items()},
    )


def build(languages: Iterable[Language]) -> dict[str, Any]:
    """Every public name's value from parsed language files (pure; merged in ``order``)."""
    langs = sorted(languages, key=lambda lg: (lg.order, lg.code))
    vocabulary = {lg.code: dict(lg.fields) for lg in langs if lg.fields}
    synonyms: dict[str, dict[str, None]] = {}  # field -> folded words, in order (a dict as an ordered set)
    lookup: dict[str, str] = {}
    language: dict[str, str] = {}
    for code, fields in vocabulary.items():
        for field, words in fields.items():
            for word in words:
                norm = normalize_header(word)
                if not norm:
                    continue
                synonyms.setdefault(field, {})[norm] = None
                if norm not in lookup:
                    lookup[norm] = field
                    language[norm] = code

    def merged(key: str) -> tuple[str, ...]:
        return tuple(w for lg in langs for w in lg.words.get(key, ()))

    def folded(key: str) -> frozenset[str]:
        return frozenset(normalize_header(w) for w in merged(key))

    not_lead = merged("not_lead")
    return {
        "VOCABULARY": vocabulary,
        "SYNONYMS": {field: tuple(words) for field, words in synonyms.items()},
        "LOOKUP": lookup,
        "LANGUAGE": language,
        "NOT_LEAD": not_lead,
        "NOT_LEAD_WORDS": frozenset(normalize_header(w) for w in not_lead),
        "AMBIGUOUS": folded("ambiguous"),
        "QUALIFIERS": folded("qualifiers"),
        "REFUSE_BEFORE": folded("refuse_before"),
        "CONTACT_OF_OTHERS": frozenset(merged("contact_of_others")),
        "COMPANY_SUFFIXES": merged("company_suffixes"),
        "LEGAL_PREFIXES": merged("legal_prefixes"),
        "ORG_WORDS": merged("org_words"),
        "HEADERISH_WORDS": frozenset(merged("headerish")),
        "COUNTRY_REGIONS": {
            normalize_header(name): region for lg in langs for region, names in lg.country_regions.items() for name in names
        },
        "GIVEN_NAMES": folded("given_names"),
        "CJK_FAMILY_NAMES": frozenset(merged("cjk_family_names")),
        "CONTACT_PERSON": folded("contact_person"),
    }


def language_files() -> list[tuple[str, bytes]]:
    """(file name, bytes) of every ``*.toml`` in this package, sorted by name."""
    here = files(__name__)
    return sorted((p.name, p.read_bytes()) for p in here.iterdir() if p.name.endswith(".toml"))


@cache
def load() -> dict[str, Any]:
    """The vocabulary, read and parsed once per process."""
    return build(parse_language(name, data) for name, data in language_files())


def __getattr__(name: str) -> Any:
    if name in NAMES:
        value = load()[name]
        globals()[name] = value  # later lookups are plain attribute reads
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
