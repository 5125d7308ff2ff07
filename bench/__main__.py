"""
Run every benchmark: ``.venv/bin/python -m bench`` (or ``scripts/bench``).

Each prints its results as ratios against a baseline measured in the same run.
"""

import sys

from bench import console, corpus, leadsheets, memory, pacing, read, speed, store

for name, module, argv in (
    ("header corpus", corpus, []),
    ("synthetic lead sheets", leadsheets, []),
    ("pipeline speed", speed, []),
    ("storage (Azurite)", store, []),
    ("read path (Azurite)", read, []),
    ("pacing simulation (5,000 sheets, 10 keys, 24 h)", pacing, []),
    ("memory per row", memory, []),
    ("operator console (1,000 sheets, Azurite)", console, []),
):
    print(f"\n### {name}", flush=True)
    sys.argv = [f"bench.{module.__name__}"] + argv
    module.main()
