"""A whole thread page kept for the next member of its viewer class (forum.fragments).

The kept page is keyed by Thread.page_version, which database triggers move
(forum migration 0008, lessons 0009). The first half changes each thing the
page shows by a plain ORM write, as any code path might, and checks the
version moved; the second half reads pages as members and checks that a kept
page shows every change at once, is what rendering afresh gives, and never
carries one member's own state (follow, helpful marks, own posts, drafts,
moderation tools, tokens, messages) to another.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from common import fragments
from forum import fragments as forum_fragments
from forum import services
from forum.models import Post, PostAttachment, Thread
from forum.selectors import thread_page_probe
from lessons.models import Lesson, LessonAuthor, LessonState
from members.models import Tag, TaggedItem
from notifications.models import Follow
from tests.conftest import copy_with, sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_fragment_store")]


@pytest.fixture
def setup(make_user, make_thread):
    asker = make_user(display_name="Asha Asker")
    answerer = make_user(display_name="Ezra Answerer")
    thread = make_thread(asker)
    answer = services.create_reply(author=answerer, thread=thread, body="Write down the **times**.")
    return asker, answerer, thread, answer


def version(thread: Thread) -> int:
    return Thread.objects.values_list("page_version", flat=True).get(pk=thread.pk)


# --- The version moves with everything the page shows -------------------------------


def test_a_write_to_the_thread_moves_its_version(setup) -> None:
    _asker, _answerer, thread, _answer = setup
    before = version(thread)
    Thread.objects.filter(pk=thread.pk).update(is_locked=True)
    assert version(thread) > before


def test_saving_a_stale_thread_never_moves_its_version_back(setup) -> None:
    _asker, answerer, thread, _answer = setup
    stale = Thread.objects.get(pk=thread.pk)
    services.create_reply(author=answerer, thread=thread, body="Another thing.")
    moved = version(thread)
    stale.title = "A stale copy saved later"
    stale.save()  # writes its old page_version: the database adds one to the stored one
    assert version(thread) > moved


@pytest.mark.parametrize("change", ["insert", "update", "delete"])
def test_a_write_to_a_post_moves_its_threads_version(setup, change) -> None:
    _asker, answerer, thread, answer = setup
    before = version(thread)
    if change == "insert":
        Post.objects.create(thread=thread, author=answerer, body="x", body_html="<p>x</p>")
    elif change == "update":
        Post.objects.filter(pk=answer.pk).update(helpful_count=3)
    else:
        Post.objects.filter(pk=answer.pk).delete()
    assert version(thread) > before


def test_a_post_moved_to_another_thread_moves_both(setup, make_thread) -> None:
    asker, _answerer, thread, answer = setup
    other = make_thread(asker, title="Another thread about kettling")
    before, other_before = version(thread), version(other)
    Post.objects.filter(pk=answer.pk).update(thread=other)
    assert version(thread) > before and version(other) > other_before


def attach(post: Post, name: str) -> PostAttachment:
    return PostAttachment.objects.create(
        post=post, name=name, media_type="text/plain", extension="txt", size=1,
        stored_as=f"test/{name}",
    )  # fmt: skip


@pytest.mark.parametrize("change", ["insert", "update", "delete"])
def test_a_write_to_a_posts_file_moves_its_threads_version(setup, change) -> None:
    _asker, _answerer, thread, answer = setup
    attachment = attach(answer, "a.txt")
    before = version(thread)
    if change == "insert":
        attach(answer, "b.txt")
    elif change == "update":
        PostAttachment.objects.filter(pk=attachment.pk).update(name="renamed.txt")
    else:
        attachment.delete()
    assert version(thread) > before


def test_topics_added_removed_and_renamed_move_the_version(setup, topics) -> None:
    _asker, _answerer, thread, _answer = setup
    before = version(thread)
    spare = next(tag for tag in topics if tag not in thread.tags.all())
    thread.tags.add(spare)
    added = version(thread)
    assert added > before
    Tag.objects.filter(pk=spare.pk).update(name="Renamed topic")
    renamed = version(thread)
    assert renamed > added
    spare.refresh_from_db()  # taggit removes by name
    thread.tags.remove(spare)
    assert version(thread) > renamed


def test_tagging_something_else_leaves_threads_alone(setup, member) -> None:
    _asker, _answerer, thread, _answer = setup
    tag = thread.tags.first()
    before = version(thread)
    TaggedItem.objects.create(
        tag=tag, content_type=ContentType.objects.get_for_model(member.profile), object_id=thread.pk
    )
    assert version(thread) == before


@pytest.mark.parametrize(
    "field, value",
    [
        ("display_name", "Ezra Renamed"),
        ("handle", "ezra-renamed"),
        ("is_expert", True),
        ("is_moderator", True),
    ],
)
def test_what_a_post_shows_of_its_author_moves_the_version(setup, field, value) -> None:
    _asker, answerer, thread, _answer = setup
    before = version(thread)
    type(answerer).objects.filter(pk=answerer.pk).update(**{field: value})
    assert version(thread) > before


def test_an_authors_visit_does_not_move_the_version(setup) -> None:
    """Every request of a member writes last_seen_at: that must not empty their threads' pages."""
    _asker, answerer, thread, _answer = setup
    before = version(thread)
    answerer.save()  # every column written, none changed
    type(answerer).objects.filter(pk=answerer.pk).update(last_seen_at="2026-12-01T10:00:00Z")
    assert version(thread) == before


