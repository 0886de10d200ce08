"""Every change to a member goes through one of these functions.

Each runs in a transaction, writes the audit log where a moderator or admin
acted, and sends email only after the transaction commits, so a rolled-back
change tells nobody anything.
"""

from __future__ import annotations

import functools
import logging
import zoneinfo
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import ServiceError
from common.markup import render_markdown
from members import naming, selectors, signals
from members.access import (
    can_ban,
    can_change_role,
    can_curate_tags,
    can_read_contact_messages,
    has_two_factor,
)
from members.models import (
    AuditEntry,
    ContactMessage,
    Invitation,
    Profile,
    SpokenLanguage,
    Status,
    Tag,
    User,
)

logger = logging.getLogger(__name__)


def audit(
    *, actor: User | None, action: str, target: User | None, detail: str = "", url: str = ""
) -> None:
    AuditEntry.objects.create(
        actor=actor, action=action, target=target, detail=detail[:500], url=url[:300]
    )


# --- Joining -------------------------------------------------------------------


def record_sign_up(
    *,
    user: User,
    display_name: str,
    organisation: str,
    role: str,
    motivation: str,
    invitation_token: str | None,
) -> User:
    """Complete a new sign-up: profile, and membership status (pending unless invited)."""
    display_name = naming.clean_display_name(display_name, member=None)
    organisation = naming.clean_organisation(organisation)
    with transaction.atomic():
        invitation = None
        if invitation_token:
            invitation = (
                Invitation.objects.select_for_update().filter(token=invitation_token).first()
            )
            if invitation is not None and not invitation.is_usable:
                invitation = None
        user.display_name = display_name
        if invitation is not None or not settings.MEMBERSHIP_APPROVAL:
            user.status = Status.ACTIVE
            user.approved_at = timezone.now()
        else:
            user.status = Status.PENDING
        user.save(update_fields=["display_name", "status", "approved_at"])
        Profile.objects.update_or_create(
            user=user,
            defaults={"organisation": organisation, "role": role, "motivation": motivation},
        )
        if invitation is not None:
            invitation.used_by = user
            invitation.used_at = timezone.now()
            invitation.save(update_fields=["used_by", "used_at"])
            audit(
                actor=invitation.created_by,
                action=AuditEntry.Action.APPROVE,
                target=user,
                detail="joined with an invitation",
            )
    return user


def approve_member(*, moderator: User, member: User) -> User:
    with transaction.atomic():
        member = User.objects.select_for_update().get(pk=member.pk)
        if member.status == Status.ACTIVE:
            return member
        member.status = Status.ACTIVE
        member.approved_at = timezone.now()
        member.save(update_fields=["status", "approved_at"])
        audit(actor=moderator, action=AuditEntry.Action.APPROVE, target=member)
        # The inbox emails and notifies them (notifications/receivers.py).
        signals.member_approved.send(sender=User, member=member, moderator=moderator)
    return member


def reject_member(*, moderator: User, member: User, reason: str = "") -> User:
    with transaction.atomic():
        member = User.objects.select_for_update().get(pk=member.pk)
        if member.status != Status.PENDING:
            raise ValidationError(_("Only a request that is waiting can be rejected."))
        member.status = Status.REJECTED
        member.save(update_fields=["status"])
        audit(actor=moderator, action=AuditEntry.Action.REJECT, target=member, detail=reason)
        signals.member_rejected.send(sender=User, member=member, moderator=moderator, reason=reason)
    return member


# --- Roles ---------------------------------------------------------------------

ROLE_ACTIONS = {
    ("expert", True): AuditEntry.Action.GRANT_EXPERT,
    ("expert", False): AuditEntry.Action.REVOKE_EXPERT,
    ("moderator", True): AuditEntry.Action.GRANT_MODERATOR,
    ("moderator", False): AuditEntry.Action.REVOKE_MODERATOR,
    ("admin", True): AuditEntry.Action.GRANT_ADMIN,
    ("admin", False): AuditEntry.Action.REVOKE_ADMIN,
}


class RoleError(Exception):
    """A role change refused for a reason the moderator can act on."""


