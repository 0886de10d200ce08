"""The review workflow of lessons, through the services the views call.

The tables below are the specification: who may take which step from which
state, who sees a lesson, who edits and who retags it. Every cell is a test.
They were written from what the product promises, not read off the code:

- reviewers are experts and moderators who are not authors of the lesson;
- a lesson goes public only when its authors asked and a reviewer agrees;
- authors or moderators archive, only moderators publish an archived lesson again;
- during review the authors and the reviewers comment;
- visitors, members waiting for approval and banned members do nothing at all.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from lessons import permissions, selectors, services
from lessons.models import (
    Lesson,
    LessonAuthor,
    LessonRevision,
    LessonState,
    Transition,
)
from lessons.notification_kinds import NotificationKind
from lessons.services import LessonError
from members.models import AuditEntry, Status, Tag, User
from notifications.models import Notification
from notifications.services import follow

Viewer = User | AnonymousUser

# --- The cast -------------------------------------------------------------------

# Column heading in the tables -> role. The first seven are the roles the issue
# names; the last three are the corners where roles meet.
ROLE_COLUMNS = {
    "anon": "anonymous",
    "pend": "pending",  # signed up, waiting for approval
    "memb": "member",  # an approved member who did not write the lesson
    "auth": "author",  # the member who wrote the lesson
    "coau": "co_author",  # a plain member named as co-author
    "expt": "expert",
    "modr": "moderator",
    "xaut": "expert_author",  # an expert who co-wrote the lesson
    "maut": "moderator_author",  # a moderator who co-wrote the lesson
    "bann": "banned",  # a co-author and expert, banned since
}
ROLES = tuple(ROLE_COLUMNS.values())

# The lesson as each row of the tables finds it.
VARIANTS: dict[str, dict[str, object]] = {
    "draft": {"state": LessonState.DRAFT},
    "in_review": {"state": LessonState.IN_REVIEW, "public_requested": True},
    # Published for members; the authors did not ask for more.
    "published": {"state": LessonState.PUBLISHED},
    # Published for members; the authors asked for it to be public.
    "published_asked": {"state": LessonState.PUBLISHED, "public_requested": True},
    "published_public": {
        "state": LessonState.PUBLISHED,
        "public_requested": True,
        "is_public": True,
    },
    "archived": {"state": LessonState.ARCHIVED},
    # Archived after having been public.
    "archived_public": {"state": LessonState.ARCHIVED, "public_requested": True, "is_public": True},
}


def _table(text: str, keys: int) -> dict[tuple[str, ...], bool]:
    """Parse a grid of ``Y`` (allowed) and ``.`` (refused); ``#`` starts a comment."""
    lines = [line.split("#")[0].split() for line in text.strip().splitlines()]
    lines = [line for line in lines if line]
    header, rows = lines[0], lines[1:]
    roles = [ROLE_COLUMNS[column] for column in header[keys:]]
    table: dict[tuple[str, ...], bool] = {}
    for row in rows:
        key, marks = tuple(row[:keys]), row[keys:]
        if len(marks) != len(roles) or not set(marks) <= {"Y", "."}:
            raise ValueError(f"malformed row {row}")
        for role, mark in zip(roles, marks, strict=True):
            if (*key, role) in table:
                raise ValueError(f"row {key} appears twice")
            table[(*key, role)] = mark == "Y"
    return table


# Decisions behind the cells that are not obvious:
# - Nobody publishes a draft or comments on one: every lesson passes a review,
#   and comments belong to the review.
# - Nobody reviews their own lesson: an expert or moderator who co-wrote it has
#   the authors' buttons only (``xaut``, ``maut``), never publish or make public.
# - make_public needs the authors' request (``published_asked``) and a reviewer;
#   it is decided at publish time or later, never during review.
# - Authors or moderators archive a published lesson, and either side may take a
#   public lesson back to members-only; a lesson in review is withdrawn, not archived.
# - Only moderators publish an archived lesson again, a moderator who co-wrote it
#   included (it was reviewed before it was archived).
# - An archived lesson is for members only, whatever its audience before; it gets
#   that audience back when a moderator publishes it again.
# - Moderators see drafts (they answer reports about anything on the network);
#   experts see lessons in review but not drafts.
# - Experts and moderators retag any lesson past the draft, archived ones included.

