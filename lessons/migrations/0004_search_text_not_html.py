"""Reindex lessons on PostgreSQL with "<" swapped before parsing (see forum.search).

PostgreSQL's default text search parser reads its input as HTML: it drops
anything that looks like a tag and skips what is between <script> and
</script>, so a lesson made of such text was indexed as nothing and never
found. SQL and text extraction copied from lessons.search as they were when
this migration was written. SQLite's tokenizer treats "<" as a separator
already: nothing to do there.
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


def as_text(column):
    return f"translate({column}, '<', chr(57344))"


INDEX_POSTGRESQL = (
    "UPDATE lessons_lesson AS l SET search_vector ="  # noqa: S608 - constants only
    f" setweight(to_tsvector({LANGUAGE_CONFIG}, {as_text('l.title')}), 'A')"
    f" || setweight(to_tsvector({LANGUAGE_CONFIG}, {as_text('l.summary')}), 'B')"
    f" || setweight(to_tsvector({LANGUAGE_CONFIG}, {as_text('v.body')}), 'C')"
    " FROM unnest(%s::bigint[], %s::text[]) AS v(id, body) WHERE l.id = v.id"
)


def body_text(parts):
    texts = (" ".join(html.unescape(TAG.sub("", part)).split()) for part in parts)
    return "\n".join(text for text in texts if text)


def reindex(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    Lesson = apps.get_model("lessons", "Lesson")
    ids = list(Lesson.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), CHUNK):
        rows = Lesson.objects.filter(pk__in=ids[start : start + CHUNK]).values_list(
            "pk", *HTML_FIELDS
        )
        texts = [(pk, body_text(parts)) for pk, *parts in rows]
        if texts:
            schema_editor.execute(
                INDEX_POSTGRESQL, [[row[0] for row in texts], [row[1] for row in texts]]
            )


class Migration(migrations.Migration):
    dependencies = [
        ("lessons", "0003_search"),
    ]

    operations = [
        migrations.RunPython(reindex, migrations.RunPython.noop),
    ]
