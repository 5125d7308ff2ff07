"""
Command line: ``python -m shared inspect|sync|serve|approve``.

- ``inspect FILE [--json]``: header detection and mapping of one CSV file, explained.
- ``sync [--config FILE] [--sheet ID] [--json]``: one sync run with a report per sheet; exits 1
  when any sheet is ERROR.
- ``serve [--port N] [--host H]``: a local HTTP server that dispatches to the HTTP functions the
  app registers (routes, methods and route parameters read from ``function_app``), so it serves
  exactly the API that runs in Azure.
- ``approve SHEET [--change ID] [--reason TEXT] [--by NAME] [--confirm-empty]``: approve one
  blocked change, named by its id (without ``--change`` it shows what is blocked).
- ``check-config [FILE]``: validate settings and sheets offline; exit 1 on any problem.
- ``schema``: the JSON Schema of the sheets setting (``schemas/sheets.schema.json``).
"""

from __future__ import annotations

import argparse
import functools
import json
import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from .config import load_settings, local_server_settings, settings_with_sheets_file
from .core.analysis import SheetOptions, analyse_sheet
from .core.models import HeaderMatch
from .errors import ConflictError, LeadSyncError, UnknownSheetError

if TYPE_CHECKING:
    from .service import Runtime


def inspect_file(path: Path, options: SheetOptions | None = None) -> dict[str, Any]:
    """The ``inspect --json`` document for one file."""
    from .adapters.csv_source import read_csv

    return inspect_grid(read_csv(path), str(path), options)


def inspect_grid(grid: list[list[str]], name: str, options: SheetOptions | None = None) -> dict[str, Any]:
    """The ``inspect --json`` document for one grid (a file, or a configured sheet)."""
    a = analyse_sheet(grid, options)
    h = a.header
    return {
        "file": name,
        "header_row": h.row if isinstance(h, HeaderMatch) else None,
        "header_rows": list(h.rows),
        "strategy": h.strategy,
        "confidence": h.confidence,
        "columns": [c.to_dict() for c in a.mapping.columns],
        "missing": a.missing,
        "status": a.status.value,
        "messages": a.messages,
        "candidates": [c.to_dict() for c in h.candidates],
        "rows": {"data_rows": a.rows_read, "blank": a.rows_blank, "leads": len(a.leads), "skipped": a.rows_skipped},
        "issues": [{"row": i.row + 1, "code": i.code, "column": i.column} for i in a.issues[:50]],
    }


def _print_inspect(doc: dict[str, Any]) -> None:
    hr = doc["header_row"]
    print(f"{doc['file']}")
    where = "no header" if hr is None else f"row {hr + 1} (index {hr})"
    print(f"  header: {where} by {doc['strategy']}, confidence {doc['confidence']:.2f}")
    for c in doc["candidates"][:3]:
        print(f"    candidate row {c['row'] + 1}: score {c['score']:.2f}: {'; '.join(c['reasons'])}")
    print("  columns:")
    for c in doc["columns"]:
        target = c["field"] or (f"({c['also']} 2nd)" if c.get("also") else "(extra)")
        print(f"    {c['index']:>3} {str(c['header'] or '')[:30]:<30} -> {target:<12} {c['reason']}")
    print(f"  status: {doc['status']}" + (f" (missing: {', '.join(doc['missing'])})" if doc["missing"] else ""))
    for m in doc["messages"]:
        print(f"  - {m}")
    r = doc["rows"]
    print(f"  rows: {r['data_rows']} data, {r['blank']} blank, {r['leads']} leads, {r['skipped']} skipped")


def _print_report(report: dict[str, Any]) -> None:
    for s in report["sheets"]:
        hr = s.get("header_row")
        print(
            f"{s['status']:<7} {s['sheet_id']}: header row {'-' if hr is None else hr + 1}"
            f" ({s.get('header_strategy') or '-'}), fields {', '.join(s.get('mapped_fields') or []) or '-'}"
        )
        print(
            f"        rows {s['rows_read']}, leads {s['leads']}: +{s['added']} ~{s['updated']} "
            f"restored {s['restored']} deleted {s['deleted']} unchanged {s['unchanged']} skipped {s['skipped']}"
            f" written {s['written']} in {s['duration_ms']} ms"
        )
        for m in s["messages"]:
            print(f"        - {m}")
    print(f"run: {report['status']}")


def _runtime(config: str | None) -> Runtime:
    from .service import Runtime, get_runtime, set_runtime

    if config:
        set_runtime(Runtime(*settings_with_sheets_file(config)))
    return get_runtime()


