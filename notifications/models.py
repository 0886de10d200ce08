"""The inbox's rows: follows, notifications, delivery choices and the email outbox.

They know members only through settings.AUTH_USER_MODEL. The tables kept the
names they had when these models lived in members (migration
notifications 0001 moved them in Django's state only), so data and indexes
are untouched.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from notifications.kinds import Delivery

__all__ = ["Delivery", "Follow", "Notification", "NotificationPreference", "OutboxEmail"]


class Follow(models.Model):
    """A member follows something: a tag, another member, a thread, a standard."""

    follower = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "members_follow"
        constraints = [
            models.UniqueConstraint(
                fields=["follower", "content_type", "object_id"], name="members_follow_unique"
            )
        ]
        # "Who follows this?" is the question every event asks.
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.follower} follows {self.content_type.model} {self.object_id}"


class Notification(models.Model):
    """Something that concerns a member. The row is the truth; a push is a hint.

    ``kind`` is one an app registered (notifications/kinds.py).
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    digested_at = models.DateTimeField(null=True, blank=True)
    # The content the notification is about (a post, a lesson): when it is
    # removed, the notification goes with it (forget_notifications_about).
    about_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    about_id = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        db_table = "members_notification"
        ordering = ["-id"]
        indexes = [
            models.Index(
                fields=["about_type", "about_id"],
                condition=models.Q(about_id__isnull=False),
                name="notification_about",
            ),
            # The paged list and the catch-up after a reconnect (id > after).
            models.Index(fields=["recipient", "id"], name="notification_recipient_id"),
            # The unread badge counts only unread rows.
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id}: {self.text}"


class NotificationPreference(models.Model):
    """How a member hears of one kind; a kind without a row gets its default."""

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preferences"
    )
    kind = models.CharField(max_length=40)
    delivery = models.CharField(max_length=10, choices=Delivery.choices)

    class Meta:
        db_table = "members_notificationpreference"
        constraints = [
            models.UniqueConstraint(fields=["member", "kind"], name="members_preference_unique")
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.kind}: {self.delivery}"


class OutboxEmail(models.Model):
    """An email written in the same transaction as its cause, sent later by the worker."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    # The notification it tells of: removed with it (content removed, purged).
    notification = models.ForeignKey(
        Notification, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    subject = models.CharField(max_length=300)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    send_after = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Given up on: a permanent error, or too many attempts (notifications/outbox.py).
    failed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        db_table = "members_outboxemail"
        indexes = [
            models.Index(
                fields=["send_after"],
                condition=models.Q(sent_at__isnull=True, failed_at__isnull=True),
                name="outbox_unsent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} -> {self.recipient_id}"
