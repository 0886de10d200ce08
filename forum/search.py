"""Full-text search over forum posts: PostgreSQL full-text search, or SQLite FTS5.

Both backends index the same text the same way and answer the same questions:

- **What is indexed.** Every post's plain text (``Post.body_text``), plus the
  thread's title on its opening post, the title weighted higher. ``index_posts``
  (re)indexes posts inside the write transaction (forum.services calls it after
  every create and edit), so a search never sees text older than its post.
- **Who can find what.** Visibility is applied when searching, not indexing:
  hidden and deleted posts, and posts of hidden and deleted threads, are never
  found, by anyone; hiding or restoring needs no reindex.
- **What a query means.** The member's words, and "quoted phrases", must all
  match (stemmed: "protests" finds "protest"). There are no operators: the text
  is split into terms here and each term is handed to the engine as a quoted
  string, so nothing a member types (``AND(``, ``*``, ``-``, ``NEAR(``, a
  stray quote) can be a syntax error or change the query's meaning.
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
thread's language's text search configuration (``TEXT_SEARCH_CONFIGS``, else
``simple``). A query is parsed with every one of those configurations and the
results OR-ed, so it finds a Dutch thread by Dutch stems and an English one by
English stems. Duplicate parses are dropped and the result is sent as a
constant, so the planner's estimate of how common a word is stays right: it
walks the newest posts for a common word, the GIN index for a rare one.
Ranking: ``ts_rank_cd`` with log-length normalisation; weights A (title) 1.0,
B (body) 0.4. Snippets: ``ts_headline``.

SQLite: an FTS5 table ``forum_post_fts(title, body)`` (rowid = post id; porter
stemming, diacritics removed), created by migration 0002. Ranking: ``bm25``
with the title weighted ``TITLE_WEIGHT_FTS5`` times the body. Snippets:
``snippet()``.

Snippets come back from the engine as plain member text with the matches
between two control characters; that text is HTML-escaped first, and only then
are the markers turned into ``<mark>`` and ``</mark>`` (member text never
contains the markers: they are removed on the way in).

Lessons will get an index of their own; the site-wide search page can then
merge their hits with these.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import overload

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from forum.models import Post, Thread
from members.models import Tag, TaggedItem
from members.selectors import attach_tags

CANDIDATE_LIMIT = 500
MAX_TERMS = 12
TITLE_WEIGHT_FTS5 = 5.0
SNIPPET_TOKENS = 32

# Thread language (ISO 639-1) -> PostgreSQL text search configuration.
TEXT_SEARCH_CONFIGS = {
    "en": "english",
    "nl": "dutch",
    "fr": "french",
    "es": "spanish",
    "de": "german",
    "pt": "portuguese",
    "it": "italian",
    "ru": "russian",
}
# A query is parsed with every configuration a post may have been indexed with.
QUERY_CONFIGS = ["simple", *sorted(set(TEXT_SEARCH_CONFIGS.values()))]

FTS_TABLE = "forum_post_fts"

# Engines wrap matches in these; member text has them removed on the way in.
START, STOP = "\x02", "\x03"
# ts_headline drops anything that looks like an HTML tag from the text it
# returns; "<" is swapped for this private-use character and back, so a
# snippet shows what the member wrote ("<script>" as text, escaped).
LT_STANDIN = "\ue000"
# PostgreSQL's default parser reads text as HTML: it drops "<...>" as a tag
# and skips everything between <script> and </script> (or <style>). Member
# text is plain text, so "<" is swapped for the stand-in (a separator, like
# "<" in SQLite's tokenizer) before it is indexed or parsed as a query, else
# a post that is only "<script>alert(1)</script>" could never be found.
LT_STANDIN_SQL = f"chr({ord(LT_STANDIN)})"
ELLIPSIS = "…"

_PHRASE = re.compile(r'"([^"]*)"')
_SEARCHABLE = re.compile(r"[^\W_]")


@dataclass(frozen=True)
class SearchHit:
    thread: Thread
    post: Post
    # Safe HTML: escaped member text with the matches in <mark>.
    snippet: SafeString
    title: SafeString
    # Higher is better; comparable only within one search.
    rank: float


# --- The member's query ---------------------------------------------------------


def parse_query(text: str) -> list[str]:
    """The query's terms: words and quoted phrases, each to be matched as written.

    Whitespace separates terms, double quotes group a phrase (an unmatched quote
    is ignored). Terms without a letter or digit are dropped; at most
    ``MAX_TERMS`` are kept. Quotes never appear inside a term.
    """
    terms: list[str] = []
    pieces = _PHRASE.split(text.replace("\x00", " "))
    # split() with one group alternates: outside, phrase, outside, phrase, ...
    for index, piece in enumerate(pieces):
        is_phrase = index % 2 == 1
        for term in [" ".join(piece.split())] if is_phrase else piece.replace('"', " ").split():
            if _SEARCHABLE.search(term) and term not in terms:
                terms.append(term)
    return terms[:MAX_TERMS]


def has_searchable_words(text: str) -> bool:
    return bool(parse_query(text))


def _fts5_match(terms: list[str]) -> str:
    # Each term as an FTS5 string: its own tokenizer splits it, operators in it
    # are plain characters. Strings side by side must all match.
    return " ".join('"' + term.replace('"', '""') + '"' for term in terms)


def _websearch_text(terms: list[str]) -> str:
    # Quoted for websearch_to_tsquery: no "or" or "-" operators from members.
    # "<" swapped as in the index: a term such as "<script>" is a word, not a tag.
    return " ".join(f'"{term}"'.replace("<", LT_STANDIN) for term in terms)


# --- Indexing ---------------------------------------------------------------------


def _config_sql(language_column: str) -> str:
    whens = " ".join(
        f"WHEN '{code}' THEN '{config}'::regconfig" for code, config in TEXT_SEARCH_CONFIGS.items()
    )
    return f"CASE split_part(lower({language_column}), '-', 1) {whens} ELSE 'simple'::regconfig END"


def _as_text_sql(column: str) -> str:
    """SQL for ``column`` with "<" swapped, so PostgreSQL parses it as text, not HTML."""
    return f"translate({column}, '<', {LT_STANDIN_SQL})"


def _chunks(ids: list[int], size: int = 500) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def index_posts(post_ids: list[int]) -> None:
    """(Re)index these posts' text; called by forum.services after every write."""
    ids = sorted({int(pk) for pk in post_ids})
    if not ids:
        return
    if connection.vendor == "postgresql":
        _index_postgresql(ids)
    elif connection.vendor == "sqlite":
        for chunk in _chunks(ids):
            _index_sqlite(chunk)


