"""Reads of the library: lists, one resource, collections; visibility applied here.

``visible_resources`` is the one query form of ``library.permissions.can_view``:
every list, feed, search, export of others' content and hook of other apps
starts from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet

from common.languages import language_name
from library.models import (
    CatalogueVersion,
    Collection,
    CollectionItem,
    CollectionOrder,
    EventMaterial,
    Resource,
    ResourceLanguage,
    ResourceRevision,
    ResourceState,
    ResourceVisibility,
)
from library.permissions import can_view, is_reviewer

RESOURCES_PER_PAGE = 25
SORTS = ("date", "relevance", "title")


def catalogue_version() -> int | None:
    """The version the database moves on every write to what the library list
    shows (library.models.CatalogueVersion); None if its row is missing."""
    return CatalogueVersion.objects.filter(pk=1).values_list("version", flat=True).first()


def lists_as_member(viewer: Any) -> bool:
    """The library's lists have two audiences: members see every published
    resource, visitors the public ones (``listed_resources``)."""
    return _active(viewer)


def _active(viewer: Any) -> bool:
    return bool(viewer.is_authenticated and viewer.is_member)


def visible_resources(viewer: Any) -> QuerySet[Resource]:
    """What ``viewer`` may open: published and readable by them, or waiting for
    review and theirs (or theirs to review)."""
    published = Q(state=ResourceState.PUBLISHED)
    if not _active(viewer):
        return Resource.objects.filter(published, visibility=ResourceVisibility.PUBLIC)
    if is_reviewer(viewer):
        return Resource.objects.all()
    return Resource.objects.filter(published | Q(created_by=viewer))


def listed_resources(viewer: Any) -> QuerySet[Resource]:
    """The library's lists show published resources only; the review queue is apart."""
    return visible_resources(viewer).filter(state=ResourceState.PUBLISHED)


@dataclass
class Filters:
    kinds: list[str] | None = None
    tags: list[str] | None = None
    provision: int | None = None
    country: str | None = None
    language: str | None = None
    year: int | None = None
    collection: str | None = None


def filtered(resources: QuerySet[Resource], filters: Filters) -> QuerySet[Resource]:
    if filters.kinds:
        resources = resources.filter(kind__in=filters.kinds)
    for slug in dict.fromkeys(filters.tags or []):
        resources = resources.filter(tags__slug=slug)
    if filters.provision:
        resources = resources.filter(provisions__pk=filters.provision)
    if filters.country:
        resources = resources.filter(country=filters.country)
    if filters.language:
        resources = resources.filter(languages__code=filters.language)
    if filters.year:
        resources = resources.filter(published_on__year=filters.year)
    if filters.collection:
        resources = resources.filter(in_collections__collection__slug=filters.collection)
    return resources


def with_rows(resources: QuerySet[Resource], *, tags: bool = True) -> QuerySet[Resource]:
    """What a row shows, in a fixed number of queries however many rows; ``tags=False``
    for a caller that attaches the topics to the rows it shows
    (``library.fragments.render_resource_rows``: taggit's prefetch builds a
    queryset per resource)."""
    return resources.prefetch_related("languages", *(("tags",) if tags else ()), "files")


def ordered(resources: QuerySet[Resource], sort: str) -> QuerySet[Resource]:
    if sort == "title":
        return resources.order_by("title", "-id")
    return resources.order_by(F("published_on").desc(nulls_last=True), "-id")


def review_queue(viewer: Any) -> QuerySet[Resource]:
    """Resources waiting for review: all of them for reviewers, a member's own otherwise."""
    if not _active(viewer):
        return Resource.objects.none()
    waiting = visible_resources(viewer).filter(state=ResourceState.REVIEW)
    if not is_reviewer(viewer):
        waiting = waiting.filter(created_by=viewer)
    return with_rows(waiting.select_related("created_by").order_by("created_at", "id"))


def resource_for(viewer: Any, pk: int) -> Resource | None:
    resource = (
        Resource.objects.filter(pk=pk)
        .select_related("created_by", "reviewed_by")
        .prefetch_related("languages", "tags", "files", "provisions__instrument", "author_members")
        .first()
    )
    if resource is None or not can_view(viewer, resource):
        return None
    return resource


def revisions_of(resource: Resource) -> QuerySet[ResourceRevision]:
    return resource.revisions.select_related("editor")


def collections_of(viewer: Any, resource: Resource) -> list[Collection]:
    return list(Collection.objects.filter(items__resource=resource).order_by("title"))


