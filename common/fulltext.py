"""The full-text engine: PostgreSQL full-text search, or SQLite FTS5, for any app.

The engine knows no domain. An app registers what it indexes (``register``:
the table, its weighted text fields, how to get their text, the language of a
row) and calls the engine to index and unindex rows (``index``), to read a
member's query (``parse_query``, ``to_match``), to rank the newest matching
rows (``candidates``) and to cut excerpts around the matches (``excerpts``).
Which rows a member may find, and what a hit looks like, stay in the app.
forum.search and lessons.search describe what they index.

Both backends index the same text the same way and answer the same questions:

- **What a query means.** The member's words, and "quoted phrases", must all
  match (stemmed: "protests" finds "protest"). There are no operators: the text
  is split into terms here and each term is handed to the engine as a quoted
  string, so nothing a member types (``AND(``, ``*``, ``-``, ``NEAR(``, a
  stray quote) can be a syntax error or change the query's meaning.
- **Cost.** Only the newest ``CANDIDATE_LIMIT`` (500) matching rows, by id,
  are ranked, so ranking costs the same for a rare word and for one in every
  row; the app says so when the cap was reached. Excerpts are made only for
  the rows being shown.
- **Where the vector or the text lives.** PostgreSQL: a tsvector column
  (``search_vector``) on the row's own table, built with the row's language's
  text search configuration (``TEXT_SEARCH_CONFIGS``, else ``simple``); a
  query is parsed with every one of those configurations and the results
  OR-ed, so it finds a Dutch row by Dutch stems and an English one by English
  stems. SQLite: an FTS5 table of the fields (rowid = the row's id; porter
  stemming, diacritics removed). Each app's migrations create its storage.
- **Ranking.** PostgreSQL: ``ts_rank_cd`` with log-length normalisation and the
  default weights (A 1.0, B 0.4, C 0.2, D 0.1). SQLite: ``bm25`` with each
  field's ``fts5_weight``. Higher is better, comparable within one search.
- **Excerpts.** ``ts_headline`` or ``snippet()``/``highlight()``. They come back
  as plain member text with the matches between two control characters; that
  text is HTML-escaped first, and only then are the markers turned into
  ``<mark>`` and ``</mark>`` (``to_html``; member text never contains the
  markers: they are removed on the way in).

PostgreSQL's default parser reads text as HTML: it drops "<...>" as a tag and
skips everything between <script> and </script>. Member text is plain text, so
"<" is swapped for a private-use stand-in (a separator, like "<" in SQLite's
tokenizer) before it is indexed, parsed as a query or cut into an excerpt, and
swapped back for display; else a post that is only "<script>alert(1)</script>"
could never be found.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models import FloatField, QuerySet
from django.db.models.expressions import RawSQL
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

CANDIDATE_LIMIT = 500
MAX_TERMS = 12
SNIPPET_TOKENS = 32
CHUNK = 500

# Row language (ISO 639-1) -> PostgreSQL text search configuration.
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
# A query is parsed with every configuration a row may have been indexed with.
QUERY_CONFIGS = ["simple", *sorted(set(TEXT_SEARCH_CONFIGS.values()))]

# Engines wrap matches in these; member text has them removed on the way in.
START, STOP = "\x02", "\x03"
# ts_headline drops anything that looks like an HTML tag from the text it
# returns, and the parser skips <script> bodies: "<" is swapped for this
# private-use character before indexing and parsing, and back for display.
LT_STANDIN = "\ue000"
LT_STANDIN_SQL = f"chr({ord(LT_STANDIN)})"
ELLIPSIS = "…"

HIGHLIGHT: Literal["highlight"] = "highlight"
SNIPPET: Literal["snippet"] = "snippet"

_PHRASE = re.compile(r'"([^"]*)"')
_SEARCHABLE = re.compile(r"[^\W_]")
_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


# --- What an app indexes -------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One weighted text of an indexed row.

    ``sql`` is the text as an SQL expression over the index's aliases (its
    table and joins), e.g. ``"p.body_text"``. ``None`` when the app computes
    the text in Python (``FullTextIndex.texts``): the engine then receives it
    as ``v.<name>`` from an ``unnest()`` of parameters on PostgreSQL.
    """

    name: str
    sql: str | None
    # PostgreSQL's setweight() label, "A" (highest) to "D".
    weight: str
    # SQLite's bm25() weight for this column.
    fts5_weight: float
    # SNIPPET: an excerpt around the best match; HIGHLIGHT: the whole text, marked.
    excerpt: Literal["highlight", "snippet"] = SNIPPET


