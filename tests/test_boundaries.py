"""The pure core imports no SDK, does no I/O and reads neither the environment nor the clock."""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parent.parent / "shared" / "core"
ALLOWED_IMPORTS = {
    "__future__",
    "base64",
    "ipaddress",
    "urllib",
    "collections",
    "dataclasses",
    "datetime",
    "enum",
    "functools",
    "hashlib",
    "hmac",
    "json",
    "itertools",
    "operator",
    "re",
    "typing",
    "unicodedata",
    "phonenumbers",
    "rapidfuzz",
    "croniter",
    "email_validator",  # syntax only: shared.core.emails never asks it to check deliverability (DNS)
    "cleanco",  # legal-form term lists: data, no I/O
    "nameparser",  # name particles and honorifics: data, no I/O
    "tomllib",  # parses bytes it is given; reads nothing itself
}
BANNED_CALLS = {
    "open",
    "print",
    "input",
    "now",
    "utcnow",
    "today",
    "time",
    "getenv",
    "perf_counter",
    "read_bytes",
    "read_text",
    "write_bytes",
    "write_text",
}
# The one exception: the vocabulary is data shipped inside the core's own package
# (shared/core/vocabulary/*.toml, issue 19). Its loader reads those read-only package files with
# importlib.resources, lazily, once per process; no other core module may read anything.
PACKAGE_DATA_READER = "vocabulary/__init__.py"
PACKAGE_DATA_IMPORTS = {"importlib"}
PACKAGE_DATA_CALLS = {"read_bytes"}


def _modules():
    return sorted(CORE.rglob("*.py"))


def _rel(path: Path) -> str:
    return path.relative_to(CORE).as_posix()


def test_core_imports_only_pure_modules() -> None:
    """shared.core (subpackages included) imports the standard library's pure parts and pure libraries only."""
    assert PACKAGE_DATA_READER in {_rel(p) for p in _modules()}  # the exception names a real module
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            allowed = ALLOWED_IMPORTS | (PACKAGE_DATA_IMPORTS if _rel(path) == PACKAGE_DATA_READER else set())
            for name in names:
                assert name.split(".")[0] in allowed, f"{_rel(path)} imports {name}"


def test_core_makes_no_io_env_or_clock_calls() -> None:
    """No open(), print(), os.environ, datetime.now() or time() in shared.core."""
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                fn = node.func
                name = fn.attr if isinstance(fn, ast.Attribute) else fn.id if isinstance(fn, ast.Name) else ""
                if _rel(path) == PACKAGE_DATA_READER and name in PACKAGE_DATA_CALLS:
                    continue
                assert name not in BANNED_CALLS, f"{_rel(path)}:{node.lineno} calls {name}()"
            if isinstance(node, ast.Attribute):
                assert node.attr != "environ", f"{path.name}:{node.lineno} reads the environment"


def test_boundary_check_catches_a_violation(tmp_path) -> None:
    """The checks above do fail on a module that breaks the rule."""
    bad = ast.parse("import os\nx = os.environ['A']\nopen('f')\n")
    imports = [a.name for n in ast.walk(bad) if isinstance(n, ast.Import) for a in n.names]
    calls = [n.func.id for n in ast.walk(bad) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)]
    assert "os" not in ALLOWED_IMPORTS and "os" in imports
    assert "open" in BANNED_CALLS and "open" in calls


RUNTIME_CODE = [
    "function_app.py",
    "sync_timer",
    "leads_http",
    "health_http",
    "sync_queue",
    "privacy_http",
    "purge_timer",
    "console_http",
    "changes_http",
    "webhooks_http",
    "webhooks_queue",
    "shared",
]
PROVIDED_BY = {
    # top-level module -> the requirements.txt entry that installs it
    "azure": "azure-functions",  # also azure-data-tables, azure-storage-queue, azure-monitor-opentelemetry
    "gspread": "gspread",
    "google": "google-auth",
    "requests": "requests",
    "pydantic": "pydantic",
    "phonenumbers": "phonenumberslite",
    "rapidfuzz": "rapidfuzz",
    "croniter": "croniter",
    "charset_normalizer": "charset-normalizer",
    "email_validator": "email-validator",
    "cleanco": "cleanco",
    "nameparser": "nameparser",
    "opentelemetry": "azure-monitor-opentelemetry",
    "jinja2": "jinja2",
    "markupsafe": "jinja2",  # Jinja2's own dependency
    "standardwebhooks": "standardwebhooks",
    "cryptography": "cryptography",
}


def test_runtime_code_imports_only_what_requirements_install() -> None:
    """The deployed app imports the standard library and requirements.txt only (no dev packages)."""
    import sys

    root = CORE.parent.parent
    requirements = (root / "requirements.txt").read_text()
    local = {Path(entry).stem for entry in RUNTIME_CODE}  # the app's own top-level modules
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


# The whole layering: each module may import only its own layer and the layers below it.
LAYERS: dict[str, float] = {
    "shared.core": 0,
    "shared.errors": 1,
    "shared.config": 1,
    "shared.settings_catalog": 1,
    "shared.config_model": 1,
    "shared.ports": 1,
    "shared.contract": 1,
    "shared.buildinfo": 1,
    "shared.telemetry": 1,
    "shared.adapters": 2,
    "shared.sync": 3,
    # Inside the service: inputs, results and the Deps protocol <- use cases <- the composition root.
    "shared.service.inputs": 4,
    "shared.service.results": 4,
    "shared.service.deps": 4,
    "shared.service.audit": 4,
    "shared.service.health": 4.1,
    "shared.service.leads": 4.1,
    "shared.service.syncs": 4.1,
    "shared.service.worker": 4.1,
    "shared.service.approvals": 4.1,
    "shared.service.privacy": 4.1,
    "shared.service.sheets": 4.1,
    "shared.service.changes": 4.1,
    "shared.service.root": 4.5,
    "shared.service": 4.5,
    "shared.web": 5,
    "shared.console": 5,
    "shared.cli": 5,
    "shared.__main__": 5,
}
TRIGGER_LAYER = 6
"""Trigger packages (blueprints) and function_app: the outermost layer."""


