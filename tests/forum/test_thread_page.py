"""What a thread page and a thread list show: the replies' heading, the reply box's
one label, the follow button's wording, topic checkboxes and chips in the filters."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from forum import services
from forum.models import ThreadKind
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def _page(client: Client, member, url: str) -> str:
    sign_in(client, member)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _replies_heading(html: str) -> str | None:
    match = re.search(r'<h2 id="replies-heading">(.*?)</h2>', html, re.S)
    return match.group(1).strip() if match else None


def test_no_replies_heading_until_someone_replies(client, member, make_user, make_thread) -> None:
    thread = make_thread(make_user())
    html = _page(client, member, thread.get_absolute_url())
    assert _replies_heading(html) is None
    assert "No replies yet." in html


def test_the_replies_heading_counts_one_and_several(client, member, make_user, make_thread):
    thread = make_thread(make_user())
    services.create_reply(author=member, thread=thread, body="First.")
    assert _replies_heading(_page(client, member, thread.get_absolute_url())) == "1 reply"
    services.create_reply(author=member, thread=thread, body="Second.")
    assert _replies_heading(_page(client, member, thread.get_absolute_url())) == "2 replies"


def test_an_accepted_only_reply_leaves_no_empty_replies_heading(
    client, member, make_user, make_thread
) -> None:
    asker = make_user()
    thread = make_thread(asker)
    answer = services.create_reply(author=member, thread=thread, body="The answer.")
    services.accept_answer(actor=asker, post=answer)
    html = _page(client, member, thread.get_absolute_url())
    # The answer is shown once, under "Accepted answer"; no "1 reply" over nothing.
    assert "Accepted answer" in html
    assert _replies_heading(html) is None
    assert "No replies yet." not in html
    services.create_reply(author=asker, thread=thread, body="Thank you.")
    html = _page(client, member, thread.get_absolute_url())
    assert _replies_heading(html) == "1 other reply"
    services.create_reply(author=member, thread=thread, body="You are welcome.")
    html = _page(client, member, thread.get_absolute_url())
    assert _replies_heading(html) == "2 other replies"


@pytest.mark.parametrize(
    ("kind", "label"), [(ThreadKind.QUESTION, "Your answer"), (ThreadKind.DISCUSSION, "Your reply")]
)
def test_the_reply_box_has_one_label(client, member, make_user, make_thread, kind, label):
    thread = make_thread(make_user(), kind=kind)
    html = _page(client, member, thread.get_absolute_url())
    box = re.search(r'<section aria-labelledby="reply-heading".*?</section>', html, re.S).group(0)
    labels = re.findall(r"<label[^>]*>(.*?)</label>", box, re.S)
    assert labels == [label]
    # The label is the box's heading, and it names the text field.
    assert re.search(rf'<h2 id="reply-heading"><label for="id_body">{label}</label></h2>', box)
    assert 'id="id_body"' in box
    other = {"Your answer": "Your reply", "Your reply": "Your answer"}[label]
    assert other not in box


def test_the_follow_button_says_follow_or_following(client, member, make_user, make_thread):
    thread = make_thread(make_user())
    html = _page(client, member, thread.get_absolute_url())
    assert 'aria-pressed="false">Follow</button>' in html
    client.post(f"/forum/{thread.pk}/follow/", {"follow": "1"})
    html = client.get(thread.get_absolute_url()).content.decode()
    assert 'aria-pressed="true">Following</button>' in html


def _checked(html: str, slug: str) -> bool:
    return bool(re.search(rf'<input type="checkbox" name="tag" value="{slug}"[^>]* checked', html))


def test_topics_are_checkboxes_and_chosen_ones_chips(
    client, member, make_user, make_thread, topics
) -> None:
    make_thread(make_user(), title="Both topics", tags=topics[:2])
    first, second = topics[0].slug, topics[1].slug
    html = _page(client, member, f"/forum/?sort=new&tag={first}&tag={second}")
    fieldset = re.search(r'<fieldset class="filter-topics".*?</fieldset>', html, re.S).group(0)
    assert "<select" not in fieldset
    assert _checked(html, first) and _checked(html, second)
    assert not _checked(html, topics[2].slug)
    # The filters start closed: the rows come first on a phone.
    assert '<details class="filter-panel">' in html
    # Each chip is this list without that one topic, the sort and the other topic kept.
    chips = re.search(r'<ul class="filter-chips".*?</ul>', html, re.S).group(0)
    assert f'href="?sort=new&amp;tag={second}"' in chips
    assert f'href="?sort=new&amp;tag={first}"' in chips
    assert f"<bdi>{topics[0].name}</bdi>" in chips


def _grow(thread, author, replies: int) -> None:
    from datetime import timedelta

    from forum.models import Post

    Post.objects.bulk_create(
        Post(
            thread=thread,
            author=author,
            body=f"Reply {i}",
            body_html=f"<p>Reply {i}</p>",
            created_at=thread.created_at + timedelta(minutes=i + 1),
        )
        for i in range(replies)
    )


def test_a_longer_thread_is_paged(client: Client, member, make_thread) -> None:
    from forum.selectors import POSTS_PER_PAGE

    thread = make_thread(member)
    _grow(thread, member, POSTS_PER_PAGE)  # one post more than a page
    sign_in(client, member)
    first = client.get(thread.get_absolute_url()).content.decode()
    assert f"{POSTS_PER_PAGE} replies" in first
    assert "Page 1 of 2" in first
    assert first.count('<article class="post') == POSTS_PER_PAGE
    second = client.get(thread.get_absolute_url() + "?page=2").content.decode()
    assert "Page 2 of 2" in second
    assert f"Reply {POSTS_PER_PAGE - 1}" in second
    assert f">Reply {POSTS_PER_PAGE - 1}<" not in first
    assert "Page 2 of 2" in client.get(thread.get_absolute_url() + "?page=9").content.decode()
