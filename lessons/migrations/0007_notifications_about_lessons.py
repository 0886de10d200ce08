"""Notifications written before they recorded what they are about learn it now
(see forum 0006): ``/lessons/<id>/...`` is that lesson."""

import re

from django.db import migrations

LESSON = re.compile(r"^/lessons/(\d+)/")


def learn_what_notifications_are_about(apps, schema_editor):
    Notification = apps.get_model("members", "Notification")
    ContentType = apps.get_model("contenttypes", "ContentType")
    lesson_type, _ = ContentType.objects.get_or_create(app_label="lessons", model="lesson")
    rows = Notification.objects.filter(about_id__isnull=True, url__startswith="/lessons/")
    batch = []
    for notification in rows.only("pk", "url").iterator(chunk_size=1000):
        match = LESSON.match(notification.url)
        if match is None:
            continue
        notification.about_type_id, notification.about_id = lesson_type.pk, int(match.group(1))
        batch.append(notification)
        if len(batch) >= 1000:
            Notification.objects.bulk_update(batch, ["about_type", "about_id"])
            batch = []
    Notification.objects.bulk_update(batch, ["about_type", "about_id"])


class Migration(migrations.Migration):
    dependencies = [
        ("lessons", "0006_co_author_invitations"),
        ("members", "0010_accounts_removal_discreet_outbox"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(learn_what_notifications_are_about, migrations.RunPython.noop),
    ]
