"""
The Functions app (Python v2 model): one FunctionApp that registers the blueprints.

Nothing here reads a setting or touches the network, so the app always indexes; settings and
credentials are read on first use, and a bad one shows in health instead of taking the app down.
"""

import azure.functions as func

from changes_http import bp as changes_bp
from console_http import bp as console_bp
from health_http import bp as health_bp
from leads_http import bp as leads_bp
from privacy_http import bp as privacy_bp
from purge_timer import bp as purge_bp
from sync_queue import bp as queue_bp
from sync_timer import bp as sync_bp
from webhooks_http import bp as webhooks_bp
from webhooks_queue import bp as dispatch_bp

app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)
app.register_functions(sync_bp)
app.register_functions(queue_bp)
app.register_functions(leads_bp)
app.register_functions(health_bp)
app.register_functions(privacy_bp)
app.register_functions(purge_bp)
app.register_functions(console_bp)
app.register_functions(changes_bp)
app.register_functions(webhooks_bp)
app.register_functions(dispatch_bp)
