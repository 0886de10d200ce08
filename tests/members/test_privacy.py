"""Privacy: download all my data, delete my account, IP addresses, sessions, noindex."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from forum import search as forum_search
from forum import services as forum_services
from forum.models import HelpfulMark, Post, PostRevision
from lessons import search as lesson_search
from lessons import services as lesson_services
from lessons.models import Lesson, LessonAuthor, LessonState, Source, Transition
from members.models import (
    AuditEntry,
    Invitation,
    Profile,
    SpokenLanguage,
    Tag,
    TaggedItem,
    User,
    Visibility,
)
from members.privacy import NO_ADDRESS
from members.services import create_invitation, set_role
from network.privacy import delete_account, export_member_data
from notifications import services as notifications
from notifications.models import Follow, Notification, NotificationPreference, OutboxEmail
from tests.conftest import TEST_PASSWORD, sign_in

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"


def log_in(member: User, user_agent: str = BROWSER, address: str = "203.0.113.7") -> Client:
    """A login through allauth, as a browser does it (this records the session)."""
    client = Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=address)
    response = client.post("/accounts/login/", {"login": member.email, "password": TEST_PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def write_lesson(author: User, *, co_authors: list[User] | None = None, **fields: object) -> Lesson:
    data = {
        "title": "Negotiating with protest organisers before the march",
        "summary": "Talking to organisers the day before kept the march peaceful.",
        "setting": "demonstration",
        "what_happened": "The police met the organisers and agreed a route.",
        "co_authors": co_authors,
        "sources": [lesson_services.SourceData(title="Monitoring report", url="https://a.example")],
    }
    state = fields.pop("state", LessonState.DRAFT)
    data.update(fields)
    lesson = lesson_services.create_lesson(author=author, data=lesson_services.LessonData(**data))
    # Co-authors are asked first; these said yes.
    for co_author in co_authors or []:
        lesson_services.answer_invitation(member=co_author, lesson=lesson, accept=True)
    Lesson.objects.filter(pk=lesson.pk).update(
        state=state,
        published_at=timezone.now() if state != LessonState.DRAFT else None,
    )
    lesson.refresh_from_db()
    return lesson


@pytest.fixture
def moderator(make_user: Callable[..., User]) -> User:
    user = make_user(is_moderator=True, display_name="Mod Erator")
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    return user


# --- Download all my data ---------------------------------------------------------


def test_data_page_explains_and_downloads_an_attachment_that_is_never_cached(
    client: Client, member: User
) -> None:
    sign_in(client, member)
    page = client.get("/members/me/data/")
    assert page.status_code == 200
    assert "Download my data" in page.content.decode()

    response = client.post("/members/me/data/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    today = timezone.now().strftime("%Y-%m-%d")
    assert response["Content-Disposition"] == f'attachment; filename="network-data-{today}.json"'
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["account"]["email"] == member.email
    assert data["account"]["handle"] == member.handle


def test_export_holds_every_kind_of_data_and_nothing_private_of_others(
    make_user: Callable[..., User], make_thread, topics: list[Tag], moderator: User
) -> None:
    member = make_user(display_name="Rights Watcher")
    other = make_user(display_name="Other Person", email="other.person@example.org")
    log_in(member)
    Authenticator.objects.create(
        user=member, type=Authenticator.Type.TOTP, data={"secret": "SECRETSECRETSECR"}
    )
    profile = Profile.objects.get(user=member)
    profile.bio, profile.bio_visibility = "I watch protests.", Visibility.PUBLIC
    profile.organisation = "Watch Group"
    profile.save()
    SpokenLanguage.objects.create(profile=profile, code="sw")
    profile.expertise.set([topics[0]])

    thread = make_thread(member, title="Kettling at the march: how to document it")
    opening = thread.posts.get()
    forum_services.edit_post(editor=member, post=opening, body="Revised question text.")
    others_thread = make_thread(other, title="Body cameras in custody suites")
    answer = forum_services.create_reply(
        author=member, thread=others_thread, body="My answer here."
    )
    forum_services.mark_helpful(member=member, post=others_thread.posts.get(is_opening=True))
    forum_services.flag_post(
        reporter=member, post=others_thread.posts.get(is_opening=True), reason="safety", note="n1"
    )
    lesson = write_lesson(other, co_authors=[member], title="Liaison officers at marches")
    lesson_services.transition(actor=member, lesson=lesson, action="submit")
    notifications.follow(follower=member, target=topics[1])
    notifications.follow(follower=member, target=other)
    NotificationPreference.objects.create(member=member, kind="reply", delivery="off")
    create_invitation(inviter=member, note="for my colleague")
    set_role(actor=moderator, member=member, role="expert", granted=True)

    data = export_member_data(member)

    assert data["profile"]["bio"] == "I watch protests."
    assert data["profile"]["who_can_see"]["bio"] == "public"
    assert data["profile"]["who_can_see"]["organisation"] == "members"
    assert data["profile"]["languages"] == ["sw"]
    assert data["profile"]["expertise"] == [topics[0].name]
    assert [t["title"] for t in data["threads"]] == ["Kettling at the march: how to document it"]
    posts = {p["id"]: p for p in data["posts"]}
    assert posts[opening.pk]["text"] == "Revised question text."
    assert posts[opening.pk]["revisions"][0]["text"].startswith("We saw police")
    assert posts[opening.pk]["revisions"][0]["edited_by"] == "you"
    assert posts[answer.pk]["thread"]["title"] == "Body cameras in custody suites"
    assert data["helpful_marks_given"][0]["thread"] == "Body cameras in custody suites"
    assert data["flags_filed"][0]["note"] == "n1"
    [lesson_row] = data["lessons"]
    assert lesson_row["title"] == "Liaison officers at marches"
    assert lesson_row["authors"] == ["Other Person", "you"]
    assert lesson_row["sources"][0]["title"] == "Monitoring report"
    assert data["lesson_steps_taken"][0]["action"] == "submit"
    assert {f["kind"] for f in data["follows"]} >= {"tag", "user", "thread"}
    assert data["notification_preferences"]["reply"] == "off"
    assert data["notification_preferences"]["mention"] == "email"  # the default
    assert any("expert badge" in n["text"] for n in data["notifications"])
    assert data["invitations_created"][0]["note"] == "for my colleague"
    [entry] = data["audit_log_about_you"]
    assert (entry["action"], entry["by"]) == ("grant_expert", "a moderator")
    assert data["account"]["two_factor_authentication"][0]["type"] == "totp"
    assert data["sessions"][0]["browser"] == BROWSER

    dumped = json.dumps(data)
    assert "other.person@example.org" not in dumped
    assert moderator.email not in dumped and "Mod Erator" not in dumped
    assert "SECRETSECRETSECR" not in dumped
    assert "203.0.113.7" not in dumped and NO_ADDRESS not in dumped
    assert Invitation.objects.get(created_by=member).token not in dumped


def test_export_runs_the_same_queries_however_much_was_written(
    make_user: Callable[..., User], make_thread
) -> None:
    def queries_for(posts: int) -> int:
        member = make_user()
        thread = make_thread(member)
        for n in range(posts):
            post = forum_services.create_reply(author=member, thread=thread, body=f"reply {n}")
            forum_services.edit_post(editor=member, post=post, body=f"reply {n}, edited")
        with CaptureQueriesContext(connection) as captured:
            export_member_data(member)
        return len(captured)

    assert queries_for(2) == queries_for(12)


# --- Delete my account --------------------------------------------------------------


def delete_through_page(client: Client, member: User, contributions: str) -> None:
    response = client.post(
        "/members/me/delete/",
        {"contributions": contributions, "handle": member.handle, "password": TEST_PASSWORD},
    )
    assert response.status_code == 302, response.content.decode()[:1000]
    assert response["Location"] == "/"


def test_deleting_needs_the_password_and_the_handle(client: Client, member: User) -> None:
    sign_in(client, member)
    assert client.get("/members/me/delete/").status_code == 200
    wrong_password = client.post(
        "/members/me/delete/",
        {"contributions": "keep", "handle": member.handle, "password": "not it at all"},
    )
    wrong_handle = client.post(
        "/members/me/delete/",
        {"contributions": "keep", "handle": "someone-else", "password": TEST_PASSWORD},
    )
    no_choice = client.post(
        "/members/me/delete/", {"handle": member.handle, "password": TEST_PASSWORD}
    )
    assert "This is not your password." in wrong_password.content.decode()
    assert "This is not your handle." in wrong_handle.content.decode()
    assert no_choice.status_code == 200
    assert User.objects.filter(pk=member.pk).exists()


def test_delete_keeping_contributions_leaves_them_to_a_former_member(
    make_user: Callable[..., User], make_thread, topics: list[Tag], moderator: User
) -> None:
    member = make_user(display_name="Rights Watcher")
    other = make_user(display_name="Other Person")
    profile = Profile.objects.get(user=member)
    SpokenLanguage.objects.create(profile=profile, code="sw")
    profile.expertise.set([topics[0]])
    thread = make_thread(member, title="Kettling at the march: how to document it")
    others_thread = make_thread(other, title="Body cameras in custody suites")
    answer = forum_services.create_reply(
        author=member, thread=others_thread, body="My answer here."
    )
    others_opening = others_thread.posts.get(is_opening=True)
    forum_services.mark_helpful(member=member, post=others_opening)
    forum_services.create_reply(author=other, thread=thread, body="A reply from someone else.")
    published = write_lesson(member, state=LessonState.PUBLISHED, title="Published lesson alone")
    draft = write_lesson(member, title="Draft lesson alone")
    shared = write_lesson(other, co_authors=[member], title="Lesson written together")
    notifications.follow(follower=member, target=topics[1])
    notifications.follow(follower=other, target=member)
    create_invitation(inviter=member, note="for my colleague")
    set_role(actor=moderator, member=member, role="expert", granted=True)
    OutboxEmail.objects.create(recipient=member, subject="s", body="b")
    client, elsewhere = log_in(member), log_in(member, user_agent="Phone browser")
    Authenticator.objects.create(
        user=member, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    member_pk = member.pk

    delete_through_page(client, member, "keep")

    assert not User.objects.filter(pk=member_pk).exists()
    assert not EmailAddress.objects.filter(email=member.email).exists()
    for model, field in [
        (Profile, "user_id"),
        (Authenticator, "user_id"),
        (Invitation, "created_by_id"),
        (Notification, "recipient_id"),
        (OutboxEmail, "recipient_id"),
        (UserSession, "user_id"),
        (Follow, "follower_id"),
        (HelpfulMark, "member_id"),
        (LessonAuthor, "member_id"),
    ]:
        assert not model.objects.filter(**{field: member_pk}).exists(), model
    assert not SpokenLanguage.objects.filter(profile__user_id=member_pk).exists()
    assert not TaggedItem.objects.filter(
        content_type__model="profile", object_id=profile.pk
    ).exists()
    assert not Follow.objects.filter(content_type__model="user", object_id=member_pk).exists()
    entry = AuditEntry.objects.get(action="grant_expert")
    assert (entry.target_id, entry.detail, entry.actor_id) == (None, "", moderator.pk)
    assert AuditEntry.objects.get(action="invite").detail == ""
    # What they wrote stays, by "a former member".
    thread.refresh_from_db()
    answer.refresh_from_db()
    assert thread.author_id is None and thread.title.startswith("Kettling")
    assert answer.author_id is None and answer.body == "My answer here." and not answer.is_deleted
    others_opening.refresh_from_db()
    others_thread.refresh_from_db()
    assert others_opening.helpful_count == 0 and others_thread.helpful_count == 0
    assert others_thread.reply_count == 1
    assert Lesson.objects.filter(pk=published.pk).exists()
    assert not Lesson.objects.filter(pk=draft.pk).exists()
    assert list(shared.authorships.values_list("member_id", flat=True)) == [other.pk]
    # Nobody can log in as them, and every session of theirs has ended.
    assert not Client().login(email=member.email, password=TEST_PASSWORD)
    assert elsewhere.get("/forum/")["Location"].startswith("/accounts/login/")
    # Other members see "a former member" where the name was.
    reader = Client()
    sign_in(reader, other)
    page = reader.get(thread.get_absolute_url()).content.decode()
    assert "a former member" in page and "Rights Watcher" not in page
    assert "a former member" in reader.get(published.get_absolute_url()).content.decode()
    texts = list(Notification.objects.filter(recipient=other).values_list("text", flat=True))
    assert texts and not any("Rights Watcher" in text for text in texts)


def test_delete_removing_contributions_erases_the_text_everywhere(
    make_user: Callable[..., User], make_thread, settings
) -> None:
    member = make_user(display_name="Rights Watcher")
    other = make_user(display_name="Other Person")
    discussed = make_thread(member, title="Kettling at the march: zebrafinch")
    forum_services.create_reply(author=other, thread=discussed, body="Someone else's reply stays.")
    lonely = make_thread(member, title="A question nobody answered: zebrafinch")
    others_thread = make_thread(other, title="Body cameras in custody suites")
    answer = forum_services.create_reply(
        author=member, thread=others_thread, body="zebrafinch answer"
    )
    forum_services.edit_post(editor=member, post=answer, body="zebrafinch answer, edited")
    forum_services.accept_answer(actor=other, post=answer)
    forum_services.mark_helpful(member=other, post=answer)
    alone = write_lesson(
        member, state=LessonState.PUBLISHED, title="zebrafinch lesson", what_happened="zebrafinch"
    )
    Lesson.objects.filter(pk=alone.pk).update(is_public=True)
    shared = write_lesson(other, co_authors=[member], title="Lesson written together")
    lesson_services.transition(actor=other, lesson=shared, action="submit")
    lesson_services.transition(
        actor=member, lesson=shared, action="comment", comment="zebrafinch remark"
    )
    flag = forum_services.flag_post(
        reporter=member,
        post=others_thread.posts.get(is_opening=True),
        reason="safety",
        note="zebrafinch note",
    )
    assert len(forum_search.search_posts("zebrafinch")) == 3
    assert len(lesson_search.search_lessons("zebrafinch", other).hits) == 1
    own_posts = list(Post.objects.filter(author=member).values_list("pk", flat=True))

    delete_account(member, keep_contributions=False)

    for post in Post.objects.filter(pk__in=own_posts):
        assert post.is_deleted and post.author_id is None
        assert "zebrafinch" not in post.body + post.body_html + post.body_text
        assert post.body == "[removed at the author's request]"
    assert not PostRevision.objects.filter(post_id__in=own_posts).exists()
    assert len(forum_search.search_posts("zebrafinch")) == 0
    assert len(lesson_search.search_lessons("zebrafinch", other).hits) == 0
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM forum_post_fts WHERE forum_post_fts MATCH 'zebrafinch'"
            )
            assert cursor.fetchone()[0] == 0
    # The conversation stays readable; a thread nobody answered goes.
    discussed.refresh_from_db()
    lonely.refresh_from_db()
    others_thread.refresh_from_db()
    assert not discussed.is_deleted and "zebrafinch" not in discussed.title
    assert discussed.reply_count == 1
    assert lonely.is_deleted and "zebrafinch" not in lonely.title
    assert others_thread.reply_count == 0 and others_thread.helpful_count == 0
    assert others_thread.accepted_post_id is None
    assert Post.objects.get(thread=discussed, author=other).body == "Someone else's reply stays."
    reader = Client()
    sign_in(reader, other)
    page = reader.get(discussed.get_absolute_url())
    assert page.status_code == 200 and "Someone else's reply stays." in page.content.decode()
    # Lessons: the one written alone goes, the shared one stays with its co-author.
    assert not Lesson.objects.filter(pk=alone.pk).exists()
    assert Source.objects.filter(lesson_id=alone.pk).count() == 0
    assert list(shared.authorships.values_list("member_id", flat=True)) == [other.pk]
    comment = Transition.objects.get(lesson=shared, action="comment")
    assert comment.actor_id is None and "zebrafinch" not in comment.comment + comment.comment_html
    flag.refresh_from_db()
    assert flag.reporter_id is None and flag.note == ""


def test_deleting_closes_the_members_sockets_after_commit(
    member: User, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    pushed: list[tuple[int, dict]] = []
    monkeypatch.setattr(
        notifications, "push_to_member", lambda member_id, event: pushed.append((member_id, event))
    )
    member_pk = member.pk
    with django_capture_on_commit_callbacks(execute=True):
        delete_account(member, keep_contributions=True)
    assert (member_pk, {"type": "session.end"}) in pushed


# --- IP addresses and sessions --------------------------------------------------------


def test_sessions_keep_no_ip_address_unless_asked(member: User, settings) -> None:
    log_in(member)
    assert UserSession.objects.get(user=member).ip == NO_ADDRESS
    settings.RECORD_SESSION_IPS = True
    log_in(member, user_agent="Other browser")
    assert UserSession.objects.filter(user=member, ip="203.0.113.7").count() == 1


def test_purge_ips_blanks_old_addresses_and_keeps_recent_ones(
    make_user: Callable[..., User], settings
) -> None:
    settings.RECORD_SESSION_IPS = True
    settings.IP_RETENTION_DAYS = 14
    old_member, recent_member = make_user(), make_user()
    log_in(old_member)
    log_in(recent_member)
    UserSession.objects.filter(user=old_member).update(
        last_seen_at=timezone.now() - timedelta(days=15)
    )
    UserSession.objects.filter(user=recent_member).update(
        last_seen_at=timezone.now() - timedelta(days=13)
    )

    out = io.StringIO()
    call_command("purge_ips", stdout=out)
    assert "blanked 1 IP address" in out.getvalue()

    assert UserSession.objects.get(user=old_member).ip == NO_ADDRESS
    assert UserSession.objects.get(user=recent_member).ip == "203.0.113.7"


def test_sessions_page_lists_browsers_but_no_address(member: User, settings) -> None:
    settings.RECORD_SESSION_IPS = True  # even a recorded address is not shown
    client = log_in(member)
    log_in(member, user_agent="Phone browser 1.0")
    page = client.get("/accounts/sessions/")
    html = page.content.decode()
    assert page.status_code == 200
    assert BROWSER in html and "Phone browser 1.0" in html
    assert "203.0.113.7" not in html
    assert "Log out everywhere else" in html
    assert '<meta name="robots" content="noindex">' in html


def test_sign_out_everywhere_else_ends_the_other_sessions_only(
    member: User, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    closed: list[str] = []
    monkeypatch.setattr(notifications, "push_to_session", lambda key, event: closed.append(key))
    here, phone = log_in(member), log_in(member, user_agent="Phone browser 1.0")
    phone_key = phone.session.session_key

    with django_capture_on_commit_callbacks(execute=True):
        response = here.post("/accounts/sessions/")

    assert response.status_code == 302
    assert phone.get("/forum/")["Location"].startswith("/accounts/login/")
    assert here.get("/forum/").status_code == 200
    assert list(UserSession.objects.filter(user=member).values_list("user_agent", flat=True)) == [
        BROWSER
    ]
    assert closed == [phone_key]


def test_pending_people_may_see_their_sessions_download_and_delete(
    make_user: Callable[..., User],
) -> None:
    person = make_user(status="pending", approved_at=None)
    client = log_in(person)
    assert client.get("/accounts/sessions/").status_code == 200
    assert client.post("/members/me/data/").status_code == 200
    delete_through_page(client, person, "remove")
    assert not User.objects.filter(pk=person.pk).exists()


# --- Search engines -------------------------------------------------------------------


def test_robots_txt_lets_crawlers_see_only_the_public_pages(client: Client) -> None:
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "Disallow: /" in lines
    assert {"Allow: /$", "Allow: /lessons/", "Disallow: /lessons/feed/"} <= set(lines)


def test_members_pages_are_never_indexed(client: Client, member: User) -> None:
    sign_in(client, member)
    for url in ["/", "/forum/", "/members/", f"/members/{member.handle}/", "/lessons/"]:
        response = client.get(url)
        assert response["X-Robots-Tag"] == "noindex", url
        assert '<meta name="robots" content="noindex">' in response.content.decode(), url


def test_public_profiles_are_never_indexed(client: Client, member: User) -> None:
    Profile.objects.filter(user=member).update(name_visibility=Visibility.PUBLIC)
    response = client.get(f"/members/{member.handle}/")
    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex"
    assert '<meta name="robots" content="noindex">' in response.content.decode()


def test_public_pages_are_indexable_for_visitors(client: Client, member: User) -> None:
    lesson = write_lesson(member, state=LessonState.PUBLISHED)
    Lesson.objects.filter(pk=lesson.pk).update(is_public=True)
    for url in ["/", "/lessons/", lesson.get_absolute_url(), "/lessons/standards/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "X-Robots-Tag" not in response, url
        assert 'name="robots"' not in response.content.decode(), url
    for url in ["/accounts/login/", "/forum/", "/lessons/999999/gone/"]:
        assert client.get(url)["X-Robots-Tag"] == "noindex", url
