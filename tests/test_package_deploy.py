"""
The deployment package and the deploy/smoke/rollback path, exercised end to end on this machine.

One Linux/CPython 3.11 dependency tree is installed per requirements hash (cached under
``.build/``) and shared by every package built here, so the good and the broken package cost one
install between them.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pytest

from scripts import package as pkg
from scripts.smoke import queue_smoke, smoke
from tests.conftest import ROOT

FUNCTIONS = sorted(
    [
        "approve_drop",
        "audit_trail",
        "console_action",
        "console_home",
        "console_item",
        "console_moved",
        "console_moved_below",
        "console_page",
        "erase_person",
        "get_lead",
        "health",
        "health_detail",
        "list_leads",
        "list_removals",
        "manual_sync",
        "openapi",
        "purge_timer",
        "reasons",
        "sheet_changed",
        "sheet_notify_setup",
        "sync_poison",
        "sync_queue",
        "sync_run",
        "sync_timer",
        "unsuppress_person",
        "watch_timer",
        "webhook_deliveries",
        "webhook_item",
        "webhook_replay",
        "webhooks_collection",
        "webhooks_dispatch",
    ]
)


@pytest.fixture(scope="session")
def dist(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("dist")


@pytest.fixture(scope="session")
def good_package(dist: Path) -> Path:
    return pkg.build("good-1", out=dist)


@pytest.fixture(scope="session")
def broken_package(dist: Path, tmp_path_factory) -> Path:
    """The same app and dependencies, but function_app raises at import (a bad merge, say)."""
    src = tmp_path_factory.mktemp("broken-src")
    for rel in pkg.app_files(ROOT) + [Path(".funcignore"), Path("constraints.txt"), Path("requirements.lock")]:
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / rel, src / rel)
    app = src / "function_app.py"
    app.write_text(app.read_text() + '\nraise RuntimeError("broken build: fails at import")\n')
    return pkg.build("bad-2", source=src, out=dist)


def test_funcignore_keeps_caches_and_tooling_out(tmp_path) -> None:
    """Type-checker caches, venvs, node_modules, dist, infra and tests never reach the package."""
    shutil.copyfile(ROOT / ".funcignore", tmp_path / ".funcignore")
    (tmp_path / "function_app.py").write_text("")
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "x.py").write_text("")
    for junk in [
        ".mypy_cache/3.11/a.json",
        ".ruff_cache/x",
        ".hypothesis/db",
        "node_modules/a/b.js",
        "dist/old.zip",
        ".venv/bin/python",
        ".venv-tools/x",
        "infra/main.bicep",
        "tests/t.py",
        "shared/__pycache__/x.pyc",
        ".python_packages/lib/x.py",
        "local.settings.json",
        ".github/workflows/w.yml",
        "azure.yaml",
        ".artifacts/console/overview.png",
        "docs/screenshots/console-overview.png",
    ]:
        (tmp_path / junk).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / junk).write_text("x")
    assert [p.as_posix() for p in pkg.app_files(tmp_path)] == ["function_app.py", "shared/x.py"]
    # and in this checkout: only the app's own folders and files
    tops = {p.parts[0] for p in pkg.app_files(ROOT)}
    assert tops == {
        "function_app.py",
        "host.json",
        "requirements.txt",
        "shared",
        "sync_timer",
        "sync_queue",
        "leads_http",
        "health_http",
        "privacy_http",
        "purge_timer",
        "console_http",
        "samples",
        "changes_http",
        "webhooks_http",
        "webhooks_queue",
    }
    # of samples/, only the staging smoke test's sample sheet (the entry names it by this path)
    assert [p.as_posix() for p in pkg.app_files(ROOT) if p.parts[0] == "samples"] == ["samples/staging/sample_leads.csv"]
    # the vocabulary is data (shared/core/vocabulary/*.toml): the package must carry every file
    vocab = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "shared" / "core" / "vocabulary").glob("*.toml"))
    assert vocab and set(vocab) <= {p.as_posix() for p in pkg.app_files(ROOT)}


def test_package_contents_version_and_budget(good_package: Path) -> None:
    """The zip holds the app, BUILD_VERSION and Linux cp311 wheels, under the size budget."""
    assert good_package.name == "leadsync-good-1.zip"
    assert good_package.stat().st_size < pkg.ZIP_BUDGET
    with zipfile.ZipFile(good_package) as z:
        names = z.namelist()
        assert z.read("BUILD_VERSION").decode().strip() == "good-1"
    assert "function_app.py" in names and "host.json" in names
    assert "shared/core/vocabulary/en.toml" in names and "shared/core/vocabulary/mul.toml" in names
    deps = [n for n in names if n.startswith(pkg.SITE + "/")]
    assert any("pydantic_core/_pydantic_core.cpython-311-x86_64-linux-gnu.so" in n for n in deps)
    assert any(n.startswith(pkg.SITE + "/azure/data/tables/") for n in deps)
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc") or n.startswith(("tests/", ".mypy_cache", "scripts/"))]
    app_bytes = sum(i.file_size for i in zipfile.ZipFile(good_package).infolist() if not i.filename.startswith(".python_packages"))
    assert app_bytes < pkg.APP_BUDGET


def test_package_indexes_from_an_empty_folder(good_package: Path) -> None:
    """Unpacked alone, with an empty environment, the worker's indexing finds every function."""
    assert pkg.prove(good_package) == FUNCTIONS


