"""Every write to lessons goes through these functions.

The review workflow is a small state machine (``lessons.permissions.TRANSITIONS``):
each action names the states it starts from, the state it leads to and who may
take it; ``transition`` is the only place a lesson changes state. Every step is a
``Transition`` row (who, when, the comment); edits after publication and
retags keep the text before the change as a ``LessonRevision``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F, Model
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _

from common.errors import ServiceError
from common.languages import in_site_language
from common.markup import render_markdown
from common.redaction import removed_placeholder, scrub_purged_text
from lessons import search
from lessons.models import (
    CoAuthorInvitation,
    Lesson,
    LessonAuthor,
    LessonRevision,
    LessonState,
    Provision,
    Source,
    Transition,
)
from lessons.notification_kinds import NotificationKind
from lessons.permissions import (
    TRANSITIONS,
    can_create,
    can_edit,
    can_purge,
    can_restore_revision,
    can_retag,
    is_reviewer,
    may,
)
from lessons.selectors import TEXT_FIELDS, invitation_url, reviewers, snapshot
from members.models import AuditEntry, Tag, User
from members.services import audit, check_topic_count, resolve_tags
from notifications.models import Notification
from notifications.selectors import followers_of
from notifications.services import forget_notifications_about, notify

TAGS_MAX = 5
PROVISIONS_MAX = 12
AUTHORS_MAX = 6
SOURCES_MAX = 20


class LessonError(ServiceError):
    """An action that is not allowed or not possible; the message is for the member."""


# --- The workflow ---------------------------------------------------------------


def transition(
    *, actor: User, lesson: Lesson, action: str, comment: str = "", make_public: bool = False
) -> Transition:
    """Take one step of the review workflow, or comment; who, when and why are kept."""
    comment = comment.strip()
    with transaction.atomic():
        lesson = Lesson.objects.select_for_update().get(pk=lesson.pk)
        if action not in TRANSITIONS:
            raise LessonError(_("Unknown action."))
        step = TRANSITIONS[action]
        if lesson.state not in step.sources:
            raise LessonError(
                _("This lesson is %(state)s; that is no longer possible.")
                % {"state": lesson.get_state_display().lower()}
            )
        if not may(actor, lesson, action):
            raise LessonError(_("You cannot do that with this lesson."))
        if step.comment_required and not comment:
            raise LessonError(_("Write a comment for the authors first."))
        if action == "submit":
            _check_complete(lesson)
        before = lesson.state
        now = timezone.now()
        fields = ["updated_at"]
        lesson.updated_at = now
        if step.target is not None:
            lesson.state = step.target
            fields.append("state")
        if action == "publish":
            lesson.published_at = lesson.published_at or now
            lesson.is_public = bool(make_public and lesson.public_requested)
            fields += ["published_at", "is_public"]
        elif action == "make_public":
            lesson.is_public = True
            fields.append("is_public")
        elif action == "make_members_only":
            lesson.is_public = lesson.public_requested = False
            fields += ["is_public", "public_requested"]
        lesson.save(update_fields=fields)
        step_row = Transition.objects.create(
            lesson=lesson,
            actor=actor,
            action=action,
            from_state=before,
            to_state=lesson.state,
            comment=comment,
            comment_html=render_markdown(comment) if comment else "",
            created_at=now,
        )
        search.index_lessons([lesson.pk])
        _notify_transition(lesson, step_row, actor)
    return step_row


def _check_complete(lesson: Lesson) -> None:
    missing = [
        label
        for label, value in [
            (_("summary"), lesson.summary.strip()),
            (_("what happened"), lesson.what_happened.strip()),
        ]
        if not value
    ]
    if missing:
        raise LessonError(
            _("Add the %(fields)s before submitting.") % {"fields": _(" and ").join(missing)}
        )


@in_site_language
def _notify_transition(lesson: Lesson, step: Transition, actor: User) -> None:
    url = lesson.get_absolute_url()
    authors = [a.member_id for a in lesson.authorships.all()]
    title = {"title": lesson.title, "name": actor.name}
    if step.action == "submit":
        notify(
            set(reviewers().values_list("pk", flat=True)) - set(authors),
            kind=NotificationKind.REVIEW_REQUESTED,
            actor=actor,
            text=_("“%(title)s” by %(name)s is waiting for review") % title,
            url=url,
            about=lesson,
        )
    elif step.action in {"request_changes", "publish", "make_public"}:
        text = {
            "request_changes": _("%(name)s asked for changes to “%(title)s”"),
            "publish": _("%(name)s published “%(title)s”"),
            "make_public": _("%(name)s made “%(title)s” public"),
        }[step.action]
        notify(
            authors,
            kind=NotificationKind.REVIEW,
            actor=actor,
            text=text % title,
            url=url,
            about=lesson,
        )
        if step.action == "publish":
            _notify_published(lesson, actor, set(authors))
    elif step.action == "comment":
        if actor.pk in authors:
            # The authors answer: the reviewers who commented or decided before hear it.
            earlier = set(
                lesson.transitions.exclude(actor__isnull=True)
                .exclude(actor_id__in=authors)
                .values_list("actor_id", flat=True)
            )
            recipients = earlier | (set(authors) - {actor.pk})
        else:
            recipients = set(authors)
        notify(
            recipients,
            kind=NotificationKind.REVIEW,
            actor=actor,
            text=_("%(name)s commented on “%(title)s”") % title,
            url=url + "#review",
            about=lesson,
        )


def _notify_published(lesson: Lesson, actor: User, authors: set[int]) -> None:
    interested: set[int] = set()
    for tag in lesson.tags.all():
        interested.update(followers_of(target=tag).values_list("pk", flat=True))
    provisions = list(lesson.provisions.select_related("instrument"))
    for provision in provisions:
        interested.update(followers_of(target=provision).values_list("pk", flat=True))
    for instrument in {p.instrument for p in provisions}:
        interested.update(followers_of(target=instrument).values_list("pk", flat=True))
    interested -= authors
    if interested:
        notify(
            interested,
            kind=NotificationKind.NEW_LESSON,
            actor=actor,
            text=_("New lesson learned: “%(title)s”") % {"title": lesson.title},
            url=lesson.get_absolute_url(),
            about=lesson,
        )


# --- Writing --------------------------------------------------------------------


@dataclass
class SourceData:
    title: str
    publisher: str = ""
    date: date | None = None
    url: str = ""


@dataclass
class LessonData:
    """What the lesson form gives the services; validated by the form already."""

    title: str
    summary: str
    setting: str
    what_happened: str
    country: str = ""
    region: str = ""
    period: str = ""
    what_worked: str = ""
    what_did_not: str = ""
    recommendations: str = ""
    language: str = "en"
    public_requested: bool = False
    tags: list[Tag] | None = None
    # Topics named by the member and not chosen from the list: proposed by the
    # service inside its transaction (members.services.resolve_tags).
    new_topics: tuple[str, ...] = ()
    provisions: list[Provision] | None = None
    co_authors: list[User] | None = None
    sources: list[SourceData] | None = None


def _check_links(data: LessonData) -> None:
    if data.tags is not None and len(data.tags) > TAGS_MAX:
        raise LessonError(_("Choose at most %(max)d topics.") % {"max": TAGS_MAX})
    if data.provisions is not None and len(data.provisions) > PROVISIONS_MAX:
        raise LessonError(_("Link at most %(max)d standards.") % {"max": PROVISIONS_MAX})
    if data.co_authors is not None and len(data.co_authors) >= AUTHORS_MAX:
        raise LessonError(_("A lesson has at most %(max)d authors.") % {"max": AUTHORS_MAX})
    if data.sources is not None and len(data.sources) > SOURCES_MAX:
        raise LessonError(_("Cite at most %(max)d sources.") % {"max": SOURCES_MAX})
    for source in data.sources or []:
        # The form checks this too; the service is the last line before an href.
        if source.url and not source.url.lower().startswith(("https://", "http://")):
            raise LessonError(_("Only http and https addresses can be cited."))
    for member in data.co_authors or []:
        if not member.is_member:
            raise LessonError(
                _("%(name)s cannot be a co-author (not an active member).") % {"name": member.name}
            )


def _apply(lesson: Lesson, data: LessonData) -> None:
    for field in TEXT_FIELDS:
        setattr(lesson, field, getattr(data, field))
    for field in Lesson.MARKDOWN_FIELDS:
        source = getattr(lesson, field)
        setattr(lesson, f"{field}_html", render_markdown(source) if source.strip() else "")


def _set_relations(lesson: Lesson, data: LessonData, *, editor: User) -> None:
    """Topics, standards, co-authors and sources; in the caller's transaction.

    New topic names become proposed topics here, so that a lesson refused
    later in the same transaction leaves none behind.
    """
    if data.new_topics:
        tags = resolve_tags(names=data.new_topics, proposer=editor, chosen=data.tags or [])
        check_topic_count(tags)
        lesson.tags.set(tags)
    elif data.tags is not None:
        lesson.tags.set(data.tags)
    if data.provisions is not None:
        lesson.provisions.set(data.provisions)
    if data.co_authors is not None:
        _set_co_authors(lesson, data.co_authors, editor=editor)
    if data.sources is not None:
        Source.objects.filter(lesson=lesson).delete()
        Source.objects.bulk_create(
            Source(
                lesson=lesson,
                title=s.title,
                publisher=s.publisher,
                date=s.date,
                url=s.url,
                position=position,
            )
            for position, s in enumerate(data.sources)
        )


# --- Co-authors -------------------------------------------------------------------


def _set_co_authors(lesson: Lesson, wanted: list[User], *, editor: User) -> None:
    """Make the lesson's co-authors ``wanted`` (its first author always stays).

    Confirmed co-authors left out are removed; the others keep their place in
    the order given. A member not yet confirmed is invited (and notified) and
    appears nowhere until they accept. Pending invitations left out are
    withdrawn, with their notification. A member who declined cannot be
    invited to this lesson again.
    """
    authorships = list(lesson.authorships.order_by("position", "id"))
    first = authorships[0].member_id if authorships else editor.pk
    wanted_ids = list(dict.fromkeys(m.pk for m in wanted if m.pk != first))
    invitations = {i.member_id: i for i in CoAuthorInvitation.objects.filter(lesson=lesson)}
    declined = [
        m
        for m in wanted
        if m.pk in invitations and invitations[m.pk].state == CoAuthorInvitation.State.DECLINED
    ]
    if declined:
        raise LessonError(
            _("%(names)s declined to co-author this lesson and cannot be invited again.")
            % {"names": ", ".join(f"@{m.handle}" for m in declined)}
        )
    confirmed = {a.member_id for a in authorships}
    LessonAuthor.objects.filter(lesson=lesson).exclude(member_id__in={first, *wanted_ids}).delete()
    position = 1
    for member_id in wanted_ids:
        if member_id in confirmed:
            LessonAuthor.objects.filter(lesson=lesson, member_id=member_id).update(
                position=position
            )
            position += 1
    withdrawn = [
        i
        for member_id, i in invitations.items()
        if i.state == CoAuthorInvitation.State.PENDING and member_id not in wanted_ids
    ]
    for invitation in withdrawn:
        _withdraw_notification(invitation)
    CoAuthorInvitation.objects.filter(pk__in=[i.pk for i in withdrawn]).delete()
    new = [m for m in wanted_ids if m not in confirmed and m not in invitations]
    if new:
        CoAuthorInvitation.objects.bulk_create(
            CoAuthorInvitation(lesson=lesson, member_id=member_id, invited_by=editor)
            for member_id in new
        )
        _notify_invited(lesson, new, editor)


def _withdraw_notification(invitation: CoAuthorInvitation) -> None:
    # The invitation's notification names the lesson: it goes with the
    # invitation. Found by what it is about, not by its address, which a purge
    # of the lesson's title may have rewritten.
    Notification.objects.filter(
        recipient_id=invitation.member_id,
        kind=NotificationKind.CO_AUTHOR,
        about_type=ContentType.objects.get_for_model(Lesson),
        about_id=invitation.lesson_id,
    ).delete()


@in_site_language
def _notify_invited(lesson: Lesson, member_ids: list[int], editor: User) -> None:
    notify(
        member_ids,
        kind=NotificationKind.CO_AUTHOR,
        actor=editor,
        text=_("%(name)s asks you to co-author “%(title)s”")
        % {"name": editor.name, "title": lesson.title},
        url=invitation_url(lesson),
        about=lesson,
    )


def answer_invitation(*, member: User, lesson: Lesson, accept: bool) -> Lesson:
    """Accept (the member becomes a co-author) or decline an invitation to co-author."""
    with transaction.atomic():
        lesson = Lesson.objects.select_for_update().get(pk=lesson.pk)
        invitation = (
            CoAuthorInvitation.objects.select_for_update()
            .filter(lesson=lesson, member=member, state=CoAuthorInvitation.State.PENDING)
            .first()
        )
        if invitation is None or not member.is_member:
            raise LessonError(_("This invitation was withdrawn or has been answered already."))
        if not accept:
            invitation.state = CoAuthorInvitation.State.DECLINED
            invitation.answered_at = timezone.now()
            invitation.save(update_fields=["state", "answered_at"])
            return lesson
        if lesson.authorships.count() >= AUTHORS_MAX:
            raise LessonError(_("A lesson has at most %(max)d authors.") % {"max": AUTHORS_MAX})
        last = lesson.authorships.order_by("-position").values_list("position", flat=True).first()
        LessonAuthor.objects.create(lesson=lesson, member=member, position=(last or 0) + 1)
        inviter = invitation.invited_by
        invitation.delete()
        Lesson.objects.filter(pk=lesson.pk).update(updated_at=timezone.now())
        search.index_lessons([lesson.pk])
        if inviter is not None:
            _notify_accepted(lesson, member, inviter)
    return lesson


@in_site_language
def _notify_accepted(lesson: Lesson, member: User, inviter: User) -> None:
    notify(
        [inviter],
        kind=NotificationKind.CO_AUTHOR,
        actor=member,
        text=_("%(name)s is now a co-author of “%(title)s”")
        % {"name": member.name, "title": lesson.title},
        url=lesson.get_absolute_url(),
        about=lesson,
    )


def create_lesson(
    *,
    author: User,
    data: LessonData,
    from_thread: Model | None = None,
    from_event: Model | None = None,
) -> Lesson:
    """A new draft by ``author``; ``from_thread`` is the forum thread it was drafted from,
    ``from_event`` the training or meeting it came out of (lessons.hooks finds them; the
    foreign keys name "forum.Thread" and "events.Event" by string)."""
    if not can_create(author):
        raise LessonError(_("Only approved members can write lessons."))
    _check_links(data)
    now = timezone.now()
    with transaction.atomic():
        lesson = Lesson(
            from_thread=from_thread, from_event=from_event, created_at=now, updated_at=now
        )
        _apply(lesson, data)
        lesson.save()
        LessonAuthor.objects.create(lesson=lesson, member=author, position=0)
        _set_relations(lesson, data, editor=author)
        search.index_lessons([lesson.pk])
    return lesson


def _record_revision(lesson: Lesson, editor: User, note: str) -> None:
    LessonRevision.objects.create(
        lesson=lesson, editor=editor, note=note, snapshot=snapshot(lesson)
    )
    Lesson.objects.filter(pk=lesson.pk).update(revision_count=F("revision_count") + 1)
    # The callers save the whole instance afterwards; a stale count would undo the increment.
    lesson.refresh_from_db(fields=["revision_count"])


def edit_lesson(*, editor: User, lesson: Lesson, data: LessonData) -> Lesson:
    """Save the authors' changes; after publication the text before is kept as a revision."""
    with transaction.atomic():
        lesson = Lesson.objects.select_for_update().get(pk=lesson.pk)
        if not can_edit(editor, lesson):
            if lesson.state == LessonState.IN_REVIEW and is_reviewer(editor):
                raise LessonError(
                    _("Only the authors can edit a lesson in review; leave them a comment instead.")
                )
            raise LessonError(_("You cannot edit this lesson."))
        _check_links(data)
        if lesson.state == LessonState.PUBLISHED:
            if data.public_requested != lesson.public_requested and not data.public_requested:
                lesson.is_public = False
            _record_revision(lesson, editor, note="")
        _apply(lesson, data)
        if not lesson.public_requested:
            lesson.is_public = False
        lesson.updated_at = timezone.now()
        lesson.save()
        _set_relations(lesson, data, editor=editor)
        search.index_lessons([lesson.pk])
    lesson.refresh_from_db()
    return lesson


