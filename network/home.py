"""The member home at ``/``: what is new for me, and what waits for me.

Each block is a few rows from the app that owns them, through that app's
selectors (which apply who may see what: hidden threads, deleted and hidden
posts, lesson states). This module only composes them, because it is the one
layer that may read forum, lessons, notifications and members together.

The page's query count does not depend on how many rows a block has:
tests/network/test_home.py measures it with one row and with ten in each.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.urls import reverse
from django.utils import timezone

from forum import selectors as forum_selectors
from forum.models import Thread
from lessons import selectors as lesson_selectors
from lessons.models import Lesson
from members import selectors as member_selectors
from members import services as member_services
from members.models import Tag, User
from network import guidance
from notifications import selectors as notification_selectors

BLOCK_ROWS = 5
# A member's first visit has no "last visit": show what happened in the week before.
FIRST_VISIT_WINDOW = timedelta(days=7)


@dataclass
class Home:
    since: datetime
    first_visit: bool
    activity: list[Thread]
    follows_anything: bool
    expertise: list[Tag]
    could_help: list[Thread]
    open_questions: list[Thread]
    lessons_to_act_on: list[Lesson]
    latest_lessons: list[Lesson]
    first_steps: list[guidance.FirstStep] | None
    first_steps_done: int = 0

    @property
    def could_help_url(self) -> str:
        """The forum's unanswered list, narrowed to the one topic when there is one."""
        url = reverse("forum:list") + "?sort=unanswered"
        if len(self.expertise) == 1:
            url += f"&tag={self.expertise[0].slug}"
        return url


def home_for(member: User, *, now: datetime | None = None) -> Home:
    """Everything the member home shows, and the visit recorded (at most one write)."""
    now = now or timezone.now()
    previous = member_services.record_visit(member=member, now=now)
    since = previous or now - FIRST_VISIT_WINDOW
    follows = notification_selectors.followed_ids_by_model(
        follower=member, models=[Tag, Thread, User]
    )
    activity = forum_selectors.activity_since(
        member,
        since=since,
        tag_ids=follows[Tag],
        thread_ids=follows[Thread],
        member_ids=follows[User],
        limit=BLOCK_ROWS,
    )
    expertise = member_selectors.expertise_of(member)
    could_help = forum_selectors.unanswered_in_topics(member, expertise, limit=BLOCK_ROWS)
    open_questions = forum_selectors.open_questions_of(member, limit=BLOCK_ROWS)
    # The topics of every thread on the page in one query.
    member_selectors.attach_tags([*activity, *could_help, *open_questions])
    _explain(activity, follows)
    steps = guidance.first_steps(member)
    return Home(
        since=since,
        first_visit=previous is None,
        activity=activity,
        follows_anything=any(follows.values()),
        expertise=expertise,
        could_help=could_help,
        open_questions=open_questions,
        lessons_to_act_on=lesson_selectors.lessons_needing_attention(member, limit=BLOCK_ROWS),
        latest_lessons=lesson_selectors.latest_lessons(member, limit=BLOCK_ROWS),
        first_steps=steps,
        first_steps_done=sum(step.done for step in steps or ()),
    )


def _explain(activity: list[Thread], follows: dict[type, set[int]]) -> None:
    """Why each thread is in "new for you": ``follow_reason`` (thread, topic or member)
    and, for a topic, ``follow_topic``."""
    for thread in activity:
        thread.follow_topic = next((t for t in thread.tags.all() if t.pk in follows[Tag]), None)
        if thread.pk in follows[Thread]:
            thread.follow_reason = "thread"
        elif thread.follow_topic is not None:
            thread.follow_reason = "topic"
        else:
            thread.follow_reason = "member"
