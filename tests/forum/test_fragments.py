"""Rendered posts and thread rows are reused (common.fragments), never stale, never shared wrongly.

Every test renders a page once so that its rows are in the store, changes one
thing a row shows, and checks the next page shows the change; the viewer
tests check that what one member's relation to a post renders never reaches
another member, and that the CSRF token in a reused row is the viewer's own.
"""

from __future__ import annotations

import copy
import re
from dataclasses import replace
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.test import Client, RequestFactory, override_settings
from django.utils import translation

from common import fragments
from forum import fragments as forum_fragments
from forum import services
from forum.models import Post, ThreadKind
from forum.selectors import Viewer
from members.selectors import attach_tags
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


# --- The key functions (forum.fragments): each input changes the key ----------------


def _copy(instance, **changes):
    """A copy of a model instance (or a plain object) with some attributes changed."""
    changed = copy.copy(instance)
    for name, value in changes.items():
        setattr(changed, name, value)
    return changed


def _retagged(thread, tag):
    thread.tags.add(tag)
    fresh = type(thread).objects.select_related("author", "last_poster").get(pk=thread.pk)
    attach_tags([fresh])
    return fresh


# Each entry changes one value a thread row is rendered from: (thread, viewer) -> (thread, viewer).
THREAD_ROW_CHANGES = {
    "pk": lambda t, v, _tag: (_copy(t, pk=t.pk + 1000), v),
    "title": lambda t, v, _tag: (_copy(t, title=t.title + " again"), v),
    "language": lambda t, v, _tag: (_copy(t, language="fr"), v),
    "kind": lambda t, v, _tag: (_copy(t, kind=ThreadKind.DISCUSSION), v),
    "is_pinned": lambda t, v, _tag: (_copy(t, is_pinned=not t.is_pinned), v),
    "is_locked": lambda t, v, _tag: (_copy(t, is_locked=not t.is_locked), v),
    "is_hidden": lambda t, v, _tag: (_copy(t, is_hidden=not t.is_hidden), v),
    "answered": lambda t, v, _tag: (_copy(t, accepted_post_id=t.accepted_post_id or 1), v),
    "reply_count": lambda t, v, _tag: (_copy(t, reply_count=t.reply_count + 1), v),
    "helpful_count": lambda t, v, _tag: (_copy(t, helpful_count=t.helpful_count + 1), v),
    "last_activity_at": lambda t, v, _tag: (
        _copy(t, last_activity_at=t.last_activity_at + timedelta(seconds=1)),
        v,
    ),
    "author": lambda t, v, _tag: (_copy(t, author=_copy(t.author, display_name="Someone Else")), v),
    "last_poster": lambda t, v, _tag: (
        _copy(t, last_poster=_copy(t.last_poster, display_name="Last One")),
        v,
    ),
    "tags": lambda t, v, tag: (_retagged(t, tag), v),
    "viewer signed in": lambda t, v, _tag: (t, SimpleNamespace(pk=None, is_authenticated=False)),
}


def _thread_row_base(make_user, make_thread, topics):
    thread = make_thread(make_user(display_name="Asha Asker"), tags=topics[:2])
    thread = type(thread).objects.select_related("author", "last_poster").get(pk=thread.pk)
    attach_tags([thread])
    return thread, make_user()


def test_every_input_of_a_thread_row_has_a_change_below(make_user, make_thread, topics) -> None:
    thread, viewer = _thread_row_base(make_user, make_thread, topics)
    assert len(forum_fragments.thread_row_key(thread, viewer=viewer)) == len(THREAD_ROW_CHANGES)


@pytest.mark.parametrize("name", THREAD_ROW_CHANGES)
def test_each_input_of_a_thread_row_changes_its_key(name, make_user, make_thread, topics) -> None:
    thread, viewer = _thread_row_base(make_user, make_thread, topics)
    before = forum_fragments.thread_row_key(thread, viewer=viewer)
    changed, changed_viewer = THREAD_ROW_CHANGES[name](thread, viewer, topics[4])
    assert forum_fragments.thread_row_key(changed, viewer=changed_viewer) != before


def _moderating(page):
    return replace(page, viewer=_copy(page.viewer, is_moderator=True))


# Each entry: (given, change), both (post, accepted, page) -> (post, accepted, page); the
# key after ``change`` differs from the key after ``given`` alone.
def _same(post, accepted, page):
    return post, accepted, page


