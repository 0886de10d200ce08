"""Full-text search over forum posts, through the engine in common.fulltext.

This module says what the forum indexes and who finds what; the engine does
the PostgreSQL and SQLite work (query parsing, ranking, excerpts):

- **What is indexed.** Every post's plain text (``Post.body_text``), plus the
  thread's title on its opening post, the title weighted higher. ``index_posts``
  (re)indexes posts inside the write transaction (forum.services calls it after
  every create and edit), so a search never sees text older than its post.
- **Who can find what.** Visibility is applied when searching, not indexing:
  hidden and deleted posts, and posts of hidden and deleted threads, are never
  found, by anyone; hiding or restoring needs no reindex.
- **What a query means.** As the engine reads it (common.fulltext.parse_query):
  every word and "quoted phrase" must match, stemmed; no operators.
- **Cost.** Only the newest ``CANDIDATE_LIMIT`` (500) matching visible posts, by
  id, are ranked, so ranking costs the same for a rare word and for one in
  every post; an older post drops out of a very common word's results (the
  page says so and asks for more words). Snippets are made only for the page
  being shown. A search runs a fixed number of queries however much matches:
  the ranked candidates (on PostgreSQL, one more before it to parse the query),
  then three for a page of hits (posts with threads, their tags, snippets).
- **Results.** One hit per thread: its best-ranked post, linked to directly.
  A thread whose question and twenty answers mention "kettling" appears once.

PostgreSQL: ``Post.search_vector`` (GIN index, migration 0002) is built with the
thread's language's text search configuration. A query is parsed once with
every configuration and sent as a constant, so the planner's estimate of how
common a word is stays right: it walks the newest posts for a common word, the
GIN index for a rare one. Ranking: ``ts_rank_cd``; weights A (title) 1.0,
B (body) 0.4. Snippets: ``ts_headline``.

SQLite: an FTS5 table ``forum_post_fts(title, body)`` (rowid = post id; porter
stemming, diacritics removed), created by migration 0002. Ranking: ``bm25``
with the title weighted ``TITLE_WEIGHT_FTS5`` times the body. Snippets:
``snippet()``.

Lessons have an index of their own (lessons.search); the site-wide search page
(network.search) shows their hits above these.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import overload

from django.contrib.contenttypes.models import ContentType
from django.utils.safestring import SafeString

from common import fulltext
from forum.models import Post, Thread
from members.models import Tag, TaggedItem
from members.selectors import attach_tags

CANDIDATE_LIMIT = fulltext.CANDIDATE_LIMIT
TITLE_WEIGHT_FTS5 = 5.0
FTS_TABLE = "forum_post_fts"

POSTS = fulltext.register(
    fulltext.FullTextIndex(
        name="forum.post",
        table=Post._meta.db_table,
        alias="p",
        joins=(fulltext.Join(f"{Thread._meta.db_table} AS t", "t.id = p.thread_id"),),
        language="t.language",
        fields=(
            # The thread's title belongs to its opening post only.
            fulltext.Field(
                "title",
                "CASE WHEN p.is_opening THEN t.title ELSE '' END",
                weight="A",
                fts5_weight=TITLE_WEIGHT_FTS5,
                excerpt=fulltext.HIGHLIGHT,
            ),
            fulltext.Field("body", "p.body_text", weight="B", fts5_weight=1.0),
        ),
        fts_table=FTS_TABLE,
    )
)


@dataclass(frozen=True)
class SearchHit:
    thread: Thread
    post: Post
    # Safe HTML: escaped member text with the matches in <mark>.
    snippet: SafeString
    title: SafeString
    # Higher is better; comparable only within one search.
    rank: float


# --- Indexing ---------------------------------------------------------------------


def index_posts(post_ids: list[int]) -> None:
    """(Re)index these posts' text; called by forum.services after every write."""
    fulltext.index(POSTS, post_ids)


def compact_index() -> None:
    """The posts' index, after a purge (common.fulltext.compact)."""
    fulltext.compact(POSTS)


# --- Searching --------------------------------------------------------------------


