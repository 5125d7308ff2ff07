"""
Sheet change notifications (issue 22): a sheet's own token asks for a debounced sync; operators
get the token and the Apps Script (function key); a timer keeps the Drive push channels of sheets
with ``notify_drive`` open.
"""

import logging

import azure.functions as func

from shared.errors import LeadSyncError
from shared.service import get_runtime
from shared.web import guarded, notice_response, notify_setup_response, parse_change_notice, parse_notify_setup

bp = func.Blueprint()
log = logging.getLogger("leadsync")


# Anonymous for the host: the sheet's token (Authorization: Bearer, X-Goog-Channel-Token or ?token=) is checked by the use case.
@bp.function_name("sheet_changed")
@bp.route(route="api/leads/sheets/{sheet}/changed", methods=["POST"], auth_level=func.AuthLevel.ANONYMOUS)
@guarded
def sheet_changed(req: func.HttpRequest) -> func.HttpResponse:
    """202 when a sync is queued or pending; 401 for a wrong token or an unknown sheet alike; 429 with Retry-After when paced."""
    return notice_response(get_runtime().changes.notify(parse_change_notice(req)))


@bp.function_name("sheet_notify_setup")
@bp.route(route="api/leads/sheets/{sheet}/notify", methods=["GET"], auth_level=func.AuthLevel.FUNCTION)
@guarded
def sheet_notify_setup(req: func.HttpRequest) -> func.HttpResponse:
    sheet_id, url = parse_notify_setup(req)
    return notify_setup_response(get_runtime().changes.setup(sheet_id, url))


# Every 6 hours (a literal schedule: no app setting to forget); a channel lives 24 h and is replaced 12 h before it ends.
@bp.function_name("watch_timer")
@bp.timer_trigger(arg_name="timer", schedule="0 0 */6 * * *", run_on_startup=False, use_monitor=True)
def watch_timer(timer: func.TimerRequest) -> None:
    try:
        result = get_runtime().changes.renew_channels()
    except LeadSyncError as e:
        log.error("drive channels not renewed: %s", e)
        return
    for sheet_id, reason in result.failed.items():
        log.warning("drive channel of %s not renewed: %s", sheet_id, reason)
