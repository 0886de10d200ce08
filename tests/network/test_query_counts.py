"""Every list and detail page runs the same number of queries with 10 rows and with 500.

Rows are written with ``bulk_create`` (the services would take minutes for
thousands) and spread over many authors, topics and standards, so that a
query per row, per author or per topic would show as a difference. The
figures for the real dataset are in README.md (Performance), from
``make bench``.

What a count includes: every query of the request, the session's too (the
tests run with database sessions unless they say otherwise), the logged-in
member, the unread badge of the header, and the page's own queries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import count

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from common import fragments
from events.models import Event, EventKind, EventLanguage, Registration, RegistrationState
from forum import services as forum_services
from forum.models import HelpfulMark, Post, Thread, ThreadKind
from forum.notification_kinds import NotificationKind
from forum.search import index_posts
from lessons.models import (
    Instrument,
    Lesson,
    LessonAuthor,
    LessonState,
    Provision,
    Setting,
    Source,
    Transition,
)
from lessons.search import index_lessons
from library.models import Resource, ResourceKind, ResourceLanguage, ResourceState
from members.models import Profile, SpokenLanguage, Status, Tag, TaggedItem, User
from notifications.models import Follow, Notification
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

SMALL, LARGE = 10, 500
WORD = "kettling"
_serial = count()


def queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def bulk_members(n: int) -> list[User]:
    """n approved members with profiles, every third an expert, with languages and expertise."""
    serial = next(_serial)
    now = timezone.now()
    users = User.objects.bulk_create(
        User(email=f"bulk{serial}-{i}@example.org", handle=f"bulk{serial}-{i}",
             display_name=f"Member {serial}-{i}", status=Status.ACTIVE, approved_at=now,
             is_expert=i % 3 == 0)
        for i in range(n)
    )  # fmt: skip
    profiles = Profile.objects.bulk_create(
        Profile(user=user, country="KE", role="lawyer") for user in users
    )
    SpokenLanguage.objects.bulk_create(
        SpokenLanguage(profile=profile, code=code) for profile in profiles for code in ("en", "fr")
    )
    tags = list(Tag.objects.order_by("pk")[:3])
    profile_type = ContentType.objects.get_for_model(Profile)
    TaggedItem.objects.bulk_create(
        TaggedItem(content_type=profile_type, object_id=profile.pk, tag=tag)
        for profile in profiles
        for tag in tags
    )
    return users


def tag_all(model: type, ids: list[int], tags: list[Tag]) -> None:
    content_type = ContentType.objects.get_for_model(model)
    TaggedItem.objects.bulk_create(
        TaggedItem(content_type=content_type, object_id=pk, tag=tags[(pk + i) % len(tags)])
        for pk in ids
        for i in range(2)
    )


@dataclass
class World:
    """What the pages show, grown by ``grow_*`` functions between two counts."""

    viewer: User
    topics: list[Tag]
    thread: Thread
    provision: Provision
    lesson: Lesson
    profile_owner: User
    extra: dict = field(default_factory=dict)


@pytest.fixture
def world(member: User, make_user, make_thread, topics: list[Tag]) -> World:
    asker, expert = make_user(), make_user(is_expert=True)
    thread = make_thread(asker, tags=topics[:2])
    answer = forum_services.create_reply(author=expert, thread=thread, body="Accepted answer")
    forum_services.accept_answer(actor=asker, post=answer)
    instrument = Instrument.objects.create(
        slug="code", title="Code of Conduct", short_title="Code", year=1979,
        source_url="https://www.ohchr.org/",
    )  # fmt: skip
    provision = Provision.objects.create(
        instrument=instrument, number="3", title="Force", source_url="https://www.ohchr.org/"
    )
    lesson = _lessons(1, [member], topics, [provision], from_thread=thread)[0]
    return World(
        viewer=member,
        topics=topics,
        thread=thread,
        provision=provision,
        lesson=lesson,
        profile_owner=make_user(),
    )


def _lessons(
    n: int,
    authors: list[User],
    tags: list[Tag],
    provisions: list[Provision],
    from_thread: Thread | None = None,
) -> list[Lesson]:
    now = timezone.now()
    lessons = Lesson.objects.bulk_create(
        Lesson(title=f"Lesson on {WORD} {i}", summary=f"What we learnt about {WORD}.",
               setting=Setting.DEMONSTRATION, what_happened=f"{WORD} happened",
               what_happened_html=f"<p>{WORD} happened</p>", state=LessonState.PUBLISHED,
               published_at=now - timedelta(minutes=i), country="KE", from_thread=from_thread)
        for i in range(n)
    )  # fmt: skip
    ids = [lesson.pk for lesson in lessons]
    LessonAuthor.objects.bulk_create(
        LessonAuthor(lesson=lesson, member=authors[(lesson.pk + i) % len(authors)], position=i)
        for lesson in lessons
        for i in range(min(2, len(authors)))
    )
    through = Lesson.provisions.through
    through.objects.bulk_create(
        through(lesson_id=pk, provision_id=provision.pk) for pk in ids for provision in provisions
    )
    tag_all(Lesson, ids, tags)
    index_lessons(ids)
    return lessons


# --- How each page grows ------------------------------------------------------------


def grow_threads(world: World, n: int) -> None:
    authors = bulk_members(max(2, n // 5))
    now = timezone.now()
    threads = Thread.objects.bulk_create(
        Thread(title=f"Thread about {WORD} number {i}", author=authors[i % len(authors)],
               last_poster=authors[(i + 1) % len(authors)], reply_count=i % 4,
               kind=ThreadKind.QUESTION if i % 2 else ThreadKind.DISCUSSION,
               last_activity_at=now - timedelta(minutes=i))
        for i in range(n)
    )  # fmt: skip
    posts = Post.objects.bulk_create(
        Post(thread=thread, author=thread.author, is_opening=True, body=f"About {WORD}",
             body_html=f"<p>About {WORD}</p>", body_text=f"About {WORD}")
        for thread in threads
    )  # fmt: skip
    tag_all(Thread, [t.pk for t in threads], [world.topics[0], *world.topics[1:4]])
    index_posts([p.pk for p in posts])


def grow_posts(world: World, n: int) -> None:
    authors = bulk_members(max(2, n // 5))
    posts = Post.objects.bulk_create(
        Post(thread=world.thread, author=authors[i % len(authors)], body=f"reply {i}",
             body_html=f"<p>reply {i}</p>", body_text=f"reply {i}", helpful_count=i % 3,
             edit_count=i % 2, is_deleted=i % 50 == 7)
        for i in range(n)
    )  # fmt: skip
    HelpfulMark.objects.bulk_create(
        HelpfulMark(post=post, member=world.viewer) for post in posts[::3]
    )
    Thread.objects.filter(pk=world.thread.pk).update(
        reply_count=Post.objects.filter(thread=world.thread, is_opening=False).count()
    )


def grow_lessons(world: World, n: int) -> None:
    authors = bulk_members(max(2, n // 5))
    provisions = [world.provision, *_provisions(3)]
    _lessons(n, authors, world.topics, provisions)


def _provisions(n: int) -> list[Provision]:
    serial = next(_serial)
    instrument = Instrument.objects.create(
        slug=f"instrument-{serial}", title="Basic Principles", short_title=f"BP {serial}",
        year=1990, source_url="https://www.ohchr.org/",
    )  # fmt: skip
    return Provision.objects.bulk_create(
        Provision(instrument=instrument, number=str(i), title=f"Principle {i}",
                  source_url="https://www.ohchr.org/", position=i)
        for i in range(n)
    )  # fmt: skip


def grow_lesson_parts(world: World, n: int) -> None:
    """Authors, sources, standards, topics and review steps of the one lesson."""
    lesson = world.lesson
    start = lesson.authorships.count()
    LessonAuthor.objects.bulk_create(
        LessonAuthor(lesson=lesson, member=member, position=start + i)
        for i, member in enumerate(bulk_members(n))
    )
    Source.objects.bulk_create(
        Source(lesson=lesson, title=f"Report {i}", url=f"https://example.org/{i}", position=i)
        for i in range(n)
    )
    lesson.provisions.add(*_provisions(n))
    Transition.objects.bulk_create(
        Transition(lesson=lesson, actor=world.viewer, action="comment",
                   from_state=LessonState.PUBLISHED, to_state=LessonState.PUBLISHED,
                   comment=f"Comment {i}", comment_html=f"<p>Comment {i}</p>")
        for i in range(n)
    )  # fmt: skip
    serial = next(_serial)
    tags = Tag.objects.bulk_create(
        Tag(name=f"Topic {serial}-{i}", slug=f"topic-{serial}-{i}") for i in range(n)
    )
    tag_all(Lesson, [lesson.pk], tags)


def grow_members(world: World, n: int) -> None:
    bulk_members(n)


def grow_profile(world: World, n: int) -> None:
    """The member's expertise, followers and threads."""
    owner = world.profile_owner
    serial = next(_serial)
    tags = Tag.objects.bulk_create(
        Tag(name=f"Field {serial}-{i}", slug=f"field-{serial}-{i}") for i in range(n)
    )
    profile_type = ContentType.objects.get_for_model(Profile)
    TaggedItem.objects.bulk_create(
        TaggedItem(content_type=profile_type, object_id=owner.profile.pk, tag=tag) for tag in tags
    )
    member_type = ContentType.objects.get_for_model(User)
    Follow.objects.bulk_create(
        Follow(follower=follower, content_type=member_type, object_id=owner.pk)
        for follower in bulk_members(n)
    )
    Thread.objects.bulk_create(
        Thread(title=f"Thread {i} by the owner", author=owner) for i in range(n)
    )


