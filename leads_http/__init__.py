"""Lead data for the CRM dashboard: list leads, run a sync, approve a blocked drop (function key)."""

import azure.functions as func

from shared.service import get_runtime
from shared.web import body_json, json_response

bp = func.Blueprint()


@bp.function_name("list_leads")
@bp.route(route="leads", methods=["GET"], auth_level=func.AuthLevel.FUNCTION)
def list_leads(req: func.HttpRequest) -> func.HttpResponse:
    status, payload = get_runtime().leads(dict(req.params))
    return json_response(status, payload)


@bp.function_name("manual_sync")
@bp.route(route="leads/sync", methods=["POST"], auth_level=func.AuthLevel.FUNCTION)
def manual_sync(req: func.HttpRequest) -> func.HttpResponse:
    try:
        body = body_json(req)
    except ValueError as e:
        return json_response(400, {"error": f"invalid JSON body: {e}"})
    sheet = body.get("sheet") or req.params.get("sheet")
    status, payload = get_runtime().sync(str(sheet) if sheet else None)
    return json_response(status, payload)


@bp.function_name("approve_drop")
@bp.route(route="leads/sheets/{sheet}/approve", methods=["POST"], auth_level=func.AuthLevel.FUNCTION)
def approve_drop(req: func.HttpRequest) -> func.HttpResponse:
    status, payload = get_runtime().approve(req.route_params.get("sheet", ""))
    return json_response(status, payload)
