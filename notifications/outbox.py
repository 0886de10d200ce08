"""Email delivery: the outbox worker and the daily digest.

Requests never talk to the mail server. Each email is a row written in the
same transaction as its cause; ``deliver_due`` sends what is due, and on an
SMTP failure keeps the row and tries again later with a growing delay, so a
mail outage delays email but loses none. An email that can never be sent (a
malformed header, an address the server refuses for good) or that failed
MAX_ATTEMPTS times (about a day of retries) is marked failed and logged as an
error, so one bad row never keeps the worker busy forever.
"""

from __future__ import annotations

import logging
import re
import smtplib
from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from notifications import mail
from notifications.models import Notification, OutboxEmail

logger = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=6)
MAX_ATTEMPTS = 10


def retry_delay(attempts: int) -> timedelta:
    return min(timedelta(minutes=2**attempts), MAX_BACKOFF)


def is_permanent(error: Exception) -> bool:
    """Errors that no retry can cure: a header Django refuses (BadHeaderError is a
    ValueError), or a 5xx answer of the mail server."""
    if isinstance(error, ValueError):
        return True
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _message in error.recipients.values())
    return isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500


def deliver_due(limit: int = 50) -> tuple[int, int]:
    """Send up to ``limit`` due emails; return (sent, failed)."""
    sent = failed = 0
    with transaction.atomic():
        due = OutboxEmail.objects.filter(
            sent_at__isnull=True, failed_at__isnull=True, send_after__lte=timezone.now()
        )
        if connection.features.has_select_for_update_skip_locked:
            # Several workers may run: each takes rows no other holds.
            due = due.select_for_update(skip_locked=True)
        for email in due.select_related("recipient").order_by("send_after", "id")[:limit]:
            try:
                sender = mail.sender_for(email.recipient)
                send_mail(email.subject, email.body, sender, [email.recipient.email])
            except Exception as error:
                failed += 1
                email.attempts += 1
                email.last_error = f"{type(error).__name__}: {error}"[:500]
                email.send_after = timezone.now() + retry_delay(email.attempts)
                if is_permanent(error) or email.attempts >= MAX_ATTEMPTS:
                    email.failed_at = timezone.now()
                    logger.error(
                        "email %s failed for good after %d attempts: %s",
                        email.pk,
                        email.attempts,
                        email.last_error,
                    )
                else:
                    logger.warning(
                        "email %s failed (attempt %d): %s", email.pk, email.attempts, error
                    )
                email.save(update_fields=["attempts", "last_error", "send_after", "failed_at"])
            else:
                sent += 1
                email.sent_at = timezone.now()
                email.attempts += 1
                email.save(update_fields=["sent_at", "attempts"])
    return sent, failed


def send_digests(now: timezone.datetime | None = None) -> int:
    """One email per member with the notifications waiting for the digest.

    Idempotent: each notification goes into one digest only.
    """
    now = now or timezone.now()
    with transaction.atomic():
        waiting = list(
            Notification.objects.select_for_update()
            .filter(digested_at__isnull=True, created_at__lte=now)
            .order_by("recipient_id", "id")
        )
        if not waiting:
            return 0
        by_member: dict[int, list[Notification]] = defaultdict(list)
        for notification in waiting:
            by_member[notification.recipient_id].append(notification)
        members = get_user_model().objects.in_bulk(list(by_member))
        from notifications.services import absolute

        list_url = absolute(reverse("notifications:list"))
        preferences_url = absolute(reverse("notifications:preferences"))
        emails = []
        for member_id, items in by_member.items():
            member = members.get(member_id)
            if member is None:
                continue
            # Like every notification email: the kind of each event and its
            # link, never member-written text (notifications/mail.py).
            with translation.override(member.language or settings.LANGUAGE_CODE):
                lines = [
                    (
                        mail.notification_summary(n.kind),
                        absolute(mail.link_for_email(n.url) if n.url else list_url),
                    )
                    for n in items
                ]
                emails.append(
                    OutboxEmail(
                        recipient_id=member_id,
                        subject=mail.digest_subject(member, len(items)),
                        body=render_to_string(
                            "notifications/email/digest_message.txt",
                            {
                                "items": lines,
                                "list_url": list_url,
                                "preferences_url": preferences_url,
                            },
                        ),
                    )
                )
        OutboxEmail.objects.bulk_create(emails)
        Notification.objects.filter(pk__in=[n.pk for n in waiting]).update(digested_at=now)
    return len(emails)


def redact_outbox(
    *, phrases: list[str], placeholder: str, url_prefix: str, slugged: re.Pattern[str]
) -> int:
    """Emails, queued or sent, that quote purged words (a title) get the placeholder
    instead, and their links lose the slug made of them
    (members.privacy.scrub_purged_text). Mail already delivered is beyond reach."""
    quoting = Q(body__contains=url_prefix)
    for phrase in phrases:
        quoting |= Q(subject__contains=phrase) | Q(body__contains=phrase)
    changed = []
    for email in OutboxEmail.objects.filter(quoting).only("pk", "subject", "body"):
        subject, body = email.subject, email.body
        for phrase in phrases:
            subject, body = subject.replace(phrase, placeholder), body.replace(phrase, placeholder)
        email.subject, email.body = subject[:300], slugged.sub(url_prefix, body)
        changed.append(email)
    OutboxEmail.objects.bulk_update(changed, ["subject", "body"], batch_size=500)
    return len(changed)
