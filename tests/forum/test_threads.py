"""Asking, answering, editing and accepting, through the pages members use."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client

from forum import services
from forum.models import HelpfulMark, Post, PostRevision, Thread, ThreadKind
from forum.notification_kinds import NotificationKind
from members.models import Status, Tag
from notifications.models import Notification
from notifications.services import follow
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def thread_form(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "title": "Is kettling a lawful way to contain a peaceful protest?",
        "kind": "question",
        "body": "Police held us for **five hours** without water.",
        "topics": ["public-assembly", "use-of-force"],
        "new_topics": "",
        "language": "en",
        "client_token": str(uuid.uuid4()),
    }
    data.update(overrides)
    return data


# --- Starting a thread -------------------------------------------------------------


def test_member_asks_a_tagged_question_and_follows_it(client: Client, member, topics) -> None:
    sign_in(client, member)
    response = client.post("/forum/new/", thread_form())
    thread = Thread.objects.get()
    assert response.status_code == 302
    assert response["Location"] == thread.get_absolute_url()
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "<strong>five hours</strong>" in page
    assert sorted(thread.tags.values_list("slug", flat=True)) == ["public-assembly", "use-of-force"]
    assert thread.kind == ThreadKind.QUESTION
    assert 'aria-pressed="true"' in page  # following it


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": ""}, "Give your thread a title."),
        ({"title": "x" * 300}, "Keep the title under 200 characters (it has 300)."),
        ({"topics": []}, "Choose between 1 and 5 topics (you chose 0)."),
        (
            {"topics": ["public-assembly", "use-of-force", "training", "firearms", "surveillance"],
             "new_topics": "Kettling"},
            "Choose between 1 and 5 topics (you chose 6).",
        ),
        ({"body": "b" * 200_000}, "Please keep it under 20000 characters (it has 200000)."),
        ({"new_topics": "<script>alert(1)</script>"}, "is not a usable topic name"),
        ({"body": ""}, "Write something first."),
    ],
)  # fmt: skip
def test_bad_thread_input_is_refused_with_a_message_and_the_text_kept(
    client: Client, member, topics, overrides: dict, message: str
) -> None:
    sign_in(client, member)
    tags_before = Tag.objects.count()
    data = thread_form(**overrides)
    response = client.post("/forum/new/", data)
    page = response.content.decode()
    assert response.status_code == 200
    assert message in page.replace("&#x27;", "'").replace("&quot;", '"')
    assert not Thread.objects.exists()
    assert Tag.objects.count() == tags_before
    # What the member typed is still in the form.
    if data["body"] and len(str(data["body"])) < 1000:
        assert str(data["body"]).replace("*", "") in page.replace("*", "")
    if data["title"] and len(str(data["title"])) < 250:
        assert str(data["title"]) in page


def test_a_new_topic_name_becomes_a_proposed_topic(client: Client, member, topics) -> None:
    sign_in(client, member)
    client.post(
        "/forum/new/", thread_form(topics=["training"], new_topics="Kettling, Body cameras")
    )
    thread = Thread.objects.get()
    proposed = Tag.objects.filter(is_official=False)
    assert sorted(proposed.values_list("name", flat=True)) == ["Body cameras", "Kettling"]
    assert set(proposed.values_list("proposed_by", flat=True)) == {member.pk}
    assert thread.tags.count() == 3


def test_a_refused_thread_leaves_no_proposed_topic(
    client: Client, member, topics, monkeypatch: pytest.MonkeyPatch
) -> None:
    """New topic names are proposed inside the thread's transaction, not before it."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise services.ForumError("Refused after the topics were proposed.")

    monkeypatch.setattr(services, "_notify_new_thread", refuse)
    tags_before = Tag.objects.count()
    sign_in(client, member)
    response = client.post("/forum/new/", thread_form(new_topics="Kettling"))
    assert "Refused after the topics were proposed." in response.content.decode()
    assert not Thread.objects.exists()
    assert Tag.objects.count() == tags_before


def test_the_same_form_posted_twice_makes_one_thread(client: Client, member, topics) -> None:
    sign_in(client, member)
    data = thread_form()
    first = client.post("/forum/new/", data)
    second = client.post("/forum/new/", data)
    assert Thread.objects.count() == 1 and Post.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_preview_renders_without_posting(client: Client, member, topics) -> None:
    sign_in(client, member)
    response = client.post("/forum/new/", {**thread_form(body="Hello *world*"), "preview": "1"})
    assert "<em>world</em>" in response.content.decode()
    assert not Thread.objects.exists()
    live = client.post("/forum/preview/", {"body": "<script>x</script> **bold**"})
    assert live.content.decode() == "<p>&lt;script&gt;x&lt;/script&gt; <strong>bold</strong></p>\n"


