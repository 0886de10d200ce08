"""The lessons' part of a member's own data (network.privacy asks each app for its part).

``export`` is the lessons' section of the download; ``forget`` their part of
deleting the account, in that transaction (the writes are
``lessons.services.forget_member``'s).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch

from lessons import services
from lessons.models import (
    CoAuthorInvitation,
    FeedToken,
    Lesson,
    LessonAuthor,
    Provision,
    Transition,
)
from members.models import User
from members.privacy import when
from notifications.services import absolute


def export(member: User) -> dict[str, Any]:
    """Lessons written (with co-authors by name), steps taken, invitations, the feed."""
    authorships = (
        LessonAuthor.objects.filter(member=member)
        .select_related("lesson")
        .prefetch_related(
            "lesson__tags",
            "lesson__sources",
            Prefetch("lesson__provisions", queryset=Provision.objects.select_related("instrument")),
            Prefetch(
                "lesson__authorships",
                queryset=LessonAuthor.objects.select_related("member").order_by("position", "id"),
            ),
        )
        .order_by("lesson__created_at", "lesson__id")
    )
    steps = Transition.objects.filter(actor=member).select_related("lesson")
    token = FeedToken.objects.filter(member=member).first()
    invitations = CoAuthorInvitation.objects.filter(member=member).select_related("lesson")
    return {
        "lessons": [_lesson(authorship.lesson, member) for authorship in authorships],
        "lesson_steps_taken": [
            {
                "lesson": {"id": step.lesson_id, "title": step.lesson.title},
                "action": step.action,
                "from_state": step.from_state,
                "to_state": step.to_state,
                "comment": step.comment,
                "created_at": when(step.created_at),
            }
            for step in steps.order_by("created_at", "id")
        ],
        # Invitations to co-author; a declined lesson's title may have changed
        # since, and is no longer the member's to read.
        "co_author_invitations": [
            {
                "lesson": {
                    "id": invitation.lesson_id,
                    **({"title": invitation.lesson.title} if invitation.state == "pending" else {}),
                },
                "state": invitation.state,
                "invited_at": when(invitation.created_at),
                "answered_at": when(invitation.answered_at),
            }
            for invitation in invitations.order_by("created_at", "id")
        ],
        # Not the token: a file that leaks must not open the private feed.
        "private_feed": {"created_at": when(token.created_at)} if token else None,
    }


def _lesson(lesson: Lesson, member: User) -> dict[str, Any]:
    return {
        "id": lesson.pk,
        "title": lesson.title,
        "summary": lesson.summary,
        "state": lesson.state,
        "public": lesson.is_public,
        "public_requested": lesson.public_requested,
        "setting": lesson.setting,
        "country": str(lesson.country.code or ""),
        "region": lesson.region,
        "period": lesson.period,
        "language": lesson.language,
        **{field: getattr(lesson, field) for field in lesson.MARKDOWN_FIELDS},
        "topics": [tag.name for tag in lesson.tags.all()],
        "standards": [str(provision) for provision in lesson.provisions.all()],
        "sources": [
            {
                "title": source.title,
                "publisher": source.publisher,
                "date": source.date.isoformat() if source.date else None,
                "url": source.url,
            }
            for source in lesson.sources.all()
        ],
        # Co-authors by the name members see; never their email.
        "authors": [
            "you" if a.member_id == member.pk else a.member.name for a in lesson.authorships.all()
        ],
        "created_at": when(lesson.created_at),
        "published_at": when(lesson.published_at),
        "url": absolute(lesson.get_absolute_url()),
    }


def forget(member: User, *, keep_contributions: bool) -> None:
    services.forget_member(member=member, remove_lessons=not keep_contributions)
