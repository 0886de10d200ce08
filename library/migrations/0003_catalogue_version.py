"""library.CatalogueVersion, one row moved by triggers on everything the library list shows.

The list (rows, count, filter menus, collections) is kept whole while the
version and the viewer's class hold (library.views.resource_list), so every
write to what it shows must move the version, whichever code makes it:
resources, their languages, files, standards and topics, collections and
their items, and the topics, standards and instruments themselves (their
names are in the rows and menus). PostgreSQL: statement-level triggers (one
bump per statement), row-level for tagged items (only a resource's count);
SQLite: row-level triggers.
"""

from django.db import migrations, models

RESOURCE_CT = (
    "(SELECT id FROM django_content_type WHERE app_label = 'library' AND model = 'resource')"
)
BUMP = "UPDATE library_catalogueversion SET version = version + 1 WHERE id = 1"
TABLES = (
    "library_resource",
    "library_resourcelanguage",
    "library_resourcefile",
    "library_resource_provisions",
    "library_collection",
    "library_collectionitem",
    "members_tag",
    "lessons_provision",
    "lessons_instrument",
)

POSTGRESQL = [
    f"""
    CREATE FUNCTION library_catalogue_version() RETURNS trigger AS $$
    BEGIN
        {BUMP};
        RETURN NULL;
    END $$ LANGUAGE plpgsql
    """,
    *(
        f"""
        CREATE TRIGGER {table}_catalogue_version AFTER INSERT OR UPDATE OR DELETE ON {table}
        FOR EACH STATEMENT EXECUTE FUNCTION library_catalogue_version()
        """
        for table in TABLES
    ),
    f"""
    CREATE FUNCTION library_taggeditem_catalogue_version() RETURNS trigger AS $$
    BEGIN
        IF (TG_OP <> 'INSERT' AND OLD.content_type_id = {RESOURCE_CT})
           OR (TG_OP <> 'DELETE' AND NEW.content_type_id = {RESOURCE_CT}) THEN
            {BUMP};
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER library_taggeditem_catalogue_version
    AFTER INSERT OR UPDATE OR DELETE ON members_taggeditem
    FOR EACH ROW EXECUTE FUNCTION library_taggeditem_catalogue_version()
    """,
]

POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS library_taggeditem_catalogue_version ON members_taggeditem",
    "DROP FUNCTION IF EXISTS library_taggeditem_catalogue_version()",
    *(f"DROP TRIGGER IF EXISTS {table}_catalogue_version ON {table}" for table in TABLES),
    "DROP FUNCTION IF EXISTS library_catalogue_version()",
]

EVENTS = ("insert", "update", "delete")
SQLITE = [
    f"""
    CREATE TRIGGER {table}_catalogue_version_{event} AFTER {event.upper()} ON {table}
    FOR EACH ROW BEGIN {BUMP}; END
    """
    for table in TABLES
    for event in EVENTS
] + [
    f"""
    CREATE TRIGGER library_taggeditem_catalogue_version_insert
    AFTER INSERT ON members_taggeditem FOR EACH ROW WHEN NEW.content_type_id = {RESOURCE_CT}
    BEGIN {BUMP}; END
    """,
    f"""
    CREATE TRIGGER library_taggeditem_catalogue_version_update
    AFTER UPDATE ON members_taggeditem FOR EACH ROW
    WHEN OLD.content_type_id = {RESOURCE_CT} OR NEW.content_type_id = {RESOURCE_CT}
    BEGIN {BUMP}; END
    """,
    f"""
    CREATE TRIGGER library_taggeditem_catalogue_version_delete
    AFTER DELETE ON members_taggeditem FOR EACH ROW WHEN OLD.content_type_id = {RESOURCE_CT}
    BEGIN {BUMP}; END
    """,
]

SQLITE_TRIGGERS = [
    f"{table}_catalogue_version_{event}"
    for table in (*TABLES, "library_taggeditem")
    for event in EVENTS
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise RuntimeError(
                f"no catalogue-version triggers for {schema_editor.connection.vendor}"
            )
        for statement in statements:
            schema_editor.execute(statement)

    return run


def first_row(apps, schema_editor):
    apps.get_model("library", "CatalogueVersion").objects.using(
        schema_editor.connection.alias
    ).get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("lessons", "0009_thread_page_version"),
        ("library", "0002_search"),
        ("members", "0017_tagged_objects_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="CatalogueVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("version", models.PositiveBigIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(first_row, migrations.RunPython.noop),
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
