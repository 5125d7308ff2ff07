"""
What is running: the build version baked into the package, and when this process started.

``scripts/package`` writes ``BUILD_VERSION`` (one line: the commit id it built) at the app root.
This module only reads that file; in a checkout without it the version is ``"dev"``. Nothing
here reads the environment (``shared.config`` alone does) or touches the network.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

BUILD_FILE = "BUILD_VERSION"
APP_ROOT = Path(__file__).resolve().parent.parent
STARTED_AT = datetime.now(UTC)
"""Process start, as near as the app can see it: the first import of this module (health imports it)."""


@lru_cache(maxsize=1)
def version(root: Path = APP_ROOT) -> str:
    """The baked build version, or ``"dev"`` when the file is missing or empty."""
    try:
        text = (root / BUILD_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return "dev"
    return text.splitlines()[0].strip() if text else "dev"


def started_at() -> str:
    return STARTED_AT.isoformat()
