"""The full-text engine's registration: an app's index is its own.

Runs on the configured backend, SQLite FTS5 or PostgreSQL (DATABASE_URL), as
the forum and lesson search tests do. Two throwaway tables stand for two apps:
one whose text is SQL over its columns (as the forum's), one whose text is
made in Python (as a lesson's body), so both ways of indexing are exercised.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from common import fulltext

pytestmark = pytest.mark.django_db


def _create_storage(table: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {table} (id bigint PRIMARY KEY, language varchar(8),"
            " title text, body text)"
        )
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {table} ADD COLUMN search_vector tsvector NULL")
        else:
            cursor.execute(
                f"CREATE VIRTUAL TABLE {table}_fts USING fts5("
                "title, body, tokenize='porter unicode61 remove_diacritics 2')"
            )


def _fields(*, body_sql: str | None) -> tuple[fulltext.Field, ...]:
    return (
        fulltext.Field("title", "n.title", "A", 5.0, excerpt=fulltext.HIGHLIGHT),
        fulltext.Field("body", body_sql, "B", 1.0),
    )


def _python_texts(ids: list[int]) -> list[tuple[int, str, str]]:
    # Made in Python, as lessons.search makes a lesson's body from its HTML.
    with connection.cursor() as cursor:
        marks = ", ".join(["%s"] * len(ids))
        cursor.execute(
            f"SELECT id, title, body FROM test_note_b WHERE id IN ({marks})",  # noqa: S608
            ids,
        )
        return [(pk, title, body.upper()) for pk, title, body in cursor.fetchall()]


@pytest.fixture
def notes() -> Iterator[tuple[fulltext.FullTextIndex, fulltext.FullTextIndex]]:
    _create_storage("test_note_a")
    _create_storage("test_note_b")
    sql_index = fulltext.register(
        fulltext.FullTextIndex(
            name="tests.note_a",
            table="test_note_a",
            alias="n",
            language="n.language",
            fields=_fields(body_sql="n.body"),
            fts_table="test_note_a_fts",
        )
    )
    python_index = fulltext.register(
        fulltext.FullTextIndex(
            name="tests.note_b",
            table="test_note_b",
            alias="n",
            language="n.language",
            fields=_fields(body_sql=None),
            fts_table="test_note_b_fts",
            texts=_python_texts,
        )
    )
    yield sql_index, python_index
    fulltext.unregister(sql_index)
    fulltext.unregister(python_index)


def _add(table: str, pk: int, title: str, body: str, language: str = "en") -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (id, language, title, body) VALUES (%s, %s, %s, %s)",  # noqa: S608
            [pk, language, title, body],
        )


def _found(index: fulltext.FullTextIndex, query: str) -> list[int]:
    rows = fulltext.candidates(index, fulltext.to_match(query))
    return [pk for pk, _rank in sorted(rows, key=lambda row: -row[1])]


def test_a_new_registration_is_indexed_and_found(notes) -> None:
    sql_index, python_index = notes
    assert {sql_index, python_index} <= set(fulltext.registered())
    for index, table in ((sql_index, "test_note_a"), (python_index, "test_note_b")):
        _add(table, 1, "Crowd safety briefing", "Stewards <b>met</b> the organisers early.")
        _add(table, 2, "Radio checks", "The briefing mentioned crowd barriers once.")
        _add(table, 3, "Kettling", "Nothing to do with the others.")
        fulltext.index(index, [1, 2, 3])
        # Stemmed ("briefings" finds "briefing"); the title outranks the body.
        assert _found(index, "crowd briefings") == [1, 2]
        assert _found(index, "kettling") == [3]
        # The computed text is the app's to give (PostgreSQL cuts it in the query).
        texts = {row[0]: row[2:] for row in _python_texts([1])} if index.computed else None
        title, body = fulltext.excerpts(index, fulltext.to_match("organisers"), [1], texts=texts)[1]
        assert fulltext.to_html(title) == "Crowd safety briefing"
        body_html = fulltext.to_html(body).lower()
        assert "<mark>organisers</mark>" in body_html and "&lt;b&gt;met&lt;/b&gt;" in body_html


def test_two_registered_indexes_do_not_see_each_others_rows(notes) -> None:
    sql_index, python_index = notes
    # The same ids in both tables, different words.
    _add("test_note_a", 1, "Water cannon", "Only in the first app.")
    _add("test_note_b", 1, "Mounted units", "Only in the second app.")
    fulltext.index(sql_index, [1])
    fulltext.index(python_index, [1])
    assert _found(sql_index, "cannon") == [1]
    assert _found(python_index, "cannon") == []
    assert _found(python_index, "mounted") == [1]
    assert _found(sql_index, "mounted") == []
    assert fulltext.excerpts(python_index, fulltext.to_match("cannon"), [1], texts={}) == {}
    # Unindexing one app's row leaves the other's.
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM test_note_a WHERE id = 1")
    fulltext.index(sql_index, [1])
    assert _found(sql_index, "cannon") == []
    assert _found(python_index, "mounted") == [1]


def test_a_second_index_over_the_same_storage_is_refused(notes) -> None:
    sql_index, _python_index = notes
    for clash in (
        fulltext.FullTextIndex(
            name="tests.other",
            table="test_note_c",
            alias="n",
            language="n.language",
            fields=_fields(body_sql="n.body"),
            fts_table=sql_index.fts_table,
        ),
        fulltext.FullTextIndex(
            name=sql_index.name,
            table="test_note_c",
            alias="n",
            language="n.language",
            fields=_fields(body_sql="n.body"),
            fts_table="test_note_c_fts",
        ),
    ):
        with pytest.raises(ImproperlyConfigured):
            fulltext.register(clash)
    # The same definition again (a module reloaded) is accepted.
    assert fulltext.register(sql_index) is sql_index


def test_the_forum_and_lessons_register_their_own_indexes() -> None:
    from forum.search import POSTS
    from lessons.search import LESSONS

    assert {POSTS, LESSONS} <= set(fulltext.registered())
    assert POSTS.fts_table != LESSONS.fts_table and POSTS.table != LESSONS.table
