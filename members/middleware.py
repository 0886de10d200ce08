"""Members only: a login that is not an approved membership sees the waiting page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse


class MembershipMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        user = request.user
        if not user.is_authenticated or user.is_member:
            return None
        if getattr(view_func, "login_required", True) is False:
            return None  # public page
        if getattr(view_func, "pending_allowed", False):
            return None
        if view_func.__module__.startswith("allauth."):
            return None  # their own account: email, password, two-factor
        # Not the content: the page that says where their request stands.
        return TemplateResponse(request, "members/waiting.html", status=403).render()