def _index_postgresql(ids: list[int]) -> None:
    post, thread = Post._meta.db_table, Thread._meta.db_table
    config = _config_sql("t.language")
    title = _as_text_sql("CASE WHEN p.is_opening THEN t.title ELSE '' END")
    sql = f"""
        UPDATE {post} AS p SET search_vector =
            setweight(to_tsvector({config}, {title}), 'A')
            || setweight(to_tsvector({config}, {_as_text_sql("p.body_text")}), 'B')
        FROM {thread} AS t
        WHERE t.id = p.thread_id AND p.id = ANY(%s)
    """  # noqa: S608 - table names and configurations are constants
    with connection.cursor() as cursor:
        cursor.execute(sql, [ids])


def _index_sqlite(ids: list[int]) -> None:
    post, thread = Post._meta.db_table, Thread._meta.db_table
    marks = ", ".join(["%s"] * len(ids))

    def clean(column: str) -> str:
        return f"replace(replace({column}, char(2), ''), char(3), '')"

    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {FTS_TABLE} WHERE rowid IN ({marks})", ids)  # noqa: S608
        cursor.execute(
            f"""
            INSERT INTO {FTS_TABLE} (rowid, title, body)
            SELECT p.id, CASE WHEN p.is_opening THEN {clean("t.title")} ELSE '' END,
                   {clean("p.body_text")}
            FROM {post} AS p JOIN {thread} AS t ON t.id = p.thread_id
            WHERE p.id IN ({marks})
            """,  # noqa: S608 - table and column names are constants
            ids,
        )


def compact_fts5(table: str) -> None:
    """After a purge, keep no trace of text that is no longer indexed.

    Reindexing replaces a row's entry, but SQLite FTS5 only marks the old
    terms deleted in its segment b-trees (the ``_data`` table) until segments
    are merged; ``optimize`` merges them all, so the purged words are gone
    from the file's live pages. It rewrites the whole index: a moderator's
    rare action may take that time. On PostgreSQL the vector is a column of
    the row itself, rewritten by every reindex.
    """
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} ({table}) VALUES ('optimize')")  # noqa: S608


