"""Start Azurite, sync the samples into it, then serve the HTTP API (``scripts/run-local``)."""

from __future__ import annotations

import argparse
import os
import signal
import sys

from scripts.azurite import Azurite


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--port", type=int, default=int(os.environ.get("PORT", 7071)))
    p.add_argument("--config", default="samples/sheets.json")
    p.add_argument("--no-serve", action="store_true", help="sync and exit")
    args = p.parse_args()
    # Stop Azurite too when the run is terminated, not only on Ctrl-C.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

    with Azurite() as azurite:
        os.environ["LEAD_SYNC_STORAGE"] = azurite.connection_string
        os.environ["LEAD_SYNC_SHEETS_FILE"] = os.path.abspath(args.config)
        os.environ.pop("LEAD_SYNC_SHEETS", None)
        os.environ.setdefault("SYNC_SCHEDULE", "0 */15 * * * *")
        os.environ.setdefault("PURGE_SCHEDULE", "0 30 3 * * *")
        os.environ.setdefault("LEAD_SYNC_CORS_ORIGINS", "http://localhost:3000,http://127.0.0.1:3000")
        print(f"azurite: table service on 127.0.0.1:{azurite.port} (in memory)", flush=True)
        from scripts.devserver import main as serve
        from shared.cli import main as cli

        code = cli(["sync"])
        if args.no_serve:
            return code
        print("", flush=True)
        serve(["--port", str(args.port)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
