"""
One-off, mechanical conversion of the old ``shared/core/vocabulary.py`` (Python tables) into one
TOML file per language under ``shared/core/vocabulary/`` (issue 19, "Shape").

It reads the old module's *source* (``ast``), so every word keeps the spelling, order and comments
it was typed with, and writes:

- ``<code>.toml`` per language of the old ``VOCABULARY`` (its ``[fields]``), in the old order
  (``[language] order``: the earlier language wins a folded word listed in two languages);
- ``mul.toml`` (ISO 639-2 "multiple languages") with the cross-language word lists, which the
  old module kept in one place without a language per word.

Every file gets the same four tables. Run it against the old module and then compare:

    .venv/bin/python scripts/vocabulary_to_toml.py OLD_vocabulary.py shared/core/vocabulary
    .venv/bin/python scripts/vocabulary_to_toml.py --check OLD_vocabulary.py

``--check`` imports the old module from its path and asserts that every name the loader exposes
equals the old object (it also writes the frozen snapshot ``tests/data/vocabulary_snapshot.json``).
"""

from __future__ import annotations

import ast
import importlib.util
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LANGUAGE_NAMES = {
    "mul": "Cross-language lists",
    "en": "English",
    "de": "German",
    "es": "Spanish",
    "fr": "French",
    "pt": "Portuguese",
    "nl": "Dutch",
    "it": "Italian",
    "no": "Norwegian",
    "sv": "Swedish",
    "da": "Danish",
    "fi": "Finnish",
    "pl": "Polish",
    "cs": "Czech",
    "ro": "Romanian",
    "hu": "Hungarian",
    "tr": "Turkish",
    "el": "Greek",
    "ru": "Russian",
    "uk": "Ukrainian",
    "ja": "Japanese",
    "zh": "Chinese",
    "ko": "Korean",
    "ar": "Arabic",
    "he": "Hebrew",
    "id": "Indonesian",
    "vi": "Vietnamese",
    "hi": "Hindi",
    "th": "Thai",
    "hr": "Croatian",
    "sr": "Serbian",
    "sl": "Slovenian",
    "bg": "Bulgarian",
    "lt": "Lithuanian",
    "lv": "Latvian",
    "et": "Estonian",
    "fa": "Persian",
    "ur": "Urdu",
    "bn": "Bengali",
    "tl": "Tagalog",
    "sw": "Swahili",
}

# old module name -> key of the [words] table
WORD_LISTS = {
    "NOT_LEAD": "not_lead",
    "AMBIGUOUS": "ambiguous",
    "QUALIFIERS": "qualifiers",
    "REFUSE_BEFORE": "refuse_before",
    "CONTACT_OF_OTHERS": "contact_of_others",
    "COMPANY_SUFFIXES": "company_suffixes",
    "LEGAL_PREFIXES": "legal_prefixes",
    "ORG_WORDS": "org_words",
    "HEADERISH_WORDS": "headerish",
    "GIVEN_NAMES": "given_names",
}


def _strings(node: ast.AST) -> list[ast.Constant]:
    """The string constants of a (possibly wrapped) literal sequence, in source order."""
    found = [n for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    return sorted(found, key=lambda n: (n.lineno, n.col_offset))


def _comments(lines: list[str], start: int, end: int) -> list[str]:
    """Full-line comments on source lines start..end-1 (1-based)."""
    return [ln.strip() for ln in lines[start - 1 : end - 1] if ln.strip().startswith("#")]


def _q(word: str) -> str:
    return json.dumps(word, ensure_ascii=False)  # a TOML basic string is a JSON string here


def _array(key: str, items: list[ast.Constant], lines: list[str], indent: str = "") -> list[str]:
    if not items:
        return [f"{indent}{key} = []"]
    out = [f"{indent}{key} = ["]
    prev = items[0].lineno
    while prev > 1 and lines[prev - 2].strip().startswith("#"):
        prev -= 1  # comments just above the first word
    for it in items:
        out += [f"{indent}    {c}" for c in _comments(lines, prev, it.lineno)]
        out.append(f"{indent}    {_q(it.value)},")
        prev = it.lineno + 1
    out.append(f"{indent}]")
    return out


def parse_old(
    source: str,
) -> tuple[dict[str, dict[str, list[ast.Constant]]], dict[str, list[ast.Constant]], dict[str, list[ast.Constant]], list[str]]:
    tree = ast.parse(source)
    lines = source.splitlines()
    vocab: dict[str, dict[str, list[ast.Constant]]] = {}
    lists: dict[str, list[ast.Constant]] = {}
    regions: dict[str, list[ast.Constant]] = {}
    for stmt in tree.body:
        if not isinstance(stmt, ast.AnnAssign) or not isinstance(stmt.target, ast.Name) or stmt.value is None:
            continue
        name = stmt.target.id
        if name == "VOCABULARY":
            assert isinstance(stmt.value, ast.Dict)
            for lk, lv in zip(stmt.value.keys, stmt.value.values, strict=True):
                assert isinstance(lk, ast.Constant) and isinstance(lv, ast.Dict)
                vocab[lk.value] = {}
                for fk, fv in zip(lv.keys, lv.values, strict=True):
                    assert isinstance(fk, ast.Constant)
                    vocab[lk.value][fk.value] = _strings(fv)
        elif name in WORD_LISTS:
            lists[WORD_LISTS[name]] = _strings(stmt.value)
        elif name == "COUNTRY_REGIONS":
            comp = stmt.value
            assert isinstance(comp, ast.DictComp)
            inner = comp.generators[0].iter
            assert isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute)
            table = inner.func.value
            assert isinstance(table, ast.Dict)
            for rk, rv in zip(table.keys, table.values, strict=True):
                assert isinstance(rk, ast.Constant)
                regions[rk.value] = _strings(rv)
    return vocab, lists, regions, lines


