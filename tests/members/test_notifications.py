"""notify(), read state, preferences, follows, announcements and the email outbox."""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import Client
from django.utils import timezone

from members.models import Tag
from notifications import kinds
from notifications.models import Delivery, Notification, NotificationPreference, OutboxEmail
from notifications.outbox import deliver_due, send_digests
from notifications.selectors import followers_of
from notifications.services import mark_read, member_group, notify
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def listen(member) -> str:
    """Join a member's group on the in-memory layer, as their socket would."""
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(member_group(member.pk), channel)
    return channel


def received(channel: str) -> dict:
    async def receive() -> dict:
        return await asyncio.wait_for(get_channel_layer().receive(channel), timeout=5)

    return async_to_sync(receive)()


def test_notify_writes_rows_and_pushes_after_commit(
    member, make_user, django_capture_on_commit_callbacks
) -> None:
    actor = make_user()
    channel = listen(member)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        (notification,) = notify(
            [member], kind="announcement", actor=actor, text="Hello", url="/members/"
        )
    assert len(callbacks) == 1
    event = received(channel)
    assert event["type"] == "notification.push"
    frame = event["frame"]
    assert frame == {
        "type": "notification",
        "id": notification.pk,
        "kind": "announcement",
        "text": "Hello",
        "url": "/members/",
        "created": notification.created_at.isoformat(),
        "unread": 1,
    }


def test_a_rolled_back_write_pushes_nothing(member, django_capture_on_commit_callbacks) -> None:
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        notify([member], kind="announcement", actor=None, text="never")
        raise RuntimeError
    assert callbacks == []
    assert not Notification.objects.exists()


def test_a_failed_push_is_logged_and_does_not_fail_the_write(
    client: Client, member, make_user, monkeypatch, caplog, django_capture_on_commit_callbacks
) -> None:
    layer = get_channel_layer()

    async def broken(*args: object, **kwargs: object) -> None:
        raise ConnectionError("redis is down")

    monkeypatch.setattr(layer, "group_send", broken)
    follower = make_user()
    sign_in(client, follower)
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/members/{member.handle}/follow/")
    assert response.status_code == 302
    assert Notification.objects.filter(recipient=member, kind="new_follower").exists()
    assert "pushes failed" in caplog.text


def test_the_actor_is_never_told_and_each_member_once(member, make_user) -> None:
    actor = make_user()
    created = notify([member, member.pk, actor, member], kind="announcement", actor=actor, text="x")
    assert [n.recipient_id for n in created] == [member.pk]


def test_banned_members_and_those_who_turned_a_kind_off_get_nothing(member, make_user) -> None:
    banned = make_user(is_banned=True, is_active=False)
    NotificationPreference.objects.create(member=member, kind="announcement", delivery="off")
    assert notify([member, banned], kind="announcement", actor=None, text="x") == []


def test_email_preference_queues_an_email_without_the_full_text(member) -> None:
    NotificationPreference.objects.create(
        member=member, kind="new_follower", delivery=Delivery.EMAIL
    )
    notify([member], kind="new_follower", actor=None, text="Ana started following you", url="/x/")
    email = OutboxEmail.objects.get(recipient=member)
    # The kind of event, never the member-written text (Ana's name).
    assert email.subject.endswith("Someone started following you")
    assert "Ana" not in email.subject + email.body
    assert "http://127.0.0.1:8000/x/" in email.body
    assert "http://127.0.0.1:8000/notifications/preferences/" in email.body
    assert mail.outbox == []
    assert deliver_due() == (1, 0)
    assert mail.outbox[0].to == [member.email]


def test_smtp_failure_keeps_the_email_and_retries_later(member, settings) -> None:
    NotificationPreference.objects.create(member=member, kind="announcement", delivery="email")
    notify([member], kind="announcement", actor=None, text="Important")
    settings.EMAIL_BACKEND = "tests.members.failing_mail.DownBackend"
    assert deliver_due() == (0, 1)
    email = OutboxEmail.objects.get()
    assert email.sent_at is None and email.attempts == 1
    assert "connection refused" in email.last_error
    assert email.send_after > timezone.now()
    assert deliver_due() == (0, 0), "not retried before its time"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    OutboxEmail.objects.update(send_after=timezone.now() - timedelta(seconds=1))
    assert deliver_due() == (1, 0)
    assert len(mail.outbox) == 1