def test_pending_members_cannot_open_the_forum(client: Client, make_user) -> None:
    sign_in(client, make_user(status=Status.PENDING, approved_at=None))
    assert client.get("/forum/").status_code == 403
    assert client.post("/forum/new/", thread_form()).status_code == 403
    assert not Thread.objects.exists()


def test_banned_members_cannot_post_even_through_the_service(member, make_thread) -> None:
    thread = make_thread(member)
    member.is_banned, member.is_active = True, False
    member.save()
    with pytest.raises(services.ForumError):
        services.create_reply(author=member, thread=thread, body="still here?")
    with pytest.raises(services.ForumError):
        services.create_thread(
            author=member, title="A new thread", body="x", tags=list(thread.tags.all()),
            kind="question", language="en",
        )  # fmt: skip


# --- Replying -------------------------------------------------------------------


def test_reply_is_posted_counted_and_followed(client: Client, member, make_user, make_thread):
    asker = make_user()
    thread = make_thread(asker)
    sign_in(client, member)
    response = client.post(
        f"/forum/{thread.pk}/reply/", {"body": "Document times and unit numbers."}
    )
    post = Post.objects.get(is_opening=False)
    assert response["Location"] == f"/forum/posts/{post.pk}/"
    landing = client.get(response["Location"])
    assert landing["Location"] == f"{thread.get_absolute_url()}#post-{post.pk}"
    thread.refresh_from_db()
    assert thread.reply_count == 1
    assert thread.last_poster == member
    assert (
        "Document times and unit numbers." in client.get(thread.get_absolute_url()).content.decode()
    )
    # The asker follows their thread and hears of the reply.
    assert Notification.objects.filter(recipient=asker, kind=NotificationKind.REPLY).count() == 1


