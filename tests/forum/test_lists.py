"""Thread lists, filters, tag pages, follows and events, and the query budgets."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from forum import services
from forum.models import Post, Thread, ThreadKind
from forum.notification_kinds import NotificationKind
from notifications.models import Notification
from notifications.services import follow
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def titles(client: Client, url: str) -> list[str]:
    import re

    page = client.get(url).content.decode()
    return re.findall(r'class="thread-title">.*?<a href="[^"]+"[^>]*>([^<]+)</a>', page, re.S)


def test_lists_sort_and_filter(client: Client, member, make_user, make_thread, topics) -> None:
    other = make_user()
    old = make_thread(other, title="Old question on custody", tags=[topics[0]])
    discussion = make_thread(
        other, title="Discussion on training", tags=[topics[2]], kind=ThreadKind.DISCUSSION
    )
    french = make_thread(
        other, title="Question en français", tags=[topics[0], topics[1]], language="fr"
    )
    Thread.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=9))
    services.create_reply(author=member, thread=old, body="A reply bumps it")
    services.mark_helpful(member=member, post=discussion.posts.get())
    sign_in(client, member)

    assert titles(client, "/forum/")[0] == "Old question on custody"  # latest activity
    assert titles(client, "/forum/?sort=new")[-1] == "Old question on custody"
    assert titles(client, "/forum/?sort=unanswered") == ["Question en français"]
    assert titles(client, "/forum/?sort=helpful")[0] == "Discussion on training"
    assert titles(client, "/forum/?kind=discussion") == ["Discussion on training"]
    assert titles(client, "/forum/?language=fr") == ["Question en français"]
    both = f"/forum/?tag={topics[0].slug}&tag={topics[1].slug}"
    assert titles(client, both) == ["Question en français"]
    assert sorted(titles(client, f"/forum/?tag={topics[0].slug}")) == [
        "Old question on custody",
        "Question en français",
    ]
    assert french.language == "fr"
    assert 'lang="fr" dir="auto">Question en français</a>' in client.get("/forum/").content.decode()


def test_pinned_threads_come_first(client: Client, member, moderator, make_thread) -> None:
    pinned = make_thread(moderator, title="Read this first: guidelines")
    make_thread(member, title="A newer question about stops")
    services.switch_thread(actor=moderator, thread=pinned, action="pin")
    sign_in(client, member)
    assert titles(client, "/forum/")[0] == "Read this first: guidelines"


def test_tag_page_shows_description_followers_and_follow_button(
    client: Client, member, make_user, make_thread, topics
) -> None:
    tag = topics[0]
    tag.description = "Necessity and proportionality."
    tag.save()
    follow(follower=make_user(), target=tag)
    make_thread(member, title="Question about batons", tags=[tag])
    sign_in(client, member)
    page = client.get(f"/forum/tags/{tag.slug}/").content.decode()
    assert "Necessity and proportionality." in page
    assert "1 member follows this topic" in page
    assert "Question about batons" in page
    client.post(f"/members/topics/{tag.slug}/follow/", {"next": f"/forum/tags/{tag.slug}/"})
    assert "2 members follow this topic" in client.get(f"/forum/tags/{tag.slug}/").content.decode()
    assert client.get("/forum/tags/no-such-topic/").status_code == 404


def test_the_tag_page_shows_each_member_their_own_follow_state(
    client: Client, member, make_user, topics
) -> None:
    """Whether the viewer follows the topic comes with the topic's own query."""
    tag, follower = topics[0], make_user()
    follow(follower=follower, target=tag)
    url = f"/forum/tags/{tag.slug}/"
    sign_in(client, follower)
    assert 'aria-pressed="true"' in client.get(url).content.decode()
    sign_in(client, member)
    page = client.get(url).content.decode()
    assert 'aria-pressed="false"' in page and 'aria-pressed="true"' not in page
    client.logout()
    assert client.get(url).status_code == 302  # members only: to the sign-in page


def test_the_topics_page_has_a_follow_button_for_each_topic_and_comes_back_to_it(
    client: Client, member, make_user, topics
) -> None:
    """One topics page: /forum/tags/ says "follow" and has the buttons to do it."""
    tag = topics[1]
    sign_in(client, member)
    page = client.get("/forum/tags/").content.decode()
    assert "Follow the topics you work on" in page
    for topic in topics:
        assert f'action="/members/topics/{topic.slug}/follow/"' in page
        assert f"Follow <bdi>{topic.name}</bdi></button>" in page
    response = client.post(
        f"/members/topics/{tag.slug}/follow/",
        {"follow": "1", "next": f"/forum/tags/#topic-{tag.slug}"},
    )
    assert response.status_code == 302 and response["Location"] == f"/forum/tags/#topic-{tag.slug}"
    page = client.get("/forum/tags/").content.decode()
    assert f'<li class="topic" id="topic-{tag.slug}">' in page
    assert f"Stop following <bdi>{tag.name}</bdi></button>" in page
    assert "1 follower" in page and "You follow this" in page
    client.post(f"/members/topics/{tag.slug}/follow/", {"follow": "0"})
    assert "You follow this" not in client.get("/forum/tags/").content.decode()


