"""The benchmarks still run against today's code (tiny sizes; their numbers are not checked here)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT

SMALL = [
    ["bench.store", "--leads", "300", "--sample", "50"],
    ["bench.events", "--leads", "300", "--events", "60", "--edits", "3"],
    ["bench.speed", "--rows", "2000", "--repeat", "1"],
    ["bench.leadsheets", "--n", "20"],
    ["bench.leadsheets", "--cut", "1"],
]


@pytest.mark.parametrize("argv", SMALL, ids=[" ".join(a[:2]) for a in SMALL])
def test_benchmark_runs(argv: list[str]) -> None:
    proc = subprocess.run([sys.executable, "-m", *argv], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip(), "a benchmark prints its results"


# --- The held-out lead corpus (bench/corpus/leads): consistent labels and the split rule -------------

HELDOUT = ROOT / "bench" / "corpus" / "leads"
KINDS = {"ad_export", "crm_export", "directory", "attendees", "messaging", "prospects", "property", "import_template", "other"}


def _heldout() -> list[tuple[str, str, list[list[str]], dict[str, object]]]:
    import csv
    import json

    out = []
    for part in ("dev", "frozen"):
        labels_path = HELDOUT / part / "labels.json"
        if not labels_path.exists():
            continue
        labels = json.loads(labels_path.read_text(encoding="utf-8"))
        names = {p.name for p in (HELDOUT / part / "files").glob("*.csv")}
        assert names == set(labels), (
            f"{part}: files without labels {sorted(names - set(labels))}, labels without files {sorted(set(labels) - names)}"
        )
        for name in sorted(labels):
            with (HELDOUT / part / "files" / name).open(encoding="utf-8", newline="") as f:
                out.append((part, name, [list(r) for r in csv.reader(f)], labels[name]))
    return out


@pytest.mark.skipif(not (HELDOUT / "dev" / "labels.json").exists(), reason="held-out lead corpus absent")
def test_heldout_corpus_labels_fit_their_grids() -> None:
    """Every held-out file is labelled, one label per column of its grid, with a known field, kind and header row, at most 200 data rows."""
    from shared.core.models import CANONICAL_FIELDS

    allowed = {*CANONICAL_FIELDS, "other"}
    tables = _heldout()
    assert tables
    for part, name, grid, label in tables:
        width = max((len(r) for r in grid), default=0)
        columns = label["columns"]
        assert isinstance(columns, list)
        assert [c["index"] for c in columns] == list(range(width)), f"{part}/{name}: column indexes must be 0..{width - 1}"
        bad = {c["field"] for c in columns} - allowed
        assert not bad, f"{part}/{name}: unknown fields {bad}"
        assert label["kind"] in KINDS, f"{part}/{name}: kind {label['kind']!r}"
        rows = label["header_rows"]
        assert isinstance(rows, list)
        if label["header_row"] is None:
            assert rows == [], f"{part}/{name}: no header but header_rows {rows}"
        else:
            assert rows and rows[0] == label["header_row"] and rows[-1] < len(grid), f"{part}/{name}: header rows {rows}"
        assert len(grid) - (rows[-1] + 1 if rows else 0) <= 200, f"{part}/{name}: more than 200 data rows"
        assert str(label["source"]).count(":") >= 1 and "/" in str(label["source"]).split(":", 1)[0], (
            f"{part}/{name}: source must be owner/repo:path"
        )
        assert label["license"] and label["language"], f"{part}/{name}: licence and language are recorded"


@pytest.mark.skipif(not (HELDOUT / "dev" / "labels.json").exists(), reason="held-out lead corpus absent")
def test_heldout_split_is_decided_by_the_source_hash() -> None:
    """A file is in frozen/ exactly when int(sha256(source)[:8], 16) % 3 == 0, so nobody chose which files are held out."""
    import hashlib

    for part, name, _grid, label in _heldout():
        digest = int(hashlib.sha256(str(label["source"]).encode("utf-8")).hexdigest()[:8], 16)
        assert part == ("frozen" if digest % 3 == 0 else "dev"), f"{name} is in {part}"


@pytest.mark.skipif(not (HELDOUT / "dev" / "labels.json").exists(), reason="held-out lead corpus absent")
def test_heldout_sources_are_new_and_unique() -> None:
    """No held-out file comes from a repository of the shared corpus, and no source file appears twice."""
    import json

    from bench.leadsheets import LEADS

    sources = [str(label["source"]) for _p, _n, _g, label in _heldout()]
    assert len(sources) == len(set(sources)), "a source file is in the corpus twice"
    shared = LEADS / "labels.json"
    if shared.exists():
        used = {str(v["source"]).split(":", 1)[0] for v in json.loads(shared.read_text(encoding="utf-8")).values()}
        overlap = sorted({s.split(":", 1)[0] for s in sources} & used)
        assert not overlap, f"repositories already in the shared corpus: {overlap}"


def test_robustness_variants_keep_labels_and_never_read_frozen() -> None:
    """--cut keeps the header and N data rows; --headerless drops the header rows and says header_row None."""
    from bench.leadsheets import variant

    grid = [["Title"], [], ["Name", "Email"], ["Ann", "a@x.com"], ["Bo", "b@x.com"], ["Cy", "c@x.com"]]
    label = {"header_row": 2, "header_rows": [2], "columns": []}
    ((_, cut, same),) = variant([("a.csv", grid, label)], cut=1)
    assert cut == grid[:4] and same is label
    ((_, bare, relabelled),) = variant([("a.csv", grid, label)], headerless=True)
    assert bare == grid[3:] and relabelled["header_row"] is None
    assert variant([("b.csv", grid[3:], {"header_row": None, "columns": []})], headerless=True) == []
    source = (ROOT / "bench" / "leadsheets.py").read_text(encoding="utf-8")
    body = source[source.index("def report_variant") : source.index("def main")]
    assert '"frozen"' not in body and "PARTS[part]" in body and '("shared", "dev")' in body
