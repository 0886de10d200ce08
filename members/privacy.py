"""Members' part of a member's own data, and the member's own session privacy.

Account-wide export and deletion are composed in network.privacy, which asks
each app for its part; members gives three (network.privacy.PARTS puts them
in the order of the download):

- ``export_account``: the account and the profile; ``export_topics``: the
  topics the member proposed; ``export_records``: invitations they made, the
  audit log about them, the messages they sent through the contact form while
  logged in, their sessions (never an IP address).
- ``forget``: in the deletion's transaction, after the other apps' parts:
  audit entries about the member lose their detail and their target, the
  details of their invitations go, their contact messages are deleted (the
  moderators' notifications and the audit log never held their text), their
  sessions end, and their handle is
  retired (old posts still say "@handle": nobody else may ever take it). The
  User row itself is deleted by network.privacy last; its cascades take the
  profile, languages, expertise, email addresses, authenticators,
  invitations made and user sessions.
- ``when`` and ``by`` are how every part writes a moment and who did
  something to the member (never naming anyone but the member).

The member's own session privacy stays here: ``purge_ips()`` blanks IP
addresses older than ``IP_RETENTION_DAYS`` (``python manage.py purge_ips``;
the outbox worker runs it daily). allauth's usersessions records one per
session; ``forget_session_address`` stores the unspecified address
``0.0.0.0`` instead unless ``RECORD_SESSION_IPS`` is on.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from common import redaction
from members import naming
from members.models import (
    PROFILE_PARTS,
    AuditEntry,
    ContactMessage,
    Invitation,
    Profile,
    Tag,
    User,
)
from members.services import end_sessions

# What a session's address becomes when addresses are not recorded, and after
# IP_RETENTION_DAYS: allauth's column cannot be empty.
NO_ADDRESS = "0.0.0.0"  # noqa: S104 - a stored placeholder, not a bind address


# --- What every part uses ----------------------------------------------------------


def when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def by(actor: User | None, member: User) -> str:
    """Who did something to the member, without naming anyone but the member."""
    if actor is None:
        return "the network"
    if actor.pk == member.pk:
        return "you"
    if actor.is_moderator or actor.is_superuser:
        return "a moderator"
    return "a member"


def batches(queryset: Any, size: int = 500) -> Iterator[list[Any]]:
    """The rows of ``queryset`` in lists of ``size``, for bulk updates."""
    batch = []
    for row in queryset.iterator(chunk_size=size):
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


# --- Download all my data: members' sections ----------------------------------------


def export_account(member: User) -> dict[str, Any]:
    return {"account": _account(member), "profile": _profile(member)}


def export_topics(member: User) -> dict[str, Any]:
    return {
        "topics_proposed": [
            {"name": tag.name, "created_at": when(tag.created_at)}
            for tag in Tag.objects.filter(proposed_by=member).order_by("created_at")
        ],
    }


def export_records(member: User) -> dict[str, Any]:
    return {
        "invitations_created": [
            {
                "note": invitation.note,
                "created_at": when(invitation.created_at),
                "expires_at": when(invitation.expires_at),
                "used_at": when(invitation.used_at),
            }
            for invitation in Invitation.objects.filter(created_by=member).order_by("created_at")
        ],
        "audit_log_about_you": [
            {
                "action": entry.action,
                "description": str(entry.get_action_display()),
                "by": by(entry.actor, member),
                "detail": entry.detail,
                "created_at": when(entry.created_at),
            }
            for entry in AuditEntry.objects.filter(target=member)
            .select_related("actor")
            .order_by("created_at", "id")
        ],
        "contact_messages": [
            # Never which moderator handled it.
            {
                "about": message.category,
                "name": message.name,
                "reply_to": message.reply_to,
                "message": message.message,
                "sent_at": when(message.created_at),
                "handled_at": when(message.handled_at),
            }
            for message in ContactMessage.objects.filter(sender=member).order_by("created_at", "id")
        ],
        "sessions": [
            # Never the IP address, even where one was recorded.
            {
                "started_at": when(session.created_at),
                "last_seen_at": when(session.last_seen_at),
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
        "date_joined": when(member.date_joined),
        "last_login": when(member.last_login),
        "membership": member.status,
        "approved_at": when(member.approved_at),
        "first_steps_dismissed_at": when(member.first_steps_dismissed_at),
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
                "created_at": when(authenticator.created_at),
                "last_used_at": when(authenticator.last_used_at),
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
        "updated_at": when(profile.updated_at),
    }


# --- Delete my account: members' part ------------------------------------------------


def forget(member: User, *, keep_contributions: bool) -> None:
    """Members' part of deleting an account; the User row goes afterwards (network.privacy)."""
    # The audit log keeps that something happened, never to whom or why.
    AuditEntry.objects.filter(target=member).update(target=None, detail="")
    AuditEntry.objects.filter(actor=member, action=AuditEntry.Action.INVITE).update(detail="")
    # What they wrote to the moderators goes with them (the row is its only copy).
    ContactMessage.objects.filter(sender=member).delete()
    end_sessions(member=member)
    # Old posts still say "@handle": nobody else may ever take it.
    naming.retire_handle(member.handle)


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


def redact_audit(
    *, phrases: list[str], placeholder: str, url_prefix: str, slugged: re.Pattern[str]
) -> None:
    """The audit log's scrubber (common.redaction): details that quote purged words
    get the placeholder, and links to the object are cut back to its short URL."""
    quoting = Q(url__startswith=url_prefix)
    for phrase in phrases:
        quoting |= Q(detail__contains=phrase)
    for batch in batches(AuditEntry.objects.filter(quoting).only("pk", "detail", "url")):
        for entry in batch:
            entry.detail = redaction.redact(entry.detail, phrases, placeholder)[:500]
            if entry.url.startswith(url_prefix):
                entry.url = url_prefix
        AuditEntry.objects.bulk_update(batch, ["detail", "url"])
