"""
Header and mapping accuracy on lead sheets, against baselines measured in the same run.

Two sets, reported on separate lines:

- **real**: the labelled lead and contact sheets in ``../shared/corpora/leads`` (CRM and ad
  exports, scraped listings, contact-app exports in 13 languages; skipped when absent, or set
  ``LEAD_SYNC_LEADS``). Scored as its README describes: header exact (predicted first header
  row equals the label), core-field F1 over full_name, first_name, last_name, email, phone and
  company, and the same F1 over every lead field. A field counts as found in a sheet when any
  of its labelled columns is mapped to it; a mapped column is wrong when its label is another
  field. Baselines: the messytables header rule, and a naive keyword mapper (the first field
  whose synonym is a substring of the header, first column wins) on the messytables row.
- **synthetic**: seeded messy sheets from ``bench/synth.py``. Their header words come from the
  same vocabulary the mapper uses, so they measure layouts, not vocabulary.

    .venv/bin/python -m bench.leadsheets [--n 500] [--seed 1] [--misses]
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
CORE_FIELDS = ("full_name", "first_name", "last_name", "email", "phone", "company")
ALL_FIELDS = CANONICAL_FIELDS

Predict = Callable[[list[list[str]], dict[str, Any]], tuple[int | None, dict[int, str | None]]]


def load_real() -> list[tuple[str, list[list[str]], dict[str, Any]]]:
    """The labelled real lead sheets: (file name, grid, label)."""
    labels = json.loads((LEADS / "labels.json").read_text(encoding="utf-8"))
    csv.field_size_limit(1 << 26)
    out = []
    for name in sorted(labels):
        with (LEADS / "files" / name).open(encoding="utf-8", newline="") as f:
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
    misses: list[str] = []
    for name, grid, label in tables:
        row, mapped = predict(grid, label)
        exact += row == label["header_row"]
        want = {c["index"]: c["field"] for c in label["columns"]}
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


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=500)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--misses", action="store_true")
    args = p.parse_args()
    if (LEADS / "labels.json").exists():
        tables = load_real()
        r = score(tables, ours)
        b = score(tables, naive_keywords)
        print(f"REAL lead sheets: {len(tables)} labelled files ({LEADS})")
        print(f"{'method':<34}{'header exact':>13}{'core F1':>9}{'all F1':>8}")
        print(f"{'lead-sync':<34}{r['header']:>13.1%}{r['core']:>9.3f}{r['all']:>8.3f}")
        print(f"{'baseline: messytables + keywords':<34}{b['header']:>13.1%}{b['core']:>9.3f}{b['all']:>8.3f}")
        print("  (baseline: messytables header rule, then the first synonym found inside each header)")
        if args.misses:
            for line in r["misses"]:
                print("  " + line)
    else:
        print(f"real lead sheets: skipped ({LEADS} not found)")
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