# fmt: off
EXPECTED = _table("""
variant           action             anon pend memb auth coau expt modr xaut maut bann
draft             submit             .    .    .    Y    Y    .    .    Y    Y    .
draft             withdraw           .    .    .    .    .    .    .    .    .    .
draft             request_changes    .    .    .    .    .    .    .    .    .    .
draft             publish            .    .    .    .    .    .    .    .    .    .
draft             comment            .    .    .    .    .    .    .    .    .    .
draft             make_public        .    .    .    .    .    .    .    .    .    .
draft             make_members_only  .    .    .    .    .    .    .    .    .    .
draft             archive            .    .    .    .    .    .    .    .    .    .
draft             unarchive          .    .    .    .    .    .    .    .    .    .

in_review         submit             .    .    .    .    .    .    .    .    .    .
in_review         withdraw           .    .    .    Y    Y    .    .    Y    Y    .
in_review         request_changes    .    .    .    .    .    Y    Y    .    .    .
in_review         publish            .    .    .    .    .    Y    Y    .    .    .
in_review         comment            .    .    .    Y    Y    Y    Y    Y    Y    .
in_review         make_public        .    .    .    .    .    .    .    .    .    .
in_review         make_members_only  .    .    .    .    .    .    .    .    .    .
in_review         archive            .    .    .    .    .    .    .    .    .    .
in_review         unarchive          .    .    .    .    .    .    .    .    .    .

published         submit             .    .    .    .    .    .    .    .    .    .
published         withdraw           .    .    .    .    .    .    .    .    .    .
published         request_changes    .    .    .    .    .    .    .    .    .    .
published         publish            .    .    .    .    .    .    .    .    .    .
published         comment            .    .    .    .    .    .    .    .    .    .
published         make_public        .    .    .    .    .    .    .    .    .    .
published         make_members_only  .    .    .    .    .    .    .    .    .    .
published         archive            .    .    .    Y    Y    .    Y    Y    Y    .
published         unarchive          .    .    .    .    .    .    .    .    .    .

published_asked   submit             .    .    .    .    .    .    .    .    .    .
published_asked   withdraw           .    .    .    .    .    .    .    .    .    .
published_asked   request_changes    .    .    .    .    .    .    .    .    .    .
published_asked   publish            .    .    .    .    .    .    .    .    .    .
published_asked   comment            .    .    .    .    .    .    .    .    .    .
published_asked   make_public        .    .    .    .    .    Y    Y    .    .    .
published_asked   make_members_only  .    .    .    .    .    .    .    .    .    .
published_asked   archive            .    .    .    Y    Y    .    Y    Y    Y    .
published_asked   unarchive          .    .    .    .    .    .    .    .    .    .

published_public  submit             .    .    .    .    .    .    .    .    .    .
published_public  withdraw           .    .    .    .    .    .    .    .    .    .
published_public  request_changes    .    .    .    .    .    .    .    .    .    .
published_public  publish            .    .    .    .    .    .    .    .    .    .
published_public  comment            .    .    .    .    .    .    .    .    .    .
published_public  make_public        .    .    .    .    .    .    .    .    .    .
published_public  make_members_only  .    .    .    Y    Y    .    Y    Y    Y    .
published_public  archive            .    .    .    Y    Y    .    Y    Y    Y    .
published_public  unarchive          .    .    .    .    .    .    .    .    .    .

archived          submit             .    .    .    .    .    .    .    .    .    .
archived          withdraw           .    .    .    .    .    .    .    .    .    .
archived          request_changes    .    .    .    .    .    .    .    .    .    .
archived          publish            .    .    .    .    .    .    .    .    .    .
archived          comment            .    .    .    .    .    .    .    .    .    .
archived          make_public        .    .    .    .    .    .    .    .    .    .
archived          make_members_only  .    .    .    .    .    .    .    .    .    .
archived          archive            .    .    .    .    .    .    .    .    .    .
archived          unarchive          .    .    .    .    .    .    Y    .    Y    .

archived_public   submit             .    .    .    .    .    .    .    .    .    .
archived_public   withdraw           .    .    .    .    .    .    .    .    .    .
archived_public   request_changes    .    .    .    .    .    .    .    .    .    .
archived_public   publish            .    .    .    .    .    .    .    .    .    .
archived_public   comment            .    .    .    .    .    .    .    .    .    .
archived_public   make_public        .    .    .    .    .    .    .    .    .    .
archived_public   make_members_only  .    .    .    .    .    .    .    .    .    .
archived_public   archive            .    .    .    .    .    .    .    .    .    .
archived_public   unarchive          .    .    .    .    .    .    Y    .    Y    .
""", keys=2)

VISIBLE = _table("""
variant           anon pend memb auth coau expt modr xaut maut bann
draft             .    .    .    Y    Y    .    Y    Y    Y    .
in_review         .    .    .    Y    Y    Y    Y    Y    Y    .
published         .    .    Y    Y    Y    Y    Y    Y    Y    .
published_asked   .    .    Y    Y    Y    Y    Y    Y    Y    .
published_public  Y    Y    Y    Y    Y    Y    Y    Y    Y    Y
archived          .    .    Y    Y    Y    Y    Y    Y    Y    .
archived_public   .    .    Y    Y    Y    Y    Y    Y    Y    .
""", keys=1)

EDITABLE = _table("""
variant           anon pend memb auth coau expt modr xaut maut bann
draft             .    .    .    Y    Y    .    .    Y    Y    .
in_review         .    .    .    Y    Y    .    .    Y    Y    .
published         .    .    .    Y    Y    .    Y    Y    Y    .
published_asked   .    .    .    Y    Y    .    Y    Y    Y    .
published_public  .    .    .    Y    Y    .    Y    Y    Y    .
archived          .    .    .    .    .    .    .    .    .    .
archived_public   .    .    .    .    .    .    .    .    .    .
""", keys=1)

