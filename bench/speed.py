"""
Speed and memory of the pure pipeline on a large lead sheet, as ratios against baselines
measured in the same run:

- parsing plus detection + mapping + normalisation (``analyse_sheet``) of a 100,000-row,
  20-column sheet (realistic names, emails, UK phones in mixed formats, dates) against Python's
  ``csv`` module just parsing the same data (target: at most 5x): the parse is inside the subject
  as it is the whole baseline, and the subject's peak (tracemalloc) includes the grid it parses;
- the same plus lead keys and fingerprints (``assign_keys``), reported for information;
- ``map_columns`` alone on the sheet's 200 sample rows (its cost does not grow with the sheet);
- ``detect_header`` on the full sheet against the same on its first 1,000 rows (detection reads
  only the top, so the ratio stays near 1);
- calling ``phonenumbers.parse`` on every phone cell, for scale.

    .venv/bin/python -m bench.speed [--rows 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import csv
import gc
import io
import sys
import time
import tracemalloc

import phonenumbers

from bench.synth import big_sheet
from shared.core.analysis import _samples, analyse_sheet
from shared.core.detection import detect_header
from shared.core.identity import assign_keys
from shared.core.mapping import map_columns


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def peak_mib(fn) -> float:
    gc.collect()
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--repeat", type=int, default=5)
    args = p.parse_args()

    grid = big_sheet(args.rows)
    buf = io.StringIO()
    csv.writer(buf).writerows(grid)
    text = buf.getvalue()
    phones = [row[2] for row in grid[3:]]

    def parse() -> list[list[str]]:
        return list(csv.reader(io.StringIO(text)))

    assert parse() == grid
    # Baseline and subject alternate in every round so both see the same machine load.
    t_csv = t_analyse = float("inf")
    for _ in range(args.repeat):
        t_csv = min(t_csv, best_of(parse, 1))
        t_analyse = min(t_analyse, best_of(lambda: analyse_sheet(parse()), 1))
    a = analyse_sheet(grid)
    t_keys = best_of(lambda: assign_keys(a.leads), args.repeat)
    t_detect_full = best_of(lambda: detect_header(grid), args.repeat)
    t_detect_top = best_of(lambda: detect_header(grid[:1000]), args.repeat)
    h = detect_header(grid)
    width = max(len(r) for r in grid[: h.data_start + 200])
    labels, samples = list(getattr(h, "labels", ())), _samples(grid, h.data_start, width)
    t_map = best_of(lambda: map_columns(labels, samples), args.repeat * 10)
    t_pn = best_of(lambda: [phonenumbers.parse(x, "GB") for x in phones], 1)
    m_csv = peak_mib(parse)
    m_analyse = peak_mib(lambda: analyse_sheet(parse()))

    print(f"sheet: {args.rows:,} rows x 20 columns, {len(text) / 2**20:.1f} MiB of CSV; best of {args.repeat}")
    print(f"  baseline csv.reader parse           {t_csv * 1000:8.0f} ms   1.00x   peak {m_csv:6.1f} MiB")
    print(
        f"  parse + analyse_sheet               {t_analyse * 1000:8.0f} ms   {t_analyse / t_csv:4.2f}x   peak {m_analyse:6.1f} MiB  (target <= 5x)"
    )
    print(f"  + assign_keys (identity, fingerprint){(t_analyse + t_keys) * 1000:7.0f} ms   {(t_analyse + t_keys) / t_csv:4.2f}x")
    print(f"  map_columns alone (200 sample rows) {t_map * 1000:8.2f} ms")
    print(f"  phonenumbers.parse on every phone   {t_pn * 1000:8.0f} ms   {t_pn / t_csv:4.2f}x   (for scale)")
    print(
        f"  detect_header, full sheet vs top 1k {t_detect_full * 1000:8.1f} ms vs {t_detect_top * 1000:.1f} ms   {t_detect_full / t_detect_top:4.2f}x"
    )
    print(
        f"  leads {len(a.leads):,}, invalid values {sum(1 for i in a.issues if i.code.startswith('invalid_')):,}, status {a.status.value}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
