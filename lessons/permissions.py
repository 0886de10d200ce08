"""Who may do what with a lesson: the one place lessons answers it.

Selectors, views, templates and services all ask here, so a read never
imports the writes (lessons.services) to learn whether a button shows. The
review workflow's table (``TRANSITIONS``) lives here too: each action names
the states it starts from, the state it leads to and who may take it;
``allowed_actions`` answers "which buttons does this viewer get", and
``lessons.services.transition`` is the only place a lesson changes state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy

from lessons.models import CoAuthorInvitation, Lesson, LessonState
from members.models import User

# --- Roles ----------------------------------------------------------------------


def is_author(member: User, lesson: Lesson) -> bool:
    if not member.is_authenticated:
        return False
    return any(a.member_id == member.pk for a in lesson.authorships.all())


def is_reviewer(member: User) -> bool:
    """Experts and moderators review lessons."""
    return (
        member.is_authenticated and member.is_member and (member.is_expert or member.can_moderate)
    )


def can_review(member: User, lesson: Lesson) -> bool:
    """Nobody reviews their own lesson."""
    return is_reviewer(member) and not is_author(member, lesson)


def can_create(member: User) -> bool:
    return member.is_authenticated and member.is_member


def can_view(viewer: User, lesson: Lesson) -> bool:
    if lesson.state == LessonState.PUBLISHED and lesson.is_public:
        return True
    if not (viewer.is_authenticated and viewer.is_member):
        return False
    if lesson.state in {LessonState.PUBLISHED, LessonState.ARCHIVED}:
        return True
    if is_author(viewer, lesson) or viewer.can_moderate:
        return True
    if lesson.state == LessonState.IN_REVIEW and is_reviewer(viewer):
        return True
    # A member asked to co-author reads what their name would go on (no more).
    return is_invited(viewer, lesson)


def is_invited(member: User, lesson: Lesson) -> bool:
    """Whether ``member`` has an unanswered invitation to co-author ``lesson``."""
    if not (member.is_authenticated and member.is_member):
        return False
    return CoAuthorInvitation.objects.filter(
        lesson=lesson, member=member, state=CoAuthorInvitation.State.PENDING
    ).exists()


def can_edit(member: User, lesson: Lesson) -> bool:
    """Authors edit their lesson until it is archived; moderators edit published ones."""
    if not (member.is_authenticated and member.is_member):
        return False
    if lesson.state == LessonState.ARCHIVED:
        return False
    if is_author(member, lesson):
        return True
    return lesson.state == LessonState.PUBLISHED and member.can_moderate


def can_retag(member: User, lesson: Lesson) -> bool:
    """Experts and moderators may change the topics and standards of any lesson they see."""
    return is_reviewer(member) and can_view(member, lesson) and lesson.state != LessonState.DRAFT


def can_see_history(member: User, lesson: Lesson) -> bool:
    """Earlier text may hold details the authors removed for someone's safety."""
    if not (member.is_authenticated and member.is_member):
        return False
    return is_author(member, lesson) or member.can_moderate


def can_restore_revision(member: User, lesson: Lesson) -> bool:
    if not (member.is_authenticated and member.is_member):
        return False
    return lesson.state == LessonState.PUBLISHED and (
        is_author(member, lesson) or member.can_moderate
    )


def can_purge(member: User) -> bool:
    return member.is_authenticated and member.is_member and member.can_moderate


# --- The workflow ---------------------------------------------------------------

AUTHOR, REVIEWER, MODERATOR = "author", "reviewer", "moderator"


@dataclass(frozen=True)
class Action:
    name: str
    label: Any
    sources: frozenset[str]
    target: str | None  # None: the state does not change (a comment)
    roles: frozenset[str]
    comment_required: bool = False


def _action(name, label, sources, target, roles, comment_required=False) -> Action:
    return Action(name, label, frozenset(sources), target, frozenset(roles), comment_required)


S = LessonState


TRANSITIONS: dict[str, Action] = {
    a.name: a
    for a in [
        _action("submit", gettext_lazy("Submit for review"), [S.DRAFT], S.IN_REVIEW, [AUTHOR]),
        _action("withdraw", gettext_lazy("Withdraw to draft"), [S.IN_REVIEW], S.DRAFT, [AUTHOR]),
        _action(
            "request_changes",
            gettext_lazy("Ask for changes"),
            [S.IN_REVIEW],
            S.DRAFT,
            [REVIEWER],
            comment_required=True,
        ),
        _action("publish", gettext_lazy("Publish"), [S.IN_REVIEW], S.PUBLISHED, [REVIEWER]),
        _action(
            "comment",
            gettext_lazy("Comment"),
            [S.IN_REVIEW],
            None,
            [AUTHOR, REVIEWER],
            comment_required=True,
        ),
        # Public needs both sides: the authors asked, a reviewer agrees.
        _action("make_public", gettext_lazy("Make public"), [S.PUBLISHED], None, [REVIEWER]),
        _action(
            "make_members_only",
            gettext_lazy("Make members-only"),
            [S.PUBLISHED],
            None,
            [AUTHOR, MODERATOR],
        ),
        _action("archive", gettext_lazy("Archive"), [S.PUBLISHED], S.ARCHIVED, [AUTHOR, MODERATOR]),
        _action("unarchive", gettext_lazy("Publish again"), [S.ARCHIVED], S.PUBLISHED, [MODERATOR]),
    ]
}


def roles_of(member: User, lesson: Lesson) -> set[str]:
    if not (member.is_authenticated and member.is_member):
        return set()
    roles = set()
    if is_author(member, lesson):
        roles.add(AUTHOR)
    elif is_reviewer(member):
        roles.add(REVIEWER)
    if member.can_moderate:
        roles.add(MODERATOR)
    return roles


def may(member: User, lesson: Lesson, name: str) -> bool:
    action = TRANSITIONS.get(name)
    if action is None or lesson.state not in action.sources:
        return False
    if not (action.roles & roles_of(member, lesson)):
        return False
    if name == "make_public":
        return lesson.public_requested and not lesson.is_public
    if name == "make_members_only":
        return lesson.is_public
    return True


def allowed_actions(member: User, lesson: Lesson) -> list[Action]:
    return [a for a in TRANSITIONS.values() if may(member, lesson, a.name)]