@dataclass(frozen=True)
class Join:
    """A table the fields, the language or the app's conditions read: ``JOIN table ON on``."""

    table: str  # with its alias: "forum_thread AS t"
    on: str


@dataclass(frozen=True)
class FullTextIndex:
    """What an app indexes: rows of ``table`` (aliased ``alias`` in every SQL
    string), their ``fields``, and their ``language`` (an SQL expression giving
    an ISO 639-1 code, region allowed: "pt-BR")."""

    name: str
    table: str
    alias: str
    language: str
    fields: tuple[Field, ...]
    # SQLite: the FTS5 table, its columns named and ordered as ``fields``.
    fts_table: str
    joins: tuple[Join, ...] = ()
    # The text of every field for those of these ids whose rows exist, as
    # (id, text, text, ...) in field order. Needed when a field has no SQL.
    # SQLite indexes these texts as given; PostgreSQL reads the fields that
    # have SQL itself and takes only the others from here.
    texts: Callable[[list[int]], Iterable[Sequence[object]]] | None = None
    # PostgreSQL: the tsvector column on ``table``.
    vector_column: str = "search_vector"

    @property
    def computed(self) -> tuple[Field, ...]:
        return tuple(field for field in self.fields if field.sql is None)


_REGISTRY: dict[str, FullTextIndex] = {}


def register(index: FullTextIndex) -> FullTextIndex:
    """Declare an index to the engine; returns it for the app to keep.

    Refuses a second, different index under the same name or over the same
    FTS5 table or vector, so two apps never read or write each other's rows.
    Registering the same definition again (a module reloaded) is harmless.
    """
    for name in (index.alias, index.vector_column, *(field.name for field in index.fields)):
        if not _NAME.match(name):
            raise ImproperlyConfigured(f"full-text index {index.name!r}: bad name {name!r}")
    if not index.fields:
        raise ImproperlyConfigured(f"full-text index {index.name!r} has no fields")
    for field in index.fields:
        if field.weight not in {"A", "B", "C", "D"}:
            raise ImproperlyConfigured(f"{index.name}.{field.name}: weight must be A to D")
    if index.computed and index.texts is None:
        raise ImproperlyConfigured(f"full-text index {index.name!r}: fields without SQL need texts")
    for other in _REGISTRY.values():
        if other == index:
            continue
        same_storage = other.fts_table == index.fts_table or (
            other.table == index.table and other.vector_column == index.vector_column
        )
        if other.name == index.name or same_storage:
            raise ImproperlyConfigured(
                f"full-text index {index.name!r} clashes with {other.name!r} (name or storage)"
            )
    _REGISTRY[index.name] = index
    return index


def unregister(index: FullTextIndex) -> None:
    """Forget an index (tests that register one of their own)."""
    if _REGISTRY.get(index.name) == index:
        del _REGISTRY[index.name]


def registered() -> tuple[FullTextIndex, ...]:
    """Every registered index, in the order the apps declared them."""
    return tuple(_REGISTRY.values())


def chunks(ids: list[int], size: int = CHUNK) -> Iterator[list[int]]:
    """``ids`` in slices short enough for one statement's parameters."""
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


# --- The member's query ----------------------------------------------------------------


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


def to_match(text: str) -> str:
    """The query as the engine reads it: tsquery text, or an FTS5 expression.

    Empty when nothing in ``text`` can be searched for (or the database has
    no full-text engine here). One match serves every index: pass it to
    ``candidates`` and ``excerpts`` of each.
    """
    terms = parse_query(text)
    if terms and connection.vendor == "postgresql":
        return _tsquery_postgresql(terms)
    if terms and connection.vendor == "sqlite":
        return _fts5_match(terms)
    return ""


