"""Signing out on a shared browser: what the browser is told to forget.

Drafts of posts and lessons live in the browser (forum.js keeps them in
localStorage), so a server-side logout alone leaves them for the next person.
Three rules, each in one place:

- drafts are stored under ``draft_owner(member)``, an HMAC of the member id that
  the page carries (base.html), never the id, handle or email; site.js removes
  every draft that is not the signed-in member's, and the drafts of everyone
  when a sign-out form is sent;
- every response that ends the session it started with (logout, a changed
  password, a deleted account, the admin's logout) carries
  ``Clear-Site-Data: "storage"`` (ClearStorageOnSignOutMiddleware);
- "Sign out and forget this device" (forget_device) ends the session, closes
  its sockets (the account adapter's logout) and clears the browser's cache,
  cookies and storage for the site, then shows a neutral page (signed_out).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from allauth.account.adapter import get_adapter
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

CLEAR_STORAGE = '"storage"'
# "cookies" covers the site's registrable domain (network.example.org clears
# example.org's cookies too): README says so for operators on a subdomain.
FORGET_DEVICE = '"cache", "cookies", "storage"'


def draft_owner(member: AbstractBaseUser) -> str:
    """The key a member's drafts are kept under in the browser: the same in every
    session of theirs, different for every member, and telling nobody who it is."""
    return salted_hmac(
        "members.signout.draft_owner", str(member.pk), algorithm="sha256"
    ).hexdigest()[:32]


class ClearStorageOnSignOutMiddleware:
    """A response that ends the session its request was signed in with clears the
    site's storage in that browser, whichever view ended it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        signed_in_as = getattr(request, "_signed_in_as", None)
        if signed_in_as is not None and getattr(request.user, "pk", None) != signed_in_as:
            response.setdefault("Clear-Site-Data", CLEAR_STORAGE)
        return response

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], args: Any, kwargs: Any
    ) -> None:
        # Read after AuthenticationMiddleware; the login-required check has
        # already loaded the user, so this costs no query.
        user = request.user
        request._signed_in_as = user.pk if user.is_authenticated else None


@login_not_required
@require_POST
def forget_device(request: HttpRequest) -> HttpResponse:
    """End this session and have the browser forget the site. Also without a
    session (it expired): the browser may still hold drafts and cookies."""
    if request.user.is_authenticated:
        get_adapter(request).logout(request)
    response = HttpResponseRedirect(reverse("signed_out"), status=303)
    response["Clear-Site-Data"] = FORGET_DEVICE
    # For browsers that ignore Clear-Site-Data: every cookie this one sent.
    for name in request.COOKIES:
        response.delete_cookie(name)
    return response


@login_not_required
@never_cache
@require_safe
def signed_out(request: HttpRequest) -> HttpResponse:
    """Where "forget this device" lands: no name, no site title in the tab."""
    if request.user.is_authenticated:
        return redirect("landing")
    return render(request, "members/signed_out.html")