def used_languages(viewer: Any) -> list[tuple[str, str]]:
    """The filters offer only what the viewer's own list holds: a visitor's menus
    name no country or year of a members-only or waiting resource."""
    codes = (
        ResourceLanguage.objects.filter(resource__in=listed_resources(viewer))
        .order_by()  # no ordering column in the DISTINCT: one row per code
        .values_list("code", flat=True)
        .distinct()
    )
    return sorted(((code, language_name(code)) for code in codes), key=lambda pair: pair[1])


def used_years(viewer: Any) -> list[int]:
    dates = (
        listed_resources(viewer)
        .filter(published_on__isnull=False)
        .dates("published_on", "year", order="DESC")
    )
    return [day.year for day in dates]


def used_countries(viewer: Any) -> list[str]:
    return list(
        listed_resources(viewer)
        .exclude(country="")
        .order_by()  # no ordering column in the DISTINCT: one row per country
        .values_list("country", flat=True)
        .distinct()
    )


def used_provisions(viewer: Any) -> QuerySet:
    model = Resource._meta.get_field("provisions").related_model
    return (
        model.objects.filter(resources__in=listed_resources(viewer))
        .distinct()
        .select_related("instrument")
        .order_by("instrument", "position")
    )


# --- Collections ---------------------------------------------------------------------


def collections(viewer: Any) -> QuerySet[Collection]:
    """Every collection, with how many of its items the viewer may open."""
    return Collection.objects.annotate(
        shown=Count("items", filter=Q(items__resource__in=listed_resources(viewer)), distinct=True)
    ).order_by("title")


def collection_items(viewer: Any, collection: Collection) -> list[CollectionItem]:
    """The items the viewer may open, curated order or by year and number."""
    items = (
        CollectionItem.objects.filter(collection=collection, resource__in=listed_resources(viewer))
        .select_related("resource")
        .prefetch_related("resource__languages", "resource__tags", "resource__files")
    )
    if collection.order == CollectionOrder.SERIES:
        items = items.order_by(
            F("resource__published_on__year").asc(nulls_last=True),
            F("resource__number").asc(nulls_last=True),
            "id",
        )
    return list(items)


# --- What other apps show ---------------------------------------------------------------


def resources_for_provision(viewer: Any, provision: Any, *, limit: int = 20) -> list[Resource]:
    return list(
        with_rows(listed_resources(viewer).filter(provisions=provision)).order_by(
            F("published_on").desc(nulls_last=True), "-id"
        )[:limit]
    )


def materials_for(event: Any, *, viewer: Any) -> list[EventMaterial]:
    return [
        material
        for material in EventMaterial.objects.filter(
            event=event, resource__in=listed_resources(viewer)
        ).select_related("resource")
    ]


def resources_by_ids(viewer: Any, ids: list[int]) -> dict[int, Resource]:
    """Readable resources among ``ids`` (a lesson's sources that point into the library)."""
    return listed_resources(viewer).filter(pk__in=ids).in_bulk()


def citation(resource: Resource) -> str:
    """Author, Title, Publisher, Year: the simple citation line of the resource page."""
    parts = [resource.authors, resource.title, resource.publisher]
    if resource.series:
        parts.append(f"{resource.series} {resource.number}" if resource.number else resource.series)
    if resource.year:
        parts.append(str(resource.year))
    return ", ".join(part.strip() for part in parts if part and part.strip())


def bibtex(resource: Resource) -> str:
    """A BibTeX entry (@misc, @techreport or @article-less): enough for a reference manager."""
    kind = {"report": "techreport", "publication": "book"}.get(resource.kind, "misc")
    key = f"{(resource.authors.split(',')[0].split() or ['resource'])[-1]}{resource.year or ''}"
    key = "".join(ch for ch in key if ch.isalnum()) or f"resource{resource.pk}"

    def value(text: str) -> str:
        return "{" + text.replace("\\", "").replace("{", "").replace("}", "") + "}"

    fields = [("title", resource.title)]
    if resource.authors:
        fields.append(("author", " and ".join(a.strip() for a in resource.authors.split(";"))))
    if resource.publisher:
        fields.append(("institution" if kind == "techreport" else "publisher", resource.publisher))
    if resource.year:
        fields.append(("year", str(resource.year)))
    if resource.series:
        fields.append(("series", resource.series))
    if resource.number:
        fields.append(("number", str(resource.number)))
    if resource.source_url:
        fields.append(("url", resource.source_url))
    body = ",\n".join(f"  {name} = {value(text)}" for name, text in fields)
    return f"@{kind}{{{key},\n{body}\n}}\n"
