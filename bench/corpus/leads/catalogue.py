"""Rewrite README.md's provenance table and STATUS from dev/ and frozen/ (run after adding files).

.venv/bin/python bench/corpus/leads/catalogue.py
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
PARTS = ("dev", "frozen")
BEGIN, END = "<!-- table:begin -->", "<!-- table:end -->"


def load(part: str) -> dict[str, dict[str, object]]:
    path = HERE / part / "labels.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def grid_size(part: str, name: str) -> tuple[int, int]:
    with (HERE / part / "files" / name).open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    return len(rows), max((len(r) for r in rows), default=0)


def main() -> None:
    lines = ["| part | file | rows×cols | lang | kind | layout | source | licence | notes |", "|---|---|---|---|---|---|---|---|---|"]
    status = []
    langs: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    sources: set[str] = set()
    for part in PARTS:
        labels = load(part)
        status.append(f"{part}: {len(labels)} files")
        for name in sorted(labels):
            lab = labels[name]
            rows, cols = grid_size(part, name)
            langs[str(lab["language"])] += 1
            kinds[str(lab["kind"])] += 1
            sources.add(str(lab["source"]).split(":", 1)[0])
            note = str(lab.get("notes", "")).replace("|", "/")
            lines.append(
                f"| {part} | {name} | {rows}×{cols} | {lab['language']} | {lab['kind']} | {lab['layout']} | {lab['source']} | {lab['license']} | {note} |"
            )
    total = sum(len(load(p)) for p in PARTS)
    summary = [
        f"total: {total} files from {len(sources)} repositories",
        *status,
        f"languages ({len(langs)}): {dict(sorted(langs.items(), key=lambda kv: (-kv[1], kv[0])))}",
        f"kinds: {dict(sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])))}",
    ]
    (HERE / "STATUS").write_text("\n".join(summary) + "\n", encoding="utf-8")
    readme = HERE / "README.md"
    text = readme.read_text(encoding="utf-8")
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    block = "\n".join(["", *summary[:1], "", *lines, ""])
    readme.write_text(head + BEGIN + block + END + tail, encoding="utf-8")
    print("\n".join(summary))


if __name__ == "__main__":
    main()
