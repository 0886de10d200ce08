"""A member's own data: download all of it, delete the account, forget addresses.

- ``export_member_data(member)`` collects everything the network holds about
  one member into a JSON-ready dict (the "download my data" page). It holds no
  other member's private data: other people appear only by the name members see
  (co-authors), moderators only as "a moderator", and never an email address,
  an IP address, a password hash, a TOTP secret or a feed token.
- ``delete_account(member, keep_contributions=...)`` deletes the account in one
  transaction. Either way the User row and everything personal goes: email
  addresses, profile, languages, expertise, follows (theirs and of them),
  notifications, preferences, invitations they made, queued email, sessions,
  two-factor authenticators, helpful marks they gave (counts follow), the
  private feed token; audit entries about them lose their detail and their
  target; their name is taken out of other members' notifications. Then:

  * keep: threads, posts and their history stay under "a former member"
    (the foreign keys are SET_NULL). Lessons: their authorship goes; a lesson
    with other authors stays with them; a published or archived lesson they
    wrote alone stays, by "a former member"; a draft or a lesson in review
    they wrote alone is deleted (nobody else could ever finish or see it).
  * remove: every post of theirs becomes a deleted placeholder ("[removed at
    the author's request]"): text, revisions and search entries erased,
    helpful marks on it dropped, an accepted answer unaccepted. A thread they
    started keeps the replies of others readable under a placeholder title,
    or is deleted when nobody else wrote in it. Lessons they wrote alone are
    deleted; co-written lessons stay with the co-authors (the text is theirs
    too). Their review comments and the notes of flags they filed are erased.

  The forum and lessons parts live in ``forum.services.forget_member`` and
  ``lessons.services.forget_member``, the only writers of those apps' rows and
  counters; members imports them lazily (dependencies point from forum and
  lessons to members, never back).
- ``purge_ips()`` blanks IP addresses older than ``IP_RETENTION_DAYS``
  (``python manage.py purge_ips``; the outbox worker runs it daily).
  allauth's usersessions records one per session; ``forget_session_address``
  stores the unspecified address ``0.0.0.0`` instead unless
  ``RECORD_SESSION_IPS`` is on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from members import naming
from members.models import (
    DEFAULT_DELIVERY,
    PROFILE_PARTS,
    AuditEntry,
    Delivery,
    Follow,
    Invitation,
    Notification,
    NotificationKind,
    NotificationPreference,
    Profile,
    Tag,
    User,
)
from members.services import end_sessions
from notifications import services as notifications

EXPORT_FORMAT = "network-member-data/1"
# What a session's address becomes when addresses are not recorded, and after
# IP_RETENTION_DAYS: allauth's column cannot be empty.
NO_ADDRESS = "0.0.0.0"  # noqa: S104 - a stored placeholder, not a bind address


# --- Download all my data ----------------------------------------------------------


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _url(path: str) -> str:
    return notifications.absolute(path) if path else ""


def _by(actor: User | None, member: User) -> str:
    """Who did something to the member, without naming anyone but the member."""
    if actor is None:
        return "the network"
    if actor.pk == member.pk:
        return "you"
    if actor.is_moderator or actor.is_superuser:
        return "a moderator"
    return "a member"


def export_member_data(member: User) -> dict[str, Any]:
    """Everything the network holds about ``member``, ready for ``json.dumps``.

    A fixed number of queries, however much the member wrote.
    """
    return {
        "format": EXPORT_FORMAT,
        "site": settings.SITE_NAME,
        "generated_at": timezone.now().isoformat(),
        "account": _account(member),
        "profile": _profile(member),
        **_forum(member),
        **_lessons(member),
        "follows": _follows(member),
        "notifications": [
            {
                "kind": n.kind,
                "text": n.text,
                "url": _url(n.url),
                "created_at": _when(n.created_at),
                "read_at": _when(n.read_at),
            }
            for n in Notification.objects.filter(recipient=member).order_by("id")
        ],
        "notification_preferences": _preferences(member),
        "invitations_created": [
            {
                "note": invitation.note,
                "created_at": _when(invitation.created_at),
                "expires_at": _when(invitation.expires_at),
                "used_at": _when(invitation.used_at),
            }
            for invitation in Invitation.objects.filter(created_by=member).order_by("created_at")
        ],
        "audit_log_about_you": [
            {
                "action": entry.action,
                "description": str(entry.get_action_display()),
                "by": _by(entry.actor, member),
                "detail": entry.detail,
                "created_at": _when(entry.created_at),
            }
            for entry in AuditEntry.objects.filter(target=member)
            .select_related("actor")
            .order_by("created_at", "id")
        ],
        "sessions": [
            # Never the IP address, even where one was recorded.
            {
                "started_at": _when(session.created_at),
                "last_seen_at": _when(session.last_seen_at),
                "browser": session.user_agent,
            }
            for session in UserSession.objects.filter(user=member).order_by("created_at")
        ],
    }


def _account(member: User) -> dict[str, Any]:
    invitation = Invitation.objects.filter(used_by=member).first()
    return {
        "handle": member.handle,
        "display_name": member.display_name,
        "email": member.email,
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary}
            for address in EmailAddress.objects.filter(user=member).order_by("id")
        ],
        "date_joined": _when(member.date_joined),
        "last_login": _when(member.last_login),
        "membership": member.status,
        "approved_at": _when(member.approved_at),
        "first_steps_dismissed_at": _when(member.first_steps_dismissed_at),
        "language_of_the_site": member.language,
        "discreet_mode": member.discreet_mode,
        "joined_with_invitation": invitation is not None,
        "expert": member.is_expert,
        "moderator": member.is_moderator,
        "admin": member.is_superuser,
        "two_factor_authentication": [
            # The kind and dates only: secrets and recovery codes stay here.
            {
                "type": authenticator.type,
                "created_at": _when(authenticator.created_at),
                "last_used_at": _when(authenticator.last_used_at),
            }
            for authenticator in Authenticator.objects.filter(user=member).order_by("id")
        ],
    }


def _profile(member: User) -> dict[str, Any] | None:
    profile = Profile.objects.filter(user=member).prefetch_related("languages", "expertise").first()
    if profile is None:
        return None
    return {
        "bio": profile.bio,
        "organisation": profile.organisation,
        "country": str(profile.country.code or ""),
        "role": profile.role,
        "languages": sorted(language.code for language in profile.languages.all()),
        "expertise": sorted(tag.name for tag in profile.expertise.all()),
        "open_to_questions": profile.open_to_questions,
        "why_you_wanted_to_join": profile.motivation,
        "who_can_see": {part: getattr(profile, f"{part}_visibility") for part in PROFILE_PARTS},
        "updated_at": _when(profile.updated_at),
    }


def _forum(member: User) -> dict[str, list[dict[str, Any]]]:
    from forum.models import Flag, HelpfulMark, Post, PostRevision, Thread

    threads = Thread.objects.filter(author=member).prefetch_related("tags")
    posts = (
        Post.objects.filter(author=member)
        .select_related("thread")
        .prefetch_related(
            Prefetch("revisions", queryset=PostRevision.objects.select_related("editor"))
        )
    )
    marks = HelpfulMark.objects.filter(member=member).select_related("post__thread")
    flags = Flag.objects.filter(reporter=member).select_related("post__thread")
    return {
        "threads": [
            {
                "id": thread.pk,
                "title": thread.title,
                "kind": thread.kind,
                "language": thread.language,
                "topics": [tag.name for tag in thread.tags.all()],
                "created_at": _when(thread.created_at),
                "is_locked": thread.is_locked,
                "is_hidden": thread.is_hidden,
                "is_deleted": thread.is_deleted,
                "url": _url(thread.get_absolute_url()),
            }
            for thread in threads.order_by("created_at", "id")
        ],
        "posts": [
            {
                "id": post.pk,
                "thread": {"id": post.thread_id, "title": post.thread.title},
                "is_opening_post": post.is_opening,
                "text": post.body,
                "created_at": _when(post.created_at),
                "edited_at": _when(post.edited_at),
                "helpful_count": post.helpful_count,
                "is_hidden": post.is_hidden,
                "is_deleted": post.is_deleted,
                "url": _url(post.get_absolute_url()),
                "revisions": [
                    {
                        "created_at": _when(revision.created_at),
                        "edited_by": _by(revision.editor, member),
                        "title": revision.title,
                        "text": revision.body,
                        # Purged by a moderator: the title and text are erased.
                        "purged_at": _when(revision.purged_at),
                    }
                    for revision in post.revisions.all()
                ],
            }
            for post in posts.order_by("created_at", "id")
        ],
        "helpful_marks_given": [
            {
                "post": mark.post_id,
                "thread": mark.post.thread.title,
                "created_at": _when(mark.created_at),
                "url": _url(mark.post.get_absolute_url()),
            }
            for mark in marks.order_by("created_at", "id")
        ],
        "flags_filed": [
            {
                "post": flag.post_id,
                "thread": flag.post.thread.title,
                "reason": flag.reason,
                "note": flag.note,
                "created_at": _when(flag.created_at),
                "resolved_at": _when(flag.resolved_at),
                "outcome": flag.outcome,
            }
            for flag in flags.order_by("created_at", "id")
        ],
        "topics_proposed": [
            {"name": tag.name, "created_at": _when(tag.created_at)}
            for tag in Tag.objects.filter(proposed_by=member).order_by("created_at")
        ],
    }


def _lessons(member: User) -> dict[str, Any]:
    from lessons.models import CoAuthorInvitation, FeedToken, LessonAuthor, Provision, Transition

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
                "created_at": _when(step.created_at),
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
                "invited_at": _when(invitation.created_at),
                "answered_at": _when(invitation.answered_at),
            }
            for invitation in invitations.order_by("created_at", "id")
        ],
        # Not the token: a file that leaks must not open the private feed.
        "private_feed": {"created_at": _when(token.created_at)} if token else None,
    }


def _lesson(lesson: Any, member: User) -> dict[str, Any]:
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
        "created_at": _when(lesson.created_at),
        "published_at": _when(lesson.published_at),
        "url": _url(lesson.get_absolute_url()),
    }


def _follows(member: User) -> list[dict[str, str]]:
    rows = []
    for follow in (
        Follow.objects.filter(follower=member)
        .select_related("content_type")
        .prefetch_related("target")
        .order_by("created_at", "id")
    ):
        target = follow.target
        if target is None:
            continue
        # A member by the name members see and their handle; never their email.
        name = f"{target.name} (@{target.handle})" if isinstance(target, User) else str(target)
        rows.append(
            {"kind": follow.content_type.model, "name": name, "since": _when(follow.created_at)}
        )
    return rows


def _preferences(member: User) -> dict[str, str]:
    chosen = dict(
        NotificationPreference.objects.filter(member=member).values_list("kind", "delivery")
    )
    return {
        kind.value: chosen.get(kind.value, DEFAULT_DELIVERY.get(kind, Delivery.APP))
        for kind in NotificationKind
    }


# --- Delete my account -------------------------------------------------------------


def removed_placeholder() -> str:
    """What stands where removed text was, in the site's language (it is stored)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("[removed at the author's request]")


