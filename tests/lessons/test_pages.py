"""Lesson pages through the browser's eyes: forms, the workflow buttons, bad input."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.test import Client

from forum import services as forum_services
from lessons import services
from lessons.models import Lesson, LessonRevision, LessonState, Setting, Source
from lessons.notification_kinds import NotificationKind
from members.models import Tag, User, Visibility
from notifications.models import Notification
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def form_data(topics: list[Tag], **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "title": "Liaison officers at a march in Nairobi",
        "summary": "Named liaison officers on both sides kept a tense march peaceful.",
        "setting": Setting.DEMONSTRATION,
        "country": "KE",
        "region": "Nairobi",
        "period": "2023",
        "what_happened": "Organisers and police agreed a **route** the day before.",
        "what_worked": "A named liaison officer on both sides.",
        "what_did_not": "",
        "recommendations": "Brief every unit on the agreement.",
        "topics": [topics[0].slug],
        "new_topics": "",
        "co_authors": "",
        "language": "en",
        "sources-TOTAL_FORMS": "2",
        "sources-INITIAL_FORMS": "0",
        "sources-MIN_NUM_FORMS": "0",
        "sources-MAX_NUM_FORMS": "20",
        "sources-0-title": "Guidelines on Freedom of Peaceful Assembly",
        "sources-0-publisher": "OSCE/ODIHR",
        "sources-0-date": "2019-07-15",
        "sources-0-url": "https://www.osce.org/odihr/73405",
    }
    data.update(overrides)
    return data


@pytest.fixture
def author(make_user: Callable[..., User]) -> User:
    return make_user(display_name="Ana Author", handle="ana-author")


def test_write_submit_publish_and_read_journey(
    client: Client, author: User, expert: User, member: User, topics, make_provision
) -> None:
    provision = make_provision()
    sign_in(client, author)
    response = client.post(
        "/lessons/new/", form_data(topics, provisions=[provision.pk], public_requested="on")
    )
    lesson = Lesson.objects.get()
    assert response.status_code == 302
    assert response.headers["Location"] == lesson.get_absolute_url()
    assert lesson.state == LessonState.DRAFT
    assert "<strong>route</strong>" in lesson.what_happened_html
    assert list(lesson.provisions.all()) == [provision]
    assert Source.objects.get().publisher == "OSCE/ODIHR"
    # The saved lesson's page tells the browser to forget the locally kept draft, once.
    page = client.get(lesson.get_absolute_url()).content.decode()
    assert '<meta name="draft-clear" content="new-lesson">' in page
    assert "draft-clear" not in client.get(lesson.get_absolute_url()).content.decode()

    # A draft is the authors' own.
    sign_in(client, member)
    assert client.get(lesson.get_absolute_url()).status_code == 404

    sign_in(client, author)
    page = client.get(lesson.get_absolute_url()).content.decode()
    assert 'value="submit"' in page and 'value="publish"' not in page
    assert client.post(f"/lessons/{lesson.pk}/act/", {"action": "submit"}).status_code == 302
    assert Notification.objects.filter(
        recipient=expert, kind=NotificationKind.REVIEW_REQUESTED
    ).exists()

    sign_in(client, expert)
    page = client.get(lesson.get_absolute_url()).content.decode()
    assert 'value="publish"' in page and 'name="make_public"' in page
    response = client.post(
        f"/lessons/{lesson.pk}/act/",
        {"action": "publish", "comment": "Clear and useful.", "make_public": "on"},
    )
    assert response.status_code == 302
    lesson.refresh_from_db()
    assert lesson.state == LessonState.PUBLISHED and lesson.is_public

    # Visitors read it, and find it from the provision's page, without any member's name.
    client.logout()
    page = client.get(lesson.get_absolute_url()).content.decode()
    assert "Liaison officers at a march" in page
    assert "Ana Author" not in page and "A member of the network" in page
    assert 'value="submit"' not in page
    assert lesson.title in client.get(provision.get_absolute_url()).content.decode()
    assert lesson.title in client.get("/").content.decode()


def test_a_public_name_is_shown_to_visitors(
    client: Client, author: User, make_lesson: Callable[..., Lesson]
) -> None:
    author.profile.name_visibility = Visibility.PUBLIC
    author.profile.save()
    lesson = make_lesson(author, state=LessonState.PUBLISHED, is_public=True)
    assert "Ana Author" in client.get(lesson.get_absolute_url()).content.decode()


def test_members_only_lesson_is_not_found_by_visitors(
    client: Client, make_lesson: Callable[..., Lesson]
) -> None:
    lesson = make_lesson(state=LessonState.PUBLISHED, is_public=False)
    assert client.get(lesson.get_absolute_url()).status_code == 404
    assert lesson.title not in client.get("/lessons/").content.decode()


def test_turn_a_solved_thread_into_a_lesson(
    client: Client, member: User, expert: User, make_thread, topics
) -> None:
    thread = make_thread(member)
    answer = forum_services.create_reply(
        author=expert, thread=thread, body="Film from **two angles** and keep the originals."
    )
    forum_services.accept_answer(actor=member, post=answer)
    sign_in(client, expert)
    page = client.get(thread.get_absolute_url()).content.decode()
    assert f"/lessons/new/?from_thread={thread.pk}" in page
    form = client.get(f"/lessons/new/?from_thread={thread.pk}").content.decode()
    assert "How do we document kettling at protests?" in form
    assert "two angles" in form
    response = client.post(
        f"/lessons/new/?from_thread={thread.pk}",
        form_data(topics, title=thread.title, from_thread=thread.pk),
    )
    assert response.status_code == 302
    lesson = Lesson.objects.get()
    assert lesson.from_thread == thread
    assert thread.get_absolute_url() in client.get(lesson.get_absolute_url()).content.decode()
    assert lesson.get_absolute_url() in client.get(thread.get_absolute_url()).content.decode()


def test_a_thread_without_accepted_answer_cannot_become_a_lesson(
    client: Client, member: User, make_thread
) -> None:
    thread = make_thread(member)
    sign_in(client, member)
    assert "Turn into a lesson" not in client.get(thread.get_absolute_url()).content.decode()
    assert client.get(f"/lessons/new/?from_thread={thread.pk}").status_code == 404


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"summary": ""}, "summary", "Write a short summary"),
        ({"sources-0-url": "not a url at all"}, "url", "Enter a full web address"),
        ({"sources-0-url": "javascript:alert(1)"}, "url", "web address"),
        ({"sources-0-date": "31/31/2024"}, "date", "Enter a date like 2024-03-31"),
        ({"provisions": ["999999"]}, "provisions", "That standard does not exist"),
        ({"co_authors": "@nobody-here"}, "co_authors", "No member with the handle @nobody-here"),
        ({"title": "x" * 201}, "title", "Keep the title under 200 characters"),
    ],
)
def test_bad_input_is_refused_and_keeps_what_was_typed(
    client: Client, author: User, topics, overrides: dict, field: str, message: str
) -> None:
    sign_in(client, author)
    data = form_data(topics, what_worked="Everything I typed stays here.", **overrides)
    response = client.post("/lessons/new/", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    assert "Everything I typed stays here." in page
    assert Lesson.objects.count() == 0


def test_a_refused_lesson_leaves_no_proposed_topic(
    client: Client, author: User, topics, monkeypatch: pytest.MonkeyPatch
) -> None:
    """New topic names are proposed inside the lesson's transaction, not before it."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise services.LessonError("Refused after the topics were proposed.")

    monkeypatch.setattr(services, "_set_co_authors", refuse)
    tags_before = Tag.objects.count()
    sign_in(client, author)
    response = client.post("/lessons/new/", form_data(topics, new_topics="Kettling"))
    assert response.status_code == 400
    assert "Refused after the topics were proposed." in response.content.decode()
    assert Lesson.objects.count() == 0
    assert Tag.objects.count() == tags_before


