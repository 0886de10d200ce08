"""Guidance for a new member: the first-steps checklist on the home page.

It lives here, at the top, because one of its steps (asking a question) is the
forum's and the others are the members app's. Each step ticks itself off from
what the member has done; the checklist goes away when every step is done or
when the member puts it away (``members.services.dismiss_first_steps``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from common.statements import Statement
from forum.models import Thread
from members.models import Profile, Tag, TaggedItem, User
from notifications.models import Follow


@dataclass(frozen=True)
class FirstStep:
    title: str
    help: str
    url: str
    done: bool


def _steps_done(member: int):
    """Which steps the member has done, as three booleans of one row."""
    profile_type = ContentType.objects.get_for_model(Profile)
    tag_type = ContentType.objects.get_for_model(Tag)
    # A profile says something once it has a role and either a few words
    # about the member's work or the topics they know about.
    has_expertise = TaggedItem.objects.filter(content_type=profile_type, object_id=OuterRef("pk"))
    profile_done = (
        Profile.objects.filter(user=OuterRef("pk"))
        .exclude(role="")
        .filter(~Q(bio="") | Exists(has_expertise))
    )
    follows_topics = Follow.objects.filter(follower=OuterRef("pk"), content_type=tag_type)
    asked = Thread.objects.filter(author=OuterRef("pk"))
    return (
        User.objects.filter(pk=member)
        .annotate(
            step_profile=Exists(profile_done),
            step_topics=Exists(follows_topics),
            step_question=Exists(asked),
        )
        .values_list("step_profile", "step_topics", "step_question")
    )


# Asked on every visit to the home: compiled once per process (building and
# compiling the three EXISTS cost 2.5 ms, the database a tenth of that).
_STEPS_DONE = Statement(_steps_done, "member")


def first_steps(member: User) -> list[FirstStep] | None:
    """The checklist for this member, or None when there is nothing to show (one query)."""
    if not member.is_authenticated or not member.is_member or member.first_steps_dismissed_at:
        return None
    rows = _STEPS_DONE.rows(member=member.pk)
    if not rows:
        return None
    profile, follows, question = rows[0]
    if profile and follows and question:
        return None
    return [
        FirstStep(
            title=_("Complete your profile"),
            help=_(
                "Say what your role is and what you work on, so that the right people "
                "find you. A pseudonym is fine; you choose who sees each part."
            ),
            url=reverse("members:profile_edit"),
            done=profile,
        ),
        FirstStep(
            title=_("Follow the topics you work on"),
            help=_("You are told when something new is asked or learned in them."),
            url=reverse("forum:tags"),
            done=follows,
        ),
        FirstStep(
            title=_("Ask your first question"),
            help=_("Say what happened and where: members with experience of exactly that answer."),
            url=reverse("forum:create"),
            done=question,
        ),
    ]
