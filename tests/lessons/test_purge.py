"""Moderators purge a version of a lesson: its text leaves the database and every copy.

As tests/forum/test_purge.py: a canary word in the title and the text is
copied where the network copies text (notifications, email, the audit log,
the search index, rendered rows), the lesson is redacted by an edit, the
version before is purged, and the word is looked for in every table
(tests/canary.py) and in the author's export. Run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest
from django.test import Client

from lessons import services
from lessons.models import LessonRevision, LessonState
from lessons.search import search_lessons
from members.models import AuditEntry
from notifications import outbox
from notifications.models import NotificationPreference
from notifications.services import follow
from tests.canary import export_holds, fragments_holding, tables_holding
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

CANARY = "zqxmarigold"


@pytest.fixture
def redacted(client: Client, make_user, make_lesson, lesson_data, expert, moderator, topics):
    author = make_user()
    follower = make_user()
    NotificationPreference.objects.create(member=author, kind="review", delivery="email")
    follow(follower=follower, target=topics[0])
    lesson = make_lesson(
        author,
        state=LessonState.IN_REVIEW,
        title=f"Liaison with {CANARY} at the march",
        what_happened=f"{CANARY} met the organisers.",
        tags=topics[:1],
    )
    services.transition(actor=expert, lesson=lesson, action="publish")
    outbox.send_digests()
    client.force_login(make_user())
    assert CANARY.encode() in client.get(lesson.get_absolute_url()).content
    lesson.refresh_from_db()
    services.edit_lesson(
        editor=moderator,
        lesson=lesson,
        data=lesson_data(
            title="Liaison with [name removed] at the march",
            what_happened="[name removed] met the organisers.",
            tags=topics[:1],
        ),
    )
    client.logout()
    assert tables_holding(CANARY), "the scenario must have copied the canary"
    return {"lesson": lesson, "author": author}


def test_purging_a_lesson_revision_leaves_no_copy_of_its_text_anywhere(
    client: Client, redacted, moderator
) -> None:
    lesson = redacted["lesson"]
    revision = LessonRevision.objects.get(lesson=lesson)
    sign_in(client, moderator)
    response = client.post(
        f"/lessons/{lesson.pk}/history/{revision.pk}/purge/", {"reason": "Names a witness"}
    )
    assert response.status_code == 302
    assert tables_holding(CANARY) == []
    assert fragments_holding(CANARY) == 0
    assert not export_holds(redacted["author"], CANARY)
    assert search_lessons(CANARY, moderator).total == 0
    history = client.get(f"/lessons/{lesson.pk}/history/")
    assert CANARY.encode() not in history.content
    assert b"purged by a moderator" in history.content
    entry = AuditEntry.objects.get(action=AuditEntry.Action.PURGE_LESSON_REVISION)
    assert entry.actor == moderator
    assert str(revision.pk) in entry.detail and "Names a witness" in entry.detail


def test_a_lesson_purge_needs_a_reason_and_a_moderator(client: Client, redacted, moderator) -> None:
    lesson = redacted["lesson"]
    revision = LessonRevision.objects.get(lesson=lesson)
    url = f"/lessons/{lesson.pk}/history/{revision.pk}/purge/"
    client.force_login(redacted["author"])
    assert client.post(url, {"reason": "Mine"}).status_code == 403
    sign_in(client, moderator)
    page = client.get(url)
    assert page.status_code == 200 and b'name="reason"' in page.content
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 400
    assert b"Say why, for the audit log." in refused.content
    revision.refresh_from_db()
    assert not revision.is_purged


def test_a_purged_lesson_revision_cannot_be_restored(client: Client, redacted, moderator):
    lesson = redacted["lesson"]
    revision = LessonRevision.objects.get(lesson=lesson)
    services.purge_revision(actor=moderator, revision=revision, reason="Names a witness")
    sign_in(client, moderator)
    assert client.post(f"/lessons/{lesson.pk}/history/{revision.pk}/restore/").status_code == 404
    with pytest.raises(services.LessonError):
        services.restore_revision(actor=moderator, lesson=lesson, revision=revision)
