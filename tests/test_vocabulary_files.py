"""The vocabulary is one TOML file per language, loaded lazily into the names the code always used."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from shared.core import vocabulary as vocab
from tests.conftest import ROOT

FOLDER = ROOT / "shared" / "core" / "vocabulary"
SNAPSHOT = ROOT / "tests" / "data" / "vocabulary_snapshot.json"
TOML_FILES = sorted(FOLDER.glob("*.toml"))


def _image(name: str) -> Any:
    value = getattr(vocab, name)
    if isinstance(value, frozenset):
        return {"frozenset": sorted(value)}
    if isinstance(value, tuple):
        return {"tuple": list(value)}
    if name == "VOCABULARY":
        return {lang: {f: list(ws) for f, ws in fields.items()} for lang, fields in value.items()}
    if name == "SYNONYMS":
        return {f: list(ws) for f, ws in value.items()}
    return dict(value)


def _subsequence(old: list[str], new: list[str]) -> bool:
    it = iter(new)
    return all(w in it for w in old)


def test_loaded_vocabulary_keeps_everything_the_python_module_had() -> None:
    """
    Every word of the old Python module is still there, in its order and with its meaning
    (the snapshot was taken from its objects by scripts/vocabulary_to_toml.py --check; at the
    conversion commit the loaded names were equal to it; later words only add).
    """
    snap = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert set(snap) <= set(vocab.NAMES)  # names may be added (CJK_FAMILY_NAMES), never lost
    for name in snap:
        old, got = snap[name], _image(name)
        if "frozenset" in old:
            assert set(old["frozenset"]) <= set(got["frozenset"]), name
        elif "tuple" in old:
            assert got["tuple"][: len(old["tuple"])] == old["tuple"], name
        elif name == "VOCABULARY":
            for lang, fields in old.items():
                for field, words in fields.items():
                    assert got[lang][field][: len(words)] == words, (lang, field)
        elif name == "SYNONYMS":
            for field, words in old.items():
                assert _subsequence(words, got[field]), field
        else:
            assert {k: got[k] for k in old} == old, name


@pytest.mark.parametrize("path", TOML_FILES, ids=[p.name for p in TOML_FILES])
def test_every_language_file_has_the_same_tables_and_only_known_keys(path: Path) -> None:
    """Each file has exactly [language], [fields], [words], [country_regions], with known keys and word lists."""
    doc = tomllib.loads(path.read_text(encoding="utf-8"))
    assert list(doc) == list(vocab.TABLES)
    assert doc["language"]["code"] == path.stem
    lang = vocab.parse_language(path.name, path.read_bytes())  # the loader's own check
    assert set(lang.fields) <= set(vocab.CANONICAL_FIELDS) and set(lang.words) <= set(vocab.WORD_LISTS)
    for field, words in lang.fields.items():
        assert all(w.strip() for w in words), (path.name, field)


def test_language_order_is_unique() -> None:
    """Two languages never share an order, so which one keeps a shared word never depends on file names."""
    orders = [vocab.parse_language(p.name, p.read_bytes()).order for p in TOML_FILES]
    assert len(orders) == len(set(orders))


def test_the_package_reads_every_file_in_the_folder() -> None:
    """The loader reads exactly the folder's TOML files (the ones the package ships)."""
    assert [name for name, _ in vocab.language_files()] == [p.name for p in TOML_FILES]
    assert len(TOML_FILES) >= 20 and files("shared.core.vocabulary").joinpath("en.toml").is_file()


NEW_LANGUAGE = b"""
[language]
code = "eo"
name = "Esperanto"
order = 9999

[fields]
email = ["retposxto"]
phone = ["telefonnumero", "email"]

[words]
not_lead = ["faksnumero"]

[country_regions]
EO = ["esperantujo"]
"""


def test_a_new_language_is_a_new_file_not_code() -> None:
    """A file with the four tables adds its words to every name; an earlier language keeps a shared word."""
    existing = [vocab.parse_language(n, d) for n, d in vocab.language_files()]
    built = vocab.build([*existing, vocab.parse_language("eo.toml", NEW_LANGUAGE)])
    assert built["LOOKUP"]["retposxto"] == "email" and built["LANGUAGE"]["retposxto"] == "eo"
    assert built["LOOKUP"]["telefonnumero"] == "phone"
    assert built["LOOKUP"]["email"] == "email" and built["LANGUAGE"]["email"] == "en"  # English came first
    assert "faksnumero" in built["NOT_LEAD_WORDS"] and built["COUNTRY_REGIONS"]["esperantujo"] == "EO"
    assert built["VOCABULARY"]["eo"]["email"] == ("retposxto",)
    assert "retposxto" not in vocab.LOOKUP  # the loaded vocabulary itself is untouched


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("eo.toml", NEW_LANGUAGE.replace(b"[country_regions]", b"[regions]"), "tables"),
        ("eo.toml", NEW_LANGUAGE.replace(b"email = [", b"e_mail = ["), "unknown keys"),
        ("eo.toml", NEW_LANGUAGE.replace(b"not_lead", b"not_leads"), "unknown keys"),
        ("eo.toml", NEW_LANGUAGE.replace(b"EO =", b"eo ="), "unknown keys"),
        ("xx.toml", NEW_LANGUAGE, "code"),
        ("eo.toml", NEW_LANGUAGE.replace(b"order = 9999", b'order = "1"'), "order"),
        ("eo.toml", NEW_LANGUAGE.replace(b'["retposxto"]', b'"retposxto"'), "list of strings"),
        ("eo.toml", NEW_LANGUAGE + b"\n[fields]\n", "eo.toml"),
        ("eo.toml", NEW_LANGUAGE.replace(b'name = "Esperanto"\n', b""), "keys"),
    ],
)
def test_a_file_breaking_the_schema_is_refused_with_its_name(name: str, data: bytes, message: str) -> None:
    """A misspelt table or key, a wrong type or a file not named after its code fails loudly, naming the file."""
    with pytest.raises(vocab.VocabularyError, match=message) as err:
        vocab.parse_language(name, data)
    assert name in str(err.value)


def test_importing_the_app_does_not_load_the_vocabulary() -> None:
    """Loading is lazy: a cold import of function_app reads no vocabulary file; the first use reads them once."""
    code = (
        "import sys, function_app\n"
        "v = sys.modules.get('shared.core.vocabulary')\n"
        "print(v is None or v.load.cache_info().currsize == 0)\n"
        "from shared.core import vocabulary\n"
        "vocabulary.LOOKUP; vocabulary.GIVEN_NAMES\n"
        "print(vocabulary.load.cache_info().misses, 'LOOKUP' in vars(vocabulary))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.split() == ["True", "1", "True"]


def test_an_unknown_name_is_still_an_attribute_error() -> None:
    """The lazy module raises AttributeError for a name it does not have (hasattr and typos work)."""
    assert not hasattr(vocab, "VOCABULARIES")