def compact_index() -> None:
    """The posts' index, after a purge (compact_fts5)."""
    compact_fts5(FTS_TABLE)


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
    terms = parse_query(query)
    match = ""
    if terms and connection.vendor == "postgresql":
        match = _tsquery_postgresql(terms)
    elif terms and connection.vendor == "sqlite":
        match = _fts5_match(terms)
    if not match:
        return SearchResults("", [], capped=False)
    filters, params = _thread_filters(tags or [], kind or "")
    if connection.vendor == "postgresql":
        rows = _candidates_postgresql(match, filters, params, limit_candidates)
    else:
        rows = _candidates_sqlite(match, filters, params, limit_candidates)
    best: dict[int, tuple[int, float]] = {}
    for post_id, thread_id, rank in sorted(rows, key=lambda row: (-row[2], -row[0])):
        best.setdefault(thread_id, (post_id, rank))
    return SearchResults(match, list(best.values()), capped=len(rows) >= limit_candidates)


def _thread_filters(tags: list[str], kind: str) -> tuple[str, list[object]]:
    """SQL conditions on ``t`` (the thread) and ``p`` (the post), and their parameters."""
    sql = " AND NOT p.is_deleted AND NOT p.is_hidden AND NOT t.is_deleted AND NOT t.is_hidden"
    params: list[object] = []
    if kind:
        sql += " AND t.kind = %s"
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
            sql += (
                f" AND EXISTS (SELECT 1 FROM {tagged} AS ti JOIN {tag} AS tg"  # noqa: S608
                f" ON tg.id = ti.tag_id WHERE ti.object_id = t.id AND {is_thread} AND tg.slug = %s)"
            )
            params += [Thread._meta.app_label, Thread._meta.model_name, slug]
    return sql, params


def _tsquery_postgresql(terms: list[str]) -> str:
    """The query as tsquery text: parsed with every configuration, duplicates dropped.

    A query of its own, so that the candidates query gets the tsquery as a
    constant: the planner then estimates from the index statistics whether to
    walk the newest posts (a common word) or the GIN index (a rare one). Nine
    copies of one lexeme OR-ed would make every word look common.
    """
    return _parsed_postgresql(_websearch_text(terms))


@lru_cache(maxsize=2048)
def _parsed_postgresql(text: str) -> str:
    # The parse depends only on the text and the server's dictionaries: asked
    # once per process for each query text (a round trip saved on repeats).
    parsed = ", ".join(f"websearch_to_tsquery('{config}', %s)::text" for config in QUERY_CONFIGS)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {parsed}", [text] * len(QUERY_CONFIGS))
        variants = dict.fromkeys(text for text in cursor.fetchone() if text)
    return " | ".join(f"( {text} )" for text in variants)


def _candidates_postgresql(
    tsquery: str, filters: str, params: list[object], limit: int
) -> list[tuple[int, int, float]]:
    post, thread = Post._meta.db_table, Thread._meta.db_table
    # Normalisation 1: divide by 1 + log(length), so a long post that says a
    # word once does not beat a short one about it.
    sql = f"""
        SELECT c.id, c.thread_id, ts_rank_cd(c.search_vector, %s::tsquery, 1)
        FROM (
            SELECT p.id, p.thread_id, p.search_vector
            FROM {post} AS p JOIN {thread} AS t ON t.id = p.thread_id
            WHERE p.search_vector @@ %s::tsquery {filters}
            ORDER BY p.id DESC
            LIMIT %s
        ) AS c
    """  # noqa: S608 - only constants are formatted in; member input is a parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, [tsquery, tsquery, *params, limit])
        return [(pk, thread_id, float(rank)) for pk, thread_id, rank in cursor.fetchall()]


def _candidates_sqlite(
    match: str, filters: str, params: list[object], limit: int
) -> list[tuple[int, int, float]]:
    post, thread = Post._meta.db_table, Thread._meta.db_table
    # CROSS JOIN keeps the FTS table the outer loop, so it walks its matches
    # newest first and stops at the limit: bm25 is computed for those only.
    sql = f"""
        SELECT {FTS_TABLE}.rowid, p.thread_id, bm25({FTS_TABLE}, %s, 1.0)
        FROM {FTS_TABLE}
            CROSS JOIN {post} AS p
            CROSS JOIN {thread} AS t
        WHERE {FTS_TABLE} MATCH %s AND p.id = {FTS_TABLE}.rowid AND t.id = p.thread_id
            {filters}
        ORDER BY {FTS_TABLE}.rowid DESC
        LIMIT %s
    """  # noqa: S608 - only constants are formatted in; member input is a parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, [TITLE_WEIGHT_FTS5, match, *params, limit])
        # bm25: lower is better.
        return [(pk, thread_id, -float(score)) for pk, thread_id, score in cursor.fetchall()]