def test_a_lesson_made_of_the_thread_moves_its_version(setup) -> None:
    _asker, _answerer, thread, _answer = setup
    before = version(thread)
    lesson = Lesson.objects.create(title="Keep a log", from_thread=thread)
    created = version(thread)
    assert created > before
    Lesson.objects.filter(pk=lesson.pk).update(state=LessonState.PUBLISHED)
    published = version(thread)
    assert published > created
    lesson.delete()
    assert version(thread) > published


def test_a_lesson_of_no_thread_leaves_threads_alone(setup) -> None:
    _asker, _answerer, thread, _answer = setup
    before = version(thread)
    Lesson.objects.create(title="Keep a log")
    assert version(thread) == before


# --- Kept pages, as members read them ------------------------------------------------


def read(client: Client, member, url: str) -> str:
    sign_in(client, member)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def main_of(html: str) -> str:
    match = re.search(r"<main\b.*?</main>", html, re.S)
    assert match, "no <main> on the page"
    return match.group(0)


def without_tokens(html: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", html)
    html = re.sub(r'name="csrf-token" content="[^"]+"', "CSRF", html)
    return re.sub(r'name="client_token" value="[^"]+"', "CLIENT", html)


def test_a_bystander_gets_the_kept_page_with_few_queries(client, setup, make_user) -> None:
    _asker, _answerer, thread, _answer = setup
    first, second = make_user(), make_user()
    url = thread.get_absolute_url()
    fresh = read(client, first, url)
    sign_in(client, second)
    with CaptureQueriesContext(connection) as queries:
        kept = client.get(url).content.decode()
    # Session, member, the probe (version, follow state, relation), the unread count.
    assert len(queries) <= 5, [q["sql"][:80] for q in queries]
    assert not any(q["sql"].startswith('SELECT "forum_post"') for q in queries)
    # Below the site's header (per member, rendered per request) the page is the same.
    assert without_tokens(main_of(kept)) == without_tokens(main_of(fresh))
    assert "Write down the <strong>times</strong>" in main_of(kept)


def test_each_page_has_its_own_csrf_and_client_tokens(setup, make_user) -> None:
    _asker, _answerer, thread, _answer = setup
    url = thread.get_absolute_url()
    pages = []
    for member in (make_user(), make_user()):
        client = Client()
        sign_in(client, member)
        html = client.get(url).content.decode()
        token = client.cookies["csrftoken"].value
        forms = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        assert forms and fragments.CSRF_PLACEHOLDER not in html
        # Each form's token is a mask of this session's own secret (Django unmasks it).
        from django.middleware.csrf import _unmask_cipher_token

        assert {_unmask_cipher_token(value) for value in forms} == {token}
        pages.append(re.search(r'name="client_token" value="([^"]+)"', html).group(1))
    assert pages[0] != pages[1]
    assert str(forum_fragments.CLIENT_TOKEN_PLACEHOLDER) not in pages


def test_an_edit_a_hidden_post_and_a_purge_show_at_once(client, setup, member, moderator) -> None:
    _asker, answerer, thread, answer = setup
    url = thread.get_absolute_url()
    assert "<strong>times</strong>" in read(client, member, url)
    services.edit_post(editor=answerer, post=answer, body="Write down the **names**.")
    html = read(client, member, url)
    assert "<strong>names</strong>" in html and "<strong>times</strong>" not in html
    services.purge_post_text(actor=moderator, post=answer, reason="It names a witness.")
    html = read(client, member, url)
    assert "<strong>names</strong>" not in html
    services.set_post_hidden(actor=moderator, post=answer, hidden=True)
    html = read(client, member, url)
    assert "This post is hidden by a moderator." in html
    assert "[removed by a moderator]" not in html


def test_a_renamed_author_shows_at_once(client, setup, member) -> None:
    _asker, answerer, thread, _answer = setup
    url = thread.get_absolute_url()
    assert "Ezra Answerer" in read(client, member, url)
    answerer.display_name = "Ezra Renamed"
    answerer.save()
    html = read(client, member, url)
    assert "Ezra Renamed" in html and "Ezra Answerer" not in html


def test_a_new_lesson_of_the_thread_shows_at_once(client, setup, member, moderator) -> None:
    _asker, answerer, thread, answer = setup
    services.accept_answer(actor=thread.author, post=answer)
    url = thread.get_absolute_url()
    assert "This thread became a lesson" not in read(client, member, url)
    lesson = Lesson.objects.create(
        title="Keep a log of times", from_thread=thread, state=LessonState.PUBLISHED
    )
    LessonAuthor.objects.create(lesson=lesson, member=answerer, position=0)
    assert "Keep a log of times" in read(client, member, url)


def test_each_language_has_its_own_page(client, setup, member) -> None:
    _asker, _answerer, thread, _answer = setup
    url = thread.get_absolute_url()
    english = read(client, member, url)
    member.language = "fr"
    member.save()
    french = read(client, member, url)
    assert 'lang="fr"' in french and french != english


def test_follow_state_is_the_viewers_own(client, setup, make_user) -> None:
    _asker, _answerer, thread, _answer = setup
    follower, other = make_user(), make_user()
    url = thread.get_absolute_url()
    read(client, other, url)  # kept for members who do not follow
    Follow.objects.create(
        follower=follower,
        content_type=ContentType.objects.get_for_model(Thread),
        object_id=thread.pk,
    )
    assert 'aria-pressed="true">Following' in read(client, follower, url)
    assert 'aria-pressed="true">Following' not in read(client, other, url)


def test_own_posts_and_helpful_marks_are_never_kept_for_others(client, setup, make_user) -> None:
    _asker, answerer, thread, answer = setup
    marker, bystander = make_user(), make_user()
    url = thread.get_absolute_url()
    services.mark_helpful(member=marker, post=answer)
    # The author and the marker read first: their pages are their own, never kept.
    assert f"/forum/posts/{answer.pk}/edit/" in read(client, answerer, url)
    assert "Helpful (marked)" in read(client, marker, url)
    html = read(client, bystander, url)
    assert f"/forum/posts/{answer.pk}/edit/" not in html
    assert "Helpful (marked)" not in html
    assert "1 member found this helpful" in html
    # And a bystander's kept page does not reach the author or the marker.
    assert f"/forum/posts/{answer.pk}/edit/" in read(client, answerer, url)
    assert "Helpful (marked)" in read(client, marker, url)


def test_the_askers_accept_buttons_stay_theirs(client, setup, member) -> None:
    asker, _answerer, thread, answer = setup
    url = thread.get_absolute_url()
    read(client, member, url)
    assert f"/forum/posts/{answer.pk}/accept/" in read(client, asker, url)
    assert f"/forum/posts/{answer.pk}/accept/" not in read(client, member, url)


def test_moderator_tools_never_reach_a_member(client, setup, member, moderator) -> None:
    _asker, _answerer, thread, answer = setup
    url = thread.get_absolute_url()
    sign_in(client, moderator)
    session = client.session
    session["mfa_authenticated"] = True
    session.save()
    assert f"/forum/posts/{answer.pk}/hide/" in client.get(url).content.decode()
    html = read(client, member, url)
    assert f"/forum/posts/{answer.pk}/hide/" not in html
    assert "moderation-box" not in html


def test_an_experts_page_is_kept_apart(client, setup, make_user, expert) -> None:
    """An expert may turn a thread with an accepted answer into a lesson; a member may not."""
    asker, _answerer, thread, answer = setup
    services.accept_answer(actor=asker, post=answer)
    url = thread.get_absolute_url()
    assert "Turn into a lesson" not in read(client, make_user(), url)
    assert "Turn into a lesson" in read(client, expert, url)
    assert "Turn into a lesson" not in read(client, make_user(), url)


def test_a_lesson_draft_stays_with_its_author(client, setup, make_user) -> None:
    asker, _answerer, thread, answer = setup
    services.accept_answer(actor=asker, post=answer)
    drafter, bystander = make_user(), make_user()
    lesson = Lesson.objects.create(title="My private draft", from_thread=thread)
    LessonAuthor.objects.create(lesson=lesson, member=drafter, position=0)
    url = thread.get_absolute_url()
    assert "My private draft" in read(client, drafter, url)
    assert "My private draft" not in read(client, bystander, url)
    assert "My private draft" in read(client, drafter, url)


def test_a_message_is_shown_to_its_member_only(setup, make_user) -> None:
    _asker, _answerer, thread, _answer = setup
    url = thread.get_absolute_url()
    follower, bystander = Client(), Client()
    read(bystander, make_user(), url)  # a page kept for members who do not follow
    sign_in(follower, make_user())
    follower.post(f"/forum/{thread.pk}/follow/", {"follow": "1"})
    bystander.post(f"/forum/{thread.pk}/follow/", {"follow": "0"})
    # Each sees their own message on the page they go back to, and only once.
    html = follower.get(url).content.decode()
    assert "You follow this thread" in html
    assert "You no longer follow this thread." not in html
    html = bystander.get(url).content.decode()
    assert "You no longer follow this thread." in html
    assert "You follow this thread" not in html
    assert "You follow this thread" not in follower.get(url).content.decode()


def test_a_hidden_thread_is_a_404_for_members_even_when_kept(client, setup, member, moderator):
    _asker, _answerer, thread, _answer = setup
    url = thread.get_absolute_url()
    read(client, member, url)
    services.switch_thread(actor=moderator, thread=thread, action="hide")
    sign_in(client, member)
    assert client.get(url).status_code == 404


def test_a_wrong_slug_redirects_on_the_kept_path(client, setup, member) -> None:
    _asker, _answerer, thread, _answer = setup
    read(client, member, thread.get_absolute_url())
    response = client.get(f"/forum/{thread.pk}/wrong-slug/?page=1")
    assert response.status_code == 301
    assert response["Location"] == thread.get_absolute_url() + "?page=1"


def test_a_purge_elsewhere_empties_the_kept_pages(client, setup, member) -> None:
    _asker, _answerer, thread, _answer = setup
    read(client, member, thread.get_absolute_url())
    assert len(fragments.store)
    fragments.forget_everything()
    assert len(fragments.store) == 0


def test_each_page_of_a_long_thread_is_kept_apart(client, setup, member, monkeypatch) -> None:
    from forum import selectors

    _asker, answerer, thread, _answer = setup
    monkeypatch.setattr(selectors, "POSTS_PER_PAGE", 2)
    services.create_reply(author=answerer, thread=thread, body="A third post, on page two.")
    url = thread.get_absolute_url()
    first = read(client, member, url)
    assert "A third post" not in first
    assert "A third post" in read(client, member, url + "?page=2")
    assert "A third post" not in read(client, member, url + "?page=1")


def test_a_quote_is_the_members_own_box(client, setup, member, make_user) -> None:
    _asker, _answerer, thread, answer = setup
    url = thread.get_absolute_url()
    quoted = read(client, member, f"{url}?quote={answer.pk}")
    assert "&gt; Write down the **times**." in quoted
    assert "&gt; Write down" not in read(client, make_user(), url)


KEY_CHANGES = {
    "pk": lambda probe, viewer: (replace(probe, pk=probe.pk + 1), viewer),
    "created_at": lambda probe, viewer: (
        replace(probe, created_at=probe.created_at + timedelta(microseconds=1)),
        viewer,
    ),
    "page_version": lambda probe, viewer: (
        replace(probe, page_version=probe.page_version + 1),
        viewer,
    ),
    "following": lambda probe, viewer: (replace(probe, following=not probe.following), viewer),
    "is_member": lambda probe, viewer: (probe, copy_with(viewer, is_banned=True)),
    "is_expert": lambda probe, viewer: (probe, copy_with(viewer, is_expert=True)),
}


@pytest.mark.parametrize("name", sorted(KEY_CHANGES))
def test_each_input_of_a_kept_page_changes_its_key(name, setup, member) -> None:
    _asker, _answerer, thread, _answer = setup
    probe = thread_page_probe(member, thread.pk)
    key = forum_fragments.thread_page_key(probe, viewer=member, number=1)
    changed_probe, changed_viewer = KEY_CHANGES[name](probe, member)
    assert forum_fragments.thread_page_key(changed_probe, viewer=changed_viewer, number=1) != key


def test_the_page_number_language_and_time_zone_change_the_key(setup, member) -> None:
    _asker, _answerer, thread, _answer = setup
    probe = thread_page_probe(member, thread.pk)
    key = forum_fragments.thread_page_key(probe, viewer=member, number=1)
    assert forum_fragments.thread_page_key(probe, viewer=member, number=2) != key
    with translation.override("fr"):
        assert forum_fragments.thread_page_key(probe, viewer=member, number=1) != key
    with timezone.override("Africa/Nairobi"):
        assert forum_fragments.thread_page_key(probe, viewer=member, number=1) != key


def test_the_probe_says_who_has_a_relation(setup, member, make_user) -> None:
    asker, answerer, thread, answer = setup
    marker, drafter = make_user(), make_user()
    services.mark_helpful(member=marker, post=answer)
    lesson = Lesson.objects.create(title="A draft", from_thread=thread)
    LessonAuthor.objects.create(lesson=lesson, member=drafter, position=0)
    involved = {
        who: thread_page_probe(user, thread.pk).involved
        for who, user in [
            ("asker", asker), ("answerer", answerer), ("marker", marker),
            ("drafter", drafter), ("bystander", member),
        ]
    }  # fmt: skip
    assert involved == {
        "asker": True, "answerer": True, "marker": True, "drafter": True, "bystander": False
    }  # fmt: skip


def test_every_page_version_trigger_is_in_the_database() -> None:
    """On SQLite a migration that rebuilds a table (a new NOT NULL column, an
    altered field) drops its triggers silently: such a migration must create
    them again, and this fails until it does."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        names = {row[0] for row in cursor.fetchall()}
    wanted = {"forum_thread_page_version", "forum_tag_page_version", "forum_author_page_version"}
    for table in ("forum_post", "forum_postattachment", "forum_taggeditem"):
        if connection.vendor == "postgresql":
            wanted.add(f"{table}_page_version")
        else:
            wanted |= {f"{table}_page_version_{event}" for event in ("insert", "update", "delete")}
    if connection.vendor == "postgresql":
        wanted.add("lessons_lesson_thread_page_version")
    else:
        wanted |= {
            f"lessons_lesson_thread_page_version_{event}"
            for event in ("insert", "update", "delete")
        }
    assert wanted <= names, sorted(wanted - names)


def test_a_placeholder_written_into_a_post_stays_text(client, setup, member) -> None:
    """A member who knows a placeholder could have every reader's CSRF token put in its place."""
    _asker, answerer, thread, _answer = setup
    services.create_reply(
        author=answerer,
        thread=thread,
        body="See [this](https://example.org/qxcsrfplaceholderxq) and "
        "00000000-0000-4000-8000-0000c11e7700",
    )
    html = main_of(read(client, member, thread.get_absolute_url()))
    assert "https://example.org/qxcsrfplaceholderxq" in html
    assert "00000000-0000-4000-8000-0000c11e7700" in html


def test_a_follow_while_the_page_renders_is_not_kept_for_others(
    client, setup, make_user, monkeypatch
) -> None:
    from forum import selectors

    _asker, _answerer, thread, _answer = setup
    follower, other = make_user(), make_user()
    real = selectors.thread_for

    def follow_then_load(viewer, pk):  # the Follow button, clicked in another tab meanwhile
        Follow.objects.get_or_create(
            follower=viewer,
            content_type=ContentType.objects.get_for_model(Thread),
            object_id=pk,
        )
        return real(viewer, pk)

    monkeypatch.setattr(selectors, "thread_for", follow_then_load)
    assert 'aria-pressed="true">Following' in read(client, follower, thread.get_absolute_url())
    monkeypatch.setattr(selectors, "thread_for", real)
    assert 'aria-pressed="true">Following' not in read(client, other, thread.get_absolute_url())


def test_a_page_number_past_the_end_is_not_kept(client, setup, member) -> None:
    _asker, _answerer, thread, _answer = setup
    url = thread.get_absolute_url()
    read(client, member, url + "?page=99")
    probe = thread_page_probe(member, thread.pk)
    assert (
        fragments.store.get(forum_fragments.thread_page_key(probe, viewer=member, number=99))
        is None
    )
    read(client, member, url)
    assert fragments.store.get(forum_fragments.thread_page_key(probe, viewer=member, number=1))
