"""Notifications' part of a member's own data (network.privacy asks each app for its part).

``export``: what the member follows, their notifications and their delivery
preferences. ``forget``, in the deletion's transaction: the member's name is
taken out of other members' notifications ("<name> replied in"), follows of
the member go (their own follows, notifications, preferences and queued
email cascade with the User row), and their open sockets close after commit.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType

from common import redaction
from members.privacy import batches, when
from notifications.models import Follow, Notification
from notifications.selectors import deliveries_of
from notifications.services import absolute, close_sockets_of_member


def export(member: Any) -> dict[str, Any]:
    return {
        "follows": _follows(member),
        "notifications": [
            {
                "kind": n.kind,
                "text": n.text,
                "url": absolute(n.url) if n.url else "",
                "created_at": when(n.created_at),
                "read_at": when(n.read_at),
            }
            for n in Notification.objects.filter(recipient=member).order_by("id")
        ],
        "notification_preferences": deliveries_of(member=member),
    }


def _follows(member: Any) -> list[dict[str, str]]:
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
        name = (
            f"{target.name} (@{target.handle})"
            if isinstance(target, get_user_model())
            else str(target)
        )
        rows.append(
            {"kind": follow.content_type.model, "name": name, "since": when(follow.created_at)}
        )
    return rows


def forget(member: Any, *, keep_contributions: bool) -> None:
    _unname_in_notifications(member)
    # Follows of the member; their own follows go with the account.
    Follow.objects.filter(
        content_type=ContentType.objects.get_for_model(get_user_model()), object_id=member.pk
    ).delete()
    close_sockets_of_member(member_id=member.pk)


def _unname_in_notifications(member: Any) -> None:
    """Take the member's name out of other members' notifications ("<name> replied in")."""
    name = re.compile(rf"(?<!\w){re.escape(member.name)}(?!\w)")
    former = redaction.former_member_name()
    caused = Notification.objects.filter(actor=member).exclude(recipient=member)
    for batch in batches(caused.only("pk", "text").order_by("pk")):
        for notification in batch:
            notification.text = name.sub(former, notification.text)[:300]
            notification.actor = None
        Notification.objects.bulk_update(batch, ["text", "actor"])