RETAGGABLE = _table("""
variant           anon pend memb auth coau expt modr xaut maut bann
draft             .    .    .    .    .    .    .    .    .    .
in_review         .    .    .    .    .    Y    Y    Y    Y    .
published         .    .    .    .    .    Y    Y    Y    Y    .
published_asked   .    .    .    .    .    Y    Y    Y    Y    .
published_public  .    .    .    .    .    Y    Y    Y    Y    .
archived          .    .    .    .    .    Y    Y    Y    Y    .
archived_public   .    .    .    .    .    Y    Y    Y    Y    .
""", keys=1)
# fmt: on

# Where each step leads; None: the state stays (a comment or a change of audience).
LEADS_TO = {
    "submit": LessonState.IN_REVIEW,
    "withdraw": LessonState.DRAFT,
    "request_changes": LessonState.DRAFT,
    "publish": LessonState.PUBLISHED,
    "comment": None,
    "make_public": None,
    "make_members_only": None,
    "archive": LessonState.ARCHIVED,
    "unarchive": LessonState.PUBLISHED,
}

TRANSITIONS_NAMES = tuple(permissions.TRANSITIONS)

COMMENT = "Please say **who** was in the room."


def data_from(lesson: Lesson, **changes: object) -> services.LessonData:
    """The edit form as it comes back for ``lesson``, with ``changes`` typed in."""
    fields: dict[str, object] = {field: getattr(lesson, field) for field in services.TEXT_FIELDS}
    fields["country"] = str(lesson.country or "")
    fields["tags"] = list(lesson.tags.all())
    fields["provisions"] = list(lesson.provisions.all())
    fields.update(changes)
    return services.LessonData(**fields)


def add_author(lesson: Lesson, member: User) -> None:
    """Name ``member`` as an author without the checks (e.g. one banned since)."""
    LessonAuthor.objects.create(lesson=lesson, member=member, position=lesson.authorships.count())


@pytest.fixture
def cast(
    make_user: Callable[..., User],
    make_moderator: Callable[..., User],
    make_lesson: Callable[..., Lesson],
) -> Callable[[str, str], tuple[Lesson, Viewer]]:
    """A lesson as ``variant`` describes it, written by a member and a co-author,
    and the one who acts on it in ``role``."""

    def make(variant: str, role: str) -> tuple[Lesson, Viewer]:
        author = make_user(display_name="Ann Author")
        co_author = make_user(display_name="Cole Author")
        lesson = make_lesson(author, co_authors=[co_author], **VARIANTS[variant])
        if role == "anonymous":
            return lesson, AnonymousUser()
        if role in {"author", "co_author"}:
            return lesson, author if role == "author" else co_author
        actor = {
            "pending": lambda: make_user(status=Status.PENDING, approved_at=None),
            "member": make_user,
            "expert": lambda: make_user(is_expert=True),
            "moderator": make_moderator,
            "expert_author": lambda: make_user(is_expert=True),
            "moderator_author": make_moderator,
            "banned": lambda: make_user(is_expert=True, is_banned=True, is_active=False),
        }[role]()
        if role in {"expert_author", "moderator_author", "banned"}:
            add_author(lesson, actor)
        return Lesson.objects.get(pk=lesson.pk), actor

    return make


# --- The tables cover everything --------------------------------------------------


def test_tables_cover_every_action_state_and_role() -> None:
    actions = {action for _, action, _ in EXPECTED}
    assert actions == set(TRANSITIONS_NAMES), "add rows for a new action to EXPECTED"
    assert set(LEADS_TO) == set(TRANSITIONS_NAMES)
    states = {VARIANTS[variant]["state"] for variant in VARIANTS}
    assert states == set(LessonState.values), "add a variant for a new state"
    assert set(EXPECTED) == {
        (variant, action, role) for variant in VARIANTS for action in actions for role in ROLES
    }
    for table in (VISIBLE, EDITABLE, RETAGGABLE):
        assert set(table) == {(variant, role) for variant in VARIANTS for role in ROLES}
    assert {"anonymous", "pending", "member", "author", "co_author", "expert", "moderator"} <= set(
        ROLES
    )


def _refusal_message(message: str) -> bool:
    return message == "You cannot do that with this lesson." or (
        message.startswith("This lesson is ") and message.endswith("that is no longer possible.")
    )


# --- Who may take which step ------------------------------------------------------


