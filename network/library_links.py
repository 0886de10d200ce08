"""What the library lends events and lessons (installed by network/composition.py).

Events, lessons and the library never import one another; this module, in the
composition root, reads the library for them:

- an event's **materials** (events.hooks.MaterialSource): the resources its
  organisers attached, those the viewer may open; and where organisers add them;
- a provision's page (lessons.hooks.DocumentSource.for_provision): the published
  resources linked to the provision that the viewer may open;
- a lesson's **sources** (describe_sources): a source whose address is a
  library resource's page (``/library/<id>/...``, relative or on SITE_URL)
  shows that resource's type and year, if the viewer may open it.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse

from library import selectors
from library.services import organises

# How many documents a lesson's source field offers (the newest first).
SOURCE_CHOICES = 300
_RESOURCE_PATH = re.compile(r"^/library/(\d+)(?:/|$)")


class LibraryMaterials:
    def materials_for(self, event: Any, *, viewer: Any) -> list[Any]:
        return selectors.materials_for(event, viewer=viewer)

    def manage_url(self, event: Any, *, viewer: Any) -> str:
        if not organises(viewer, event):
            return ""
        return reverse("library:materials", args=[event.pk])


def resource_id(url: str) -> int | None:
    """The resource a source address points to, if it is a library page of this site."""
    parts = urlsplit(url)
    site = urlsplit(settings.SITE_URL)
    if parts.netloc and parts.netloc != site.netloc:
        return None
    match = _RESOURCE_PATH.match(parts.path)
    return int(match.group(1)) if match else None


class LibraryDocuments:
    def for_provision(self, provision: Any, *, viewer: Any) -> list[Any]:
        return selectors.resources_for_provision(viewer, provision)

    def describe_sources(self, urls: list[str], *, viewer: Any) -> dict[str, Any]:
        ids = {url: resource_id(url) for url in urls}
        found = selectors.resources_by_ids(viewer, [pk for pk in ids.values() if pk])
        return {url: found[pk] for url, pk in ids.items() if pk in found}

    def source_choices(self, *, viewer: Any) -> list[tuple[str, str]]:
        """The newest readable documents, as a lesson's source field offers them."""
        choices = []
        for resource in selectors.listed_resources(viewer).order_by("-published_at", "-id")[
            :SOURCE_CHOICES
        ]:
            details = ", ".join(
                str(part) for part in (resource.get_kind_display(), resource.year) if part
            )
            url = settings.SITE_URL.rstrip("/") + resource.get_absolute_url()
            choices.append((url, f"{resource.title} ({details})"))
        return choices
