"""Who may see what: the decorators every members-only or moderator view uses.

The default is deny: LoginRequiredMiddleware sends visitors to the login page
for any view not marked ``login_not_required``, and MembershipMiddleware shows
the waiting page to a login that is not an approved membership. Views for
moderators add ``moderator_required``, which also insists on two-factor
authentication.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from members.models import User

View = Callable[..., HttpResponse]

DEMO_MODERATOR_EMAIL = "moderator@demo.example"


def pending_allowed(view: View) -> View:
    """Mark a view that members waiting for approval may still use."""
    view.pending_allowed = True  # type: ignore[attr-defined]
    return view


def has_two_factor(user: User) -> bool:
    if settings.DEMO_MODERATOR_WITHOUT_MFA and user.email == DEMO_MODERATOR_EMAIL:
        return True
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def moderator_required(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not (user.is_authenticated and user.can_moderate):
            raise PermissionDenied
        if not has_two_factor(user):
            messages.warning(
                request,
                _("Set up two-factor authentication before using the moderator pages."),
            )
            return redirect("mfa_activate_totp")
        return view(request, *args, **kwargs)

    return wrapped


def admin_required(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not (request.user.is_authenticated and request.user.is_superuser):
            raise PermissionDenied
        return moderator_required(view)(request, *args, **kwargs)

    return wrapped