def test_daily_digest_collects_waiting_notifications_once(member, make_user) -> None:
    other = make_user()
    for text in ["First", "Second"]:
        notify([member, other], kind="announcement", actor=None, text=text)
    NotificationPreference.objects.create(member=other, kind="announcement", delivery="app")
    notify([member, other], kind="announcement", actor=None, text="Third")
    assert send_digests() == 2
    assert send_digests() == 0, "nothing goes into two digests"
    bodies = {e.recipient_id: e.body for e in OutboxEmail.objects.all()}
    # Each event by its kind, never its text (an announcement is member-written).
    assert bodies[member.pk].count("New announcement from the moderators") == 3
    assert bodies[other.pk].count("New announcement from the moderators") == 2
    assert not any(
        text in body for text in ["First", "Second", "Third"] for body in bodies.values()
    )
    call_command("send_digests", verbosity=0)


def test_marking_read_updates_every_tab(member, django_capture_on_commit_callbacks) -> None:
    (first,) = notify([member, member], kind="announcement", actor=None, text="a")
    notify([member], kind="announcement", actor=None, text="b")
    channel = listen(member)
    with django_capture_on_commit_callbacks(execute=True):
        assert mark_read(member=member, ids=[first.pk]) == [first.pk]
    assert received(channel)["frame"] == {"type": "read", "ids": [first.pk], "unread": 1}


def test_notifications_page_lists_marks_and_opens(client: Client, member) -> None:
    (one,) = notify([member], kind="announcement", actor=None, text="Read me", url="/members/")
    (two,) = notify([member], kind="announcement", actor=None, text="And me")
    sign_in(client, member)
    html = client.get("/notifications/").content.decode()
    assert "Read me" in html and "And me" in html
    assert 'id="unread-count">2<' in html
    response = client.post(f"/notifications/{one.pk}/open/")
    assert response.headers["Location"] == "/members/"
    one.refresh_from_db()
    assert one.read_at is not None
    client.post("/notifications/read-all/")
    two.refresh_from_db()
    assert two.read_at is not None
    assert 'id="unread-count" hidden>0<' in client.get("/notifications/").content.decode()


def test_a_notification_never_redirects_off_site(client: Client, member) -> None:
    (evil,) = notify(
        [member], kind="announcement", actor=None, text="x", url="https://evil.example/"
    )
    sign_in(client, member)
    assert client.post(f"/notifications/{evil.pk}/open/").headers["Location"] == "/notifications/"


@pytest.mark.parametrize("rows", [10, 120])
def test_notifications_page_query_count_is_flat(
    client: Client, member, rows: int, django_assert_max_num_queries
) -> None:
    for n in range(rows):
        notify([member], kind="announcement", actor=None, text=f"n{n}")
    sign_in(client, member)
    with django_assert_max_num_queries(7):
        assert client.get("/notifications/").status_code == 200


def test_preferences_are_saved_per_kind(client: Client, member) -> None:
    sign_in(client, member)
    # Every kind is on the form (the forum's too); these four are checked.
    choices = {kind.key: "app" for kind in kinds.registered()}
    choices.update(
        {
            "membership": "app",
            "expert_badge": "email",
            "new_follower": "off",
            "announcement": "digest",
        }
    )
    response = client.post("/notifications/preferences/", choices)
    assert response.status_code == 302
    assert NotificationPreference.objects.get(member=member, kind="new_follower").delivery == "off"
    html = client.get("/notifications/preferences/").content.decode()
    assert re.search(r'name="announcement" value="digest"[^>]*checked', html)
    assert not re.search(r'name="announcement" value="app"[^>]*checked', html)


def test_following_a_member_tells_them_once(client: Client, member, make_user) -> None:
    follower = make_user(display_name="Curious Colleague")
    sign_in(client, follower)
    client.post(f"/members/{member.handle}/follow/")
    client.post(f"/members/{member.handle}/follow/")
    notification = Notification.objects.get(recipient=member)
    assert notification.text == "Curious Colleague started following you"
    assert list(followers_of(target=member)) == [follower]
    client.post(f"/members/{member.handle}/follow/", {"follow": "0"})
    assert list(followers_of(target=member)) == []