def _load_hits(match: str, ranked: list[tuple[int, float]]) -> list[SearchHit]:
    if not ranked:
        return []
    ids = [pk for pk, _rank in ranked]
    # The source and HTML (up to 50,000 characters each) are not shown here.
    posts = Post.objects.select_related("thread").defer("body", "body_html", "search_vector")
    by_id = posts.in_bulk(ids)
    attach_tags([post.thread for post in by_id.values()])
    if connection.vendor == "postgresql":
        marked = _snippets_postgresql(match, ids)
    else:
        marked = _snippets_sqlite(match, ids)
    hits = []
    for pk, rank in ranked:
        post = by_id.get(pk)
        if post is None:  # deleted for good since the candidates were chosen
            continue
        snippet, title = marked.get(pk, ("", ""))
        if connection.vendor == "postgresql":
            snippet = _with_ellipses(snippet, post.body_text)
        if not (post.is_opening and title and _unmarked(title) == post.thread.title):
            title = post.thread.title
        hits.append(
            SearchHit(
                thread=post.thread,
                post=post,
                snippet=_to_html(snippet),
                title=_to_html(title),
                rank=rank,
            )
        )
    return hits


def _snippets_postgresql(tsquery: str, ids: list[int]) -> dict[int, tuple[str, str]]:
    post, thread = Post._meta.db_table, Thread._meta.db_table
    config = _config_sql("t.language")
    # One excerpt around the best match, as SQLite's snippet() makes. (Fragment
    # mode would drop the punctuation after each fragment's last word.)
    body_options = f"StartSel={START}, StopSel={STOP}, MaxWords=35, MinWords=15"
    title_options = f"StartSel={START}, StopSel={STOP}, HighlightAll=true"
    drop = "<" + START + STOP

    sql = f"""
        SELECT p.id,
            ts_headline({config}, translate(p.body_text, %s, %s), %s::tsquery, %s),
            CASE WHEN p.is_opening
                THEN ts_headline({config}, translate(t.title, %s, %s), %s::tsquery, %s)
                ELSE '' END
        FROM {post} AS p JOIN {thread} AS t ON t.id = p.thread_id
        WHERE p.id = ANY(%s)
    """  # noqa: S608 - only constants are formatted in; member input is a parameter
    params = [
        *(drop, LT_STANDIN, tsquery, body_options),
        *(drop, LT_STANDIN, tsquery, title_options),
        ids,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {pk: (body or "", title or "") for pk, body, title in cursor.fetchall()}


def _snippets_sqlite(match: str, ids: list[int]) -> dict[int, tuple[str, str]]:
    marks = ", ".join(["%s"] * len(ids))
    sql = f"""
        SELECT rowid,
            snippet({FTS_TABLE}, 1, %s, %s, %s, %s),
            highlight({FTS_TABLE}, 0, %s, %s)
        FROM {FTS_TABLE}
        WHERE {FTS_TABLE} MATCH %s AND rowid IN ({marks})
    """  # noqa: S608 - only constants are formatted in; member input is a parameter
    params = [START, STOP, ELLIPSIS, SNIPPET_TOKENS, START, STOP, match, *ids]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {pk: (body or "", title or "") for pk, body, title in cursor.fetchall()}


def _with_ellipses(excerpt: str, text: str) -> str:
    """Mark where ts_headline cut the text (SQLite's snippet() does so itself)."""
    shown = _unmarked(excerpt).strip()
    text = text.replace(START, "").replace(STOP, "").strip()
    if not shown:
        return excerpt
    if not text.startswith(shown):
        excerpt = ELLIPSIS + excerpt.lstrip()
    if not text.endswith(shown):
        excerpt = excerpt.rstrip() + ELLIPSIS
    return excerpt


def _unmarked(text: str) -> str:
    return text.replace(START, "").replace(STOP, "").replace(LT_STANDIN, "<")


def _to_html(text: str) -> SafeString:
    """Member text with engine markers -> safe HTML: escape everything, then mark."""
    html = escape(text.replace(LT_STANDIN, "<"))
    # The engines emit markers in pairs; close one the ellipsis may have cut.
    opened = html.count(START) - html.count(STOP)
    html = html.replace(START, "<mark>").replace(STOP, "</mark>")
    if opened > 0:
        html += "</mark>" * opened
    return mark_safe(html)  # noqa: S308 - escaped above; only <mark> is added
