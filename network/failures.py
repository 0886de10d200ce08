"""When the database cannot be reached: a styled 503, not a 500 or a traceback.

While PostgreSQL restarts or fails over, every request that touches it raises
OperationalError (InterfaceError on a connection it closed). That is an outage,
not a bug: members get "try again shortly" with Retry-After, load balancers and
monitors see 503, and the traceback goes to the log only (django.request logs
it before the page is replaced).

Django turns an exception into a response in the layer that raised it: a
session read in LoginRequiredMiddleware as much as a query in a view. So a
receiver of got_request_exception marks the request, and this middleware,
placed before every middleware that reads the database, replaces whatever page
that layer made (the 500 page, or the traceback page under DEBUG).

Nothing is needed to recover: with CONN_HEALTH_CHECKS (network.env) each
request checks a persistent connection before using it and reconnects.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from csp.constants import HEADER as CSP_HEADER
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template import loader

RETRY_AFTER_SECONDS = 10
_MARK = "_database_unavailable"


def is_database_outage(error: BaseException | None) -> bool:
    """The error, or the one it was raised from, says the database is unreachable."""
    for _ in range(5):
        if error is None:
            return False
        if isinstance(error, (OperationalError, InterfaceError)):
            return True
        error = error.__cause__ or error.__context__
    return False


def _mark_database_outage(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    # Sent from inside Django's exception handling, so sys.exc_info() is the error.
    if request is not None and is_database_outage(sys.exc_info()[1]):
        setattr(request, _MARK, True)


def service_unavailable() -> HttpResponse:
    # Rendered without the request's context processors, which read the
    # session and the database (as the 500 page is, network.views.server_error).
    html = loader.get_template("503.html").render(
        {"SITE_NAME": settings.SITE_NAME, "QUICK_EXIT_URL": settings.QUICK_EXIT_URL}
    )
    response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    # The middlewares that add these run inside this one.
    response[CSP_HEADER] = build_policy()
    response["X-Frame-Options"] = settings.X_FRAME_OPTIONS
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        got_request_exception.connect(_mark_database_outage, dispatch_uid=__name__)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(request, _MARK, False):
            # django.request has logged the error and logs this 503 too.
            return service_unavailable()
        return response
