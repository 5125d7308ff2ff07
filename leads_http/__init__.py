"""Lead data for the CRM dashboard: list leads, one lead, leads deleted for real, start a sync and follow it, approve a blocked drop (function key)."""

import azure.functions as func

from shared.core.redact import redact_all
from shared.service import get_runtime
from shared.web import (
    PAGE_VOLATILE,
    guarded,
    ok,
    ok_cached,
    parse_approval,
    parse_lead_request,
    parse_leads_query,
    parse_no_params,
    parse_removals_query,
    parse_sync_request,
    route_run_id,
    sync_started_response,
)

bp = func.Blueprint()


@bp.function_name("list_leads")
@bp.route(route="api/leads", methods=["GET"], auth_level=func.AuthLevel.FUNCTION)
@guarded
def list_leads(req: func.HttpRequest) -> func.HttpResponse:
    # The watermark is a clock, left out of the ETag; the continuation counts by where it leads.
    return ok_cached(req, "listLeads", get_runtime().leads.page(parse_leads_query(req)).to_dict(), volatile=PAGE_VOLATILE)


@bp.function_name("list_removals")
@bp.route(route="api/leads/removals", methods=["GET"], auth_level=func.AuthLevel.FUNCTION)
@guarded
def list_removals(req: func.HttpRequest) -> func.HttpResponse:
    """Leads erased or purged since ``?since=``: a mirror of the leads deletes them too."""
    return ok_cached(req, "listRemovals", get_runtime().leads.removals(parse_removals_query(req)).to_dict(), volatile=PAGE_VOLATILE)


# Literal routes (leads/health, leads/reasons, leads/removals, leads/sync) win over this one: the host's router
# prefers literal segments, and shared.cli's local server sorts literal routes first.
@bp.function_name("get_lead")
@bp.route(route="api/leads/{id}", methods=["GET"], auth_level=func.AuthLevel.FUNCTION)
@guarded
def get_lead(req: func.HttpRequest) -> func.HttpResponse:
    sheet_id, lead_id = parse_lead_request(req)
    return ok_cached(req, "getLead", get_runtime().leads.get(sheet_id, lead_id))


@bp.function_name("manual_sync")
@bp.route(route="api/leads/sync", methods=["POST"], auth_level=func.AuthLevel.FUNCTION)
@guarded
def manual_sync(req: func.HttpRequest) -> func.HttpResponse:
    """202 and the run's Location; 200 with the report when a one-sheet sync with ``wait`` finished in time."""
    return sync_started_response(get_runtime().syncs.start(parse_sync_request(req)))


@bp.function_name("sync_run")
@bp.route(route="api/leads/runs/{run}", methods=["GET"], auth_level=func.AuthLevel.FUNCTION)
@guarded
def sync_run(req: func.HttpRequest) -> func.HttpResponse:
    run_id = route_run_id(req)
    parse_no_params(req)
    return ok("syncRun", redact_all(get_runtime().syncs.status(run_id).to_dict()))


@bp.function_name("approve_drop")
@bp.route(route="api/leads/sheets/{sheet}/approve", methods=["POST"], auth_level=func.AuthLevel.FUNCTION)
@guarded
def approve_drop(req: func.HttpRequest) -> func.HttpResponse:
    return ok("approveChange", redact_all(get_runtime().approvals.approve(parse_approval(req)).to_dict()))