def test_a_reviewer_cannot_edit_a_lesson_in_review_that_is_not_theirs(
    client: Client, author: User, expert: User, make_lesson, topics
) -> None:
    lesson = make_lesson(author, state=LessonState.IN_REVIEW)
    sign_in(client, expert)
    assert client.get(f"/lessons/{lesson.pk}/edit/").status_code == 404
    response = client.post(f"/lessons/{lesson.pk}/edit/", form_data(topics), follow=True)
    assert "Only the authors can edit this lesson" in response.content.decode()
    lesson.refresh_from_db()
    assert lesson.title == "Negotiating with protest organisers before the march"


def test_publishing_without_being_a_reviewer_is_refused(
    client: Client, author: User, member: User, make_lesson
) -> None:
    lesson = make_lesson(author, state=LessonState.IN_REVIEW)
    co_author_lesson = make_lesson(author, state=LessonState.IN_REVIEW, co_authors=[member])
    sign_in(client, author)
    response = client.post(f"/lessons/{lesson.pk}/act/", {"action": "publish"})
    assert response.status_code == 400
    assert "You cannot do that with this lesson" in response.content.decode()
    sign_in(client, member)
    response = client.post(f"/lessons/{co_author_lesson.pk}/act/", {"action": "publish"})
    assert response.status_code == 400
    assert Lesson.objects.filter(state=LessonState.PUBLISHED).count() == 0


