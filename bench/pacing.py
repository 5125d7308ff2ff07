"""
The pacing scheduler in simulation: pure code, a simulated clock, deterministic.

``python -m bench.pacing`` plans 24 hours of timer intervals for 5,000 sheets spread unevenly over
10 service accounts and checks, over the whole day (windows that cross interval boundaries
included):

- no 60 s window holds more reads of one credential than its budget (60), nor more reads of one
  Google Cloud project than 300;
- every sheet is read exactly once in every interval;
- the largest delay from an interval's start to a sheet's read stays inside the interval.

Sheets come and go during the day (a few per interval) so that the plan is recomputed on a
changing list, as the timer does. Two layouts: the 10 keys in two projects with a 15-minute
interval, and all 10 in one project (project budget 300/min binds) with a 20-minute interval;
plus 10 keys in one project with a 15-minute interval, which cannot fit (5,000 reads at 270 a
minute take 18.5 minutes): the plan says so (``fits`` false; health reports it) and the reads
that spill into the next interval break the budget, as they must.
"""

from __future__ import annotations

import random
import sys
import time
from collections import defaultdict

from shared.core.pacing import Read, capacity, max_in_window, plan_reads

DAY = 24 * 3600


def layout(sheets: int, creds: int, projects: int, seed: int = 7) -> list[Read]:
    rng = random.Random(seed)
    weights = [1 + i % 4 for i in range(creds)]  # uneven: some keys carry 4x the sheets of others
    out = []
    for n in range(sheets):
        c = rng.choices(range(creds), weights)[0]
        out.append(Read(f"s{n:05d}", f"sa{c}", f"p{c % projects}"))
    return out


def simulate(sheets: int, creds: int, projects: int, interval: int, churn: int = 5) -> dict[str, object]:
    rng = random.Random(11)
    reads = layout(sheets, creds, projects)
    # keep within each credential's capacity: move overflow to the least loaded key of its project
    cap = capacity(interval, 60)
    counts: dict[str, int] = defaultdict(int)
    fixed = []
    for r in reads:
        cred = r.credential
        if counts[cred] >= cap:
            cred = min((c for c in {f"sa{i}" for i in range(creds)} if f"p{int(c[2:]) % projects}" == r.project), key=lambda c: counts[c])
        counts[cred] += 1
        fixed.append(Read(r.sheet_id, cred, r.project))
    reads = fixed
    next_id = sheets
    by_cred: dict[str, list[float]] = defaultdict(list)
    by_project: dict[str, list[float]] = defaultdict(list)
    missed = 0
    largest = 0.0
    not_fit = 0
    t0 = time.perf_counter()
    intervals = DAY // interval
    for k in range(intervals):
        start = k * interval
        plan = plan_reads(reads, interval)
        not_fit += not plan.fits
        missed += sum(1 for r in reads if r.sheet_id not in plan.delays) + (len(plan.delays) != len(reads))
        for r in reads:
            d = plan.delays[r.sheet_id]
            largest = max(largest, d)
            by_cred[r.credential].append(start + d)
            by_project[r.project].append(start + d)
        # churn: a few sheets leave, a few arrive on the least loaded key
        for _ in range(churn):
            reads.pop(rng.randrange(len(reads)))
        for _ in range(churn):
            load: dict[str, int] = defaultdict(int)
            for r in reads:
                load[r.credential] += 1
            cred = min((f"sa{i}" for i in range(creds)), key=lambda c: load[c])
            reads.append(Read(f"s{next_id:05d}", cred, f"p{int(cred[2:]) % projects}"))
            next_id += 1
    worst_cred = max(max_in_window(v) for v in by_cred.values())
    worst_project = max(max_in_window(v) for v in by_project.values())
    return {
        "sheets": sheets,
        "credentials": creds,
        "projects": projects,
        "interval_s": interval,
        "intervals": intervals,
        "reads": sum(len(v) for v in by_cred.values()),
        "max_reads_any_minute_per_credential": worst_cred,
        "max_reads_any_minute_per_project": worst_project,
        "credential_minutes_over_60": sum(1 for v in by_cred.values() if max_in_window(v) > 60),
        "sheets_missed": missed,
        "intervals_not_fitting": not_fit,
        "largest_delay_s": round(largest, 1),
        "plan_ms_per_interval": round((time.perf_counter() - t0) * 1000 / intervals, 1),
    }


def main() -> None:
    quick = "--quick" in sys.argv
    sheets = 500 if quick else 5000
    for projects, interval in ((2, 900), (1, 1200), (1, 900)):
        r = simulate(sheets, 10, projects, interval)
        ok = (
            r["max_reads_any_minute_per_credential"] <= 60  # type: ignore[operator]
            and r["max_reads_any_minute_per_project"] <= 300  # type: ignore[operator]
            and r["sheets_missed"] == 0
            and r["largest_delay_s"] < interval  # type: ignore[operator]
        )
        print(f"{'OK ' if ok else 'NO '} {r}", flush=True)


if __name__ == "__main__":
    main()
