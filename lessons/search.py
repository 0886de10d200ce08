"""Full-text search over lessons: PostgreSQL full-text search, or SQLite FTS5.

The same approach as forum.search, whose pieces are reused rather than copied:
the member's query is read by ``parse_query`` (no operators, nothing a member
types is a syntax error), snippets are escaped before the matches are marked,
and a lesson's language picks the PostgreSQL text search configuration.

- **What is indexed.** The title (weight A), the summary (B), and the text of
  the four Markdown parts, what happened, what worked, what did not and the
  recommendations (C). The parts are indexed as their rendered text, not their
  Markdown source, so neither link addresses nor ``**`` are found or shown.
  ``index_lessons`` (re)indexes inside the write transaction (lessons.services
  calls it after every write), so a search never sees text older than its lesson.
- **Who can find what.** Visibility is applied when searching, not indexing:
  only lessons that ``visible_lessons(viewer)`` lets the viewer open, and only
  published or archived ones. Drafts and lessons in review are never found,
  not even by their authors or reviewers (they have their own lists);
  members-only lessons never by visitors or pending members. Publishing,
  archiving or making a lesson public needs no reindex. Archived lessons are
  found, marked, and come after the published ones.
- **Cost.** As in the forum, only the newest ``CANDIDATE_LIMIT`` matching
  lessons the viewer may see, by id, are ranked, and snippets are made only for
  the hits returned. A search runs a fixed number of queries however much
  matches: the ranked candidates (on PostgreSQL, one more before it to parse
  the query), then two for the hits (the lessons, their snippets).

PostgreSQL: a ``search_vector`` tsvector column on ``lessons_lesson`` with a GIN
index (migration 0003). Unlike ``Post.search_vector`` it is not a model field:
the ORM never reads or writes it, a new row has NULL there until
``index_lessons`` fills it in the same transaction. Ranking: ``ts_rank_cd``
with log-length normalisation, default weights: A 1.0, B 0.4, C 0.2.

SQLite: an FTS5 table ``lessons_lesson_fts(title, summary, body)`` (rowid =
lesson id; porter stemming, diacritics removed), created by migration 0003.
Ranking: ``bm25`` weighted title 5, summary 2, body 1.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime

from django.db import connection
from django.db.models import FloatField, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.safestring import SafeString

from forum.search import (
    CANDIDATE_LIMIT,
    ELLIPSIS,
    LT_STANDIN,
    SNIPPET_TOKENS,
    START,
    STOP,
    TITLE_WEIGHT_FTS5,
    _as_text_sql,
    _chunks,
    _config_sql,
    _fts5_match,
    _to_html,
    _tsquery_postgresql,
    _unmarked,
    _with_ellipses,
    compact_fts5,
    parse_query,
)
from lessons.models import Lesson, LessonState
from members.models import User

FTS_TABLE = "lessons_lesson_fts"
SUMMARY_WEIGHT_FTS5 = 2.0
# How many lesson hits the search page shows above the forum's.
LESSON_HITS = 5
# Found by search: published lessons, and archived ones (marked).
FOUND_STATES = (LessonState.PUBLISHED, LessonState.ARCHIVED)
HTML_FIELDS = tuple(f"{field}_html" for field in Lesson.MARKDOWN_FIELDS)

_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class LessonHit:
    id: int
    url: str
    state: str
    published_at: datetime | None
    # Safe HTML: escaped member text with the matches in <mark>.
    title: SafeString
    snippet: SafeString
    # Higher is better; comparable only within one search.
    rank: float

    @property
    def is_archived(self) -> bool:
        return self.state == LessonState.ARCHIVED


@dataclass(frozen=True)
class LessonResults:
    """The best hits, and how many lessons matched in all."""

    hits: list[LessonHit]
    # Matching lessons ranked (at most the candidate limit).
    total: int
    # More lessons matched than were ranked: only the newest were considered.
    capped: bool


# --- Indexing ---------------------------------------------------------------------


def body_text(lesson_html: list[str]) -> str:
    """The text of a lesson's rendered Markdown parts, one after the other.

    The HTML was sanitised when it was written, so dropping the tags and
    decoding the entities its serialiser writes gives its text exactly, and in
    microseconds: common.markup.plain_text parses the HTML again (~50 ms for
    a long part), too slow for the snippets of every search on PostgreSQL.
    """
    parts = (" ".join(html.unescape(_TAG.sub("", part)).split()) for part in lesson_html)
    return "\n".join(part for part in parts if part)


def index_lessons(lesson_ids: list[int]) -> None:
    """(Re)index these lessons' text; called by lessons.services after every write."""
    ids = sorted({int(pk) for pk in lesson_ids})
    if not ids or connection.vendor not in {"postgresql", "sqlite"}:
        return
    for chunk in _chunks(ids):
        rows = Lesson.objects.filter(pk__in=chunk).values_list(
            "pk", "title", "summary", *HTML_FIELDS
        )
        texts = [(pk, title, summary, body_text(parts)) for pk, title, summary, *parts in rows]
        if connection.vendor == "postgresql":
            _index_postgresql(texts)
        else:
            _index_sqlite(chunk, texts)


