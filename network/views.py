"""Pages that belong to the site as a whole: landing, health and error pages."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_POST, require_safe

from members import services as members_services
from network import guidance, home

logger = logging.getLogger(__name__)


@login_not_required
@require_safe
def landing(request: HttpRequest) -> HttpResponse:
    """The member home for members; the public page for visitors and people waiting."""
    if request.user.is_authenticated and request.user.is_member:
        return _member_home(request)
    from django.contrib.auth.models import AnonymousUser

    from lessons.selectors import LANDING_LESSONS, published_lessons

    # What anyone may read, whoever is looking: the latest public lessons.
    lessons = published_lessons(AnonymousUser()).filter(is_public=True)[:LANDING_LESSONS]
    steps = guidance.first_steps(request.user)
    return render(
        request,
        "network/landing.html",
        {
            "public_lessons": lessons,
            "first_steps": steps,
            "first_steps_done": sum(step.done for step in steps or ()),
        },
    )


def _member_home(request: HttpRequest) -> HttpResponse:
    return render(request, "network/home.html", {"home": home.home_for(request.user)})


@require_POST
def first_steps_dismiss(request: HttpRequest) -> HttpResponse:
    """Put the first-steps checklist away (a form, so it works without JavaScript)."""
    members_services.dismiss_first_steps(member=request.user)
    messages.success(
        request,
        _("The checklist is hidden. Your profile, topics and the forum are in the menu."),
    )
    return redirect("landing")


@login_not_required
@require_safe
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page says; send them to the SVG."""
    return HttpResponsePermanentRedirect(static("network/favicon.svg"))


@login_not_required
@never_cache
@require_safe
def health(request: HttpRequest) -> JsonResponse:
    """For load balancers and compose healthchecks: is the database reachable?"""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        logger.exception("health check: database unreachable")
        return JsonResponse({"status": "unavailable"}, status=503)
    return JsonResponse({"status": "ok"})


def _error(request: HttpRequest, status: int) -> HttpResponse:
    return render(request, f"{status}.html", status=status)


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 400)


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 403)


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error(request, 404)


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    # Rendered without the request's context processors, which read the
    # session and the database: the 500 page must work when those are down.
    html = loader.get_template("500.html").render(
        {"SITE_NAME": settings.SITE_NAME, "QUICK_EXIT_URL": settings.QUICK_EXIT_URL}
    )
    return HttpResponse(html, status=500)


@login_not_required
def error_preview(request: HttpRequest, status: int) -> HttpResponse:
    if status not in {400, 403, 404, 429, 500, 503}:
        status = 404
    return _error(request, status)
