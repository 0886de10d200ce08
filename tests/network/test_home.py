"""The member home at /: each block shows what is new or waiting for this member, and only
what they may see; empty blocks say what to do; the page's queries do not grow with rows."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from allauth.mfa.models import Authenticator
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from forum import services as forum_services
from forum.models import Post, Thread, ThreadKind
from lessons import services as lesson_services
from lessons.models import Lesson, LessonState, Setting
from members import services as member_services
from members.models import Status, Tag, User
from notifications import services as notifications
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

BLOCKS = ("home-new", "home-help", "home-yours", "home-lessons")


def home(client: Client) -> dict[str, str]:
    """The home page's blocks by id: their HTML."""
    response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<h1 class="home-title">' in page
    found = {}
    for block in BLOCKS:
        match = re.search(
            rf'<section class="home-block" aria-labelledby="{block}">(.*?)</section>', page, re.S
        )
        assert match, block
        found[block] = match.group(1)
    return found


def titles(block: str) -> list[str]:
    return re.findall(r'class="home-row-title"[^>]*>([^<]*)</a>', block)


def empty_state(block: str) -> tuple[str, list[str]] | None:
    match = re.search(r'<div class="empty-state">(.*?)</div>', block, re.S)
    if match is None:
        return None
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip()
    return text, re.findall(r'href="([^"]+)"', match.group(1))


@pytest.fixture
def me(make_user: Callable[..., User], client: Client) -> User:
    """A member back after two hours away: "new" is what happened in those two hours."""
    user = make_user(display_name="Mia Member", handle="mia")
    User.objects.filter(pk=user.pk).update(last_seen_at=timezone.now() - timedelta(hours=2))
    sign_in(client, user)
    return user


@pytest.fixture
def other(make_user: Callable[..., User]) -> User:
    return make_user(display_name="Otto Other", handle="otto")


def ask(author: User, tags: list[Tag], title: str, **fields: object) -> Thread:
    fields = {"kind": ThreadKind.QUESTION, "language": "en", **fields}
    return forum_services.create_thread(
        author=author, title=title, body="What do we do about this?", tags=tags, **fields
    )


def lesson_by(author: User, title: str, state: str = LessonState.DRAFT) -> Lesson:
    data = lesson_services.LessonData(
        title=title,
        summary="What we learned.",
        setting=Setting.DEMONSTRATION,
        what_happened="The police met the organisers.",
        country="KE",
    )
    lesson = lesson_services.create_lesson(author=author, data=data)
    published = timezone.now() if state == LessonState.PUBLISHED else None
    Lesson.objects.filter(pk=lesson.pk).update(state=state, published_at=published)
    return lesson


# --- New for you ------------------------------------------------------------------


def test_a_new_thread_in_a_followed_topic_appears_with_why(
    client: Client, me: User, other: User, topics: list[Tag]
) -> None:
    notifications.follow(follower=me, target=topics[0])
    ask(other, [topics[0]], "Kettling at the march on Saturday")
    ask(other, [topics[2]], "A question in a topic nobody follows here")
    block = home(client)["home-new"]
    assert titles(block) == ["Kettling at the march on Saturday"]
    assert "New thread" in block
    assert "in <bdi>Use of force</bdi>" in block
    assert "Otto Other" in block


def test_replies_in_a_followed_thread_and_posts_of_a_followed_member_appear(
    client: Client, me: User, other: User, make_user: Callable[..., User], topics: list[Tag]
) -> None:
    mine = ask(me, [topics[2]], "My question about training hours")  # I follow my thread
    forum_services.create_reply(author=other, thread=mine, body="Forty hours at least.")
    forum_services.create_reply(author=other, thread=mine, body="And refreshers.")
    writer = make_user(display_name="Wanda Writer")
    notifications.follow(follower=me, target=writer)
    ask(writer, [topics[3]], "Oversight bodies that publish their findings")
    block = home(client)["home-new"]
    assert titles(block) == [
        "Oversight bodies that publish their findings",
        "My question about training hours",
    ]
    assert "2 new posts" in block
    assert "a thread you follow" in block
    assert "a member you follow posted" in block


