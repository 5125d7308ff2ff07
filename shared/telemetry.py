"""
Telemetry: structured log records to Application Insights, without lead PII.

``configure`` turns on ``azure-monitor-opentelemetry`` only when
``APPLICATIONINSIGHTS_CONNECTION_STRING`` is set and only when first asked (by the timer or a
manual sync), never at import time: a slow or failing exporter must not stop the app from
indexing. It collects only the ``leadsync`` logger (``logger_name``), so the SDK's own logs are
not exported. Leave ``PYTHON_APPLICATIONINSIGHTS_ENABLE_TELEMETRY`` unset: the worker would
configure the exporter a second time.

Each sheet sync logs one record ``sheet_sync`` whose ``extra`` fields (customDimensions) are
counts, ids and reason codes: ``SheetReport.log_fields``. Alerts are Azure Monitor log alerts on
those records (see README).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

LOGGER_NAME = "leadsync"
logger = logging.getLogger(LOGGER_NAME)
logger.addHandler(logging.NullHandler())  # no "last resort" stderr output from the CLI
_lock = threading.Lock()
_configured = False


def configure(conn: str | None) -> bool:
    """Configure Azure Monitor once if a connection string is given; return whether it is on."""
    global _configured
    if not conn:
        return False
    with _lock:
        if _configured:
            return True
        try:
            from azure.monitor.opentelemetry import configure_azure_monitor

            configure_azure_monitor(connection_string=conn, logger_name=LOGGER_NAME, enable_live_metrics=False)
            _configured = True
        except Exception as e:
            logger.warning("telemetry not configured: %s", type(e).__name__)
            return False
    logger.setLevel(logging.INFO)
    return True


def log_sheet(fields: dict[str, Any]) -> None:
    """Log one sheet's sync outcome (counts and ids only)."""
    level = logging.ERROR if fields.get("status") == "ERROR" else logging.WARNING if fields.get("status") == "WARNING" else logging.INFO
    logger.log(level, "sheet_sync %s %s", fields.get("sheet_id"), fields.get("status"), extra={"event": "sheet_sync", **fields})


def log_run(status: str, sheets: int, errors: int, duration_ms: int, trigger: str) -> None:
    logger.info(
        "sync_run %s",
        status,
        extra={"event": "sync_run", "status": status, "sheets": sheets, "errors": errors, "duration_ms": duration_ms, "trigger": trigger},
    )


def log_privacy(action: str, **counts: int) -> None:
    """Log one erasure, un-suppression or purge: the action and counts only, never an identifier (not even hashed)."""
    logger.info("privacy_%s %s", action, " ".join(f"{k}={v}" for k, v in counts.items()), extra={"event": f"privacy_{action}", **counts})


def log_webhooks(action: str, level: int = logging.INFO, reason: str | None = None, **counts: int) -> None:
    """Log one dispatch (or a failure to wake it): counts, and a reason without any lead data."""
    text = " ".join(f"{k}={v}" for k, v in counts.items()) + (f" reason={reason}" if reason else "")
    logger.log(
        level, "webhooks_%s %s", action, text, extra={"event": f"webhooks_{action}", **counts, **({"reason": reason} if reason else {})}
    )


def flush() -> None:
    """Export buffered telemetry before a short-lived invocation ends."""
    if not _configured:
        return
    try:
        from opentelemetry import metrics, trace
        from opentelemetry._logs import get_logger_provider

        for provider in (trace.get_tracer_provider(), metrics.get_meter_provider(), get_logger_provider()):
            flush_fn = getattr(provider, "force_flush", None)
            if flush_fn:
                flush_fn()
    except Exception:
        pass
