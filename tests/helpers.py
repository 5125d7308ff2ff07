"""Helpers shared by test modules (no test module imports another)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from shared.core.state import Approval


def approve_blocked(store, sheet_id: str, *, confirm_empty: bool = False, at: datetime | None = None, change_id: str | None = None) -> str:
    """Approve the sheet's blocked change as a person would (its id from the state); returns the id."""
    state = store.get_state(sheet_id)
    assert state is not None and state.blocked is not None, "nothing is blocked"
    cid = change_id or state.blocked.id
    approval = Approval(cid, at or datetime.now(UTC), "test", "checked", confirm_empty)
    store.save_state(replace(state, approval=approval), fields=("approval",))
    return cid


TWENTY_PEOPLE = [["Name", "Email"]] + [[f"U{i}", f"u{i}@example.com"] for i in range(20)]
"""A small sheet whose emptying to one row is a drop the guard blocks (the approval tests)."""


def write_rows(path, rows: list[list[str]]) -> None:
    """Write ``rows`` as a CSV sheet."""
    import csv

    with path.open("w", newline="") as f:
        csv.writer(f).writerows(rows)


TOKEN_URL = "https://oauth2.googleapis.com/token"
"""Google's OAuth token endpoint, answered by ``responses`` in the Sheets tests."""


def service_account_info() -> dict:
    """A service-account key with a real (test) RSA key, so google-auth signs real JWTs."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return {
        "type": "service_account",
        "project_id": "test",
        "private_key_id": "k1",
        "private_key": pem.decode(),
        "client_email": "leadsync@test.iam.gserviceaccount.com",
        "client_id": "1",
        "token_uri": TOKEN_URL,
    }


def compile_typescript_client(out: Path) -> Path:
    """
    clients/typescript compiled to ES modules in ``out`` (tsc, no bundler), runnable by node
    (``out/node_modules`` links the repository's) and by a browser (import ``openapi-fetch`` via an
    import map). Returns the path of client.js.
    """
    import subprocess

    root = Path(__file__).resolve().parent.parent
    tsc = subprocess.run(
        [str(root / "node_modules/.bin/tsc"), "-p", str(root / "clients/typescript"), "--noEmit", "false", "--outDir", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert tsc.returncode == 0, tsc.stdout[-3000:]
    (out / "package.json").write_text('{"type": "module"}\n')
    if not (out / "node_modules").exists():
        (out / "node_modules").symlink_to(root / "node_modules")
    return out / "client.js"