def test_asking_for_changes_needs_a_comment_and_keeps_it_on_error(
    client: Client, author: User, expert: User, make_lesson
) -> None:
    lesson = make_lesson(author, state=LessonState.IN_REVIEW)
    sign_in(client, expert)
    response = client.post(f"/lessons/{lesson.pk}/act/", {"action": "request_changes"})
    assert response.status_code == 400
    assert "Write a comment for the authors first" in response.content.decode()
    response = client.post(
        f"/lessons/{lesson.pk}/act/",
        {"action": "request_changes", "comment": "Please add the date of the march."},
    )
    assert response.status_code == 302
    lesson.refresh_from_db()
    assert lesson.state == LessonState.DRAFT
    sign_in(client, author)
    page = client.get(lesson.get_absolute_url()).content.decode()
    assert "Please add the date of the march." in page


def test_edit_after_publication_has_history_with_diff_and_restore(
    client: Client, author: User, make_lesson, topics
) -> None:
    lesson = make_lesson(author, state=LessonState.PUBLISHED, tags=[topics[0]])
    sign_in(client, author)
    edit = client.get(f"/lessons/{lesson.pk}/edit/").content.decode()
    assert "Negotiating with protest organisers" in edit
    response = client.post(
        f"/lessons/{lesson.pk}/edit/",
        form_data(topics, title="Negotiating a march route with organisers"),
    )
    assert response.status_code == 302
    assert LessonRevision.objects.filter(lesson=lesson).count() == 1
    history = client.get(f"/lessons/{lesson.pk}/history/").content.decode()
    assert "<del>Negotiating with protest organisers before the march</del>" in history
    assert "<ins>Negotiating a march route with organisers</ins>" in history
    revision = LessonRevision.objects.get(lesson=lesson)
    client.post(f"/lessons/{lesson.pk}/history/{revision.pk}/restore/")
    lesson.refresh_from_db()
    assert lesson.title == "Negotiating with protest organisers before the march"
    assert LessonRevision.objects.filter(lesson=lesson).count() == 2


