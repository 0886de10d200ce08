"""The library's reused rows: a resource in a list (common.fragments explains the store).

``resource_row_key`` names every value library/includes/resource_row.html
reads when it shows a resource without a search hit (a hit's excerpt is
rendered afresh); tests/library/test_fragments.py changes each input and
checks the key changes. A template that starts to read a new value gets it
added here and in the context together.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest

from common.fragments import render_rows
from library.models import Resource
from members.selectors import attach_tags

RESOURCE_ROW_TEMPLATE = "library/includes/resource_row.html"


def resource_row_key(resource: Resource) -> tuple:
    """Every value the row reads (its languages, files and topics prefetched)."""
    return (
        resource.pk,
        resource.title,  # and the slug in its link
        resource.kind,
        resource.state,
        resource.authors,
        resource.published_on,
        resource.series,
        resource.number,
        tuple(language.code for language in resource.languages.all()),
        len(resource.files.all()),
        tuple((tag.slug, tag.name) for tag in resource.tags.all()),
    )


def resource_row_context(resource: Resource) -> dict[str, Any]:
    return {"resource": resource}


def render_resource_rows(
    request: HttpRequest, resources: Iterable[Resource], *, csrf: bool = True
) -> None:
    """Set ``resource.rendered`` on each resource of a page (its topics fetched in one
    query, if they were not fetched with the rows); ``csrf=False`` leaves the CSRF
    placeholder for a caller that keeps the page (and fills it in per request)."""
    resources = list(resources)
    attach_tags([r for r in resources if "tags" not in getattr(r, "_prefetched_objects_cache", {})])
    rows = [(resource_row_key(r), resource_row_context(r)) for r in resources]
    for resource, html in zip(
        resources, render_rows(request, RESOURCE_ROW_TEMPLATE, rows, csrf=csrf), strict=True
    ):
        resource.rendered = html