def _layer(module: str) -> float | None:
    """The layer of a first-party module, None for third-party and standard-library modules."""
    if module == "shared":
        return 0  # the empty package itself
    for prefix, layer in sorted(LAYERS.items(), key=lambda kv: -len(kv[0])):
        if module == prefix or module.startswith(prefix + "."):
            return layer
    top = module.split(".")[0]
    if top == "function_app" or (ROOT / top / "__init__.py").exists() and top not in ("shared", "tests", "bench", "scripts"):
        return TRIGGER_LAYER
    return None


ROOT = CORE.parent.parent


def _runtime_files() -> list[tuple[str, Path]]:
    """(module name, path) of every module that ships: function_app, trigger packages, shared."""
    out = [("function_app", ROOT / "function_app.py")]
    for path in sorted(ROOT.glob("*/__init__.py")):
        if path.parent.name not in ("tests", "bench", "scripts"):
            for file in sorted(path.parent.rglob("*.py")):
                rel = file.relative_to(ROOT).with_suffix("")
                parts = list(rel.parts)
                if parts[-1] == "__init__":
                    parts = parts[:-1]
                out.append((".".join(parts), file))
    return out


def _imports(module: str, path: Path) -> list[tuple[str, int]]:
    """Absolute names of every import in the file (lazy ones inside functions too), with line numbers."""
    found: list[tuple[str, int]] = []
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            found.append((name, node.lineno))
    return found


def test_imports_point_inward_only() -> None:
    """core <- errors/config/ports/telemetry <- adapters <- sync <- service (use cases <- root) <- web/cli <- triggers."""
    files = _runtime_files()
    assert any(m.startswith("shared.core.") for m, _ in files) and any(m == "leads_http" for m, _ in files)
    for module, path in files:
        mine = _layer(module)
        assert mine is not None, f"{module} has no layer: add it to LAYERS"
        for name, line in _imports(module, path):
            theirs = _layer(name)
            if theirs is not None:
                assert theirs <= mine, f"{path.relative_to(ROOT)}:{line} imports {name} (layer {theirs}) from layer {mine}"


def test_only_config_reads_the_environment() -> None:
    """os.environ / os.getenv appear in shared/config.py and nowhere else that ships."""
    for module, path in _runtime_files():
        if module == "shared.config":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in ("environ", "getenv")
                and isinstance(node.value, ast.Name)
                and node.value.id == "os"
            ):
                raise AssertionError(f"{path.relative_to(ROOT)}:{node.lineno} reads the environment")


WEB_LAYER = ("shared.web", "shared.console")
"""The modules that know HTTP: the API's (shared/web.py) and the console's (shared/console/)."""


def _web(module: str) -> bool:
    return any(module == m or module.startswith(m + ".") for m in WEB_LAYER)


def test_azure_functions_only_in_triggers_and_web() -> None:
    """Only the trigger packages, function_app, shared/web.py and shared/console know azure.functions (HTTP and bindings)."""
    for module, path in _runtime_files():
        if _layer(module) == TRIGGER_LAYER or _web(module):
            continue
        for name, line in _imports(module, path):
            assert not name.startswith("azure.functions"), f"{path.relative_to(ROOT)}:{line} imports {name}"


def _status_codes(tree: ast.AST, thin: bool) -> list[int]:
    """
    Lines that write an HTTP status: ``status_code=``, a ``(404, {...})`` answer tuple, and, in a
    thin module (a trigger), any integer literal from 100 to 599.
    """
    found = [n.value.lineno for n in ast.walk(tree) if isinstance(n, ast.keyword) and n.arg == "status_code"]
    for n in ast.walk(tree):
        code = n.elts[0] if isinstance(n, ast.Tuple) and len(n.elts) == 2 and isinstance(n.elts[1], ast.Dict) else n if thin else None
        if isinstance(code, ast.Constant) and type(code.value) is int and 100 <= code.value <= 599:
            found.append(n.lineno)  # type: ignore[attr-defined]
    return sorted(set(found))


def test_only_web_knows_http_status_codes() -> None:
    """Triggers parse, call and render through shared.web (or shared.console); nothing else that ships writes a status code."""
    for module, path in _runtime_files():
        if _web(module):
            continue
        lines = _status_codes(ast.parse(path.read_text(encoding="utf-8")), thin=_layer(module) == TRIGGER_LAYER)
        assert not lines, f"{path.relative_to(ROOT)}:{lines[0]} writes an HTTP status code: answer through shared.web"
    assert _status_codes(ast.parse("f(200, x)\nHttpResponse(status_code=s)\nreturn (404, {})\n"), thin=True) == [1, 2, 3]
    assert _status_codes(ast.parse("f(200, x)\nreturn (404, {})\n"), thin=False) == [2]


def test_no_test_module_imports_another() -> None:
    """Shared test code lives in tests/helpers.py and conftest.py, never in another test module."""
    for path in sorted((ROOT / "tests").glob("test_*.py")):
        for name, line in _imports(f"tests.{path.stem}", path):
            assert not name.startswith("tests.test_"), f"{path.name}:{line} imports {name}"
