"""Flags, the moderation queue, hiding, locking, pinning, retagging and topic curation."""

from __future__ import annotations

import pytest
from django.test import Client

from forum import services
from forum.models import Flag, Thread
from members.models import AuditEntry, Tag
from members.services import resolve_tags
from notifications.models import Follow
from notifications.services import follow
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def test_flag_reaches_the_queue_and_hiding_settles_it(
    client: Client, member, moderator, make_user, make_thread
) -> None:
    author = make_user()
    thread = make_thread(author)
    post = services.create_reply(author=author, thread=thread, body="Here is her home address: ...")
    sign_in(client, member)
    response = client.post(
        f"/forum/posts/{post.pk}/flag/",
        {"reason": "safety", "note": "Names a witness"},
        follow=True,
    )
    assert "A moderator will look at this post." in response.content.decode()
    again = client.post(f"/forum/posts/{post.pk}/flag/", {"reason": "abuse"}, follow=True)
    assert "You already flagged this post" in again.content.decode()
    assert Flag.objects.count() == 1

    sign_in(client, moderator)
    queue = client.get("/forum/moderation/flags/").content.decode()
    assert "Names a witness" in queue and "Here is her home address" in queue
    client.post(f"/forum/posts/{post.pk}/hide/", {"hidden": "1", "next": "flags"})
    assert "No flagged posts" in client.get("/forum/moderation/flags/").content.decode()
    assert Flag.objects.get().outcome == "hidden"
    entry = AuditEntry.objects.get(action=AuditEntry.Action.HIDE_POST)
    assert entry.actor == moderator and entry.target == author
    assert entry.url == thread.get_absolute_url()

    # Members see a placeholder; the post is never shown to them.
    sign_in(client, member)
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "This post is hidden by a moderator." in page
    assert "home address" not in page
    thread.refresh_from_db()
    assert thread.reply_count == 0


def test_dismissing_flags_keeps_the_post(client: Client, member, moderator, make_thread) -> None:
    thread = make_thread(moderator)
    post = thread.posts.get()
    services.flag_post(reporter=member, post=post, reason="off_topic")
    sign_in(client, moderator)
    client.post(f"/forum/posts/{post.pk}/dismiss-flags/")
    post.refresh_from_db()
    assert not post.is_hidden
    assert Flag.objects.get().outcome == "dismissed"
    assert AuditEntry.objects.filter(action=AuditEntry.Action.DISMISS_FLAG).exists()


@pytest.mark.parametrize(
    ("action", "field", "value"),
    [("lock", "is_locked", True), ("pin", "is_pinned", True), ("hide", "is_hidden", True)],
)
def test_moderator_thread_actions_are_applied_and_audited(
    client: Client, member, moderator, make_thread, action: str, field: str, value: bool
) -> None:
    thread = make_thread(member)
    sign_in(client, moderator)
    assert client.post(f"/forum/{thread.pk}/moderate/{action}/").status_code == 302
    thread.refresh_from_db()
    assert getattr(thread, field) is value
    assert AuditEntry.objects.filter(actor=moderator, target=member).count() == 1
    client.post(f"/forum/{thread.pk}/moderate/un{action}/")
    thread.refresh_from_db()
    assert getattr(thread, field) is not value
    assert AuditEntry.objects.filter(actor=moderator).count() == 2


def test_members_cannot_moderate(client: Client, member, make_user, make_thread) -> None:
    thread = make_thread(make_user())
    post = thread.posts.get()
    sign_in(client, member)
    for url in [
        f"/forum/{thread.pk}/moderate/lock/",
        f"/forum/posts/{post.pk}/hide/",
        f"/forum/posts/{post.pk}/dismiss-flags/",
        f"/forum/{thread.pk}/topics/",
    ]:
        assert client.post(url).status_code == 403, url
    assert client.get("/forum/moderation/flags/").status_code == 403
    thread.refresh_from_db()
    assert not thread.is_locked
    assert not AuditEntry.objects.exists()