class SearchResults(Sequence[SearchHit]):
    """Ranked hits, best first; a page of them is loaded only when sliced.

    ``len()`` costs nothing; ``results[20:40]`` loads those twenty hits with
    three queries, so a ``Paginator`` over this builds one page.
    """

    def __init__(self, match: str, ranked: list[tuple[int, float]], capped: bool) -> None:
        # What the engine matches: tsquery text (PostgreSQL) or an FTS5 expression.
        self._match = match
        self._ranked = ranked
        # More posts matched than were ranked: only the newest were considered.
        self.capped = capped

    @property
    def match(self) -> str:
        """The query as the engine reads it (lessons.search can reuse it)."""
        return self._match

    def __len__(self) -> int:
        return len(self._ranked)

    @overload
    def __getitem__(self, index: int) -> SearchHit: ...
    @overload
    def __getitem__(self, index: slice) -> list[SearchHit]: ...
    def __getitem__(self, index: int | slice) -> SearchHit | list[SearchHit]:
        if isinstance(index, slice):
            return _load_hits(self._match, self._ranked[index])
        return _load_hits(self._match, [self._ranked[index]])[0]

    def __iter__(self) -> Iterator[SearchHit]:
        return iter(self[:])


def search_posts(
    query: str,
    *,
    tags: list[str] | None = None,
    kind: str | None = None,
    limit_candidates: int = CANDIDATE_LIMIT,
) -> SearchResults:
    """Visible posts matching every term of ``query``, best thread first.

    ``tags``: slugs; the thread must have all of them (as in the thread list).
    ``kind``: a ThreadKind value. One hit per thread, its best-ranked post;
    among posts ranked equal, the newer first.
    """
    match = fulltext.to_match(query)
    if not match:
        return SearchResults("", [], capped=False)
    where, params = _thread_filters(tags or [], kind or "")
    rows = fulltext.candidates(
        POSTS, match, columns=["thread_id"], where=where, params=params, limit=limit_candidates
    )
    best: dict[int, tuple[int, float]] = {}
    for post_id, thread_id, rank in sorted(rows, key=lambda row: (-row[2], -row[0])):
        best.setdefault(thread_id, (post_id, rank))
    return SearchResults(match, list(best.values()), capped=len(rows) >= limit_candidates)


def _thread_filters(tags: list[str], kind: str) -> tuple[list[str], list[object]]:
    """SQL conditions on ``t`` (the thread) and ``p`` (the post), and their parameters."""
    where = ["NOT p.is_deleted", "NOT p.is_hidden", "NOT t.is_deleted", "NOT t.is_hidden"]
    params: list[object] = []
    if kind:
        where.append("t.kind = %s")
        params.append(kind)
    if tags:
        tagged, tag, content_type = (
            TaggedItem._meta.db_table,
            Tag._meta.db_table,
            ContentType._meta.db_table,
        )
        # By natural key in SQL rather than ContentType.objects.get_for_model(),
        # whose cache would make the first search one query longer. Only table
        # names are formatted in; slugs are parameters.
        is_thread = (
            f"ti.content_type_id = (SELECT ct.id FROM {content_type} AS ct "  # noqa: S608
            "WHERE ct.app_label = %s AND ct.model = %s)"
        )
        for slug in dict.fromkeys(tags):
            where.append(
                f"EXISTS (SELECT 1 FROM {tagged} AS ti JOIN {tag} AS tg"  # noqa: S608
                f" ON tg.id = ti.tag_id WHERE ti.object_id = t.id AND {is_thread} AND tg.slug = %s)"
            )
            params += [Thread._meta.app_label, Thread._meta.model_name, slug]
    return where, params


def _load_hits(match: str, ranked: list[tuple[int, float]]) -> list[SearchHit]:
    if not ranked:
        return []
    ids = [pk for pk, _rank in ranked]
    # The source and HTML (up to 50,000 characters each) are not shown here.
    posts = Post.objects.select_related("thread").defer("body", "body_html", "search_vector")
    by_id = posts.in_bulk(ids)
    attach_tags([post.thread for post in by_id.values()])
    marked = fulltext.excerpts(POSTS, match, ids)
    hits = []
    for pk, rank in ranked:
        post = by_id.get(pk)
        if post is None:  # deleted for good since the candidates were chosen
            continue
        title, snippet = marked.get(pk, ("", ""))
        snippet = fulltext.with_ellipses(snippet, post.body_text)
        if not (post.is_opening and title and fulltext.unmarked(title) == post.thread.title):
            title = post.thread.title
        hits.append(
            SearchHit(
                thread=post.thread,
                post=post,
                snippet=fulltext.to_html(snippet),
                title=fulltext.to_html(title),
                rank=rank,
            )
        )
    return hits