def test_the_old_topics_address_leads_to_the_one_topics_page(client: Client, member) -> None:
    sign_in(client, member)
    response = client.get("/members/topics/")
    assert response.status_code == 301 and response["Location"] == "/forum/tags/"
    assert client.post("/members/topics/").status_code == 405
    client.logout()
    assert client.get("/members/topics/")["Location"].startswith("/accounts/login/")


def test_the_forum_links_to_the_topics_page(client: Client, member) -> None:
    sign_in(client, member)
    assert 'href="/forum/tags/">Topics</a>' in client.get("/forum/").content.decode()


# --- Events --------------------------------------------------------------------------


def test_new_question_tells_tag_and_author_followers_once(
    member, expert, make_user, make_thread, topics
) -> None:
    follows_tag, follows_author = make_user(), make_user()
    follow(follower=expert, target=topics[0])
    follow(follower=expert, target=member)  # two reasons: still one notification
    follow(follower=follows_tag, target=topics[1])
    follow(follower=follows_author, target=member)
    Notification.objects.all().delete()
    thread = make_thread(member, tags=[topics[0], topics[1]])
    for recipient in (expert, follows_tag, follows_author):
        [notification] = Notification.objects.filter(recipient=recipient)
        assert notification.kind == NotificationKind.NEW_THREAD
        assert notification.url == thread.get_absolute_url()
        assert thread.title in notification.text
    assert not Notification.objects.filter(recipient=member).exists()


def test_reply_tells_thread_followers_but_not_the_replier(member, make_user, make_thread):
    asker, watcher = make_user(), make_user()
    thread = make_thread(asker)
    follow(follower=watcher, target=thread)
    services.create_reply(author=member, thread=thread, body="My reply")
    reply = Post.objects.get(is_opening=False)
    for recipient in (asker, watcher):
        [notification] = Notification.objects.filter(recipient=recipient)
        assert notification.kind == NotificationKind.REPLY
        assert notification.url == f"/forum/posts/{reply.pk}/"
    # The replier now follows the thread, and is not told of their own reply.
    assert not Notification.objects.filter(recipient=member).exists()
    services.create_reply(author=asker, thread=thread, body="Thanks")
    assert Notification.objects.filter(recipient=member, kind=NotificationKind.REPLY).count() == 1


def test_a_rolled_back_reply_notifies_nobody(member, make_user, make_thread) -> None:
    from django.db import transaction

    asker = make_user()
    thread = make_thread(asker)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.create_reply(author=member, thread=thread, body="Never happened")
        raise RuntimeError
    assert not Notification.objects.filter(kind=NotificationKind.REPLY).exists()
    assert not Post.objects.filter(body="Never happened").exists()


# --- Query budgets ----------------------------------------------------------------


def bulk_threads(author, tag, count: int) -> None:
    now = timezone.now()
    threads = Thread.objects.bulk_create(
        Thread(title=f"Bulk thread {n}", author=author, last_poster=author,
               last_activity_at=now - timedelta(minutes=n))
        for n in range(count)
    )  # fmt: skip
    Post.objects.bulk_create(
        Post(thread=t, author=author, is_opening=True, body="b", body_html="<p>b</p>")
        for t in threads
    )
    for thread in threads:
        thread.tags.add(tag)


def bulk_posts(thread, authors, count: int) -> None:
    Post.objects.bulk_create(
        Post(thread=thread, author=authors[n % len(authors)], body=f"reply {n}",
             body_html=f"<p>reply {n}</p>")
        for n in range(count)
    )  # fmt: skip
    Thread.objects.filter(pk=thread.pk).update(reply_count=thread.posts.count() - 1)


def queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("url", ["/forum/", "/forum/?sort=unanswered", "/forum/tags/use-of-force/"])
def test_thread_lists_run_the_same_queries_with_10_and_200_threads(
    client: Client, member, make_user, topics, url: str
) -> None:
    sign_in(client, member)
    authors = [make_user() for _ in range(3)]
    bulk_threads(authors[0], topics[0], 10)
    small = queries(client, url)
    for author in authors[1:]:
        bulk_threads(author, topics[0], 95)
    assert queries(client, url) == small


def test_thread_page_runs_the_same_queries_with_10_and_200_posts(
    client: Client, member, make_user, make_thread, expert
) -> None:
    thread = make_thread(member)
    authors = [make_user() for _ in range(5)]
    bulk_posts(thread, authors, 10)
    answer = services.create_reply(author=expert, thread=thread, body="Accepted one")
    services.accept_answer(actor=member, post=answer)
    sign_in(client, member)
    url = thread.get_absolute_url()
    small = queries(client, url)
    bulk_posts(thread, authors + [make_user() for _ in range(40)], 190)
    assert queries(client, url) == small
    assert queries(client, url + "?page=3") == small
    assert small <= 14, f"the thread page runs {small} queries"
