"""Full-text search over the library, through the engine in common.fulltext.

Two indexes: **resources** (title A, authors with publisher and series B,
abstract C) and **pages** (the text the worker read from each file, one row
per PDF page, weight C; the page's language is its file's). A search ranks
both, keeps the best page of each resource, and scores a resource by the
better of its own rank and its best page's, so a word that appears only on
page 12 of a report finds the report, with an excerpt of page 12 and a link
to it (``#page=12`` for a PDF).

Visibility is applied when searching, not indexing: only resources
``library.selectors.visible_resources(viewer)`` lets the viewer open, and
only their pages. A search runs a fixed number of queries however much
matches: the two ranked candidate lists, then the shown resources, their
files and the two excerpt queries.

PostgreSQL: ``search_vector`` tsvector columns with GIN indexes on
``library_resource`` and ``library_filepage`` (migration 0002). SQLite: the
FTS5 tables ``library_resource_fts`` and ``library_filepage_fts``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils.safestring import SafeString

from common import fulltext
from library.models import FilePage, Resource, ResourceFile
from members.selectors import attach_tags

CANDIDATE_LIMIT = fulltext.CANDIDATE_LIMIT
# How many library hits the site search shows above the forum's.
SITE_HITS = 3

RESOURCES = fulltext.register(
    fulltext.FullTextIndex(
        name="library.resource",
        table=Resource._meta.db_table,
        alias="r",
        language=(
            "COALESCE((SELECT rl.code FROM library_resourcelanguage AS rl"
            " WHERE rl.resource_id = r.id ORDER BY rl.id LIMIT 1), 'en')"
        ),
        fields=(
            fulltext.Field(
                "title", "r.title", weight="A", fts5_weight=5.0, excerpt=fulltext.HIGHLIGHT
            ),
            fulltext.Field(
                "authors",
                "r.authors || ' ' || r.publisher || ' ' || r.series",
                weight="B",
                fts5_weight=2.0,
                excerpt=fulltext.HIGHLIGHT,
            ),
            fulltext.Field("abstract", "r.abstract", weight="C", fts5_weight=1.0),
        ),
        fts_table="library_resource_fts",
    )
)

PAGES = fulltext.register(
    fulltext.FullTextIndex(
        name="library.page",
        table=FilePage._meta.db_table,
        alias="p",
        language="f.language",
        joins=(fulltext.Join("library_resourcefile AS f", "f.id = p.file_id"),),
        fields=(fulltext.Field("text", "p.text", weight="C", fts5_weight=1.0),),
        fts_table="library_filepage_fts",
    )
)


def index_resources(ids: Sequence[int]) -> None:
    fulltext.index(RESOURCES, ids)


def index_pages(ids: Sequence[int]) -> None:
    fulltext.index(PAGES, ids)


def index_pages_of(resource_id: int) -> None:
    """Reindex a resource's pages (a file's language changed, a file went)."""
    index_pages(
        list(FilePage.objects.filter(file__resource_id=resource_id).values_list("pk", flat=True))
    )


def unindex_resources(resource_ids: Sequence[int], page_ids: Sequence[int]) -> None:
    """Rows already deleted: indexing their ids removes them from the index."""
    fulltext.index(RESOURCES, resource_ids)
    fulltext.index(PAGES, page_ids)
    fulltext.compact(RESOURCES)
    fulltext.compact(PAGES)


@dataclass(frozen=True)
class PageHit:
    number: int
    file_name: str
    url: str
    snippet: SafeString


@dataclass(frozen=True)
class LibraryHit:
    resource: Resource
    title: SafeString
    # The abstract (or authors) around a match, when there is one.
    snippet: SafeString
    page: PageHit | None
    rank: float


class LibraryResults:
    """Ranked hits, sliced lazily (a Paginator asks for one page's rows)."""

    def __init__(self, match: str, ranked: list[tuple[int, int | None, float]], capped: bool):
        self.match = match
        self._ranked = ranked
        self.capped = capped

    def __len__(self) -> int:
        return len(self._ranked)

    def count(self) -> int:
        return len(self._ranked)

    def ids(self) -> list[int]:
        """Every matching resource, best first (to order or page them otherwise)."""
        return [pk for pk, _page, _rank in self._ranked]

    def __getitem__(self, key: slice | int):
        if isinstance(key, int):
            return self[key : key + 1][0]
        return _load(self.match, self._ranked[key])


def search_resources(
    text: str,
    findable: QuerySet[Resource],
    *,
    match: str | None = None,
    limit_candidates: int = CANDIDATE_LIMIT,
) -> LibraryResults:
    """Resources among ``findable`` (the viewer's, filtered) matching every term of ``text``."""
    if match is None:
        match = fulltext.to_match(text)
    if not match:
        return LibraryResults("", [], False)
    findable = findable.order_by()
    own = fulltext.candidates(RESOURCES, match, findable=findable, limit=limit_candidates)
    pages = fulltext.candidates(
        PAGES,
        match,
        columns=["file_id"],
        findable=FilePage.objects.filter(file__resource__in=findable.values("pk")).order_by(),
        limit=limit_candidates,
    )
    own_rank = dict(own)
    best_page: dict[int, tuple[int, float]] = {}
    if pages:
        owners = dict(
            ResourceFile.objects.filter(pk__in={file_id for _pk, file_id, _r in pages}).values_list(
                "pk", "resource_id"
            )
        )
        for page_id, file_id, rank in pages:
            resource_id = owners.get(file_id)
            if resource_id is not None and (
                resource_id not in best_page or rank > best_page[resource_id][1]
            ):
                best_page[resource_id] = (page_id, rank)
    # A resource scores the better of its own rank and its best page's.
    ranked = sorted(
        (
            (
                pk,
                best_page[pk][0] if pk in best_page else None,
                max(own_rank.get(pk, float("-inf")), best_page.get(pk, (0, float("-inf")))[1]),
            )
            for pk in {*own_rank, *best_page}
        ),
        key=lambda row: (-row[2], -row[0]),
    )
    capped = len(own) >= limit_candidates or len(pages) >= limit_candidates
    return LibraryResults(match, ranked, capped)


def _load(match: str, rows: list[tuple[int, int | None, float]]) -> list[LibraryHit]:
    if not rows:
        return []
    ids = [pk for pk, _page, _rank in rows]
    resources = (
        Resource.objects.filter(pk__in=ids)
        .select_related()
        .prefetch_related("languages", "files")
        .in_bulk()
    )
    attach_tags(list(resources.values()))  # taggit's prefetch: a queryset per resource
    marked = fulltext.excerpts(RESOURCES, match, ids)
    page_ids = [page for _pk, page, _rank in rows if page is not None]
    pages = FilePage.objects.filter(pk__in=page_ids).select_related("file").in_bulk()
    page_texts = {pk: (page.text,) for pk, page in pages.items()}
    page_marks = fulltext.excerpts(PAGES, match, page_ids, texts=page_texts)
    hits = []
    for pk, page_id, rank in rows:
        resource = resources.get(pk)
        if resource is None:  # deleted since the candidates were chosen
            continue
        title, authors, abstract = marked.get(pk, (resource.title, "", ""))
        if fulltext.unmarked(title) != resource.title:
            title = resource.title
        abstract = fulltext.with_ellipses(abstract, resource.abstract)
        snippet = next((s for s in (abstract, authors) if fulltext.is_marked(s)), "")
        page_hit = None
        page = pages.get(page_id) if page_id is not None else None
        if page is not None:
            (excerpt,) = page_marks.get(page.pk, ("",))
            excerpt = fulltext.with_ellipses(excerpt, page.text)
            url = page.file.get_absolute_url()
            if page.file.extension == "pdf":
                url += f"#page={page.number}"
            page_hit = PageHit(
                number=page.number,
                file_name=page.file.name,
                url=url,
                snippet=fulltext.to_html(excerpt),
            )
        hits.append(
            LibraryHit(
                resource=resource,
                title=fulltext.to_html(title),
                snippet=fulltext.to_html(snippet),
                page=page_hit,
                rank=rank,
            )
        )
    return hits
