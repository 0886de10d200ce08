"""What search engines may crawl and index: only the pages meant for everyone.

The network is members-only; the landing page, public lessons and the
reference standards are its only public face. Everything else carries
``noindex`` twice: the ``X-Robots-Tag`` header (``NoIndexMiddleware``, also on
redirects, feeds and files) and ``<meta name="robots">`` in base.html, which
renders it unless ``request.robots_indexable`` is set. A page is indexable
only when a visitor (never a logged-in member) gets it with status 200 from a
view in ``INDEXABLE_VIEWS``; profiles never are, public or not.

robots.txt keeps crawlers to the same pages, except that it lets them fetch
profiles: a crawler honours ``noindex`` only on a page it may fetch, and a URL
it may not fetch can still be listed, bare, when a public page links to it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

INDEXABLE_VIEWS = frozenset(
    {
        "landing",
        "lessons:list",
        "lessons:detail",
        "lessons:standards",
        "lessons:instrument",
        "lessons:provision",
    }
)

ROBOTS_TXT = """\
# A members-only network: only the public pages are for search engines.
User-agent: *
Allow: /$
Allow: /lessons/
Allow: /static/
# Profiles answer noindex; crawlers must be able to fetch them to see it.
Allow: /members/
Disallow: /members/join/
Disallow: /lessons/feed/
Disallow: /
"""


@login_not_required
@require_safe
@cache_control(max_age=86400, public=True)
def robots_txt(request: HttpRequest) -> HttpResponse:
    return HttpResponse(ROBOTS_TXT, content_type="text/plain; charset=utf-8")


class NoIndexMiddleware:
    """``X-Robots-Tag: noindex`` on every response but a public page shown to a visitor."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if not (getattr(request, "robots_indexable", False) and response.status_code == 200):
            response["X-Robots-Tag"] = "noindex"
        return response

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], args: Any, kwargs: Any
    ) -> None:
        user = getattr(request, "user", None)
        match = request.resolver_match
        request.robots_indexable = (  # type: ignore[attr-defined]
            match is not None
            and match.view_name in INDEXABLE_VIEWS
            and not (user is not None and user.is_authenticated)
        )
