"""Notifications about removed content go with it, on every surface.

Removed means: the author deleted it, a moderator deleted or hid it, or the
author deleted their account and removed their contributions. Hidden content
counts as removed for notifications: a moderator hides what must not be read,
and unhiding it later does not bring its notifications back.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from django.test import Client

from forum import services as forum_services
from forum.models import Thread
from lessons import services as lesson_services
from members.models import User
from network.privacy import delete_account, export_member_data
from notifications import services as notifications
from notifications.models import Delivery, Notification, NotificationPreference, OutboxEmail
from tests.conftest import sign_in
from tests.members.test_privacy import write_lesson

pytestmark = pytest.mark.django_db

SECRET = "zebrafinch"


def wants_email(member: User, *kinds: str) -> None:
    for kind in kinds:
        NotificationPreference.objects.create(member=member, kind=kind, delivery=Delivery.EMAIL)


def assert_nothing_about_it(reader: User, *, gone: list[int] | None = None) -> None:
    """On every surface where the reader meets their notifications: no trace."""
    texts = list(Notification.objects.filter(recipient=reader).values_list("text", flat=True))
    assert not any(SECRET in text for text in texts), texts
    if gone is not None:
        assert not Notification.objects.filter(pk__in=gone).exists()
    client = Client()
    client.force_login(reader)
    page = client.get("/notifications/")
    assert page.status_code == 200 and SECRET not in page.content.decode()
    frames = notifications.catch_up(member_id=reader.pk, after=0)
    assert not any(SECRET in frame["text"] for frame in frames), frames
    assert SECRET not in json.dumps(export_member_data(reader)["notifications"])
    pending = OutboxEmail.objects.filter(recipient=reader, sent_at__isnull=True)
    assert not pending.exists(), [email.subject for email in pending]


def test_removing_contributions_takes_their_threads_out_of_others_notifications(
    make_user: Callable[..., User], make_thread
) -> None:
    member = make_user(display_name="Rights Watcher")
    reader, watcher, other = make_user(), make_user(), make_user()
    notifications.follow(follower=reader, target=member)
    wants_email(reader, "new_thread")
    wants_email(watcher, "reply")
    thread = make_thread(member, title=f"Kettling at the march: {SECRET}")
    notifications.follow(follower=watcher, target=thread)
    forum_services.create_reply(author=other, thread=thread, body="A reply by someone else.")
    seen = list(Notification.objects.filter(recipient__in=[reader, watcher]))
    assert len(seen) == 2 and all(SECRET in n.text for n in seen)

    delete_account(member, keep_contributions=False)

    assert_nothing_about_it(reader, gone=[n.pk for n in seen])
    assert_nothing_about_it(watcher)


def test_removing_contributions_takes_their_lessons_out_of_reviewers_notifications(
    make_user: Callable[..., User], expert: User
) -> None:
    member = make_user(display_name="Rights Watcher")
    wants_email(expert, "review_requested")
    lesson = write_lesson(member, title=f"Lesson about {SECRET}")
    lesson_services.transition(actor=member, lesson=lesson, action="submit")
    assert SECRET in Notification.objects.get(recipient=expert).text

    delete_account(member, keep_contributions=False)

    assert_nothing_about_it(expert)


@pytest.mark.parametrize("remover", ["author", "moderator"])
def test_a_deleted_reply_leaves_the_followers_notifications(
    make_user: Callable[..., User], make_thread, moderator: User, remover: str
) -> None:
    author, reader = make_user(), make_user()
    thread = make_thread(make_user(), title="Body cameras in custody suites")
    notifications.follow(follower=reader, target=thread)
    wants_email(reader, "reply", "mention")
    post = forum_services.create_reply(
        author=author, thread=thread, body=f"@{reader.handle} about {SECRET}"
    )
    kept = forum_services.create_reply(author=make_user(), thread=thread, body="This one stays.")
    about_post = list(Notification.objects.filter(recipient=reader, url=post.get_absolute_url()))
    assert len(about_post) == 1

    actor = author if remover == "author" else moderator
    forum_services.delete_post(actor=actor, post=post)

    assert not Notification.objects.filter(pk=about_post[0].pk).exists()
    assert Notification.objects.filter(recipient=reader, url=kept.get_absolute_url()).exists()
    assert not OutboxEmail.objects.filter(recipient=reader, notification=about_post[0].pk).exists()


@pytest.mark.parametrize("how", ["hide opening post", "hide thread", "delete opening post"])
def test_a_thread_a_moderator_hides_or_deletes_leaves_every_notification_about_it(
    client: Client, make_user: Callable[..., User], make_thread, moderator: User, how: str
) -> None:
    starter, reader, watcher = make_user(), make_user(), make_user()
    notifications.follow(follower=reader, target=starter)
    wants_email(reader, "new_thread")
    wants_email(watcher, "reply")
    thread = make_thread(starter, title=f"Names of witnesses: {SECRET}")
    notifications.follow(follower=watcher, target=thread)
    forum_services.create_reply(author=make_user(), thread=thread, body="A reply.")
    opening = thread.posts.get(is_opening=True)

    if how == "hide opening post":
        forum_services.set_post_hidden(actor=moderator, post=opening, hidden=True)
    elif how == "hide thread":
        forum_services.switch_thread(actor=moderator, thread=thread, action="hide")
    else:
        forum_services.delete_post(actor=moderator, post=opening)

    assert Thread.objects.filter(pk=thread.pk).exists()
    assert_nothing_about_it(reader)
    assert_nothing_about_it(watcher)


def test_open_sockets_are_told_the_removed_notifications_are_gone(
    make_user: Callable[..., User],
    make_thread,
    moderator: User,
    django_capture_on_commit_callbacks,
    monkeypatch,
) -> None:
    reader = make_user()
    thread = make_thread(make_user(), title=f"Names of witnesses: {SECRET}")
    notifications.follow(follower=reader, target=thread)
    post = forum_services.create_reply(author=make_user(), thread=thread, body="A reply.")
    (gone,) = Notification.objects.filter(recipient=reader)
    pushed: list[tuple[str, dict]] = []
    monkeypatch.setattr(notifications, "_send_to_groups", pushed.extend)
    with django_capture_on_commit_callbacks(execute=True):
        forum_services.delete_post(actor=moderator, post=post)
    told = {"type": "notification.read", "frame": {"type": "read", "ids": [gone.pk], "unread": 0}}
    assert (notifications.member_group(reader.pk), told) in pushed


def test_the_moderator_view_of_a_hidden_thread_still_works(
    client: Client, make_user: Callable[..., User], make_thread, moderator: User
) -> None:
    thread = make_thread(make_user(), title=f"Names of witnesses: {SECRET}")
    forum_services.switch_thread(actor=moderator, thread=thread, action="hide")
    sign_in(client, moderator)
    assert client.get(thread.get_absolute_url()).status_code == 200


def test_notifications_from_before_the_about_field_learn_it_and_go_with_their_content(
    make_user: Callable[..., User], make_thread, expert: User
) -> None:
    import importlib

    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    member = make_user(display_name="Rights Watcher")
    reader = make_user()
    thread = make_thread(member, title=f"Kettling at the march: {SECRET}")
    reply = forum_services.create_reply(author=member, thread=thread, body="More.")
    lesson = write_lesson(member, title=f"Lesson about {SECRET}")
    # As written before notifications recorded what they are about.
    old = [
        notifications.notify([reader], kind="new_thread", actor=None, text=SECRET, url=url)[0]
        for url in [thread.get_absolute_url(), reply.get_absolute_url(), lesson.get_absolute_url()]
    ]
    Notification.objects.filter(pk__in=[n.pk for n in old]).update(about_type=None, about_id=None)
    # The migrations run with the models as they were then (Notification was
    # members' until members 0012 handed it to notifications).
    loader = MigrationLoader(connection)
    for app, name in [("forum", "0006_notifications_about_posts"),
                      ("lessons", "0007_notifications_about_lessons")]:  # fmt: skip
        then = loader.project_state((app, name)).apps
        module = importlib.import_module(f"{app}.migrations.{name}")
        module.learn_what_notifications_are_about(then, None)

    delete_account(member, keep_contributions=False)

    assert not Notification.objects.filter(recipient=reader).exists()
