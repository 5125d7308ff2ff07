"""
Sync health, and what describes the API.

- ``GET /api/leads/health`` (anonymous): overall status, start time, sheets per status, whether
  storage answers. Nothing about customers, sheets, messages or where things live.
- ``GET /api/leads/health/detail`` (function key): every sheet with status, messages, counts,
  guard and recent runs; ``?runs=N`` (0-50, default 5), ``?sheet=ID`` one sheet with its history.
- ``GET /api/leads/reasons`` (anonymous): the reason-code catalogue.
- ``GET /api/openapi.json`` (anonymous): the OpenAPI 3.1 document (``shared.contract``).

Every answer is validated against its contract model (``shared.web.document``). Health answers carry a weak ETag (``checked_at`` is left out of it); If-None-Match -> 304.
"""

import azure.functions as func

from shared.service import get_runtime
from shared.web import guarded, health_response, ok_cached, parse_health_query, parse_no_params, probe_response

bp = func.Blueprint()


@bp.function_name("health")
@bp.route(route="api/leads/health", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@guarded
def health(req: func.HttpRequest) -> func.HttpResponse:
    return probe_response(req, get_runtime().health.summary())


@bp.function_name("health_detail")
@bp.route(route="api/leads/health/detail", methods=["GET"], auth_level=func.AuthLevel.FUNCTION)
@guarded
def health_detail(req: func.HttpRequest) -> func.HttpResponse:
    return health_response(req, "healthDetail", get_runtime().health.detail(parse_health_query(req)), redacted=True)


@bp.function_name("reasons")
@bp.route(route="api/leads/reasons", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@guarded
def reasons(req: func.HttpRequest) -> func.HttpResponse:
    from shared.core.reasons import catalogue

    parse_no_params(req)
    return ok_cached(req, "reasons", {"reasons": catalogue()})


@bp.function_name("openapi")
@bp.route(route="api/openapi.json", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
@guarded
def openapi(req: func.HttpRequest) -> func.HttpResponse:
    from shared.contract import openapi as document

    parse_no_params(req)
    return ok_cached(req, "openapi", document())
