"""
The operator console (issue 21): server-rendered pages under ``/console`` (the API stays under
``/api``: host.json's ``routePrefix`` is empty and every route names its own prefix), behind App
Service Authentication (Entra ID). Anonymous at the Functions level: the platform signs people in
and the console checks each action's role itself (``shared.console``, imported on the first
request so the app's cold start does not load Jinja2).

``/api/console...``, where the console lived before, answers a redirect to ``/console...`` for one
release (``console_moved``, ``console_moved_below``).
"""

import azure.functions as func

bp = func.Blueprint()

METHODS = ["GET", "POST"]


def _handle(req: func.HttpRequest) -> func.HttpResponse:
    from shared.console.app import handle

    return handle(req)


@bp.function_name("console_home")
@bp.route(route="console", methods=METHODS, auth_level=func.AuthLevel.ANONYMOUS)
def console_home(req: func.HttpRequest) -> func.HttpResponse:
    return _handle(req)


@bp.function_name("console_page")
@bp.route(route="console/{page}", methods=METHODS, auth_level=func.AuthLevel.ANONYMOUS)
def console_page(req: func.HttpRequest) -> func.HttpResponse:
    return _handle(req)


@bp.function_name("console_item")
@bp.route(route="console/{section}/{item}", methods=METHODS, auth_level=func.AuthLevel.ANONYMOUS)
def console_item(req: func.HttpRequest) -> func.HttpResponse:
    return _handle(req)


@bp.function_name("console_action")
@bp.route(route="console/{section}/{item}/{action}", methods=METHODS, auth_level=func.AuthLevel.ANONYMOUS)
def console_action(req: func.HttpRequest) -> func.HttpResponse:
    return _handle(req)


@bp.function_name("console_moved")
@bp.route(route="api/console", methods=METHODS, auth_level=func.AuthLevel.ANONYMOUS)
def console_moved(req: func.HttpRequest) -> func.HttpResponse:
    from shared.console.app import moved

    return moved(req)


@bp.function_name("console_moved_below")
@bp.route(route="api/console/{*rest}", methods=METHODS, auth_level=func.AuthLevel.ANONYMOUS)
def console_moved_below(req: func.HttpRequest) -> func.HttpResponse:
    from shared.console.app import moved

    return moved(req)