def test_expert_retags_a_published_lesson(
    client: Client, expert: User, make_lesson, topics, make_provision
) -> None:
    lesson = make_lesson(state=LessonState.PUBLISHED, tags=[topics[0]])
    provision = make_provision()
    sign_in(client, expert)
    response = client.post(
        f"/lessons/{lesson.pk}/topics/",
        {"topics": [topics[1].slug, topics[2].slug], "provisions": [provision.pk]},
    )
    assert response.status_code == 302
    assert sorted(t.slug for t in lesson.tags.all()) == sorted([topics[1].slug, topics[2].slug])
    assert list(lesson.provisions.all()) == [provision]
    assert LessonRevision.objects.get(lesson=lesson).note == "retag"


def test_follow_a_standard_and_hear_of_new_lessons(
    client: Client, member: User, author: User, expert: User, make_lesson, make_provision
) -> None:
    provision = make_provision()
    sign_in(client, member)
    response = client.post(f"/lessons/standards/{provision.instrument.slug}/{provision.pk}/follow/")
    assert response.status_code == 302
    lesson = make_lesson(author, provisions=[provision])
    services.transition(actor=author, lesson=lesson, action="submit")
    services.transition(actor=expert, lesson=lesson, action="publish")
    assert Notification.objects.filter(
        recipient=member, kind=NotificationKind.NEW_LESSON, url=lesson.get_absolute_url()
    ).exists()


def test_lists_filter_by_setting_country_and_standard(
    client: Client, member: User, make_lesson, make_provision
) -> None:
    provision = make_provision()
    detention = make_lesson(
        state=LessonState.PUBLISHED,
        title="Custody visits by independent monitors",
        setting=Setting.DETENTION,
        country="BR",
        provisions=[provision],
    )
    march = make_lesson(state=LessonState.PUBLISHED, title="A march kept peaceful", country="KE")
    sign_in(client, member)

    def titles(query: str) -> str:
        return client.get(f"/lessons/?{query}").content.decode()

    assert detention.title in titles("setting=detention")
    assert march.title not in titles("setting=detention")
    assert march.title in titles("country=KE") and detention.title not in titles("country=KE")
    assert detention.title in titles(f"standard={provision.pk}")
    assert march.title not in titles(f"standard={provision.pk}")


def test_lesson_list_queries_do_not_grow_with_rows(
    client: Client, member: User, make_lesson, topics, make_provision, django_assert_num_queries
) -> None:
    provision = make_provision()
    sign_in(client, member)

    def count_queries() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get("/lessons/").status_code == 200
        return len(queries)

    for _ in range(2):
        make_lesson(state=LessonState.PUBLISHED, tags=topics[:2], provisions=[provision])
    few = count_queries()
    for _ in range(18):
        make_lesson(state=LessonState.PUBLISHED, tags=topics[:2], provisions=[provision])
    assert count_queries() == few


def test_the_service_refuses_a_source_address_that_is_not_http(author: User, lesson_data) -> None:
    """The form checks the scheme; the service does too, as it is the last step before href."""
    data = lesson_data(sources=[services.SourceData(title="x", url="javascript:alert(1)")])
    with pytest.raises(services.LessonError, match="Only http and https"):
        services.create_lesson(author=author, data=data)
    assert Lesson.objects.count() == 0


@pytest.mark.parametrize("language", ["en", "nl", "fr", "es", "ar"])
def test_editing_a_lesson_keeps_its_source_dates_in_every_language(
    client: Client, make_user: Callable[..., User], make_lesson: Callable[..., Lesson], language
) -> None:
    # A date field sends and shows ISO dates whatever the interface language:
    # a French "17/09/2020" in value= is invalid HTML (the Nu checker found
    # it), the browser shows the field empty, and saving the form loses the date.
    author = make_user(language=language)
    lesson = make_lesson(
        author,
        sources=[services.SourceData(title="Report", date=datetime.date(2020, 9, 17))],
    )
    sign_in(client, author)

    page = client.get(f"/lessons/{lesson.pk}/edit/").content.decode()

    assert 'type="date" name="sources-0-date" value="2020-09-17"' in page