def test_following_again_and_again_tells_the_member_once_a_day(
    client: Client, member, make_user
) -> None:
    follower = make_user()
    client.force_login(follower)
    for _ in range(5):
        client.post(f"/members/{member.handle}/follow/")
        client.post(f"/members/{member.handle}/follow/", {"follow": "0"})
    client.post(f"/members/{member.handle}/follow/")
    assert list(followers_of(target=member)) == [follower]
    assert Notification.objects.filter(recipient=member, kind="new_follower").count() == 1
    # A day later the same follower may be announced again; another follower at once.
    Notification.objects.filter(recipient=member).update(
        created_at=timezone.now() - timedelta(hours=24, minutes=1)
    )
    client.post(f"/members/{member.handle}/follow/", {"follow": "0"})
    client.post(f"/members/{member.handle}/follow/")
    other = make_user()
    client.force_login(other)
    client.post(f"/members/{member.handle}/follow/")
    assert Notification.objects.filter(recipient=member, kind="new_follower").count() == 3


def test_members_follow_topics(client: Client, member) -> None:
    tag = Tag.objects.create(slug="firearms", name="Firearms")
    sign_in(client, member)
    client.post("/members/topics/firearms/follow/")
    assert list(followers_of(target=tag)) == [member]
    html = client.get("/forum/tags/").content.decode()
    assert "Stop following <bdi>Firearms</bdi>" in html and "1 follower" in html


def test_expert_badge_and_approval_notify_the_member(moderator, member, pending) -> None:
    from members.services import approve_member, set_role

    set_role(actor=moderator, member=member, role="expert", granted=True)
    approve_member(moderator=moderator, member=pending)
    assert Notification.objects.get(recipient=member).kind == "expert_badge"
    assert Notification.objects.get(recipient=pending).kind == "membership"


def test_announce_command_reaches_everyone_or_one(member, make_user, pending) -> None:
    other = make_user()
    call_command("announce", "Server maintenance tonight", verbosity=0)
    assert set(Notification.objects.values_list("recipient_id", flat=True)) == {
        member.pk,
        other.pk,
    }, "pending people are not members yet"
    call_command("announce", "Just for you", "--to", other.email.upper(), verbosity=0)
    assert Notification.objects.filter(recipient=other, text="Just for you").exists()
    with pytest.raises(CommandError, match="No approved member"):
        call_command("announce", "x", "--to", "nobody@example.org")
    with pytest.raises(CommandError, match="empty"):
        call_command("announce", "   ")


def test_moderators_announce_from_a_page(client: Client, moderator, member) -> None:
    sign_in(client, moderator)
    response = client.post("/notifications/announce/", {"text": "Welcome week", "to": ""})
    assert response.status_code == 302
    assert Notification.objects.filter(recipient=member, text="Welcome week").exists()
    response = client.post("/notifications/announce/", {"text": "x", "to": "@no-such-handle"})
    assert "No approved member" in response.content.decode()
    assert 'value="@no-such-handle"' in response.content.decode()


def test_password_change_tells_all_the_members_sockets_to_close(
    client: Client, member, django_capture_on_commit_callbacks
) -> None:
    from notifications.services import session_group

    layer = get_channel_layer()
    sign_in(client, member)
    session_channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(session_group(client.session.session_key), session_channel)
    member_channel = listen(member)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/accounts/password/change/",
            {
                "oldpassword": "correct horse battery staple",
                "password1": "a brand new passphrase 7",
                "password2": "a brand new passphrase 7",
            },
        )
    assert received(member_channel) == {"type": "session.end"}


def test_logout_tells_the_sockets_of_that_session_to_close(
    client: Client, member, django_capture_on_commit_callbacks
) -> None:
    from notifications.services import session_group

    layer = get_channel_layer()
    sign_in(client, member)
    fresh_channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(session_group(client.session.session_key), fresh_channel)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/logout/")
    assert received(fresh_channel) == {"type": "session.end"}
