"""
Identity-based storage (``LEAD_SYNC_STORAGE__tableServiceUri`` + ``__credential=managedidentity``)
against Azurite with OAuth on: HTTPS with a self-signed certificate made here, ``--oauth basic``
(Azurite checks the bearer token's lifetime, issuer and audience, not its signature).

The token comes from azure-identity's real ``ManagedIdentityCredential`` through the App Service
managed-identity protocol that Flex Consumption uses (``IDENTITY_ENDPOINT`` / ``IDENTITY_HEADER``),
answered by a small local endpoint that issues JWTs for the resource asked for.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from scripts.azurite import Azurite
from shared.config import StorageTarget, load_settings
from shared.service import LeadsQuery, Runtime
from tests.conftest import SAMPLES, self_signed_cert

IDENTITY_HEADER = "local-test-identity-header"


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _jwt(audience: str) -> str:
    now = int(time.time())
    claims = {
        "aud": audience,
        "iss": "https://sts.windows.net/00000000-0000-0000-0000-000000000000/",
        "iat": now - 10,
        "nbf": now - 10,
        "exp": now + 3600,
        "oid": "app-identity",
    }
    return f"{_b64({'alg': 'RS256', 'typ': 'JWT'})}.{_b64(claims)}.c2ln"


class IdentityEndpoint:
    """The App Service managed-identity endpoint: GET ?resource=...&api-version=2019-08-01[&client_id=...]."""

    def __init__(self, audience: str | None = None) -> None:
        self.audience = audience
        self.requests: list[dict[str, list[str]]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                query = parse_qs(urlsplit(self.path).query)
                if self.headers.get("X-IDENTITY-HEADER") != IDENTITY_HEADER:
                    self.send_response(401)
                    self.end_headers()
                    return
                outer.requests.append(query)
                resource = query["resource"][0]
                body = json.dumps(
                    {
                        "access_token": _jwt(outer.audience or resource),
                        "expires_on": str(int(time.time()) + 3600),
                        "resource": resource,
                        "token_type": "Bearer",
                    }
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/msi/token"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def tls(tmp_path_factory) -> tuple[str, str]:
    return self_signed_cert(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def oauth_azurite(tls) -> Iterator[Azurite]:
    with Azurite(cert=tls[0], key=tls[1], oauth="basic", queue=False) as az:
        yield az


@pytest.fixture
def identity(monkeypatch, tls) -> Iterator[IdentityEndpoint]:
    endpoint = IdentityEndpoint()
    monkeypatch.setenv("IDENTITY_ENDPOINT", endpoint.url)
    monkeypatch.setenv("IDENTITY_HEADER", IDENTITY_HEADER)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", tls[0])  # requests (azure-core's transport) trusts the local CA
    yield endpoint
    endpoint.close()


def _settings(endpoint: str, **extra: str):
    env = {
        "LEAD_SYNC_SHEETS_FILE": str(SAMPLES / "sheets.json"),
        "LEAD_SYNC_STORAGE__tableServiceUri": endpoint,
        "LEAD_SYNC_STORAGE__credential": "managedidentity",
        "LEAD_SYNC_LEADS_TABLE": f"idleads{time.time_ns()}",
        **extra,
    }
    return load_settings(env)


def test_identity_settings_follow_the_functions_convention() -> None:
    s = load_settings(
        {
            "LEAD_SYNC_STORAGE__accountName": "stprdabc",
            "LEAD_SYNC_STORAGE__credential": "ManagedIdentity",
            "LEAD_SYNC_STORAGE__clientId": "11111111-2222-3333-4444-555555555555",
        }
    )
    assert s.storage_target == StorageTarget(
        table_endpoint="https://stprdabc.table.core.windows.net",
        credential="managedidentity",
        client_id="11111111-2222-3333-4444-555555555555",
    )
    assert s.storage_connection is None and not any("storage" in p for p in s.problems)
    # a connection string wins over identity settings of the same name; LEAD_SYNC_STORAGE over AzureWebJobsStorage
    both = load_settings(
        {"LEAD_SYNC_STORAGE": "UseDevelopmentStorage=true", "LEAD_SYNC_STORAGE__accountName": "x", "AzureWebJobsStorage__accountName": "y"}
    )
    assert both.storage_target is not None and both.storage_target.connection_string and both.storage_target.table_endpoint is None
    host = load_settings({"AzureWebJobsStorage__tableServiceUri": "https://y.table.core.windows.net/"})
    assert host.storage_target == StorageTarget(table_endpoint="https://y.table.core.windows.net")
    odd = load_settings({"LEAD_SYNC_STORAGE__accountName": "x", "LEAD_SYNC_STORAGE__credential": "secret"})
    assert odd.storage_target is not None and odd.storage_target.credential is None
    assert any("__credential" in p for p in odd.problems)


@pytest.mark.azurite
def test_sync_and_read_leads_with_a_managed_identity(oauth_azurite: Azurite, identity: IdentityEndpoint) -> None:
    """The whole app path: settings -> managed-identity token -> HTTPS + bearer token -> sync and listing."""
    settings = _settings(oauth_azurite.table_endpoint, LEAD_SYNC_STORAGE__clientId="aaaaaaaa-0000-0000-0000-000000000001")
    rt = Runtime(settings, environ={})
    report = rt.syncs.run(only="bright-dental", trigger="test")
    assert report.sheets[0].status == "SUCCESS", report.sheets[0].messages
    doc = rt.leads.page(LeadsQuery(sheet_id="bright-dental")).to_dict()
    assert doc["count"] == 6
    assert identity.requests, "the token must come from the managed-identity endpoint"
    assert {q["resource"][0] for q in identity.requests} == {"https://storage.azure.com"}
    assert identity.requests[0]["client_id"] == ["aaaaaaaa-0000-0000-0000-000000000001"]


@pytest.mark.azurite
def test_azurite_rejects_a_token_for_another_audience(oauth_azurite: Azurite, identity: IdentityEndpoint) -> None:
    """The check above is not vacuous: a token for Key Vault is refused, and the sheet says why."""
    identity.audience = "https://vault.azure.net"
    rt = Runtime(_settings(oauth_azurite.table_endpoint), environ={})
    sheet = rt.syncs.run(only="bright-dental", trigger="test").sheets[0]
    assert sheet.status == "ERROR" and "store" in sheet.reason_codes
    assert identity.requests
