"""Demo data: what seeding the forum and the lessons leaves in the inboxes."""

from __future__ import annotations

from datetime import datetime, timedelta

from members.demo import DEMO_ACCOUNTS
from notifications.models import Notification, OutboxEmail

UNREAD_WINDOW = timedelta(days=3)


def quiet_seeded_inboxes(
    *, first_notification: int, first_email: int, recipients: set[int], now: datetime
) -> None:
    """Seeding is not news, and demo members have addresses nobody reads.

    Everything a seeding step notified (rows after ``first_notification``) is
    marked read and digested, except the last few days' notifications of the
    demo accounts (a small badge for whoever logs in as them), and the emails
    it queued (after ``first_email``) are dropped before they are committed.
    """
    seeded = Notification.objects.filter(pk__gt=first_notification, recipient_id__in=recipients)
    seeded.filter(digested_at__isnull=True).update(digested_at=now)
    demo_emails = [account.email for account in DEMO_ACCOUNTS]
    seeded.exclude(recipient__email__in=demo_emails, created_at__gte=now - UNREAD_WINDOW).update(
        read_at=now
    )
    OutboxEmail.objects.filter(pk__gt=first_email, recipient_id__in=recipients).delete()
