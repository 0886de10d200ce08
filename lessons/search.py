"""Full-text search over lessons, through the engine in common.fulltext.

This module says what a lesson indexes and who finds what; the engine does the
rest as it does for the forum: the member's query is read by
``common.fulltext.parse_query`` (no operators, nothing a member types is a
syntax error), snippets are escaped before the matches are marked, and a
lesson's language picks the PostgreSQL text search configuration.

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

from django.db.models import QuerySet
from django.utils.safestring import SafeString

from common import fulltext
from lessons.models import Lesson, LessonState
from members.models import User

CANDIDATE_LIMIT = fulltext.CANDIDATE_LIMIT
FTS_TABLE = "lessons_lesson_fts"
TITLE_WEIGHT_FTS5 = 5.0
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


def _texts(ids: list[int]) -> list[tuple[int, str, str, str]]:
    """(id, title, summary, body) of these lessons, the body as text (see body_text)."""
    rows = Lesson.objects.filter(pk__in=ids).values_list("pk", "title", "summary", *HTML_FIELDS)
    return [(pk, title, summary, body_text(parts)) for pk, title, summary, *parts in rows]


LESSONS = fulltext.register(
    fulltext.FullTextIndex(
        name="lessons.lesson",
        table=Lesson._meta.db_table,
        alias="l",
        language="l.language",
        fields=(
            fulltext.Field(
                "title",
                "l.title",
                weight="A",
                fts5_weight=TITLE_WEIGHT_FTS5,
                excerpt=fulltext.HIGHLIGHT,
            ),
            fulltext.Field("summary", "l.summary", weight="B", fts5_weight=SUMMARY_WEIGHT_FTS5),
            # The four Markdown parts as their rendered text (no link addresses,
            # no "**"), made in Python: the database has only their HTML.
            fulltext.Field("body", None, weight="C", fts5_weight=1.0),
        ),
        fts_table=FTS_TABLE,
        texts=_texts,
    )
)


def index_lessons(lesson_ids: list[int]) -> None:
    """(Re)index these lessons' text; called by lessons.services after every write."""
    fulltext.index(LESSONS, lesson_ids)


def compact_index() -> None:
    """The lessons' index, after a purge (common.fulltext.compact)."""
    fulltext.compact(LESSONS)


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
        match = fulltext.to_match(text)
    if not match:
        return LessonResults(hits=[], total=0, capped=False)
    rows = fulltext.candidates(
        LESSONS,
        match,
        columns=["state"],
        findable=_findable(viewer, tags or []),
        limit=limit_candidates,
    )
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


def _load_hits(match: str, ranked: list[tuple[int, float]]) -> list[LessonHit]:
    if not ranked:
        return []
    ids = [pk for pk, _rank in ranked]
    # The Markdown sources are never needed here; the HTML only where the
    # index keeps no text (PostgreSQL): the snippets are then made from its text.
    lessons = Lesson.objects.defer(*Lesson.MARKDOWN_FIELDS)
    bodies: dict[int, str] = {}
    if fulltext.stores_text():
        by_id = lessons.defer(*HTML_FIELDS).in_bulk(ids)
        marked = fulltext.excerpts(LESSONS, match, ids)
    else:
        by_id = lessons.in_bulk(ids)
        bodies = {pk: body_text([getattr(x, f) for f in HTML_FIELDS]) for pk, x in by_id.items()}
        marked = fulltext.excerpts(
            LESSONS, match, ids, texts={pk: (body,) for pk, body in bodies.items()}
        )
    hits = []
    for pk, rank in ranked:
        lesson = by_id.get(pk)
        if lesson is None:  # deleted since the candidates were chosen
            continue
        title, summary, body = marked.get(pk, ("", "", ""))
        summary = fulltext.with_ellipses(summary, lesson.summary)
        body = fulltext.with_ellipses(body, bodies.get(pk, ""))
        # The summary around a match, else the parts around one, else the summary.
        snippet = next((s for s in (summary, body) if fulltext.is_marked(s)), summary)
        if fulltext.unmarked(title) != lesson.title:  # edited since the candidates were chosen
            title = lesson.title
        hits.append(
            LessonHit(
                id=lesson.pk,
                url=lesson.get_absolute_url(),
                state=lesson.state,
                published_at=lesson.published_at,
                title=fulltext.to_html(title),
                snippet=fulltext.to_html(snippet),
                rank=rank,
            )
        )
    return hits
