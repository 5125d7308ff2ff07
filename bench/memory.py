"""
Peak resident memory of one sheet's sync, on each kind of run, extrapolated to the largest sheet
Google allows (10 million cells: 500,000 rows x 20): what sizes the queue's per-instance
concurrency (host.json ``batchSize`` + ``newBatchThreshold``) on a 2 GB instance (about 1.5 GiB
left for the worker; goal: each kind at most 1.2 GiB).

Each run is ``shared.sync.sync_sheet`` in a fresh process against one Azurite, reading a CSV file
of N rows x 20 columns (streamed, as a source hands the grid over), and reports that process's
peak (``ru_maxrss``: the grid, the leads, the stored index, the interpreter and the libraries):

- first sync: every lead written into empty tables;
- unchanged re-sync: the same sheet again (nothing written, the stored index not read);
- daily full comparison: the same sheet a day later (the whole stored index read and compared).

The per-row cost of each kind is the slope between two sizes; the 500,000-row figure is
extrapolated from it. One process per run and size (a peak is a maximum: it cannot be repeated
within one process); the figures vary by a few MiB between runs.

    .venv/bin/python -m bench.memory [--rows 20000 60000] [--json PATH]
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from bench import figures

CHILD = r"""
import csv, resource, sys
from datetime import UTC, datetime, timedelta
from shared.adapters.table_storage import TableLeadStore
from shared.config import Settings, SheetConfig
from shared.sync import sync_sheet

kind, path, conn, tag = sys.argv[1:5]


class FileSource:
    def fetch(self, sheet):
        with open(path, newline="", encoding="utf-8") as f:
            return list(csv.reader(f))


store = TableLeadStore(conn, f"leads{tag}", f"state{tag}", f"runs{tag}")
store.ensure_tables()
sheet = SheetConfig(id="mem", customer="Bench", source="csv", path="unused.csv")
settings = Settings(sheets=(sheet,))
def hwm():
    # VmHWM belongs to this process's own address space: ru_maxrss survives execve on Linux, so a
    # child of a large parent (python -m bench, after the speed bench) would report the parent's peak.
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


base = hwm()
later = datetime.now(UTC) + timedelta(hours=25)
clock = (lambda: later) if kind == "full" else (lambda: datetime.now(UTC))
report = sync_sheet(sheet, FileSource(), store, settings, clock=clock)
peak = hwm()
print(base, peak, report.leads, report.written, report.unchanged, report.status)
"""

LARGEST_ROWS = 500_000
INSTANCE_MIB = 2048
KINDS = (("first", "first sync"), ("again", "unchanged re-sync"), ("full", "daily full comparison"))


def measure(rows: int, conn: str) -> dict[str, tuple[float, float, str]]:
    """kind -> (MiB after imports, peak MiB, what the run did)."""
    from bench.synth import big_sheet

    out: dict[str, tuple[float, float, str]] = {}
    tag = uuid.uuid4().hex[:8]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sheet.csv"
        with path.open("w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows(big_sheet(rows))
        for kind, _ in KINDS:
            proc = subprocess.run(
                [sys.executable, "-c", CHILD, kind, str(path), conn, tag], capture_output=True, text=True, cwd=os.getcwd(), check=False
            )
            if proc.returncode != 0:
                raise SystemExit(proc.stderr[-3000:])
            base, peak, leads, written, unchanged, status = proc.stdout.split()
            out[kind] = (int(base) / 1024, int(peak) / 1024, f"{leads} leads, {written} written, {unchanged} unchanged, {status}")
    return out


def main() -> int:
    from scripts.azurite import Azurite

    p = argparse.ArgumentParser()
    p.add_argument("--rows", type=int, nargs=2, default=[20_000, 60_000])
    p.add_argument("--json")
    args = p.parse_args()
    n1, n2 = args.rows
    with Azurite(queue=False) as az:
        small, large = measure(n1, az.connection_string), measure(n2, az.connection_string)
    print(f"process after imports: {small['first'][0]:.0f} MiB; sizes {n1:,} and {n2:,} rows x 20, one process per run")
    for kind, label in KINDS:
        m1, m2 = small[kind][1], large[kind][1]
        per_row_kib = (m2 - m1) * 1024 / (n2 - n1)
        largest = m1 + (LARGEST_ROWS - n1) * per_row_kib / 1024
        print(f"  {label:<22} {m1:6.0f} MiB / {m2:6.0f} MiB; {per_row_kib:.2f} KiB per row; {LARGEST_ROWS:,} x 20: {largest:,.0f} MiB")
        print(f"  {'':<22} ({large[kind][2]})")
        figures.record(
            figures.Figure(
                f"memory_{kind}",
                f"peak RSS of a {LARGEST_ROWS:,} x 20 sheet, {label} (extrapolated from {n1:,} and {n2:,} rows)",
                "GiB",
                [largest / 1024],
                "<= 1.2",
                "lower",
                f"{per_row_kib:.2f} KiB per row",
            )
        )
    figures.dump(args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
