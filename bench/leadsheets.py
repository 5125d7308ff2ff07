"""
Header and mapping accuracy on lead sheets, against baselines measured in the same run.

Real labelled sets, printed side by side (each skipped when its folder is absent):

- **shared**: ``../shared/corpora/leads`` (or ``LEAD_SYNC_LEADS``), the corpus the mapping rules
  were developed on.
- **dev** and **frozen**: ``bench/corpus/leads/{dev,frozen}`` (or ``LEAD_SYNC_HELDOUT``), real
  sheets from other sources split by a hash of their provenance (see its README). Rules may be
  written from dev; frozen is held out: only its scores are printed, never its mistakes.

Scores, as the shared corpus README describes: header exact (predicted first header row equals
the label), core-field F1 over full_name, first_name, last_name, email, phone and company, and
the same F1 over every lead field (a field counts as found in a sheet when any of its labelled
columns is mapped to it; a mapped column is wrong when its label is another field). **Key-columns
accuracy**: of the columns labelled with a core field or mapped to one, the share whose mapping
equals the label (column by column, so two phone columns count twice). Dev and frozen are also
broken down by language and by kind (core F1). Baseline: the messytables header rule, then a
naive keyword mapper (the first field whose synonym is a substring of the header, first column
wins).

**synthetic**: seeded messy sheets from ``bench/synth.py``. Their header words come from the
same vocabulary the mapper uses, so they measure layouts, not vocabulary.

**Robustness variants** (``--cut N``, ``--headerless``): the shared and dev sheets cut to their
first N data rows (tiny sheets), or with their header rows removed (content alone), against the
same labels. They run on the parts one may study only; frozen stays held out.

    .venv/bin/python -m bench.leadsheets [--part dev|frozen|shared|all] [--n 500] [--seed 1] [--misses]
    .venv/bin/python -m bench.leadsheets --cut 2 | --headerless [--misses]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from bench.corpus import modal_filled_row
from bench.synth import lead_sheet
from shared.core.analysis import analyse_sheet
from shared.core.models import CANONICAL_FIELDS, HeaderMatch
from shared.core.text import normalize_header
from shared.core.vocabulary import SYNONYMS

ROOT = Path(__file__).resolve().parent.parent
LEADS = Path(os.environ.get("LEAD_SYNC_LEADS", ROOT.parent / "shared" / "corpora" / "leads"))
HELDOUT = Path(os.environ.get("LEAD_SYNC_HELDOUT", ROOT / "bench" / "corpus" / "leads"))
PARTS = {"shared": LEADS, "dev": HELDOUT / "dev", "frozen": HELDOUT / "frozen"}
CORE_FIELDS = ("full_name", "first_name", "last_name", "email", "phone", "company")
ALL_FIELDS = CANONICAL_FIELDS

Predict = Callable[[list[list[str]], dict[str, Any]], tuple[int | None, dict[int, str | None]]]


def load_real(folder: Path = LEADS) -> list[tuple[str, list[list[str]], dict[str, Any]]]:
    """The labelled real lead sheets in ``folder`` (``labels.json`` + ``files/``): (file name, grid, label)."""
    labels = json.loads((folder / "labels.json").read_text(encoding="utf-8"))
    csv.field_size_limit(1 << 26)
    out = []
    for name in sorted(labels):
        with (folder / "files" / name).open(encoding="utf-8", newline="") as f:
            out.append((name, [list(r) for r in csv.reader(f)], labels[name]))
    return out


def ours(grid: list[list[str]], label: dict[str, Any]) -> tuple[int | None, dict[int, str | None]]:
    a = analyse_sheet(grid)
    row = a.header.row if isinstance(a.header, HeaderMatch) else None
    return row, {c.index: c.field or c.also for c in a.mapping.columns}


def naive_keywords(grid: list[list[str]], label: dict[str, Any]) -> tuple[int | None, dict[int, str | None]]:
    """Messytables' header row; each header takes the first field with a synonym inside it."""
    row = modal_filled_row(grid)
    mapped: dict[int, str | None] = {}
    if row is None or row >= len(grid):
        return row, mapped
    taken: set[str] = set()
    for i, cell in enumerate(grid[row]):
        text = f" {normalize_header(cell)} "
        for field, words in SYNONYMS.items():
            if field not in taken and any(f" {w} " in text for w in words):
                mapped[i] = field
                taken.add(field)
                break
    return row, mapped


def f1(tp: int, fp: int, fn: int) -> float:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return 2 * p * r / (p + r) if p + r else 0.0


