"""Events through their services: bad input, the waiting list, the notices."""

from __future__ import annotations

import io
import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from events import services
from events.models import Event, Registration, RegistrationState
from events.notification_kinds import NotificationKind
from events.services import EventError
from members.models import AuditEntry
from notifications.models import Notification
from notifications.services import follow

# --- Bad input: a clear message and nothing half-written -------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"ends_at": "before"}, "end after it starts"),
        ({"capacity": 0}, "between 1 and 10,000"),
        ({"capacity": 100_000}, "between 1 and 10,000"),
        ({"registration_deadline": "after"}, "close before the event starts"),
        ({"time_zone": "Mars/Olympus"}, "Unknown time zone"),
        ({"online_url": "javascript:alert(1)"}, "http or https"),
        ({"title": "  "}, "title"),
        ({"languages": []}, "languages"),
    ],
)
def test_bad_events_are_refused_with_a_message_and_nothing_saved(
    organiser, event_data, change, message
) -> None:
    data = event_data()
    for name, value in change.items():
        if value == "before":
            value = data.starts_at - timedelta(hours=1)
        elif value == "after":
            value = data.starts_at + timedelta(hours=1)
        setattr(data, name, value)
    with pytest.raises(EventError, match=message):
        services.create_event(actor=organiser, data=data)
    assert not Event.objects.exists()


def test_an_event_cannot_be_announced_in_the_past(organiser, event_data) -> None:
    start = timezone.now() - timedelta(days=1)
    with pytest.raises(EventError, match="future"):
        services.create_event(
            actor=organiser, data=event_data(starts_at=start, ends_at=start + timedelta(hours=1))
        )


def test_a_refused_edit_leaves_the_event_as_it_was(make_event, organiser, event_data) -> None:
    event = make_event()
    data = event_data(title="New title", capacity=0, organisers=[organiser])
    with pytest.raises(EventError):
        services.update_event(actor=organiser, event=event, data=data)
    event.refresh_from_db()
    assert event.title == "Policing assemblies: a two-day training"


def test_description_goes_through_the_one_pipeline(make_event) -> None:
    event = make_event(description="**Bring** <script>alert(1)</script>")
    assert "<strong>Bring</strong>" in event.description_html
    assert "<script>" not in event.description_html


def test_registering_twice_is_refused(make_event, member) -> None:
    event = make_event()
    services.register(member=member, event=event)
    with pytest.raises(EventError, match="registered for this event already"):
        services.register(member=member, event=event)
    assert Registration.objects.filter(event=event, member=member).count() == 1


def test_cancelling_someone_elses_registration_is_refused(make_event, make_user) -> None:
    event = make_event()
    registration = services.register(member=make_user(), event=event)
    with pytest.raises(EventError, match="only your own"):
        services.cancel_registration(actor=make_user(), registration=registration)
    registration.refresh_from_db()
    assert registration.state == RegistrationState.CONFIRMED


def test_a_non_organiser_editing_is_refused(make_event, make_user, event_data) -> None:
    event = make_event()
    with pytest.raises(EventError, match="Only the organisers"):
        services.update_event(
            actor=make_user(is_expert=True), event=event, data=event_data(title="Mine now")
        )


# --- The waiting list ------------------------------------------------------------


def test_the_waiting_list_moves_up_in_order_and_says_so(make_event, make_user) -> None:
    event = make_event(capacity=2)
    first, second, third, fourth, fifth = (make_user() for _ in range(5))
    for member in (first, second, third, fourth, fifth):
        services.register(member=member, event=event)
    states = dict(Registration.objects.values_list("member_id", "state"))
    assert [states[m.pk] for m in (first, second, third, fourth, fifth)] == [
        "confirmed",
        "confirmed",
        "waitlisted",
        "waitlisted",
        "waitlisted",
    ]
    services.cancel_registration(
        actor=first, registration=Registration.objects.get(member=first, event=event)
    )
    assert Registration.objects.get(member=third, event=event).state == "confirmed"
    assert Registration.objects.get(member=fourth, event=event).state == "waitlisted"
    notice = Notification.objects.filter(recipient=third).latest("id")
    assert notice.kind == NotificationKind.REGISTRATION
    assert "A place became free" in notice.text
    # Someone leaving the waiting list does not promote anyone.
    services.cancel_registration(
        actor=fourth, registration=Registration.objects.get(member=fourth, event=event)
    )
    assert Registration.objects.get(member=fifth, event=event).state == "waitlisted"
    services.cancel_registration(
        actor=second, registration=Registration.objects.get(member=second, event=event)
    )
    assert Registration.objects.get(member=fifth, event=event).state == "confirmed"


def test_more_places_promote_the_waiting_list(make_event, make_user, organiser, event_data):
    event = make_event(capacity=1)
    members = [make_user() for _ in range(3)]
    for member in members:
        services.register(member=member, event=event)
    data = event_data(
        starts_at=event.starts_at, ends_at=event.ends_at, capacity=3, organisers=[organiser]
    )
    services.update_event(actor=organiser, event=event, data=data)
    assert Registration.objects.filter(event=event, state="confirmed").count() == 3


def test_approval_confirms_or_waitlists_when_full(make_event, make_user, organiser) -> None:
    event = make_event(capacity=1, requires_approval=True)
    one, two = make_user(), make_user()
    r1 = services.register(member=one, event=event, note="I lead a unit.")
    r2 = services.register(member=two, event=event)
    assert r1.state == r2.state == RegistrationState.PENDING
    request = Notification.objects.filter(recipient=organiser).latest("id")
    assert request.kind == NotificationKind.REGISTRATION_REQUEST
    assert services.decide_registration(actor=organiser, registration=r1, accept=True).state == (
        RegistrationState.CONFIRMED
    )
    assert services.decide_registration(actor=organiser, registration=r2, accept=True).state == (
        RegistrationState.WAITLISTED
    )
    assert "waiting list" in Notification.objects.filter(recipient=two).latest("id").text


