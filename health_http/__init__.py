"""
GET /api/leads/health: overall and per-sheet sync status, anonymous, no lead data.

``?runs=N`` (0-50, default 5) recent runs per sheet; ``?sheet=ID`` one sheet with its history.
"""

import azure.functions as func

from shared.service import get_runtime
from shared.web import json_response

bp = func.Blueprint()


@bp.function_name("health")
@bp.route(route="leads/health", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def health(req: func.HttpRequest) -> func.HttpResponse:
    try:
        history = max(0, min(int(req.params.get("runs") or 5), 50))
    except ValueError:
        return json_response(400, {"error": "runs must be a whole number"})
    status, payload = get_runtime().health(history, req.params.get("sheet") or None)
    return json_response(status, payload)