def test_proof_rejects_a_package_that_fails_at_import(broken_package: Path) -> None:
    with pytest.raises(pkg.PackageError, match="broken build: fails at import"):
        pkg.prove(broken_package)


def test_proof_rejects_a_package_missing_a_dependency(good_package: Path, tmp_path) -> None:
    """A package that only worked because the build machine had a library installed is caught."""
    thin = tmp_path / "leadsync-thin.zip"
    with zipfile.ZipFile(good_package) as src, zipfile.ZipFile(thin, "w") as dst:
        for item in src.infolist():
            if not item.filename.startswith(f"{pkg.SITE}/rapidfuzz/"):
                dst.writestr(item, src.read(item))
    with pytest.raises(pkg.PackageError, match="rapidfuzz"):
        pkg.prove(thin)


def _deploy(*args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scripts.deploy", *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def test_smoke_fails_when_nothing_answers() -> None:
    r = smoke("http://127.0.0.1:9", expect_version="x", deadline=0.5, interval=0.1)
    assert not r.ok and "no answer" in r.lines[0]


def test_local_deploy_good_then_broken_rolls_back(good_package: Path, broken_package: Path, tmp_path) -> None:
    """Good build: live and smoked, its URL and log named. Broken build: the smoke fails as soon as its
    server exits, the last good package is back, exit 1."""
    home, releases = tmp_path / "local", tmp_path / "releases"
    common = ["--target", "local", "--local-dir", str(home), "--releases", str(releases), "--deadline", "20"]
    try:
        first = _deploy(*common, "--package", str(good_package))
        assert first.returncode == 0, first.stdout + first.stderr
        assert "smoke: ok   health 200 with version 'good-1'" in first.stdout
        assert json.loads((releases / "last-good.json").read_text())["version"] == "good-1"
        state = json.loads((home / "state.json").read_text())
        base = f"http://127.0.0.1:{state['port']}"

        assert f"deploy: local server for good-1 on {base}/api (log: {home / 'server-good-1.log'})" in first.stdout

        # The broken build's server dies at import: the smoke gives up as soon as it has exited (it
        # names the log), not after the deadline, which is long here to show it.
        second = _deploy(*common[:-1], "120", "--package", str(broken_package))
        out = second.stdout
        assert second.returncode == 1, out + second.stderr
        assert "smoke: FAIL health 200 with version 'bad-2' within 120s" in out
        assert f"the server exited at startup: see {home / 'server-bad-2.log'}" in out
        assert "ROLLED BACK to good-1" in out
        assert "broken build: fails at import" in (home / "server-bad-2.log").read_text()
        # the last good package is what answers now, and it passes the smoke test by itself
        with urllib.request.urlopen(f"{base}/api/leads/health", timeout=10) as resp:
            assert json.loads(resp.read())["version"] == "good-1"
        assert smoke(base, expect_version="good-1", deadline=10).ok
        assert json.loads((releases / "last-good.json").read_text())["version"] == "good-1"
    finally:
        _deploy("--target", "local", "--local-dir", str(home), "--stop", timeout=60)


def test_deploy_without_a_last_good_package_exits_2(broken_package: Path, tmp_path) -> None:
    """A failed first deploy has nothing to roll back to: exit 2, said plainly."""
    home = tmp_path / "local"
    try:
        r = _deploy(
            "--target",
            "local",
            "--local-dir",
            str(home),
            "--releases",
            str(tmp_path / "none"),
            "--deadline",
            "5",
            "--package",
            str(broken_package),
        )
        assert r.returncode == 2 and "no last good package" in r.stdout
    finally:
        _deploy("--target", "local", "--local-dir", str(home), "--stop", timeout=60)


def _pins(text: str) -> dict[str, str]:
    return {m.group(1).lower().replace("_", "-"): m.group(2) for m in re.finditer(r"^([A-Za-z0-9_.-]+)==([^\s\\;]+)", text, re.M)}


def test_the_hashed_lock_is_the_tested_versions() -> None:
    """requirements.lock (what scripts/package installs with --require-hashes) pins exactly the
    versions of constraints.txt, covers every requirement, and has a hash for each; after changing
    requirements.txt or constraints.txt, scripts/lock rewrites it."""
    lock_text = (ROOT / "requirements.lock").read_text()
    lock = _pins(lock_text)
    tested = _pins((ROOT / "constraints.txt").read_text())
    wanted = {
        re.split(r"[<>=!~\[ ;]", line.strip(), maxsplit=1)[0].lower().replace("_", "-")
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert wanted <= set(lock), f"not in requirements.lock (run scripts/lock): {sorted(wanted - set(lock))}"
    differ = {name: (v, tested.get(name)) for name, v in lock.items() if tested.get(name) != v}
    assert not differ, f"requirements.lock and constraints.txt disagree (run scripts/lock): {differ}"
    blocks = re.split(r"\n(?=[A-Za-z])", lock_text.split("\n", 3)[3])
    assert all("--hash=sha256:" in b for b in blocks if re.match(r"[A-Za-z]", b))


SAMPLE = ROOT / "samples" / "staging" / "sample.json"


def test_local_deploy_with_the_sample_runs_timer_queue_sync_and_reads_the_lead_back(good_package: Path, tmp_path) -> None:
    """
    The staging deploy's path, on this machine: the sample's entry is written into the sheets table
    (Azurite), the package is served with Azurite's queue and the queue functions beside it, the
    smoke runs the timer through the admin API, the queue function syncs the sample and its lead is
    read back. A sample whose known lead is not there fails the deploy, which rolls back.
    """
    home, releases = tmp_path / "local", tmp_path / "releases"
    common = ["--target", "local", "--local-dir", str(home), "--releases", str(releases), "--deadline", "30", "--queue-deadline", "60"]
    try:
        first = _deploy(*common, "--package", str(good_package), "--sample", str(SAMPLE))
        out = first.stdout
        assert first.returncode == 0, out + first.stderr
        for line in [
            "deploy: writing the sample sheet 'staging-sample' into the sheet list",
            "smoke: ok   the sample sheet 'staging-sample' is in the app's sheet list (health detail: status 200)",
            "smoke: ok   POST /admin/functions/sync_timer with the master key answers 202 (status 202)",
            "smoke: ok   the timer's run of 'staging-sample' is SUCCESS",
            "smoke: ok   GET /api/leads?sheet=...&q=... finds the sample's known lead (status 200)",
            "smoke: ok   GET /api/leads/{id}?sheet=... answers the same lead (status 200)",
        ]:
            assert line in out, out
        assert "@" not in out  # no lead data printed (the sample's email included)
        state = json.loads((home / "state.json").read_text())
        base = f"http://127.0.0.1:{state['port']}"
        log = (home / "server-good-1.log").read_text()
        assert "queue workers: syncs and webhook dispatch beside the API" in log and "POST /admin/functions/sync_timer 202" in log

        # The run came through the queue: the timer's run id is recorded, and its sheet's run says trigger timer.
        with urllib.request.urlopen(f"{base}/api/leads/health/detail?sheet=staging-sample&runs=10", timeout=10) as resp:
            runs = json.loads(resp.read())["sheets"][0]["recent_runs"]
        assert [r["trigger"] for r in runs] == ["timer"] and runs[0]["counts"]["leads"] == 3

        # The admin API as the host's: 404 for no such function, 400 without a body, GET refused.
        for method, path, body, code in [
            ("POST", "/admin/functions/no_such_function", b'{"input": ""}', 404),
            ("POST", "/admin/functions/sync_timer", b"", 400),
            ("GET", "/admin/functions/sync_timer", None, 405),
        ]:
            req = urllib.request.Request(base + path, data=body, method=method, headers={"Content-Type": "application/json"})
            with pytest.raises(urllib.error.HTTPError) as err:
                urllib.request.urlopen(req, timeout=10)
            err.value.close()
            assert err.value.code == code, (method, path)

        # A second timer run is seen as new (the smoke never takes an old run for this one); a lead
        # that is not in the sheet fails it.
        wrong = queue_smoke(base, None, None, "staging-sample", "nobody.here@example.com", deadline=60, interval=0.5)
        assert not wrong.ok and wrong.lines[-1].startswith("FAIL GET /api/leads?sheet=...&q=... finds the sample's known lead"), wrong.lines
        assert "ok   the timer's run of 'staging-sample' is SUCCESS" in "\n".join(wrong.lines)

        # The same gate in the deploy: the queue smoke fails, the last good package is put back (exit 1).
        bad_sample = json.dumps({"sheet": json.loads(SAMPLE.read_text())["sheet"], "email": "nobody.here@example.com"})
        second = _deploy(*common, "--package", str(good_package), "--sample", bad_sample)
        assert second.returncode == 1, second.stdout + second.stderr
        assert "smoke: FAIL GET /api/leads?sheet=...&q=... finds the sample's known lead" in second.stdout
        assert "ROLLED BACK to good-1" in second.stdout
    finally:
        _deploy("--target", "local", "--local-dir", str(home), "--stop", timeout=60)