def score(tables: Sequence[tuple[str, list[list[str]], dict[str, Any]]], predict: Predict) -> dict[str, Any]:
    """Header exact rate, core and all-field F1, and each sheet's mistakes."""
    exact = 0
    counts = {"core": [0, 0, 0], "all": [0, 0, 0]}
    key_right = key_total = 0
    misses: list[str] = []
    for name, grid, label in tables:
        row, mapped = predict(grid, label)
        exact += row == label["header_row"]
        want = {c["index"]: c["field"] for c in label["columns"]}
        for i in set(want) | set(mapped):
            if want.get(i) in CORE_FIELDS or mapped.get(i) in CORE_FIELDS:
                key_total += 1
                key_right += mapped.get(i) == want.get(i, "other")
        for key, fields in (("core", CORE_FIELDS), ("all", ALL_FIELDS)):
            c = counts[key]
            for f in fields:
                cols = [i for i, g in want.items() if g == f]
                if cols:
                    hit = any(mapped.get(i) == f for i in cols)
                    c[0] += hit
                    c[2] += not hit
                    if not hit and key == "all":
                        got = ", ".join(f"{label['columns'][i]['header']!r}->{mapped.get(i)}" for i in cols)
                        misses.append(f"{name}: missed {f} ({got})")
            for i, f in mapped.items():
                if f in fields and want.get(i, "other") != f:
                    c[1] += 1
                    if key == "all":
                        head = next((x["header"] for x in label["columns"] if x["index"] == i), None)
                        misses.append(f"{name}: col {i} {head!r} is {want.get(i, 'other')}, mapped {f}")
        if row != label["header_row"]:
            misses.append(f"{name}: header want {label['header_row']} got {row}")
    n = len(tables)
    return {
        "header": exact / n if n else 0.0,
        "core": f1(*counts["core"]),
        "all": f1(*counts["all"]),
        "key": key_right / key_total if key_total else 0.0,
        "misses": misses,
    }


def measure(n: int, seed: int, show: bool = False) -> dict[str, float]:
    """Accuracy on ``n`` seeded synthetic lead sheets."""
    r = random.Random(seed)
    header_ok = row0_ok = modal_ok = fields_ok = fields_total = sheets_all_ok = 0
    for k in range(n):
        sheet = lead_sheet(r)
        a = analyse_sheet(sheet.grid)
        got = a.header.row if isinstance(a.header, HeaderMatch) else None
        header_ok += got == sheet.header_row
        row0_ok += sheet.header_row == 0
        modal_ok += (modal_filled_row(sheet.grid) if sheet.header_row is not None else None) == sheet.header_row
        mapped = {c.index: c.field for c in a.mapping.columns}
        if sheet.header_row is None:  # with no header only content can decide, and only some fields
            sheet.fields = {i: f for i, f in sheet.fields.items() if f in ("email", "phone", "postcode", "created_at")}
        good = sum(
            1
            for i, f in sheet.fields.items()
            if mapped.get(i) == f or (f == "first_name" and mapped.get(i) == "full_name" and "last_name" not in sheet.fields.values())
        )
        fields_ok += good
        fields_total += len(sheet.fields)
        sheets_all_ok += good == len(sheet.fields) and got == sheet.header_row
        if show and (got != sheet.header_row or good != len(sheet.fields)):
            print(f"sheet {k}: header want {sheet.header_row} got {got}")
            for i, f in sheet.fields.items():
                if mapped.get(i) != f:
                    print(f"   col {i} {a.mapping.columns[i].header!r}: want {f} got {mapped.get(i)} ({a.mapping.columns[i].reason})")
    return {
        "header": header_ok / n,
        "row0": row0_ok / n,
        "modal": modal_ok / n,
        "fields": fields_ok / fields_total,
        "sheets": sheets_all_ok / n,
    }


def available(part: str) -> bool:
    return (PARTS[part] / "labels.json").exists()


def by(
    tables: Sequence[tuple[str, list[list[str]], dict[str, Any]]], key: str
) -> dict[str, list[tuple[str, list[list[str]], dict[str, Any]]]]:
    groups: dict[str, list[tuple[str, list[list[str]], dict[str, Any]]]] = {}
    for t in tables:
        groups.setdefault(str(t[2].get(key, "?")), []).append(t)
    return groups


