"""
Speed of the pure pipeline on a large lead sheet, as ratios against a baseline measured in the
same run, baseline and subject alternating in every round:

- what every sync does with a sheet before it looks at storage, against Python's ``csv`` module
  just parsing the same data (target: at most 4x): parse, blank error values, detection + mapping + normalisation (``analyse_sheet``), the footer filter, lead keys
  and fingerprints (``assign_keys``) and the sheet's fingerprint (``set_fingerprint``), each the
  way ``shared.sync`` runs it;
- with ``--analysis-only``, the same without keys and fingerprints, for information;
- ``map_columns`` alone on the sheet's 200 sample rows (its cost does not grow with the sheet);
- ``detect_header`` on the full sheet against the same on its first 1,000 rows (detection reads
  only the top, so the ratio stays near 1);
- calling ``phonenumbers.parse`` on every phone cell, for scale (timed on 10,000 of them).

    .venv/bin/python -m bench.speed [--rows 100000] [--repeat 3] [--analysis-only] [--peaks] [--json PATH]
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import gc
import inspect
import io
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import phonenumbers

from bench import figures
from bench.synth import big_sheet
from shared import sync
from shared.core.analysis import _samples, analyse_sheet
from shared.core.detection import detect_header
from shared.core.identity import assign_keys
from shared.core.mapping import map_columns
from shared.core.rows import blank_error_values, not_lead_reason

# As the sync of the tree under test does it (older trees have neither: then nothing is done).
_paused_gc: Callable[[], Any] = getattr(sync, "paused_gc", contextlib.nullcontext)
_RELEASE = {"release_rows": True} if "release_rows" in inspect.signature(analyse_sheet).parameters else {}


def sync_pipeline(grid: list[list[str]], keys: bool = True) -> Any:
    """What ``shared.sync`` does with a fetched grid before it reads the stored index."""
    grid, _ = blank_error_values(grid)
    with _paused_gc():
        a = analyse_sheet(grid, **_RELEASE)
    del grid
    if not keys:
        return a
    leads = [lead for lead in a.leads if not_lead_reason(lead) is None]
    with _paused_gc():
        keyed, _ = assign_keys(leads)
    return sync.set_fingerprint(keyed)


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
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--json")
    p.add_argument("--analysis-only", action="store_true", help="also time the analysis without keys, for information")
    p.add_argument("--peaks", action="store_true", help="also measure peaks with tracemalloc (slow; see bench.memory)")
    args = p.parse_args()

    grid = big_sheet(args.rows)
    buf = io.StringIO()
    csv.writer(buf).writerows(grid)
    text = buf.getvalue()
    phones = [row[2] for row in grid[3:]]

    def parse() -> list[list[str]]:
        return list(csv.reader(io.StringIO(text)))

    assert parse() == grid
    rounds = max(3, args.repeat)
    t_csv, t_all = figures.alternate(parse, lambda: sync_pipeline(parse()), rounds)
    t_csv2, t_analyse = figures.alternate(parse, lambda: sync_pipeline(parse(), keys=False), rounds) if args.analysis_only else ([], [])
    a = analyse_sheet(grid)
    t_detect_full = best_of(lambda: detect_header(grid), args.repeat)
    t_detect_top = best_of(lambda: detect_header(grid[:1000]), args.repeat)
    h = detect_header(grid)
    width = max(len(r) for r in grid[: h.data_start + 200])
    labels, samples = list(getattr(h, "labels", ())), _samples(grid, h.data_start, width)
    t_map = best_of(lambda: map_columns(labels, samples), args.repeat * 10)
    t_pn = best_of(lambda: [phonenumbers.parse(x, "GB") for x in phones[:10_000]], 1) * len(phones) / min(len(phones), 10_000)
    m_csv = peak_mib(parse) if args.peaks else float("nan")
    m_all = peak_mib(lambda: sync_pipeline(parse())) if args.peaks else float("nan")

    med = statistics.median
    print(f"sheet: {args.rows:,} rows x 20 columns, {len(text) / 2**20:.1f} MiB of CSV; {rounds} rounds, baseline and subject alternating")
    print(f"  baseline csv.reader parse           {med(t_csv) * 1000:8.0f} ms (median)   peak {m_csv:6.1f} MiB")
    print(f"  the sync's analysis, keys, fingerprints {med(t_all) * 1000:6.0f} ms (median)   peak {m_all:6.1f} MiB")
    figures.record(
        figures.Figure(
            "analysis_keys_vs_csv",
            f"analysis + keys + fingerprints, {args.rows:,} x 20, vs csv.reader",
            "x",
            [s / b for b, s in zip(t_csv, t_all, strict=True)],
            "<= 4",
        )
    )
    if t_analyse:
        figures.record(
            figures.Figure(
                "analysis_only_vs_csv",
                f"analysis without keys, {args.rows:,} x 20, vs csv.reader (information)",
                "x",
                [s / b for b, s in zip(t_csv2, t_analyse, strict=True)],
            )
        )
    print(f"  map_columns alone (200 sample rows) {t_map * 1000:8.2f} ms")
    print(f"  phonenumbers.parse on every phone (from 10,000) {t_pn * 1000:8.0f} ms   {t_pn / min(t_csv):4.2f}x   (for scale)")
    print(
        f"  detect_header, full sheet vs top 1k {t_detect_full * 1000:8.1f} ms vs {t_detect_top * 1000:.1f} ms   {t_detect_full / t_detect_top:4.2f}x"
    )
    print(
        f"  leads {len(a.leads):,}, invalid values {sum(1 for i in a.issues if i.code.startswith('invalid_')):,}, status {a.status.value}"
    )
    figures.dump(args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