def _fts5_match(terms: list[str]) -> str:
    # Each term as an FTS5 string: its own tokenizer splits it, operators in it
    # are plain characters. Strings side by side must all match.
    return " ".join('"' + term.replace('"', '""') + '"' for term in terms)


def _websearch_text(terms: list[str]) -> str:
    # Quoted for websearch_to_tsquery: no "or" or "-" operators from members.
    # "<" swapped as in the index: a term such as "<script>" is a word, not a tag.
    return " ".join(f'"{term}"'.replace("<", LT_STANDIN) for term in terms)


def _tsquery_postgresql(terms: list[str]) -> str:
    """The query as tsquery text: parsed with every configuration, duplicates dropped.

    A query of its own, so that the candidates query gets the tsquery as a
    constant: the planner then estimates from the index statistics whether to
    walk the newest rows (a common word) or the GIN index (a rare one). Nine
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


# --- Indexing -----------------------------------------------------------------------


def _config_sql(language_sql: str) -> str:
    whens = " ".join(
        f"WHEN '{code}' THEN '{config}'::regconfig" for code, config in TEXT_SEARCH_CONFIGS.items()
    )
    return f"CASE split_part(lower({language_sql}), '-', 1) {whens} ELSE 'simple'::regconfig END"


def _as_text_sql(sql: str) -> str:
    """``sql`` with "<" swapped, so PostgreSQL parses it as text, not HTML."""
    return f"translate({sql}, '<', {LT_STANDIN_SQL})"


def _field_sql(field: Field) -> str:
    return field.sql if field.sql is not None else f"v.{field.name}"


def _unnest_sql(index: FullTextIndex) -> str:
    arrays = ", ".join(["%s::bigint[]", *("%s::text[]" for _ in index.computed)])
    names = ", ".join(["id", *(field.name for field in index.computed)])
    return f"unnest({arrays}) AS v({names})"


def index(index: FullTextIndex, ids: Iterable[int]) -> None:
    """(Re)index these rows' text; an id whose row is gone leaves the index.

    Apps call it inside the write transaction, after every write, so a search
    never sees text older than its row.
    """
    ids = sorted({int(pk) for pk in ids})
    if not ids or connection.vendor not in {"postgresql", "sqlite"}:
        return
    if connection.vendor == "postgresql" and not index.computed:
        # One statement: PostgreSQL takes the ids as one array parameter.
        _index_postgresql(index, ids, [])
        return
    for chunk in chunks(ids):
        rows = [tuple(row) for row in index.texts(chunk)] if index.texts else None
        if connection.vendor == "postgresql":
            if rows:
                _index_postgresql(index, chunk, rows)
        elif rows is None:
            _index_sqlite_from_sql(index, chunk)
        else:
            _index_sqlite_from_texts(index, chunk, rows)


def _index_postgresql(index: FullTextIndex, ids: list[int], rows: list[tuple]) -> None:
    a, config = index.alias, _config_sql(index.language)
    vector = " || ".join(
        f"setweight(to_tsvector({config}, {_as_text_sql(_field_sql(field))}), '{field.weight}')"
        for field in index.fields
    )
    sources = [join.table for join in index.joins]
    conditions = [join.on for join in index.joins]
    params: list[object] = []
    if index.computed:
        positions = [1 + index.fields.index(field) for field in index.computed]
        sources.insert(0, _unnest_sql(index))
        conditions.insert(0, f"{a}.id = v.id")
        params += [[row[0] for row in rows], *([row[p] for row in rows] for p in positions)]
    else:
        conditions.append(f"{a}.id = ANY(%s)")
        params.append(ids)
    from_sql = f"FROM {', '.join(sources)}" if sources else ""
    sql = f"""
        UPDATE {index.table} AS {a} SET {index.vector_column} = {vector}
        {from_sql}
        WHERE {" AND ".join(conditions)}
    """  # noqa: S608 - table names and configurations are constants
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _clean_sql(sql: str) -> str:
    return f"replace(replace({sql}, char(2), ''), char(3), '')"


def _index_sqlite_from_sql(index: FullTextIndex, ids: list[int]) -> None:
    a, fts = index.alias, index.fts_table
    marks = ", ".join(["%s"] * len(ids))
    names = ", ".join(field.name for field in index.fields)
    texts = ", ".join(_clean_sql(_field_sql(field)) for field in index.fields)
    joins = " ".join(f"JOIN {join.table} ON {join.on}" for join in index.joins)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {fts} WHERE rowid IN ({marks})", ids)  # noqa: S608
        cursor.execute(
            f"""
            INSERT INTO {fts} (rowid, {names})
            SELECT {a}.id, {texts}
            FROM {index.table} AS {a} {joins}
            WHERE {a}.id IN ({marks})
            """,  # noqa: S608 - table and column names are constants
            ids,
        )


def _index_sqlite_from_texts(index: FullTextIndex, ids: list[int], rows: list[tuple]) -> None:
    def clean(text: object) -> str:
        return str(text or "").replace(START, "").replace(STOP, "")

    fts, marks = index.fts_table, ", ".join(["%s"] * len(ids))
    names = ", ".join(field.name for field in index.fields)
    values = ", ".join(["%s"] * (1 + len(index.fields)))
    with connection.cursor() as cursor:
        # Every id asked for: a deleted row leaves the index too.
        cursor.execute(f"DELETE FROM {fts} WHERE rowid IN ({marks})", ids)  # noqa: S608
        cursor.executemany(
            f"INSERT INTO {fts} (rowid, {names}) VALUES ({values})",  # noqa: S608
            [(row[0], *(clean(text) for text in row[1:])) for row in rows],
        )


def compact(index: FullTextIndex) -> None:
    """After a purge, keep no trace of text that is no longer indexed.

    Reindexing replaces a row's entry, but SQLite FTS5 only marks the old
    terms deleted in its segment b-trees (the ``_data`` table) until segments
    are merged; ``optimize`` merges them all, so the purged words are gone
    from the file's live pages. It rewrites the whole index: a moderator's
    rare action may take that time. On PostgreSQL the vector is a column of
    the row itself, rewritten by every reindex.
    """
    if connection.vendor == "sqlite":
        table = index.fts_table
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} ({table}) VALUES ('optimize')")  # noqa: S608


# --- Ranking ------------------------------------------------------------------------


def candidates(
    index: FullTextIndex,
    match: str,
    *,
    columns: Sequence[str] = (),
    where: Sequence[str] = (),
    params: Sequence[object] = (),
    findable: QuerySet | None = None,
    limit: int = CANDIDATE_LIMIT,
) -> list[tuple]:
    """The newest ``limit`` matching rows, by id, ranked: ``(id, *columns, rank)``.

    Which rows may be found is the app's: ``where``, SQL conditions over the
    index's aliases with ``params``, or ``findable``, a queryset of the rows
    (its conditions join the match's WHERE on PostgreSQL, where an
    ``id IN (...)`` made the planner sort every findable id). ``columns``:
    columns of the index's table returned with each row (also model field
    names when ``findable`` is given). Rows come newest first; sort by rank.
    """
    if not match:
        return []
    if findable is not None and where:
        raise ValueError("candidates(): where or findable, not both")
    if connection.vendor == "postgresql":
        if findable is not None:
            return _candidates_postgresql_orm(index, match, findable, columns, limit)
        return _candidates_postgresql(index, match, columns, where, params, limit)
    if findable is not None:
        query = findable.values("pk").query
        sql, findable_params = query.get_compiler(connection=connection).as_sql()
        where, params = [f"{index.alias}.id IN ({sql})"], list(findable_params)
    return _candidates_sqlite(index, match, columns, where, params, limit)


def _candidates_postgresql(
    index: FullTextIndex,
    tsquery: str,
    columns: Sequence[str],
    where: Sequence[str],
    params: Sequence[object],
    limit: int,
) -> list[tuple]:
    a, vector = index.alias, index.vector_column
    joins = " ".join(f"JOIN {join.table} ON {join.on}" for join in index.joins)
    inner = ", ".join([f"{a}.id", *(f"{a}.{column}" for column in columns), f"{a}.{vector}"])
    outer = ", ".join(["c.id", *(f"c.{column}" for column in columns)])
    conditions = "".join(f" AND {condition}" for condition in where)
    # Normalisation 1: divide by 1 + log(length), so a long row that says a
    # word once does not beat a short one about it.
    sql = f"""
        SELECT {outer}, ts_rank_cd(c.{vector}, %s::tsquery, 1)
        FROM (
            SELECT {inner}
            FROM {index.table} AS {a} {joins}
            WHERE {a}.{vector} @@ %s::tsquery {conditions}
            ORDER BY {a}.id DESC
            LIMIT %s
        ) AS c
    """  # noqa: S608 - only constants are formatted in; member input is a parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, [tsquery, tsquery, *params, limit])
        return [(*row[:-1], float(row[-1])) for row in cursor.fetchall()]


def _candidates_postgresql_orm(
    index: FullTextIndex, tsquery: str, findable: QuerySet, columns: Sequence[str], limit: int
) -> list[tuple]:
    # The findable rows' conditions go into the same WHERE as the match.
    vector = f"{connection.ops.quote_name(index.table)}.{index.vector_column}"
    rank = RawSQL(f"ts_rank_cd({vector}, %s::tsquery, 1)", [tsquery], FloatField())  # noqa: S611
    rows = (
        findable.extra(where=[f"{vector} @@ %s::tsquery"], params=[tsquery])  # noqa: S610
        .annotate(fulltext_rank=rank)
        .order_by("-pk")
        .values_list("pk", *columns, "fulltext_rank")[:limit]
    )
    return [(*row[:-1], float(row[-1])) for row in rows]


def _candidates_sqlite(
    index: FullTextIndex,
    match: str,
    columns: Sequence[str],
    where: Sequence[str],
    params: Sequence[object],
    limit: int,
) -> list[tuple]:
    a, fts = index.alias, index.fts_table
    selected = ", ".join([f"{fts}.rowid", *(f"{a}.{column}" for column in columns)])
    weights = ", ".join(["%s"] * len(index.fields))
    joins = "".join(f" CROSS JOIN {join.table}" for join in index.joins)
    conditions = "".join(f" AND {join.on}" for join in index.joins)
    conditions += "".join(f" AND {condition}" for condition in where)
    # CROSS JOIN keeps the FTS table the outer loop, so it walks its matches
    # newest first and stops at the limit: bm25 is computed for those only.
    sql = f"""
        SELECT {selected}, bm25({fts}, {weights})
        FROM {fts} CROSS JOIN {index.table} AS {a}{joins}
        WHERE {fts} MATCH %s AND {a}.id = {fts}.rowid{conditions}
        ORDER BY {fts}.rowid DESC
        LIMIT %s
    """  # noqa: S608 - only constants and ORM-built SQL are formatted in
    weight_params = [field.fts5_weight for field in index.fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*weight_params, match, *params, limit])
        # bm25: lower is better.
        return [(*row[:-1], -float(row[-1])) for row in cursor.fetchall()]


# --- Excerpts -----------------------------------------------------------------------


def stores_text() -> bool:
    """Whether the index keeps the text (SQLite FTS5): then ``excerpts`` needs no texts."""
    return connection.vendor != "postgresql"


def excerpts(
    index: FullTextIndex,
    match: str,
    ids: Sequence[int],
    *,
    texts: dict[int, Sequence[str]] | None = None,
) -> dict[int, tuple[str, ...]]:
    """Each row's fields, cut around the matches (or whole, HIGHLIGHT), in field order.

    Marked with START and STOP; pass each through ``with_ellipses`` and
    ``to_html``. On PostgreSQL an index with computed fields needs their
    ``texts`` (by id, in the order of ``index.computed``); only those rows
    are cut. On SQLite the FTS5 table holds the text.
    """
    if not ids or not match:
        return {}
    if connection.vendor == "postgresql":
        return _excerpts_postgresql(index, match, ids, texts or {})
    return _excerpts_sqlite(index, match, ids)


def _excerpts_postgresql(
    index: FullTextIndex, tsquery: str, ids: Sequence[int], texts: dict[int, Sequence[str]]
) -> dict[int, tuple[str, ...]]:
    a, config = index.alias, _config_sql(index.language)
    # One excerpt around the best match, as SQLite's snippet() makes. (Fragment
    # mode would drop the punctuation after each fragment's last word.)
    options = {
        SNIPPET: f"StartSel={START}, StopSel={STOP}, MaxWords=35, MinWords=15",
        HIGHLIGHT: f"StartSel={START}, StopSel={STOP}, HighlightAll=true",
    }
    drop = "<" + START + STOP
    headlines, params = [], []
    for field in index.fields:
        sql = _field_sql(field)
        headlines.append(f"ts_headline({config}, translate({sql}, %s, %s), %s::tsquery, %s)")
        params += [drop, LT_STANDIN, tsquery, options[field.excerpt]]
    joins = " ".join(f"JOIN {join.table} ON {join.on}" for join in index.joins)
    if index.computed:
        if not texts:
            return {}
        source = f"{_unnest_sql(index)} JOIN {index.table} AS {a} ON {a}.id = v.id {joins}"
        where = ""
        columns = range(len(index.computed))
        params += [list(texts), *([row[i] for row in texts.values()] for i in columns)]
    else:
        source = f"{index.table} AS {a} {joins}"
        where = f"WHERE {a}.id = ANY(%s)"
        params.append(list(ids))
    sql = f"""
        SELECT {a}.id, {", ".join(headlines)}
        FROM {source}
        {where}
    """  # noqa: S608 - only constants are formatted in; member text is a parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0]: tuple(text or "" for text in row[1:]) for row in cursor.fetchall()}


def _excerpts_sqlite(
    index: FullTextIndex, match: str, ids: Sequence[int]
) -> dict[int, tuple[str, ...]]:
    fts = index.fts_table
    cuts, params = [], []
    for column, field in enumerate(index.fields):
        if field.excerpt == HIGHLIGHT:
            cuts.append(f"highlight({fts}, {column}, %s, %s)")
            params += [START, STOP]
        else:
            cuts.append(f"snippet({fts}, {column}, %s, %s, %s, %s)")
            params += [START, STOP, ELLIPSIS, SNIPPET_TOKENS]
    marks = ", ".join(["%s"] * len(ids))
    sql = f"""
        SELECT rowid, {", ".join(cuts)}
        FROM {fts}
        WHERE {fts} MATCH %s AND rowid IN ({marks})
    """  # noqa: S608 - only constants are formatted in; member input is a parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, match, *ids])
        return {row[0]: tuple(text or "" for text in row[1:]) for row in cursor.fetchall()}


def with_ellipses(excerpt: str, text: str) -> str:
    """Mark where the excerpt cuts ``text`` (SQLite's snippet() does so itself)."""
    if connection.vendor != "postgresql":
        return excerpt
    shown = unmarked(excerpt).strip()
    text = text.replace(START, "").replace(STOP, "").strip()
    if not shown:
        return excerpt
    if not text.startswith(shown):
        excerpt = ELLIPSIS + excerpt.lstrip()
    if not text.endswith(shown):
        excerpt = excerpt.rstrip() + ELLIPSIS
    return excerpt


def is_marked(excerpt: str) -> bool:
    """Whether the excerpt shows a match."""
    return START in excerpt


def unmarked(text: str) -> str:
    """An excerpt as the member's text: no markers, "<" back."""
    return text.replace(START, "").replace(STOP, "").replace(LT_STANDIN, "<")


def to_html(text: str) -> SafeString:
    """Member text with engine markers -> safe HTML: escape everything, then mark."""
    html = escape(text.replace(LT_STANDIN, "<"))
    # The engines emit markers in pairs; close one the ellipsis may have cut.
    opened = html.count(START) - html.count(STOP)
    html = html.replace(START, "<mark>").replace(STOP, "</mark>")
    if opened > 0:
        html += "</mark>" * opened
    return mark_safe(html)  # noqa: S308 - escaped above; only <mark> is added
