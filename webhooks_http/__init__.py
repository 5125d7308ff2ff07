"""Webhook subscriptions (issue 22): create, list, change, delete, read the delivery log, replay (function key)."""

import azure.functions as func

from shared.service import get_runtime
from shared.web import (
    created,
    guarded,
    ok,
    parse_deliveries_query,
    parse_no_params,
    parse_replay,
    parse_webhook_create,
    parse_webhook_patch,
    route_webhook,
)

bp = func.Blueprint()


@bp.function_name("webhooks_collection")
@bp.route(route="api/webhooks", methods=["GET", "POST"], auth_level=func.AuthLevel.FUNCTION)
@guarded
def webhooks_collection(req: func.HttpRequest) -> func.HttpResponse:
    hooks = get_runtime().webhooks
    if req.method == "POST":
        body = parse_webhook_create(req)
        sub = hooks.create(body.url, body.secret, body.customers, body.types, body.description)
        return created("createWebhook", sub, f"/api/webhooks/{sub['id']}")
    parse_no_params(req)
    return ok("listWebhooks", hooks.list_all())


@bp.function_name("webhook_item")
@bp.route(route="api/webhooks/{id}", methods=["GET", "PATCH", "DELETE"], auth_level=func.AuthLevel.FUNCTION)
@guarded
def webhook_item(req: func.HttpRequest) -> func.HttpResponse:
    hooks = get_runtime().webhooks
    if req.method == "PATCH":
        sub, changes = parse_webhook_patch(req)
        return ok("updateWebhook", hooks.update(sub, changes))
    if req.method == "DELETE":
        sub = route_webhook(req, "deleteWebhook")
        parse_no_params(req)
        return ok("deleteWebhook", hooks.delete(sub))
    sub = route_webhook(req, "getWebhook")
    parse_no_params(req)
    return ok("getWebhook", hooks.get(sub))


@bp.function_name("webhook_deliveries")
@bp.route(route="api/webhooks/{id}/deliveries", methods=["GET"], auth_level=func.AuthLevel.FUNCTION)
@guarded
def webhook_deliveries(req: func.HttpRequest) -> func.HttpResponse:
    sub, q = parse_deliveries_query(req)
    return ok("webhookDeliveries", get_runtime().webhooks.deliveries(sub, q.status, q.page_size, q.continuation))


@bp.function_name("webhook_replay")
@bp.route(route="api/webhooks/{id}/replay", methods=["POST"], auth_level=func.AuthLevel.FUNCTION)
@guarded
def webhook_replay(req: func.HttpRequest) -> func.HttpResponse:
    sub, since, event_id = parse_replay(req)
    return ok("replayWebhook", get_runtime().webhooks.replay(sub, since, event_id))