def set_role(*, actor: User, member: User, role: str, granted: bool) -> User:
    if (role, granted) not in ROLE_ACTIONS:
        raise ValueError(f"unknown role {role!r}")
    if not can_change_role(actor, member, role):
        raise PermissionDenied
    if granted and role in {"moderator", "admin"} and not has_two_factor(member):
        # Staff powers need a second factor; a staff member without one could
        # have it enrolled by whoever has their password (members/adapter.py).
        raise RoleError(
            _(
                "%(name)s has no two-factor authentication yet: they set it up in "
                "their account first, then you can give them this role."
            )
            % {"name": member.name}
        )
    field = {"expert": "is_expert", "moderator": "is_moderator", "admin": "is_superuser"}[role]
    with transaction.atomic():
        member = User.objects.select_for_update().get(pk=member.pk)
        if getattr(member, field) == granted:
            return member
        setattr(member, field, granted)
        update = [field]
        if role == "admin":
            member.is_staff = granted
            update.append("is_staff")
        member.save(update_fields=update)
        audit(actor=actor, action=ROLE_ACTIONS[(role, granted)], target=member)
        signals.role_changed.send(
            sender=User, member=member, actor=actor, role=role, granted=granted
        )
    return member


def ban_member(*, moderator: User, member: User, reason: str) -> User:
    if not can_ban(moderator, member):
        raise PermissionDenied
    with transaction.atomic():
        member = User.objects.select_for_update().get(pk=member.pk)
        member.is_banned = True
        member.is_active = False
        member.save(update_fields=["is_banned", "is_active"])
        audit(actor=moderator, action=AuditEntry.Action.BAN, target=member, detail=reason)
        end_sessions(member=member)
        # The inbox closes their open sockets.
        signals.member_banned.send(sender=User, member=member, moderator=moderator)
    return member


def unban_member(*, moderator: User, member: User) -> User:
    if not can_ban(moderator, member):
        raise PermissionDenied
    with transaction.atomic():
        member = User.objects.select_for_update().get(pk=member.pk)
        member.is_banned = False
        member.is_active = True
        member.save(update_fields=["is_banned", "is_active"])
        audit(actor=moderator, action=AuditEntry.Action.UNBAN, target=member)
    return member


def end_sessions(*, member: User) -> int:
    """Log a member out everywhere (database-backed sessions; the cache follows)."""
    from django.contrib.sessions.backends.cached_db import SessionStore

    ended = 0
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(member.pk):
            SessionStore(session_key=session.session_key).delete()
            ended += 1
    return ended


# --- Invitations -----------------------------------------------------------------


def create_invitation(*, inviter: User, note: str = "") -> Invitation:
    if not inviter.is_member:
        raise PermissionDenied
    with transaction.atomic():
        invitation = Invitation.objects.create(
            created_by=inviter,
            note=note,
            expires_at=timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS),
        )
        audit(actor=inviter, action=AuditEntry.Action.INVITE, target=None, detail=note)
    return invitation


# --- Contact ---------------------------------------------------------------------


def send_contact_message(
    *, sender: User | None, name: str, reply_to: str, category: str, message: str
) -> ContactMessage:
    """Put a message from the contact form in the moderators' queue.

    The moderators are told that a message is waiting (notifications/receivers.py),
    never what it says or who wrote it: the text stays in this one row.
    """
    with transaction.atomic():
        contact = ContactMessage.objects.create(
            sender=sender if sender is not None and sender.is_authenticated else None,
            name=name.strip(),
            reply_to=reply_to.strip(),
            category=category,
            message=message,
        )
        signals.contact_message_received.send(
            sender=ContactMessage, message=contact, moderator_ids=selectors.moderator_ids()
        )
    return contact


def set_contact_message_handled(
    *, moderator: User, message: ContactMessage, handled: bool
) -> ContactMessage:
    """Mark a message handled (or waiting again).

    The audit log says which message, never what it said.
    """
    if not can_read_contact_messages(moderator):
        raise PermissionDenied
    with transaction.atomic():
        message = ContactMessage.objects.select_for_update().get(pk=message.pk)
        if message.is_handled == handled:
            return message
        message.handled_at = timezone.now() if handled else None
        message.handled_by = moderator if handled else None
        message.save(update_fields=["handled_at", "handled_by"])
        action = (
            AuditEntry.Action.CONTACT_HANDLED if handled else AuditEntry.Action.CONTACT_REOPENED
        )
        audit(actor=moderator, action=action, target=None, detail=_contact_detail(message))
    return message


