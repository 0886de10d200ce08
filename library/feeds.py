"""The Atom feed of public library resources (visitors' view: nothing members-only)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from common.markup import plain_text
from library import selectors
from library.models import Resource

FEED_LENGTH = 30


class PublicResourceFeed(Feed):
    """The newest public resources, for feed readers."""

    feed_type = Atom1Feed

    def __init__(self, feed_url: str) -> None:
        self._feed_url = feed_url

    def title(self) -> str:
        return _("%(site)s: library") % {"site": settings.SITE_NAME}

    def subtitle(self) -> str:
        return _("Public documents on policing and human rights, newest first.")

    def link(self) -> str:
        return reverse("library:list")

    def feed_url(self) -> str:
        return self._feed_url

    def items(self) -> list[Resource]:
        public = selectors.listed_resources(AnonymousUser()).prefetch_related("tags")
        return list(public.order_by("-published_at", "-id")[:FEED_LENGTH])

    def item_title(self, item: Resource) -> str:
        return item.title

    def item_description(self, item: Resource) -> str:
        # Plain text: a feed reader shows the description as it likes.
        return plain_text(item.abstract_html)[:1000] or selectors.citation(item)

    def item_link(self, item: Resource) -> str:
        return item.get_absolute_url()

    def item_pubdate(self, item: Resource) -> datetime:
        return item.published_at or item.created_at

    def item_updateddate(self, item: Resource) -> datetime:
        return item.updated_at

    def item_author_name(self, item: Resource) -> str:
        return item.authors or item.publisher or settings.SITE_NAME

    def item_categories(self, item: Resource) -> list[str]:
        return [item.get_kind_display(), *(tag.name for tag in item.tags.all())]


@login_not_required
@require_safe
def public_feed(request: HttpRequest) -> HttpResponse:
    return PublicResourceFeed(request.build_absolute_uri(reverse("library:feed")))(request)
