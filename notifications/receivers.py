"""What the inbox does when something happens to a member (members/signals.py).

members does not import the inbox; it sends signals inside the transaction of
each change, and these receivers write the notification and queue the email
in that same transaction (pushes and sending follow the commit), or close the
member's sockets after commit. Connected in NotificationsConfig.ready().
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from members import signals
from notifications import services
from notifications.notification_kinds import NotificationKind


def member_approved(*, member: Any, moderator: Any, **_kwargs: Any) -> None:
    # Always by email: they cannot see the app until they read this.
    services.queue_email(
        member=member,
        template="approved",
        context={"url": settings.SITE_URL + reverse("members:profile_edit")},
    )
    services.notify(
        [member],
        kind=NotificationKind.MEMBERSHIP,
        actor=moderator,
        text=_("Welcome! Your membership was approved."),
        url=reverse("members:profile_edit"),
    )


def member_rejected(*, member: Any, moderator: Any, reason: str, **_kwargs: Any) -> None:
    services.queue_email(member=member, template="rejected", context={"reason": reason})
    services.notify(
        [member],
        kind=NotificationKind.MEMBERSHIP,
        actor=moderator,
        text=_("Your request to join was not approved."),
        url=reverse("members:waiting"),
    )


def role_changed(*, member: Any, actor: Any, role: str, granted: bool, **_kwargs: Any) -> None:
    if role == "expert" and granted:
        services.notify(
            [member],
            kind=NotificationKind.EXPERT_BADGE,
            actor=actor,
            text=_("You were given the expert badge."),
            url=reverse("members:profile", args=[member.handle]),
        )


def member_banned(*, member: Any, **_kwargs: Any) -> None:
    services.close_sockets_of_member(member_id=member.pk)


def member_sessions_ended(*, member_id: int, **_kwargs: Any) -> None:
    services.close_sockets_of_member(member_id=member_id)


def session_ended(*, session_key: str, **_kwargs: Any) -> None:
    services.close_sockets_of_session(session_key=session_key)


def tags_merged(*, source: Any, target: Any, **_kwargs: Any) -> None:
    services.move_follows(source=source, target=target)


def contact_message_received(*, moderator_ids: list[int], **_kwargs: Any) -> None:
    # That a message is waiting, no more: not its text, its name or its address,
    # which stay in the moderators' queue (no actor either: nobody is named).
    services.notify(
        moderator_ids,
        kind=NotificationKind.CONTACT_MESSAGE,
        actor=None,
        text=_("A message is waiting in the contact queue."),
        url=reverse("members:contact_messages"),
    )


def connect() -> None:
    for signal, receiver in (
        (signals.member_approved, member_approved),
        (signals.member_rejected, member_rejected),
        (signals.role_changed, role_changed),
        (signals.member_banned, member_banned),
        (signals.member_sessions_ended, member_sessions_ended),
        (signals.session_ended, session_ended),
        (signals.tags_merged, tags_merged),
        (signals.contact_message_received, contact_message_received),
    ):
        signal.connect(receiver, dispatch_uid=f"notifications.{receiver.__name__}")
