"""Full-text search storage for lessons (see lessons.search).

PostgreSQL: a ``search_vector`` tsvector column on lessons_lesson with a GIN
index. The column is not a field of Lesson: the ORM never reads or writes it,
so the model state does not change. SQLite: an FTS5 table.

Each backend gets only its own half. Lessons that exist already are indexed
here, with SQL and text extraction copied from lessons.search as they were when
this migration was written (a migration must not depend on code that changes).
"""

import html
import re

from django.db import migrations

LANGUAGE_CONFIG = (
    "CASE split_part(lower(l.language), '-', 1)"
    " WHEN 'en' THEN 'english'::regconfig WHEN 'nl' THEN 'dutch'::regconfig"
    " WHEN 'fr' THEN 'french'::regconfig WHEN 'es' THEN 'spanish'::regconfig"
    " WHEN 'de' THEN 'german'::regconfig WHEN 'pt' THEN 'portuguese'::regconfig"
    " WHEN 'it' THEN 'italian'::regconfig WHEN 'ru' THEN 'russian'::regconfig"
    " ELSE 'simple'::regconfig END"
)
HTML_FIELDS = (
    "what_happened_html",
    "what_worked_html",
    "what_did_not_html",
    "recommendations_html",
)
TAG = re.compile(r"<[^>]*>")
CHUNK = 500
INDEX_POSTGRESQL = (
    "UPDATE lessons_lesson AS l SET search_vector ="  # noqa: S608 - constants only
    f" setweight(to_tsvector({LANGUAGE_CONFIG}, l.title), 'A')"
    f" || setweight(to_tsvector({LANGUAGE_CONFIG}, l.summary), 'B')"
    f" || setweight(to_tsvector({LANGUAGE_CONFIG}, v.body), 'C')"
    " FROM unnest(%s::bigint[], %s::text[]) AS v(id, body) WHERE l.id = v.id"
)


def body_text(parts):
    texts = (" ".join(html.unescape(TAG.sub("", part)).split()) for part in parts)
    return "\n".join(text for text in texts if text)


def clean(text):
    return text.replace("\x02", "").replace("\x03", "")


def create_search_storage(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE lessons_lesson ADD COLUMN IF NOT EXISTS search_vector tsvector NULL"
        )
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS lessons_lesson_search_gin"
            " ON lessons_lesson USING gin (search_vector)"
        )
    elif vendor == "sqlite":
        schema_editor.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS lessons_lesson_fts USING fts5("
            "title, summary, body, tokenize='porter unicode61 remove_diacritics 2')"
        )
    else:
        return
    Lesson = apps.get_model("lessons", "Lesson")
    ids = list(Lesson.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        rows = Lesson.objects.filter(pk__in=ids[start : start + CHUNK]).values_list(
            "pk", "title", "summary", *HTML_FIELDS
        )
        texts = [(pk, title, summary, body_text(parts)) for pk, title, summary, *parts in rows]
        if not texts:
            continue
        if vendor == "postgresql":
            schema_editor.execute(
                INDEX_POSTGRESQL, [[row[0] for row in texts], [row[3] for row in texts]]
            )
        else:
            with schema_editor.connection.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO lessons_lesson_fts (rowid, title, summary, body)"
                    " VALUES (%s, %s, %s, %s)",
                    [(pk, clean(t), clean(s), clean(b)) for pk, t, s, b in texts],
                )


def drop_search_storage(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS lessons_lesson_search_gin")
        schema_editor.execute("ALTER TABLE lessons_lesson DROP COLUMN IF EXISTS search_vector")
    elif vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS lessons_lesson_fts")


class Migration(migrations.Migration):
    dependencies = [
        ("lessons", "0002_lessons_and_review"),
    ]

    operations = [
        migrations.RunPython(create_search_storage, drop_search_storage),
    ]