def report_real(parts: Sequence[str], show_misses: bool) -> None:
    """Shared, dev and frozen scores side by side; breakdowns for dev and frozen; dev's wrong columns."""
    loaded = {}
    for part in parts:
        if available(part):
            loaded[part] = load_real(PARTS[part])
        else:
            print(f"{part} lead sheets: skipped ({PARTS[part]} not found)")
    if not loaded:
        return
    results = {p: score(t, ours) for p, t in loaded.items()}
    naive = {p: score(t, naive_keywords) for p, t in loaded.items()}
    names = list(loaded)
    print("REAL lead sheets (lead-sync; baseline = messytables header row + first synonym inside each header)")
    print(f"{'':<22}" + "".join(f"{p + f' ({len(loaded[p])})':>16}" for p in names))
    for key, title in (("header", "header exact"), ("core", "core-field F1"), ("all", "all-field F1"), ("key", "key-columns acc")):
        fmt = "{:>16.1%}" if key in ("header", "key") else "{:>16.3f}"
        print(f"{title:<22}" + "".join(fmt.format(results[p][key]) for p in names))
    for key, title in (("header", "  baseline header"), ("core", "  baseline core F1"), ("all", "  baseline all F1")):
        fmt = "{:>16.1%}" if key == "header" else "{:>16.3f}"
        print(f"{title:<22}" + "".join(fmt.format(naive[p][key]) for p in names))
    for part in ("dev", "frozen"):
        if part not in loaded:
            continue
        for key in ("language", "kind"):
            cells = []
            for group, tables in sorted(by(loaded[part], key).items(), key=lambda kv: (-len(kv[1]), kv[0])):
                cells.append(f"{group} {score(tables, ours)['core']:.2f} ({len(tables)})")
            print(f"{part} core F1 by {key}: " + ", ".join(cells))
    if "dev" in loaded:
        print(f"dev wrong columns and headers ({len(results['dev']['misses'])}):")
        for line in results["dev"]["misses"]:
            print("  " + line)
    if show_misses and "shared" in loaded:
        print(f"shared wrong columns and headers ({len(results['shared']['misses'])}):")
        for line in results["shared"]["misses"]:
            print("  " + line)


Table = tuple[str, list[list[str]], dict[str, Any]]


def variant(tables: Sequence[Table], cut: int | None = None, headerless: bool = False) -> list[Table]:
    """The sheets cut to their first ``cut`` data rows, or without their header rows (labels kept, header_row None)."""
    out = []
    for name, grid, label in tables:
        h = label["header_row"]
        start = max(label.get("header_rows") or [h]) + 1 if h is not None else 0
        if headerless:
            if h is None:
                continue  # already header-less: nothing to remove
            out.append((name, grid[start:], dict(label, header_row=None)))
        else:
            out.append((name, grid[: start + (cut or 0)], label))
    return out


def report_variant(cut: int | None, headerless: bool, show_misses: bool) -> None:
    """Scores of a robustness variant on the shared and dev parts (never frozen)."""
    what = "header rows removed" if headerless else f"cut to {cut} data rows"
    print(f"ROBUSTNESS: shared and dev sheets, {what} (frozen is not used)")
    for part in ("shared", "dev"):
        if not available(part):
            print(f"{part}: skipped ({PARTS[part]} not found)")
            continue
        tables = variant(load_real(PARTS[part]), cut, headerless)
        r = score(tables, ours)
        print(
            f"{part + f' ({len(tables)})':<14} header {r['header']:.1%}  core F1 {r['core']:.3f}  all F1 {r['all']:.3f}  key {r['key']:.1%}"
        )
        if show_misses:
            for line in r["misses"]:
                print("  " + line)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--part", choices=["dev", "frozen", "shared", "all"], default="all")
    p.add_argument("--n", type=int, default=500)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--misses", action="store_true", help="also list the shared corpus's and the synthetic sheets' mistakes")
    p.add_argument("--cut", type=int, help="robustness: shared and dev sheets cut to their first N data rows")
    p.add_argument("--headerless", action="store_true", help="robustness: shared and dev sheets without their header rows")
    args = p.parse_args()
    if args.cut is not None or args.headerless:
        report_variant(args.cut, args.headerless, args.misses)
        return 0
    report_real(["shared", "dev", "frozen"] if args.part == "all" else [args.part], args.misses)
    if args.part != "all":
        return 0
    m = measure(args.n, args.seed, args.misses)
    print(f"SYNTHETIC lead sheets: {args.n} (seed {args.seed}; header words from our own vocabulary)")
    print(
        f"  header row exact      {m['header']:.1%}   (always row 0: {m['row0']:.1%}, x{m['header'] / m['row0']:.2f}; "
        f"messytables rule: {m['modal']:.1%}, x{m['header'] / m['modal']:.2f})"
    )
    print(f"  columns mapped right  {m['fields']:.1%}")
    print(f"  sheets fully right    {m['sheets']:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
