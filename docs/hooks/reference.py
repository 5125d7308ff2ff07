"""mkdocs hook: the reference pages are generated from the code, never copied by hand.

A page asks for a generated block with a marker line:

- ``<!-- generated: settings -->``: every setting, from ``shared.settings_catalog`` (which a test keeps
  equal to what ``shared/config.py`` reads);
- ``<!-- generated: sheet-entry -->``: every field of a sheet entry, from ``schemas/sheets.schema.json``
  (which a test keeps equal to the ``SheetConfig`` model);
- ``<!-- generated: reasons -->``: the reason-code catalogue (``shared.core.reasons``);
- ``<!-- generated: api -->``: every route, parameter and answer of ``/api/openapi.json``
  (``shared.contract.openapi()``).

An unknown marker fails the build (``mkdocs build --strict`` runs in ``scripts/test``).
"""

from __future__ import annotations

import json
import re
import sys
from itertools import groupby
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

MARKER = re.compile(r"^<!-- generated: ([a-z-]+) -->$", re.M)


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def settings() -> str:
    from shared.settings_catalog import SETTINGS

    out: list[str] = []
    for group, items in groupby(sorted(SETTINGS, key=lambda s: s.group), key=lambda s: s.group):
        out += [f"### {group}", "", "| setting | default | what it does |", "|---|---|---|"]
        out += [f"| `{s.name}` | {_cell(s.default)} | {_cell(s.meaning)} |" for s in items]
        out.append("")
    return "\n".join(out)


def _type(prop: dict[str, Any]) -> str:
    if "anyOf" in prop:
        return " or ".join(_type(p) for p in prop["anyOf"] if p.get("type") != "null")
    if "enum" in prop:
        return " / ".join(f"`{v}`" for v in prop["enum"])
    kind = prop.get("type", "any")
    if kind == "array":
        return f"list of {_type(prop.get('items', {}))}"
    if kind == "object":
        return "object"
    limits = [f"{k} {prop[k]}" for k in ("pattern", "minimum", "exclusiveMinimum", "maximum", "maxLength") if k in prop]
    return kind + (f" ({', '.join(limits)})" if limits else "")


def sheet_entry() -> str:
    schema = json.loads((ROOT / "schemas" / "sheets.schema.json").read_text(encoding="utf-8"))
    item = schema["$defs"]["SheetConfig"]
    required = set(item.get("required", []))
    out = ["| field | type | default | what it means |", "|---|---|---|---|"]
    for name, prop in item["properties"].items():
        default = "required" if name in required else f"`{json.dumps(prop['default'])}`" if "default" in prop else "none"
        out.append(f"| `{name}` | {_cell(_type(prop))} | {default} | {_cell(prop.get('description', ''))} |")
    return "\n".join(out)


def reasons() -> str:
    from shared.core.reasons import catalogue

    out = ["| code | status | meaning | what to do |", "|---|---|---|---|"]
    out += [f"| `{r['code']}` | {r['status']} | {_cell(r['meaning'])} | {_cell(r['action'])} |" for r in catalogue()]
    return "\n".join(out)


def _schema_name(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " or ".join(_schema_name(s) for s in schema["anyOf"])
    return str(schema.get("type", "object"))


def api() -> str:
    from shared.contract import openapi

    doc = openapi()
    out: list[str] = [f"API version **{doc['info']['version']}**. The document itself: `GET /api/openapi.json`.", ""]
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            auth = "function key" if op.get("security") else "anonymous"
            out += [f"### `{method.upper()} /api{path}`" if not path.startswith("/api") else f"### `{method.upper()} {path}`", ""]
            out += [f"{op.get('summary', '')} ({auth})", ""]
            params = op.get("parameters", [])
            if params:
                out += ["| parameter | in | type | description |", "|---|---|---|---|"]
                for p in params:
                    schema = p.get("schema", {})
                    out.append(
                        f"| `{p['name']}` | {p['in']} | {_cell(_type(schema))} | {_cell(p.get('description', schema.get('description', '')))} |"
                    )
                out.append("")
            body = op.get("requestBody")
            if body:
                schema = next(iter(body["content"].values()))["schema"]
                out += [f"Body: `{_schema_name(schema)}` (JSON).", ""]
            out += ["| status | answer |", "|---|---|"]
            for status, resp in op.get("responses", {}).items():
                content = resp.get("content")
                shape = f" (`{_schema_name(next(iter(content.values()))['schema'])}`)" if content else ""
                out.append(f"| {status} | {_cell(resp.get('description', ''))}{shape} |")
            out.append("")
    return "\n".join(out)


BLOCKS = {"settings": settings, "sheet-entry": sheet_entry, "reasons": reasons, "api": api}


def on_config(config: Any) -> Any:
    """Put the project on the import path (mkdocs restores ``sys.path`` after loading a hook)."""
    if str(ROOT) not in sys.path:
        sys.path.append(str(ROOT))
    return config


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in BLOCKS:
            raise ValueError(f"{page.file.src_path}: unknown generated block {name!r} (known: {sorted(BLOCKS)})")
        return BLOCKS[name]()

    return MARKER.sub(fill, markdown)
