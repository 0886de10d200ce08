"""The page's chrome, reused: the header's navigation and the footer's language form.

Every page renders them, and for a given member, language and section they
come out the same on each request; with its posts from the store, a thread
page spent about a tenth of its time rendering them and the reply form
(issue 20). ``{% site_nav %}`` and
``{% language_form %}`` render their templates through common.fragments, from
a context that holds exactly the values the key is made of: the templates see
no request and no context processors, so a value the key does not name cannot
reach the output. ``HeaderViewer`` is the member as the header may see them.

tests/network/test_chrome.py changes each input of each key and checks the
header changes with it, and that one member's header never reaches another.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

from common.fragments import render_rows

register = template.Library()

SITE_NAV_TEMPLATE = "includes/site_nav.html"
LANGUAGE_FORM_TEMPLATE = "includes/language_form.html"


@dataclass(frozen=True)
class HeaderViewer:
    """What the header shows of the member: nothing else of them reaches it."""

    pk: int | None
    is_authenticated: bool
    is_member: bool
    can_moderate: bool
    name: str
    handle: str

    @classmethod
    def of(cls, user: Any) -> HeaderViewer:
        signed_in = bool(getattr(user, "is_authenticated", False))
        return cls(
            pk=user.pk if signed_in else None,
            is_authenticated=signed_in,
            is_member=signed_in and bool(user.is_member),
            can_moderate=signed_in and bool(user.can_moderate),
            name=user.name if signed_in else "",
            handle=user.handle if signed_in else "",
        )


def site_nav_inputs(context: template.Context) -> tuple[tuple, dict[str, Any]]:
    """The key and the context of the header's navigation for this request."""
    match = getattr(context.get("request"), "resolver_match", None)
    section = match.namespace if match else ""
    on_notifications = bool(
        match and match.namespace == "notifications" and match.url_name == "list"
    )
    viewer = HeaderViewer.of(context.get("user"))
    unread = context.get("inbox_unread", 0) if viewer.is_member else 0
    key = (viewer, section, on_notifications, unread)
    return key, {
        "user": viewer,
        "section": section,
        "on_notifications": on_notifications,
        "inbox_unread": unread,
    }


def _render(context: template.Context, name: str, key: tuple, row_context: dict) -> SafeString:
    request = context.get("request")
    if request is None:
        # The 500 page is rendered without the request (network.views.server_error).
        return mark_safe(get_template(name).render(row_context))  # noqa: S308 - a template's output
    return render_rows(request, name, [(key, row_context)])[0]


@register.simple_tag(takes_context=True)
def site_nav(context: template.Context) -> SafeString:
    key, row_context = site_nav_inputs(context)
    return _render(context, SITE_NAV_TEMPLATE, key, row_context)


@register.simple_tag(takes_context=True)
def language_form(context: template.Context) -> SafeString:
    """The footer's language switcher; ``next`` is this page (the language is in every key)."""
    request = context.get("request")
    next_path = request.get_full_path() if request is not None else ""
    return _render(
        context,
        LANGUAGE_FORM_TEMPLATE,
        (next_path,),
        {"next_path": next_path, "LANGUAGE_CODE": context.get("LANGUAGE_CODE")},
    )
