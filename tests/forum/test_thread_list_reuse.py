"""The forum list and a topic's threads kept whole (forum.fragments.kept_thread_list).

A kept list is keyed by its rows' ids and page versions (moved by database
triggers, forum migrations 0008 and 0009), the count, the page and the query
string. Each test changes one thing a list shows by a plain ORM write, as any
code path might, and reads the list again as a member: the change shows at
once, and a list made for a moderator (with hidden threads) never reaches a
member.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from common import fragments
from forum import services
from forum.models import Thread, ThreadKind
from members.models import Tag, User
from tests.conftest import sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_fragment_store")]

FORUM = "/forum/"


@pytest.fixture
def setup(make_user, make_thread):
    asker = make_user(display_name="Asha Asker")
    answerer = make_user(display_name="Ezra Answerer")
    thread = make_thread(asker, title="Documenting a kettle at a protest")
    services.create_reply(author=answerer, thread=thread, body="Write down the times.")
    other = make_thread(answerer, title="Body cameras and consent", kind=ThreadKind.DISCUSSION)
    return asker, answerer, thread, other


def read(client: Client, member: User, url: str = FORUM) -> str:
    sign_in(client, member)
    response = client.get(url)
    assert response.status_code == 200
    match = re.search(r"<main\b.*?</main>", response.content.decode(), re.S)
    assert match, "no <main> on the page"
    # Each session's own CSRF token (the topic's follow button): not the list's.
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", match.group(0))


def queries(client: Client, url: str = FORUM) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_next_member_gets_the_kept_list_without_the_rows_queries(
    client, setup, make_user
) -> None:
    first, second = make_user(), make_user()
    rendered = read(client, first)
    sign_in(client, second)
    client.get(FORUM)  # their own session and header warmed
    fragments.store.clear()
    cold = queries(client)
    warm = queries(client)
    assert warm <= cold - 2  # neither the threads with their people nor their topics
    assert read(client, second) == rendered
    assert "Documenting a kettle at a protest" in rendered


def _rename_title(setup, **_):
    _asker, _answerer, thread, _other = setup
    Thread.objects.filter(pk=thread.pk).update(title="Recording a kettle, step by step")
    return "Recording a kettle, step by step"


def _rename_author(setup, **_):
    asker, *_ = setup
    User.objects.filter(pk=asker.pk).update(display_name="Asha Renamed")
    return "Asha Renamed"


def _rename_last_poster_without_a_post(setup, make_user, url, **_):
    """The last poster is shown by their avatar's name; they need no post in the thread."""
    _asker, _answerer, thread, _other = setup
    poster = make_user(display_name="Lior Lastposter")
    Thread.objects.filter(pk=thread.pk).update(last_poster=poster)
    read(Client(), make_user(), url)  # kept again, with this poster
    User.objects.filter(pk=poster.pk).update(display_name="Lior Renamed")
    return "Lior Renamed"


def _reply(setup, make_user, **_):
    _asker, _answerer, thread, _other = setup
    services.create_reply(author=make_user(), thread=thread, body="And the officers' numbers.")
    return "2 replies"


def _rename_topic(setup, **_):
    _asker, _answerer, thread, _other = setup
    Tag.objects.filter(pk=thread.tags.first().pk).update(name="Containment tactics")
    return "Containment tactics"


def _new_thread(setup, make_thread, **_):
    asker, *_ = setup
    make_thread(asker, title="A question asked a moment ago")
    return "A question asked a moment ago"


def _lock(setup, **_):
    _asker, _answerer, thread, _other = setup
    Thread.objects.filter(pk=thread.pk).update(is_locked=True)
    return "Locked"


@pytest.mark.parametrize(
    "change",
    [
        _rename_title,
        _rename_author,
        _rename_last_poster_without_a_post,
        _reply,
        _rename_topic,
        _new_thread,
        _lock,
    ],
    ids=lambda change: change.__name__.strip("_"),
)
@pytest.mark.parametrize("url", [FORUM, "topic"])
def test_each_change_shows_at_once(
    client, setup, member, make_user, make_thread, change, url
) -> None:
    _asker, _answerer, thread, _other = setup
    if url == "topic":
        url = f"/forum/tags/{thread.tags.first().slug}/"
    before = read(client, member, url)
    shown = change(setup, make_user=make_user, make_thread=make_thread, url=url)
    assert shown not in before
    after = read(client, member, url)
    assert shown in after
    # What rendering afresh gives, nothing kept.
    fragments.store.clear()
    assert read(client, member, url) == after


def test_a_removed_thread_leaves_the_list_at_once(client, setup, member) -> None:
    _asker, _answerer, thread, other = setup
    read(client, member)
    Thread.objects.filter(pk=thread.pk).delete()
    assert "Documenting a kettle" not in read(client, member)
    Thread.objects.filter(pk=other.pk).update(is_hidden=True)
    assert "Body cameras and consent" not in read(client, member)


def test_a_moderators_list_with_hidden_threads_never_reaches_a_member(
    client, setup, member, moderator
) -> None:
    _asker, _answerer, thread, _other = setup
    Thread.objects.filter(pk=thread.pk).update(is_hidden=True)
    for url in (FORUM, f"/forum/tags/{thread.tags.first().slug}/"):
        assert "Documenting a kettle" in read(client, moderator, url)
        assert "Documenting a kettle" not in read(client, member, url)
        fragments.store.clear()
        assert "Documenting a kettle" not in read(client, member, url)
        assert "Documenting a kettle" in read(client, moderator, url)


def test_the_query_string_and_the_language_are_part_of_the_key(client, setup, member) -> None:
    _asker, _answerer, thread, _other = setup
    everything = read(client, member)
    slug = thread.tags.first().slug
    questions = read(client, member, f"{FORUM}?kind=question&tag={slug}")
    assert questions != everything
    assert "Remove filter" in questions and "Remove filter" not in everything
    assert "Body cameras and consent" not in questions
    member.language = "fr"
    member.save()
    assert "Poser une question ou lancer une discussion" in read(client, member)


def test_a_topic_renamed_is_renamed_in_the_filter_form(client, setup, member) -> None:
    _asker, _answerer, _thread, _other = setup
    spare = Tag.objects.create(name="Crowd monitoring", slug="crowd-monitoring")
    assert "Crowd monitoring" in read(client, member)
    Tag.objects.filter(pk=spare.pk).update(name="Assembly monitoring")
    html = read(client, member)
    assert "Assembly monitoring" in html and "Crowd monitoring" not in html


def test_a_purge_empties_the_kept_lists(client, setup, member) -> None:
    read(client, member)
    assert len(fragments.store)
    fragments.forget_everything()
    assert not len(fragments.store)
