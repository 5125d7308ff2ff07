"""
Header and mapping accuracy on synthetic messy lead sheets (bench/synth.py), against the
always-row-0 baseline in the same run.

    .venv/bin/python -m bench.leadsheets [--n 500] [--seed 1] [--misses]
"""

from __future__ import annotations

import argparse
import random
import sys

from bench.corpus import modal_filled_row
from bench.synth import lead_sheet
from shared.core.analysis import analyse_sheet
from shared.core.models import HeaderMatch


def measure(n: int, seed: int, show: bool = False) -> dict[str, float]:
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
        good = sum(1 for i, f in sheet.fields.items() if mapped.get(i) == f or (f == "first_name" and mapped.get(i) == "full_name" and "last_name" not in sheet.fields.values()))
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
    m = measure(args.n, args.seed, args.misses)
    print(f"synthetic lead sheets: {args.n} (seed {args.seed})")
    print(f"  header row exact      {m['header']:.1%}   (always row 0: {m['row0']:.1%}, x{m['header'] / m['row0']:.2f}; "
          f"messytables rule: {m['modal']:.1%}, x{m['header'] / m['modal']:.2f})")
    print(f"  columns mapped right  {m['fields']:.1%}")
    print(f"  sheets fully right    {m['sheets']:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
