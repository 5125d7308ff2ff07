"""
Command line: ``python -m shared inspect|sync|serve|approve``.

- ``inspect FILE [--json]``: header detection and mapping of one CSV file, explained.
- ``sync [--config FILE] [--sheet ID] [--json]``: one sync run with a report per sheet; exits 1
  when any sheet is ERROR.
- ``serve [--port N] [--host H]``: a local HTTP server that dispatches to the HTTP functions the
  app registers (routes, methods and route parameters read from ``function_app``), so it serves
  exactly the API that runs in Azure.
- ``approve SHEET``: approve one blocked drop.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from .config import load_settings
from .core.analysis import SheetOptions, analyse_sheet
from .core.models import HeaderMatch
from .errors import SourceError

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
        env = dict(os.environ)
        env.pop("LEAD_SYNC_SHEETS", None)
        env["LEAD_SYNC_SHEETS_FILE"] = str(Path(config).resolve())
        set_runtime(Runtime(load_settings(env), env))
    return get_runtime()


def serve(host: str, port: int, cors_origins: str = "") -> None:
    """Serve the app's registered HTTP functions on ``host:port`` until interrupted."""
    server = make_server(host, port, cors_origins)
    print(f"serving the Lead Sync API on http://{host}:{server.server_address[1]}/api", flush=True)
    for method, pattern, name, _ in server.routes:  # type: ignore[attr-defined]
        print(f"  {method:<6} /api/{pattern}  ({name})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def http_routes() -> list[tuple[str, str, str, Any]]:
    """(method, route, function name, user function) of every HTTP function the app registers."""
    import azure.functions as func

    import function_app

    apps = [v for v in vars(function_app).values() if isinstance(v, func.FunctionRegister)]
    routes: list[tuple[str, str, str, Any]] = []
    for fn in apps[0].get_functions():
        for b in json.loads(fn.get_function_json())["bindings"]:
            if b["type"] == "httpTrigger":
                for m in b.get("methods") or ["GET", "POST"]:
                    name = str(fn.get_function_name())
                    routes.append((str(m).upper(), str(b.get("route") or name), name, fn.get_user_function()))
    return routes


def _compile(route: str) -> re.Pattern[str]:
    out = re.sub(r"\{(\w+)(?::[^}]*)?\??\}", r"(?P<\1>[^/]+)", route.strip("/"))
    return re.compile(f"^{out}$")


def make_server(host: str, port: int, cors_origins: str = "") -> ThreadingHTTPServer:
    import azure.functions as func

    routes = http_routes()
    compiled = [(m, _compile(r), name, fn) for m, r, name, fn in routes]
    allowed = {o.strip() for o in cors_origins.split(",") if o.strip()}

    class Handler(BaseHTTPRequestHandler):
        def _cors(self) -> None:
            origin = self.headers.get("Origin")
            if origin and (origin in allowed or "*" in allowed):
                self.send_header("Access-Control-Allow-Origin", origin if "*" not in allowed else "*")
                self.send_header("Vary", "Origin")

        def _dispatch(self) -> None:
            url = urlsplit(self.path)
            path = url.path
            if not path.startswith("/api/"):
                return self._send(404, b'{"error": "not found"}', "application/json")
            rel = path[len("/api/") :].strip("/")
            matches = [(m, found, fn) for m, p, _, fn in compiled if (found := p.match(rel)) is not None]
            if not matches:
                return self._send(404, b'{"error": "not found"}', "application/json")
            if self.command == "OPTIONS":
                self.send_response(204)
                self._cors()
                self.send_header("Access-Control-Allow-Methods", ", ".join(sorted({m for m, _, _ in matches})))
                self.send_header("Access-Control-Allow-Headers", "content-type, x-functions-key")
                self.end_headers()
                return None
            hit = next(((mm, fn) for m, mm, fn in matches if m == self.command), None)
            if hit is None:
                return self._send(405, b'{"error": "method not allowed"}', "application/json")
            match, fn = hit
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            req = func.HttpRequest(
                method=self.command,
                url=f"http://{self.headers.get('Host', host)}{self.path}",
                headers=dict(self.headers.items()),
                params=dict(parse_qsl(url.query)),
                route_params=match.groupdict(),
                body=body,
            )
            try:
                resp = fn(req)
            except Exception as e:  # noqa: BLE001 - a handler bug answers 500, like the host
                return self._send(500, json.dumps({"error": type(e).__name__}).encode(), "application/json")
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
            sys.stderr.write(f"{self.command} {urlsplit(self.path).path} {args[1] if len(args) > 1 else ''}\n")

    server = ThreadingHTTPServer((host, port), Handler)
    server.routes = routes  # type: ignore[attr-defined]
    return server


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
    p = sub.add_parser("approve", help="approve one blocked drop of a sheet")
    p.add_argument("sheet")
    p.add_argument("--config")
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
        except SourceError as e:
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
        except KeyError:
            print(f"error: unknown sheet {args.sheet!r}", file=sys.stderr)
            return 2
        if args.json:
            print(json.dumps(report, ensure_ascii=False, indent=2, default=str))
        else:
            _print_report(report)
        return 1 if report["status"] == "ERROR" or rt.settings.problems and not report["sheets"] else 0
    if args.cmd == "serve":
        _runtime(args.config)
        serve(args.host, args.port, os.environ.get("LEAD_SYNC_CORS_ORIGINS", ""))
        return 0
    if args.cmd == "approve":
        status, payload = _runtime(args.config).approve(args.sheet)
        print(json.dumps(payload, indent=2))
        return 0 if status == 200 else 1
    return 2
