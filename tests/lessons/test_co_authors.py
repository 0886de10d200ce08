"""Co-authors confirm before their name goes on a lesson (lessons.services, CoAuthorInvitation).

An author names co-authors; each is invited and notified, reads the lesson,
and accepts or declines. Until they accept they appear nowhere (page, lists,
feed, export, data export) and have no author's rights; a decline is final
for that lesson; an author may withdraw an unanswered invitation.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from django.test import Client

from lessons import services
from lessons.models import CoAuthorInvitation, Lesson, LessonAuthor, LessonState
from lessons.notification_kinds import NotificationKind
from members.models import User
from notifications.models import Notification
from tests.lessons.test_pages import form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def author(make_user: Callable[..., User]) -> User:
    return make_user(display_name="Ana Author", handle="ana-author")


@pytest.fixture
def cora(make_user: Callable[..., User]) -> User:
    return make_user(display_name="Cora Invited", handle="cora")


def write_lesson(client: Client, author: User, topics, **fields: object) -> Lesson:
    client.force_login(author)
    response = client.post("/lessons/new/", form_data(topics, **fields))
    assert response.status_code == 302, response.content.decode()[:2000]
    return Lesson.objects.latest("pk")


def publish(lesson: Lesson) -> None:
    Lesson.objects.filter(pk=lesson.pk).update(state=LessonState.PUBLISHED)


def answer(client: Client, member: User, lesson: Lesson, choice: str):
    client.force_login(member)
    return client.post(f"/lessons/{lesson.pk}/co-author/", {"answer": choice})


def test_a_named_co_author_appears_nowhere_until_they_accept(
    client: Client, author: User, cora: User, member: User, topics
) -> None:
    lesson = write_lesson(client, author, topics, co_authors="@cora")
    publish(lesson)
    assert not LessonAuthor.objects.filter(lesson=lesson, member=cora).exists()
    (invited,) = Notification.objects.filter(recipient=cora, kind=NotificationKind.CO_AUTHOR)
    assert invited.url == f"/lessons/{lesson.pk}/co-author/"
    assert invited.text == f"Ana Author asks you to co-author “{lesson.title}”"

    client.force_login(member)
    for url in [
        lesson.get_absolute_url(),
        f"/lessons/{lesson.pk}/export.md",
        f"/lessons/{lesson.pk}/print/",
        "/lessons/",
    ]:
        assert "Cora Invited" not in client.get(url).content.decode(), url
    client.force_login(cora)
    assert "Cora Invited" not in client.get("/lessons/feed/").content.decode()
    exported = json.loads(client.post("/members/me/data/").content)
    assert exported["lessons"] == []
    assert exported["co_author_invitations"] == [
        {
            "lesson": {"id": lesson.pk, "title": lesson.title},
            "state": "pending",
            "invited_at": exported["co_author_invitations"][0]["invited_at"],
            "answered_at": None,
        }
    ]
    # No author's rights before accepting.
    assert client.get(f"/lessons/{lesson.pk}/edit/").status_code == 404
    assert client.get(f"/lessons/{lesson.pk}/history/").status_code == 404

    response = answer(client, cora, lesson, "accept")
    assert response.status_code == 302 and response.url == lesson.get_absolute_url()
    assert list(lesson.authorships.values_list("member__handle", flat=True)) == [
        "ana-author",
        "cora",
    ]
    assert not CoAuthorInvitation.objects.exists()
    assert client.get(f"/lessons/{lesson.pk}/edit/").status_code == 200
    client.force_login(member)
    assert "Cora Invited" in client.get(lesson.get_absolute_url()).content.decode()
    assert "Cora Invited" in client.get(f"/lessons/{lesson.pk}/export.md").content.decode()
    told = Notification.objects.get(recipient=author, kind=NotificationKind.CO_AUTHOR)
    assert told.text == f"Cora Invited is now a co-author of “{lesson.title}”"


def test_the_invited_member_answers_without_javascript_from_three_places(
    client: Client, author: User, cora: User, topics
) -> None:
    lesson = write_lesson(client, author, topics, co_authors="@cora")  # a draft
    client.force_login(cora)
    buttons = re.compile(
        rf'<form method="post" action="/lessons/{lesson.pk}/co-author/"[^>]*>\s*'
        r'<input type="hidden" name="csrfmiddlewaretoken"[^>]*>\s*'
        r'<button type="submit" name="answer" value="accept">Accept</button>\s*'
        r'<button type="submit" name="answer" value="decline"'
    )
    page = client.get(f"/lessons/{lesson.pk}/co-author/")
    assert page.status_code == 200 and buttons.search(page.content.decode())
    assert "<bdi>Ana Author</bdi> asks you to co-author this lesson." in page.content.decode()
    # The draft they are asked to sign, with the same buttons.
    detail = client.get(lesson.get_absolute_url())
    assert detail.status_code == 200 and buttons.search(detail.content.decode())
    assert f"/lessons/{lesson.pk}/co-author/" in client.get("/lessons/mine/").content.decode()
    assert "Ana Author asks you to co-author" in client.get("/notifications/").content.decode()
    notification = Notification.objects.get(recipient=cora)
    opened = client.post(f"/notifications/{notification.pk}/open/")
    assert opened.status_code == 302 and opened.url == f"/lessons/{lesson.pk}/co-author/"
    # The author sees who was asked and what they answered.
    client.force_login(author)
    html = client.get(lesson.get_absolute_url()).content.decode()
    assert (
        '<bdi>Cora Invited</bdi> (<span class="handle" dir="ltr">@cora</span>): '
        "Waiting for an answer" in html
    )
    assert 'value="@cora"' in client.get(f"/lessons/{lesson.pk}/edit/").content.decode()
    # No answer chosen: the page again, with the reason.
    client.force_login(cora)
    refused = client.post(f"/lessons/{lesson.pk}/co-author/", {})
    assert refused.status_code == 400


def test_a_decline_keeps_the_name_off_and_the_lesson_cannot_invite_them_again(
    client: Client, author: User, cora: User, topics
) -> None:
    lesson = write_lesson(client, author, topics, co_authors="@cora")
    response = answer(client, cora, lesson, "decline")
    assert response.status_code == 302 and response.url == "/lessons/mine/"
    assert list(lesson.authorships.values_list("member__handle", flat=True)) == ["ana-author"]
    assert CoAuthorInvitation.objects.get().state == CoAuthorInvitation.State.DECLINED
    # Nothing left to answer; the draft is closed to them again.
    assert client.get(f"/lessons/{lesson.pk}/co-author/").status_code == 404
    assert client.get(lesson.get_absolute_url()).status_code == 404
    assert answer(client, cora, lesson, "accept").status_code == 404

    client.force_login(author)
    assert (
        '(<span class="handle" dir="ltr">@cora</span>): Declined'
        in client.get(lesson.get_absolute_url()).content.decode()
    )
    again = client.post(
        f"/lessons/{lesson.pk}/edit/", form_data(topics, co_authors="@cora", title="Retitled")
    )
    assert again.status_code == 400
    html = again.content.decode()
    assert "@cora declined to co-author this lesson and cannot be invited again." in html
    assert 'value="Retitled"' in html  # what was typed is kept
    lesson.refresh_from_db()
    assert lesson.title != "Retitled"
    assert Notification.objects.filter(recipient=cora).count() == 1


def test_the_author_withdraws_an_unanswered_invitation_and_its_notification(
    client: Client, author: User, cora: User, make_user, topics
) -> None:
    other = make_user(handle="otto")
    lesson = write_lesson(client, author, topics, co_authors="@cora, @otto")
    assert CoAuthorInvitation.objects.count() == 2
    response = client.post(f"/lessons/{lesson.pk}/edit/", form_data(topics, co_authors="@otto"))
    assert response.status_code == 302
    assert list(CoAuthorInvitation.objects.values_list("member__handle", flat=True)) == ["otto"]
    assert not Notification.objects.filter(recipient=cora).exists()
    assert Notification.objects.filter(recipient=other).count() == 1  # not asked twice
    client.force_login(cora)
    assert client.get(f"/lessons/{lesson.pk}/co-author/").status_code == 404
    assert client.get(lesson.get_absolute_url()).status_code == 404


def test_a_confirmed_co_author_can_be_removed_and_then_invited_afresh(
    client: Client, author: User, cora: User, topics
) -> None:
    lesson = write_lesson(client, author, topics, co_authors="@cora")
    answer(client, cora, lesson, "accept")
    client.force_login(author)
    client.post(f"/lessons/{lesson.pk}/edit/", form_data(topics, co_authors=""))
    assert list(lesson.authorships.values_list("member__handle", flat=True)) == ["ana-author"]
    client.post(f"/lessons/{lesson.pk}/edit/", form_data(topics, co_authors="@cora"))
    assert list(lesson.authorships.values_list("member__handle", flat=True)) == ["ana-author"]
    assert CoAuthorInvitation.objects.get().member == cora


def test_an_answered_or_withdrawn_invitation_cannot_be_answered(
    author: User, cora: User, lesson_data
) -> None:
    lesson = services.create_lesson(author=author, data=lesson_data(co_authors=[cora]))
    services.answer_invitation(member=cora, lesson=lesson, accept=True)
    with pytest.raises(services.LessonError, match="withdrawn or has been answered"):
        services.answer_invitation(member=cora, lesson=lesson, accept=False)
    assert lesson.authorships.filter(member=cora).exists()
    stranger = services.create_lesson(author=author, data=lesson_data())
    with pytest.raises(services.LessonError):
        services.answer_invitation(member=cora, lesson=stranger, accept=True)
    assert not stranger.authorships.filter(member=cora).exists()


def test_an_invitation_keeps_its_address_after_a_purge_and_can_still_be_withdrawn(
    client: Client, author: User, cora: User, moderator: User, topics
) -> None:
    from lessons.models import LessonRevision

    lesson = write_lesson(client, author, topics, co_authors="@cora", title="Named officer zebra")
    publish(lesson)  # a published lesson's edits keep the earlier version
    response = client.post(
        f"/lessons/{lesson.pk}/edit/",
        form_data(topics, co_authors="@cora", title="Officer at the march"),
    )
    assert response.status_code == 302
    old = LessonRevision.objects.filter(lesson=lesson).order_by("pk").first()
    services.purge_revision(actor=moderator, revision=old, reason="names an officer")
    (invited,) = Notification.objects.filter(recipient=cora, kind=NotificationKind.CO_AUTHOR)
    assert invited.url == f"/lessons/{lesson.pk}/co-author/"
    assert "zebra" not in invited.text
    client.force_login(author)
    client.post(
        f"/lessons/{lesson.pk}/edit/",
        form_data(topics, co_authors="", title="Officer at the march"),
    )
    assert not Notification.objects.filter(recipient=cora).exists()


def test_the_acceptance_notice_goes_with_the_lesson(
    client: Client, author: User, cora: User, topics
) -> None:
    from notifications.services import forget_notifications_about

    lesson = write_lesson(client, author, topics, co_authors="@cora")
    answer(client, cora, lesson, "accept")
    assert Notification.objects.filter(recipient=author, kind=NotificationKind.CO_AUTHOR).exists()
    forget_notifications_about(model=Lesson, ids=[lesson.pk])
    assert not Notification.objects.filter(recipient=author, kind=NotificationKind.CO_AUTHOR)
