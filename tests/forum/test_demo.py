"""seed_demo's forum: about thirty realistic threads, made through the services, once."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db.models import Count, F, Max, Q
from django.utils import timezone

from forum.models import HelpfulMark, Post, Thread, ThreadKind
from forum.search import search_posts
from members.models import TaggedItem, User
from notifications.models import Follow, Notification, OutboxEmail

pytestmark = pytest.mark.django_db

DEMO_ACCOUNT_EMAILS = ["activist@demo.example", "expert@demo.example", "moderator@demo.example"]


def seed(settings) -> str:
    settings.DEMO_MODE = True
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_demo_fills_the_forum_with_answered_tagged_threads(settings) -> None:
    output = seed(settings)
    expert = User.objects.get(email="expert@demo.example")
    moderator = User.objects.get(email="moderator@demo.example")

    threads = Thread.objects.all()
    assert threads.count() >= 25
    assert f"demo forum: {threads.count()} threads created" in output
    thread_type = ContentType.objects.get_for_model(Thread)
    topics = TaggedItem.objects.filter(content_type=thread_type).values("tag").distinct()
    assert topics.count() >= 8
    assert {"fr", "es", "nl"} <= set(threads.values_list("language", flat=True))
    assert threads.filter(kind=ThreadKind.DISCUSSION).exists()

    answered_by_expert = threads.filter(posts__author=expert, posts__is_opening=False).distinct()
    assert answered_by_expert.count() >= 15

    accepted = threads.filter(accepted_post__isnull=False)
    assert accepted.count() >= 10
    assert accepted.filter(accepted_post__author=expert).count() > accepted.count() / 2
    assert not accepted.exclude(kind=ThreadKind.QUESTION).exists()
    assert not accepted.filter(accepted_post__author=F("author")).exists()

    unanswered = threads.filter(kind=ThreadKind.QUESTION, reply_count=0)
    assert unanswered.count() >= 3

    pinned = threads.get(is_pinned=True)
    assert pinned.author == moderator


def test_seeded_counters_marks_and_dates_are_consistent(settings) -> None:
    seed(settings)
    now = timezone.now()

    assert HelpfulMark.objects.count() >= 50
    assert not HelpfulMark.objects.filter(member=F("post__author")).exists()
    for post in Post.objects.annotate(marks=Count("helpful_marks")):
        assert post.helpful_count == post.marks

    threads = Thread.objects.annotate(
        visible_replies=Count(
            "posts",
            filter=Q(posts__is_opening=False, posts__is_deleted=False, posts__is_hidden=False),
            distinct=True,
        ),
        marks=Count("posts__helpful_marks", distinct=True),
        latest_post=Max("posts__created_at"),
    )
    for thread in threads:
        assert thread.reply_count == thread.visible_replies, thread.title
        assert thread.helpful_count == thread.marks, thread.title
        assert thread.last_activity_at == thread.latest_post, thread.title
        posts = list(thread.posts.order_by("id"))
        assert posts[0].is_opening and posts[0].created_at == thread.created_at
        assert [p.created_at for p in posts] == sorted(p.created_at for p in posts)
        assert thread.last_poster_id == posts[-1].author_id, thread.title

    # Spread over the last two months, nothing in the future.
    dates = sorted(Thread.objects.values_list("created_at", flat=True))
    assert dates[0] < now - timedelta(days=45)
    assert dates[-1] > now - timedelta(days=3)
    assert not Post.objects.filter(created_at__gt=now).exists()
    assert not HelpfulMark.objects.filter(created_at__lt=F("post__created_at")).exists()

    # Indexed for search like any member's post.
    hits = [hit.thread.title for hit in search_posts("kettle")]
    assert "Is it lawful to contain (kettle) a peaceful crowd for hours?" in hits


def test_seeding_notifies_through_the_services_but_leaves_inboxes_quiet(settings) -> None:
    seed(settings)
    expert = User.objects.get(email="expert@demo.example")

    assert Notification.objects.filter(recipient=expert).count() >= 10
    assert Follow.objects.filter(follower=expert).exists()
    assert not Notification.objects.filter(digested_at__isnull=True).exists()
    assert not OutboxEmail.objects.exists()
    for email in DEMO_ACCOUNT_EMAILS:
        unread = Notification.objects.filter(recipient__email=email, read_at__isnull=True)
        assert unread.count() <= 10
    assert Notification.objects.filter(read_at__isnull=True).count() <= 15


def test_seed_demo_twice_creates_no_new_threads_or_posts(settings) -> None:
    seed(settings)
    counts = [model.objects.count() for model in (Thread, Post, HelpfulMark, Notification, Follow)]
    assert "demo forum: 0 threads created" in seed(settings)
    assert [
        model.objects.count() for model in (Thread, Post, HelpfulMark, Notification, Follow)
    ] == counts
