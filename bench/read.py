"""
The read path (issue 13): ``GET /api/leads`` pages of 100 and 1,000 leads for a customer with
20,000 leads in two sheets (two partitions), against one Azurite, each as a ratio to a raw
partition query of the same entities measured in the same run:

- unfiltered pages (the partition walk; target within 1.5x of the raw query);
- a server-side filter (``source=``: OData within the partition) against the raw query with the
  same filter;
- a search (``q=``: decided per lead in the process) against a raw search: the same partition
  query in pages of 1,000, each entity's text values folded and matched in the process, until
  the page is full (a search against a search, not against a read of everything);
- sorted and counted pages (``sort=-created_at&count=true``: the customer's partitions read whole)
  against a raw read of all the customer's entities; its cost per 10,000 leads is printed.

Times are the best of several runs, in the handler's process, without HTTP.

    .venv/bin/python -m bench.read [--leads 20000]
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from bench import figures
from bench.synth import big_sheet
from scripts.azurite import Azurite
from shared.adapters.table_codec import lead_entity
from shared.adapters.table_storage import TableLeadStore
from shared.config import Settings, SheetConfig
from shared.core.analysis import analyse_sheet
from shared.core.identity import assign_keys
from shared.core.leadquery import fold
from shared.service import LeadsQuery, Runtime

REPEAT = 5


def pair(api: Callable[[], Any], raw: Callable[[], Any], repeat: int = REPEAT) -> tuple[float, float, Any, Any]:
    """Best times of the two, measured alternately so that neither gains from warming up first."""
    t_api = t_raw = float("inf")
    out_api = out_raw = None
    ROUND_RATIOS.clear()
    for _ in range(repeat):
        t0 = time.perf_counter()
        out_raw = raw()
        r = time.perf_counter() - t0
        t_raw = min(t_raw, r)
        t0 = time.perf_counter()
        out_api = api()
        a = time.perf_counter() - t0
        t_api = min(t_api, a)
        ROUND_RATIOS.append(a / r)
    return t_api, t_raw, out_api, out_raw


ROUND_RATIOS: list[float] = []
"""The subject/baseline ratio of each round of the last ``pair``."""


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--leads", type=int, default=20_000)
    args = p.parse_args()

    grid = big_sheet(args.leads, seed=5)
    keyed, _ = assign_keys(analyse_sheet(grid).leads)
    now = datetime.now(UTC)
    half = len(keyed) // 2
    sheets = (
        SheetConfig(id="bench-a", customer="Bench", source="csv", path="unused.csv"),
        SheetConfig(id="bench-b", customer="Bench", source="csv", path="unused.csv"),
    )
    entities = [lead_entity("bench-a", "Bench", k, now, None) for k in keyed[:half]]
    entities += [lead_entity("bench-b", "Bench", k, now, None) for k in keyed[half:]]
    sources = sorted({str(e.get("source")) for e in entities if e.get("source")})
    source = max(sources, key=lambda s: sum(1 for e in entities if e.get("source") == s))
    name = next(str(e["full_name"]) for e in entities if e.get("full_name"))
    needle = name.split()[0][:4]

    with Azurite() as az:
        tag = uuid.uuid4().hex[:8]
        store = TableLeadStore(az.connection_string, f"leads{tag}", f"state{tag}", f"runs{tag}")
        store.ensure_tables()
        for pk in ("bench-a", "bench-b"):
            part = [e for e in entities if e["PartitionKey"] == pk]
            for i in range(0, len(part), 100):
                store.leads.submit_transaction([("upsert", e) for e in part[i : i + 100]])
        settings = Settings(sheets=sheets, leads_table=f"leads{tag}", state_table=f"state{tag}", runs_table=f"runs{tag}")
        rt = Runtime(settings, environ={}, store=store)

        def raw(n: int, extra: str = "", params: dict[str, Any] | None = None) -> list[Any]:
            query = "PartitionKey eq @pk and deleted eq false" + extra
            pages = store.leads.query_entities(query, parameters={"pk": "bench-a", **(params or {})}, results_per_page=n).by_page()
            return list(next(pages, []))

        def raw_all() -> int:
            return sum(
                1
                for pk in ("bench-a", "bench-b")
                for _ in store.leads.query_entities(
                    "PartitionKey eq @pk and deleted eq false", parameters={"pk": pk}, results_per_page=1000
                )
            )

        def raw_search(n: int) -> list[Any]:
            """A search done by hand on the raw query: fold every text value, keep what holds the needle."""
            want = fold(needle)
            out: list[Any] = []
            for pk in ("bench-a", "bench-b"):
                for e in store.leads.query_entities(
                    "PartitionKey eq @pk and deleted eq false", parameters={"pk": pk}, results_per_page=1000
                ):
                    if any(isinstance(v, str) and want in fold(v) for v in e.values()):
                        out.append(e)
                        if len(out) == n:
                            return out
            return out

        def api(**kw: Any) -> dict[str, Any]:
            return rt.leads.page(LeadsQuery(customer="Bench", **kw)).to_dict()

        ratios: dict[str, list[float]] = {}
        print(f"read path: a customer with {len(entities):,} leads in 2 sheets, one Azurite, best of {REPEAT}, baselines in this run")
        print(f"  {'listing':<44} {'ms':>8} {'raw ms':>8} {'ratio':>6}  items")
        for n in (100, 1000):
            t_api, t_raw, page, got = pair(lambda n=n: api(page_size=n), lambda n=n: raw(n))
            assert page["count"] == n == len(got)
            ratios[f"page{n}"] = list(ROUND_RATIOS)
            print(
                f"  page of {n:<5} unfiltered{'':<24} {t_api * 1000:8.1f} {t_raw * 1000:8.1f} {t_api / t_raw:5.2f}x  {page['count']} (target <= 1.50x)"
            )
            t_api, t_raw, page, got = pair(
                lambda n=n: api(page_size=n, source=source), lambda n=n: raw(n, " and source eq @s", {"s": source})
            )
            print(
                f"  page of {n:<5} source={source[:18]!r:<20}{'':<3} {t_api * 1000:8.1f} {t_raw * 1000:8.1f} {t_api / t_raw:5.2f}x  {page['count']}"
            )
            t_api, t_raw_search, page, found = pair(lambda n=n: api(page_size=n, q=needle), lambda n=n: raw_search(n), repeat=3)
            print(
                f"  page of {n:<5} q={needle!r:<30} {t_api * 1000:8.1f} {t_raw_search * 1000:8.1f} {t_api / t_raw_search:5.2f}x  {page['count']} "
                f"(raw: the same search by hand on the raw query, {len(found)} found)"
            )
            ratios[f"q{n}"] = list(ROUND_RATIOS)
            t_api, t_raw_all, page, total = pair(lambda n=n: api(page_size=n, sort="-created_at", count=True), raw_all, repeat=2)
            print(
                f"  page of {n:<5} sort=-created_at&count=true{'':<7} {t_api * 1000:8.1f} {t_raw_all * 1000:8.1f} {t_api / t_raw_all:5.2f}x  "
                f"{page['count']} of {page['total']:,} (raw: all entities)"
            )
        per_10k = t_raw_all / total * 10_000
        print(f"  reading every lead of the customer: {t_raw_all * 1000:.0f} ms raw = {per_10k * 1000:.0f} ms per 10,000 leads")
    for n in (100, 1000):
        figures.record(
            figures.Figure(f"read_page{n}", f"page of {n} leads vs the raw partition query (in process)", "x", ratios[f"page{n}"], "<= 1.5")
        )
        figures.record(
            figures.Figure(f"read_q{n}", f"search page of {n} (q=) vs the same search on the raw query (in process)", "x", ratios[f"q{n}"])
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
