"""
Build the deployment package ``dist/leadsync-<version>.zip`` once, and prove it before upload.

- Dependencies: ``requirements.lock`` (``requirements.txt`` at the versions of ``constraints.txt``, with hashes: ``scripts/lock``), installed with ``--require-hashes`` as
  wheels for Linux x86-64 / CPython 3.11 into ``.python_packages/lib/site-packages`` (where the
  Functions host looks), so Azure runs no remote build and installs nothing from version ranges.
  rapidfuzz 3.14 ships only ``manylinux_2_28`` wheels, so both ``manylinux2014`` and
  ``manylinux_2_28`` are accepted; the Functions Python 3.11 images are Debian 12 (glibc 2.36).
  The installed tree is cached under ``.build/`` by the hash of both files.
- App files: everything under the source folder that ``.funcignore`` (gitignore syntax) does not
  exclude, checked against a size budget.
- ``BUILD_VERSION`` (the commit id, or ``dev-<sha>`` for a checkout with local changes) is written
  into the package; ``shared.buildinfo`` reads it and health reports it.
- Proof: the zip is unpacked into an empty folder and a fresh interpreter, with only that folder and
  its ``.python_packages/lib/site-packages`` on ``sys.path`` (``-I -S``: no site-packages, no user
  site, no ``PYTHON*`` variables) and an empty environment, repeats the worker's indexing
  (import ``function_app``, one ``FunctionApp``, ``get_functions()``, bindings against parameters),
  then imports the modules the functions load on first use (the compiled wheels must load), and
  checks that every imported module came from that folder or the standard library. The functions
  it finds must be the ones the source tree indexes to.

``python -m scripts.package [--version V] [--source DIR] [--out DIR] [--no-proof]``
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE = ".python_packages/lib/site-packages"
PLATFORM_ARGS = [
    "--platform",
    "manylinux2014_x86_64",
    "--platform",
    "manylinux_2_28_x86_64",
    "--only-binary=:all:",
    "--python-version",
    "3.11",
    "--implementation",
    "cp",
]
APP_BUDGET = 2 * 1024 * 1024
"""Uncompressed app code (without dependencies): 1.0 MiB of source in 139 files at 0.5.0 (the
vocabulary, the console, webhooks), so twice that; type-checker caches, tests, docs or a stray
data file would blow it."""
ZIP_BUDGET = 40 * 1024 * 1024
"""The whole zip: today about 18 MiB, nearly all of it dependencies."""
LAZY_MODULES = [
    "shared.sync",
    "shared.adapters.table_storage",
    "shared.adapters.google_sheets",
    "shared.adapters.csv_source",
    "azure.identity",
    "azure.monitor.opentelemetry",
    "pydantic_core",
    "rapidfuzz",
    "phonenumbers",
    "cryptography.hazmat.bindings._rust",
]
"""Imported on first use, not at indexing: loading them proves the Linux wheels fit CPython 3.11."""

INDEX = r"""
import importlib, inspect, json, sys, sysconfig
isolated = sys.argv[1] == "isolated"
app_dir = sys.argv[2]
if isolated:
    sys.path[:0] = [app_dir, app_dir + "/.python_packages/lib/site-packages"]
import azure.functions as func
m = importlib.import_module("function_app")
apps = [v for v in vars(m).values() if isinstance(v, func.FunctionRegister)]
assert len(apps) == 1, f"expected one FunctionApp in function_app, found {len(apps)}"
functions = {}
for f in apps[0].get_functions():
    bindings = json.loads(f.get_function_json())["bindings"]
    params = list(inspect.signature(f.get_user_function()).parameters)
    names = [b["name"] for b in bindings if b["name"] != "$return"]
    assert names == params, f"{f.get_function_name()}: bindings {names} != parameters {params}"
    functions[f.get_function_name()] = bindings
lazy = json.loads(sys.argv[3])
for name in lazy:
    importlib.import_module(name)
outside = []
if isolated:
    roots = [app_dir] + [sysconfig.get_paths()[k] for k in ("stdlib", "platstdlib")]
    for name, mod in list(sys.modules.items()):
        path = getattr(mod, "__file__", None)
        if path and not any(path.startswith(r.rstrip("/") + "/") for r in roots):
            outside.append(f"{name}: {path}")