HEADER = """\
# Lead vocabulary: {name} ({code}). Data, not code: see shared/core/vocabulary/__init__.py for
# what each table means. Every language file has the same four tables; a new language is a new
# file. Words are written as sheets type them (accents, script, case); they are folded when loaded.
"""


def write(old: Path, out: Path) -> list[Path]:
    vocab, lists, regions, lines = parse_old(old.read_text(encoding="utf-8"))
    out.mkdir(parents=True, exist_ok=True)
    written = []
    codes = ["mul", *vocab]
    for i, code in enumerate(codes):
        doc = [HEADER.format(name=LANGUAGE_NAMES[code], code=code), "[language]", f'code = "{code}"', f"name = {_q(LANGUAGE_NAMES[code])}"]
        doc += [f"order = {i * 10}", "", "[fields]"]
        for field, words in vocab.get(code, {}).items():
            doc += _array(field, words, lines)
        doc += ["", "[words]"]
        if code == "mul":
            for key in WORD_LISTS.values():
                doc += _array(key, lists[key], lines)
        doc += ["", "[country_regions]"]
        if code == "mul":
            for region, names in regions.items():
                doc += _array(region, names, lines)
        path = out / f"{code}.toml"
        path.write_text("\n".join(doc) + "\n", encoding="utf-8")
        written.append(path)
    return written


def snapshot(mod: object) -> dict[str, object]:
    """A JSON-able image of every public name of a vocabulary module (sets sorted, tuples kept)."""
    names = [*WORD_LISTS, "VOCABULARY", "SYNONYMS", "LOOKUP", "LANGUAGE", "NOT_LEAD_WORDS", "COUNTRY_REGIONS"]
    out: dict[str, object] = {}
    for name in names:
        value = getattr(mod, name)
        if isinstance(value, frozenset):
            out[name] = {"frozenset": sorted(value)}
        elif isinstance(value, tuple):
            out[name] = {"tuple": list(value)}
        elif name == "VOCABULARY":
            out[name] = {lang: {f: list(ws) for f, ws in fields.items()} for lang, fields in value.items()}
        elif name == "SYNONYMS":
            out[name] = {f: list(ws) for f, ws in value.items()}
        else:
            out[name] = dict(value)
    return out


def check(old: Path) -> None:
    spec = importlib.util.spec_from_file_location("shared.core._old_vocabulary", old)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    from shared.core import vocabulary as new

    for name in [*WORD_LISTS, "VOCABULARY", "SYNONYMS", "LOOKUP", "LANGUAGE", "NOT_LEAD_WORDS", "COUNTRY_REGIONS"]:
        a, b = getattr(mod, name), getattr(new, name)
        assert type(a) is type(b), (name, type(a), type(b))
        assert a == b, name
        if isinstance(a, dict):
            assert list(a) == list(b), f"{name}: key order differs"
            for k in a:
                assert type(a[k]) is type(b[k]), (name, k)
    snap = ROOT / "tests" / "data" / "vocabulary_snapshot.json"
    snap.write_text(json.dumps(snapshot(mod), ensure_ascii=False, indent=0, sort_keys=False) + "\n", encoding="utf-8")
    print(f"every name equals the old module's; snapshot written to {snap.relative_to(ROOT)}")


if __name__ == "__main__":
    if sys.argv[1] == "--check":
        check(Path(sys.argv[2]))
    else:
        for p in write(Path(sys.argv[1]), Path(sys.argv[2])):
            print(p)