@pytest.mark.parametrize(
    ("variant", "action", "role"),
    sorted(EXPECTED, key=lambda cell: (list(VARIANTS).index(cell[0]), cell[1], cell[2])),
    ids=lambda value: value,
)
def test_workflow_permission(variant: str, action: str, role: str, cast) -> None:
    lesson, actor = cast(variant, role)
    allowed = EXPECTED[variant, action, role]
    before = Lesson.objects.get(pk=lesson.pk)
    steps = Transition.objects.count()

    assert permissions.may(actor, lesson, action) is allowed
    if not allowed:
        with pytest.raises(LessonError) as refused:
            services.transition(actor=actor, lesson=lesson, action=action, comment=COMMENT)
        assert _refusal_message(str(refused.value)), str(refused.value)
        after = Lesson.objects.get(pk=lesson.pk)
        assert (after.state, after.is_public, after.public_requested, after.updated_at) == (
            before.state,
            before.is_public,
            before.public_requested,
            before.updated_at,
        )
        assert Transition.objects.count() == steps
        return

    step = services.transition(actor=actor, lesson=lesson, action=action, comment=COMMENT)

    after = Lesson.objects.get(pk=lesson.pk)
    expected_state = LEADS_TO[action] or before.state
    assert after.state == expected_state
    assert after.updated_at > before.updated_at
    assert Transition.objects.count() == steps + 1
    row = Transition.objects.get(pk=step.pk)
    assert (row.lesson_id, row.actor_id, row.action) == (lesson.pk, actor.pk, action)
    assert (row.from_state, row.to_state) == (before.state, expected_state)
    assert row.comment == COMMENT
    assert "<strong>who</strong>" in row.comment_html
    if action == "publish":
        # Without the reviewer saying so, a lesson is published for members only.
        assert after.published_at is not None
        assert after.is_public is False
    elif action == "make_public":
        assert after.is_public is True
    elif action == "make_members_only":
        assert (after.is_public, after.public_requested) == (False, False)
    else:
        assert after.is_public == before.is_public
    if action == "unarchive":
        assert after.published_at == before.published_at


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("variant", VARIANTS)
def test_allowed_actions_offer_exactly_the_allowed_steps(variant: str, role: str, cast) -> None:
    lesson, actor = cast(variant, role)
    offered = {step.name for step in permissions.allowed_actions(actor, lesson)}
    assert offered == {action for action in TRANSITIONS_NAMES if EXPECTED[variant, action, role]}


def test_unknown_action_is_refused(make_lesson, expert) -> None:
    lesson = make_lesson(state=LessonState.IN_REVIEW)
    with pytest.raises(LessonError, match="Unknown action"):
        services.transition(actor=expert, lesson=lesson, action="delete")


def test_a_decision_taken_on_a_stale_page_is_refused(make_lesson, expert, moderator) -> None:
    lesson = make_lesson(state=LessonState.IN_REVIEW)
    page_of_expert = Lesson.objects.get(pk=lesson.pk)
    services.transition(actor=moderator, lesson=lesson, action="publish")

    with pytest.raises(LessonError, match="published; that is no longer possible"):
        services.transition(
            actor=expert, lesson=page_of_expert, action="request_changes", comment="Too short."
        )
    assert Lesson.objects.get(pk=lesson.pk).state == LessonState.PUBLISHED
    assert list(Transition.objects.values_list("action", flat=True)) == ["publish"]


def test_the_whole_review_is_kept_step_by_step(make_user, make_lesson, expert) -> None:
    author = make_user()
    lesson = make_lesson(author, public_requested=True)

    services.transition(actor=author, lesson=lesson, action="submit")
    services.transition(actor=expert, lesson=lesson, action="request_changes", comment="Dates?")
    services.transition(actor=author, lesson=lesson, action="submit", comment="Dates added.")
    services.transition(actor=expert, lesson=lesson, action="comment", comment="Thanks.")
    services.transition(actor=expert, lesson=lesson, action="publish", make_public=True)

    lesson.refresh_from_db()
    assert (lesson.state, lesson.is_public) == (LessonState.PUBLISHED, True)
    assert list(lesson.transitions.values_list("action", "from_state", "to_state", "actor")) == [
        ("submit", "draft", "in_review", author.pk),
        ("request_changes", "in_review", "draft", expert.pk),
        ("submit", "draft", "in_review", author.pk),
        ("comment", "in_review", "in_review", expert.pk),
        ("publish", "in_review", "published", expert.pk),
    ]


# --- Rules of single steps ----------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "missing"),
    [
        ({"summary": ""}, "summary"),
        ({"summary": "   \n"}, "summary"),
        ({"what_happened": ""}, "what happened"),
        ({"summary": "", "what_happened": " "}, "summary and what happened"),
    ],
)
def test_submit_without_summary_or_what_happened_is_refused(
    make_user, make_lesson, fields: dict[str, str], missing: str
) -> None:
    author = make_user()
    lesson = make_lesson(author, **fields)

    with pytest.raises(LessonError) as refused:
        services.transition(actor=author, lesson=lesson, action="submit")

    assert str(refused.value) == f"Add the {missing} before submitting."
    assert Lesson.objects.get(pk=lesson.pk).state == LessonState.DRAFT
    assert not Transition.objects.exists()


