"""
Timer: on the ``SYNC_SCHEDULE`` app setting (NCRONTAB, UTC), put one message per enabled sheet on
the sync queue, each delayed to its turn in the interval (``shared.core.pacing``), and return;
``sync_queue`` syncs each sheet.
"""

import logging

import azure.functions as func

from shared.service import get_runtime

bp = func.Blueprint()
log = logging.getLogger("leadsync")


@bp.function_name("sync_timer")
@bp.timer_trigger(arg_name="timer", schedule="%SYNC_SCHEDULE%", run_on_startup=False, use_monitor=True)
def sync_timer(timer: func.TimerRequest) -> None:
    if timer.past_due:
        log.warning("sync timer is past due; enqueueing now")
    get_runtime().syncs.enqueue(trigger="timer")