def retag_lesson(
    *, actor: User, lesson: Lesson, tags: list[Tag], provisions: list[Provision]
) -> None:
    if not can_retag(actor, lesson):
        raise LessonError(_("Only experts and moderators can change a lesson's topics."))
    if len(tags) > TAGS_MAX or len(provisions) > PROVISIONS_MAX:
        raise LessonError(_("Too many topics or standards."))
    with transaction.atomic():
        before_tags = sorted(t.slug for t in lesson.tags.all())
        if lesson.state == LessonState.PUBLISHED:
            _record_revision(lesson, actor, note="retag")
        lesson.tags.set(tags)
        lesson.provisions.set(provisions)
        Lesson.objects.filter(pk=lesson.pk).update(updated_at=timezone.now())
        audit(
            actor=actor,
            action=AuditEntry.Action.RETAG_LESSON,
            target=None,
            detail=f"“{lesson.title}”: {', '.join(before_tags)} -> "
            f"{', '.join(sorted(t.slug for t in tags))}",
            url=lesson.get_absolute_url(),
        )
        search.index_lessons([lesson.pk])


def restore_revision(*, actor: User, lesson: Lesson, revision: LessonRevision) -> Lesson:
    """Bring back the text of ``revision``; the current text becomes a revision itself."""
    if revision.lesson_id != lesson.pk:
        raise LessonError(_("That revision belongs to another lesson."))
    with transaction.atomic():
        # Read again under a lock: the caller's copy may be stale, and it is saved whole.
        lesson = Lesson.objects.select_for_update().get(pk=lesson.pk)
        # A purged version has nothing to bring back (the caller's copy may predate the purge).
        revision = LessonRevision.objects.select_for_update().get(pk=revision.pk)
        if revision.is_purged:
            raise LessonError(_("This version is already purged."))
        if not can_restore_revision(actor, lesson):
            raise LessonError(_("You cannot restore this lesson."))
        old = dict(revision.snapshot)
        # The words come back; who may read the lesson stays as it is now.
        old["public_requested"] = lesson.public_requested
        data = LessonData(
            **{field: old.get(field, getattr(lesson, field)) for field in TEXT_FIELDS},
            tags=list(Tag.objects.filter(name__in=old.get("tags", []))),
            provisions=list(Provision.objects.filter(pk__in=old.get("provisions", []))),
            sources=[
                SourceData(
                    title=s["title"],
                    publisher=s.get("publisher", ""),
                    date=date.fromisoformat(s["date"]) if s.get("date") else None,
                    url=s.get("url", ""),
                )
                for s in old.get("sources", [])
            ],
        )
        _record_revision(lesson, actor, note="restore")
        _apply(lesson, data)
        lesson.updated_at = timezone.now()
        lesson.save()
        _set_relations(lesson, data, editor=actor)
        search.index_lessons([lesson.pk])
    return lesson