ATTACHED = SimpleNamespace(pk=1, name="a.pdf", size=9, extension="pdf")
POST_CHANGES = {
    "pk": (_same, lambda p, a, g: (_copy(p, pk=p.pk + 1000), a, g)),
    "is_opening": (_same, lambda p, a, g: (_copy(p, is_opening=not p.is_opening), a, g)),
    "is_deleted": (_same, lambda p, a, g: (_copy(p, is_deleted=not p.is_deleted), a, g)),
    "is_hidden": (_same, lambda p, a, g: (_copy(p, is_hidden=not p.is_hidden), a, g)),
    "body_html": (_same, lambda p, a, g: (_copy(p, body_html=p.body_html + "<p>!</p>"), a, g)),
    "created_at": (
        _same,
        lambda p, a, g: (_copy(p, created_at=p.created_at + timedelta(seconds=1)), a, g),
    ),
    "edit_count": (_same, lambda p, a, g: (_copy(p, edit_count=p.edit_count + 1), a, g)),
    "helpful_count": (_same, lambda p, a, g: (_copy(p, helpful_count=p.helpful_count + 1), a, g)),
    "attached files": (
        _same,
        lambda p, a, g: (
            _copy(
                p, attached_files=[SimpleNamespace(pk=1, name="a.pdf", size=10, extension="pdf")]
            ),
            a,
            g,
        ),
    ),
    "author": (
        _same,
        lambda p, a, g: (_copy(p, author=_copy(p.author, display_name="Someone Else")), a, g),
    ),
    "thread": (
        _same,
        lambda p, a, g: (p, a, replace(g, thread=_copy(g.thread, pk=g.thread.pk + 1000))),
    ),
    "thread language": (
        _same,
        lambda p, a, g: (p, a, replace(g, thread=_copy(g.thread, language="fr"))),
    ),
    "accepted": (_same, lambda p, a, g: (p, not a, g)),
    "viewer signed in": (
        _same,
        lambda p, a, g: (
            p,
            a,
            replace(
                g,
                viewer=SimpleNamespace(pk=g.viewer.pk, is_authenticated=False, can_moderate=False),
            ),
        ),
    ),
    "viewer moderates": (_same, lambda p, a, g: (p, a, _moderating(g))),
    "can_reply": (_same, lambda p, a, g: (p, a, replace(g, can_reply=not g.can_reply))),
    "can_accept": (_same, lambda p, a, g: (p, a, replace(g, can_accept=not g.can_accept))),
    "viewer wrote it": (
        _same,
        lambda p, a, g: (p, a, replace(g, viewer=_copy(g.viewer, pk=p.author_id))),
    ),
    "viewer found it helpful": (
        _same,
        lambda p, a, g: (p, a, replace(g, state=replace(g.state, helpful={p.pk}))),
    ),
    "open flags (moderators)": (
        lambda p, a, g: (p, a, _moderating(g)),
        lambda p, a, g: (p, a, replace(g, state=replace(g.state, open_flags={p.pk: 2}))),
    ),
}


def _post_base(setup, member):
    _asker, _expert, thread, answer = setup
    answer = Post.objects.select_related("author").get(pk=answer.pk)
    page = forum_fragments.ThreadPage(
        thread=thread,
        viewer=member,
        state=Viewer(helpful=set(), following=False, open_flags={}),
        can_reply=True,
        can_accept=False,
    )
    return answer, False, page


def _post_key(post, accepted, page):
    return forum_fragments.post_key(post, accepted=accepted, page=page)


def test_every_input_of_a_post_has_a_change_below(setup, member) -> None:
    assert len(_post_key(*_post_base(setup, member))) == len(POST_CHANGES)


@pytest.mark.parametrize("name", POST_CHANGES)
def test_each_input_of_a_post_changes_its_key(name, setup, member) -> None:
    given, change = POST_CHANGES[name]
    before = given(*_post_base(setup, member))
    assert _post_key(*change(*before)) != _post_key(*before)


def test_open_flags_are_in_the_key_for_moderators_only(setup, member) -> None:
    post, accepted, page = _post_base(setup, member)
    flagged = replace(page, state=replace(page.state, open_flags={post.pk: 2}))
    assert _post_key(post, accepted, flagged) == _post_key(post, accepted, page)


def _tokens_alike(html: str) -> str:
    # Each get_token() masks the same secret differently.
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken"', html)


def _request_of(member):
    request = RequestFactory().get("/")
    request.user = member
    return request


