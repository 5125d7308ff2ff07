"""Health says which build is running and since when (``shared.buildinfo``)."""

from __future__ import annotations

from datetime import datetime

from shared import buildinfo
from shared.config import load_settings
from shared.service import Runtime


def test_version_reads_the_baked_file(tmp_path) -> None:
    assert buildinfo.version.__wrapped__(tmp_path) == "dev"
    (tmp_path / buildinfo.BUILD_FILE).write_text("")
    assert buildinfo.version.__wrapped__(tmp_path) == "dev"
    (tmp_path / buildinfo.BUILD_FILE).write_text("3f2a9c1b7e0d\n")
    assert buildinfo.version.__wrapped__(tmp_path) == "3f2a9c1b7e0d"


def test_health_carries_version_and_start_time() -> None:
    """Even with no settings at all (503), health names the build and the process start."""
    rt = Runtime(load_settings({}), environ={})
    for view in (rt.health.summary(), rt.health.detail()):
        assert not view.storage_ok
        doc = view.doc
        assert doc["version"] == buildinfo.version() and doc["version"]
    assert doc["version"] == buildinfo.version() and doc["version"]
    started = datetime.fromisoformat(doc["started_at"])
    assert started.tzinfo is not None and started <= datetime.fromisoformat(doc["checked_at"])