def test_what_happened_before_the_last_visit_and_own_posts_are_not_new(
    client: Client, me: User, other: User, topics: list[Tag]
) -> None:
    notifications.follow(follower=me, target=topics[0])
    old = ask(other, [topics[0]], "An old question from yesterday")
    Post.objects.filter(thread=old).update(created_at=timezone.now() - timedelta(days=1))
    ask(me, [topics[0]], "A question I asked myself just now")
    block = home(client)["home-new"]
    assert titles(block) == []
    assert empty_state(block) == (
        "Nothing new in what you follow since your last visit. Latest threads Follow more topics",
        ["/forum/", "/forum/tags/"],
    )


def test_a_followed_members_reply_brings_the_whole_threads_news(
    client: Client, me: User, other: User, make_user: Callable[..., User], topics: list[Tag]
) -> None:
    """A thread is news because a followed member posted in it; what the row
    says then counts every new post in it: the count, the latest time and the
    latest poster agree (a stranger replied after the followed member)."""
    followed = make_user(display_name="Fay Followed")
    stranger = make_user(display_name="Sam Stranger")
    notifications.follow(follower=me, target=followed)
    thread = ask(other, [topics[4]], "Body cameras switched off during arrests")
    month_ago = timezone.now() - timedelta(days=30)
    Post.objects.filter(thread=thread).update(created_at=month_ago)
    Thread.objects.filter(pk=thread.pk).update(created_at=month_ago)
    first = forum_services.create_reply(author=followed, thread=thread, body="It happened here.")
    Post.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(minutes=30))
    forum_services.create_reply(author=stranger, thread=thread, body="And here, last week.")
    block = home(client)["home-new"]
    assert titles(block) == ["Body cameras switched off during arrests"]
    assert "2 new posts" in block
    assert "Sam Stranger" in block and "Fay Followed" not in block
    assert "a member you follow posted" in block


def test_a_hidden_reply_is_not_news_and_its_author_is_not_named(
    client: Client, me: User, other: User, make_user: Callable[..., User], topics: list[Tag]
) -> None:
    moderator = make_user(is_moderator=True)
    mine = ask(me, [topics[2]], "My question about training hours")
    post = forum_services.create_reply(author=other, thread=mine, body="Something dangerous.")
    forum_services.set_post_hidden(actor=moderator, post=post, hidden=True)
    hidden_thread = ask(other, [topics[0]], "A thread a moderator hid")
    notifications.follow(follower=me, target=topics[0])
    Thread.objects.filter(pk=hidden_thread.pk).update(is_hidden=True)
    block = home(client)["home-new"]
    assert titles(block) == []
    assert "Otto Other" not in block


def test_the_first_visit_shows_the_past_week(
    client: Client, make_user: Callable[..., User], other: User, topics: list[Tag]
) -> None:
    newcomer = make_user()
    notifications.follow(follower=newcomer, target=topics[0])
    ask(other, [topics[0]], "Kettling at the march on Saturday")
    sign_in(client, newcomer)
    block = home(client)["home-new"]
    assert "over the past week" in block
    assert titles(block) == ["Kettling at the march on Saturday"]


# --- You could help -----------------------------------------------------------------


def test_you_could_help_lists_unanswered_questions_in_my_expertise_only(
    client: Client, me: User, other: User, topics: list[Tag]
) -> None:
    me.profile.expertise.set([topics[0], topics[1]])
    ask(other, [topics[0]], "Waiting for someone who knows use of force")
    ask(other, [topics[1]], "Waiting in public assembly")
    answered = ask(other, [topics[0]], "Already answered by someone")
    forum_services.create_reply(author=other, thread=answered, body="Here is how.")
    ask(other, [topics[4]], "In a topic I do not know")
    ask(me, [topics[0]], "My own question in my topic")
    ask(other, [topics[0]], "A discussion, not a question", kind=ThreadKind.DISCUSSION)
    block = home(client)["home-help"]
    assert titles(block) == [
        "Waiting in public assembly",
        "Waiting for someone who knows use of force",
    ]
    assert 'href="/forum/?sort=unanswered"' in block


def test_you_could_help_without_expertise_asks_for_it(client: Client, me: User) -> None:
    text, links = empty_state(home(client)["home-help"])
    assert "Say on your profile which topics you know about" in text
    assert links == ["/members/me/edit/"]