print(json.dumps({"functions": functions, "outside": sorted(outside), "sys_path": sys.path}))
"""


class PackageError(Exception):
    pass


def project_version(source: Path = ROOT) -> str:
    """The release version of ``pyproject.toml`` (the one CHANGELOG.md lists)."""
    import tomllib

    try:
        return str(tomllib.loads((source / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "0.0.0"


def git_version(source: Path = ROOT) -> str:
    """``<release>+<commit>`` (``pyproject.toml``'s version and the commit id), what health reports;
    ``+dev-<sha>`` when the checkout has local changes; ``+dev`` outside git."""
    release = project_version(source)
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"], cwd=source, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=source, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return f"{release}+dev"
    return f"{release}+dev-{sha}" if dirty else f"{release}+{sha}"


def funcignore(source: Path):  # -> pathspec.GitIgnoreSpec
    import pathspec

    lines = (source / ".funcignore").read_text(encoding="utf-8").splitlines() if (source / ".funcignore").exists() else []
    return pathspec.GitIgnoreSpec.from_lines(lines)


def app_files(source: Path) -> list[Path]:
    """Files under ``source`` that ``.funcignore`` lets into the package (relative paths, sorted)."""
    spec = funcignore(source)
    out: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(source):
        rel_dir = Path(dirpath).relative_to(source)
        keep = []
        for d in sorted(dirnames):
            rel = (rel_dir / d).as_posix()
            if not spec.match_file(rel + "/") and not (Path(dirpath) / d).is_symlink():
                keep.append(d)
        dirnames[:] = keep
        for f in sorted(filenames):
            rel = (rel_dir / f).as_posix()
            if not spec.match_file(rel):
                out.append(Path(rel))
    return sorted(out)


def site_packages(source: Path, cache: Path) -> Path:
    """The Linux/CPython 3.11 dependency tree for ``source``'s requirements, built once per hash."""
    lock = source / "requirements.lock"
    digest = hashlib.sha256(lock.read_bytes() + " ".join(PLATFORM_ARGS).encode()).hexdigest()[:16]
    target = cache / f"site-packages-{digest}"
    if (target / ".complete").exists():
        return target
    cache.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="site-", dir=cache))
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-compile",
        "--no-warn-conflicts",
        "--target",
        str(tmp),
        *PLATFORM_ARGS,
        # Every file must match a hash in the lock (scripts/lock): nothing from version ranges,
        # nothing that changed on the index since the tests ran.
        "--require-hashes",
        "-r",
        str(lock),
    ]
    print(f"package: installing dependencies for Linux x86-64 / CPython 3.11 ({' '.join(PLATFORM_ARGS)})", file=sys.stderr, flush=True)
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        shutil.rmtree(tmp, ignore_errors=True)
        raise PackageError(
            "pip could not install the pinned wheels:\n"
            + "\n".join(line for line in proc.stderr.splitlines() if "is ignored" not in line)[-3000:]
        )
    (tmp / ".complete").write_text(" ".join(cmd[3:]) + "\n")
    if target.exists():
        shutil.rmtree(target)
    tmp.rename(target)
    return target


def _dep_files(site: Path) -> list[Path]:
    files = []
    for dirpath, dirnames, filenames in os.walk(site):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for f in sorted(filenames):
            p = Path(dirpath) / f
            if p.suffix != ".pyc" and p.name != ".complete":
                files.append(p.relative_to(site))
    return files