@pytest.mark.parametrize("action", ["request_changes", "comment"])
@pytest.mark.parametrize("comment", ["", "  \n "])
def test_asking_for_changes_or_commenting_needs_a_comment(
    make_lesson, expert, action: str, comment: str
) -> None:
    lesson = make_lesson(state=LessonState.IN_REVIEW)

    with pytest.raises(LessonError, match="Write a comment for the authors first"):
        services.transition(actor=expert, lesson=lesson, action=action, comment=comment)

    assert Lesson.objects.get(pk=lesson.pk).state == LessonState.IN_REVIEW
    assert not Transition.objects.exists()


@pytest.mark.parametrize(
    ("public_requested", "make_public", "is_public"),
    [(False, True, False), (True, False, False), (True, True, True), (False, False, False)],
)
def test_publish_goes_public_only_when_authors_asked_and_reviewer_agrees(
    make_lesson, expert, public_requested: bool, make_public: bool, is_public: bool
) -> None:
    lesson = make_lesson(state=LessonState.IN_REVIEW, public_requested=public_requested)

    services.transition(actor=expert, lesson=lesson, action="publish", make_public=make_public)

    lesson.refresh_from_db()
    assert (lesson.state, lesson.is_public) == (LessonState.PUBLISHED, is_public)
    assert permissions.can_view(AnonymousUser(), lesson) is is_public
    assert (lesson in selectors.visible_lessons(AnonymousUser())) is is_public


def test_members_only_again_needs_a_new_request_from_the_authors(
    make_user, make_lesson, expert
) -> None:
    author = make_user()
    lesson = make_lesson(author, state=LessonState.PUBLISHED, public_requested=True, is_public=True)

    services.transition(actor=author, lesson=lesson, action="make_members_only")

    lesson.refresh_from_db()
    assert not permissions.may(expert, lesson, "make_public")
    services.edit_lesson(
        editor=author, lesson=lesson, data=data_from(lesson, public_requested=True)
    )
    lesson.refresh_from_db()
    assert lesson.is_public is False
    services.transition(actor=expert, lesson=lesson, action="make_public")
    assert Lesson.objects.get(pk=lesson.pk).is_public is True


def test_unarchive_brings_back_the_audience_it_had(make_lesson, moderator) -> None:
    lesson = make_lesson(state=LessonState.PUBLISHED, public_requested=True, is_public=True)
    services.transition(actor=moderator, lesson=lesson, action="archive")
    assert not permissions.can_view(AnonymousUser(), Lesson.objects.get(pk=lesson.pk))

    services.transition(actor=moderator, lesson=lesson, action="unarchive")

    assert permissions.can_view(AnonymousUser(), Lesson.objects.get(pk=lesson.pk))


# --- Who sees a lesson --------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("variant", VARIANTS)
def test_visibility(variant: str, role: str, cast) -> None:
    lesson, viewer = cast(variant, role)
    expected = VISIBLE[variant, role]

    assert permissions.can_view(viewer, lesson) is expected
    assert selectors.visible_lessons(viewer).filter(pk=lesson.pk).exists() is expected
    assert (selectors.lesson_for(viewer, lesson.pk) is not None) is expected


def test_visible_lessons_lists_a_lesson_once_however_many_authors(make_user, make_lesson) -> None:
    authors = [make_user() for _ in range(3)]
    lesson = make_lesson(authors[0], co_authors=authors[1:], state=LessonState.PUBLISHED)

    assert list(selectors.visible_lessons(authors[2])) == [lesson]
    assert list(selectors.published_lessons(authors[2])) == [lesson]


# --- Editing --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("variant", VARIANTS)
def test_edit_permission(variant: str, role: str, cast) -> None:
    lesson, editor = cast(variant, role)
    expected = EDITABLE[variant, role]
    old_title = lesson.title

    assert permissions.can_edit(editor, lesson) is expected
    data = data_from(lesson, title="Agreeing a route with organisers")
    if not expected:
        with pytest.raises(LessonError):
            services.edit_lesson(editor=editor, lesson=lesson, data=data)
        assert Lesson.objects.get(pk=lesson.pk).title == old_title
        assert not LessonRevision.objects.exists()
        return

    edited = services.edit_lesson(editor=editor, lesson=lesson, data=data)

    assert edited.title == Lesson.objects.get(pk=lesson.pk).title == data.title
    assert edited.state == lesson.state
    # Only what readers have already seen is kept as a revision.
    published = lesson.state == LessonState.PUBLISHED
    assert LessonRevision.objects.filter(lesson=lesson).count() == int(published)
    assert edited.revision_count == int(published)


@pytest.mark.parametrize("reviewer", ["expert", "moderator"])
def test_a_reviewer_editing_a_lesson_in_review_is_told_to_comment(
    make_lesson, request, reviewer: str
) -> None:
    lesson = make_lesson(state=LessonState.IN_REVIEW)
    actor = request.getfixturevalue(reviewer)

    with pytest.raises(LessonError) as refused:
        services.edit_lesson(editor=actor, lesson=lesson, data=data_from(lesson, title="Mine now"))

    assert str(refused.value) == (
        "Only the authors can edit a lesson in review; leave them a comment instead."
    )
    assert Lesson.objects.get(pk=lesson.pk).title != "Mine now"