def serve(host: str, port: int, cors_origins: str = "", key: str | None = None) -> None:
    """Serve the app's registered HTTP functions on ``host:port`` until interrupted."""
    server = make_server(host, port, cors_origins, key)
    print(f"serving the Lead Sync API on http://{host}:{server.server_address[1]}/api", flush=True)
    for method, pattern, name, _, auth in server.routes:  # type: ignore[attr-defined]
        print(f"  {method:<6} /api/{pattern}  ({name}, {auth.lower()})", flush=True)
    if not key:
        print("  function routes are open: set LEAD_SYNC_LOCAL_KEY to require x-functions-key or ?code=", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@functools.cache
def http_routes() -> list[tuple[str, str, str, Any, str]]:
    """
    (method, route, function name, user function, auth level) of every HTTP function the app
    registers. Read once per process: the app refuses to build its functions twice.
    """
    import azure.functions as func

    import function_app

    apps = [v for v in vars(function_app).values() if isinstance(v, func.FunctionRegister)]
    routes: list[tuple[str, str, str, Any, str]] = []
    for fn in apps[0].get_functions():
        for b in json.loads(fn.get_function_json())["bindings"]:
            if b["type"] == "httpTrigger":
                for m in b.get("methods") or ["GET", "POST"]:
                    name = str(fn.get_function_name())
                    auth = str(b.get("authLevel") or "FUNCTION").upper()
                    routes.append((str(m).upper(), str(b.get("route") or name), name, fn.get_user_function(), auth))
    # Literal routes before parameterised ones, as the host's router prefers them.
    routes.sort(key=lambda r: r[1].count("{"))
    return routes


def _compile(route: str) -> re.Pattern[str]:
    out = re.sub(r"\{(\w+)(?::[^}]*)?\??\}", r"(?P<\1>[^/]+)", route.strip("/"))
    return re.compile(f"^{out}$")


MAX_LOCAL_BODY = 1024 * 1024
"""The local server refuses bodies larger than this (413), like the host's request limits."""
CLIENT_TIMEOUT = 10.0
"""A client that sends nothing for this long is disconnected (slow or lying Content-Length)."""
_NOT_FOUND = b'{"code": "not_found", "detail": "no such route", "error": "no such route"}'


def make_server(
    host: str, port: int, cors_origins: str = "", key: str | None = None, client_timeout: float = CLIENT_TIMEOUT
) -> ThreadingHTTPServer:
    """
    A development server for the app's own HTTP functions. Where it matters it behaves like the
    host: function-level routes need the key (``x-functions-key`` header or ``?code=``) when one
    is set, bodies are capped and read with a timeout, and no request can crash it.
    """
    import hmac

    import azure.functions as func

    routes = http_routes()
    compiled = [(m, _compile(r), fn, auth) for m, r, _, fn, auth in routes]
    allowed = {o.strip() for o in cors_origins.split(",") if o.strip()}

    class Handler(BaseHTTPRequestHandler):
        timeout = client_timeout
        protocol_version = "HTTP/1.0"

        def _cors(self) -> None:
            origin = self.headers.get("Origin") if self.headers else None
            if origin and (origin in allowed or "*" in allowed):
                self.send_header("Access-Control-Allow-Origin", origin if "*" not in allowed else "*")
                self.send_header("Vary", "Origin")

        def _authorised(self, auth: str, params: dict[str, str]) -> bool:
            if auth == "ANONYMOUS" or not key:
                return True
            given = self.headers.get("x-functions-key") or params.get("code") or ""
            return hmac.compare_digest(given.encode(), key.encode())

        def _body(self) -> bytes | None:
            raw = self.headers.get("Content-Length")
            if raw is None:
                return b""
            try:
                length = int(raw)
            except ValueError:
                length = -1
            if length < 0:
                self._send(400, b'{"code": "invalid_request", "detail": "bad Content-Length"}', "application/problem+json")
                return None
            if length > MAX_LOCAL_BODY:
                self._send(413, b'{"code": "too_large", "detail": "the body is too large"}', "application/problem+json")
                return None
            try:
                body = self.rfile.read(length) if length else b""
            except (TimeoutError, OSError):
                body = b""
            if len(body) < length:  # the client said more than it sent
                self._send(
                    400, b'{"code": "invalid_request", "detail": "the body is shorter than Content-Length"}', "application/problem+json"
                )
                return None
            return body

        def _dispatch(self) -> None:
            url = urlsplit(self.path)
            path = url.path
            if not path.startswith("/api/"):
                return self._send(404, _NOT_FOUND, "application/problem+json")
            rel = path[len("/api/") :].strip("/")
            matches = [(m, found, fn, auth) for m, p, fn, auth in compiled if (found := p.match(rel)) is not None]
            if not matches:
                return self._send(404, _NOT_FOUND, "application/problem+json")
            if self.command == "OPTIONS":
                self.send_response(204)
                self._cors()
                self.send_header("Access-Control-Allow-Methods", ", ".join(sorted({m for m, _, _, _ in matches})))
                self.send_header("Access-Control-Allow-Headers", "content-type, x-functions-key")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            hit = next(((mm, fn, auth) for m, mm, fn, auth in matches if m == self.command), None)
            if hit is None:
                return self._send(405, b'{"code": "method_not_allowed", "detail": "method not allowed"}', "application/problem+json")
            match, fn, auth = hit
            params = dict(parse_qsl(url.query, keep_blank_values=True))
            if not self._authorised(auth, params):
                return self._send(401, b'{"code": "unauthorized", "detail": "a function key is needed"}', "application/problem+json")
            body = self._body()
            if body is None:
                return None
            req = func.HttpRequest(
                method=self.command,
                url=f"http://{host}{self.path}",
                headers=dict(self.headers.items()),
                params=params,
                route_params=match.groupdict(),
                body=body,
            )
            try:
                resp = fn(req)
            except Exception as e:  # noqa: BLE001 - a handler bug answers 500, like the host
                return self._send(500, json.dumps({"code": "internal", "detail": type(e).__name__}).encode(), "application/problem+json")
            return self._send(resp.status_code, resp.get_body(), resp.mimetype or "application/json", dict(resp.headers))

        def _send(self, status: int, body: bytes, mimetype: str, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", mimetype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                if k.lower() not in ("content-type", "content-length"):
                    self.send_header(k, v)
            self._cors()
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _dispatch

        def log_message(self, fmt: str, *args: Any) -> None:
            # Method, path (no query: it may hold the key) and status; never fails, whatever the request.
            try:
                path = urlsplit(getattr(self, "path", "") or "").path[:200]
                sys.stderr.write(f"{getattr(self, 'command', '-') or '-'} {path} {args[1] if len(args) > 1 else ''}\n")
            except Exception:  # noqa: BLE001, S110 - logging must never take a request down
                pass

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    server.routes = routes  # type: ignore[attr-defined]
    return server


def check_config(config: str | None) -> int:
    """Validate settings and sheets offline; print every problem; 1 if any, else 0."""
    settings, _ = settings_with_sheets_file(config) if config else (load_settings(), None)
    for p in settings.problems:
        print(f"problem: {p}")
    for w in settings.warnings:
        print(f"warning: {w}")
    for b in settings.broken:
        print(f"sheet {b.id}: {b.error}")
    for sheet in settings.sheets:
        print(f"ok: {sheet.id} ({sheet.source}{', disabled' if not sheet.enabled else ''})")
    if settings.google_credentials:
        print(f"share each Google sheet (Viewer) with the service account {settings.google_credentials.get('client_email')}")
    bad = bool(settings.problems or settings.broken)
    print(f"config: {'ERROR' if bad else 'WARNING' if settings.warnings else 'OK'} ({len(settings.sheets)} sheets)")
    return 1 if bad else 0


def sheets_schema() -> dict[str, Any]:
    """JSON Schema of the sheets setting (a list of sheets, or ``{"sheets": [...]}``), for editors."""
    from .config import SheetConfig

    item = SheetConfig.model_json_schema()
    defs = item.pop("$defs", {})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Lead Sync sheets (LEAD_SYNC_SHEETS or LEAD_SYNC_SHEETS_FILE)",
        "$defs": {**defs, "SheetConfig": item},
        "oneOf": [
            {"type": "array", "items": {"$ref": "#/$defs/SheetConfig"}},
            {
                "type": "object",
                "properties": {"sheets": {"type": "array", "items": {"$ref": "#/$defs/SheetConfig"}}},
                "required": ["sheets"],
            },
        ],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared", description="Lead Sync command line")
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("inspect", help="explain header detection and mapping of a CSV file or a configured sheet")
    p.add_argument("file", type=Path, nargs="?")
    p.add_argument("--sheet", help="a configured sheet id instead of a file (read through its source, e.g. Google)")
    p.add_argument("--config", help="JSON file listing the sheets (with --sheet)")
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("sync", help="run one sync and print a report per sheet")
    p.add_argument("--config", help="JSON file listing the sheets (overrides LEAD_SYNC_SHEETS)")
    p.add_argument("--sheet", help="sync only this sheet id")
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("serve", help="serve the HTTP API locally")
    p.add_argument("--port", type=int, default=7071)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--config", help="JSON file listing the sheets")
    p = sub.add_parser("approve", help="approve one blocked change of a sheet (by its id)")
    p.add_argument("sheet")
    p.add_argument("--change", help="the blocked change's id (shown without --change, and in health detail)")
    p.add_argument("--reason", default="")
    p.add_argument("--by", default="", help="who approves (default: the operating system user)")
    p.add_argument("--confirm-empty", action="store_true", help="needed when the change removes every lead")
    p.add_argument("--config")
    p = sub.add_parser("check-config", help="validate settings and the sheet list offline; exit 1 on any problem")
    p.add_argument("config", nargs="?", help="JSON file listing the sheets (default: the LEAD_SYNC_SHEETS settings)")
    sub.add_parser("schema", help="print the JSON Schema of the sheets setting")
    p = sub.add_parser("sheets-import", help="validate a JSON sheet list and write it into LEAD_SYNC_SHEETS_TABLE")
    p.add_argument("file", type=Path)
    args = parser.parse_args(argv)

    if args.cmd == "inspect":
        if (args.file is None) == (args.sheet is None):
            print("error: give a FILE or --sheet ID", file=sys.stderr)
            return 2
        try:
            if args.sheet:
                rt = _runtime(args.config)
                sheet = rt.settings.sheet(args.sheet)
                if sheet is None:
                    print(f"error: unknown sheet {args.sheet!r}", file=sys.stderr)
                    return 2
                options = sheet.options(rt.settings.phone_region)
                doc = inspect_grid(rt.source_for(sheet).fetch(sheet), f"sheet {sheet.id}", options)
            else:
                doc = inspect_file(args.file)
        except LeadSyncError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        if args.json:
            print(json.dumps(doc, ensure_ascii=False, indent=2))
        else:
            _print_inspect(doc)
        return 0
    if args.cmd == "sync":
        rt = _runtime(args.config)
        for problem in rt.settings.problems:
            print(f"config: {problem}", file=sys.stderr)
        try:
            report = rt.run_sync(only=args.sheet, trigger="cli").to_dict()
        except UnknownSheetError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        if args.json:
            print(json.dumps(report, ensure_ascii=False, indent=2, default=str))
        else:
            _print_report(report)
        return 1 if report["status"] == "ERROR" else 0
    if args.cmd == "serve":
        _runtime(args.config)
        serve(args.host, args.port, *local_server_settings())
        return 0
    if args.cmd == "approve":
        import getpass

        from .service import ApprovalRequest

        who = args.by or f"cli:{getpass.getuser()}"
        try:
            payload = _runtime(args.config).approve(ApprovalRequest(args.sheet, args.change, who, args.reason, args.confirm_empty))
        except UnknownSheetError as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        except (ConflictError, LeadSyncError) as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
        print(json.dumps(payload, indent=2))
        return 0
    if args.cmd == "check-config":
        return check_config(args.config)
    if args.cmd == "schema":
        print(json.dumps(sheets_schema(), indent=2))
        return 0
    if args.cmd == "sheets-import":
        return sheets_import(args.file)
    return 2


def sheets_import(path: Path) -> int:
    """Write a JSON sheet list into ``LEAD_SYNC_SHEETS_TABLE``; refuses a list with any invalid entry."""
    from .config import StorageTarget, load_settings, settings_with_sheets_file

    table = load_settings().sheets_table
    if not table:
        print("error: set LEAD_SYNC_SHEETS_TABLE (and unset LEAD_SYNC_SHEETS / LEAD_SYNC_SHEETS_FILE)", file=sys.stderr)
        return 2
    settings, _ = settings_with_sheets_file(str(path))
    if settings.broken or not settings.sheets:
        for b in settings.broken:
            print(f"error: {b.id}: {b.error}", file=sys.stderr)
        for problem in settings.problems:
            print(f"config: {problem}", file=sys.stderr)
        return 1
    target = settings.storage_target or (
        StorageTarget(connection_string=settings.storage_connection) if settings.storage_connection else None
    )
    if target is None:
        print("error: no storage configured: set LEAD_SYNC_STORAGE or AzureWebJobsStorage", file=sys.stderr)
        return 2
    from .adapters.sheet_table import write_sheet_entries

    try:
        n = write_sheet_entries(target, table, [s.model_dump(exclude_defaults=True) for s in settings.sheets])
    except LeadSyncError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"{n} sheets written to table {table}")
    return 0
