"""What a newcomer and an operator meet first: a busy port, a sheet list checked before any storage
exists, and a Key Vault reference the platform could not resolve, each said in one actionable line."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scripts.run_local import port_problem
from shared.config import load_settings, unresolved_reference

ROOT = Path(__file__).resolve().parent.parent
STORAGE = {"AzureWebJobsStorage": "UseDevelopmentStorage=true", "LEAD_SYNC_SHEETS": "[]"}


def test_busy_port_is_one_line_naming_it_and_the_way_out() -> None:
    """A port another program holds is named, with --port as the way out; a free port is no problem."""
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        port = held.getsockname()[1]
        message = port_problem(port)
    assert message is not None and f"port {port}" in message and "--port" in message and "\n" not in message
    assert port_problem(port) is None  # released


def test_check_config_checks_a_sheet_list_without_storage(tmp_path: Path) -> None:
    """`check-config FILE` with no storage set: a note, exit 0 for a good list, exit 1 naming a bad entry."""
    good = tmp_path / "good.json"
    good.write_text(json.dumps([{"id": "acme", "customer": "Acme", "spreadsheet_id": "1AbCdEfGhIjKlMnOp"}]))
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"id": "acme", "customer": "Acme"}]))
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}

    def run(path: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "shared", "check-config", str(path)], capture_output=True, text=True, env=env, cwd=tmp_path
        )

    ok = run(good)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert (
        "note: no storage configured" in ok.stdout
        and "note: GOOGLE_SERVICE_ACCOUNT_JSON is not set" in ok.stdout
        and "config: OK (1 sheets)" in ok.stdout
    )
    broken = run(bad)
    assert broken.returncode == 1 and "sheet acme: " in broken.stdout and "spreadsheet_id" in broken.stdout


@pytest.mark.parametrize(
    "reference",
    [
        "@Microsoft.KeyVault(SecretUri=https://kv-leadsync.vault.azure.net/secrets/google-key/)",
        "@Microsoft.KeyVault(SecretUri=https://kv-leadsync.vault.azure.net/secrets/google-key/0123456789abcdef)",
        "@Microsoft.KeyVault(VaultName=kv-leadsync;SecretName=google-key)",
        "@microsoft.keyvault(VaultName=kv-leadsync; SecretName=google-key; SecretVersion=abc)",
    ],
)
def test_unresolved_key_vault_reference_names_vault_and_secret(reference: str) -> None:
    """Every form of reference the platform passes through unresolved is named by setting, vault and
    secret with the fix; that setting is treated as unset and the rest of the settings still load."""
    s = load_settings({**STORAGE, "GOOGLE_SERVICE_ACCOUNT_JSON": reference})
    [problem] = [p for p in s.problems if "Key Vault" in p]
    assert "GOOGLE_SERVICE_ACCOUNT_JSON" in problem and "'google-key'" in problem and "'kv-leadsync'" in problem
    assert "Key Vault Secrets User" in problem
    assert not any("malformed" in p for p in s.problems)  # not mistaken for a bad key
    assert s.storage_connection is not None


def test_a_resolved_value_is_not_a_reference() -> None:
    """Ordinary values, including ones that mention Key Vault, are not references."""
    assert unresolved_reference("X", '{"type": "service_account", "note": "@Microsoft.KeyVault(" }') is None
    assert unresolved_reference("X", "secret-from-KeyVault") is None


@given(st.text(max_size=300))
def test_reference_parsing_never_raises(body: str) -> None:
    """Whatever the reference holds, parsing it answers a message (or None), never an exception."""
    message = unresolved_reference("GOOGLE_SERVICE_ACCOUNT_JSON", f"@Microsoft.KeyVault({body})")
    assert message is None or message.startswith("GOOGLE_SERVICE_ACCOUNT_JSON is an unresolved Key Vault reference")
