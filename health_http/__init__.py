"""GET /api/leads/health: overall and per-sheet sync status, anonymous, no lead data."""

import azure.functions as func

from shared.service import get_runtime
from shared.web import json_response

bp = func.Blueprint()


@bp.function_name("health")
@bp.route(route="leads/health", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def health(req: func.HttpRequest) -> func.HttpResponse:
    status, payload = get_runtime().health()
    return json_response(status, payload)
