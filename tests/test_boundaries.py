"""The pure core imports no SDK, does no I/O and reads neither the environment nor the clock."""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parent.parent / "shared" / "core"
ALLOWED_IMPORTS = {
    "__future__",
    "collections",
    "dataclasses",
    "datetime",
    "enum",
    "functools",
    "hashlib",
    "json",
    "itertools",
    "re",
    "typing",
    "unicodedata",
    "phonenumbers",
    "rapidfuzz",
}
BANNED_CALLS = {"open", "print", "input", "now", "utcnow", "today", "time", "getenv", "perf_counter"}


def _modules():
    return sorted(CORE.glob("*.py"))


def test_core_imports_only_pure_modules() -> None:
    """shared.core imports the standard library's pure parts and pure libraries only."""
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            for name in names:
                assert name.split(".")[0] in ALLOWED_IMPORTS, f"{path.name} imports {name}"


def test_core_makes_no_io_env_or_clock_calls() -> None:
    """No open(), print(), os.environ, datetime.now() or time() in shared.core."""
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                fn = node.func
                name = fn.attr if isinstance(fn, ast.Attribute) else fn.id if isinstance(fn, ast.Name) else ""
                assert name not in BANNED_CALLS, f"{path.name}:{node.lineno} calls {name}()"
            if isinstance(node, ast.Attribute):
                assert node.attr != "environ", f"{path.name}:{node.lineno} reads the environment"


def test_boundary_check_catches_a_violation(tmp_path) -> None:
    """The checks above do fail on a module that breaks the rule."""
    bad = ast.parse("import os\nx = os.environ['A']\nopen('f')\n")
    imports = [a.name for n in ast.walk(bad) if isinstance(n, ast.Import) for a in n.names]
    calls = [n.func.id for n in ast.walk(bad) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)]
    assert "os" not in ALLOWED_IMPORTS and "os" in imports
    assert "open" in BANNED_CALLS and "open" in calls


RUNTIME_CODE = ["function_app.py", "sync_timer", "sync_queue", "leads_http", "health_http", "shared"]
PROVIDED_BY = {
    # top-level module -> the requirements.txt entry that installs it
    "azure": "azure-functions",  # also azure-data-tables, azure-storage-queue, azure-monitor-opentelemetry
    "gspread": "gspread",
    "google": "google-auth",
    "requests": "requests",
    "pydantic": "pydantic",
    "phonenumbers": "phonenumbers",
    "rapidfuzz": "rapidfuzz",
    "charset_normalizer": "charset-normalizer",
    "opentelemetry": "azure-monitor-opentelemetry",
}


def test_runtime_code_imports_only_what_requirements_install() -> None:
    """The deployed app imports the standard library and requirements.txt only (no dev packages)."""
    import sys

    root = CORE.parent.parent
    requirements = (root / "requirements.txt").read_text()
    local = {"shared", "sync_timer", "sync_queue", "leads_http", "health_http", "function_app"}
    files = [p for entry in RUNTIME_CODE for p in ((root / entry).rglob("*.py") if (root / entry).is_dir() else [root / entry])]
    assert len(files) > 20
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom) and node.level == 0
                else []
            )
            for name in names:
                top = name.split(".")[0]
                if top in sys.stdlib_module_names or top in local:
                    continue
                assert top in PROVIDED_BY, f"{path.relative_to(root)} imports {name}, which requirements.txt does not install"
                assert PROVIDED_BY[top] in requirements