def test_an_edit_after_publication_keeps_the_text_before_as_a_revision(
    make_user, make_lesson, topics
) -> None:
    author = make_user()
    lesson = make_lesson(author, state=LessonState.PUBLISHED, tags=topics[:2])
    old = {"title": lesson.title, "what_happened": lesson.what_happened}

    edited = services.edit_lesson(
        editor=author,
        lesson=lesson,
        data=data_from(
            lesson, title="Routes agreed in advance", what_happened="We *agreed* a route.", tags=[]
        ),
    )

    assert edited.title == "Routes agreed in advance"
    assert "<em>agreed</em>" in edited.what_happened_html
    revision = LessonRevision.objects.get(lesson=lesson)
    assert revision.editor == author
    assert revision.snapshot["title"] == old["title"]
    assert revision.snapshot["what_happened"] == old["what_happened"]
    assert revision.snapshot["tags"] == sorted(t.name for t in topics[:2])
    assert edited.revision_count == 1


def test_an_author_taking_back_the_public_request_makes_the_lesson_members_only(
    make_user, make_lesson
) -> None:
    author = make_user()
    lesson = make_lesson(author, state=LessonState.PUBLISHED, public_requested=True, is_public=True)

    services.edit_lesson(
        editor=author, lesson=lesson, data=data_from(lesson, public_requested=False)
    )

    lesson.refresh_from_db()
    assert (lesson.public_requested, lesson.is_public) == (False, False)


def test_restore_revision_brings_the_old_text_back_and_keeps_the_text_it_replaces(
    make_user, make_lesson, topics
) -> None:
    author = make_user()
    lesson = make_lesson(author, state=LessonState.PUBLISHED, tags=topics[:1])
    original = lesson.what_happened
    services.edit_lesson(
        editor=author,
        lesson=lesson,
        data=data_from(lesson, what_happened="A shorter account.", tags=topics[1:3]),
    )
    first = LessonRevision.objects.get(lesson=lesson)

    restored = services.restore_revision(actor=author, lesson=lesson, revision=first)

    restored.refresh_from_db()
    assert restored.what_happened == original
    assert original.split("**")[0].strip() in restored.what_happened_html
    assert list(restored.tags.all()) == topics[:1]
    latest = LessonRevision.objects.filter(lesson=lesson).exclude(pk=first.pk).get()
    assert (latest.note, latest.editor) == ("restore", author)
    assert latest.snapshot["what_happened"] == "A shorter account."
    assert restored.revision_count == 2


@pytest.mark.parametrize("role", ROLES)
def test_who_may_restore_a_revision(role: str, cast) -> None:
    lesson, actor = cast("published", role)
    author = lesson.authorships.first().member
    services.edit_lesson(editor=author, lesson=lesson, data=data_from(lesson, title="Changed"))
    revision = LessonRevision.objects.get(lesson=lesson)
    allowed = EDITABLE["published", role]

    assert permissions.can_restore_revision(actor, lesson) is allowed
    if not allowed:
        with pytest.raises(LessonError):
            services.restore_revision(actor=actor, lesson=lesson, revision=revision)
        assert Lesson.objects.get(pk=lesson.pk).title == "Changed"
        return
    services.restore_revision(actor=actor, lesson=lesson, revision=revision)
    assert Lesson.objects.get(pk=lesson.pk).title != "Changed"


def test_restoring_a_revision_of_an_archived_lesson_or_another_lesson_is_refused(
    make_user, make_lesson, moderator
) -> None:
    author = make_user()
    lesson = make_lesson(author, state=LessonState.PUBLISHED)
    other = make_lesson(author, state=LessonState.PUBLISHED)
    services.edit_lesson(editor=author, lesson=lesson, data=data_from(lesson, title="Changed"))
    revision = LessonRevision.objects.get(lesson=lesson)

    with pytest.raises(LessonError, match="belongs to another lesson"):
        services.restore_revision(actor=moderator, lesson=other, revision=revision)
    services.transition(actor=author, lesson=lesson, action="archive")
    lesson.refresh_from_db()
    with pytest.raises(LessonError):
        services.restore_revision(actor=moderator, lesson=lesson, revision=revision)
    assert Lesson.objects.get(pk=lesson.pk).title == "Changed"


# --- Retagging ----------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("variant", VARIANTS)
def test_retag_permission(variant: str, role: str, cast, topics) -> None:
    lesson, actor = cast(variant, role)
    lesson.tags.set(topics[:2])
    expected = RETAGGABLE[variant, role]

    assert permissions.can_retag(actor, lesson) is expected
    if not expected:
        with pytest.raises(LessonError, match="Only experts and moderators"):
            services.retag_lesson(actor=actor, lesson=lesson, tags=topics[3:4], provisions=[])
        assert set(lesson.tags.all()) == set(topics[:2])
        assert not AuditEntry.objects.exists()
        assert not LessonRevision.objects.exists()
        return

    services.retag_lesson(actor=actor, lesson=lesson, tags=topics[3:4], provisions=[])

    assert list(lesson.tags.all()) == topics[3:4]
    assert (
        AuditEntry.objects.filter(actor=actor, action=AuditEntry.Action.RETAG_LESSON).count() == 1
    )
    published = lesson.state == LessonState.PUBLISHED
    assert LessonRevision.objects.filter(lesson=lesson, note="retag").count() == int(published)


