"""
Peak resident memory of one sheet's sync work, per row: what sizes the queue's per-instance
concurrency (host.json ``batchSize`` + ``newBatchThreshold``) on a 2 GB instance.

Each size runs in a fresh process, which reads a CSV of N rows x 20 columns (as a source hands
the grid over), analyses it (detect, map, normalise), keys the leads and fingerprints the set:
everything a sync holds before it writes. The whole process's peak (``ru_maxrss``: the grid, the
leads, the interpreter and the libraries) is reported; the per-row cost is the slope between two
sizes, and the largest sheet Google allows (10 million cells: 500,000 rows x 20) is extrapolated.

    .venv/bin/python -m bench.memory [--rows 20000 60000]
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import csv, resource, sys
from shared.core.analysis import analyse_sheet
from shared.core.identity import assign_keys
from shared.core.rows import not_lead_reason
from shared.sync import set_fingerprint
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    grid = list(csv.reader(f))
a = analyse_sheet(grid)
keyed, _ = assign_keys([l for l in a.leads if not_lead_reason(l) is None])
fp = set_fingerprint(keyed)
print(base, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, len(keyed))
"""

LARGEST_ROWS = 500_000
INSTANCE_MIB = 2048


def measure(rows: int) -> tuple[float, float, int]:
    from bench.synth import big_sheet

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sheet.csv"
        with path.open("w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows(big_sheet(rows))
        out = subprocess.run([sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, check=True).stdout.split()
    return int(out[0]) / 1024, int(out[1]) / 1024, int(out[2])


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, nargs=2, default=[20_000, 60_000])
    args = p.parse_args()
    (b1, m1, n1), (_, m2, n2) = measure(args.rows[0]), measure(args.rows[1])
    per_row_kib = (m2 - m1) * 1024 / (args.rows[1] - args.rows[0])
    largest = m1 + (LARGEST_ROWS - args.rows[0]) * per_row_kib / 1024
    print(f"process after imports: {b1:.0f} MiB")
    print(f"{args.rows[0]:>9,} rows x 20: peak {m1:7.0f} MiB ({n1:,} leads)")
    print(f"{args.rows[1]:>9,} rows x 20: peak {m2:7.0f} MiB ({n2:,} leads)")
    print(f"per row: {per_row_kib:.2f} KiB; 10M cells ({LARGEST_ROWS:,} x 20) extrapolated: {largest:,.0f} MiB")
    print(f"sheets of that size at once on a {INSTANCE_MIB} MiB instance: {int(INSTANCE_MIB // largest)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
