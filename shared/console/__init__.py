"""
The operator console's web layer (beside ``shared.web``): pages rendered from Jinja2 templates,
the signed-in principal and its roles, CSRF tokens. It calls the service's use cases and is
imported by nothing below it; ``console_http`` imports it on the first console request.
"""
