"""
Queue-triggered sync of one sheet, and the poison queue's reader.

The timer (and a manual sync) puts one message per sheet on ``LEAD_SYNC_QUEUE`` (default
``leadsync-sheets``) in the ``AzureWebJobsStorage`` account; this function syncs the sheet it
names. A transient failure raises, so the host makes the message visible again after
``visibilityTimeout`` (host.json) and delivers it up to ``maxDequeueCount`` times; then the host
moves it to ``<queue>-poison``, where ``sync_poison`` records the sheet as ERROR ``poisoned``.

A message is data, not a command: it is acted on only when the run it names exists and lists its
sheet (``shared.service.worker``).
"""

import azure.functions as func

from shared.service import get_runtime

bp = func.Blueprint()


@bp.function_name("sync_queue")
@bp.queue_trigger(arg_name="msg", queue_name="%LEAD_SYNC_QUEUE%", connection="AzureWebJobsStorage")
def sync_queue(msg: func.QueueMessage) -> None:
    get_runtime().worker.handle(msg.get_body(), msg.dequeue_count or 1)


@bp.function_name("sync_poison")
@bp.queue_trigger(arg_name="msg", queue_name="%LEAD_SYNC_QUEUE%-poison", connection="AzureWebJobsStorage")
def sync_poison(msg: func.QueueMessage) -> None:
    get_runtime().worker.poison(msg.get_body(), msg.dequeue_count or 1)