def test_you_could_help_with_expertise_and_nothing_waiting(
    client: Client, me: User, topics: list[Tag]
) -> None:
    me.profile.expertise.set([topics[0]])
    block = home(client)["home-help"]
    assert 'href="/forum/?sort=unanswered&amp;tag=use-of-force"' in block
    text, links = empty_state(block)
    assert "No question in your topics is waiting for an answer." in text
    assert links == ["/forum/?sort=unanswered", "/members/me/edit/"]


# --- Waiting for you ----------------------------------------------------------------


def test_my_open_questions_and_lessons_in_review_or_sent_back(
    client: Client, me: User, other: User, expert: User, topics: list[Tag]
) -> None:
    ask(me, [topics[0]], "My question nobody answered")
    solved = ask(me, [topics[0]], "My question that is solved")
    answer = forum_services.create_reply(author=other, thread=solved, body="This way.")
    forum_services.accept_answer(actor=me, post=answer)
    ask(me, [topics[0]], "My discussion", kind=ThreadKind.DISCUSSION)
    lesson_by(me, "My lesson in review", LessonState.IN_REVIEW)
    lesson_by(me, "My draft nobody asked about")
    sent_back = lesson_by(me, "My lesson a reviewer sent back", LessonState.IN_REVIEW)
    lesson_services.transition(
        actor=expert, lesson=sent_back, action="request_changes", comment="Name the date."
    )
    lesson_by(other, "Another member's lesson in review", LessonState.IN_REVIEW)
    lesson_by(me, "My published lesson", LessonState.PUBLISHED)
    block = home(client)["home-yours"]
    assert titles(block) == [
        "My question nobody answered",
        "My lesson a reviewer sent back",
        "My lesson in review",
    ]
    assert "Your question · no reply yet" in block
    assert "Changes requested" in block and "In review" in block


def test_another_members_lesson_in_review_is_not_waiting_for_an_expert(
    client: Client, expert: User, other: User
) -> None:
    lesson_by(other, "Another member's lesson in review", LessonState.IN_REVIEW)
    sign_in(client, expert)
    blocks = home(client)
    assert titles(blocks["home-yours"]) == []
    assert titles(blocks["home-lessons"]) == []


def test_nothing_waiting_says_what_to_do(client: Client, me: User) -> None:
    text, links = empty_state(home(client)["home-yours"])
    assert text.startswith("Nothing waits for you")
    assert links == ["/forum/new/", "/lessons/new/"]


# --- Latest lessons -----------------------------------------------------------------


def test_latest_lessons_are_the_published_ones_newest_first(
    client: Client, me: User, other: User
) -> None:
    first = lesson_by(other, "Published first", LessonState.PUBLISHED)
    Lesson.objects.filter(pk=first.pk).update(published_at=timezone.now() - timedelta(days=2))
    lesson_by(other, "Published last", LessonState.PUBLISHED)
    lesson_by(other, "Someone else's draft")
    block = home(client)["home-lessons"]
    assert titles(block) == ["Published last", "Published first"]
    assert 'href="/lessons/"' in block


def test_a_new_member_sees_an_empty_state_in_every_block(
    client: Client, make_user: Callable[..., User]
) -> None:
    sign_in(client, make_user())
    blocks = home(client)
    assert empty_state(blocks["home-new"]) == (
        "You follow nothing yet. Follow the topics you work on, and the members whose "
        "answers you value: what is new in them appears here. Choose topics Find members",
        ["/forum/tags/", "/members/"],
    )
    for block in BLOCKS:
        assert empty_state(blocks[block]) is not None, block
        assert titles(blocks[block]) == [], block


def test_visitors_and_people_waiting_get_the_public_page(
    client: Client, make_user: Callable[..., User]
) -> None:
    assert "How to join" in client.get("/").content.decode()
    sign_in(client, make_user(status=Status.PENDING))
    page = client.get("/").content.decode()
    assert "How to join" in page and "home-block" not in page


# --- The visit ----------------------------------------------------------------------


