"""The kinds registry: apps declare their kinds, notify() refuses others, and the
preferences page and the emails read what the apps declared."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.utils.translation import gettext_lazy as _

from events.notification_kinds import NotificationKind as EventKind
from forum.notification_kinds import NotificationKind as ForumKind
from lessons.notification_kinds import NotificationKind as LessonKind
from library.notification_kinds import NotificationKind as LibraryKind
from notifications import kinds, mail, services
from notifications.kinds import Delivery, Kind
from notifications.models import Notification, NotificationPreference, OutboxEmail
from notifications.notification_kinds import NotificationKind as AccountKind
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def test_kind():
    kind = Kind(
        key="test_event",
        label="Events of the test",
        summary="Something happened in a test",
        default_delivery=Delivery.EMAIL,
    )
    kinds.register(kind)
    yield kind
    kinds.unregister(kind.key)


def test_every_app_declares_its_own_kinds_and_the_stored_strings_are_unchanged() -> None:
    assert [kind.key for kind in kinds.registered()] == [
        # The account and moderation kinds (notifications), then the forum's, then the lessons'.
        "membership", "expert_badge", "new_follower", "announcement", "contact_message",
        "reply", "mention", "answer_accepted", "new_thread",
        "review_requested", "review", "new_lesson", "co_author",
        "event_registration", "event_changed", "event_reminder", "new_event",
        "event_registration_request", "event_capture_lessons",
        "library_review", "library_published", "library_collection_item",
    ]  # fmt: skip
    assert {str(k) for k in ForumKind} | {str(k) for k in LessonKind} | {
        str(k) for k in EventKind
    } | {str(k) for k in LibraryKind} | {str(k) for k in AccountKind} == {
        kind.key for kind in kinds.registered()
    }
    assert kinds.get(ForumKind.MENTION).default_delivery == Delivery.EMAIL
    assert kinds.get(LessonKind.NEW_LESSON).default_delivery == Delivery.DIGEST


def test_an_unknown_kind_is_refused_and_writes_nothing(member) -> None:
    with pytest.raises(kinds.UnknownKind):
        services.notify([member], kind="no_such_kind", actor=None, text="x")
    with pytest.raises(kinds.UnknownKind):
        services.set_deliveries(member=member, deliveries={"no_such_kind": "email"})
    assert not Notification.objects.exists()
    assert not NotificationPreference.objects.exists()


def test_one_key_cannot_be_two_kinds_but_registering_again_is_harmless(test_kind) -> None:
    kinds.register(test_kind)
    with pytest.raises(ImproperlyConfigured):
        kinds.register(Kind(key=test_kind.key, label="Another", summary="Another"))
    assert kinds.get(test_kind.key) == test_kind


def test_every_apps_kinds_are_on_the_preferences_page(client: Client, member) -> None:
    sign_in(client, member)
    html = client.get("/notifications/preferences/").content.decode()
    for kind in kinds.registered():
        assert f'name="{kind.key}"' in html
        assert str(kind.label) in html
    for label in ["Replies in threads you follow", "Invitations to co-author a lesson",
                  "Your membership request"]:  # fmt: skip
        assert label in html


def test_a_registered_kind_is_offered_emailed_with_its_summary_and_chosen(
    client: Client, member, test_kind
) -> None:
    sign_in(client, member)
    assert "Events of the test" in client.get("/notifications/preferences/").content.decode()
    # Its default is email: the subject is the summary its app declared.
    services.notify([member], kind=test_kind.key, actor=None, text="Never in the email")
    email = OutboxEmail.objects.get(recipient=member)
    assert email.subject.endswith("Something happened in a test")
    assert "Never in the email" not in email.subject + email.body
    choices = {kind.key: "app" for kind in kinds.registered()} | {test_kind.key: "off"}
    assert client.post("/notifications/preferences/", choices).status_code == 302
    services.notify([member], kind=test_kind.key, actor=None, text="Off now")
    assert not Notification.objects.filter(text="Off now").exists()


def test_a_kind_no_app_declares_any_more_still_has_an_email_line() -> None:
    assert mail.notification_summary("gone_kind") == str(_("You have a new notification"))
    assert mail.notification_summary(ForumKind.REPLY) == "New reply in a thread you follow"
