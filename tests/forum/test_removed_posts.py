"""Deleted and hidden posts answer 404 on every post URL, to everyone but moderators.

The rule is one selector (forum.selectors.post_for) that every post URL uses.
The tests walk the resolver for every forum URL that takes a post id, so a
post URL added later is covered without anyone listing it here.
"""

from __future__ import annotations

import pytest
from django.test import Client

from forum import services
from network.threads_and_lessons import can_turn_into_lesson
from tests.conftest import sign_in
from tests.network.url_patterns import all_routes

pytestmark = pytest.mark.django_db

CANARY = "zqxmarigold"


def post_routes() -> list:
    """Every forum URL whose id is a post's (/forum/posts/<int:pk>/...)."""
    routes = [r for r in all_routes() if r.route.startswith("forum/posts/<int:pk>/")]
    # A floor, so that a change to the walk itself cannot make these tests vacuous.
    assert len(routes) >= 10, [r.key for r in routes]
    return routes


@pytest.fixture
def removed(make_user, make_thread, moderator):
    """A thread with a reply its author deleted and one a moderator hid."""
    author = make_user()
    thread = make_thread(author)
    deleted_by_author = make_user()
    deleted = services.create_reply(
        author=deleted_by_author, thread=thread, body=f"Deleted: {CANARY} lives on Elm Street."
    )
    services.edit_post(editor=deleted_by_author, post=deleted, body=f"{CANARY} edited once")
    services.delete_post(actor=deleted_by_author, post=deleted)
    hidden_author = make_user()
    hidden = services.create_reply(
        author=hidden_author, thread=thread, body=f"Hidden: {CANARY} again."
    )
    services.edit_post(editor=hidden_author, post=hidden, body=f"{CANARY} hidden, edited")
    services.set_post_hidden(actor=moderator, post=hidden, hidden=True)
    return {
        "thread": thread,
        "deleted": deleted,
        "deleted_author": deleted_by_author,
        "hidden": hidden,
        "hidden_author": hidden_author,
    }


def _ask(client: Client, route, pk: int, method: str):
    path = route.fill({"pk": pk})
    return getattr(client, method)(path, {"body": "x", "reason": "spam", "hidden": "0"})


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("which", ["deleted", "hidden"])
def test_other_members_get_404_for_a_removed_post_on_every_post_url(
    client: Client, make_user, removed, which: str, method: str
) -> None:
    client.force_login(make_user())
    for route in post_routes():
        response = _ask(client, route, removed[which].pk, method)
        assert response.status_code in {404, 405, 403}, f"{method} {route.route}"
        assert CANARY.encode() not in response.content, f"{method} {route.route}"
        if response.status_code != 405 and not route.key.startswith(
            ("forum:post_hide", "forum:post_restore", "forum:flags_dismiss", "forum:post_purge")
        ):
            assert response.status_code == 404, f"{method} {route.route}"


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("which", ["deleted", "hidden"])
def test_the_author_gets_404_for_their_own_removed_post_on_every_post_url(
    client: Client, removed, which: str, method: str
) -> None:
    client.force_login(removed[f"{which}_author"])
    for route in post_routes():
        response = _ask(client, route, removed[which].pk, method)
        assert CANARY.encode() not in response.content, f"{method} {route.route}"
        assert response.status_code in {404, 405, 403}, f"{method} {route.route}"


def test_deleted_reply_history_and_flag_pages_answer_404(client: Client, make_user, removed):
    client.force_login(make_user())
    pk = removed["deleted"].pk
    assert client.get(f"/forum/posts/{pk}/history/").status_code == 404
    assert client.get(f"/forum/posts/{pk}/flag/").status_code == 404


def test_moderators_still_open_removed_posts(client: Client, moderator, removed) -> None:
    sign_in(client, moderator)
    for which in ["deleted", "hidden"]:
        response = client.get(f"/forum/posts/{removed[which].pk}/history/")
        assert response.status_code == 200
        assert CANARY.encode() in response.content