def test_a_visit_is_written_at_most_every_few_minutes_and_moves_after_an_hour_away(
    make_user: Callable[..., User],
) -> None:
    member = make_user()
    start = timezone.now()
    with CaptureQueriesContext(connection) as first:
        assert member_services.record_visit(member=member, now=start) is None
    assert len(first) == 1
    with CaptureQueriesContext(connection) as soon:
        member_services.record_visit(member=member, now=start + timedelta(minutes=4))
    assert len(soon) == 0
    later = start + timedelta(minutes=30)
    assert member_services.record_visit(member=member, now=later) is None
    back = later + timedelta(hours=3)
    assert member_services.record_visit(member=member, now=back) == later
    member.refresh_from_db()
    assert (member.last_seen_at, member.previous_visit_at) == (back, later)


# --- Queries ------------------------------------------------------------------------


def fill(me: User, others: list[User], topics: list[Tag], n: int) -> None:
    """n rows in every block: new threads, questions to answer, own questions, lessons."""
    notifications.follow(follower=me, target=topics[0])
    me.profile.expertise.set([topics[1]])
    for i in range(n):
        author = others[i % len(others)]
        ask(author, [topics[0], topics[3]], f"New in a followed topic {i}")
        ask(author, [topics[1]], f"Waiting for an answer {i}")
        mine = ask(me, [topics[2]], f"My open question {i}")
        forum_services.create_reply(author=author, thread=mine, body="A first thought.")
        lesson_by(me, f"My lesson in review {i}", LessonState.IN_REVIEW)
        lesson_by(author, f"Published lesson {i}", LessonState.PUBLISHED)


def home_queries(client: Client) -> int:
    client.get("/")  # the visit written, content types cached
    with CaptureQueriesContext(connection) as captured:
        blocks = home(client)
    assert all(titles(blocks[block]) for block in BLOCKS)
    return len(captured)


def test_the_home_runs_the_same_queries_with_one_row_and_with_ten(
    make_user: Callable[..., User], topics: list[Tag]
) -> None:
    counts = []
    for n in (1, 10):
        me = make_user()
        User.objects.filter(pk=me.pk).update(last_seen_at=timezone.now() - timedelta(hours=2))
        me.refresh_from_db()
        others = [make_user() for _ in range(4)]
        fill(me, others, topics, n)
        client = Client()
        sign_in(client, me)
        counts.append(home_queries(client))
    assert counts[0] == counts[1], counts
    assert counts[1] <= 16, counts


def test_a_moderator_is_not_shown_hidden_threads_on_the_home(
    client: Client, make_user: Callable[..., User], other: User, topics: list[Tag]
) -> None:
    moderator = make_user(is_moderator=True)
    Authenticator.objects.create(
        user=moderator, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    moderator.profile.expertise.set([topics[0]])
    notifications.follow(follower=moderator, target=topics[0])
    hidden = ask(other, [topics[0]], "A question a moderator hid")
    Thread.objects.filter(pk=hidden.pk).update(is_hidden=True)
    sign_in(client, moderator)
    assert "Hidden" in client.get("/forum/").content.decode()  # their powers are on
    blocks = home(client)
    assert titles(blocks["home-new"]) == titles(blocks["home-help"]) == []


def test_the_news_start_from_the_recent_posts_not_from_every_post(
    client: Client, me: User, other: User, topics: list[Tag]
) -> None:
    """The grouped query of "new for you" reads the posts since the last visit
    from their time's index. Grouped by the bare thread column, SQLite walked
    every post of the forum in the thread index instead (106 ms on the bench
    dataset against 2.5): the plan says which index it starts from."""
    notifications.follow(follower=me, target=topics[0])
    ask(other, [topics[0]], "Kettling at the march on Saturday")
    sign_in(client, me)
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/").status_code == 200
    grouped = [q["sql"] for q in captured.captured_queries if 'AS "thread_key"' in q["sql"]]
    assert len(grouped) == 1
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + grouped[0])
            plan = " ".join(str(row) for row in cursor.fetchall())
            assert "USING INDEX post_recent" in plan, plan
        else:
            # Small tables are scanned whatever the indexes; the index must be there.
            cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'forum_post'")
            assert "post_recent" in {row[0] for row in cursor.fetchall()}
