"""The benchmarks still run against today's code (tiny sizes; their numbers are not checked here)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT

SMALL = [
    ["bench.store", "--leads", "300", "--sample", "50"],
    ["bench.speed", "--rows", "2000", "--repeat", "1"],
    ["bench.leadsheets", "--n", "20"],
]


@pytest.mark.parametrize("argv", SMALL, ids=[a[0] for a in SMALL])
def test_benchmark_runs(argv: list[str]) -> None:
    proc = subprocess.run([sys.executable, "-m", *argv], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip(), "a benchmark prints its results"
