"""Forum hits on the search page are reused (forum.fragments.render_search_hits), never stale.

A repeated search (another member, a page back) renders each hit once per
key (issue 20); every value a hit shows is in its key, so an edit (a new
snippet), another title, kind or topic, or another language
shows at once.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from django.template.loader import get_template
from django.urls import reverse
from django.utils.safestring import mark_safe

from common import fragments
from forum import fragments as forum_fragments
from forum import services
from forum.models import ThreadKind
from forum.search import search_posts
from members.models import Tag
from tests.conftest import copy_with, sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_fragment_store")]


@pytest.fixture
def thread(member, topics):
    return services.create_thread(
        author=member,
        title="Kettling at the march",
        body="The police used kettling for three hours.",
        tags=topics[:1],
        kind=ThreadKind.QUESTION,
        language="en",
    )


def _hit(query: str = "kettling"):
    [hit] = search_posts(query)[:1]
    return hit


def _retagged(hit, name):
    thread = copy_with(hit.thread)
    thread.__dict__["_prefetched_objects_cache"] = {"tags": [Tag(name=name, slug="other")]}
    return replace(hit, thread=thread)


CHANGES = {
    "post": lambda h: replace(h, post=copy_with(h.post, pk=h.post.pk + 1000)),
    "title": lambda h: replace(h, title=mark_safe("Another title")),
    "snippet": lambda h: replace(h, snippet=mark_safe("another <mark>snippet</mark>")),
    "kind": lambda h: replace(h, thread=copy_with(h.thread, kind=ThreadKind.DISCUSSION)),
    "is_opening": lambda h: replace(h, post=copy_with(h.post, is_opening=not h.post.is_opening)),
    "created_at": lambda h: replace(
        h, post=copy_with(h.post, created_at=h.post.created_at + timedelta(seconds=1))
    ),
    "tags": lambda h: _retagged(h, "Another topic"),
}


def test_every_input_of_a_search_hit_has_a_change_below(thread) -> None:
    assert len(forum_fragments.search_hit_key(_hit())) == len(CHANGES)


@pytest.mark.parametrize("name", CHANGES)
def test_each_input_of_a_search_hit_changes_its_key(name, thread) -> None:
    hit = _hit()
    assert forum_fragments.search_hit_key(CHANGES[name](hit)) != forum_fragments.search_hit_key(hit)


def test_a_reused_hit_is_what_rendering_it_afresh_gives(rf, member, thread) -> None:
    request = rf.get("/")
    request.user = member
    hit = _hit()
    fresh = get_template(forum_fragments.SEARCH_HIT_TEMPLATE).render({"hit": hit})
    [first] = forum_fragments.render_search_hits(request, [hit])
    [again] = forum_fragments.render_search_hits(request, [_hit()])
    assert len(fragments.store) == 1
    assert first == again == fresh
    opening = thread.posts.get(is_opening=True)
    assert "<mark>" in first and f'href="{opening.get_absolute_url()}"' in first


def test_an_edit_shows_in_the_next_search(client, member, thread) -> None:
    sign_in(client, member)
    url = reverse("search")
    page = client.get(url, {"q": "kettling"}).content.decode()
    assert "three hours" in page
    opening = thread.posts.get(is_opening=True)
    services.edit_post(editor=member, post=opening, body="The police used kettling for five hours.")
    page = client.get(url, {"q": "kettling"}).content.decode()
    assert "five hours" in page and "three hours" not in page


def test_each_language_has_its_own_hits(client, member, thread) -> None:
    sign_in(client, member)
    url = reverse("search")
    assert "opening post" in client.get(url, {"q": "kettling"}).content.decode()
    client.post(reverse("set_language"), {"language": "fr", "next": url})
    assert "opening post" not in client.get(url, {"q": "kettling"}).content.decode()
