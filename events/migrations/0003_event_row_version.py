"""Event.row_version, moved by triggers on everything an event's list row shows.

The event list is kept whole while its rows' ids and versions stay the same
(events.fragments.kept_event_list), so every write to what a row shows must
move the version, whichever code makes it: the event itself (title, kind,
dates, places, cancellation), its languages, its registrations (the places
taken) and its topics (filed, removed, renamed). PostgreSQL: a BEFORE UPDATE
trigger on the event sets the version to one more than the stored one,
whatever Python wrote, and AFTER triggers on the other tables touch the
event. SQLite: the same with AFTER triggers (its recursive triggers are off,
so the event's own trigger does not fire itself). Forum migration 0008 does
the same for threads.
"""

from django.db import migrations, models

EVENT_CT = "(SELECT id FROM django_content_type WHERE app_label = 'events' AND model = 'event')"
BUMP = "UPDATE events_event SET row_version = row_version + 1 WHERE id"
# Tables that hold an event_id column and are shown on the row.
CHILDREN = ("events_eventlanguage", "events_registration")

POSTGRESQL = [
    """
    CREATE FUNCTION events_event_row_version() RETURNS trigger AS $$
    BEGIN
        NEW.row_version := OLD.row_version + 1;
        RETURN NEW;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER events_event_row_version BEFORE UPDATE ON events_event
    FOR EACH ROW EXECUTE FUNCTION events_event_row_version()
    """,
    f"""
    CREATE FUNCTION events_child_row_version() RETURNS trigger AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN {BUMP} = OLD.event_id; END IF;
        IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.event_id <> OLD.event_id) THEN
            {BUMP} = NEW.event_id;
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql
    """,
    *(
        f"""
        CREATE TRIGGER {table}_row_version AFTER INSERT OR UPDATE OR DELETE ON {table}
        FOR EACH ROW EXECUTE FUNCTION events_child_row_version()
        """
        for table in CHILDREN
    ),
    f"""
    CREATE FUNCTION events_taggeditem_row_version() RETURNS trigger AS $$
    BEGIN
        IF TG_OP <> 'INSERT' AND OLD.content_type_id = {EVENT_CT} THEN
            {BUMP} = OLD.object_id;
        END IF;
        IF TG_OP <> 'DELETE' AND NEW.content_type_id = {EVENT_CT} THEN
            {BUMP} = NEW.object_id;
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER events_taggeditem_row_version
    AFTER INSERT OR UPDATE OR DELETE ON members_taggeditem
    FOR EACH ROW EXECUTE FUNCTION events_taggeditem_row_version()
    """,
    f"""
    CREATE FUNCTION events_tag_row_version() RETURNS trigger AS $$
    BEGIN
        {BUMP} IN (
            SELECT object_id FROM members_taggeditem
            WHERE tag_id = NEW.id AND content_type_id = {EVENT_CT}
        );
        RETURN NULL;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER events_tag_row_version AFTER UPDATE ON members_tag
    FOR EACH ROW EXECUTE FUNCTION events_tag_row_version()
    """,
]

POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS events_tag_row_version ON members_tag",
    "DROP FUNCTION IF EXISTS events_tag_row_version()",
    "DROP TRIGGER IF EXISTS events_taggeditem_row_version ON members_taggeditem",
    "DROP FUNCTION IF EXISTS events_taggeditem_row_version()",
    *(f"DROP TRIGGER IF EXISTS {table}_row_version ON {table}" for table in CHILDREN),
    "DROP FUNCTION IF EXISTS events_child_row_version()",
    "DROP TRIGGER IF EXISTS events_event_row_version ON events_event",
    "DROP FUNCTION IF EXISTS events_event_row_version()",
]

SQLITE = [
    """
    CREATE TRIGGER events_event_row_version AFTER UPDATE ON events_event FOR EACH ROW
    BEGIN UPDATE events_event SET row_version = OLD.row_version + 1 WHERE id = NEW.id; END
    """,
]
for _table in CHILDREN:
    SQLITE += [
        f"""
        CREATE TRIGGER {_table}_row_version_insert AFTER INSERT ON {_table} FOR EACH ROW
        BEGIN {BUMP} = NEW.event_id; END
        """,
        f"""
        CREATE TRIGGER {_table}_row_version_update AFTER UPDATE ON {_table} FOR EACH ROW
        BEGIN {BUMP} IN (OLD.event_id, NEW.event_id); END
        """,
        f"""
        CREATE TRIGGER {_table}_row_version_delete AFTER DELETE ON {_table} FOR EACH ROW
        BEGIN {BUMP} = OLD.event_id; END
        """,
    ]
SQLITE += [
    f"""
    CREATE TRIGGER events_taggeditem_row_version_insert
    AFTER INSERT ON members_taggeditem FOR EACH ROW WHEN NEW.content_type_id = {EVENT_CT}
    BEGIN {BUMP} = NEW.object_id; END
    """,
    f"""
    CREATE TRIGGER events_taggeditem_row_version_update
    AFTER UPDATE ON members_taggeditem FOR EACH ROW
    BEGIN
        {BUMP} = OLD.object_id AND OLD.content_type_id = {EVENT_CT};
        {BUMP} = NEW.object_id AND NEW.content_type_id = {EVENT_CT};
    END
    """,
    f"""
    CREATE TRIGGER events_taggeditem_row_version_delete
    AFTER DELETE ON members_taggeditem FOR EACH ROW WHEN OLD.content_type_id = {EVENT_CT}
    BEGIN {BUMP} = OLD.object_id; END
    """,
    f"""
    CREATE TRIGGER events_tag_row_version AFTER UPDATE ON members_tag FOR EACH ROW
    BEGIN
        {BUMP} IN (
            SELECT object_id FROM members_taggeditem
            WHERE tag_id = NEW.id AND content_type_id = {EVENT_CT}
        );
    END
    """,
]

SQLITE_TRIGGERS = [
    "events_event_row_version",
    *(
        f"{table}_row_version_{event}"
        for table in (*CHILDREN, "events_taggeditem")
        for event in ("insert", "update", "delete")
    ),
    "events_tag_row_version",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise RuntimeError(f"no row-version triggers for {schema_editor.connection.vendor}")
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("events", "0002_lessons_invitations"),
        ("members", "0016_library_audit"),
    ]

    operations = [
        migrations.AddField(
            model_name="event",
            name="row_version",
            field=models.PositiveBigIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL, "sqlite": SQLITE}),
            _run(
                {
                    "postgresql": POSTGRESQL_REVERSE,
                    "sqlite": [f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS],
                }
            ),
        ),
    ]