def build(
    version: str | None = None,
    source: Path = ROOT,
    out: Path | None = None,
    cache: Path | None = None,
    site: Path | None = None,
) -> Path:
    """Write ``leadsync-<version>.zip`` and return its path (not proved: see ``prove``)."""
    source = source.resolve()
    version = version or git_version(source)
    if not version.replace("-", "").replace(".", "").replace("_", "").replace("+", "").isalnum():
        raise PackageError(f"version {version!r}: letters, digits, '.', '-', '_' and '+' only")
    files = app_files(source)
    missing = [n for n in ("function_app.py", "host.json", "requirements.txt") if Path(n) not in files]
    if missing:
        raise PackageError(f"{source} lacks {', '.join(missing)} (or .funcignore excludes them)")
    app_size = sum((source / f).stat().st_size for f in files)
    if app_size > APP_BUDGET:
        biggest = sorted(files, key=lambda f: -(source / f).stat().st_size)[:5]
        raise PackageError(
            f"app files are {app_size / 2**20:.1f} MiB, over the {APP_BUDGET / 2**20:.0f} MiB budget; largest: "
            + ", ".join(f"{f} ({(source / f).stat().st_size // 1024} KiB)" for f in biggest)
            + ". Add what does not belong in the package to .funcignore."
        )
    site = site or site_packages(source, cache or ROOT / ".build")
    out = (out or ROOT / "dist").resolve()
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"leadsync-{version}.zip"
    tmp = path.with_suffix(".zip.part")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
        for f in files:
            z.write(source / f, f.as_posix())
        z.writestr("BUILD_VERSION", version + "\n")
        for f in _dep_files(site):
            z.write(site / f, f"{SITE}/{f.as_posix()}")
    size = tmp.stat().st_size
    if size > ZIP_BUDGET:
        tmp.unlink()
        raise PackageError(f"package is {size / 2**20:.1f} MiB, over the {ZIP_BUDGET / 2**20:.0f} MiB budget")
    tmp.replace(path)
    return path


def index(app_dir: Path, isolated: bool) -> dict:
    """Run the worker's indexing steps on ``app_dir`` in a fresh interpreter; raise on failure."""
    if isolated:
        cmd = [sys.executable, "-I", "-S", "-c", INDEX, "isolated", str(app_dir), json.dumps(LAZY_MODULES)]
        env: dict[str, str] = {}
    else:
        cmd = [sys.executable, "-c", INDEX, "source", str(app_dir), json.dumps(LAZY_MODULES)]
        env = {"PATH": os.environ.get("PATH", "")}
    proc = subprocess.run(cmd, cwd=app_dir, env=env, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise PackageError(f"indexing {app_dir} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout)


def prove(package: Path, source: Path = ROOT) -> list[str]:
    """Unpack ``package`` into an empty folder and index it there alone; return the function names."""
    expected = index(source.resolve(), isolated=False)["functions"]
    with tempfile.TemporaryDirectory(prefix="leadsync-proof-") as tmp:
        with zipfile.ZipFile(package) as z:
            z.extractall(tmp)
        doc = index(Path(tmp), isolated=True)
    if doc["outside"]:
        raise PackageError("modules loaded from outside the package and the standard library:\n" + "\n".join(doc["outside"][:20]))
    if doc["functions"] != expected:
        raise PackageError(f"the package indexes to {sorted(doc['functions'])}, the source tree to {sorted(expected)}")
    return sorted(doc["functions"])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="scripts/package", description=__doc__.split("\n\n")[0].strip())
    p.add_argument("--print-version", action="store_true", help="print the default build version and exit")
    p.add_argument("--version", help="build version baked into the package (default: <pyproject version>+<commit id>)")
    p.add_argument("--source", type=Path, default=ROOT, help="app folder to package (default: this checkout)")
    p.add_argument("--out", type=Path, default=None, help="output folder (default: dist/)")
    p.add_argument("--no-proof", action="store_true", help="skip the proof (only to build a deliberately broken package in tests)")
    args = p.parse_args(argv)
    if args.print_version:
        print(git_version(args.source))
        return 0
    try:
        path = build(args.version, args.source, args.out)
        size = path.stat().st_size
        if args.no_proof:
            print(f"package: {path} ({size / 2**20:.1f} MiB), NOT proved", file=sys.stderr)
        else:
            try:
                names = prove(path, args.source)
            except PackageError:
                path.replace(path.with_suffix(".zip.rejected"))
                raise
            print(f"package: {path} ({size / 2**20:.1f} MiB) indexes from an empty folder: {', '.join(names)}", file=sys.stderr)
    except PackageError as e:
        print(f"package: {e}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
