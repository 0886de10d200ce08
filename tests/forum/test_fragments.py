"""Rendered posts and thread rows are reused (common.fragments), never stale, never shared wrongly.

Every test renders a page once so that its rows are in the store, changes one
thing a row shows, and checks the next page shows the change; the viewer
tests check that what one member's relation to a post renders never reaches
another member, and that the CSRF token in a reused row is the viewer's own.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import translation

from common import fragments
from forum import services
from forum.models import Post
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_store():
    fragments.store.clear()
    yield
    fragments.store.clear()


@pytest.fixture
def setup(make_user, make_thread):
    asker = make_user(display_name="Asha Asker")
    expert = make_user(display_name="Ezra Expert")
    thread = make_thread(asker)
    answer = services.create_reply(author=expert, thread=thread, body="Write down the **times**.")
    return asker, expert, thread, answer


def page(client: Client, member, url: str) -> str:
    sign_in(client, member)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def post_html(html: str, post: Post) -> str:
    match = re.search(rf'<article class="post[^"]*" id="post-{post.pk}".*?</article>', html, re.S)
    assert match, f"post {post.pk} is not on the page"
    return match.group(0)


def test_rows_are_reused_between_requests(client, setup, member) -> None:
    _asker, _expert, thread, _answer = setup
    page(client, member, thread.get_absolute_url())
    stored = len(fragments.store)
    assert stored >= 2  # the question and the answer
    page(client, member, thread.get_absolute_url())
    assert len(fragments.store) == stored


def test_an_edit_shows_at_once(client, setup, member) -> None:
    _asker, expert, thread, answer = setup
    assert "<strong>times</strong>" in page(client, member, thread.get_absolute_url())
    services.edit_post(editor=expert, post=answer, body="Write down the **names** of units.")
    html = post_html(page(client, member, thread.get_absolute_url()), answer)
    assert "<strong>names</strong>" in html
    assert "<strong>times</strong>" not in html
    assert "edited once" in html


def test_helpful_counts_and_marks_follow_the_viewer(client, setup, make_user) -> None:
    _asker, _expert, thread, answer = setup
    marker, other = make_user(), make_user()
    url = thread.get_absolute_url()
    assert "found this helpful" not in post_html(page(client, other, url), answer)
    services.mark_helpful(member=marker, post=answer)
    mine = post_html(page(client, marker, url), answer)
    assert "1 member found this helpful" in mine
    assert "Helpful (marked)" in mine
    # The other member sees the count, but not the marker's "marked" button.
    theirs = post_html(page(client, other, url), answer)
    assert "1 member found this helpful" in theirs
    assert "Helpful (marked)" not in theirs


def test_a_renamed_author_or_new_expert_shows_everywhere(client, setup, member) -> None:
    _asker, expert, thread, answer = setup
    page(client, member, thread.get_absolute_url())
    page(client, member, "/forum/")
    expert.display_name = "Ezra Renamed"
    expert.is_expert = True
    expert.save()
    asker = thread.author
    asker.display_name = "Asha Renamed"
    asker.save()
    html = post_html(page(client, member, thread.get_absolute_url()), answer)
    assert "Ezra Renamed" in html and "Ezra Expert" not in html
    assert "badge-expert" in html
    listing = page(client, member, "/forum/")
    assert "Asha Renamed" in listing and "Asha Asker" not in listing


def test_own_posts_and_moderator_tools_are_per_viewer(client, setup, moderator, member) -> None:
    _asker, expert, thread, answer = setup
    url = thread.get_absolute_url()
    sign_in(client, moderator)
    session = client.session
    session["mfa_authenticated"] = True  # moderators pass the second factor elsewhere
    session.save()
    as_moderator = client.get(url).content.decode()
    assert f"/forum/posts/{answer.pk}/hide/" in post_html(as_moderator, answer)
    as_author = post_html(page(client, expert, url), answer)
    as_member = post_html(page(client, member, url), answer)
    assert f"/forum/posts/{answer.pk}/hide/" not in as_author + as_member
    assert f"/forum/posts/{answer.pk}/edit/" in as_author
    assert f"/forum/posts/{answer.pk}/edit/" not in as_member
    assert f"/forum/posts/{answer.pk}/flag/" in as_member


def test_a_reused_row_carries_the_viewers_own_csrf_token(setup, make_user) -> None:
    _asker, _expert, thread, answer = setup
    first, second = make_user(), make_user()
    url = thread.get_absolute_url()
    for member in (first, second):
        client = Client(enforce_csrf_checks=True)
        sign_in(client, member)
        html = post_html(client.get(url).content.decode(), answer)
        assert fragments.CSRF_PLACEHOLDER not in html
        token = re.search(
            rf'action="/forum/posts/{answer.pk}/helpful/".*?name="csrfmiddlewaretoken" '
            r'value="([^"]+)"',
            html,
            re.S,
        ).group(1)
        response = client.post(f"/forum/posts/{answer.pk}/helpful/", {"csrfmiddlewaretoken": token})
        assert response.status_code == 302, "the token in the reused row was refused"
    assert answer.helpful_marks.count() == 2


def test_each_language_has_its_own_rows(client, setup, member) -> None:
    _asker, _expert, thread, answer = setup
    english = post_html(page(client, member, thread.get_absolute_url()), answer)
    assert ">Flag</a>" in english
    with translation.override("nl"):
        flag = translation.gettext("Flag")
    assert flag != "Flag"
    client.post("/i18n/setlang/", {"language": "nl", "next": "/"})
    dutch = post_html(client.get(thread.get_absolute_url()).content.decode(), answer)
    assert f">{flag}</a>" in dutch


def test_thread_rows_show_new_replies_and_topics(client, setup, member, moderator, topics) -> None:
    asker, _expert, thread, _answer = setup
    assert "1 reply" in page(client, member, "/forum/")
    services.create_reply(author=asker, thread=thread, body="Thank you.")
    services.retag_thread(actor=moderator, thread=thread, tags=[topics[4]])
    listing = page(client, member, "/forum/")
    assert "2 replies" in listing
    assert f"/forum/tags/{topics[4].slug}/" in listing
    tag_page = page(client, member, f"/forum/tags/{topics[4].slug}/")
    assert "2 replies" in tag_page


def test_the_store_keeps_within_its_bound() -> None:
    store = fragments.FragmentStore(max_chars=100)
    for number in range(20):
        store.put(bytes([number]), "x" * 30)
    assert len(store) == 3
    assert store.get(bytes([19])) == "x" * 30
    assert store.get(bytes([0])) is None
    store.put(b"big", "y" * 101)  # larger than the whole store: not kept
    assert store.get(b"big") is None
    off = fragments.FragmentStore(max_chars=0)  # FRAGMENT_CACHE_CHARS=0
    off.put(b"row", "<li>row</li>")
    assert off.get(b"row") is None


def test_attached_tags_read_like_a_prefetch(make_user, make_thread, topics) -> None:
    """members.selectors.attach_tags: the list for reading, the object's own tags for queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from members.selectors import attach_tags

    author = make_user()
    first = make_thread(author, tags=topics[:2])
    second = make_thread(author, tags=topics[3:4])
    bare = make_thread(author, tags=topics[5:6])
    bare.tags.clear()
    threads = [type(first).objects.get(pk=t.pk) for t in (first, second, bare)]
    with CaptureQueriesContext(connection) as captured:
        attach_tags(threads)
        names = [[tag.name for tag in t.tags.all()] for t in threads]
        assert threads[0].tags.count() == 2 and threads[2].tags.exists() is False
    assert len(captured) == 1
    assert names == [sorted(t.name for t in topics[:2]), [topics[3].name], []]
    # A new query from the attached tags asks for this thread's tags only.
    assert set(threads[0].tags.values_list("slug", flat=True)) == {t.slug for t in topics[:2]}
    assert list(threads[2].tags.values_list("pk", flat=True)) == []
    assert [t.name for t in threads[1].tags.filter(name=topics[3].name)] == [topics[3].name]