def test_post_history_is_for_the_author_and_moderators_only(
    client: Client, make_user, make_thread, moderator
) -> None:
    author = make_user()
    thread = make_thread(author)
    post = services.create_reply(author=author, thread=thread, body=f"Ask {CANARY} at the station.")
    services.edit_post(editor=author, post=post, body="Ask [name removed] at the station.")
    url = f"/forum/posts/{post.pk}/history/"
    client.force_login(make_user())
    assert client.get(url).status_code == 404
    client.force_login(author)
    assert CANARY.encode() in client.get(url).content
    sign_in(client, moderator)
    assert CANARY.encode() in client.get(url).content


def test_thread_page_links_history_only_for_the_author_and_moderators(
    client: Client, make_user, make_thread
) -> None:
    author = make_user()
    thread = make_thread(author)
    post = services.create_reply(author=author, thread=thread, body="First words.")
    services.edit_post(editor=author, post=post, body="Second words.")
    history = f"/forum/posts/{post.pk}/history/".encode()
    client.force_login(make_user())
    assert history not in client.get(thread.get_absolute_url()).content
    client.force_login(author)
    assert history in client.get(thread.get_absolute_url()).content


# --- Finding 3: "Turn into a lesson" copies only what the requester may see ---------


@pytest.fixture
def answered(make_user, make_thread, expert, moderator):
    asker = make_user()
    thread = make_thread(asker, body="How do we keep a witness safe?")
    answer = services.create_reply(
        author=make_user(), thread=thread, body=f"Ask {CANARY} at the station."
    )
    services.accept_answer(actor=asker, post=answer)
    thread.refresh_from_db()
    return {"thread": thread, "answer": answer, "asker": asker}


def test_a_hidden_accepted_answer_is_not_copied_into_a_lesson_draft(
    client: Client, answered, expert, moderator
) -> None:
    services.set_post_hidden(actor=moderator, post=answered["answer"], hidden=True)
    client.force_login(expert)
    response = client.get(f"/lessons/new/?from_thread={answered['thread'].pk}")
    assert CANARY.encode() not in response.content
    client.force_login(answered["asker"])
    response = client.get(f"/lessons/new/?from_thread={answered['thread'].pk}")
    assert CANARY.encode() not in response.content


def test_hiding_keeps_the_acceptance_and_unhiding_brings_the_answer_back(
    client: Client, answered, expert, moderator
) -> None:
    thread, answer = answered["thread"], answered["answer"]
    services.set_post_hidden(actor=moderator, post=answer, hidden=True)
    thread.refresh_from_db()
    assert thread.accepted_post_id == answer.pk
    assert not can_turn_into_lesson(expert, thread)
    services.set_post_hidden(actor=moderator, post=answer, hidden=False)
    client.force_login(expert)
    response = client.get(f"/lessons/new/?from_thread={thread.pk}")
    assert CANARY.encode() in response.content


def test_deleting_the_accepted_answer_unaccepts_it(client: Client, answered, expert) -> None:
    thread, answer = answered["thread"], answered["answer"]
    services.delete_post(actor=answer.author, post=answer)
    thread.refresh_from_db()
    assert thread.accepted_post_id is None
    client.force_login(expert)
    assert client.get(f"/lessons/new/?from_thread={thread.pk}").status_code == 404


def test_moderators_may_copy_a_hidden_accepted_answer(client: Client, answered, moderator) -> None:
    services.set_post_hidden(actor=moderator, post=answered["answer"], hidden=True)
    sign_in(client, moderator)
    response = client.get(f"/lessons/new/?from_thread={answered['thread'].pk}")
    assert response.status_code == 200
    assert CANARY.encode() in response.content


def test_a_hidden_question_is_not_copied_for_its_asker(client: Client, answered, moderator) -> None:
    thread = answered["thread"]
    services.switch_thread(actor=moderator, thread=thread, action="hide")
    client.force_login(answered["asker"])
    assert client.get(f"/lessons/new/?from_thread={thread.pk}").status_code == 404
