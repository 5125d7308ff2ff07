"""Personal data (UK GDPR): erase a person, take them off the suppression list, read the audit trail (function key)."""

import azure.functions as func

from shared.service import get_runtime
from shared.web import guarded, ok, parse_audit_query, parse_erasure

bp = func.Blueprint()


@bp.function_name("erase_person")
@bp.route(route="api/leads/erasures", methods=["POST"], auth_level=func.AuthLevel.FUNCTION)
@guarded
def erase_person(req: func.HttpRequest) -> func.HttpResponse:
    return ok("erasePerson", get_runtime().privacy.erase(parse_erasure(req)).to_dict())


@bp.function_name("unsuppress_person")
@bp.route(route="api/leads/erasures/unsuppress", methods=["POST"], auth_level=func.AuthLevel.FUNCTION)
@guarded
def unsuppress_person(req: func.HttpRequest) -> func.HttpResponse:
    return ok("unsuppressPerson", get_runtime().privacy.unsuppress(parse_erasure(req)).to_dict())


@bp.function_name("audit_trail")
@bp.route(route="api/leads/audit", methods=["GET"], auth_level=func.AuthLevel.FUNCTION)
@guarded
def audit_trail(req: func.HttpRequest) -> func.HttpResponse:
    return ok("auditTrail", get_runtime().privacy.audit(parse_audit_query(req)).to_dict())