def test_hidden_thread_is_gone_for_members_and_marked_for_moderators(
    client: Client, member, moderator, make_thread
) -> None:
    thread = make_thread(moderator)
    services.switch_thread(actor=moderator, thread=thread, action="hide")
    sign_in(client, member)
    assert client.get(thread.get_absolute_url()).status_code == 404
    assert thread.title not in client.get("/forum/").content.decode()
    sign_in(client, moderator)
    assert "Hidden from members" in client.get(thread.get_absolute_url()).content.decode()


def test_moderator_moves_a_threads_topics(client: Client, member, moderator, make_thread) -> None:
    thread = make_thread(member)
    sign_in(client, moderator)
    client.post(f"/forum/{thread.pk}/topics/", {"topics": ["training"], "new_topics": ""})
    assert list(thread.tags.values_list("slug", flat=True)) == ["training"]
    entry = AuditEntry.objects.get(action=AuditEntry.Action.RETAG_THREAD)
    assert "public-assembly, use-of-force -> training" in entry.detail
    refused = client.post(f"/forum/{thread.pk}/topics/", {"topics": [], "new_topics": ""})
    assert "Choose between 1 and 5 topics" in refused.content.decode()
    assert list(thread.tags.values_list("slug", flat=True)) == ["training"]


def test_lock_stops_replies(member, moderator, make_thread) -> None:
    thread = make_thread(member)
    services.switch_thread(actor=moderator, thread=thread, action="lock")
    with pytest.raises(services.ForumError, match="locked"):
        services.create_reply(author=member, thread=Thread.objects.get(pk=thread.pk), body="late")


# --- Topic curation -------------------------------------------------------------


def test_expert_makes_a_proposed_topic_official_and_renames_it(
    client: Client, member, expert, make_thread
) -> None:
    proposed = resolve_tags(names=["Kettlng"], proposer=member)[0]
    assert not proposed.is_official
    sign_in(client, expert)
    client.post(
        f"/forum/tags/{proposed.slug}/edit/",
        {"name": "Kettling", "description": "Containing crowds", "make_official": "1"},
    )
    proposed.refresh_from_db()
    assert (proposed.name, proposed.slug, proposed.is_official) == ("Kettling", "kettling", True)
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert actions == {AuditEntry.Action.TAG_RENAME, AuditEntry.Action.TAG_APPROVE}


def test_merging_topics_moves_threads_and_followers(
    client: Client, member, moderator, make_user, make_thread, topics
) -> None:
    duplicate = Tag.objects.create(name="Crowd control", slug="crowd-control", is_official=False)
    target = topics[1]  # public-assembly
    thread = make_thread(member, tags=[duplicate, topics[2]])
    both = make_thread(member, title="Tagged with both topics", tags=[duplicate, target])
    follower, follows_both = make_user(), make_user()
    follow(follower=follower, target=duplicate)
    follow(follower=follows_both, target=duplicate)
    follow(follower=follows_both, target=target)
    sign_in(client, moderator)
    response = client.post(f"/forum/tags/{duplicate.slug}/merge/", {"into": target.slug})
    assert response["Location"] == f"/forum/tags/{target.slug}/"
    assert not Tag.objects.filter(slug="crowd-control").exists()
    assert set(thread.tags.values_list("slug", flat=True)) == {"public-assembly", "training"}
    assert list(both.tags.values_list("slug", flat=True)) == ["public-assembly"]
    assert Follow.objects.filter(object_id=target.pk, follower=follower).exists()
    assert Follow.objects.filter(object_id=target.pk, follower=follows_both).count() == 1
    assert AuditEntry.objects.filter(action=AuditEntry.Action.TAG_MERGE).exists()


def test_members_cannot_curate_topics(client: Client, member, topics) -> None:
    sign_in(client, member)
    assert client.get(f"/forum/tags/{topics[0].slug}/edit/").status_code == 404
    assert (
        client.post(f"/forum/tags/{topics[0].slug}/merge/", {"into": topics[1].slug}).status_code
        == 404
    )
    assert Tag.objects.filter(pk=topics[0].pk).exists()