def _index_postgresql(texts: list[tuple[int, str, str, str]]) -> None:
    if not texts:
        return
    table = Lesson._meta.db_table
    config = _config_sql("l.language")
    sql = f"""
        UPDATE {table} AS l SET search_vector =
            setweight(to_tsvector({config}, {_as_text_sql("l.title")}), 'A')
            || setweight(to_tsvector({config}, {_as_text_sql("l.summary")}), 'B')
            || setweight(to_tsvector({config}, {_as_text_sql("v.body")}), 'C')
        FROM unnest(%s::bigint[], %s::text[]) AS v(id, body)
        WHERE l.id = v.id
    """  # noqa: S608 - table names and configurations are constants
    with connection.cursor() as cursor:
        cursor.execute(sql, [[row[0] for row in texts], [row[3] for row in texts]])


def _index_sqlite(ids: list[int], texts: list[tuple[int, str, str, str]]) -> None:
    def clean(text: str) -> str:
        return text.replace(START, "").replace(STOP, "")

    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        # Every id asked for: a deleted lesson leaves the index too.
        cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid IN ({marks})", ids)  # noqa: S608
        cursor.executemany(
            f"INSERT INTO {FTS_TABLE} (rowid, title, summary, body) VALUES (%s, %s, %s, %s)",  # noqa: S608
            [(pk, clean(title), clean(summary), clean(body)) for pk, title, summary, body in texts],
        )


def compact_index() -> None:
    """The lessons' index, after a purge (forum.search.compact_fts5)."""
    compact_fts5(FTS_TABLE)


# --- Searching --------------------------------------------------------------------


def search_lessons(
    text: str,
    viewer: User,
    *,
    tags: list[str] | None = None,
    limit: int = LESSON_HITS,
    limit_candidates: int = CANDIDATE_LIMIT,
    match: str | None = None,
) -> LessonResults:
    """The best ``limit`` lessons matching every term of ``text`` that ``viewer`` may read.

    ``tags``: slugs; the lesson must have all of them. Published lessons come
    before archived ones; among lessons ranked equal, the newer first.
    ``match``: the engine's form of ``text`` when the caller has it already
    (``forum.search.SearchResults.match``), which saves PostgreSQL a parse.
    """
    if match is None:
        terms = parse_query(text)
        match = ""
        if terms and connection.vendor == "postgresql":
            match = _tsquery_postgresql(terms)
        elif terms and connection.vendor == "sqlite":
            match = _fts5_match(terms)
    if not match:
        return LessonResults(hits=[], total=0, capped=False)
    findable = _findable(viewer, tags or [])
    if connection.vendor == "postgresql":
        rows = _candidates_postgresql(match, findable, limit_candidates)
    else:
        rows = _candidates_sqlite(match, _as_sql(findable), limit_candidates)
    ranked = sorted(rows, key=lambda row: (row[1] == LessonState.ARCHIVED, -row[2], -row[0]))
    best = [(pk, rank) for pk, _state, rank in ranked[: max(limit, 0)]]
    return LessonResults(
        hits=_load_hits(match, best), total=len(rows), capped=len(rows) >= limit_candidates
    )


def _findable(viewer: User, tags: list[str]) -> QuerySet[Lesson]:
    """The lessons this viewer may find: the one visibility rule (lessons.selectors)."""
    from lessons.selectors import visible_lessons  # selectors import services, which import us

    lessons: QuerySet[Lesson] = visible_lessons(viewer).filter(state__in=FOUND_STATES)
    for slug in dict.fromkeys(tags):
        # One filter() per tag: one join each, so the lesson needs every tag.
        lessons = lessons.filter(tags__slug=slug)
    return lessons.order_by()


def _as_sql(lessons: QuerySet[Lesson]) -> tuple[str, list[object]]:
    """SQL for the ids of ``lessons``, and its parameters, to use as a subquery."""
    sql, params = lessons.values("pk").query.get_compiler(connection=connection).as_sql()
    return sql, list(params)


def _candidates_postgresql(
    tsquery: str, findable: QuerySet[Lesson], limit: int
) -> list[tuple[int, str, float]]:
    # As in the forum: rank only the newest `limit` matches (normalisation 1:
    # divide by 1 + log(length), so a long lesson that says a word once does
    # not beat a short one about it). The visibility conditions go into the
    # same WHERE as the match: as "id IN (visible lessons)" PostgreSQL sorted
    # the ids of every visible lesson for a merge join (5 ms of a search).
    vector = f"{connection.ops.quote_name(Lesson._meta.db_table)}.search_vector"
    rows = (
        findable.extra(where=[f"{vector} @@ %s::tsquery"], params=[tsquery])  # noqa: S610
        .annotate(
            rank=RawSQL(f"ts_rank_cd({vector}, %s::tsquery, 1)", [tsquery], FloatField())  # noqa: S611
        )
        .order_by("-pk")
        .values_list("pk", "state", "rank")[:limit]
    )
    return [(pk, state, float(rank)) for pk, state, rank in rows]


