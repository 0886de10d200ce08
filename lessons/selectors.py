"""Reads of lessons: who sees which lesson, lists with a fixed number of queries."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils.translation import gettext as _

from common.statements import Statement
from lessons.models import (
    CoAuthorInvitation,
    Instrument,
    Lesson,
    LessonAuthor,
    LessonState,
    Provision,
    Transition,
)
from lessons.permissions import can_view, is_reviewer
from members.models import User, Visibility
from members.selectors import attach_tags

LESSONS_PER_PAGE = 20
LANDING_LESSONS = 5


# What a lesson's row and page show besides its topics.
_STANDARDS_AND_AUTHORS = (
    Prefetch("provisions", queryset=Provision.objects.select_related("instrument")),
    Prefetch(
        "authorships",
        queryset=LessonAuthor.objects.select_related("member__profile").order_by("position", "id"),
    ),
)


def _with_relations(lessons: QuerySet[Lesson]) -> QuerySet[Lesson]:
    return lessons.prefetch_related("tags", *_STANDARDS_AND_AUTHORS)


def visible_lessons(viewer: User) -> QuerySet[Lesson]:
    """Lessons the viewer may open, whatever their state."""
    public = Q(state=LessonState.PUBLISHED, is_public=True)
    if not (viewer.is_authenticated and viewer.is_member):
        return Lesson.objects.filter(public)
    if viewer.can_moderate:
        return Lesson.objects.all()
    # Their own lessons by a subquery, not a join: one row per lesson, so no
    # DISTINCT and no second pass over every lesson, and the state condition
    # can use the index on state (a search ranks only visible lessons).
    seen = Q(state__in=[LessonState.PUBLISHED, LessonState.ARCHIVED]) | Q(
        pk__in=LessonAuthor.objects.filter(member=viewer).values("lesson_id")
    )
    if is_reviewer(viewer):
        seen |= Q(state=LessonState.IN_REVIEW)
    return Lesson.objects.filter(seen)


def published_lessons(
    viewer: User,
    *,
    tag: str = "",
    provision: Provision | None = None,
    instrument: Instrument | None = None,
    country: str = "",
    setting: str = "",
    language: str = "",
    include_archived: bool = False,
) -> QuerySet[Lesson]:
    """Published lessons the viewer may read, newest first, with what a list shows."""
    states = [LessonState.PUBLISHED]
    if include_archived:
        states.append(LessonState.ARCHIVED)
    lessons = visible_lessons(viewer).filter(state__in=states)
    if tag:
        lessons = lessons.filter(tags__slug=tag)
    if provision is not None:
        lessons = lessons.filter(provisions=provision)
    if instrument is not None:
        lessons = lessons.filter(
            pk__in=Lesson.provisions.through.objects.filter(
                provision__instrument=instrument
            ).values("lesson_id")
        )
    if country:
        lessons = lessons.filter(country=country)
    if setting:
        lessons = lessons.filter(setting=setting)
    if language:
        lessons = lessons.filter(language=language)
    return _with_relations(lessons.order_by("-published_at", "-id"))


def lesson_for(viewer: User, pk: int) -> Lesson | None:
    """The lesson with what its page shows, if the viewer may see it. Its topics
    come from ``attach_tags`` (taggit's prefetch cost more than the query)."""
    lesson = (
        Lesson.objects.filter(pk=pk)
        .prefetch_related(*_STANDARDS_AND_AUTHORS, "sources")
        .select_related("from_thread", "from_event")
        .first()
    )
    if lesson is None or not can_view(viewer, lesson):
        return None
    attach_tags([lesson])
    return lesson


def my_lessons(member: User) -> QuerySet[Lesson]:
    return _with_relations(
        Lesson.objects.filter(authorships__member=member).order_by("-updated_at", "-id")
    )


def invitations_for(member: User) -> list[CoAuthorInvitation]:
    """The member's unanswered invitations to co-author, newest first."""
    return list(
        CoAuthorInvitation.objects.filter(member=member, state=CoAuthorInvitation.State.PENDING)
        .select_related("lesson", "invited_by")
        .order_by("-created_at", "-id")
    )


def review_queue(viewer: User) -> QuerySet[Lesson]:
    """Lessons in review the viewer did not write, oldest waiting first."""
    return _with_relations(
        Lesson.objects.filter(state=LessonState.IN_REVIEW)
        .exclude(pk__in=LessonAuthor.objects.filter(member=viewer).values("lesson_id"))
        .order_by("updated_at", "id")
    )


def instruments_with_counts(viewer: User) -> list[Instrument]:
    visible = visible_lessons(viewer).filter(state=LessonState.PUBLISHED).values("pk")
    provisions = Provision.objects.annotate(
        lesson_count=Count("lessons", filter=Q(lessons__in=visible), distinct=True)
    ).order_by("position")
    return list(Instrument.objects.prefetch_related(Prefetch("provisions", queryset=provisions)))


def author_name(member: User | None, viewer: User) -> str:
    """A member's name as this viewer may see it.

    Visitors and pending members see a name only when its owner made their
    name public; everyone else on a public page is "a member of the network".
    """
    if member is None:
        return _("A former member")
    if viewer.is_authenticated and viewer.is_member:
        return member.name
    profile = getattr(member, "profile", None)
    if profile is not None and profile.name_visibility == Visibility.PUBLIC:
        return member.name
    return _("A member of the network")


def authors_for(lesson: Lesson, viewer: User) -> list[tuple[User, str, bool]]:
    """(member, name shown, whether to link to the profile) for each author."""
    members_view = viewer.is_authenticated and viewer.is_member
    rows = []
    for authorship in lesson.authorships.all():
        member = authorship.member
        name = author_name(member, viewer)
        profile = getattr(member, "profile", None)
        linked = members_view or (profile is not None and profile.has_public_part)
        rows.append((member, name, linked and name != _("A member of the network")))
    return rows


# --- Co-authors, reviewers, revisions ----------------------------------------------


def reviewers() -> Any:
    return User.objects.filter(status="active", is_banned=False, is_active=True).filter(
        Q(is_expert=True) | Q(is_moderator=True) | Q(is_superuser=True)
    )


def invitation_url(lesson: Lesson) -> str:
    return reverse("lessons:co_author", args=[lesson.pk])


def pending_invitation(member: User, lesson_pk: int) -> CoAuthorInvitation | None:
    """The member's unanswered invitation to the lesson, with the lesson and who invited."""
    if not (member.is_authenticated and member.is_member):
        return None
    # Almost every reader has none: asked by a statement compiled once
    # (common.statements), the invitation read only when there is one.
    found = _PENDING_INVITATION.rows(member=member.pk, lesson=lesson_pk)
    if not found:
        return None
    return (
        CoAuthorInvitation.objects.select_related("lesson", "invited_by")
        .filter(pk=found[0][0], state=CoAuthorInvitation.State.PENDING)
        .first()
    )


_PENDING_INVITATION = Statement(
    lambda member, lesson: CoAuthorInvitation.objects.filter(
        lesson_id=lesson, member_id=member, state=CoAuthorInvitation.State.PENDING
    ).values_list("pk")[:1],
    "member",
    "lesson",
)


def invitations_of(lesson: Lesson) -> list[CoAuthorInvitation]:
    """Open and declined invitations of a lesson, for its authors' eyes."""
    return list(lesson.invitations.select_related("member"))


# The lesson's own words and choices, as the form gives them and a revision keeps them.
TEXT_FIELDS = (
    "title",
    "summary",
    "country",
    "region",
    "period",
    "setting",
    "what_happened",
    "what_worked",
    "what_did_not",
    "recommendations",
    "language",
    "public_requested",
)


def snapshot(lesson: Lesson) -> dict[str, Any]:
    """The lesson's words and links as they are, for a revision."""
    data: dict[str, Any] = {field: getattr(lesson, field) for field in TEXT_FIELDS}
    data["country"] = str(lesson.country or "")
    data["tags"] = sorted(t.name for t in lesson.tags.all())
    data["provisions"] = sorted(lesson.provisions.values_list("pk", flat=True))
    data["sources"] = [
        {
            "title": s.title,
            "publisher": s.publisher,
            "date": s.date.isoformat() if s.date else "",
            "url": s.url,
        }
        for s in lesson.sources.all()
    ]
    return data


def lessons_needing_attention(member: User, *, limit: int) -> list[Lesson]:
    """The member's lessons in review, or back in draft because a reviewer asked for changes.

    Each comes with ``changes_requested``: the last step of its workflow was a
    reviewer's request for changes (plain drafts the member is still writing
    are theirs to pick up from "Your lessons", not a call to act).
    """
    last_action = Subquery(
        Transition.objects.filter(lesson=OuterRef("pk"), to_state=OuterRef("state"))
        .exclude(action="comment")
        .order_by("-created_at", "-id")
        .values("action")[:1]
    )
    mine = LessonAuthor.objects.filter(member=member).values("lesson_id")
    return list(
        Lesson.objects.filter(pk__in=mine)
        .annotate(last_action=last_action)
        .filter(
            Q(state=LessonState.IN_REVIEW)
            | Q(state=LessonState.DRAFT, last_action="request_changes")
        )
        .order_by("-updated_at", "-id")
        .only("pk", "title", "language", "state", "updated_at")[:limit]
    )


def latest_lessons(viewer: User, *, limit: int) -> list[Lesson]:
    """The newest published lessons the viewer may read: title, place and date only."""
    return list(
        visible_lessons(viewer)
        .filter(state=LessonState.PUBLISHED)
        .order_by("-published_at", "-id")
        .only("pk", "title", "language", "state", "country", "setting", "published_at")[:limit]
    )
