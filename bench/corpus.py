"""
Header-row accuracy on the labelled corpus (../shared/corpora/headers), against baselines
computed in the same run: always row 0, and the first non-blank row.

    .venv/bin/python -m bench.corpus [--misses]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from collections import Counter
from pathlib import Path

from shared.core.detection import detect_header
from shared.core.models import HeaderMatch

ROOT = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("LEAD_SYNC_CORPUS", ROOT.parent / "shared" / "corpora" / "headers"))


def load() -> list[tuple[str, list[list[str]], dict]]:
    labels = json.loads((CORPUS / "labels.json").read_text(encoding="utf-8"))
    out = []
    csv.field_size_limit(1 << 26)
    for name in sorted(labels):
        with (CORPUS / "files" / name).open(encoding="utf-8", newline="") as f:
            out.append((name, [list(r) for r in csv.reader(f)], labels[name]))
    return out


def modal_filled_row(grid: list[list[str]], tolerance: int = 1, sample: int = 1000) -> int | None:
    """
    The rule of messytables' ``headers_guess`` (the common baseline): the first row whose count
    of filled cells is within ``tolerance`` of the modal count among rows with two or more.
    Written here from its documented behaviour, so the baseline runs in the same process.
    """
    counts = [sum(1 for c in row if c and c.strip()) for row in grid[:sample]]
    multi = [n for n in counts if n > 1]
    if not multi:
        return 0
    modal = max(set(multi), key=multi.count)
    return next((i for i, n in enumerate(counts) if n >= modal - tolerance), 0)


def first_nonblank(grid: list[list[str]]) -> int | None:
    return next((i for i, r in enumerate(grid) if any(c.strip() for c in r)), None)


def evaluate(predict, tables) -> dict:
    exact = in_block = 0
    confusion: Counter[str] = Counter()
    misses = []
    for name, grid, label in tables:
        want, block = label["header_row"], set(label["header_rows"] or [])
        got = predict(grid)
        if got == want:
            exact += 1
        else:
            if want is None:
                confusion["missed no header"] += 1
            elif got is None:
                confusion["false no header"] += 1
            elif got < want:
                confusion["too early"] += 1
            else:
                confusion["too late"] += 1
            misses.append((name, want, sorted(block), got))
        if got == want or (got is not None and got in block):
            in_block += 1
    n = len(tables)
    return {"n": n, "exact": exact / n, "in_block": in_block / n, "confusion": dict(confusion), "misses": misses}


def ours(grid: list[list[str]]) -> int | None:
    h = detect_header(grid)
    return h.row if isinstance(h, HeaderMatch) else None


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--misses", action="store_true", help="list the tables we get wrong")
    args = p.parse_args()
    tables = load()
    results = {
        "lead-sync detect_header": evaluate(ours, tables),
        "baseline: always row 0": evaluate(lambda g: 0, tables),
        "baseline: messytables rule": evaluate(modal_filled_row, tables),
        "baseline: first non-blank row": evaluate(first_nonblank, tables),
    }
    base = results["baseline: always row 0"]["exact"]
    print(f"header-row detection on {len(tables)} labelled tables ({CORPUS})")
    print(f"{'method':<32}{'exact':>8}{'in block':>10}{'x row0':>8}  confusion")
    for name, r in results.items():
        ratio = r["exact"] / base if base else float("nan")
        conf = ", ".join(f"{k} {v}" for k, v in sorted(r["confusion"].items()))
        print(f"{name:<32}{r['exact']:>8.1%}{r['in_block']:>10.1%}{ratio:>8.2f}  {conf}")
    by_set: dict[str, list[bool]] = {}
    for _, grid, label in tables:
        by_set.setdefault(label["dataset"], []).append(ours(grid) == label["header_row"])
    print("ours by dataset: " + ", ".join(f"{k} {sum(v)}/{len(v)}" for k, v in sorted(by_set.items())))
    if args.misses:
        for name, want, block, got in results["lead-sync detect_header"]["misses"]:
            print(f"  miss {name}: want {want} (block {block}), got {got}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
