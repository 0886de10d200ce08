"""A renamed member moves the page version of every thread that shows their
name: the threads they posted in (0008), and now also those they started or
last posted in, whose list rows show them (forum.fragments.kept_thread_list
keeps a list by its rows' versions). A thread's author and last poster
normally have a post in it; this holds when they do not (a post removed by a
purge, an account whose posts went with it).
"""

import importlib

from django.db import migrations

previous = importlib.import_module("forum.migrations.0008_thread_page_version")

THREADS = (
    "SELECT thread_id FROM forum_post WHERE author_id = NEW.id"
    " UNION SELECT id FROM forum_thread WHERE author_id = NEW.id"
    " UNION SELECT id FROM forum_thread WHERE last_poster_id = NEW.id"
)
POSTGRESQL = [
    f"""
    CREATE OR REPLACE FUNCTION forum_author_page_version() RETURNS trigger AS $$
    BEGIN
        {previous.BUMP} IN ({THREADS});
        RETURN NULL;
    END $$ LANGUAGE plpgsql
    """,
]
POSTGRESQL_REVERSE = [
    f"""
    CREATE OR REPLACE FUNCTION forum_author_page_version() RETURNS trigger AS $$
    BEGIN
        {previous.BUMP} IN (SELECT thread_id FROM forum_post WHERE author_id = NEW.id);
        RETURN NULL;
    END $$ LANGUAGE plpgsql
    """,
]


def _sqlite(threads: str) -> list[str]:
    return [
        "DROP TRIGGER IF EXISTS forum_author_page_version",
        f"""
        CREATE TRIGGER forum_author_page_version AFTER UPDATE ON members_user FOR EACH ROW
        WHEN {previous.AUTHOR_CHANGED_SQLITE}
        BEGIN {previous.BUMP} IN ({threads}); END
        """,
    ]


class Migration(migrations.Migration):
    dependencies = [("forum", "0008_thread_page_version")]

    operations = [
        migrations.RunPython(
            previous._run({"postgresql": POSTGRESQL, "sqlite": _sqlite(THREADS)}),
            previous._run(
                {
                    "postgresql": POSTGRESQL_REVERSE,
                    "sqlite": _sqlite("SELECT thread_id FROM forum_post WHERE author_id = NEW.id"),
                }
            ),
        ),
    ]
