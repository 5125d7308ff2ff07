"""
The local development server: the app's own registered HTTP functions on one port.

``scripts/serve`` (or ``python scripts/devserver.py``) serves exactly the API that runs in Azure:
routes, methods, route parameters and auth levels are read from ``function_app``'s registrations,
and each request is handed to the registered function. Where it matters it behaves like the host:
function-level routes need the key (``x-functions-key`` or ``?code=``) when ``LEAD_SYNC_LOCAL_KEY``
is set, bodies are capped and read with a timeout, literal routes win over parameterised ones, and
no request can crash it. It is tooling: it never ships in the package (``.funcignore``), and
``scripts/deploy --target local`` runs it against an unpacked package.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


def serve(host: str, port: int, cors_origins: str = "", key: str | None = None) -> None:
    """Serve the app's registered HTTP functions on ``host:port`` until interrupted."""
    server = make_server(host, port, cors_origins, key)
    print(f"serving the Lead Sync API on http://{host}:{server.server_address[1]}/api", flush=True)
    prefix = f"/{route_prefix()}" if route_prefix() else ""
    for method, pattern, name, _, auth in server.routes:  # type: ignore[attr-defined]
        print(f"  {method:<6} {prefix}/{pattern}  ({name}, {auth.lower()})", flush=True)
    if not key:
        print("  function routes are open: set LEAD_SYNC_LOCAL_KEY to require x-functions-key or ?code=", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@functools.cache
def route_prefix() -> str:
    """
    host.json's ``extensions.http.routePrefix`` beside ``function_app`` (the host's default,
    ``api``, when it is not set): the path every route is served below. Lead Sync sets it empty
    and names ``api/`` in each API route, so the console can live at ``/console``.
    """
    from pathlib import Path

    import function_app

    host = json.loads((Path(function_app.__file__).resolve().parent / "host.json").read_text())
    prefix = ((host.get("extensions") or {}).get("http") or {}).get("routePrefix", "api")
    return str(prefix).strip("/")


@functools.cache
def _functions() -> tuple[Any, ...]:
    """The app's registered functions. Read once per process: the app refuses to build its functions twice."""
    import azure.functions as func

    import function_app

    apps = [v for v in vars(function_app).values() if isinstance(v, func.FunctionRegister)]
    return tuple(apps[0].get_functions())


def http_routes() -> list[tuple[str, str, str, Any, str]]:
    """(method, route, function name, user function, auth level) of every HTTP function the app registers."""
    routes: list[tuple[str, str, str, Any, str]] = []
    for fn in _functions():
        for b in json.loads(fn.get_function_json())["bindings"]:
            if b["type"] == "httpTrigger":
                for m in b.get("methods") or ["GET", "POST"]:
                    name = str(fn.get_function_name())
                    auth = str(b.get("authLevel") or "FUNCTION").upper()
                    routes.append((str(m).upper(), str(b.get("route") or name), name, fn.get_user_function(), auth))
    # Literal routes before parameterised ones and catch-alls last, as the host's router prefers them.
    routes.sort(key=lambda r: (r[1].count("{*"), r[1].count("{")))
    return routes


ADMIN_TRIGGERS = ("timerTrigger", "queueTrigger")
"""The triggers ``POST /admin/functions/{name}`` runs here, as the host's admin API does on Azure."""


def triggered_functions() -> dict[str, tuple[str, Any]]:
    """Function name (lower case, as the host matches it) -> (trigger type, user function) of every timer and queue function."""
    out: dict[str, tuple[str, Any]] = {}
    for fn in _functions():
        for b in json.loads(fn.get_function_json())["bindings"]:
            if b["type"] in ADMIN_TRIGGERS:
                out[str(fn.get_function_name()).lower()] = (b["type"], fn.get_user_function())
    return out


def run_triggered(name: str, given: Any) -> threading.Thread | None:
    """
    Run a timer or queue function by name, on a thread of its own (the host answers 202 and runs it
    in the background): a timer gets a ``TimerRequest`` that is not past due, a queue function a
    message whose body is ``given``. None when the app has no such function.
    """
    import azure.functions as func
    from azure.functions.timer import TimerRequest

    found = triggered_functions().get(name.lower())
    if found is None:
        return None
    trigger, fn = found
    arg = TimerRequest(past_due=False) if trigger == "timerTrigger" else func.QueueMessage(body=str(given or "").encode("utf-8"))

    def run() -> None:
        try:
            fn(arg)
        except Exception as e:  # the host logs a failed invocation; so does this (the type only: no data)
            sys.stderr.write(f"admin: {name} failed: {type(e).__name__}\n")

    t = threading.Thread(target=run, name=f"admin-{name}", daemon=True)
    t.start()
    return t


def _compile(route: str) -> re.Pattern[str]:
    out = re.sub(r"\{\*(\w+)\}", r"(?P<\1>.*)", route.strip("/"))  # a catch-all: the rest of the path
    out = re.sub(r"\{(\w+)(?::[^}]*)?\??\}", r"(?P<\1>[^/]+)", out)
    return re.compile(f"^{out}$")


def _dev_principal() -> Any:
    """The stand-in for App Service Authentication (``scripts/dev_principal.py``), as a module or beside this file."""
    import importlib

    try:
        return importlib.import_module("scripts.dev_principal")
    except ImportError:  # run as a file (scripts/deploy --target local): this folder is on the path
        return importlib.import_module("dev_principal")


MAX_LOCAL_BODY = 1024 * 1024
"""The local server refuses bodies larger than this (413), like the host's request limits."""
CLIENT_TIMEOUT = 10.0
"""A client that sends nothing for this long is disconnected (slow or lying Content-Length)."""


def _problem(status: int, code: str, title: str, detail: str) -> bytes:
    """The local server's own answers (no route, no key...) as RFC 9457 problem documents too."""
    doc = {"type": f"https://leadsync.dev/problems/{code}", "title": title, "status": status, "detail": detail, "code": code}
    return json.dumps(doc | {"error": detail}).encode()


ADMIN_PATH = "/admin/functions/"
"""The host's admin API for running a non-HTTP function (outside the route prefix, as on Azure)."""
_NOT_FOUND = _problem(404, "not_found", "Not found", "no such route")
CORS_EXPOSE = "ETag, Location"
"""Response headers a page on another origin may read: the ETag to poll with, the Location of a started sync."""
CORS_ALLOW_HEADERS = "content-type, x-functions-key, if-none-match"
"""Request headers a page on another origin may send: a JSON body, the function key, the ETag it has."""


def make_server(  # noqa: C901 - the request handler class is defined inside, with the routes it closes over
    host: str, port: int, cors_origins: str = "", key: str | None = None, client_timeout: float = CLIENT_TIMEOUT
) -> ThreadingHTTPServer:
    """
    A development server for the app's own HTTP functions. Where it matters it behaves like the
    host: function-level routes need the key (``x-functions-key`` header or ``?code=``) when one
    is set, bodies are capped and read with a timeout, and no request can crash it.
    """
    import hmac

    import azure.functions as func

    platform_headers = _dev_principal().platform_headers

    routes = http_routes()
    prefix = f"/{route_prefix()}/" if route_prefix() else "/"
    compiled = [(m, _compile(r), fn, auth) for m, r, _, fn, auth in routes]
    allowed = {o.strip() for o in cors_origins.split(",") if o.strip()}

    class Handler(BaseHTTPRequestHandler):
        timeout = client_timeout
        protocol_version = "HTTP/1.0"

        def _cors(self) -> None:
            """
            CORS for a dashboard on another origin: it may read the ETag (to poll with
            If-None-Match) and the Location of a started sync, as on Azure (infra sets the same).
            """
            origin = self.headers.get("Origin") if self.headers else None
            if origin and (origin in allowed or "*" in allowed):
                self.send_header("Access-Control-Allow-Origin", origin if "*" not in allowed else "*")
                self.send_header("Access-Control-Expose-Headers", CORS_EXPOSE)
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
                self._send(400, _problem(400, "invalid_request", "Invalid request", "bad Content-Length"), "application/problem+json")
                return None
            if length > MAX_LOCAL_BODY:
                self._send(413, _problem(413, "too_large", "Too large", "the body is too large"), "application/problem+json")
                return None
            try:
                body = self.rfile.read(length) if length else b""
            except (TimeoutError, OSError):
                body = b""
            if len(body) < length:  # the client said more than it sent
                self._send(
                    400,
                    _problem(400, "invalid_request", "Invalid request", "the body is shorter than Content-Length"),
                    "application/problem+json",
                )
                return None
            return body

        def _dispatch(self) -> None:
            url = urlsplit(self.path)
            path = url.path
            if path.lower().startswith(ADMIN_PATH):
                return self._admin(path[len(ADMIN_PATH) :])
            if not (path + "/").startswith(prefix):
                return self._send(404, _NOT_FOUND, "application/problem+json")
            rel = path[len(prefix) :].strip("/")
            matches = [(m, found, fn, auth) for m, p, fn, auth in compiled if (found := p.match(rel)) is not None]
            if not matches:
                return self._send(404, _NOT_FOUND, "application/problem+json")
            if self.command == "OPTIONS":
                self.send_response(204)
                self._cors()
                self.send_header("Access-Control-Allow-Methods", ", ".join(sorted({m for m, _, _, _ in matches})))
                self.send_header("Access-Control-Allow-Headers", CORS_ALLOW_HEADERS)
                self.send_header("Access-Control-Max-Age", "600")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            hit = next(((mm, fn, auth) for m, mm, fn, auth in matches if m == self.command), None)
            if hit is None:
                methods = ", ".join(sorted({m for m, _, _, _ in matches}))
                return self._send(
                    405,
                    _problem(405, "method_not_allowed", "Method not allowed", f"this route answers {methods}"),
                    "application/problem+json",
                    {"Allow": methods},
                )
            match, fn, auth = hit
            params = dict(parse_qsl(url.query, keep_blank_values=True))
            if not self._authorised(auth, params):
                return self._send(
                    401,
                    _problem(401, "unauthorized", "Unauthorized", "a function key is needed (x-functions-key header or ?code=)"),
                    "application/problem+json",
                )
            body = self._body()
            if body is None:
                return None
            req = func.HttpRequest(
                method=self.command,
                url=f"http://{host}{self.path}",
                headers=platform_headers(dict(self.headers.items())),
                params=params,
                route_params=match.groupdict(),
                body=body,
            )
            try:
                resp = fn(req)
            except Exception as e:
                return self._send(500, json.dumps({"code": "internal", "detail": type(e).__name__}).encode(), "application/problem+json")
            return self._send(resp.status_code, resp.get_body(), resp.mimetype or "application/json", dict(resp.headers))

        def _admin(self, name: str) -> None:
            """
            ``POST /admin/functions/{name}`` with ``{"input": ...}``: run a timer or queue function
            now, as the host's admin API does (202; 404 for no such function, 400 without a body).
            On Azure it takes the master key; here the local key when one is set.
            """
            if self.command != "POST":
                return self._send(
                    405,
                    _problem(405, "method_not_allowed", "Method not allowed", "this route answers POST"),
                    "application/problem+json",
                    {"Allow": "POST"},
                )
            params = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
            if not self._authorised("ADMIN", params):
                return self._send(
                    401,
                    _problem(401, "unauthorized", "Unauthorized", "the admin API needs the key (x-functions-key)"),
                    "application/problem+json",
                )
            body = self._body()
            if body is None:
                return None
            try:
                doc = json.loads(body or b"null")
            except ValueError:
                doc = None
            if not isinstance(doc, dict):
                return self._send(
                    400, _problem(400, "invalid_request", "Invalid request", 'the body must be {"input": ...}'), "application/problem+json"
                )
            if run_triggered(name.strip("/"), doc.get("input")) is None:
                return self._send(404, _NOT_FOUND, "application/problem+json")
            return self._send(202, b"", "application/json")

        def _send(self, status: int, body: bytes, mimetype: str, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", mimetype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                # CORS headers are the server's business here (_cors), as the platform's on Azure.
                if k.lower() not in ("content-type", "content-length") and not k.lower().startswith("access-control-"):
                    self.send_header(k, v)
            self._cors()
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _dispatch

        def __getattr__(self, name: str) -> Any:
            # Any other method (HEAD, TRACE, QUERY...) is dispatched too: 405 on a known route, like
            # the host, instead of http.server's 501.
            if name.startswith("do_"):
                return self._dispatch
            raise AttributeError(name)

        def log_message(self, fmt: str, *args: Any) -> None:
            # Method, path (no query: it may hold the key) and status; never fails, whatever the request.
            try:
                path = urlsplit(getattr(self, "path", "") or "").path[:200]
                sys.stderr.write(f"{getattr(self, 'command', '-') or '-'} {path} {args[1] if len(args) > 1 else ''}\n")
            except Exception:
                pass

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    server.routes = routes  # type: ignore[attr-defined]
    return server


def main(argv: list[str] | None = None) -> int:
    from shared.config import local_server_settings, settings_with_sheets_file
    from shared.service import Runtime, set_runtime

    p = argparse.ArgumentParser(prog="scripts/serve", description="serve the Lead Sync HTTP API locally")
    p.add_argument("--port", type=int, default=7071)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--config", help="JSON file listing the sheets (overrides LEAD_SYNC_SHEETS)")
    p.add_argument(
        "--queue-worker",
        action="store_true",
        help="also run the queue functions on the sync queue (AzureWebJobsStorage), as the queue trigger does in Azure",
    )
    args = p.parse_args(argv)
    # The dev server stands in for App Service Authentication (scripts/dev_principal.py).
    os.environ["WEBSITE_AUTH_ENABLED"] = "True"
    if args.config:
        set_runtime(Runtime(*settings_with_sheets_file(args.config)))
    stop = threading.Event()
    if args.queue_worker:
        start_queue_worker(stop)
    try:
        serve(args.host, args.port, *local_server_settings())
    finally:
        stop.set()
    return 0


def start_queue_worker(stop: threading.Event) -> threading.Thread:
    """The queue listener's stand-in (``scripts/queue_worker.py``) beside the server, until ``stop``."""
    import importlib

    from shared.service import get_runtime

    try:
        queue_worker = importlib.import_module("scripts.queue_worker")
    except ImportError:  # run as a file (scripts/deploy --target local): this folder is on the path
        queue_worker = importlib.import_module("queue_worker")
    rt = get_runtime()
    worker = queue_worker.Worker.from_host_json(rt.queue)
    t = threading.Thread(target=worker.run_forever, args=(stop,), daemon=True, name="queue-worker")
    t.start()
    # The webhook dispatcher's queue (webhooks_queue), listened to as the host listens to it.
    hooks = queue_worker.Worker.from_host_json(rt.webhook_queue, functions=("webhooks_queue", "webhooks_dispatch", None))
    threading.Thread(target=hooks.run_forever, args=(stop, 0.2), daemon=True, name="webhook-worker").start()
    print("queue workers: syncs and webhook dispatch beside the API (as the queue triggers run in Azure)", flush=True)
    return t


if __name__ == "__main__":
    sys.exit(main())
