"""A lesson made of a thread is on the thread's page ("This thread became a
lesson"): every write to it moves the thread's page_version (forum 0008)."""

from django.db import migrations

BUMP = "UPDATE forum_thread SET page_version = page_version + 1 WHERE id"

POSTGRESQL = [
    f"""
    CREATE FUNCTION lessons_lesson_thread_page_version() RETURNS trigger AS $$
    BEGIN
        IF TG_OP <> 'INSERT' AND OLD.from_thread_id IS NOT NULL THEN
            {BUMP} = OLD.from_thread_id;
        END IF;
        IF TG_OP <> 'DELETE' AND NEW.from_thread_id IS NOT NULL THEN
            {BUMP} = NEW.from_thread_id;
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER lessons_lesson_thread_page_version
    AFTER INSERT OR UPDATE OR DELETE ON lessons_lesson
    FOR EACH ROW EXECUTE FUNCTION lessons_lesson_thread_page_version()
    """,
]
POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS lessons_lesson_thread_page_version ON lessons_lesson",
    "DROP FUNCTION IF EXISTS lessons_lesson_thread_page_version()",
]
SQLITE = [
    f"""
    CREATE TRIGGER lessons_lesson_thread_page_version_insert
    AFTER INSERT ON lessons_lesson FOR EACH ROW WHEN NEW.from_thread_id IS NOT NULL
    BEGIN {BUMP} = NEW.from_thread_id; END
    """,
    f"""
    CREATE TRIGGER lessons_lesson_thread_page_version_update
    AFTER UPDATE ON lessons_lesson FOR EACH ROW
    BEGIN {BUMP} IN (OLD.from_thread_id, NEW.from_thread_id); END
    """,
    f"""
    CREATE TRIGGER lessons_lesson_thread_page_version_delete
    AFTER DELETE ON lessons_lesson FOR EACH ROW WHEN OLD.from_thread_id IS NOT NULL
    BEGIN {BUMP} = OLD.from_thread_id; END
    """,
]
SQLITE_REVERSE = [
    f"DROP TRIGGER IF EXISTS lessons_lesson_thread_page_version_{event}"
    for event in ("insert", "update", "delete")
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise RuntimeError(f"no page-version triggers for {schema_editor.connection.vendor}")
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ('forum', '0008_thread_page_version'),
        ('lessons', '0008_lessons_from_events'),
    ]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL, "sqlite": SQLITE}),
            _run({"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE}),
        ),
    ]
