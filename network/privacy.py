"""Account-wide privacy: download all my data, delete my account.

Composition root: every app keeps its own part (its section of the download,
its rows to forget), and this module asks each one, in the order of
``PARTS``. A new app (the library, events) writes its ``privacy.py`` with an
``export(member)`` and, if it keeps rows about members, a
``forget(member, *, keep_contributions)``, and adds one line here; no other
app changes.

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
  target; their name is taken out of other members' notifications; the
  messages they sent through the contact form while logged in are deleted. Then:

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

  Each app's ``forget`` runs inside that transaction, with the User row
  locked, before the row goes: forum.privacy and lessons.privacy (their
  services are the only writers of their rows and counters), then
  notifications.privacy, then members.privacy (audit log, sessions, the
  retired handle). The row's delete cascades to what is left.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from events import privacy as events_privacy
from forum import privacy as forum_privacy
from lessons import privacy as lessons_privacy
from library import privacy as library_privacy
from members import privacy as members_privacy
from members.models import User
from notifications import privacy as notifications_privacy

EXPORT_FORMAT = "network-member-data/1"


@dataclass(frozen=True)
class Part:
    """One app's part: its sections of the download, and what it forgets on deletion."""

    export: Callable[[User], dict[str, Any]]
    forget: Callable[..., None] | None = None  # forget(member, *, keep_contributions)


# In the order of the download's sections (and of the deletion's steps).
PARTS: tuple[Part, ...] = (
    Part(export=members_privacy.export_account),
    Part(export=forum_privacy.export, forget=forum_privacy.forget),
    Part(export=members_privacy.export_topics),
    Part(export=lessons_privacy.export, forget=lessons_privacy.forget),
    Part(export=events_privacy.export, forget=events_privacy.forget),
    Part(export=library_privacy.export, forget=library_privacy.forget),
    Part(export=notifications_privacy.export, forget=notifications_privacy.forget),
    Part(export=members_privacy.export_records, forget=members_privacy.forget),
)


def export_member_data(member: User) -> dict[str, Any]:
    """Everything the network holds about ``member``, ready for ``json.dumps``.

    A fixed number of queries, however much the member wrote.
    """
    data: dict[str, Any] = {
        "format": EXPORT_FORMAT,
        "site": settings.SITE_NAME,
        "generated_at": timezone.now().isoformat(),
    }
    for part in PARTS:
        sections = part.export(member)
        clash = data.keys() & sections.keys()
        if clash:  # two parts writing one section would lose one of them silently
            raise ImproperlyConfigured(f"sections exported twice: {sorted(clash)}")
        data.update(sections)
    return data


def delete_account(member: User, *, keep_contributions: bool) -> None:
    """Delete ``member``'s account and personal data; see the module docstring for what stays."""
    with transaction.atomic():
        member = User.objects.select_for_update().get(pk=member.pk)
        for part in PARTS:
            if part.forget is not None:
                part.forget(member, keep_contributions=keep_contributions)
        # Cascades: profile, languages, expertise, email addresses, authenticators,
        # invitations made, notifications, preferences, outbox email, user sessions.
        member.delete()
