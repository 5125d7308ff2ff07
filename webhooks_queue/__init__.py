"""
Queue-triggered webhook dispatch (issue 22).

A sync that changed leads, an erasure, a replay and every timer fire put a small message on
``LEAD_SYNC_WEBHOOK_QUEUE`` (default ``leadsync-webhooks``); this function hands the outbox's
events to the subscriptions and delivers what is due (``shared.service.webhooks``), then, when a
retry waits, puts a message back delayed until it is due. It runs apart from the syncs: a slow or
failing receiver never delays a sync. A message is data: it can only ask for a dispatch.
"""

import azure.functions as func

from shared.service import get_runtime

bp = func.Blueprint()


@bp.function_name("webhooks_dispatch")
@bp.queue_trigger(arg_name="msg", queue_name="%LEAD_SYNC_WEBHOOK_QUEUE%", connection="AzureWebJobsStorage")
def webhooks_dispatch(msg: func.QueueMessage) -> None:
    get_runtime().webhooks.handle(msg.get_body())
