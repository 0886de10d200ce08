"""Notifications written before they recorded what they are about learn it now.

Removed content takes the notifications about it along (members.notifications.
forget_notifications_about), found by ``about``; rows from before that field
would otherwise keep quoting a removed thread's title. Their address tells:
``/forum/posts/<id>/`` is that post, ``/forum/<id>/...`` that thread's opening
post (a thread's removal takes every notification about its posts).
"""

import re

from django.db import migrations

POST = re.compile(r"^/forum/posts/(\d+)/")
THREAD = re.compile(r"^/forum/(\d+)/")


def learn_what_notifications_are_about(apps, schema_editor):
    Notification = apps.get_model("members", "Notification")
    Post = apps.get_model("forum", "Post")
    ContentType = apps.get_model("contenttypes", "ContentType")
    post_type, _ = ContentType.objects.get_or_create(app_label="forum", model="post")
    rows = Notification.objects.filter(about_id__isnull=True, url__startswith="/forum/")
    batch = []
    openings = {}
    for notification in rows.only("pk", "url").iterator(chunk_size=1000):
        post_id = None
        if match := POST.match(notification.url):
            post_id = int(match.group(1))
        elif match := THREAD.match(notification.url):
            thread_id = int(match.group(1))
            if thread_id not in openings:
                openings[thread_id] = (
                    Post.objects.filter(thread_id=thread_id, is_opening=True)
                    .values_list("pk", flat=True)
                    .first()
                )
            post_id = openings[thread_id]
        if post_id is None:
            continue
        notification.about_type_id, notification.about_id = post_type.pk, post_id
        batch.append(notification)
        if len(batch) >= 1000:
            Notification.objects.bulk_update(batch, ["about_type", "about_id"])
            batch = []
    Notification.objects.bulk_update(batch, ["about_type", "about_id"])


class Migration(migrations.Migration):
    dependencies = [
        ("forum", "0005_markup_post_length"),
        ("members", "0010_accounts_removal_discreet_outbox"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(learn_what_notifications_are_about, migrations.RunPython.noop),
    ]
