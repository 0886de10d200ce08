"""seed_demo's lessons: about fifteen realistic lessons in every state, made through the
services, once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, F
from django.test import Client, override_settings
from django.utils import timezone

from lessons.demo import DEMO_LESSONS
from lessons.models import Lesson, LessonRevision, LessonState, Setting, Source, Transition
from lessons.notification_kinds import NotificationKind
from lessons.permissions import is_author, is_reviewer
from lessons.search import search_lessons
from members.models import User
from network.demo import ensure_demo_lessons
from notifications.models import Notification, OutboxEmail
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

DEMO_ACCOUNT_EMAILS = ["activist@demo.example", "expert@demo.example", "moderator@demo.example"]


@pytest.fixture(scope="module")
def seed(django_db_setup: None, django_db_blocker: Any) -> Iterator[str]:
    """Run seed_demo once for the module (it takes seconds); the value is what it printed.

    The seeding stays in a transaction that is rolled back after the module's
    tests, each of which runs in a savepoint of its own.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        with override_settings(DEMO_MODE=True):
            call_command("seed_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def test_seed_demo_adds_lessons_in_every_state(seed: str) -> None:
    lessons = Lesson.objects.all()
    assert 14 <= lessons.count() <= 20
    assert lessons.count() == len(DEMO_LESSONS)
    assert f"demo lessons: {lessons.count()} lessons created" in seed

    states = dict(lessons.values_list("state").annotate(n=Count("id")))
    assert states[LessonState.PUBLISHED] >= 8
    assert states[LessonState.IN_REVIEW] == 2
    assert states[LessonState.DRAFT] == 2
    assert states[LessonState.ARCHIVED] == 1

    public = lessons.filter(is_public=True)
    assert public.count() >= 5
    assert not public.exclude(state=LessonState.PUBLISHED).exists()
    assert not public.filter(public_requested=False).exists()
    # A reviewer may publish for members only what the authors asked to make public.
    assert lessons.filter(
        state=LessonState.PUBLISHED, public_requested=True, is_public=False
    ).exists()

    used = set(lessons.values_list("setting", flat=True))
    assert used >= set(Setting.values) - {Setting.OTHER}
    assert {"en", "es", "fr"} <= set(lessons.values_list("language", flat=True))
    assert lessons.exclude(country="").values("country").distinct().count() >= 8


def test_demo_lessons_are_written_by_the_demo_expert_and_members(seed: str) -> None:
    expert = User.objects.get(email="expert@demo.example")
    activist = User.objects.get(email="activist@demo.example")
    assert Lesson.objects.filter(authorships__member=expert).count() >= 3
    assert Lesson.objects.filter(authorships__member=activist).exists()
    co_authored = Lesson.objects.annotate(n=Count("authorships")).filter(n__gte=2)
    assert co_authored.count() >= 5
    assert User.objects.filter(authorships__isnull=False).distinct().count() >= 12


def test_published_lessons_have_sources_standards_topics_and_html(seed: str) -> None:
    published = Lesson.objects.filter(state__in=[LessonState.PUBLISHED, LessonState.ARCHIVED])
    for lesson in published.prefetch_related("sources", "provisions", "tags", "authorships"):
        sources = list(lesson.sources.all())
        assert 1 <= len(sources) <= 3, lesson.title
        assert all(s.url.startswith("https://") and s.publisher and s.date for s in sources)
        assert 1 <= len(lesson.provisions.all()) <= 3, lesson.title
        assert lesson.tags.all(), lesson.title
        for field in Lesson.MARKDOWN_FIELDS:
            assert getattr(lesson, field).strip(), (lesson.title, field)
            assert "<p>" in getattr(lesson, f"{field}_html") or "<li>" in getattr(
                lesson, f"{field}_html"
            ), (lesson.title, field)
        assert lesson.published_at is not None

        publish = lesson.transitions.get(action="publish")
        assert publish.actor.email in {"expert@demo.example", "moderator@demo.example"}
        assert is_reviewer(publish.actor)
        assert not is_author(publish.actor, lesson), lesson.title


def test_one_published_lesson_was_edited_after_publication(seed: str) -> None:
    revision = LessonRevision.objects.get()
    lesson = revision.lesson
    assert lesson.state == LessonState.PUBLISHED
    assert lesson.revision_count == 1
    assert revision.snapshot["what_did_not"] != lesson.what_did_not
    assert "six-month audit" in lesson.what_did_not_html
    assert lesson.published_at < revision.created_at <= lesson.updated_at


def test_review_history_is_dated_in_order_and_in_the_past(seed: str) -> None:
    now = timezone.now()
    assert not Lesson.objects.filter(created_at__gt=now).exists()
    assert not Transition.objects.filter(created_at__gt=now).exists()
    assert not Transition.objects.filter(created_at__lt=F("lesson__created_at")).exists()
    created = sorted(Lesson.objects.values_list("created_at", flat=True))
    assert created[-1] - created[0] > timedelta(days=60)

    for lesson in Lesson.objects.prefetch_related("transitions"):
        steps = list(lesson.transitions.all())
        assert [s.created_at for s in steps] == sorted(s.created_at for s in steps)
        if lesson.state == LessonState.DRAFT and steps:
            assert steps[-1].action == "request_changes" and steps[-1].comment
        if lesson.state == LessonState.IN_REVIEW:
            assert steps[0].action == "submit"
        if lesson.state == LessonState.ARCHIVED:
            assert [s.action for s in steps][-2:] == ["publish", "archive"]


def test_lessons_grew_out_of_answered_forum_threads(seed: str) -> None:
    from_threads = Lesson.objects.filter(from_thread__isnull=False).select_related("from_thread")
    assert from_threads.count() >= 2
    for lesson in from_threads:
        assert lesson.from_thread.accepted_post_id is not None, lesson.title
        assert lesson.created_at > lesson.from_thread.created_at

    lesson = from_threads.filter(state=LessonState.PUBLISHED).first()
    client = Client()
    sign_in(client, User.objects.get(email="activist@demo.example"))
    page = client.get(lesson.from_thread.get_absolute_url())
    assert page.status_code == 200
    assert lesson.get_absolute_url() in page.content.decode()


def test_public_demo_lessons_open_without_an_account(seed: str) -> None:
    lesson = Lesson.objects.filter(is_public=True).first()
    page = Client().get(lesson.get_absolute_url())
    assert page.status_code == 200
    assert lesson.sources.first().url in page.content.decode()


def test_demo_lessons_are_indexed_for_search(seed: str) -> None:
    member = User.objects.get(email="activist@demo.example")
    lesson = Lesson.objects.get(title__startswith="Containing a peaceful crowd")
    assert lesson.pk in [hit.id for hit in search_lessons("containment toilets", member).hits]


def test_seeding_lessons_leaves_inboxes_quiet(seed: str) -> None:
    moderator = User.objects.get(email="moderator@demo.example")
    assert not Notification.objects.filter(digested_at__isnull=True).exists()
    assert not OutboxEmail.objects.exists()
    for email in DEMO_ACCOUNT_EMAILS:
        unread = Notification.objects.filter(recipient__email=email, read_at__isnull=True)
        assert unread.count() <= 10
    # The lesson submitted in the last days waits in the moderator's inbox.
    assert Notification.objects.filter(
        recipient=moderator, read_at__isnull=True, kind=NotificationKind.REVIEW_REQUESTED
    ).exists()


def test_seed_demo_twice_creates_no_new_lessons(seed: str, settings) -> None:
    settings.DEMO_MODE = True
    models = (Lesson, Transition, LessonRevision, Source, Notification)
    counts = [model.objects.count() for model in models]
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "demo lessons: 0 lessons created" in out.getvalue()
    assert [model.objects.count() for model in models] == counts


def test_a_renamed_demo_lesson_is_not_seeded_again(seed: str) -> None:
    edited = LessonRevision.objects.get().lesson
    Lesson.objects.filter(pk=edited.pk).update(title="Renamed by a demo visitor")
    assert ensure_demo_lessons() == 0