def _candidates_sqlite(
    match: str, visible: tuple[str, list[object]], limit: int
) -> list[tuple[int, str, float]]:
    table = Lesson._meta.db_table
    visible_sql, visible_params = visible
    # CROSS JOIN keeps the FTS table the outer loop: it walks its matches
    # newest first and stops at the limit; bm25 is computed for those only.
    sql = f"""
        SELECT {FTS_TABLE}.rowid, l.state, bm25({FTS_TABLE}, %s, %s, 1.0)
        FROM {FTS_TABLE} CROSS JOIN {table} AS l
        WHERE {FTS_TABLE} MATCH %s AND l.id = {FTS_TABLE}.rowid AND l.id IN ({visible_sql})
        ORDER BY {FTS_TABLE}.rowid DESC
        LIMIT %s
    """  # noqa: S608 - only constants and ORM-built SQL are formatted in
    params = [TITLE_WEIGHT_FTS5, SUMMARY_WEIGHT_FTS5, match, *visible_params, limit]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        # bm25: lower is better.
        return [(pk, state, -float(score)) for pk, state, score in cursor.fetchall()]


def _load_hits(match: str, ranked: list[tuple[int, float]]) -> list[LessonHit]:
    if not ranked:
        return []
    ids = [pk for pk, _rank in ranked]
    # The Markdown sources are never needed here; the HTML only on PostgreSQL,
    # where the snippets are made from its text (SQLite's index keeps the text).
    lessons = Lesson.objects.defer(*Lesson.MARKDOWN_FIELDS)
    if connection.vendor == "postgresql":
        by_id = lessons.in_bulk(ids)
        bodies = {pk: body_text([getattr(x, f) for f in HTML_FIELDS]) for pk, x in by_id.items()}
        marked = _snippets_postgresql(match, bodies)
    else:
        by_id = lessons.defer(*HTML_FIELDS).in_bulk(ids)
        bodies = {}
        marked = _snippets_sqlite(match, ids)
    hits = []
    for pk, rank in ranked:
        lesson = by_id.get(pk)
        if lesson is None:  # deleted since the candidates were chosen
            continue
        title, summary, body = marked.get(pk, ("", "", ""))
        if connection.vendor == "postgresql":
            summary = _with_ellipses(summary, lesson.summary)
            body = _with_ellipses(body, bodies[pk])
        # The summary around a match, else the parts around one, else the summary.
        snippet = next((s for s in (summary, body) if START in s), summary)
        if _unmarked(title) != lesson.title:  # edited since the candidates were chosen
            title = lesson.title
        hits.append(
            LessonHit(
                id=lesson.pk,
                url=lesson.get_absolute_url(),
                state=lesson.state,
                published_at=lesson.published_at,
                title=_to_html(title),
                snippet=_to_html(snippet),
                rank=rank,
            )
        )
    return hits


def _snippets_postgresql(tsquery: str, bodies: dict[int, str]) -> dict[int, tuple[str, str, str]]:
    if not bodies:
        return {}
    table = Lesson._meta.db_table
    config = _config_sql("l.language")
    # As in the forum: one excerpt around the best match; "<" swapped for a
    # stand-in so that ts_headline keeps what looks like a tag as text.
    text_options = f"StartSel={START}, StopSel={STOP}, MaxWords=35, MinWords=15"
    title_options = f"StartSel={START}, StopSel={STOP}, HighlightAll=true"
    drop = "<" + START + STOP

    def headline(column: str, options: str) -> tuple[str, list[object]]:
        sql = f"ts_headline({config}, translate({column}, %s, %s), %s::tsquery, %s)"
        return sql, [drop, LT_STANDIN, tsquery, options]

    title_sql, title_params = headline("l.title", title_options)
    summary_sql, summary_params = headline("l.summary", text_options)
    body_sql, body_params = headline("v.body", text_options)
    sql = f"""
        SELECT l.id, {title_sql}, {summary_sql}, {body_sql}
        FROM unnest(%s::bigint[], %s::text[]) AS v(id, body)
            JOIN {table} AS l ON l.id = v.id
    """  # noqa: S608 - only constants are formatted in; member text is a parameter
    params = [*title_params, *summary_params, *body_params, list(bodies), list(bodies.values())]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0]: (row[1] or "", row[2] or "", row[3] or "") for row in cursor.fetchall()}


def _snippets_sqlite(match: str, ids: list[int]) -> dict[int, tuple[str, str, str]]:
    marks = ", ".join(["%s"] * len(ids))
    sql = f"""
        SELECT rowid,
            highlight({FTS_TABLE}, 0, %s, %s),
            snippet({FTS_TABLE}, 1, %s, %s, %s, %s),
            snippet({FTS_TABLE}, 2, %s, %s, %s, %s)
        FROM {FTS_TABLE}
        WHERE {FTS_TABLE} MATCH %s AND rowid IN ({marks})
    """  # noqa: S608 - only constants are formatted in; member input is a parameter
    snippet = [START, STOP, ELLIPSIS, SNIPPET_TOKENS]
    params = [START, STOP, *snippet, *snippet, match, *ids]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0]: (row[1] or "", row[2] or "", row[3] or "") for row in cursor.fetchall()}
