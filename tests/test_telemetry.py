"""Telemetry: structured records with counts and ids, never lead data; configured only on demand."""

from __future__ import annotations

import logging

from opentelemetry.instrumentation.logging.handler import LoggingHandler
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor

from shared import telemetry
from shared.adapters.csv_source import CsvSource
from shared.sync import sync_all
from tests.conftest import SAMPLES, csv_sheet


def test_configure_is_off_without_a_connection_string() -> None:
    """No connection string: nothing is configured and nothing raises."""
    assert telemetry.configure(None) is False


def test_sheet_records_reach_opentelemetry_as_attributes_without_pii(make_settings, store) -> None:
    """Each sheet's record carries counts and ids as attributes (customDimensions), no names or emails."""
    exporter = InMemoryLogRecordExporter()
    provider = LoggerProvider()
    provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
    handler = LoggingHandler(logger_provider=provider)
    telemetry.logger.addHandler(handler)
    telemetry.logger.setLevel(logging.INFO)
    try:
        settings = make_settings(csv_sheet("acme", SAMPLES / "acme_roofing_facebook.csv"))
        report = sync_all(settings, lambda s: CsvSource(SAMPLES), store)
        for sheet in report.sheets:
            telemetry.log_sheet(sheet.log_fields())
        telemetry.log_run(report.status, 1, 0, 12, "test")
    finally:
        telemetry.logger.removeHandler(handler)
        telemetry.logger.setLevel(logging.NOTSET)
    records = [r.log_record for r in exporter.get_finished_logs()]
    sheet_rec = next(r for r in records if r.attributes.get("event") == "sheet_sync")
    attrs = dict(sheet_rec.attributes)
    assert attrs["sheet_id"] == "acme" and attrs["status"] == "WARNING" and attrs["added"] == 10
    assert attrs["reason_codes"] == "invalid_values,duplicates"
    run_rec = next(r for r in records if r.attributes.get("event") == "sync_run")
    assert run_rec.attributes["trigger"] == "test"
    text = repr([dict(r.attributes) for r in records]) + repr([r.body for r in records])
    for secret in ("sarah", "@example", "07911", "Jones"):
        assert secret.lower() not in text.lower()


def test_importing_the_app_does_not_configure_telemetry() -> None:
    """Telemetry is configured on first sync, never at import (it must not block indexing)."""
    import function_app  # noqa: F401

    assert telemetry._configured is False


PROBE = r"""
import gzip, json, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
got = []
class Ingestion(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        got.extend(json.loads(body))
        out = json.dumps({"itemsReceived": 1, "itemsAccepted": 1, "errors": []}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)
    def log_message(self, *a):
        pass
srv = ThreadingHTTPServer(("127.0.0.1", 0), Ingestion)
threading.Thread(target=srv.serve_forever, daemon=True).start()
endpoint = f"http://127.0.0.1:{srv.server_address[1]}/"
from shared import telemetry
conn = f"InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint={endpoint};LiveEndpoint={endpoint}"
assert telemetry.configure(conn)
telemetry.log_sheet({"sheet_id": "acme", "status": "ERROR", "added": 3, "reason_codes": "guard_blocked"})
telemetry.flush()
messages = [i["data"]["baseData"] for i in got if i["name"].endswith("Message")]
print(json.dumps(messages))
"""


def test_azure_monitor_exporter_sends_sheet_records_with_dimensions() -> None:
    """With a connection string, a sheet record reaches the ingestion endpoint with its dimensions."""
    import json
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    env = {**os.environ, "OTEL_EXPERIMENTAL_RESOURCE_DETECTORS": "otel", "PYTHONPATH": str(ROOT)}
    proc = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    messages = json.loads(proc.stdout.strip().splitlines()[-1])
    sheet = next(m for m in messages if m["message"].startswith("sheet_sync"))
    assert sheet["message"] == "sheet_sync acme ERROR" and sheet["severityLevel"] == 3  # 3 = Error
    props = sheet["properties"]
    assert props["sheet_id"] == "acme" and props["reason_codes"] == "guard_blocked" and props["added"] == "3"
