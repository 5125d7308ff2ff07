"""
Deploy a package, prove it with the smoke test, and put the last good package back if it fails.

``scripts/deploy --target staging|production|local --package ZIP [options]``

1. upload ``ZIP`` to the target;
2. ``scripts/smoke`` against it, expecting the package's own ``BUILD_VERSION``;
3. passed: the package becomes the target's last good release (``<releases>/<target>/last-good.zip``,
   kept as a release artifact by the workflow); exit 0;
4. failed: upload the last good package again, smoke it, and exit 1 (rolled back) or 2 (the
   rollback failed too, or there was nothing to roll back to).

With ``--sample JSON`` (the staging deploy: ``{"sheet": <sheet-list entry>, "email": <a lead's
email in it>, "storageAccount": ..., "sheetsTable": ...}``, the Bicep deployment's
``STAGING_SAMPLE`` output; or a file holding it), the sample's entry is first written into the
target's sheets table (an upsert of that one entry: the rest of the list is left alone), and a new
package must also pass ``scripts/smoke``'s queue path: the timer run on demand, the queue function
syncing the sample, its lead read back (``smoke.queue_smoke``). A rollback is judged by the health
smoke only (an older package may predate the sample).

Targets:

- ``staging`` / ``production``: Flex Consumption apps, zip deploy with
  ``az functionapp deployment source config-zip`` (the Azure CLI, logged in by ``azure/login``
  in the workflow); ``--app NAME --resource-group RG``. The function key comes from
  ``az functionapp keys list`` unless ``--key`` is given.
- ``local``: the package is unpacked into ``<local-dir>/app-<version>`` and served by
  ``scripts/devserver.py`` with that folder alone on the path (its ``.python_packages`` on ``PYTHONPATH``, as
  on Azure), against Azurite started by ``scripts/azurite.py`` (or ``--storage CONN``). The server
  keeps running after the script exits, like a deployed app; ``--stop`` stops it and Azurite.
  Azurite runs its Queue service too, and the server runs the queue functions beside the API
  (``devserver.py --queue-worker``) and timers on ``POST /admin/functions/{name}``, as the host
  does; with ``--sample`` the sheet list is the table ``localsheets``, as in staging.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts.smoke import queue_smoke, smoke

ROOT = Path(__file__).resolve().parent.parent
DEVSERVER = ROOT / "scripts" / "devserver.py"
"""The development server, run with the unpacked package alone on its path."""
SITE = ".python_packages/lib/site-packages"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class DeployError(Exception):
    pass


@dataclass(frozen=True)
class Sample:
    """The staging smoke test's sample sheet: its sheet-list entry, the email of one of its leads,
    and (Azure) the storage account and table of the app's sheet list."""

    entry: dict[str, Any]
    email: str
    storage_account: str | None = None
    sheets_table: str | None = None

    @property
    def sheet_id(self) -> str:
        return str(self.entry["id"])

    @classmethod
    def parse(cls, given: str) -> Sample:
        """JSON text, or the path of a file holding it."""
        text = given
        if not given.lstrip().startswith("{"):
            try:
                text = Path(given).read_text(encoding="utf-8")
            except OSError as e:
                raise DeployError(f"--sample {given}: {e.strerror}") from e
        try:
            doc = json.loads(text)
        except ValueError as e:
            raise DeployError(f"--sample is not JSON: {e}") from e
        entry, email = (doc.get("sheet"), doc.get("email")) if isinstance(doc, dict) else (None, None)
        if not isinstance(entry, dict) or not entry.get("id") or not isinstance(email, str) or "@" not in email:
            raise DeployError('--sample needs {"sheet": {"id": ..., ...}, "email": "<a lead\'s email in that sheet>"}')
        return cls(entry, email, doc.get("storageAccount") or None, doc.get("sheetsTable") or None)


SEED_ATTEMPTS = 6
SEED_RETRY_SECONDS = 30.0
"""A new role assignment (the deployer's on staging's tables) can take minutes to apply: the seed
retries an authorisation failure this often, this far apart, before the deploy fails."""
LOCAL_SHEETS_TABLE = "localsheets"
"""The local target's sheet list with ``--sample``, as staging's is its ``stagingsheets`` table."""


def package_version(package: Path) -> str:
    try:
        with zipfile.ZipFile(package) as z:
            return z.read("BUILD_VERSION").decode().strip()
    except (OSError, KeyError, zipfile.BadZipFile) as e:
        raise DeployError(f"{package} is not a Lead Sync package with a BUILD_VERSION: {e}") from e


