"""
Command line: ``python -m shared inspect|sync|approve|erase|unsuppress|purge|audit|check-config|schema|notify-token`` (``COMMANDS``).

- ``inspect FILE [--json]``: header detection and mapping of one CSV file, explained.
- ``sync [--config FILE] [--sheet ID] [--json]``: one sync run with a report per sheet; exits 1
  when any sheet is ERROR.
- ``approve SHEET [--change ID] [--reason TEXT] [--by NAME] [--confirm-empty]``: approve one
  blocked change, named by its id (without ``--change`` it shows what is blocked).
- ``erase [--email X] [--phone Y]``: erase a person from every sheet and suppress them in later
  syncs; ``unsuppress [--email X] [--phone Y]`` takes them off the list (both recorded, actor
  ``cli:<os user>``); ``purge``: delete leads soft-deleted longer ago than their retention;
  ``audit [--page-size N] [--continuation T]``: the audit trail, newest first.
- ``check-config [FILE]``: validate settings and sheets offline; exit 1 on any problem.
- ``schema``: the JSON Schema of the sheets setting (``schemas/sheets.schema.json``).
- ``notify-token SHEET --base-url URL [--json]``: the sheet's change-notification token, the
  address its owner calls and the Apps Script to paste (needs ``LEAD_SYNC_NOTIFY_KEY``).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import load_settings, settings_with_sheets_file
from .core.analysis import SheetOptions, analyse_sheet
from .core.models import HeaderMatch
from .errors import ConfigError, InvalidRequestError, LeadSyncError, SourceError, UnknownSheetError

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
            f"{s['status']:<7} {s['sheet_id']}: header row {'-' if hr is None else hr}"
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


def check_config(config: str | None) -> int:
    """Validate settings and sheets offline; print every problem; 1 if any, else 0.

    With a FILE, missing storage or a missing Google key is a note, not a problem: a sheet list is
    checked before any deployment exists (a new customer's list, a pull request)."""
    from .config import NO_GOOGLE_KEY, NO_STORAGE

    settings, _ = settings_with_sheets_file(config) if config else (load_settings(), None)
    deployment_only = {NO_STORAGE, NO_GOOGLE_KEY} if config else set()
    problems = [p for p in settings.problems if p not in deployment_only]
    for p in settings.problems:
        if p in deployment_only:
            print(f"note: {p} (a deployment setting, not needed to check a sheet list)")
    for p in problems:
        print(f"problem: {p}")
    for w in settings.warnings:
        print(f"warning: {w}")
    for b in settings.broken:
        print(f"sheet {b.id}: {b.error}")
    for sheet in settings.sheets:
        print(f"ok: {sheet.id} ({sheet.source}{', disabled' if not sheet.enabled else ''})")
    if settings.google_credentials:
        print(f"share each Google sheet (Viewer) with the service account {settings.google_credentials.get('client_email')}")
    bad = bool(problems or settings.broken)
    print(f"config: {'ERROR' if bad else 'WARNING' if settings.warnings else 'OK'} ({len(settings.sheets)} sheets)")
    return 1 if bad else 0


def sheets_schema() -> dict[str, Any]:
    """JSON Schema of the sheets setting (a list of sheets, or ``{"sheets": [...]}``), for editors."""
    from .config_model import described_schema

    item = described_schema()
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


def _inspect(args: argparse.Namespace) -> int:
    if (args.file is None) == (args.sheet is None):
        raise InvalidRequestError("give a FILE or --sheet ID")
    if args.sheet:
        rt = _runtime(args.config)
        sheet = rt.settings.sheet(args.sheet)
        if sheet is None:
            raise UnknownSheetError(args.sheet)
        doc = inspect_grid(rt.source_for(sheet).fetch(sheet), f"sheet {sheet.id}", sheet.options(rt.settings.phone_region))
    else:
        doc = inspect_file(args.file)
    if args.json:
        print(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        _print_inspect(doc)
    return 0


def _sync(args: argparse.Namespace) -> int:
    rt = _runtime(args.config)
    for problem in rt.settings.problems:
        print(f"config: {problem}", file=sys.stderr)
    report = rt.syncs.run(only=args.sheet, trigger="cli").to_dict()
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2, default=str))
    else:
        _print_report(report)
    return 1 if report["status"] == "ERROR" else 0


def _approve(args: argparse.Namespace) -> int:
    import getpass

    from .service import ApprovalRequest

    who = args.by or f"cli:{getpass.getuser()}"
    result = _runtime(args.config).approvals.approve(ApprovalRequest(args.sheet, args.change, who, args.reason, args.confirm_empty))
    print(json.dumps(result.to_dict(), indent=2))
    return 0


def _privacy(args: argparse.Namespace) -> int:
    """erase, unsuppress, purge and audit: the use cases the HTTP routes call, as the OS user."""
    import getpass

    from .service import AuditQuery, ErasureRequest

    rt = _runtime(args.config)
    if args.cmd == "purge":
        purged = rt.privacy.purge()
        print(json.dumps(purged.to_dict(), indent=2, default=str))
        return 1 if purged.error else 0
    if args.cmd == "audit":
        doc = rt.privacy.audit(AuditQuery(max(1, min(args.page_size, 1000)), args.continuation)).to_dict()
    else:
        request = ErasureRequest(args.email, args.phone, f"cli:{getpass.getuser()}")
        doc = (rt.privacy.erase(request) if args.cmd == "erase" else rt.privacy.unsuppress(request)).to_dict()
    print(json.dumps(doc, indent=2, default=str, ensure_ascii=False))
    return 0


