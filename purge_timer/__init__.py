"""Timer: purge soft-deleted leads past their retention on the ``PURGE_SCHEDULE`` app setting (NCRONTAB, UTC).

Retention is off unless ``LEAD_SYNC_RETENTION_DAYS`` or a sheet's ``retention_days`` is set, so
the timer deletes nothing by default. Each run deletes at most ``LEAD_SYNC_PURGE_MAX`` leads per
sheet; the rest waits for the next run.
"""

import logging

import azure.functions as func

from shared.service import get_runtime

bp = func.Blueprint()
log = logging.getLogger("leadsync")


@bp.function_name("purge_timer")
@bp.timer_trigger(arg_name="timer", schedule="%PURGE_SCHEDULE%", run_on_startup=False, use_monitor=True)
def purge_timer(timer: func.TimerRequest) -> None:
    result = get_runtime().privacy.purge()
    if result.error:
        log.error("purge failed: %s", result.error)
