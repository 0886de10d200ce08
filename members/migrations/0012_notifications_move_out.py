"""Follow, Notification, NotificationPreference and OutboxEmail now belong to the
notifications app (notifications 0001 takes them over).

Only Django's state changes: the tables, their rows, indexes and constraints
stay as they are, under their members_ names. The forum's and the lessons'
data migrations that read members.Notification run before this one.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0011_names_retired_handles"),
        ("forum", "0006_notifications_about_posts"),
        ("lessons", "0007_notifications_about_lessons"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                # The outbox first: its rows point at notifications.
                migrations.DeleteModel(name="OutboxEmail"),
                migrations.DeleteModel(name="Notification"),
                migrations.DeleteModel(name="NotificationPreference"),
                migrations.DeleteModel(name="Follow"),
            ],
            database_operations=[],
        ),
    ]