def test_a_reused_post_is_what_rendering_it_afresh_gives(setup, member) -> None:
    post, accepted, page = _post_base(setup, member)
    request = _request_of(member)
    fresh = get_template(forum_fragments.POST_TEMPLATE).render(
        {
            **forum_fragments.post_context(post, accepted=accepted, page=page),
            "csrf_token": get_token(request),
        }
    )
    forum_fragments.render_posts(request, page, [(post, accepted)])
    first, stored = post.rendered, len(fragments.store)
    forum_fragments.render_posts(request, page, [(post, accepted)])
    assert len(fragments.store) == stored == 1  # the second time from the store
    assert _tokens_alike(post.rendered) == _tokens_alike(first) == _tokens_alike(fresh)
    assert "csrfmiddlewaretoken" in fresh


def test_a_reused_thread_row_is_what_rendering_it_afresh_gives(
    make_user, make_thread, topics
) -> None:
    thread, viewer = _thread_row_base(make_user, make_thread, topics)
    request = _request_of(viewer)
    fresh = get_template(forum_fragments.THREAD_ROW_TEMPLATE).render(
        forum_fragments.thread_row_context(thread, viewer=viewer)
    )
    forum_fragments.render_thread_rows(request, [thread])
    first, stored = thread.rendered, len(fragments.store)
    forum_fragments.render_thread_rows(request, [thread])
    assert len(fragments.store) == stored == 1
    assert thread.rendered == first
    assert thread.rendered == fresh
    assert thread.title in fresh


def test_the_store_reads_its_bound_when_it_writes(settings) -> None:
    """common.fragments reads FRAGMENT_CACHE_CHARS at each write, not at import."""
    store = fragments.FragmentStore()
    settings.FRAGMENT_CACHE_CHARS = 0
    store.put(b"row", "<li>row</li>")
    assert store.get(b"row") is None
    settings.FRAGMENT_CACHE_CHARS = 100
    store.put(b"row", "<li>row</li>")
    assert store.get(b"row") == "<li>row</li>"


def test_no_row_is_kept_when_the_setting_turns_reuse_off(client, setup, member) -> None:
    _asker, _expert, thread, answer = setup
    with override_settings(FRAGMENT_CACHE_CHARS=0):
        html = page(client, member, thread.get_absolute_url())
        assert len(fragments.store) == 0
    assert "<strong>times</strong>" in post_html(html, answer)
    page(client, member, thread.get_absolute_url())
    assert len(fragments.store) >= 2


# --- The reply box ------------------------------------------------------------------


def _client_token(html: str) -> str:
    return re.search(r'name="client_token" value="([^"]+)"', html).group(1)


def test_the_reused_reply_box_has_a_fresh_client_token_on_each_page(client, setup, member) -> None:
    _asker, _expert, thread, _answer = setup
    url = thread.get_absolute_url()
    first, second = (
        _client_token(page(client, member, url)),
        _client_token(page(client, member, url)),
    )
    assert first != second
    placeholder = str(forum_fragments.CLIENT_TOKEN_PLACEHOLDER)
    assert placeholder not in (first, second)
    # The token still makes a reply posted twice one post.
    for _ in range(2):
        client.post(f"/forum/{thread.pk}/reply/", {"body": "Once only.", "client_token": first})
    assert thread.posts.filter(body="Once only.").count() == 1


def test_a_quote_or_a_refused_reply_is_never_reused(client, setup, member) -> None:
    _asker, _expert, thread, answer = setup
    url = thread.get_absolute_url()
    assert "wrote:" in page(client, member, f"{url}?quote={answer.pk}")
    assert "wrote:" not in page(client, member, url)
    refused = client.post(f"/forum/{thread.pk}/reply/", {"body": "x" * 100_001})
    assert refused.status_code == 400
    assert "x" * 1000 in refused.content.decode()  # what the member typed is kept
    assert "x" * 1000 not in page(client, member, url)


def test_the_reply_box_follows_the_lock(client, setup, member, moderator) -> None:
    _asker, _expert, thread, _answer = setup
    url = thread.get_absolute_url()
    assert "Post reply" in page(client, member, url)
    services.switch_thread(actor=moderator, thread=thread, action="lock")
    html = page(client, member, url)
    assert "This thread is locked: no new replies." in html
    assert "Post reply" not in html


def test_each_input_of_the_reply_box_changes_its_key(setup) -> None:
    _asker, _expert, thread, _answer = setup
    base = forum_fragments.reply_box_key(thread, can_reply=True)
    assert forum_fragments.reply_box_key(thread, can_reply=False) != base
    for name, value in {
        "pk": thread.pk + 1,
        "kind": ThreadKind.DISCUSSION if thread.is_question else ThreadKind.QUESTION,
        "is_locked": not thread.is_locked,
    }.items():
        other = copy.copy(thread)
        setattr(other, name, value)
        assert forum_fragments.reply_box_key(other, can_reply=True) != base, name
