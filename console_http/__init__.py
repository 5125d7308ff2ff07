"""
The operator console (issue 21): server-rendered pages under ``/api/console``, behind App Service
Authentication (Entra ID). Anonymous at the Functions level: the platform signs people in and the
console checks each action's role itself (``shared.console``, imported on the first request so
the app's cold start does not load Jinja2).
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
