"""Add labelled files to the corpus from a text spec on stdin (used while collecting; kept for provenance).

Spec blocks::

    === file_name.csv
    src: owner/repo:path
    lic: MIT
    lang: es
    kind: crm_export
    layout: clean
    hdr: 0            (0-based first header row; "none" for no header; "2,3" for a two-row header)
    sep: ;            (optional: the source separator, converted to comma; default ",")
    note: free text   (optional)
    fields: fn em ph co x*3
    ---
    <grid text as found>

Field codes: fn full_name, gn first_name, sn last_name, em email, ph phone, co company, jt job_title,
src source, cmp campaign, st status, dt created_at, no notes, ad address, ci city, pc postcode,
cn country, web website, x other.  The split is decided by the source: frozen when
int(sha256(source)[:8], 16) % 3 == 0, else dev.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CODES = {
    "fn": "full_name",
    "gn": "first_name",
    "sn": "last_name",
    "em": "email",
    "ph": "phone",
    "co": "company",
    "jt": "job_title",
    "src": "source",
    "cmp": "campaign",
    "st": "status",
    "dt": "created_at",
    "no": "notes",
    "ad": "address",
    "ci": "city",
    "pc": "postcode",
    "cn": "country",
    "web": "website",
    "x": "other",
}
KINDS = {"ad_export", "crm_export", "directory", "attendees", "messaging", "prospects", "property", "import_template", "other"}
MAX_ROWS = 200


def part_of(source: str) -> str:
    return "frozen" if int(hashlib.sha256(source.encode("utf-8")).hexdigest()[:8], 16) % 3 == 0 else "dev"


def expand(codes: str) -> list[str]:
    out: list[str] = []
    for tok in codes.split():
        code, _, times = tok.partition("*")
        out += [CODES[code]] * (int(times) if times else 1)
    return out


def add(meta: dict[str, str], text: str) -> None:
    name = meta["name"]
    sep = meta.get("sep", ",")
    sep = "\t" if sep in ("tab", "\\t") else sep
    rows = [list(r) for r in csv.reader(io.StringIO(text.strip("\n") + "\n"), delimiter=sep)]
    hdr = meta.get("hdr", "0")
    header_rows = [] if hdr == "none" else [int(h) for h in hdr.split(",")]
    first_data = (header_rows[-1] + 1) if header_rows else 0
    # keep at most MAX_ROWS rows below the header block
    rows = rows[: first_data + MAX_ROWS]
    width = max(len(r) for r in rows)
    fields = expand(meta["fields"])
    if len(fields) != width:
        raise SystemExit(f"{name}: {len(fields)} fields for {width} columns; header={rows[header_rows[0]] if header_rows else rows[0]}")
    assert meta["kind"] in KINDS, meta["kind"]
    part = part_of(meta["src"])
    d = HERE / part
    labels_path = d / "labels.json"
    labels = json.loads(labels_path.read_text(encoding="utf-8")) if labels_path.exists() else {}
    for other in ("dev", "frozen"):
        p = HERE / other / "labels.json"
        if p.exists() and other != part and name in json.loads(p.read_text(encoding="utf-8")):
            raise SystemExit(f"{name} already in {other}")
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    (d / "files" / name).write_text(buf.getvalue(), encoding="utf-8")

    def head(i: int) -> str:
        cells = [rows[h][i].strip() if i < len(rows[h]) else "" for h in header_rows]
        cells = [c for c in cells if c]
        return " / ".join(cells)

    label = {
        "header_row": header_rows[0] if header_rows else None,
        "header_rows": header_rows,
        "source": meta["src"],
        "license": meta["lic"],
        "language": meta["lang"],
        "layout": meta["layout"],
        "kind": meta["kind"],
        "columns": [{"index": i, "header": head(i), "field": f} for i, f in enumerate(fields)],
    }
    if meta.get("note"):
        label["notes"] = meta["note"]
    labels[name] = label
    labels_path.write_text(json.dumps(labels, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{part:6} {name}: {len(rows) - first_data} rows x {width} cols")


def main() -> None:
    blocks = sys.stdin.read().split("\n=== ")
    for block in blocks:
        block = block.removeprefix("=== ").strip("\n")
        if not block:
            continue
        head, _, text = block.partition("\n---\n")
        lines = head.splitlines()
        meta = {"name": lines[0].strip()}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            meta[k.strip()] = v.strip()
        spool = Path("/tmp/corpus_specs")
        spool.mkdir(exist_ok=True)
        (spool / meta["name"]).write_text("=== " + block + "\n", encoding="utf-8")
        try:
            add(meta, text)
        except SystemExit as e:
            print("FAILED", e)


if __name__ == "__main__":
    main()