def former_member_name() -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _("a former member")


def delete_account(member: User, *, keep_contributions: bool) -> None:
    """Delete ``member``'s account and personal data; see the module docstring for what stays."""
    from forum.services import forget_member as forget_in_forum
    from lessons.services import forget_member as forget_in_lessons

    with transaction.atomic():
        member = User.objects.select_for_update().get(pk=member.pk)
        forget_in_forum(member=member, remove_posts=not keep_contributions)
        forget_in_lessons(member=member, remove_lessons=not keep_contributions)
        # The audit log keeps that something happened, never to whom or why.
        AuditEntry.objects.filter(target=member).update(target=None, detail="")
        AuditEntry.objects.filter(actor=member, action=AuditEntry.Action.INVITE).update(detail="")
        _unname_in_notifications(member)
        # Follows of the member; their own follows go with the account.
        Follow.objects.filter(
            content_type=ContentType.objects.get_for_model(User), object_id=member.pk
        ).delete()
        end_sessions(member=member)
        notifications.close_sockets_of_member(member.pk)
        # Old posts still say "@handle": nobody else may ever take it.
        naming.retire_handle(member.handle)
        # Cascades: profile, languages, expertise, email addresses, authenticators,
        # invitations made, notifications, preferences, outbox email, user sessions.
        member.delete()


