"""Email carries no member-written text, and a bad email never blocks the outbox."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from forum import services as forum_services
from members.models import User
from notifications import services as notifications
from notifications.models import Delivery, NotificationPreference, OutboxEmail
from notifications.outbox import MAX_ATTEMPTS, deliver_due, send_digests

pytestmark = pytest.mark.django_db

FORGED = "Eve\r\nBcc: x@example.org"
TITLE = "Names of the officers: zebrafinch"


def wants(member: User, kind: str, delivery: str) -> None:
    NotificationPreference.objects.create(member=member, kind=kind, delivery=delivery)


def test_a_notification_email_names_only_the_kind_and_links_to_it(
    make_user: Callable[..., User], make_thread, settings
) -> None:
    reader = make_user(display_name="Reader\r\nSubject: hi")
    actor = make_user(display_name=FORGED)
    thread = make_thread(make_user(), title=TITLE)
    notifications.follow(follower=reader, target=thread)
    wants(reader, "reply", Delivery.EMAIL)
    post = forum_services.create_reply(author=actor, thread=thread, body="zebrafinch in the body")
    email = OutboxEmail.objects.get(recipient=reader)
    assert email.subject == f"[{settings.SITE_NAME}] New reply in a thread you follow"
    assert "zebrafinch" not in email.body and "Eve" not in email.body and "Reader" not in email.body
    assert f"http://127.0.0.1:8000{post.get_absolute_url()}" in email.body

    assert deliver_due() == (1, 0)
    (sent,) = mail.outbox
    assert sent.bcc == [] and sent.to == [reader.email]
    message = sent.message()
    assert message["Bcc"] is None and "Eve" not in message.as_string()


def test_links_in_notification_email_carry_no_slug_of_a_title(
    make_user: Callable[..., User], make_thread, topics
) -> None:
    reader = make_user()
    notifications.follow(follower=reader, target=topics[0])
    wants(reader, "new_thread", Delivery.EMAIL)
    thread = make_thread(make_user(), title=TITLE)
    email = OutboxEmail.objects.get(recipient=reader)
    assert "zebrafinch" not in email.body
    assert f"http://127.0.0.1:8000/forum/{thread.pk}/\n" in email.body
    NotificationPreference.objects.filter(member=reader).update(delivery=Delivery.DIGEST)
    OutboxEmail.objects.all().delete()
    make_thread(make_user(), title="Second one: zebrafinch")
    assert send_digests() == 1
    assert "zebrafinch" not in OutboxEmail.objects.get(recipient=reader).body


def test_every_kind_of_notification_email_has_a_subject_of_its_own(member: User) -> None:
    from notifications import kinds

    subjects = set()
    for kind in kinds.registered():
        wants(member, kind.key, Delivery.EMAIL)
        notifications.notify([member], kind=kind.key, actor=None, text=f"{FORGED} {TITLE}")
        subjects.add(OutboxEmail.objects.latest("id").subject)
    assert len(subjects) == len(kinds.registered()) == 22  # 6 of them the events', 3 the library's
    for email in OutboxEmail.objects.all():
        assert "zebrafinch" not in email.subject + email.body
        assert "\n" not in email.subject and "Eve" not in email.subject + email.body


def test_the_digest_lists_kinds_and_links_without_member_text(
    make_user: Callable[..., User], make_thread
) -> None:
    reader = make_user(display_name=FORGED)
    thread = make_thread(make_user(), title=TITLE)
    notifications.follow(follower=reader, target=thread)
    wants(reader, "reply", Delivery.DIGEST)
    post = forum_services.create_reply(
        author=make_user(display_name=FORGED), thread=thread, body="x"
    )
    notifications.notify([reader], kind="announcement", actor=None, text=f"zebrafinch {FORGED}")
    assert send_digests() == 1
    email = OutboxEmail.objects.get(recipient=reader)
    assert "zebrafinch" not in email.subject + email.body and "Eve" not in email.body
    assert "New reply in a thread you follow" in email.body
    assert f"http://127.0.0.1:8000{post.get_absolute_url()}" in email.body
    assert deliver_due() == (1, 0)


def test_a_permanent_error_fails_the_email_at_once_and_the_rest_still_go(
    make_user: Callable[..., User], caplog
) -> None:
    broken = OutboxEmail.objects.create(recipient=make_user(), subject=FORGED, body="x")
    fine = OutboxEmail.objects.create(recipient=make_user(), subject="Fine", body="x")
    with caplog.at_level(logging.ERROR, logger="notifications.outbox"):
        assert deliver_due() == (1, 1)
    broken.refresh_from_db()
    fine.refresh_from_db()
    assert broken.failed_at is not None and broken.sent_at is None
    assert "BadHeaderError" in broken.last_error
    assert fine.sent_at is not None
    assert f"email {broken.pk} failed for good" in caplog.text
    OutboxEmail.objects.update(send_after=timezone.now() - timedelta(days=1))
    assert deliver_due() == (0, 0), "a failed email is not tried again"


def test_the_outbox_gives_up_after_a_bounded_number_of_attempts(member: User, settings) -> None:
    email = OutboxEmail.objects.create(recipient=member, subject="Hello", body="x")
    settings.EMAIL_BACKEND = "tests.members.failing_mail.DownBackend"
    for _attempt in range(MAX_ATTEMPTS + 3):
        OutboxEmail.objects.update(send_after=timezone.now() - timedelta(seconds=1))
        deliver_due()
    email.refresh_from_db()
    assert email.attempts == MAX_ATTEMPTS
    assert email.failed_at is not None and email.sent_at is None
