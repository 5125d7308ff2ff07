"""
Rendering for the HTTP functions: JSON responses with no caching.

CORS for the dashboard is configured on the platform (``az functionapp cors add``), not here:
App Service CORS overrides headers set in code. The local server (``python -m shared serve``)
adds the same headers from ``LEAD_SYNC_CORS_ORIGINS``.
"""

from __future__ import annotations

import json
from typing import Any

import azure.functions as func


def json_response(status: int, payload: dict[str, Any]) -> func.HttpResponse:
    return func.HttpResponse(
        json.dumps(payload, ensure_ascii=False, default=str),
        status_code=status,
        mimetype="application/json",
        headers={"Cache-Control": "no-store"},
    )


def body_json(req: func.HttpRequest) -> dict[str, Any]:
    """The request body as a JSON object; empty when there is none. Raises ValueError."""
    raw = req.get_body() or b""
    if not raw.strip():
        return {}
    value = json.loads(raw)
    if not isinstance(value, dict):
        raise ValueError("body must be a JSON object")
    return value