# --- Notices ---------------------------------------------------------------------


def test_registration_confirmed_is_notified(make_event, member) -> None:
    event = make_event()
    services.register(member=member, event=event)
    notice = Notification.objects.get(recipient=member)
    assert notice.kind == NotificationKind.REGISTRATION
    assert notice.text == "You are registered for “Policing assemblies: a two-day training”"


def test_a_new_time_or_place_is_notified_but_not_a_new_description(
    make_event, member, organiser, event_data
) -> None:
    event = make_event()
    services.register(member=member, event=event)
    same = dict(starts_at=event.starts_at, ends_at=event.ends_at, organisers=[organiser])
    services.update_event(
        actor=organiser, event=event, data=event_data(description="More words", **same)
    )
    assert not Notification.objects.filter(recipient=member, kind="event_changed").exists()
    moved = event_data(place="Another hall", **same)
    services.update_event(actor=organiser, event=event, data=moved)
    assert Notification.objects.filter(recipient=member, kind="event_changed").count() == 1


def test_cancelling_an_event_tells_everyone_registered(make_event, make_user, organiser):
    event = make_event(capacity=1)
    one, two = make_user(), make_user()
    services.register(member=one, event=event)
    services.register(member=two, event=event)
    services.cancel_event(actor=organiser, event=event)
    for member in (one, two):
        notice = Notification.objects.filter(recipient=member).latest("id")
        assert notice.kind == NotificationKind.EVENT_CHANGED
        assert "is cancelled" in notice.text
    with pytest.raises(EventError, match="cancelled"):
        services.register(member=make_user(), event=event)


def test_a_moderator_cancelling_someone_elses_event_is_audited(make_event, make_user):
    moderator = make_user(is_moderator=True)
    event = make_event()
    services.cancel_event(actor=moderator, event=event)
    entry = AuditEntry.objects.get()
    assert entry.action == AuditEntry.Action.CANCEL_EVENT
    assert entry.actor == moderator


def test_a_new_event_is_announced_to_followers_of_its_topics(
    make_event, make_user, topics, organiser
) -> None:
    follower, other = make_user(), make_user()
    follow(follower=follower, target=topics[0])
    follow(follower=organiser, target=topics[0])
    make_event(tags=[topics[0]])
    notice = Notification.objects.get(recipient=follower)
    assert notice.kind == NotificationKind.NEW_EVENT
    assert not Notification.objects.filter(recipient__in=[other, organiser]).exists()


def test_a_refused_registration_notifies_nobody(
    make_event, member, django_capture_on_commit_callbacks
):
    event = make_event()
    services.cancel_event(actor=event.organisers.get(), event=event)
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(EventError):
        services.register(member=member, event=event)
    assert callbacks == []
    assert not Notification.objects.filter(recipient=member).exists()


# --- The last place, two members at once (PostgreSQL) -----------------------------


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_members_registering_for_the_last_place_never_both_get_it(
    require_postgresql, make_event, make_user
) -> None:
    event = make_event(capacity=1)
    members = [make_user() for _ in range(2)]
    barrier = threading.Barrier(2)
    results: list[str] = []
    errors: list[BaseException] = []

    def run(member) -> None:
        try:
            barrier.wait(timeout=10)
            results.append(services.register(member=member, event=event).state)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    for _ in range(5):
        Registration.objects.filter(event=event).delete()
        results.clear()
        threads = [threading.Thread(target=run, args=(m,)) for m in members]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert not errors
        assert sorted(results) == ["confirmed", "waitlisted"]
        assert Registration.objects.filter(event=event, state="confirmed").count() == 1
    assert connection.vendor == "postgresql"


# --- Reminders -------------------------------------------------------------------


def test_the_worker_reminds_each_participant_once(make_event, make_user) -> None:
    from django.core.management import call_command

    soon = make_event(title="Tomorrow's webinar")
    later = make_event(title="Next month")
    Event.objects.filter(pk=soon.pk).update(
        starts_at=timezone.now() + timedelta(hours=20),
        ends_at=timezone.now() + timedelta(hours=22),
    )
    confirmed, waiting = make_user(), make_user()
    Registration.objects.create(event=soon, member=confirmed, state="confirmed")
    Registration.objects.create(event=soon, member=waiting, state="waitlisted", position=1)
    Registration.objects.create(event=later, member=confirmed, state="confirmed")
    call_command("run_outbox", "--once", stdout=io.StringIO())
    call_command("run_outbox", "--once", stdout=io.StringIO())
    reminders = Notification.objects.filter(kind=NotificationKind.EVENT_REMINDER)
    assert list(reminders.values_list("recipient_id", "text")) == [
        (confirmed.pk, "“Tomorrow's webinar” starts within a day")
    ]
    assert services.send_reminders() == 0


def test_a_cancelled_event_sends_no_reminder(make_event, member) -> None:
    event = make_event()
    services.register(member=member, event=event)
    Event.objects.filter(pk=event.pk).update(
        starts_at=timezone.now() + timedelta(hours=2),
        ends_at=timezone.now() + timedelta(hours=3),
        cancelled_at=timezone.now(),
    )
    assert services.send_reminders() == 0
