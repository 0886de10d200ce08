"""The inbox's models, taken over from members (members 0012) without touching
the database: the tables keep their members_ names, rows and indexes.

Their content types move with them (app_label members -> notifications), so
permissions, the admin's log and every generic reference to a follow or a
notification keep pointing at the same rows.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

MODELS = ("follow", "notification", "notificationpreference", "outboxemail")


def _move_content_types(apps, schema_editor, old, new):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MODELS:
        moving = ContentType.objects.using(db).filter(app_label=old, model=model).first()
        if moving is None:
            continue  # a new database: post_migrate creates it under the new label
        # A row made under the new label before this ran (post_migrate of an
        # earlier, partial migrate) holds nothing of value: the old one wins.
        ContentType.objects.using(db).filter(app_label=new, model=model).delete()
        moving.app_label = new
        moving.save(update_fields=["app_label"])


def content_types_forward(apps, schema_editor):
    _move_content_types(apps, schema_editor, "members", "notifications")


def content_types_backward(apps, schema_editor):
    _move_content_types(apps, schema_editor, "notifications", "members")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("members", "0012_notifications_move_out"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Notification",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("kind", models.CharField(max_length=40)),
                        ("text", models.CharField(max_length=300)),
                        ("url", models.CharField(blank=True, max_length=500)),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("read_at", models.DateTimeField(blank=True, null=True)),
                        ("digested_at", models.DateTimeField(blank=True, null=True)),
                        ("about_id", models.PositiveBigIntegerField(blank=True, null=True)),
                        ("about_type", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="contenttypes.contenttype")),
                        ("actor", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                        ("recipient", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="notifications", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "db_table": "members_notification",
                        "ordering": ["-id"],
                        "indexes": [
                            models.Index(condition=models.Q(("about_id__isnull", False)), fields=["about_type", "about_id"], name="notification_about"),
                            models.Index(fields=["recipient", "id"], name="notification_recipient_id"),
                            models.Index(condition=models.Q(("read_at__isnull", True)), fields=["recipient"], name="notification_unread"),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="NotificationPreference",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("kind", models.CharField(max_length=40)),
                        ("delivery", models.CharField(choices=[("app", "In the app only"), ("email", "In the app and by email at once"), ("digest", "In the app and in a daily email digest"), ("off", "Off")], max_length=10)),
                        ("member", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="preferences", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "db_table": "members_notificationpreference",
                        "constraints": [models.UniqueConstraint(fields=("member", "kind"), name="members_preference_unique")],
                    },
                ),
                migrations.CreateModel(
                    name="OutboxEmail",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("subject", models.CharField(max_length=300)),
                        ("body", models.TextField()),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("send_after", models.DateTimeField(default=django.utils.timezone.now)),
                        ("sent_at", models.DateTimeField(blank=True, null=True)),
                        ("failed_at", models.DateTimeField(blank=True, null=True)),
                        ("attempts", models.PositiveSmallIntegerField(default=0)),
                        ("last_error", models.CharField(blank=True, max_length=500)),
                        ("notification", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="notifications.notification")),
                        ("recipient", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "db_table": "members_outboxemail",
                        "indexes": [models.Index(condition=models.Q(("failed_at__isnull", True), ("sent_at__isnull", True)), fields=["send_after"], name="outbox_unsent")],
                    },
                ),
                migrations.CreateModel(
                    name="Follow",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("object_id", models.PositiveBigIntegerField()),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("content_type", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, to="contenttypes.contenttype")),
                        ("follower", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="follows", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "db_table": "members_follow",
                        "indexes": [models.Index(fields=["content_type", "object_id"], name="members_fol_content_0fc8aa_idx")],
                        "constraints": [models.UniqueConstraint(fields=("follower", "content_type", "object_id"), name="members_follow_unique")],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_forward, content_types_backward),
    ]