@pytest.mark.parametrize("reviewer", ["expert", "moderator"])
def test_retag_after_publication_records_a_revision_and_an_audit_entry(
    make_lesson, make_provision, topics, request, reviewer: str
) -> None:
    actor = request.getfixturevalue(reviewer)
    old_provision, new_provision = make_provision(), make_provision(number="7")
    lesson = make_lesson(state=LessonState.PUBLISHED, tags=topics[:2], provisions=[old_provision])

    services.retag_lesson(actor=actor, lesson=lesson, tags=[topics[4]], provisions=[new_provision])

    lesson.refresh_from_db()
    assert list(lesson.tags.all()) == [topics[4]]
    assert list(lesson.provisions.all()) == [new_provision]
    revision = LessonRevision.objects.get(lesson=lesson)
    assert (revision.editor, revision.note) == (actor, "retag")
    assert revision.snapshot["tags"] == sorted(t.name for t in topics[:2])
    assert revision.snapshot["provisions"] == [old_provision.pk]
    assert lesson.revision_count == 1
    entry = AuditEntry.objects.get(action=AuditEntry.Action.RETAG_LESSON)
    assert entry.actor == actor
    assert entry.url == lesson.get_absolute_url()
    assert entry.detail == f"“{lesson.title}”: public-assembly, use-of-force -> firearms"


def test_a_member_cannot_retag(make_user, make_lesson, topics) -> None:
    author, member = make_user(), make_user()
    lesson = make_lesson(author, state=LessonState.PUBLISHED, tags=topics[:1])

    for actor in (author, member):
        with pytest.raises(LessonError, match="Only experts and moderators"):
            services.retag_lesson(actor=actor, lesson=lesson, tags=topics[1:2], provisions=[])

    assert list(lesson.tags.all()) == topics[:1]
    assert not AuditEntry.objects.exists()


def test_retag_with_more_than_five_topics_is_refused(make_lesson, expert, topics) -> None:
    lesson = make_lesson(state=LessonState.PUBLISHED, tags=topics[:1])

    with pytest.raises(LessonError, match="Too many"):
        services.retag_lesson(actor=expert, lesson=lesson, tags=topics[:6], provisions=[])

    assert list(lesson.tags.all()) == topics[:1]


# --- Bad input ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"status": Status.PENDING, "approved_at": None},
        {"status": Status.REJECTED, "approved_at": None},
        {"is_banned": True, "is_active": False},
    ],
    ids=["pending", "rejected", "banned"],
)
def test_a_co_author_who_is_not_an_active_member_is_refused(
    make_user, make_lesson, lesson_data, fields: dict[str, object]
) -> None:
    author = make_user()
    outsider = make_user(display_name="Out Sider", **fields)

    with pytest.raises(LessonError, match="Out Sider cannot be a co-author"):
        services.create_lesson(author=author, data=lesson_data(co_authors=[outsider]))
    assert not Lesson.objects.exists()

    lesson = make_lesson(author)
    with pytest.raises(LessonError, match="Out Sider cannot be a co-author"):
        services.edit_lesson(
            editor=author, lesson=lesson, data=data_from(lesson, co_authors=[outsider])
        )
    assert list(lesson.authors.all()) == [author]


def test_more_than_five_topics_are_refused(make_user, make_lesson, lesson_data) -> None:
    topics = [Tag.objects.create(name=f"Topic {n}", slug=f"topic-{n}") for n in range(6)]
    author = make_user()

    with pytest.raises(LessonError, match="at most 5 topics"):
        services.create_lesson(author=author, data=lesson_data(tags=topics))
    assert not Lesson.objects.exists()

    lesson = make_lesson(author, tags=topics[:5])
    assert lesson.tags.count() == 5
    with pytest.raises(LessonError, match="at most 5 topics"):
        services.edit_lesson(editor=author, lesson=lesson, data=data_from(lesson, tags=topics))
    assert lesson.tags.count() == 5


@pytest.mark.parametrize(
    "fields",
    [{"status": Status.PENDING, "approved_at": None}, {"is_banned": True, "is_active": False}],
    ids=["pending", "banned"],
)
def test_only_approved_members_write_lessons(make_user, lesson_data, fields) -> None:
    with pytest.raises(LessonError, match="Only approved members"):
        services.create_lesson(author=make_user(**fields), data=lesson_data())
    with pytest.raises(LessonError, match="Only approved members"):
        services.create_lesson(author=AnonymousUser(), data=lesson_data())
    assert not Lesson.objects.exists()


# --- Notifications --------------------------------------------------------------------


def _told(kind: str) -> set[int]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient_id", flat=True))


