"""What happens to members reaches the inbox through members/signals.py: members
never imports notifications, and the behaviour is the one of a direct call."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from members import services as member_services
from members import signals
from members.adapter import AccountAdapter
from members.models import Status
from notifications import receivers
from notifications import services as notifications
from notifications.models import Follow, Notification, OutboxEmail
from notifications.notification_kinds import NotificationKind

pytestmark = pytest.mark.django_db


class Rollback(Exception):
    pass


@pytest.fixture
def moderator(make_user):
    return make_user(is_moderator=True, display_name="Mod Erator")


@pytest.fixture
def pending(make_user):
    return make_user(status=Status.PENDING, approved_at=None)


@pytest.fixture
def pushes(monkeypatch) -> list[tuple[str, object]]:
    sent: list[tuple[str, object]] = []
    monkeypatch.setattr(
        notifications, "push_to_member", lambda member_id, event: sent.append((member_id, event))
    )
    monkeypatch.setattr(
        notifications, "push_to_session", lambda key, event: sent.append((key, event))
    )
    return sent


def test_every_receiver_is_connected_once() -> None:
    receivers.connect()  # again: dispatch_uid keeps one connection each
    for signal in [signals.member_approved, signals.member_rejected, signals.role_changed,
                   signals.member_banned, signals.member_sessions_ended,
                   signals.session_ended, signals.tags_merged]:  # fmt: skip
        assert len(signal.receivers) == 1


def test_approval_still_notifies_and_emails_in_its_transaction(moderator, pending) -> None:
    member_services.approve_member(moderator=moderator, member=pending)
    notification = Notification.objects.get(recipient=pending)
    assert notification.kind == NotificationKind.MEMBERSHIP
    assert notification.actor == moderator
    email = OutboxEmail.objects.get(recipient=pending)
    assert "approved" in email.subject and "/members/me/edit/" in email.body


def test_a_rolled_back_approval_leaves_no_notification_or_email(moderator, pending) -> None:
    with pytest.raises(Rollback), transaction.atomic():
        member_services.approve_member(moderator=moderator, member=pending)
        raise Rollback
    assert not Notification.objects.exists()
    assert not OutboxEmail.objects.exists()


def test_rejection_notifies_and_emails_the_reason(moderator, pending) -> None:
    member_services.reject_member(moderator=moderator, member=pending, reason="Not verified.")
    assert Notification.objects.get(recipient=pending).kind == NotificationKind.MEMBERSHIP
    assert "Not verified." in OutboxEmail.objects.get(recipient=pending).body


def test_the_expert_badge_notifies_and_other_roles_do_not(moderator, member) -> None:
    member_services.set_role(actor=moderator, member=member, role="expert", granted=True)
    member_services.set_role(actor=moderator, member=member, role="expert", granted=False)
    assert list(Notification.objects.values_list("kind", flat=True)) == ["expert_badge"]


def test_a_failed_push_never_fails_the_approval(
    moderator, pending, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    def broken(messages):
        raise ConnectionError("the channel layer is down")

    monkeypatch.setattr(notifications, "_send_to_groups", broken)
    with django_capture_on_commit_callbacks(execute=True):
        member_services.approve_member(moderator=moderator, member=pending)
    pending.refresh_from_db()
    assert pending.is_member
    assert Notification.objects.filter(recipient=pending).exists()


def test_a_ban_still_closes_the_members_sockets_after_commit(
    moderator, member, pushes, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        member_services.ban_member(moderator=moderator, member=member, reason="Spam.")
    assert pushes == [(member.pk, {"type": "session.end"})]


def test_a_rolled_back_ban_closes_nothing(
    moderator, member, pushes, django_capture_on_commit_callbacks
) -> None:
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Rollback),
        transaction.atomic(),
    ):
        member_services.ban_member(moderator=moderator, member=member, reason="Spam.")
        raise Rollback
    assert callbacks == [] and pushes == []


def test_a_password_change_and_a_logout_close_sockets(
    rf, member, pushes, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        AccountAdapter().set_password(member, "a new long passphrase")
        signals.session_ended.send(sender=type(member), session_key="abc")
    assert pushes == [(member.pk, {"type": "session.end"}), ("abc", {"type": "session.end"})]


def test_a_merge_still_moves_the_follows(moderator, make_user, topics) -> None:
    source, target = topics[0], topics[1]
    only_source, both = make_user(), make_user()
    notifications.follow(follower=only_source, target=source)
    notifications.follow(follower=both, target=source)
    notifications.follow(follower=both, target=target)
    member_services.merge_tags(actor=moderator, source=source, target=target)
    tag_type = ContentType.objects.get_for_model(target)
    follows = Follow.objects.filter(content_type=tag_type)
    assert sorted(follows.values_list("follower_id", "object_id")) == sorted(
        [(only_source.pk, target.pk), (both.pk, target.pk)]
    )