def _unname_in_notifications(member: User) -> None:
    """Take the member's name out of other members' notifications ("<name> replied in")."""
    name = re.compile(rf"(?<!\w){re.escape(member.name)}(?!\w)")
    former = former_member_name()
    caused = Notification.objects.filter(actor=member).exclude(recipient=member)
    for batch in _batches(caused.only("pk", "text").order_by("pk")):
        for notification in batch:
            notification.text = name.sub(former, notification.text)[:300]
            notification.actor = None
        Notification.objects.bulk_update(batch, ["text", "actor"])


def _batches(queryset: Any, size: int = 500) -> Iterator[list[Any]]:
    batch = []
    for row in queryset.iterator(chunk_size=size):
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


# --- IP addresses ------------------------------------------------------------------


def forget_session_address(sender: type, instance: UserSession, **kwargs: object) -> None:
    """pre_save of allauth's UserSession: keep no address unless RECORD_SESSION_IPS.

    allauth offers no hook for the address it stores, and its adapter's
    ``get_client_ip`` also feeds the login rate limits, which need it; so the
    address is dropped where it would be written.
    """
    if not settings.RECORD_SESSION_IPS:
        instance.ip = NO_ADDRESS


def purge_ips(now: datetime | None = None) -> int:
    """Blank every IP address older than IP_RETENTION_DAYS; return how many."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.IP_RETENTION_DAYS)
    return (
        UserSession.objects.filter(last_seen_at__lt=cutoff)
        .exclude(ip=NO_ADDRESS)
        .update(ip=NO_ADDRESS)
    )


# --- Purge: a moderator erased a version of a post or a lesson ---------------------


def purged_placeholder() -> str:
    """What stands where purged text was, in the site's language (it is stored)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _("[removed by a moderator]")