def _notify_token(args: argparse.Namespace) -> int:
    base = args.base_url.rstrip("/")
    if not base.startswith(("https://", "http://")):
        raise InvalidRequestError("--base-url must be the app's address, e.g. https://leadsync-prod.azurewebsites.net")
    setup = _runtime(args.config).changes.setup(args.sheet, f"{base}/api/leads/sheets/{args.sheet}/changed")
    if args.json:
        print(json.dumps(setup.to_dict(), indent=2, ensure_ascii=False))
        return 0
    print(f"sheet:  {setup.sheet_id} (notify_version {setup.notify_version})")
    print(f"url:    {setup.url}")
    print(f"header: Authorization: Bearer {setup.token}")
    print("\nApps Script for the sheet owner (Extensions > Apps Script; then run installLeadSync once):\n")
    print(setup.apps_script)
    return 0


def _notify_token_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("sheet")
    p.add_argument("--base-url", required=True, help="the app's public address, e.g. https://leadsync-prod.azurewebsites.net")
    p.add_argument("--config", help="JSON file listing the sheets (default: the LEAD_SYNC_SHEETS settings)")
    p.add_argument("--json", action="store_true")


def _check_config(args: argparse.Namespace) -> int:
    return check_config(args.config)


def _schema(args: argparse.Namespace) -> int:
    print(json.dumps(sheets_schema(), indent=2))
    return 0


def _inspect_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", type=Path, nargs="?")
    p.add_argument("--sheet", help="a configured sheet id instead of a file (read through its source, e.g. Google)")
    p.add_argument("--config", help="JSON file listing the sheets (with --sheet)")
    p.add_argument("--json", action="store_true")


def _sync_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", help="JSON file listing the sheets (overrides LEAD_SYNC_SHEETS)")
    p.add_argument("--sheet", help="sync only this sheet id")
    p.add_argument("--json", action="store_true")


def _approve_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("sheet")
    p.add_argument("--change", help="the blocked change's id (shown without --change, and in health detail)")
    p.add_argument("--reason", default="")
    p.add_argument("--by", default="", help="who approves (default: the operating system user)")
    p.add_argument("--confirm-empty", action="store_true", help="needed when the change removes every lead")
    p.add_argument("--config")


def _person_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--email")
    p.add_argument("--phone")
    p.add_argument("--config")


def _purge_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config")


def _audit_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--page-size", type=int, default=100)
    p.add_argument("--continuation")
    p.add_argument("--config")


def _check_config_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("config", nargs="?", help="JSON file listing the sheets (default: the LEAD_SYNC_SHEETS settings)")


def _sheets_import_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", type=Path)


def _sheets_import(args: argparse.Namespace) -> int:
    return sheets_import(args.file)


Command = tuple[str, Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int]]
COMMANDS: dict[str, Command] = {
    "inspect": ("explain header detection and mapping of a CSV file or a configured sheet", _inspect_args, _inspect),
    "sync": ("run one sync and print a report per sheet; exit 1 when any sheet is ERROR", _sync_args, _sync),
    "approve": ("approve one blocked change of a sheet (by its id)", _approve_args, _approve),
    "erase": ("erase a person (email and/or phone) from every sheet; later syncs withhold them", _person_args, _privacy),
    "unsuppress": ("take a person (email and/or phone) off the suppression list; later syncs store them again", _person_args, _privacy),
    "purge": ("delete leads soft-deleted longer ago than their retention (off unless set)", _purge_args, _privacy),
    "audit": ("the audit trail of erasures, un-suppressions, approvals and purges, newest first", _audit_args, _privacy),
    "check-config": ("validate settings and the sheet list offline; exit 1 on any problem", _check_config_args, _check_config),
    "schema": ("print the JSON Schema of the sheets setting", lambda p: None, _schema),
    "sheets-import": ("validate a JSON sheet list and write it into LEAD_SYNC_SHEETS_TABLE", _sheets_import_args, _sheets_import),
    "notify-token": ("a sheet's change-notification token, address and Apps Script for its owner", _notify_token_args, _notify_token),
}
"""Subcommand -> (help, arguments, run). The local HTTP server is ``scripts/serve``."""

EXIT_CODES: tuple[tuple[type[LeadSyncError], int], ...] = (
    (InvalidRequestError, 2),
    (UnknownSheetError, 2),
    (SourceError, 2),
    (ConfigError, 2),
    (LeadSyncError, 1),
)
"""The typed errors the HTTP API maps to 400/404/409/503 end a command with these codes: 2 for
what the caller gave (arguments, a sheet id, a file), 1 for the state of things (conflict, storage)."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared", description="Lead Sync command line")
    sub = parser.add_subparsers(dest="cmd", required=True)
    for name, (help_text, add_arguments, _) in COMMANDS.items():
        add_arguments(sub.add_parser(name, help=help_text))
    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.cmd][2](args)
    except LeadSyncError as e:
        print(f"error: {e}", file=sys.stderr)
        return next(code for kind, code in EXIT_CODES if isinstance(e, kind))


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
