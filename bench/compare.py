"""
Before and after: the performance benches of this tree run against the code of another commit
(``--base``, default ``8d5bad0``: the code before issue 20) and against this tree, alternating
the two trees bench by bench in the same session, and one table of both.

The older code is checked out with ``git worktree`` into a temporary directory and overlaid so
that ``shared``, the trigger packages and ``function_app`` come from it while ``bench`` and
``scripts`` (Azurite) come from this tree: the same benches measure both.

    .venv/bin/python -m bench.compare [--base 8d5bad0] [--only speed,store,memory,coldstart] [--out docs/performance-before-after.md]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import figures

ROOT = Path(__file__).resolve().parent.parent
OWN = {"bench", "scripts", "node_modules", ".venv", ".venv-tools", ".git", "docs"}


def overlay(base: Path, into: Path) -> Path:
    into.mkdir(parents=True, exist_ok=True)
    for entry in base.iterdir():
        if entry.name not in OWN:
            (into / entry.name).symlink_to(entry)
    for name in ("bench", "scripts", "node_modules"):
        (into / name).symlink_to(ROOT / name)
    return into


def run(tree: Path, bench: str, out: Path) -> list[figures.Figure]:
    env = dict(os.environ, PYTHONPATH=str(tree))
    proc = subprocess.run([sys.executable, "-m", f"bench.{bench}", "--json", str(out)], cwd=tree, env=env, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"bench.{bench} failed in {tree}")
    return figures.load(out)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--base", default="8d5bad0")
    p.add_argument("--only", default="speed,store,memory,coldstart")
    p.add_argument("--out", default="docs/performance-before-after.md")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        checkout = Path(tmp) / "base"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(checkout), args.base], check=True, capture_output=True)
        try:
            before_tree = overlay(checkout, Path(tmp) / "before")
            rows: list[tuple[figures.Figure | None, figures.Figure]] = []
            for bench in args.only.split(","):
                print(f"\n### {bench}: before ({args.base})", flush=True)
                before = {f.key: f for f in run(before_tree, bench, Path(tmp) / f"{bench}-before.json")}
                print(f"\n### {bench}: after (this tree)", flush=True)
                after = run(ROOT, bench, Path(tmp) / f"{bench}-after.json")
                rows += [(before.get(f.key), f) for f in after]
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(checkout)], check=False, capture_output=True)
    lines = [
        f"# Before ({args.base}) and after, measured in one session on one machine",
        "",
        "Written by `python -m bench.compare`: each bench ran against the older code, then this tree; median (min / max).",
        "",
        "| measure | before | after | goal | met |",
        "|---|---|---|---|---|",
    ]
    for b, a in rows:
        met = a.met()
        before_text = f"{b.text()} ({b.text(b.min)} / {b.text(b.max)})" if b else "-"
        lines.append(
            f"| {a.label} | {before_text} | {a.text()} ({a.text(a.min)} / {a.text(a.max)}) | {a.goal} | "
            f"{'' if met is None else 'yes' if met else '**no**'} |"
        )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
