"""Reindex posts on PostgreSQL with "<" swapped before parsing (see forum.search).

PostgreSQL's default text search parser reads its input as HTML: it drops
anything that looks like a tag and skips what is between <script> and
</script>, so a post made of such text was indexed as nothing and never found.
SQL copied from forum.search as it was when this migration was written.
SQLite's tokenizer treats "<" as a separator already: nothing to do there.
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
TITLE = "translate(CASE WHEN p.is_opening THEN t.title ELSE '' END, '<', chr(57344))"
BODY = "translate(p.body_text, '<', chr(57344))"


def reindex(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "UPDATE forum_post AS p SET search_vector ="  # noqa: S608 - constants only
        f" setweight(to_tsvector({LANGUAGE_CONFIG}, {TITLE}), 'A')"
        f" || setweight(to_tsvector({LANGUAGE_CONFIG}, {BODY}), 'B')"
        " FROM forum_thread AS t WHERE t.id = p.thread_id"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("forum", "0002_search"),
    ]

    operations = [
        migrations.RunPython(reindex, migrations.RunPython.noop),
    ]
