"""Atom feeds of published lessons.

The public feed is what a visitor may read: public lessons, with an author's
name only where its owner made it public. The private feed carries the
members-only lessons too; a feed reader cannot log in, so the secret token in
its address stands for the member, and only while they are still a member.
Anyone holding that address can read the feed, so members can replace it.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from lessons import selectors
from lessons.models import FeedToken, Lesson
from members.models import User

FEED_LENGTH = 30


class LessonAtomFeed(Atom1Feed):
    """Atom with what Django's generator leaves out: each entry's own language
    (``xml:lang``, the lesson's, not the interface's) and one ``<author>`` per
    author, as the lesson page names them (Atom allows several; Django writes one)."""

    def item_attributes(self, item: dict[str, Any]) -> dict[str, str]:
        attributes = super().item_attributes(item)
        if item.get("language"):
            attributes["xml:lang"] = item["language"]
        return attributes

    def add_item_elements(self, handler: Any, item: dict[str, Any]) -> None:
        super().add_item_elements(handler, item)
        for name in item.get("authors", []):
            handler.startElement("author", {})
            handler.addQuickElement("name", name)
            handler.endElement("author")


class LessonFeed(Feed):
    """The latest published lessons that ``viewer`` may read.

    One instance per request: the viewer decides which lessons and which
    author names the feed shows.
    """

    feed_type = LessonAtomFeed

    def __init__(self, viewer: User | AnonymousUser, feed_url: str) -> None:
        self.viewer = viewer
        self._feed_url = feed_url

    def title(self) -> str:
        return _("%(site)s: lessons learned") % {"site": settings.SITE_NAME}

    def subtitle(self) -> str:
        if self.viewer.is_authenticated:
            return _("Published lessons, members-only ones included.")
        return _("Public lessons learned on policing and human rights.")

    def link(self) -> str:
        return reverse("lessons:list")

    def feed_url(self) -> str:
        return self._feed_url

    def items(self) -> list[Lesson]:
        return list(selectors.published_lessons(self.viewer)[:FEED_LENGTH])

    def item_title(self, item: Lesson) -> str:
        return item.title

    def item_description(self, item: Lesson) -> str:
        # Atom's <summary type="html">: the plain summary must reach readers as text.
        return escape(item.summary)

    def item_link(self, item: Lesson) -> str:
        return item.get_absolute_url()

    def item_pubdate(self, item: Lesson) -> datetime | None:
        return item.published_at

    def item_updateddate(self, item: Lesson) -> datetime:
        return item.updated_at

    def item_extra_kwargs(self, item: Lesson) -> dict[str, Any]:
        # The authors as the lesson page names them to this viewer; never an
        # email address (item_author_name stays empty: one element per author).
        names = [name for _member, name, _ in selectors.authors_for(item, self.viewer)]
        # Atom needs an author; the page says "A former member" when none is left.
        names = names or [selectors.author_name(None, self.viewer)]
        return {"language": item.language, "authors": names}

    def item_categories(self, item: Lesson) -> list[str]:
        return [tag.display_name for tag in item.tags.all()]


@login_not_required
@require_safe
def public_feed(request: HttpRequest) -> HttpResponse:
    feed_url = request.build_absolute_uri(reverse("lessons:feed"))
    return LessonFeed(AnonymousUser(), feed_url)(request)


@login_not_required
@require_safe
def private_feed(request: HttpRequest, token: str) -> HttpResponse:
    feed_token = FeedToken.objects.select_related("member").filter(token=token).first()
    # A banned, deactivated or no-longer-approved member's address stops working.
    if feed_token is None or not feed_token.member.is_member:
        raise Http404
    feed_url = request.build_absolute_uri(reverse("lessons:private_feed", args=[token]))
    response = LessonFeed(feed_token.member, feed_url)(request)
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "no-referrer"
    patch_cache_control(response, private=True, max_age=0)
    return response


# --- The member's feed address ----------------------------------------------------


def feed_token_for(member: User) -> FeedToken:
    """The member's private feed token, made on first use."""
    token, _created = FeedToken.objects.get_or_create(member=member)
    return token


def reset_feed_token(member: User) -> FeedToken:
    """Replace the member's token: the old address stops working at once."""
    with transaction.atomic():
        token, _created = FeedToken.objects.update_or_create(
            member=member,
            defaults={"token": secrets.token_urlsafe(32), "created_at": timezone.now()},
        )
    return token


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def private_feed_settings(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        if request.POST.get("reset") == "1":
            reset_feed_token(request.user)
            messages.success(
                request, _("Your private feed has a new address; the old one no longer works.")
            )
        return redirect("lessons:feed_settings")
    token = feed_token_for(request.user)
    return render(
        request,
        "lessons/feed_settings.html",
        {
            "private_feed_url": request.build_absolute_uri(
                reverse("lessons:private_feed", args=[token.token])
            ),
            "public_feed_url": request.build_absolute_uri(reverse("lessons:feed")),
            "token_created_at": token.created_at,
        },
    )
