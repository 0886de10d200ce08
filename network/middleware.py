"""Security headers on every response: pages, redirects, error pages and static files.

Both middlewares sit first in MIDDLEWARE, so they wrap everything after them:
SecurityMiddleware's HTTPS redirect, whitenoise's static files (which answer
without calling the rest of the chain) and the error pages all pass back
through them.
"""

from __future__ import annotations

from collections.abc import Callable

from csp.middleware import CSPMiddleware, PolicyParts
from django.core.exceptions import BadRequest, DisallowedHost
from django.http import HttpRequest, HttpResponseBase, QueryDict
from django.utils.datastructures import MultiValueDict

# Browser features no page of the network uses: a script that got in anyway
# (or a page framed by someone else) cannot switch them on. interest-cohort
# and browsing-topics opt the site out of ad-interest tracking.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in [
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "interest-cohort",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    ]
)


class SecurityHeadersMiddleware:
    """Permissions-Policy and Cross-Origin-Resource-Policy, which Django does not set."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        # No other site may embed our pages, scripts or images: a page elsewhere
        # cannot load a member's avatar or a members-only file to learn who is logged in.
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response


FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


class FormCharsetMiddleware:
    """A form sent in any charset but UTF-8 gets the styled 400, once, before any view.

    Every page declares UTF-8 and browsers send forms in it. Django refuses a
    urlencoded body in another charset (``charset=utf-7``) with BadRequest when
    ``request.POST`` is first read, but leaves it unread: the CSRF check of the
    400 page reads it again, and that second refusal escaped as an unstyled 500
    without security headers (issue 15). Here the body is refused before
    anything reads it and ``POST`` is left empty, so the 400 page renders as
    every error page does (it sits after the header middlewares).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        charset = request.content_params.get("charset") if request.content_params else None
        if request.content_type in FORM_TYPES and charset and charset.lower() != "utf-8":
            request._post, request._files = QueryDict(), MultiValueDict()
            raise BadRequest("Forms must be sent in UTF-8.")
        return self.get_response(request)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's policy (settings.CONTENT_SECURITY_POLICY) plus this site's socket origin.

    live.js opens ``ws(s)://<the page's host>/ws/...``. CSP Level 3 lets
    'self' cover that, but browsers that predate it do not, so the exact
    origin is named, taken from the (already validated) Host of the request.
    """

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if report_only:
            return parts
        try:
            host = request.get_host()
        except DisallowedHost:
            return parts  # the 400 page for a forged Host: 'self' is enough
        scheme = "wss" if request.is_secure() else "ws"
        update = dict(parts.update or {})
        sources = update.get("connect-src") or []
        sources = [sources] if isinstance(sources, str) else list(sources)
        update["connect-src"] = [*sources, f"{scheme}://{host}"]
        parts.update = update
        return parts
