"""Moderators purge a version of a post: its text leaves the database and every copy.

Each test writes a unique canary word where members' text goes (a title, a
body), lets the network copy it where it copies text (notifications, email,
the audit log, the search index, rendered rows), purges it, and then looks
for the word in every table of the database (tests/canary.py), the fragment
store and the author's data export. Run on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import pytest
from django.test import Client

from forum import services
from forum.models import Post, PostRevision
from forum.search import search_posts
from members.models import AuditEntry
from notifications import outbox
from notifications.models import NotificationPreference
from notifications.services import follow
from tests.canary import export_holds, fragments_holding, tables_holding
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

CANARY = "zqxmarigold"


@pytest.fixture
def redacted(client: Client, make_user, make_thread, moderator):
    """A question whose title and text named someone, copied everywhere, then redacted.

    The moderator's redaction is an edit: the named version is now a revision.
    """
    author = make_user()
    emailed, digested = make_user(), make_user()
    NotificationPreference.objects.create(member=emailed, kind="reply", delivery="email")
    NotificationPreference.objects.create(member=digested, kind="reply", delivery="digest")
    thread = make_thread(
        author,
        title=f"Meeting {CANARY} at the station",
        body=f"Ask {CANARY} at the side gate.",
    )
    for member in (emailed, digested):
        follow(follower=member, target=thread)
    reply = services.create_reply(author=make_user(), thread=thread, body="Go in pairs.")
    outbox.send_digests()
    services.set_post_hidden(actor=moderator, post=reply, hidden=True)
    services.set_post_hidden(actor=moderator, post=reply, hidden=False)
    opening = Post.objects.get(thread=thread, is_opening=True)
    # A member reads the page: rendered rows with the canary go into the store.
    client.force_login(make_user())
    assert CANARY.encode() in client.get(thread.get_absolute_url()).content
    opening.thread = thread
    services.edit_post(
        editor=moderator,
        post=opening,
        title="Meeting [name removed] at the station",
        body="Ask [name removed] at the side gate.",
    )
    client.logout()
    assert tables_holding(CANARY), "the scenario must have copied the canary"
    return {"thread": thread, "opening": opening, "author": author, "reply": reply}


def test_purging_a_revision_leaves_no_copy_of_its_text_anywhere(
    client: Client, redacted, moderator
) -> None:
    opening = redacted["opening"]
    revision = PostRevision.objects.get(post=opening)
    sign_in(client, moderator)
    response = client.post(
        f"/forum/posts/{opening.pk}/purge/",
        {"version": revision.pk, "reason": "Names a witness"},
    )
    assert response.status_code == 302
    assert tables_holding(CANARY) == []
    assert fragments_holding(CANARY) == 0
    assert not export_holds(redacted["author"], CANARY)
    assert len(search_posts(CANARY)) == 0
    history = client.get(f"/forum/posts/{opening.pk}/history/")
    assert CANARY.encode() not in history.content
    assert b"purged by a moderator" in history.content
    # The redacted version is still found and shown.
    assert len(search_posts("station")) == 1


def test_a_purge_is_in_the_audit_log_with_who_which_and_why_never_the_text(
    client: Client, redacted, moderator
) -> None:
    opening = redacted["opening"]
    revision = PostRevision.objects.get(post=opening)
    sign_in(client, moderator)
    client.post(
        f"/forum/posts/{opening.pk}/purge/",
        {"version": revision.pk, "reason": "Names a witness"},
    )
    entry = AuditEntry.objects.get(action=AuditEntry.Action.PURGE_POST_REVISION)
    assert entry.actor == moderator
    assert str(revision.pk) in entry.detail and "Names a witness" in entry.detail
    assert CANARY not in entry.detail
    revision.refresh_from_db()
    assert revision.is_purged and revision.purged_by == moderator
    assert (revision.title, revision.body) == ("", "")


def test_purging_the_current_text_replaces_it_and_keeps_no_copy(
    client: Client, make_user, make_thread, moderator
) -> None:
    author = make_user()
    thread = make_thread(author)
    reply = services.create_reply(author=make_user(), thread=thread, body=f"Ask {CANARY} today.")
    client.force_login(author)
    client.get(thread.get_absolute_url())
    sign_in(client, moderator)
    response = client.post(
        f"/forum/posts/{reply.pk}/purge/", {"version": "current", "reason": "Names a witness"}
    )
    assert response.status_code == 302
    reply.refresh_from_db()
    assert reply.body == "[removed by a moderator]"
    assert PostRevision.objects.filter(post=reply).count() == 0
    assert tables_holding(CANARY) == []
    assert fragments_holding(CANARY) == 0
    assert len(search_posts(CANARY)) == 0


def test_the_purge_form_asks_for_confirmation_and_a_reason(
    client: Client, redacted, moderator
) -> None:
    opening = redacted["opening"]
    revision = PostRevision.objects.get(post=opening)
    url = f"/forum/posts/{opening.pk}/purge/"
    sign_in(client, moderator)
    page = client.get(url, {"version": revision.pk})
    assert page.status_code == 200
    assert b'name="reason"' in page.content and b'name="version"' in page.content
    refused = client.post(url, {"version": revision.pk, "reason": "   "})
    assert refused.status_code == 400
    assert b"Say why, for the audit log." in refused.content
    revision.refresh_from_db()
    assert not revision.is_purged and CANARY in revision.body
    assert not AuditEntry.objects.filter(action=AuditEntry.Action.PURGE_POST_REVISION).exists()


def test_members_and_authors_cannot_purge(client: Client, redacted) -> None:
    opening = redacted["opening"]
    revision = PostRevision.objects.get(post=opening)
    client.force_login(redacted["author"])
    response = client.post(
        f"/forum/posts/{opening.pk}/purge/", {"version": revision.pk, "reason": "Mine"}
    )
    assert response.status_code == 403
    revision.refresh_from_db()
    assert not revision.is_purged


def test_a_purged_revision_cannot_be_purged_again(client: Client, redacted, moderator) -> None:
    opening = redacted["opening"]
    revision = PostRevision.objects.get(post=opening)
    sign_in(client, moderator)
    url = f"/forum/posts/{opening.pk}/purge/"
    assert client.get(url, {"version": revision.pk}).status_code == 200
    client.post(url, {"version": revision.pk, "reason": "Names a witness"})
    assert client.get(url, {"version": revision.pk}).status_code == 404
    with pytest.raises(services.ForumError):
        services.purge_post_revision(actor=moderator, revision=revision, reason="Again")


def test_a_purge_in_another_process_empties_this_process_fragment_store(
    client: Client, make_user, make_thread
) -> None:
    from django.core.cache import cache

    from common import fragments

    thread = make_thread(make_user())
    client.force_login(make_user())
    client.get(thread.get_absolute_url())
    fragments.store.put(b"an old row", f"<p>{CANARY}</p>")
    # Another process purges: it bumps the shared generation (its own store it clears itself).
    cache.set(fragments.GENERATION_KEY, (cache.get(fragments.GENERATION_KEY) or 0) + 1)
    client.get(thread.get_absolute_url())
    assert fragments_holding(CANARY) == 0
