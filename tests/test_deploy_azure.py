"""
``scripts/deploy --target production`` without Azure: the exact Azure CLI calls and the rollback.

A stand-in ``az`` on PATH records its arguments and "deploys" by remembering the package's
BUILD_VERSION; a local HTTPS server (self-signed certificate, trusted through SSL_CERT_FILE) plays
the function app: it reports that version in health, and a version named ``bad-*`` never comes up
(503), as an app that fails at indexing does.
"""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import ROOT, self_signed_cert

FAKE_AZ = r"""
import json, os, sys, zipfile
args = sys.argv[1:]
with open(os.environ["FAKE_AZ_LOG"], "a") as f:
    f.write(json.dumps(args) + "\n")
if args[:4] == ["functionapp", "deployment", "source", "config-zip"]:
    version = zipfile.ZipFile(args[args.index("--src") + 1]).read("BUILD_VERSION").decode().strip()
    open(os.environ["FAKE_AZ_STATE"], "w").write(version)
elif args[:3] == ["functionapp", "keys", "list"]:
    print("fake-master-key" if args[args.index("--query") + 1] == "masterKey" else "fake-function-key")
elif args[:3] == ["storage", "table", "create"]:
    pass
elif args[:3] == ["storage", "entity", "insert"] and os.path.exists(os.environ["FAKE_AZ_SHEETS"] + ".deny"):
    os.remove(os.environ["FAKE_AZ_SHEETS"] + ".deny")
    sys.exit("ERROR: This request is not authorized to perform this operation. ErrorCode:AuthorizationPermissionMismatch")
elif args[:3] == ["storage", "entity", "insert"]:
    entity = dict(a.split("=", 1) for a in args[args.index("--entity") + 1 : args.index("--output")])
    open(os.environ["FAKE_AZ_SHEETS"], "a").write(json.dumps(entity) + "\n")
elif args[:2] == ["functionapp", "show"]:
    print(os.environ["FAKE_AZ_HOST"])
else:
    sys.exit("unexpected az call: " + " ".join(args))
"""


class FakeApp:
    def __init__(self, state: Path, cert: tuple[str, str], sheets: Path | None = None) -> None:
        self.state = state
        runs: list[dict] = []  # the sample's runs, newest first: one per timer run on demand

        def seeded() -> set[str]:
            lines = sheets.read_text().splitlines() if sheets and sheets.exists() else []
            return {json.loads(json.loads(line)["config"])["id"] for line in lines}

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path != "/admin/functions/sync_timer":
                    return self._json(404, {"error": "not found"})
                if self.headers.get("x-functions-key") != "fake-master-key":
                    return self._json(401, {"error": "the admin API takes the master key"})
                # the timer's message, synced by the queue function: a run of each seeded sheet
                runs.insert(0, {"run_id": f"r{len(runs) + 1}", "trigger": "timer", "status": "SUCCESS", "counts": {"leads": 1}})
                return self._json(202, {})

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                q = parse_qs(url.query)
                version = state.read_text() if state.exists() else "none"
                if version.startswith("bad"):
                    return self._json(503, {"error": "host is starting"})
                sheet = q.get("sheet", [""])[0]
                if url.path == "/api/leads/health/detail" and sheet in seeded():
                    return self._json(200, {"sheets": [{"sheet_id": sheet, "recent_runs": runs}]})
                lead = {"id": "lead-1", "sheet_id": sheet, "email": "ada.sample@example.com"}
                if url.path == "/api/leads" and sheet in seeded() and runs:
                    return self._json(200, {"items": [lead], "count": 1, "continuation": None})
                if url.path == "/api/leads/lead-1" and sheet in seeded() and runs:
                    return self._json(200, lead)
                if url.path == "/api/leads/health":
                    return self._json(
                        200, {"status": "SUCCESS", "version": version, "started_at": "2026-01-01T00:00:00+00:00", "sheets": {"total": 0}}
                    )
                if url.path == "/api/leads" and self.headers.get("x-functions-key") != "fake-function-key":
                    return self._json(401, {"error": "key"})
                if url.path == "/api/leads" and "customer" in q:
                    return self._json(200, {"items": [], "count": 0, "continuation": None})
                if url.path == "/api/leads" and "sheet" in q:
                    return self._json(404, {"error": "unknown sheet"})
                if url.path == "/console":  # App Service Authentication in front of the console
                    self.send_response(302)
                    self.send_header("Location", "/.auth/login/aad?post_login_redirect_uri=/console")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                return self._json(404, {"error": "not found"})

            def _json(self, code: int, doc: dict) -> None:
                body = json.dumps(doc).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(*cert)
        self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.host = f"127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def azure(tmp_path) -> Iterator[dict]:
    cert = self_signed_cert(tmp_path)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    az = bin_dir / "az"
    az.write_text(f"#!{sys.executable}\n{FAKE_AZ}")
    az.chmod(0o755)
    app = FakeApp(tmp_path / "deployed", cert, tmp_path / "sheets.jsonl")
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "SSL_CERT_FILE": cert[0],
        "FAKE_AZ_LOG": str(tmp_path / "az.log"),
        "FAKE_AZ_STATE": str(tmp_path / "deployed"),
        "FAKE_AZ_HOST": app.host,
        "FAKE_AZ_SHEETS": str(tmp_path / "sheets.jsonl"),
    }
    yield {"env": env, "log": tmp_path / "az.log", "state": tmp_path / "deployed", "tmp": tmp_path, "sheets": tmp_path / "sheets.jsonl"}
    app.close()