# --- Purge: a moderator erases a version of a lesson ------------------------------

PURGE_REASON_MAX = 300


def purge_revision(*, actor: User, revision: LessonRevision, reason: str) -> None:
    """Erase an earlier version of a lesson: its snapshot leaves the database.

    The revision row stays, empty and marked, so the history says a version was
    removed and when; the audit log records who, which revision and why, never
    the text. A title no longer current is taken out of the notifications,
    emails and audit details that quoted it (common.redaction.scrub_purged_text).
    The current text is not purged here: a moderator edits the published
    lesson (the text before becomes a revision) and purges that revision.
    """
    if not can_purge(actor):
        raise LessonError(_("Only moderators can purge."))
    reason = " ".join(reason.split())[:PURGE_REASON_MAX]
    if not reason:
        raise LessonError(_("Say why, for the audit log."))
    with transaction.atomic():
        revision = (
            LessonRevision.objects.select_for_update().select_related("lesson").get(pk=revision.pk)
        )
        if revision.is_purged:
            raise LessonError(_("This version is already purged."))
        lesson = revision.lesson
        old_title = str(revision.snapshot.get("title", ""))
        revision.snapshot = {}
        revision.purged_at, revision.purged_by = timezone.now(), actor
        revision.save(update_fields=["snapshot", "purged_at", "purged_by"])
        scrub_purged_text(
            phrases=[old_title] if old_title != lesson.title else [],
            url_prefix=reverse("lessons:detail_short", args=[lesson.pk]),
        )
        search.compact_index()
        audit(
            actor=actor,
            action=AuditEntry.Action.PURGE_LESSON_REVISION,
            target=None,
            detail=f"lesson #{lesson.pk}, version {revision.pk}: {reason}",
            url=reverse("lessons:detail_short", args=[lesson.pk]),
        )