def grow_notifications(world: World, n: int) -> None:
    actors = bulk_members(max(2, n // 5))
    Notification.objects.bulk_create(
        Notification(recipient=world.viewer, actor=actors[i % len(actors)],
                     kind=NotificationKind.REPLY, text=f"A reply {i}", url="/forum/",
                     read_at=None if i % 2 else timezone.now())
        for i in range(n)
    )  # fmt: skip


def grow_events(world: World, n: int) -> None:
    """Upcoming events in several languages, with topics and confirmed places."""
    start = timezone.now() + timedelta(days=3)
    serial = next(_serial)
    events = Event.objects.bulk_create(
        Event(title=f"Training {serial}-{i}", kind=EventKind.TRAINING,
              starts_at=start + timedelta(hours=i), ends_at=start + timedelta(hours=i + 2),
              created_by=world.viewer)
        for i in range(n)
    )  # fmt: skip
    EventLanguage.objects.bulk_create(
        EventLanguage(event=event, code=code) for event in events for code in ("en", "fr")
    )
    people = bulk_members(max(2, n // 5))
    Registration.objects.bulk_create(
        Registration(event=event, member=people[i % len(people)],
                     state=RegistrationState.CONFIRMED)
        for i, event in enumerate(events)
    )  # fmt: skip
    tag_all(Event, [event.pk for event in events], world.topics)


def grow_resources(world: World, n: int) -> None:
    """Published catalogue entries in several languages, with topics."""
    serial = next(_serial)
    resources = Resource.objects.bulk_create(
        Resource(kind=ResourceKind.REPORT, title=f"Report {serial}-{i}",
                 state=ResourceState.PUBLISHED, created_by=world.viewer,
                 published_at=timezone.now())
        for i in range(n)
    )  # fmt: skip
    ResourceLanguage.objects.bulk_create(
        ResourceLanguage(resource=resource, code="en") for resource in resources
    )
    tag_all(Resource, [resource.pk for resource in resources], world.topics)


@dataclass(frozen=True)
class Page:
    name: str
    url: Callable[[World], str]
    grow: Callable[[World, int], None]


PAGES = [
    Page("thread list", lambda w: "/forum/", grow_threads),
    Page("thread page", lambda w: w.thread.get_absolute_url(), grow_posts),
    Page("tag page", lambda w: f"/forum/tags/{w.topics[0].slug}/", grow_threads),
    Page("lesson list", lambda w: "/lessons/", grow_lessons),
    Page("lesson page", lambda w: w.lesson.get_absolute_url(), grow_lesson_parts),
    Page("standards", lambda w: "/lessons/standards/", grow_lessons),
    Page(
        "provision page",
        lambda w: f"/lessons/standards/{w.provision.instrument.slug}/{w.provision.pk}/",
        grow_lessons,
    ),
    Page("directory", lambda w: "/members/", grow_members),
    Page("event list", lambda w: "/events/", grow_events),
    Page("library list", lambda w: "/library/", grow_resources),
    Page("profile", lambda w: f"/members/{w.profile_owner.handle}/", grow_profile),
    Page("notifications", lambda w: "/notifications/", grow_notifications),
    Page("search", lambda w: f"/search/?q={WORD}", grow_threads),
    Page("search, lessons too", lambda w: f"/search/?q={WORD}", grow_lessons),
]


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_page_runs_the_same_queries_with_10_and_500_rows(
    client: Client, world: World, page: Page
) -> None:
    """Counted twice at each size: rendered (nothing kept: the store emptied) and
    then reused (a page or its rows kept by common.fragments), since a kept
    page asks less than a rendered one; neither may grow."""
    sign_in(client, world.viewer)
    page.grow(world, SMALL)
    queries(client, page.url(world))  # warm: content types and the like are cached per process

    def rendered_then_reused() -> tuple[int, int]:
        fragments.store.clear()
        return queries(client, page.url(world)), queries(client, page.url(world))

    small = rendered_then_reused()
    page.grow(world, LARGE - SMALL)
    assert rendered_then_reused() == small, f"{page.name} grows with its rows"


def test_thread_page_runs_at_most_8_queries_with_cached_sessions(
    client: Client, world: World, settings
) -> None:
    """The production setup (REDIS_URL): sessions are read through the cache.

    Counted: the member, the thread (with whether the viewer follows it and
    found its accepted answer helpful), its topics, the number of posts (for
    the pages), the page's posts (each with whether the viewer found it
    helpful), the lessons made from the thread (only for a thread with an
    accepted answer), and the unread badge.
    """
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    sign_in(client, world.viewer)
    grow_posts(world, LARGE)
    url = world.thread.get_absolute_url()
    queries(client, url)  # the first request after a login may read the session from the database
    assert queries(client, url) <= 8


def test_the_thread_page_shows_the_viewers_marks_and_follow_without_asking_per_post(
    client: Client, world: World
) -> None:
    """The state folded into the thread and post queries is the viewer's, not anyone's."""
    grow_posts(world, 30)
    marked = set(HelpfulMark.objects.filter(member=world.viewer).values_list("post_id", flat=True))
    sign_in(client, world.viewer)
    page = client.get(world.thread.get_absolute_url()).content.decode()
    assert page.count('aria-pressed="true">') == len(marked)
    assert 'aria-pressed="false">Follow</button>' in page
    Follow.objects.create(
        follower=world.viewer,
        content_type=ContentType.objects.get_for_model(Thread),
        object_id=world.thread.pk,
    )
    following = client.get(world.thread.get_absolute_url()).content.decode()
    assert 'aria-pressed="true">Following</button>' in following
    other = bulk_members(1)[0]
    sign_in(client, other)
    page = client.get(world.thread.get_absolute_url()).content.decode()
    assert 'aria-pressed="true">' not in page.replace('aria-pressed="true">Following', "")
