"""
Sync health.

- ``GET /api/leads/health`` (anonymous): overall status, start time, sheets per status, whether
  storage answers. Nothing about customers, sheets, messages or where things live.
- ``GET /api/leads/health/detail`` (function key): every sheet with status, messages, counts,
  guard and recent runs; ``?runs=N`` (0-50, default 5), ``?sheet=ID`` one sheet with its history.
"""

import azure.functions as func

from shared.core.redact import redact_all
from shared.service import get_runtime
from shared.web import guarded, json_response, parse_health_query

bp = func.Blueprint()


@bp.function_name("health")
@bp.route(route="leads/health", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@guarded
def health(req: func.HttpRequest) -> func.HttpResponse:
    view = get_runtime().health_summary()
    return json_response(200 if view.storage_ok else 503, view.doc)


@bp.function_name("health_detail")
@bp.route(route="leads/health/detail", methods=["GET"], auth_level=func.AuthLevel.FUNCTION)
@guarded
def health_detail(req: func.HttpRequest) -> func.HttpResponse:
    runs, sheet = parse_health_query(req)
    view = get_runtime().health_detail(runs, sheet)
    return json_response(200 if view.storage_ok else 503, redact_all(view.doc))