def test_submit_tells_the_reviewers_but_not_the_authors_or_members(
    make_user, make_moderator, make_lesson, expert
) -> None:
    author, expert_author = make_user(), make_user(is_expert=True)
    moderator = make_moderator()
    member = make_user()
    pending_expert = make_user(is_expert=True, status=Status.PENDING, approved_at=None)
    banned_expert = make_user(is_expert=True, is_banned=True, is_active=False)
    lesson = make_lesson(author, co_authors=[expert_author])
    # Only what submitting sends (not the co-author's invitation and acceptance).
    Notification.objects.all().delete()

    services.transition(actor=author, lesson=lesson, action="submit")

    assert _told(NotificationKind.REVIEW_REQUESTED) == {expert.pk, moderator.pk}
    assert not _told(NotificationKind.REVIEW) | _told(NotificationKind.NEW_LESSON)
    told = {author, expert_author, member, pending_expert, banned_expert}
    assert not Notification.objects.filter(recipient__in=told).exists()
    notification = Notification.objects.filter(recipient=expert).get()
    assert notification.actor == author
    assert lesson.title in notification.text
    assert notification.url == lesson.get_absolute_url()


def test_publish_tells_the_authors_and_the_followers_but_not_the_reviewer(
    make_user, make_lesson, make_provision, expert, topics
) -> None:
    author, co_author = make_user(), make_user()
    provision = make_provision()
    lesson = make_lesson(
        author,
        co_authors=[co_author],
        state=LessonState.IN_REVIEW,
        tags=topics[:1],
        provisions=[provision],
    )
    of_tag, of_provision, of_instrument, of_two, of_other = (make_user() for _ in range(5))
    follow(follower=of_tag, target=topics[0])
    follow(follower=of_provision, target=provision)
    follow(follower=of_instrument, target=provision.instrument)
    follow(follower=of_two, target=topics[0])
    follow(follower=of_two, target=provision)
    follow(follower=of_other, target=topics[3])
    follow(follower=expert, target=topics[0])
    follow(follower=author, target=topics[0])

    services.transition(actor=expert, lesson=lesson, action="publish")

    assert _told(NotificationKind.REVIEW) == {author.pk, co_author.pk}
    assert _told(NotificationKind.NEW_LESSON) == {
        of_tag.pk,
        of_provision.pk,
        of_instrument.pk,
        of_two.pk,
    }
    assert Notification.objects.filter(recipient=of_two).count() == 1
    assert not Notification.objects.filter(recipient=expert).exists()
    assert not _told(NotificationKind.REVIEW_REQUESTED)


def test_asking_for_changes_and_comments_reach_the_other_side(
    make_user, make_lesson, expert, moderator
) -> None:
    author, co_author = make_user(), make_user()
    lesson = make_lesson(author, co_authors=[co_author], state=LessonState.IN_REVIEW)

    services.transition(actor=expert, lesson=lesson, action="comment", comment="Which year?")
    assert _told(NotificationKind.REVIEW) == {author.pk, co_author.pk}

    Notification.objects.all().delete()
    services.transition(actor=author, lesson=lesson, action="comment", comment="2019.")
    # The reviewer who spoke and the other author hear it; a silent moderator does not.
    assert _told(NotificationKind.REVIEW) == {expert.pk, co_author.pk}

    Notification.objects.all().delete()
    services.transition(actor=moderator, lesson=lesson, action="request_changes", comment="Sources")
    assert _told(NotificationKind.REVIEW) == {author.pk, co_author.pk}


def test_a_step_pushes_its_notifications_after_commit(
    make_user, make_lesson, expert, django_capture_on_commit_callbacks
) -> None:
    author = make_user()
    lesson = make_lesson(author)

    with django_capture_on_commit_callbacks() as callbacks:
        services.transition(actor=author, lesson=lesson, action="submit")

    assert len(callbacks) == 1
    assert _told(NotificationKind.REVIEW_REQUESTED) == {expert.pk}


def test_a_rolled_back_step_tells_nobody(
    make_user, make_lesson, expert, topics, django_capture_on_commit_callbacks
) -> None:
    author, follower = make_user(), make_user()
    follow(follower=follower, target=topics[0])
    lesson = make_lesson(author, state=LessonState.IN_REVIEW, tags=topics[:1])

    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.transition(actor=expert, lesson=lesson, action="publish")
        raise RuntimeError("the request failed after the step")

    assert callbacks == []
    assert not Notification.objects.exists()
    assert not Transition.objects.exists()
    assert Lesson.objects.get(pk=lesson.pk).state == LessonState.IN_REVIEW


def test_steps_that_concern_nobody_else_notify_nobody(make_user, make_lesson, moderator) -> None:
    author = make_user()
    lesson = make_lesson(author, state=LessonState.IN_REVIEW)

    services.transition(actor=author, lesson=lesson, action="withdraw")
    lesson = make_lesson(author, state=LessonState.PUBLISHED)
    services.transition(actor=author, lesson=lesson, action="archive")
    services.transition(actor=moderator, lesson=lesson, action="unarchive")

    assert not Notification.objects.exists()
