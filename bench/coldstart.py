"""
Cold start, each in a fresh process, in rounds alternating baseline and subject:

- the cold import of ``function_app`` (what the Functions host does before anything answers)
  less the cold import of ``azure.functions`` alone (the floor: every Python function app pays
  it); goal at most +100 ms;
- the first answer of ``GET /api/leads/health`` (import, the first settings read with three
  sheets configured, the storage client and its first query against Azurite, the answer) less
  the same floor; goal at most +150 ms.

Each child times itself from just before its first import to the end, so interpreter start-up,
the same for all, is left out.

    .venv/bin/python -m bench.coldstart [--rounds 7] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

from bench import figures

FLOOR = "import time; t = time.perf_counter(); import azure.functions; print(time.perf_counter() - t)"
IMPORT = "import time; t = time.perf_counter(); import function_app; print(time.perf_counter() - t)"
HEALTH = r"""
import time
t = time.perf_counter()
import azure.functions as func
import function_app
handler = next(f for f in function_app.app.get_functions() if f.get_function_name() == "health").get_user_function()
resp = handler(func.HttpRequest(method="GET", url="http://localhost/api/leads/health", params={}, body=b"", route_params={}))
print(time.perf_counter() - t, resp.status_code)
"""


def child(code: str, env: dict[str, str]) -> float:
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=os.getcwd(), env=env, check=False)
    if proc.returncode != 0:
        raise SystemExit(proc.stderr[-3000:])
    return float(proc.stdout.split()[0])


def main() -> int:
    from scripts.azurite import Azurite

    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--json")
    args = p.parse_args()
    sheets = [{"id": f"s{i}", "customer": f"Customer {i}", "source": "csv", "path": f"samples/s{i}.csv"} for i in range(3)]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEAD_SYNC_", "GOOGLE_", "AzureWebJobs"))}
    imports: list[float] = []
    healths: list[float] = []
    with Azurite(queue=False) as az:
        env_health = env | {"LEAD_SYNC_SHEETS": json.dumps(sheets), "LEAD_SYNC_STORAGE": az.connection_string}
        child(IMPORT, env)  # warm the file cache: every round then reads the same files from memory
        for _ in range(max(3, args.rounds)):
            floor = child(FLOOR, env)
            imports.append((child(IMPORT, env) - floor) * 1000)
            floor = child(FLOOR, env)
            healths.append((child(HEALTH, env_health) - floor) * 1000)
    print(f"cold start: {len(imports)} rounds, each child a fresh process, floor = import azure.functions in the same round")
    figures.record(figures.Figure("import_ms", "cold import of function_app minus azure.functions", "ms", imports, "<= 100"))
    figures.record(figures.Figure("first_health_ms", "first health answer minus the import of azure.functions", "ms", healths, "<= 150"))
    figures.dump(args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
