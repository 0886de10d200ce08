"""Full-text search storage for the library (see library.search).

PostgreSQL: ``search_vector`` tsvector columns on library_resource and
library_filepage with GIN indexes; they are not model fields (the ORM never
reads or writes them). SQLite: two FTS5 tables. Each backend gets only its
own half; the tables are empty when this runs, so nothing is indexed here.
"""

from django.db import migrations


def create_search_storage(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table in ("library_resource", "library_filepage"):
            schema_editor.execute(
                f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS search_vector tsvector NULL"
            )
            schema_editor.execute(
                f"CREATE INDEX IF NOT EXISTS {table}_search_gin ON {table} USING gin (search_vector)"
            )
    elif vendor == "sqlite":
        schema_editor.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS library_resource_fts USING fts5("
            "title, authors, abstract, tokenize='porter unicode61 remove_diacritics 2')"
        )
        schema_editor.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS library_filepage_fts USING fts5("
            "text, tokenize='porter unicode61 remove_diacritics 2')"
        )


def drop_search_storage(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        for table in ("library_resource", "library_filepage"):
            schema_editor.execute(f"DROP INDEX IF EXISTS {table}_search_gin")
            schema_editor.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_vector")
    elif vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS library_resource_fts")
        schema_editor.execute("DROP TABLE IF EXISTS library_filepage_fts")


class Migration(migrations.Migration):
    dependencies = [("library", "0001_initial")]

    operations = [migrations.RunPython(create_search_storage, drop_search_storage)]