def _zip(path: Path, version: str) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("BUILD_VERSION", version + "\n")
        z.writestr("function_app.py", "")
    return path


def _deploy(azure: dict, package: Path, deadline: str, *extra: str, target: str = "production") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(ROOT / "scripts" / "deploy"),
            "--target",
            target,
            "--package",
            str(package),
            "--app",
            "func-prd-x",
            "--resource-group",
            "rg-x",
            "--releases",
            str(azure["tmp"] / "releases"),
            "--deadline",
            deadline,
            *extra,
        ],
        env=azure["env"],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_azure_deploy_uses_zip_deploy_then_rolls_back(azure: dict) -> None:
    good = _zip(azure["tmp"] / "leadsync-good.zip", "good-1")
    first = _deploy(azure, good, "10")
    assert first.returncode == 0, first.stdout + first.stderr
    calls = [json.loads(line) for line in azure["log"].read_text().splitlines()]
    assert calls[0][:4] == ["functionapp", "deployment", "source", "config-zip"]
    deploy_call = calls[0]
    assert deploy_call[deploy_call.index("--src") + 1] == str(good)
    assert deploy_call[deploy_call.index("--build-remote") + 1] == "false"
    assert deploy_call[-4:] == ["--name", "func-prd-x", "--resource-group", "rg-x"]
    assert [c[:3] for c in calls[1:]] == [["functionapp", "keys", "list"], ["functionapp", "show", "--query"]]
    azure["log"].unlink()

    bad = _zip(azure["tmp"] / "leadsync-bad.zip", "bad-2")
    second = _deploy(azure, bad, "3")
    assert second.returncode == 1, second.stdout + second.stderr
    assert "smoke: FAIL health 200 with version 'bad-2'" in second.stdout and "ROLLED BACK to good-1" in second.stdout
    zips = [c[c.index("--src") + 1] for c in map(json.loads, azure["log"].read_text().splitlines()) if "config-zip" in c]
    assert zips == [str(bad), str(azure["tmp"] / "releases" / "last-good.zip")]
    assert azure["state"].read_text() == "good-1"


