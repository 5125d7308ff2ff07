"""Fixtures: an Azurite Table service for the session, and a fresh store per test."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scripts.azurite import Azurite  # noqa: E402

# CI explores the same examples every run (a red CI is a regression, never a new random draw);
# local runs keep drawing new ones, and print the blob that reproduces any failure they find.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
hypothesis_settings.register_profile("dev", print_blob=True)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "dev")
from shared.adapters.table_storage import TableLeadStore  # noqa: E402
from shared.config import Settings, SheetConfig, StorageTarget  # noqa: E402
from shared.service import set_runtime  # noqa: E402

SAMPLES = ROOT / "samples"
CORPUS = ROOT.parent / "shared" / "corpora" / "headers"


@pytest.fixture(scope="session")
def azurite() -> Iterator[Azurite]:
    with Azurite() as az:
        yield az


@pytest.fixture
def tables() -> tuple[str, str, str]:
    """Unique table names, so tests never see each other's rows."""
    tag = uuid.uuid4().hex[:10]
    return (f"leads{tag}", f"state{tag}", f"runs{tag}")


@pytest.fixture
def queue_names() -> tuple[str, str]:
    """A unique sync queue name and jobs table per test."""
    tag = uuid.uuid4().hex[:10]
    return (f"sync-{tag}", f"jobs{tag}")


@pytest.fixture
def store(azurite: Azurite, tables: tuple[str, str, str]) -> TableLeadStore:
    s = TableLeadStore(azurite.connection_string, *tables)
    s.ensure_tables()
    return s


@pytest.fixture
def make_settings(azurite: Azurite, tables: tuple[str, str, str], queue_names: tuple[str, str]):
    def make(*sheets: SheetConfig, **kw) -> Settings:
        kw.setdefault("storage_connection", azurite.connection_string)
        kw.setdefault("base_dir", SAMPLES)
        kw.setdefault("queue_target", StorageTarget(connection_string=azurite.connection_string))
        kw.setdefault("queue_name", queue_names[0])
        kw.setdefault("jobs_table", queue_names[1])
        kw.setdefault("webhooks_table", f"hooks{tables[0][5:]}")  # subscriptions are per test too
        return Settings(sheets=tuple(sheets), leads_table=tables[0], state_table=tables[1], runs_table=tables[2], **kw)

    return make


@pytest.fixture(scope="session")
def account() -> dict:
    """A Google service-account key (test RSA key), shared by the Sheets tests."""
    from tests.helpers import service_account_info

    return service_account_info()


@pytest.fixture(autouse=True)
def _reset_runtime() -> Iterator[None]:
    yield
    set_runtime(None)


def csv_sheet(sheet_id: str, path: str | Path, **kw) -> SheetConfig:
    return SheetConfig(id=sheet_id, customer=kw.pop("customer", "Test Customer"), source="csv", path=str(path), **kw)


def self_signed_cert(folder: Path) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1 and localhost, written as PEM files: (cert, key)."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption())
    )
    return str(cert_path), str(key_path)
