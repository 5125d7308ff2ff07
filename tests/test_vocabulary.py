"""The vocabulary is data: every listed synonym maps where it should, in every language."""

from __future__ import annotations

import pytest

from shared.core.mapping import read_header
from shared.core.text import normalize_header
from shared.core.vocabulary import AMBIGUOUS, LOOKUP, NOT_LEAD, VOCABULARY

ENTRIES = [(lang, field, word) for lang, fields in VOCABULARY.items() for field, words in fields.items() for word in words]


def test_vocabulary_covers_at_least_twenty_languages() -> None:
    """Issue 11 asks for 20 languages or more, each naming the core contact fields."""
    assert len(VOCABULARY) >= 20
    for lang, fields in VOCABULARY.items():
        assert {"email", "phone"} & set(fields) or lang == "vi", lang
        assert set(fields) & {"full_name", "first_name", "last_name"}, lang


@pytest.mark.parametrize(("lang", "field", "word"), ENTRIES, ids=[f"{lg}:{w}" for lg, _, w in ENTRIES])
def test_every_synonym_maps_to_its_field(lang: str, field: str, word: str) -> None:
    """A header written exactly as a listed synonym maps to its field (unless it is listed as ambiguous)."""
    norm = normalize_header(word)
    assert norm, (lang, word)
    if norm in AMBIGUOUS or LOOKUP[norm] != field:
        assert norm in AMBIGUOUS, f"{lang} {word!r} maps to {LOOKUP[norm]}, not {field}: list it in AMBIGUOUS or fix it"
        return
    evidence = read_header(word).evidence
    assert evidence and evidence[0].field == field, (lang, word, read_header(word))


@pytest.mark.parametrize("word", NOT_LEAD)
def test_not_lead_headers_are_refused(word: str) -> None:
    """Headers naming something near a lead field but not it are refused, whatever the field."""
    reading = read_header(word)
    assert not reading.evidence and reading.refused, (word, reading)
