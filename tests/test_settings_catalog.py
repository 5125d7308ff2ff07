"""The settings catalogue (which the documentation's configuration reference is generated from)
names exactly the settings the code reads."""

from __future__ import annotations

import re
from pathlib import Path

from shared.settings_catalog import BY_NAME, SETTINGS

ROOT = Path(__file__).resolve().parent.parent
# A setting name as the code reads it: a quoted LEAD_SYNC_*, GOOGLE_*, *_SCHEDULE, Functions or
# Application Insights name. Identity sub-settings (NAME__accountName) are documented under NAME.
NAME = re.compile(
    r"[\"'%](LEAD_SYNC_[A-Z_]*[A-Z]|GOOGLE_SERVICE_ACCOUNTS?(?:_JSON)?|[A-Z]+_SCHEDULE|AzureWebJobsStorage|APPLICATIONINSIGHTS_CONNECTION_STRING)[\"'%]"
)
READERS = ["shared/config.py", "sync_timer", "purge_timer", "sync_queue", "scripts/dev_principal.py"]


def _names_read() -> set[str]:
    names: set[str] = set()
    for entry in READERS:
        path = ROOT / entry
        for file in [path] if path.is_file() else sorted(path.rglob("*.py")):
            names.update(NAME.findall(file.read_text(encoding="utf-8")))
    return names


def test_every_setting_read_is_catalogued() -> None:
    """A setting the code reads but the catalogue (and so the documentation) does not name fails here."""
    missing = _names_read() - set(BY_NAME)
    assert not missing, f"add these to shared/settings_catalog.py: {sorted(missing)}"


def test_every_catalogued_setting_is_read() -> None:
    """A catalogued setting that nothing reads any more is documentation of a setting that does nothing."""
    stale = set(BY_NAME) - _names_read()
    assert not stale, f"nothing reads these any more: {sorted(stale)}"


def test_the_check_itself_sees_settings() -> None:
    """The scan finds the settings config.py reads (a broken pattern would pass both tests above vacuously)."""
    assert {"LEAD_SYNC_SHEETS", "LEAD_SYNC_MAX_DROP", "GOOGLE_SERVICE_ACCOUNT_JSON", "AzureWebJobsStorage"} <= _names_read()


def test_entries_are_complete() -> None:
    """Each entry has a default and a meaning, and names are unique."""
    assert len(BY_NAME) == len(SETTINGS)
    for s in SETTINGS:
        assert s.default and s.meaning.endswith(".") and s.group, s.name
