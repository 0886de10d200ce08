"""After a training: its organisers and confirmed participants capture what was
learned as a lesson draft, prefilled from the event and linked both ways; the
worker invites them once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events import services
from events.models import Event
from lessons.models import Lesson, LessonState
from notifications.models import Notification
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def ended(make_event, topics, member, make_user):
    """A training that ended an hour ago: ``member`` came (confirmed)."""
    event = make_event(title="Assemblies training", tags=[topics[0]], kind="training")
    services.register(member=member, event=event)
    Event.objects.filter(pk=event.pk).update(
        starts_at=timezone.now() - timedelta(hours=7),
        ends_at=timezone.now() - timedelta(hours=1),
        registration_deadline=None,
    )
    event.refresh_from_db()
    return event


def test_a_participant_drafts_a_lesson_prefilled_from_the_event(client, ended, member, topics):
    topics[0].is_official = True
    topics[0].save()
    sign_in(client, member)
    page = client.get(ended.get_absolute_url()).content.decode()
    assert "Capture what was learned" in page
    form = client.get(reverse("lessons:create"), {"from_event": ended.pk})
    text = form.content.decode()
    assert form.status_code == 200
    assert 'value="What we learned at Assemblies training"' in text
    assert '<option value="training" selected>' in text
    assert f'value="{ended.pk}"' in text  # the hidden from_event
    response = client.post(
        reverse("lessons:create"),
        {
            "from_event": ended.pk,
            "title": "What we learned at Assemblies training",
            "summary": "Dialogue officers helped.",
            "setting": "training",
            "what_happened": "We trained for two days.",
            "language": "en",
            "topics": [topics[0].slug],
            "sources-TOTAL_FORMS": "0",
            "sources-INITIAL_FORMS": "0",
        },
    )
    errors = [line for line in response.content.decode().splitlines() if "error" in line]
    assert response.status_code == 302, errors
    lesson = Lesson.objects.get()
    assert lesson.from_event == ended and lesson.state == LessonState.DRAFT
    # Linked both ways: the event page lists it for its author, the lesson names the event.
    assert lesson.title in client.get(ended.get_absolute_url()).content.decode()
    detail = client.get(lesson.get_absolute_url()).content.decode()
    assert "Came out of this event:" in detail and ended.get_absolute_url() in detail


def test_only_organisers_and_confirmed_participants_after_the_event(
    client, make_event, ended, make_user
) -> None:
    bystander = make_user()
    sign_in(client, bystander)
    assert "Capture what was learned" not in client.get(ended.get_absolute_url()).content.decode()
    assert client.get(reverse("lessons:create"), {"from_event": ended.pk}).status_code == 404
    upcoming = make_event(title="Next training")
    sign_in(client, upcoming.organisers.first())
    url = reverse("lessons:create")
    assert client.get(url, {"from_event": upcoming.pk}).status_code == 404  # not over yet
    assert client.get(url, {"from_event": "x"}).status_code == 404


def test_the_worker_invites_once_after_the_event(ended, member) -> None:
    organiser = ended.organisers.get()
    assert services.invite_to_capture() == 1
    invited = set(
        Notification.objects.filter(kind="event_capture_lessons").values_list(
            "recipient", flat=True
        )
    )
    assert invited == {member.pk, organiser.pk}
    assert (
        f"from_event={ended.pk}"
        in Notification.objects.filter(recipient=member).get(kind="event_capture_lessons").url
    )
    assert services.invite_to_capture() == 0  # once


def test_a_cancelled_or_long_past_event_invites_nobody(make_event, member) -> None:
    old = make_event(title="Old", shift=timedelta(days=-40))
    cancelled = make_event(title="Cancelled")
    services.cancel_event(actor=cancelled.organisers.get(), event=cancelled)
    Event.objects.filter(pk=cancelled.pk).update(
        starts_at=timezone.now() - timedelta(hours=3), ends_at=timezone.now() - timedelta(hours=1)
    )
    assert old.pk and services.invite_to_capture() == 0
