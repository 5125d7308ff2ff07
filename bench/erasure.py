"""
What an erasure and the suppression check cost, against one Azurite (issue 14):

- finding a person in every sheet: ``TableLeadStore.find_contacts`` (one query filtered by
  storage) against reading every lead's contact columns, and a whole ``Runtime.erase``;
- what the suppression check adds to each sync: reading the list and hashing every row's
  contacts (``core.privacy.split_suppressed``), with a list of ``--entries`` erased identifiers.

    .venv/bin/python -m bench.erasure [--leads 20000] [--sheets 4] [--entries 1000]

No targets are asserted here; the numbers go in the README ("Personal data").
"""

from __future__ import annotations

import argparse
import time
import uuid
from datetime import UTC, datetime

from bench.synth import big_sheet
from scripts.azurite import Azurite
from shared.adapters.table_storage import TableLeadStore, lead_entity
from shared.config import Settings, SheetConfig
from shared.core.analysis import analyse_sheet
from shared.core.identity import assign_keys
from shared.core.privacy import identifier_hash, key_bytes, key_id, split_suppressed
from shared.service import ErasureRequest, Runtime

KEY = "bench-erasure-key-0123456789abcdef"


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--leads", type=int, default=20_000, help="stored leads in all, spread over --sheets sheets")
    p.add_argument("--sheets", type=int, default=4)
    p.add_argument("--entries", type=int, default=1_000, help="suppression list size for the sync check")
    args = p.parse_args()

    per_sheet = args.leads // args.sheets
    grid = big_sheet(per_sheet, seed=5)
    leads = analyse_sheet(grid).leads
    keyed, _ = assign_keys(leads)
    target = next(k.lead.fields for k in keyed if k.lead.fields.get("email") and k.lead.fields.get("phone"))
    now = datetime.now(UTC)
    sheets = [SheetConfig(id=f"s{i}", customer="Bench", source="csv", path="x.csv") for i in range(args.sheets)]
    key = key_bytes(KEY)

    with Azurite() as az:
        tag = uuid.uuid4().hex[:8]
        store = TableLeadStore(az.connection_string, f"leads{tag}", f"state{tag}", f"runs{tag}")
        store.ensure_tables()
        for sheet in sheets:
            entities = [lead_entity(sheet.id, sheet.customer, k, now, None) for k in keyed]
            for i in range(0, len(entities), 100):
                store.leads.submit_transaction([("upsert", e) for e in entities[i : i + 100]])
        stored = per_sheet * args.sheets

        t0 = time.perf_counter()
        seen = sum(1 for _ in store.find_contacts())
        t_scan = time.perf_counter() - t0
        t0 = time.perf_counter()
        found = sum(1 for _ in store.find_contacts(target["email"], target["phone"]))
        t_find = time.perf_counter() - t0

        settings = Settings(sheets=tuple(sheets), erasure_key=KEY)
        rt = Runtime(settings, environ={}, store=store)
        t0 = time.perf_counter()
        doc = rt.privacy.erase(ErasureRequest(target["email"], target["phone"], "bench")).to_dict()
        t_erase = time.perf_counter() - t0

        hashes = [identifier_hash("email", f"erased{i}@example.com", key) for i in range(args.entries)]
        store.add_suppressions(hashes, key_id(key), now)
        t0 = time.perf_counter()
        entries = store.load_suppressions()
        t_load = time.perf_counter() - t0
        t0 = time.perf_counter()
        kept, withheld = split_suppressed(leads, frozenset(entries), key)
        t_split = time.perf_counter() - t0

    print(f"stored leads: {stored} in {args.sheets} sheets ({per_sheet} each)")
    print(
        f"every lead's contacts read (client-side scan, the baseline): {seen} in {t_scan:.2f} s ({t_scan / max(seen, 1) * 1e6:.0f} us per lead)"
    )
    print(f"find_contacts (filtered by storage): {found} candidates in {t_find * 1000:.0f} ms")
    print(f"erase one person (suppress, scan, delete {doc['erased']} leads in {len(doc['sheets'])} sheets, audit): {t_erase:.2f} s")
    print(f"suppression check per sync: load {len(entries)} entries {t_load * 1000:.0f} ms;")
    print(
        f"  hash and match {len(leads)} rows {t_split * 1000:.0f} ms ({t_split / max(len(leads), 1) * 1e6:.1f} us per row); withheld {len(withheld)}"
    )
    del kept
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
