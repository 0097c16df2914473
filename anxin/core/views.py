"""Project-wide error views."""

import sys

from django.db import InterfaceError, OperationalError, connections
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.defaults import server_error as django_server_error

DATABASE_RETRY_AFTER = 5


def server_error(request, template_name="500.html"):
    """A request that lost the database (PostgreSQL restarting, a dropped connection, SQLite busy past its timeout)
    answers 503 with Retry-After in the user's language instead of a bare 500: its transaction was rolled back, so
    nothing is half-written and the client may send it again (SECURITY-CASES 42). The dead connection is closed so
    the worker's next request opens a fresh one. Everything else is Django's generic 500 page."""
    exc = sys.exc_info()[1]
    if not isinstance(exc, (OperationalError, InterfaceError)):
        return django_server_error(request, template_name)
    for conn in connections.all(initialized_only=True):
        if conn.connection is not None and not conn.is_usable():
            conn.close()
    message = _("The database is briefly unavailable. Nothing was saved; please try again in a few seconds.")
    if request.path.startswith("/api/"):
        response = JsonResponse({"code": "unavailable", "message": message, "extra": {}}, status=503)
    else:
        # no request context: the context processors and the session would read the database again
        response = HttpResponse(render_to_string("unavailable.html", {
            "message": message, "LANGUAGE_CODE": getattr(request, "LANGUAGE_CODE", "zh-hans")}), status=503)
    response["Retry-After"] = str(DATABASE_RETRY_AFTER)
    return response