# --- A member deletes their account ------------------------------------------------


def forget_member(*, member: User, remove_lessons: bool) -> None:
    """The lessons' part of deleting an account (``network.privacy.delete_account``).

    Runs inside that transaction, before the User row goes. The member stops
    being an author everywhere. A lesson written with others stays with them
    either way: the text is theirs too. A lesson the member wrote alone stays,
    by "a former member", only when it was published or archived and they
    chose to keep their contributions; otherwise it is deleted (a draft or a
    lesson in review nobody else can ever finish or see). With
    ``remove_lessons`` their review comments are erased as well.
    """
    written = list(LessonAuthor.objects.filter(member=member).values_list("lesson_id", flat=True))
    shared = set(
        LessonAuthor.objects.filter(lesson_id__in=written)
        .exclude(member=member)
        .values_list("lesson_id", flat=True)
    )
    alone = Lesson.objects.filter(pk__in=[pk for pk in written if pk not in shared])
    if not remove_lessons:
        alone = alone.filter(state__in=[LessonState.DRAFT, LessonState.IN_REVIEW])
    doomed = list(alone.values_list("pk", flat=True))
    LessonAuthor.objects.filter(member=member).delete()
    Lesson.objects.filter(pk__in=doomed).delete()
    # Their titles are in others' notifications (reviews waiting, new lessons).
    forget_notifications_about(model=Lesson, ids=doomed)
    # Deleted lessons leave the search index too.
    search.index_lessons(doomed)
    if remove_lessons:
        placeholder = removed_placeholder()
        Transition.objects.filter(actor=member).exclude(comment="").update(
            comment=placeholder, comment_html=f"<p>{escape(placeholder)}</p>"
        )
