"""
Figures of the performance benches: each is measured in rounds that alternate the baseline and
the subject (so both see the same machine load), and kept as min / median / max over the rounds.
A bench records its figures here; ``python -m bench`` writes them as the performance table
(``docs/performance.md``), and ``--json PATH`` on a bench writes them for ``bench.compare``.
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


@dataclass
class Figure:
    key: str
    """Stable name (``bench.compare`` matches the before and after runs by it)."""
    label: str
    unit: str
    """``x`` (a ratio), ``ms``, ``MiB``, ``GiB``, ``writes``, ``requests``..."""
    values: list[float]
    goal: str = ""
    """The goal as text (``>= 0.95``); empty for a figure given for information."""
    better: str = "lower"
    """``lower`` or ``higher``: which way is better (for the before/after table)."""
    note: str = ""

    @property
    def min(self) -> float:
        return min(self.values)

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def max(self) -> float:
        return max(self.values)

    def met(self) -> bool | None:
        if not self.goal:
            return None
        op, _, target = self.goal.partition(" ")
        value = float(target)
        return self.median >= value if op == ">=" else self.median <= value

    def text(self, value: float | None = None) -> str:
        v = self.median if value is None else value
        if self.unit == "x":
            return f"{v:.2f}x"
        if self.unit in ("ms", "MiB"):
            return f"{v:,.0f} {self.unit}"
        if self.unit == "GiB":
            return f"{v:.2f} GiB"
        return f"{v:,.0f} {self.unit}".strip()

    def spread(self) -> str:
        return f"{self.text(self.min)} / {self.text(self.median)} / {self.text(self.max)}"


RECORDED: list[Figure] = []


def record(figure: Figure) -> Figure:
    RECORDED[:] = [f for f in RECORDED if f.key != figure.key]
    RECORDED.append(figure)
    print(f"    [{figure.key}] {figure.label}: min/median/max {figure.spread()}" + (f"  (goal {figure.goal})" if figure.goal else ""))
    return figure


def alternate(baseline: Callable[[], Any], subject: Callable[[], Any], rounds: int) -> tuple[list[float], list[float]]:
    """Seconds of ``baseline`` and ``subject``, run in turn ``rounds`` times (baseline first)."""
    tb: list[float] = []
    ts: list[float] = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        baseline()
        tb.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        subject()
        ts.append(time.perf_counter() - t0)
    return tb, ts


def dump(path: str | None) -> None:
    if path:
        Path(path).write_text(json.dumps([asdict(f) for f in RECORDED], indent=1), encoding="utf-8")


def load(path: str | Path) -> list[Figure]:
    return [Figure(**d) for d in json.loads(Path(path).read_text(encoding="utf-8"))]


def table(found: list[Figure], title: str = "# Performance", intro: str = "") -> str:
    """The performance table (markdown) of ``found``: median, min / median / max, goal, met."""
    lines = [
        title,
        "",
        "Written by `python -m bench` (`scripts/bench`) from the figures the benches measured, on one machine: do not edit by hand.",
        "Ratios are against a baseline measured in the same run, baseline and subject alternating; min / median / max over the rounds.",
    ]
    if intro:
        lines += ["", intro]
    lines += ["", "| measure | median | min / median / max | goal | met |", "|---|---|---|---|---|"]
    for f in found:
        met = f.met()
        mark = "" if met is None else "yes" if met else "**no**"
        note = f" ({f.note})" if f.note else ""
        lines.append(f"| {f.label}{note} | {f.text()} | {f.spread()} | {f.goal} | {mark} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    """``python -m bench.figures --out docs/performance.md A.json B.json``: the table of figures a bench wrote with ``--json``."""
    import argparse

    p = argparse.ArgumentParser()
    p.add_argument("--out", default="docs/performance.md")
    p.add_argument("--intro", default="")
    p.add_argument("json", nargs="+")
    args = p.parse_args()
    found = [f for path in args.json for f in load(path)]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(table(found, intro=args.intro), encoding="utf-8")
    print(Path(args.out).read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
