"""Full-text search storage (see forum.search): a GIN index on PostgreSQL, an FTS5 table on SQLite.

Each backend gets only its own half; the model state does not change. Posts that
exist already are indexed here, with SQL copied from forum.search as it was when
this migration was written (a migration must not depend on code that changes).
"""

from django.db import migrations

LANGUAGE_CONFIG = (
    "CASE split_part(lower(t.language), '-', 1)"
    " WHEN 'en' THEN 'english'::regconfig WHEN 'nl' THEN 'dutch'::regconfig"
    " WHEN 'fr' THEN 'french'::regconfig WHEN 'es' THEN 'spanish'::regconfig"
    " WHEN 'de' THEN 'german'::regconfig WHEN 'pt' THEN 'portuguese'::regconfig"
    " WHEN 'it' THEN 'italian'::regconfig WHEN 'ru' THEN 'russian'::regconfig"
    " ELSE 'simple'::regconfig END"
)


def create_search_storage(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS forum_post_search_gin"
            " ON forum_post USING gin (search_vector)"
        )
        schema_editor.execute(
            "UPDATE forum_post AS p SET search_vector ="
            f" setweight(to_tsvector({LANGUAGE_CONFIG},"
            " CASE WHEN p.is_opening THEN t.title ELSE '' END), 'A')"
            f" || setweight(to_tsvector({LANGUAGE_CONFIG}, p.body_text), 'B')"
            " FROM forum_thread AS t WHERE t.id = p.thread_id"
        )
    elif vendor == "sqlite":
        schema_editor.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS forum_post_fts USING fts5("
            "title, body, tokenize='porter unicode61 remove_diacritics 2')"
        )
        schema_editor.execute(
            "INSERT INTO forum_post_fts (rowid, title, body)"
            " SELECT p.id,"
            " CASE WHEN p.is_opening"
            " THEN replace(replace(t.title, char(2), ''), char(3), '') ELSE '' END,"
            " replace(replace(p.body_text, char(2), ''), char(3), '')"
            " FROM forum_post AS p JOIN forum_thread AS t ON t.id = p.thread_id"
        )


def drop_search_storage(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS forum_post_search_gin")
        schema_editor.execute("UPDATE forum_post SET search_vector = NULL")
    elif vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS forum_post_fts")


class Migration(migrations.Migration):
    dependencies = [
        ("forum", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_search_storage, drop_search_storage),
    ]
