"""Thread.page_version, moved by triggers on everything a thread page shows.

PostgreSQL: a BEFORE UPDATE trigger on the thread sets the version to one more
than the stored one, whatever Python wrote (a stale instance saved later can
never move it back), and AFTER triggers on posts, files, topics and authors
touch the thread. SQLite: the same with AFTER triggers (its recursive triggers
are off, so the thread's own trigger does not fire itself).
"""

from django.db import migrations, models

THREAD_CT = "(SELECT id FROM django_content_type WHERE app_label = 'forum' AND model = 'thread')"
BUMP = "UPDATE forum_thread SET page_version = page_version + 1 WHERE id"
# What a post shows of its author (common.fragments.member_inputs).
AUTHOR_CHANGED = (
    "OLD.handle IS DISTINCT FROM NEW.handle OR OLD.display_name IS DISTINCT FROM NEW.display_name"
    " OR OLD.is_expert IS DISTINCT FROM NEW.is_expert"
    " OR OLD.is_moderator IS DISTINCT FROM NEW.is_moderator"
)
AUTHOR_CHANGED_SQLITE = AUTHOR_CHANGED.replace("IS DISTINCT FROM", "IS NOT")

POSTGRESQL = [
    """
    CREATE FUNCTION forum_thread_page_version() RETURNS trigger AS $$
    BEGIN
        NEW.page_version := OLD.page_version + 1;
        RETURN NEW;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER forum_thread_page_version BEFORE UPDATE ON forum_thread
    FOR EACH ROW EXECUTE FUNCTION forum_thread_page_version()
    """,
    f"""
    CREATE FUNCTION forum_post_page_version() RETURNS trigger AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN {BUMP} = OLD.thread_id; END IF;
        IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.thread_id <> OLD.thread_id) THEN
            {BUMP} = NEW.thread_id;
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER forum_post_page_version AFTER INSERT OR UPDATE OR DELETE ON forum_post
    FOR EACH ROW EXECUTE FUNCTION forum_post_page_version()
    """,
    f"""
    CREATE FUNCTION forum_postattachment_page_version() RETURNS trigger AS $$
    BEGIN
        IF TG_OP <> 'INSERT' THEN
            {BUMP} = (SELECT thread_id FROM forum_post WHERE id = OLD.post_id);
        END IF;
        IF TG_OP <> 'DELETE' THEN
            {BUMP} = (SELECT thread_id FROM forum_post WHERE id = NEW.post_id);
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER forum_postattachment_page_version
    AFTER INSERT OR UPDATE OR DELETE ON forum_postattachment
    FOR EACH ROW EXECUTE FUNCTION forum_postattachment_page_version()
    """,
    f"""
    CREATE FUNCTION forum_taggeditem_page_version() RETURNS trigger AS $$
    BEGIN
        IF TG_OP <> 'INSERT' AND OLD.content_type_id = {THREAD_CT} THEN
            {BUMP} = OLD.object_id;
        END IF;
        IF TG_OP <> 'DELETE' AND NEW.content_type_id = {THREAD_CT} THEN
            {BUMP} = NEW.object_id;
        END IF;
        RETURN NULL;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER forum_taggeditem_page_version
    AFTER INSERT OR UPDATE OR DELETE ON members_taggeditem
    FOR EACH ROW EXECUTE FUNCTION forum_taggeditem_page_version()
    """,
    f"""
    CREATE FUNCTION forum_tag_page_version() RETURNS trigger AS $$
    BEGIN
        {BUMP} IN (
            SELECT object_id FROM members_taggeditem
            WHERE tag_id = NEW.id AND content_type_id = {THREAD_CT}
        );
        RETURN NULL;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE TRIGGER forum_tag_page_version AFTER UPDATE ON members_tag
    FOR EACH ROW EXECUTE FUNCTION forum_tag_page_version()
    """,
    f"""
    CREATE FUNCTION forum_author_page_version() RETURNS trigger AS $$
    BEGIN
        {BUMP} IN (SELECT thread_id FROM forum_post WHERE author_id = NEW.id);
        RETURN NULL;
    END $$ LANGUAGE plpgsql
    """,
    f"""
    CREATE TRIGGER forum_author_page_version AFTER UPDATE ON members_user
    FOR EACH ROW WHEN ({AUTHOR_CHANGED}) EXECUTE FUNCTION forum_author_page_version()
    """,
]

POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS forum_author_page_version ON members_user",
    "DROP FUNCTION IF EXISTS forum_author_page_version()",
    "DROP TRIGGER IF EXISTS forum_tag_page_version ON members_tag",
    "DROP FUNCTION IF EXISTS forum_tag_page_version()",
    "DROP TRIGGER IF EXISTS forum_taggeditem_page_version ON members_taggeditem",
    "DROP FUNCTION IF EXISTS forum_taggeditem_page_version()",
    "DROP TRIGGER IF EXISTS forum_postattachment_page_version ON forum_postattachment",
    "DROP FUNCTION IF EXISTS forum_postattachment_page_version()",
    "DROP TRIGGER IF EXISTS forum_post_page_version ON forum_post",
    "DROP FUNCTION IF EXISTS forum_post_page_version()",
    "DROP TRIGGER IF EXISTS forum_thread_page_version ON forum_thread",
    "DROP FUNCTION IF EXISTS forum_thread_page_version()",
]

SQLITE = [
    """
    CREATE TRIGGER forum_thread_page_version AFTER UPDATE ON forum_thread FOR EACH ROW
    BEGIN UPDATE forum_thread SET page_version = OLD.page_version + 1 WHERE id = NEW.id; END
    """,
    f"""
    CREATE TRIGGER forum_post_page_version_insert AFTER INSERT ON forum_post FOR EACH ROW
    BEGIN {BUMP} = NEW.thread_id; END
    """,
    f"""
    CREATE TRIGGER forum_post_page_version_update AFTER UPDATE ON forum_post FOR EACH ROW
    BEGIN {BUMP} IN (OLD.thread_id, NEW.thread_id); END
    """,
    f"""
    CREATE TRIGGER forum_post_page_version_delete AFTER DELETE ON forum_post FOR EACH ROW
    BEGIN {BUMP} = OLD.thread_id; END
    """,
    f"""
    CREATE TRIGGER forum_postattachment_page_version_insert
    AFTER INSERT ON forum_postattachment FOR EACH ROW
    BEGIN {BUMP} = (SELECT thread_id FROM forum_post WHERE id = NEW.post_id); END
    """,
    f"""
    CREATE TRIGGER forum_postattachment_page_version_update
    AFTER UPDATE ON forum_postattachment FOR EACH ROW
    BEGIN {BUMP} IN (SELECT thread_id FROM forum_post WHERE id IN (OLD.post_id, NEW.post_id)); END
    """,
    f"""
    CREATE TRIGGER forum_postattachment_page_version_delete
    AFTER DELETE ON forum_postattachment FOR EACH ROW
    BEGIN {BUMP} = (SELECT thread_id FROM forum_post WHERE id = OLD.post_id); END
    """,
    f"""
    CREATE TRIGGER forum_taggeditem_page_version_insert
    AFTER INSERT ON members_taggeditem FOR EACH ROW WHEN NEW.content_type_id = {THREAD_CT}
    BEGIN {BUMP} = NEW.object_id; END
    """,
    f"""
    CREATE TRIGGER forum_taggeditem_page_version_update
    AFTER UPDATE ON members_taggeditem FOR EACH ROW
    BEGIN
        {BUMP} = OLD.object_id AND OLD.content_type_id = {THREAD_CT};
        {BUMP} = NEW.object_id AND NEW.content_type_id = {THREAD_CT};
    END
    """,
    f"""
    CREATE TRIGGER forum_taggeditem_page_version_delete
    AFTER DELETE ON members_taggeditem FOR EACH ROW WHEN OLD.content_type_id = {THREAD_CT}
    BEGIN {BUMP} = OLD.object_id; END
    """,
    f"""
    CREATE TRIGGER forum_tag_page_version AFTER UPDATE ON members_tag FOR EACH ROW
    BEGIN
        {BUMP} IN (
            SELECT object_id FROM members_taggeditem
            WHERE tag_id = NEW.id AND content_type_id = {THREAD_CT}
        );
    END
    """,
    f"""
    CREATE TRIGGER forum_author_page_version AFTER UPDATE ON members_user FOR EACH ROW
    WHEN {AUTHOR_CHANGED_SQLITE}
    BEGIN {BUMP} IN (SELECT thread_id FROM forum_post WHERE author_id = NEW.id); END
    """,
]

SQLITE_TRIGGERS = [
    "forum_thread_page_version",
    "forum_post_page_version_insert",
    "forum_post_page_version_update",
    "forum_post_page_version_delete",
    "forum_postattachment_page_version_insert",
    "forum_postattachment_page_version_update",
    "forum_postattachment_page_version_delete",
    "forum_taggeditem_page_version_insert",
    "forum_taggeditem_page_version_update",
    "forum_taggeditem_page_version_delete",
    "forum_tag_page_version",
    "forum_author_page_version",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise RuntimeError(
                f"no page-version triggers for {schema_editor.connection.vendor}"
            )
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('forum', '0007_post_attachments'),
        ('members', '0016_library_audit'),
    ]

    operations = [
        migrations.AddField(
            model_name='thread',
            name='page_version',
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