def test_azure_deploy_without_the_cli_fails_cleanly(azure: dict) -> None:
    (azure["tmp"] / "empty").mkdir()
    env = {**azure["env"], "PATH": str(azure["tmp"] / "empty")}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "scripts.deploy",
            "--target",
            "staging",
            "--package",
            str(_zip(azure["tmp"] / "p.zip", "v1")),
            "--app",
            "a",
            "--resource-group",
            "r",
            "--releases",
            str(azure["tmp"] / "rel"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2 and "Azure CLI (az) is not installed" in proc.stdout


def test_staging_deploy_writes_the_sample_entry_then_smokes_the_queue_path(azure: dict) -> None:
    """
    With infra's STAGING_SAMPLE: the entry is upserted into staging's sheets table with the
    deploying identity (--auth-mode login: shared keys are off) before the upload, and the smoke
    runs the timer with the master key, sees the run and reads the lead back.
    """
    sample = json.loads((ROOT / "samples" / "staging" / "sample.json").read_text())
    given = json.dumps(sample | {"storageAccount": "ststgx", "sheetsTable": "stagingsheets"})
    good = _zip(azure["tmp"] / "leadsync-good.zip", "good-1")
    proc = _deploy(azure, good, "10", "--sample", given, "--queue-deadline", "20", target="staging")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for line in [
        "smoke: ok   POST /admin/functions/sync_timer with the master key answers 202 (status 202)",
        "smoke: ok   the timer's run of 'staging-sample' is SUCCESS",
        "smoke: ok   GET /api/leads/{id}?sheet=... answers the same lead (status 200)",
    ]:
        assert line in proc.stdout
    calls = [json.loads(line) for line in azure["log"].read_text().splitlines()]
    assert [c[:3] for c in calls] == [
        ["storage", "table", "create"],
        ["storage", "entity", "insert"],
        ["functionapp", "deployment", "source"],
        ["functionapp", "keys", "list"],
        ["functionapp", "show", "--query"],
        ["functionapp", "keys", "list"],
    ]
    create, insert = calls[0], calls[1]
    assert create == [
        "storage",
        "table",
        "create",
        "--name",
        "stagingsheets",
        "--account-name",
        "ststgx",
        "--auth-mode",
        "login",
        "--output",
        "none",
    ]
    assert insert[insert.index("--table-name") + 1] == "stagingsheets" and insert[insert.index("--if-exists") + 1] == "replace"
    assert "--auth-mode" in insert and "login" in insert and "--name" not in insert  # the storage account, not the app
    [row] = [json.loads(line) for line in azure["sheets"].read_text().splitlines()]
    assert row["PartitionKey"] == "sheets" and row["RowKey"] == "staging-sample" and json.loads(row["config"]) == sample["sheet"]
    assert calls[-1][calls[-1].index("--query") + 1] == "masterKey"
    assert "fake-master-key" not in proc.stdout + proc.stderr


def test_a_sample_without_its_storage_fails_before_anything_is_uploaded(azure: dict) -> None:
    sample = (ROOT / "samples" / "staging" / "sample.json").read_text()
    proc = _deploy(azure, _zip(azure["tmp"] / "leadsync-good.zip", "good-1"), "5", "--sample", sample, target="staging")
    assert proc.returncode == 2 and "deploy: writing the sample sheet failed: --sample needs storageAccount and sheetsTable" in proc.stdout
    assert not azure["log"].exists()


def test_the_seed_waits_for_a_new_role_to_apply(azure: dict, monkeypatch) -> None:
    """The deployer's role on staging's tables, assigned by the infra job just before, may not apply
    for minutes: an authorisation failure is retried; any other failure is not."""
    from scripts import deploy

    for k, v in azure["env"].items():
        monkeypatch.setenv(k, v)
    monkeypatch.setattr(deploy, "SEED_RETRY_SECONDS", 0.0)
    sample = deploy.Sample.parse(
        json.dumps(
            json.loads((ROOT / "samples" / "staging" / "sample.json").read_text())
            | {"storageAccount": "ststgx", "sheetsTable": "stagingsheets"}
        )
    )
    Path(str(azure["sheets"]) + ".deny").write_text("")
    deploy.AzureTarget("func-stg-x", "rg-x", None).seed(sample)
    inserts = [c for c in map(json.loads, azure["log"].read_text().splitlines()) if c[:3] == ["storage", "entity", "insert"]]
    assert len(inserts) == 2 and len(azure["sheets"].read_text().splitlines()) == 1
    with pytest.raises(deploy.DeployError, match="--sample needs storageAccount"):
        deploy.AzureTarget("func-stg-x", "rg-x", None).seed(deploy.Sample(sample.entry, sample.email))
