"""
Run every benchmark: ``.venv/bin/python -m bench`` (or ``scripts/bench``), then write the
performance table, made of the figures the benches measured in this run, to
``docs/performance.md`` (``--out`` for another file).

Each bench prints its results as ratios against a baseline measured in the same run, baseline and
subject alternating, min / median / max over at least three rounds. ``--only speed,store`` runs
some of them (the table then holds only their figures).
"""

import argparse
import sys
from pathlib import Path

from bench import coldstart, console, corpus, events, figures, leadsheets, memory, pacing, read, speed, store

BENCHES = (
    ("corpus", "header corpus", corpus, []),
    ("leadsheets", "synthetic lead sheets", leadsheets, []),
    ("speed", "pipeline speed", speed, []),
    ("store", "storage (Azurite)", store, []),
    ("read", "read path (Azurite)", read, []),
    ("pacing", "pacing simulation (5,000 sheets, 10 keys, 24 h)", pacing, []),
    ("memory", "memory per row, every kind of run", memory, []),
    ("coldstart", "cold start", coldstart, []),
    ("console", "operator console (1,000 sheets, Azurite)", console, []),
    ("events", "lead events and webhooks (Azurite, a local receiver)", events, []),
)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--out", default="docs/performance.md")
    p.add_argument("--only", default="")
    args = p.parse_args()
    only = {x for x in args.only.split(",") if x}
    for key, name, module, argv in BENCHES:
        if only and key not in only:
            continue
        print(f"\n### {name}", flush=True)
        sys.argv = [f"bench.{module.__name__}", *argv]
        module.main()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(figures.table(figures.RECORDED), encoding="utf-8")
    print(f"\nperformance table written to {out}")
    return 0


sys.exit(main())
