"""
Text a sheet sends that cannot be stored: lone UTF-16 surrogates.

JSON may carry ``"\\ud800"`` and a CSV read with ``surrogateescape`` carries ``\\udc80``...; such
a string cannot be encoded as UTF-8, so it could be neither hashed into a lead's id nor written.
``scrub_grid`` replaces every surrogate with U+FFFD (the replacement character) and names the
rows it changed, so the analysis reports them as row issues instead of the sync failing.
"""

from __future__ import annotations

import re

from .models import Grid

REPLACEMENT = "\ufffd"
_SURROGATE = re.compile("[\ud800-\udfff]")
_CHUNK = 512


def scrub_grid(grid: Grid) -> tuple[Grid, list[int]]:
    """The grid with surrogates replaced (rows copied only where needed) and the 0-based rows changed."""
    rows: list[int] = []
    out: Grid | None = None
    for start in range(0, len(grid), _CHUNK):
        chunk = grid[start : start + _CHUNK]
        try:
            "\x1f".join(map("\x1f".join, chunk)).encode("utf-8")  # one C-speed check per chunk
            continue
        except UnicodeEncodeError:
            pass
        for i, row in enumerate(chunk, start):
            if any(_SURROGATE.search(c) for c in row):
                if out is None:
                    out = list(grid)
                out[i] = [_SURROGATE.sub(REPLACEMENT, c) for c in row]
                rows.append(i)
    return (out if out is not None else grid), rows