def scrub_purged_text(*, phrases: Iterable[str], url_prefix: str) -> None:
    """Take purged text out of every copy the network made of it; in the purge's transaction.

    ``phrases`` are the purged words that other rows may quote: a title, which
    notification texts, email subjects and bodies and audit details quote
    (they never carry the text of a post or a lesson). Each becomes the
    placeholder. ``url_prefix`` is the object's short URL ("/forum/12/"):
    links to it with a slug made of the old title are cut back to it. The
    rendered-fragment store is emptied in every process, and the search
    indexes are the callers' (they index only the current text).
    """
    from common import fragments
    from notifications import outbox

    phrases = sorted({p for p in phrases if p.strip()}, key=len, reverse=True)
    if phrases:
        placeholder = purged_placeholder()
        # Only the slugs the purged titles made (as the models make them: 60
        # characters at most); /lessons/12/co-author/ and the like stay.
        slugs = {slugify(p)[:60].strip("-") for p in phrases} - {""}
        alternatives = "|".join(re.escape(slug) for slug in sorted(slugs, key=len, reverse=True))
        slugged = re.compile(re.escape(url_prefix) + f"(?:{alternatives or '(?!)'})(?:-thread)?/")
        notifications.redact_notifications(
            phrases=phrases, placeholder=placeholder, url_prefix=url_prefix, slugged=slugged
        )
        outbox.redact_outbox(
            phrases=phrases, placeholder=placeholder, url_prefix=url_prefix, slugged=slugged
        )
        _redact_audit(phrases=phrases, placeholder=placeholder, url_prefix=url_prefix)
    fragments.forget_everything()


def redact(text: str, phrases: Iterable[str], placeholder: str) -> str:
    for phrase in phrases:
        text = text.replace(phrase, placeholder)
    return text


def _redact_audit(*, phrases: list[str], placeholder: str, url_prefix: str) -> None:
    quoting = Q(url__startswith=url_prefix)
    for phrase in phrases:
        quoting |= Q(detail__contains=phrase)
    for batch in _batches(AuditEntry.objects.filter(quoting).only("pk", "detail", "url")):
        for entry in batch:
            entry.detail = redact(entry.detail, phrases, placeholder)[:500]
            if entry.url.startswith(url_prefix):
                entry.url = url_prefix
        AuditEntry.objects.bulk_update(batch, ["detail", "url"])