def delete_contact_message(*, moderator: User, message: ContactMessage) -> None:
    """Delete a message for good: the row was its only copy."""
    if not can_read_contact_messages(moderator):
        raise PermissionDenied
    with transaction.atomic():
        detail = _contact_detail(message)
        ContactMessage.objects.filter(pk=message.pk).delete()
        audit(actor=moderator, action=AuditEntry.Action.CONTACT_DELETED, target=None, detail=detail)


def _contact_detail(message: ContactMessage) -> str:
    # Which message and what about: never its text, the name or the address.
    return f"#{message.pk} ({message.category})"


# --- Profile ---------------------------------------------------------------------


def update_profile(
    *,
    member: User,
    display_name: str,
    handle: str,
    profile_fields: dict,
    languages: Iterable[str],
    expertise: Iterable[Tag],
) -> Profile:
    """Save the member's names and profile; names follow members/naming.py's rules."""
    display_name = naming.clean_display_name(display_name, member=member)
    handle = naming.clean_handle(handle, member=member)
    if "organisation" in profile_fields:
        profile_fields = {
            **profile_fields,
            "organisation": naming.clean_organisation(profile_fields["organisation"]),
        }
    with transaction.atomic():
        if handle != member.handle:
            # "@old-handle" in posts must not come to point at someone else.
            naming.retire_handle(member.handle, member=member)
        member.display_name = display_name
        member.handle = handle
        member.save(update_fields=["display_name", "handle"])
        profile, _ = Profile.objects.get_or_create(user=member)
        for name, value in profile_fields.items():
            setattr(profile, name, value)
        profile.bio_html = render_markdown(profile.bio) if profile.bio else ""
        profile.save()
        profile.languages.all().delete()
        SpokenLanguage.objects.bulk_create(
            SpokenLanguage(profile=profile, code=code) for code in sorted(set(languages))
        )
        profile.expertise.set(list(expertise))
    return profile


@functools.cache
def time_zone_names() -> tuple[str, ...]:
    """The IANA zones a member may choose, UTC first."""
    names = sorted(zoneinfo.available_timezones() - {"localtime", "Factory", "UTC"})
    return ("UTC", *names)


def set_time_zone(*, member: User, name: str) -> User:
    """The zone the member sees times in (events)."""
    if name not in time_zone_names():
        raise ServiceError(_("Unknown time zone."))
    if member.time_zone != name:
        member.time_zone = name
        member.save(update_fields=["time_zone"])
    return member


def dismiss_first_steps(*, member: User) -> User:
    """Put away the first-steps checklist for good (the member knows their way)."""
    if member.first_steps_dismissed_at is None:
        member.first_steps_dismissed_at = timezone.now()
        member.save(update_fields=["first_steps_dismissed_at"])
    return member


# A visit is a stretch of pages with no gap longer than VISIT_GAP; within one,
# the time last seen is written at most every SEEN_EVERY.
SEEN_EVERY = timedelta(minutes=5)
VISIT_GAP = timedelta(hours=1)


def record_visit(*, member: User, now: datetime | None = None) -> datetime | None:
    """Note that the member is here; return when their previous visit ended (None: the first).

    "Since your last visit" means since the end of the previous visit, as
    Discourse's ``previous_visit_at`` does, not since the last page: a member
    who opens the home page twice in ten minutes sees the same new activity
    both times, and it moves on only once they come back after an hour away.
    The write is one conditional UPDATE at most every ``SEEN_EVERY`` (the
    condition in SQL, so two tabs at once write once), none on most requests;
    reading the newest read notification instead would tie "new" to the
    inbox, which members who hear by email never open.
    """
    now = now or timezone.now()
    seen = member.last_seen_at
    if seen is not None and now - seen < SEEN_EVERY:
        return member.previous_visit_at
    if seen is not None and now - seen >= VISIT_GAP:
        member.previous_visit_at = seen
    member.last_seen_at = now
    User.objects.filter(pk=member.pk).exclude(last_seen_at__gt=now - SEEN_EVERY).update(
        last_seen_at=now, previous_visit_at=member.previous_visit_at
    )
    return member.previous_visit_at