class LocalTarget:
    """A local 'app': one unpacked package served by ``scripts/devserver.py``."""

    def __init__(self, home: Path, storage: str | None = None, sheets: Path | None = None, sample: Sample | None = None) -> None:
        self.home = home
        self.storage = storage
        self.sheets = sheets or ROOT / "samples" / "sheets.json"
        self.sample = sample
        self.state_file = home / "state.json"

    def _state(self) -> dict:
        try:
            return json.loads(self.state_file.read_text())
        except (OSError, ValueError):
            return {}

    def _save(self, state: dict) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        self.state_file.write_text(json.dumps(state, indent=2))

    @staticmethod
    def _alive(pid: int) -> bool:
        """Running (a zombie awaiting its reaper counts as gone: it serves nothing)."""
        try:
            os.killpg(pid, 0)
        except (ProcessLookupError, PermissionError):
            return False
        try:
            return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
        except (OSError, IndexError):
            return True

    @classmethod
    def _kill(cls, pid: int | None) -> None:
        if not pid:
            return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(pid, sig)
            except (ProcessLookupError, PermissionError):
                return
            for _ in range(50):
                if not cls._alive(pid):
                    return
                time.sleep(0.1)

    def _storage(self, state: dict) -> str:
        if self.storage:
            return self.storage
        pids = [state.get("azurite_pid"), state.get("azurite_queue_pid")]
        if all(pids) and state.get("storage") and all(self._alive(p) for p in pids):
            return str(state["storage"])
        for pid in pids:
            self._kill(pid)
        # Started by the project's launcher and left running (like the app's storage account);
        # each Azurite service leads its own process group, so --stop ends them by those ids.
        from scripts.azurite import Azurite

        az = Azurite().start()
        assert az.proc is not None and az.queue_proc is not None
        conn = az.connection_string
        state.update(azurite_pid=az.proc.pid, azurite_queue_pid=az.queue_proc.pid, storage=conn)
        return conn

    def seed(self, sample: Sample) -> None:
        """Write the sample's entry into the local sheets table (Azurite), as the staging deploy does."""
        from shared.adapters.sheet_table import write_sheet_entries
        from shared.config import StorageTarget
        from shared.errors import LeadSyncError

        state = self._state()
        conn = self._storage(state)
        self._save(state)
        try:
            write_sheet_entries(StorageTarget(connection_string=conn), LOCAL_SHEETS_TABLE, [sample.entry])
        except LeadSyncError as e:
            raise DeployError(f"cannot write the sample sheet entry: {e}") from e

    def master_key(self) -> str | None:
        """Locally the admin API takes the local key (none is set: open, as the host is when run locally)."""
        return None

    def upload(self, package: Path) -> str:
        self.home.mkdir(parents=True, exist_ok=True)
        state = self._state()
        self._kill(state.pop("server_pid", None))
        version = package_version(package)
        app = self.home / f"app-{version}"
        if app.exists():
            shutil.rmtree(app)
        with zipfile.ZipFile(package) as z:
            z.extractall(app)
        port = state.get("port") or _free_port()
        storage = self._storage(state)
        env = {
            "PATH": os.environ.get("PATH", ""),
            "PYTHONPATH": f"{app}{os.pathsep}{app / SITE}",
            "LEAD_SYNC_STORAGE": storage,
            "LEAD_SYNC_LEADS_TABLE": "localleads",
            "LEAD_SYNC_STATE_TABLE": "localstate",
            "LEAD_SYNC_RUNS_TABLE": "localruns",
            "LEAD_SYNC_JOBS_TABLE": "localjobs",
            # The queue trigger's connection and the timer's schedule, as in Azure.
            "AzureWebJobsStorage": storage,
            "LEAD_SYNC_QUEUE": "leadsync-sheets",
            "SYNC_SCHEDULE": "0 */15 * * * *",
        }
        if self.sample:
            env["LEAD_SYNC_SHEETS_TABLE"] = LOCAL_SHEETS_TABLE
        else:
            env["LEAD_SYNC_SHEETS_FILE"] = str(self.sheets)
        worker = ["--queue-worker"] if "QueueEndpoint=" in storage else []
        log = open(self.home / f"server-{version}.log", "ab")  # noqa: SIM115 - handed to the child
        # -S: no site-packages of this interpreter; the app sees its folder and its own dependencies only.
        proc = subprocess.Popen(
            [sys.executable, "-S", str(DEVSERVER), "--port", str(port), *worker],
            cwd=app,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        state.update(server_pid=proc.pid, port=port, version=version, app=str(app), log=log.name)
        self._save(state)
        print(f"deploy: local server for {version} on http://127.0.0.1:{port}/api (log: {log.name})", flush=True)
        return f"http://127.0.0.1:{port}"

    def alive(self) -> str | None:
        """Why the local server is gone (it exited: its log says why), or None while it runs."""
        state = self._state()
        pid = state.get("server_pid")
        if pid and not self._alive(pid):
            return f"the server exited at startup: see {state.get('log', 'its log')}"
        return None

    def stop(self) -> None:
        state = self._state()
        self._kill(state.pop("server_pid", None))
        if not self.storage:
            self._kill(state.pop("azurite_pid", None))
            self._kill(state.pop("azurite_queue_pid", None))
            state.pop("storage", None)
        self._save(state)


class AzureTarget:
    """A Flex Consumption function app, deployed with the Azure CLI."""

    def __init__(self, app: str, resource_group: str, key: str | None) -> None:
        if not app or not resource_group:
            raise DeployError("--app and --resource-group are needed for an Azure target")
        self.app, self.rg, self.key = app, resource_group, key

    def _az(self, *args: str, app: bool = True) -> str:
        """``az ARGS`` (with ``--name APP --resource-group RG`` unless ``app`` is False); its output."""
        if shutil.which("az") is None:
            raise DeployError("the Azure CLI (az) is not installed; the workflow logs in with azure/login first")
        where = ["--name", self.app, "--resource-group", self.rg] if app else []
        proc = subprocess.run(["az", *args, *where], capture_output=True, text=True)
        if proc.returncode != 0:
            raise DeployError(f"az {' '.join(args[:3])} failed: {proc.stderr.strip()[-2000:]}")
        return proc.stdout.strip()

    def seed(self, sample: Sample) -> None:
        """
        Upsert the sample's entry into the app's sheets table with the deploying identity (Entra
        ID: shared keys are off; infra gives it Storage Table Data Contributor on staging's account
        only). The table is created when staging has no sheet list yet.
        """
        if not sample.storage_account or not sample.sheets_table:
            raise DeployError("--sample needs storageAccount and sheetsTable for an Azure target (the STAGING_SAMPLE output of infra)")
        account = ["--account-name", sample.storage_account, "--auth-mode", "login"]
        entity = ["PartitionKey=sheets", f"RowKey={sample.sheet_id}", "config=" + json.dumps(sample.entry, ensure_ascii=False)]
        for attempt in range(1, SEED_ATTEMPTS + 1):
            try:
                self._az("storage", "table", "create", "--name", sample.sheets_table, *account, "--output", "none", app=False)
                self._az(
                    "storage", "entity", "insert", "--table-name", sample.sheets_table, *account,
                    "--if-exists", "replace", "--entity", *entity, "--output", "none", app=False,
                )  # fmt: skip
                return
            except DeployError as e:
                # A role assigned by the infra job a minute ago can take minutes to apply (403 until then).
                if attempt == SEED_ATTEMPTS or "Authorization" not in str(e):
                    raise
                print(
                    f"deploy: the sample entry cannot be written yet (not authorised); try {attempt + 1} in {SEED_RETRY_SECONDS:.0f}s",
                    flush=True,
                )
                time.sleep(SEED_RETRY_SECONDS)

    def master_key(self) -> str | None:
        """The host's master key: ``POST /admin/functions/{name}`` takes it (never printed)."""
        return self._az("functionapp", "keys", "list", "--query", "masterKey", "--output", "tsv") or None

    def upload(self, package: Path) -> str:
        # Flex Consumption: config-zip is the documented zip deploy; the package already holds
        # .python_packages, so no remote build runs (--build-remote false).
        self._az("functionapp", "deployment", "source", "config-zip", "--src", str(package), "--build-remote", "false", "--timeout", "600")
        if not self.key:
            self.key = self._az("functionapp", "keys", "list", "--query", "functionKeys.default", "--output", "tsv") or None
        host = self._az("functionapp", "show", "--query", "properties.defaultHostName", "--output", "tsv")
        return f"https://{host}"


def deploy(
    target, package: Path, releases: Path, key: str | None, deadline: float, sample: Sample | None = None, queue_deadline: float = 360.0
) -> int:
    """Upload, smoke (and with ``sample`` the queue path), keep or roll back; the exit code of ``scripts/deploy``."""
    version = package_version(package)
    last_good = releases / "last-good.zip"
    step = "upload"
    try:
        if sample is not None:
            # Before the upload: the new instances read the sheet list, the sample's entry in it, at start.
            print(f"deploy: writing the sample sheet {sample.sheet_id!r} into the sheet list", flush=True)
            step = "writing the sample sheet"
            target.seed(sample)
            step = "upload"
        print(f"deploy: uploading {package.name} (version {version})", flush=True)
        base = target.upload(package)
        result = smoke(base, key or getattr(target, "key", None), version, deadline, alive=getattr(target, "alive", None))
        if result.ok and sample is not None:
            step = "reading the master key"
            master = target.master_key()
            queued = queue_smoke(base, key or getattr(target, "key", None), master, sample.sheet_id, sample.email, queue_deadline)
            result.lines += queued.lines
            result.ok = queued.ok
    except DeployError as e:
        print(f"deploy: {step} failed: {e}", flush=True)
        result = None
    for line in result.lines if result else []:
        print(f"smoke: {line}", flush=True)
    if result is not None and result.ok:
        releases.mkdir(parents=True, exist_ok=True)
        if package.resolve() != last_good.resolve():
            shutil.copyfile(package, last_good.with_suffix(".part"))
            last_good.with_suffix(".part").replace(last_good)
        (releases / "last-good.json").write_text(json.dumps({"version": version, "package": package.name}) + "\n")
        print(f"deploy: version {version} is live and passed the smoke test", flush=True)
        return 0
    if not last_good.exists():
        print(f"deploy: version {version} FAILED and there is no last good package to roll back to", flush=True)
        return 2
    good = package_version(last_good)
    print(f"deploy: version {version} FAILED; rolling back to {good}", flush=True)
    try:
        base = target.upload(last_good)
        back = smoke(base, key or getattr(target, "key", None), good, deadline, alive=getattr(target, "alive", None))
    except DeployError as e:
        print(f"deploy: ROLLBACK upload failed: {e}", flush=True)
        return 2
    for line in back.lines:
        print(f"smoke: {line}", flush=True)
    if back.ok:
        print(f"deploy: ROLLED BACK to {good}; version {version} is not deployed", flush=True)
        return 1
    print(f"deploy: ROLLBACK to {good} FAILED its smoke test too: the app needs a person now", flush=True)
    return 2


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="scripts/deploy", description="deploy a package, smoke it, roll back on failure")
    p.add_argument("--target", choices=["staging", "production", "local"], required=True)
    p.add_argument("--package", type=Path, help="dist/leadsync-<version>.zip")
    p.add_argument("--releases", type=Path, help="where the target's last good package is kept (default dist/releases/<target>)")
    p.add_argument("--key", help="function key for the smoke test (Azure: read with az when omitted)")
    p.add_argument("--deadline", type=float, default=180.0, help="seconds the smoke test waits for the new version")
    p.add_argument("--app", help="Azure: function app name")
    p.add_argument("--resource-group", help="Azure: resource group")
    p.add_argument("--local-dir", type=Path, default=ROOT / ".run" / "deploy-local", help="local: where packages are unpacked")
    p.add_argument("--storage", help="local: a Table Storage connection string instead of starting Azurite")
    p.add_argument("--sheets", type=Path, help="local: sheets JSON file (default samples/sheets.json)")
    p.add_argument("--stop", action="store_true", help="local: stop the server and Azurite, then exit")
    p.add_argument(
        "--sample",
        help="the sample sheet (JSON, or a file holding it: see the module's doc): write its entry, then smoke the timer -> queue -> sync path on it",
    )
    p.add_argument("--queue-deadline", type=float, default=360.0, help="seconds the queue path may take (default 360)")
    args = p.parse_args(argv)
    releases = (args.releases or ROOT / "dist" / "releases" / args.target).resolve()
    try:
        sample = Sample.parse(args.sample) if args.sample else None
        if args.target == "local":
            target: LocalTarget | AzureTarget = LocalTarget(args.local_dir.resolve(), args.storage, args.sheets, sample)
            if args.stop:
                target.stop()
                return 0
        else:
            target = AzureTarget(args.app, args.resource_group, args.key)
        if args.package is None:
            p.error("--package is required")
        return deploy(target, args.package.resolve(), releases, args.key, args.deadline, sample, args.queue_deadline)
    except DeployError as e:
        print(f"deploy: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