def test_a_failed_reply_keeps_the_text(client: Client, member, moderator, make_thread) -> None:
    thread = make_thread(moderator)
    services.switch_thread(actor=moderator, thread=thread, action="lock")
    sign_in(client, member)
    response = client.post(f"/forum/{thread.pk}/reply/", {"body": "My careful answer"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "This thread is locked" in page
    assert "My careful answer" in page
    assert Post.objects.filter(is_opening=False).count() == 0
    # Moderators may still reply in a locked thread.
    services.create_reply(author=moderator, thread=thread, body="Closing note")


def test_empty_and_huge_replies_are_refused(client: Client, member, make_thread) -> None:
    thread = make_thread(member)
    sign_in(client, member)
    assert (
        "Write something first."
        in client.post(f"/forum/{thread.pk}/reply/", {"body": ""}).content.decode()
    )
    response = client.post(f"/forum/{thread.pk}/reply/", {"body": "z" * 200_000})
    assert "Please keep it under 20000 characters" in response.content.decode()
    assert Post.objects.count() == 1


def test_double_submitted_reply_makes_one_post(client: Client, member, make_thread) -> None:
    thread = make_thread(member)
    sign_in(client, member)
    data = {"body": "Once only", "client_token": str(uuid.uuid4())}
    client.post(f"/forum/{thread.pk}/reply/", data)
    client.post(f"/forum/{thread.pk}/reply/", data)
    assert Post.objects.filter(body="Once only").count() == 1
    thread.refresh_from_db()
    assert thread.reply_count == 1


def test_quote_prefills_the_reply_box(client: Client, member, make_user, make_thread) -> None:
    author = make_user(handle="quoted-person")
    thread = make_thread(author, body="First line\nSecond line")
    sign_in(client, member)
    opening = thread.posts.get()
    page = client.get(f"{thread.get_absolute_url()}?quote={opening.pk}").content.decode()
    assert "@quoted-person wrote:\n&gt; First line\n&gt; Second line" in page


def test_mentions_link_to_profiles_and_notify_once(client: Client, member, expert, make_thread):
    thread = make_thread(member)
    follow(follower=expert, target=thread)
    post = services.create_reply(author=member, thread=thread, body="What do you think, @exa-pert?")
    assert (
        '<a href="/members/exa-pert/" rel="nofollow noopener ugc">@exa-pert</a>' in post.body_html
    )
    # Following the thread and being mentioned: one notification, the mention.
    kinds = list(Notification.objects.filter(recipient=expert).values_list("kind", flat=True))
    assert kinds == [NotificationKind.MENTION]


# --- Editing and deleting -----------------------------------------------------------


def test_edit_keeps_a_revision_with_a_readable_diff(client: Client, member, make_thread) -> None:
    thread = make_thread(member, body="Line one\nLine two")
    post = thread.posts.get()
    sign_in(client, member)
    response = client.post(
        f"/forum/posts/{post.pk}/edit/",
        {"title": "A clearer title for the question", "body": "Line one\nLine 2 <b>fixed</b>",
         "topics": ["training"], "new_topics": ""},
    )  # fmt: skip
    assert response.status_code == 302
    revision = PostRevision.objects.get()
    assert revision.body == "Line one\nLine two" and revision.editor == member
    thread.refresh_from_db()
    assert thread.title == "A clearer title for the question"
    assert list(thread.tags.values_list("slug", flat=True)) == ["training"]
    history = client.get(f"/forum/posts/{post.pk}/history/").content.decode()
    assert "<del>Line two</del>" in history
    assert "<ins>Line 2 &lt;b&gt;fixed&lt;/b&gt;</ins>" in history
    assert "How do we document kettling at protests?" in history  # the old title


def test_members_cannot_edit_or_delete_someone_elses_post(
    client: Client, member, make_user, make_thread
):
    thread = make_thread(make_user())
    post = thread.posts.get()
    sign_in(client, member)
    assert client.get(f"/forum/posts/{post.pk}/edit/").status_code == 404
    assert client.post(f"/forum/posts/{post.pk}/edit/", {"body": "mine now"}).status_code == 404
    assert client.post(f"/forum/posts/{post.pk}/delete/").status_code == 404
    post.refresh_from_db()
    assert post.body != "mine now" and not post.is_deleted


def test_soft_delete_leaves_a_placeholder_and_the_count_right(
    client, member, make_user, make_thread
):
    thread = make_thread(make_user())
    reply = services.create_reply(author=member, thread=thread, body="I was wrong about this")
    sign_in(client, member)
    assert client.post(f"/forum/posts/{reply.pk}/delete/").status_code == 302
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "This post was deleted." in page
    assert "I was wrong about this" not in page
    thread.refresh_from_db()
    assert thread.reply_count == 0
    assert Post.objects.filter(pk=reply.pk, is_deleted=True).exists()


def test_deleting_the_opening_post_removes_the_thread_for_members(
    client, member, moderator, make_thread
):
    thread = make_thread(member)
    sign_in(client, member)
    client.post(f"/forum/posts/{thread.posts.get().pk}/delete/")
    assert client.get(thread.get_absolute_url()).status_code == 404
    assert thread.title not in client.get("/forum/").content.decode()
    sign_in(client, moderator)
    assert client.get(thread.get_absolute_url()).status_code == 200


# --- Helpful and accepted ------------------------------------------------------------


def test_helpful_once_and_never_on_your_own_post(client: Client, member, make_user, make_thread):
    author = make_user()
    thread = make_thread(author)
    answer = services.create_reply(author=author, thread=thread, body="An answer")
    sign_in(client, member)
    client.post(f"/forum/posts/{answer.pk}/helpful/")
    client.post(f"/forum/posts/{answer.pk}/helpful/")
    response = client.post(f"/forum/posts/{answer.pk}/helpful/", follow=True)
    assert "You already marked this post helpful." in response.content.decode()
    assert HelpfulMark.objects.count() == 1
    answer.refresh_from_db()
    thread.refresh_from_db()
    assert answer.helpful_count == 1 and thread.helpful_count == 1
    sign_in(client, author)
    own = client.post(f"/forum/posts/{answer.pk}/helpful/", follow=True)
    assert "You cannot mark your own post helpful." in own.content.decode()
    assert HelpfulMark.objects.count() == 1


def test_asker_accepts_an_answer_shown_right_under_the_question(
    client: Client, member, expert, make_user, make_thread
) -> None:
    thread = make_thread(member)
    services.create_reply(author=make_user(), thread=thread, body="An early reply")
    answer = services.create_reply(author=expert, thread=thread, body="The expert answer")
    sign_in(client, member)
    client.post(f"/forum/posts/{answer.pk}/accept/")
    thread.refresh_from_db()
    assert thread.accepted_post == answer
    page = client.get(thread.get_absolute_url()).content.decode()
    question, accepted, early = (
        page.index("We saw police"),
        page.index("The expert answer"),
        page.index("An early reply"),
    )
    assert question < accepted < early
    assert "Accepted answer" in page and "badge-expert" in page
    notified = Notification.objects.get(recipient=expert, kind=NotificationKind.ANSWER_ACCEPTED)
    assert notified.url == f"/forum/posts/{answer.pk}/"


def test_only_the_asker_or_a_moderator_accepts(client, member, make_user, make_thread) -> None:
    thread = make_thread(make_user())
    answer = services.create_reply(author=make_user(), thread=thread, body="An answer")
    sign_in(client, member)
    response = client.post(f"/forum/posts/{answer.pk}/accept/", follow=True)
    assert "Only the person who asked" in response.content.decode()
    thread.refresh_from_db()
    assert thread.accepted_post is None


def test_discussions_have_no_accepted_answer(member, make_user, make_thread) -> None:
    thread = make_thread(member, kind=ThreadKind.DISCUSSION)
    reply = services.create_reply(author=make_user(), thread=thread, body="A view")
    with pytest.raises(services.ForumError):
        services.accept_answer(actor=member, post=reply)