# --- Topics (the shared tag vocabulary) -----------------------------------------

# How many topics a thread or a lesson is filed under (members.forms.TopicsMixin
# says it to the member; check_topic_count is the services' last word).
TOPICS_MIN, TOPICS_MAX = 1, 5


class TopicError(ServiceError):
    """A topic name or a number of topics refused; the message is for the member."""


def resolve_tags(*, names: Iterable[str], proposer: User, chosen: Iterable[Tag] = ()) -> list[Tag]:
    """The topics ``chosen`` (ticked), then existing topics by name or slug; new names
    become topics proposed by ``proposer``.

    It creates rows: the forum's and the lessons' services call it inside the
    transaction of the write that files something under them, so a thread or
    lesson refused afterwards leaves no orphan proposed topic.
    """
    from django.utils.text import slugify

    tags = list(chosen)
    seen = {tag.slug for tag in tags}
    for raw in names:
        name = " ".join(raw.split())
        slug = slugify(name)
        if not slug or slug in seen:
            continue
        seen.add(slug)
        tag = naming.existing_topic(name)
        if tag is None:
            try:
                name = naming.clean_topic_name(name)
            except ValidationError as error:
                raise TopicError(error.messages[0]) from error
            tag = Tag.objects.create(
                name=name[:100], slug=slug[:100], is_official=False, proposed_by=proposer
            )
        if all(tag.pk != other.pk for other in tags):
            tags.append(tag)
    return tags


def check_topic_count(tags: Iterable[Tag]) -> None:
    """Refuse fewer than TOPICS_MIN or more than TOPICS_MAX topics."""
    if not TOPICS_MIN <= len(list(tags)) <= TOPICS_MAX:
        raise TopicError(_("Choose between 1 and 5 topics."))


def update_tag(*, actor: User, tag: Tag, name: str, description: str, official: bool) -> Tag:
    """Rename a topic, describe it, or make a proposed one official (experts and moderators)."""
    from django.utils.text import slugify

    if not can_curate_tags(actor):
        raise PermissionDenied
    name = naming.clean_topic_name(name, tag=tag)
    slug = slugify(name)[:100]
    if Tag.objects.exclude(pk=tag.pk).filter(slug=slug).exists():
        raise ValidationError(_("Another topic already has that name; merge into it instead."))
    with transaction.atomic():
        renamed = tag.name != name
        approved = official and not tag.is_official
        before = tag.name
        tag.name, tag.slug, tag.description = name, slug, description
        tag.is_official = tag.is_official or official
        tag.save()
        if renamed:
            audit(actor=actor, action=AuditEntry.Action.TAG_RENAME, target=None,
                  detail=f"{before} -> {name}")  # fmt: skip
        if approved:
            audit(actor=actor, action=AuditEntry.Action.TAG_APPROVE, target=None, detail=name)
    return tag


def merge_tags(*, actor: User, source: Tag, target: Tag) -> Tag:
    """Move everything tagged with ``source`` (threads, lessons, expertise) and its
    followers (notifications/receivers.py) to ``target``, then delete ``source``."""
    from members.models import TaggedItem

    if not can_curate_tags(actor):
        raise PermissionDenied
    if source.pk == target.pk:
        raise ValidationError(_("A topic cannot be merged into itself."))
    with transaction.atomic():
        tagged = {(t.content_type_id, t.object_id) for t in TaggedItem.objects.filter(tag=target)}
        for item in TaggedItem.objects.filter(tag=source):
            if (item.content_type_id, item.object_id) in tagged:
                item.delete()
            else:
                item.tag = target
                item.save(update_fields=["tag"])
        signals.tags_merged.send(sender=Tag, source=source, target=target)
        audit(actor=actor, action=AuditEntry.Action.TAG_MERGE, target=None,
              detail=f"{source.name} -> {target.name}")  # fmt: skip
        source.delete()
    return target
