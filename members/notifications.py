"""The member's inbox: notify(), live pushes, read state, follows and announcements.

Every app tells members about events through ``notify()`` inside its own
transaction. The rows are the truth; after commit each recipient's sockets get
a push, which may be lost (the channel layer delivers at most once) and is
made good by the catch-up on reconnect. A failed push is logged and never
fails the write that caused it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Count, Model, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from redis.exceptions import ConnectionError as RedisConnectionError

from members.models import (
    DEFAULT_DELIVERY,
    Delivery,
    Follow,
    Notification,
    NotificationKind,
    NotificationPreference,
    OutboxEmail,
    Status,
    User,
)

logger = logging.getLogger(__name__)

CATCH_UP_LIMIT = 100
PUSH_CONCURRENCY = 200


def member_group(member_id: int) -> str:
    return f"member.{member_id}"


def session_group(session_key: str) -> str:
    return f"session.{session_key}"


# --- Writing notifications ---------------------------------------------------------


def notify(
    recipients: Iterable[User | int],
    *,
    kind: str,
    actor: User | None,
    text: str,
    url: str = "",
) -> list[Notification]:
    """Write one notification per recipient and push it after commit.

    The actor is never notified of their own action, a member appears once
    however many reasons put them in ``recipients``, banned members are
    skipped, and a member who turned this kind off gets nothing.
    """
    ids = {r.pk if isinstance(r, User) else int(r) for r in recipients}
    if actor is not None:
        ids.discard(actor.pk)
    if not ids:
        return []
    ids = set(
        User.objects.filter(pk__in=ids, is_active=True, is_banned=False).values_list(
            "pk", flat=True
        )
    )
    deliveries = delivery_for(ids, kind)
    now = timezone.now()
    rows = [
        Notification(
            recipient_id=member_id,
            kind=kind,
            actor=actor,
            text=text[:300],
            url=url,
            created_at=now,
            # Only rows meant for the daily digest wait to be digested.
            digested_at=None if deliveries[member_id] == Delivery.DIGEST else now,
        )
        for member_id in sorted(ids)
        if deliveries[member_id] != Delivery.OFF
    ]
    with transaction.atomic():
        created = Notification.objects.bulk_create(rows)
        emails = [n for n in created if deliveries[n.recipient_id] == Delivery.EMAIL]
        if emails:
            queue_notification_emails(emails)
        frames = [_frame(n) for n in created]
        transaction.on_commit(lambda: push_notifications(frames))
    return created


def delivery_for(member_ids: Iterable[int], kind: str) -> dict[int, str]:
    chosen = dict(
        NotificationPreference.objects.filter(member_id__in=member_ids, kind=kind).values_list(
            "member_id", "delivery"
        )
    )
    default = DEFAULT_DELIVERY.get(kind, Delivery.APP)
    return {member_id: chosen.get(member_id, default) for member_id in member_ids}


def _frame(notification: Notification) -> dict[str, Any]:
    return {
        "type": "notification",
        "id": notification.pk,
        "kind": notification.kind,
        "text": notification.text,
        "url": notification.url or reverse("notifications:list"),
        "created": notification.created_at.isoformat(),
        "recipient": notification.recipient_id,
    }


def absolute(url: str) -> str:
    return url if url.startswith(("http://", "https://")) else settings.SITE_URL + url


def queue_notification_emails(notifications: list[Notification]) -> None:
    """Outbox rows, one per notification. They name what happened and link to it;
    they never carry the text of a post (mail is read on shared devices too)."""
    members = User.objects.in_bulk([n.recipient_id for n in notifications])
    with translation.override(settings.LANGUAGE_CODE):
        OutboxEmail.objects.bulk_create(
            OutboxEmail(
                recipient_id=n.recipient_id,
                subject=f"[{settings.SITE_NAME}] {n.text}"[:300],
                body=render_to_string(
                    "members/email/notification_message.txt",
                    {
                        "member": members[n.recipient_id],
                        "notification": n,
                        "url": absolute(n.url or reverse("notifications:list")),
                        "preferences_url": absolute(reverse("notifications:preferences")),
                        "site_name": settings.SITE_NAME,
                    },
                ),
            )
            for n in notifications
        )


def queue_email(member: User, template: str, context: dict[str, Any]) -> OutboxEmail:
    """A templated email for one member, sent by the outbox worker after commit."""
    with translation.override(settings.LANGUAGE_CODE):
        full = {"member": member, "site_name": settings.SITE_NAME, **context}
        subject = render_to_string(f"members/email/{template}_subject.txt", full)
        body = render_to_string(f"members/email/{template}_message.txt", full)
    return OutboxEmail.objects.create(
        recipient=member, subject=" ".join(subject.split())[:300], body=body
    )


# --- Pushing ---------------------------------------------------------------------


def unread_counts(member_ids: Iterable[int]) -> dict[int, int]:
    counts = dict(
        Notification.objects.filter(recipient_id__in=list(member_ids), read_at__isnull=True)
        .values("recipient_id")
        .annotate(unread=Count("id"))
        .values_list("recipient_id", "unread")
    )
    return {member_id: counts.get(member_id, 0) for member_id in member_ids}


def push_notifications(frames: list[dict[str, Any]]) -> None:
    """Send each frame to its recipient's sockets. Never raises."""
    if not frames:
        return
    try:
        unread = unread_counts({frame["recipient"] for frame in frames})
        messages = []
        for frame in frames:
            recipient = frame.pop("recipient")
            messages.append(
                (
                    member_group(recipient),
                    {"type": "notification.push", "frame": {**frame, "unread": unread[recipient]}},
                )
            )
        _send_to_groups(messages)
    except Exception:
        logger.exception("push of %d notifications failed; clients catch up", len(frames))


def push_to_member(member_id: int, event: dict[str, Any]) -> None:
    """Send one event to every socket of a member (after commit). Never raises."""
    try:
        _send_to_groups([(member_group(member_id), event)])
    except Exception:
        logger.exception("push to member %s failed", member_id)


def push_to_session(session_key: str, event: dict[str, Any]) -> None:
    try:
        _send_to_groups([(session_group(session_key), event)])
    except Exception:
        logger.exception("push to a session failed")


async def with_retry(operation: Callable[[], Awaitable[None]], attempts: int = 3) -> None:
    """Run a channel-layer operation, retrying on a dropped Redis connection.

    After Redis restarts, the first command on each pooled connection fails
    (the server closed it) and redis-py discards that connection; a retry runs
    on a new one. When Redis is really down every attempt fails fast and the
    error is raised.
    """
    for attempt in range(attempts):
        try:
            await operation()
            return
        except RedisConnectionError:
            if attempt == attempts - 1:
                raise


def _send_to_groups(messages: list[tuple[str, dict[str, Any]]]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return

    async def send_all() -> None:
        # One event loop for the whole batch, a bounded number in flight.
        limit = asyncio.Semaphore(PUSH_CONCURRENCY)

        async def send(group: str, message: dict[str, Any]) -> None:
            async with limit:
                await with_retry(lambda: layer.group_send(group, message))

        results = await asyncio.gather(
            *(send(group, message) for group, message in messages), return_exceptions=True
        )
        failures = [r for r in results if isinstance(r, BaseException)]
        if failures:
            logger.error("%d of %d pushes failed: %r", len(failures), len(results), failures[0])

    async_to_sync(send_all)()


# --- Reading ---------------------------------------------------------------------


def notifications_of(member: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=member).select_related("actor")


def catch_up(member_id: int, after: int) -> list[dict[str, Any]]:
    """Frames for everything newer than ``after`` (the newest CATCH_UP_LIMIT)."""
    rows = list(
        Notification.objects.filter(recipient_id=member_id, id__gt=after).order_by("-id")[
            :CATCH_UP_LIMIT
        ]
    )
    unread = unread_counts([member_id])[member_id]
    frames = []
    for notification in reversed(rows):
        frame = _frame(notification)
        frame.pop("recipient")
        frame["unread"] = unread
        frames.append(frame)
    return frames


def mark_read(member: User, ids: Iterable[int] | None = None) -> list[int]:
    """Mark some (or all) of a member's notifications read; every tab hears of it."""
    with transaction.atomic():
        unread = Notification.objects.filter(recipient=member, read_at__isnull=True)
        if ids is not None:
            unread = unread.filter(pk__in=list(ids))
        marked = list(unread.values_list("pk", flat=True))
        if marked:
            Notification.objects.filter(pk__in=marked).update(read_at=timezone.now())

            def push() -> None:
                count = unread_counts([member.pk])[member.pk]
                push_to_member(
                    member.pk,
                    {"type": "notification.read", "frame": {"type": "read", "ids": marked,
                                                            "unread": count}},
                )  # fmt: skip

            transaction.on_commit(push)
    return marked


# --- Events of the members app -------------------------------------------------


def announce(*, actor: User | None, text: str, to: User | None = None) -> int:
    """A moderator announcement to one member or to every member. Returns how many."""
    if to is not None:
        recipients: Iterable[int] = [to.pk]
    else:
        recipients = User.objects.filter(
            status=Status.ACTIVE, is_active=True, is_banned=False
        ).values_list("pk", flat=True)
    with transaction.atomic():
        created = notify(
            recipients, kind=NotificationKind.ANNOUNCEMENT, actor=actor, text=text, url=""
        )
    return len(created)


def follow(follower: User, target: Model) -> bool:
    """Start following; True when this is new. Following a member notifies them."""
    content_type = ContentType.objects.get_for_model(target)
    with transaction.atomic():
        _, created = Follow.objects.get_or_create(
            follower=follower, content_type=content_type, object_id=target.pk
        )
        if created and isinstance(target, User):
            notify(
                [target],
                kind=NotificationKind.NEW_FOLLOWER,
                actor=follower,
                text=f"{follower.name} started following you",
                url=reverse("members:profile", args=[follower.handle]),
            )
    return created


def unfollow(follower: User, target: Model) -> None:
    Follow.objects.filter(
        follower=follower,
        content_type=ContentType.objects.get_for_model(target),
        object_id=target.pk,
    ).delete()


def is_following(follower: User, target: Model) -> bool:
    return Follow.objects.filter(
        follower=follower,
        content_type=ContentType.objects.get_for_model(target),
        object_id=target.pk,
    ).exists()


def followers_of(target: Model) -> QuerySet[User]:
    """Members following ``target``; the forum and lessons use this for their events."""
    return User.objects.filter(
        follows__content_type=ContentType.objects.get_for_model(target),
        follows__object_id=target.pk,
    )


def close_sockets_of_member(member_id: int) -> None:
    """After a ban or a password change: every open socket of the member closes."""
    transaction.on_commit(lambda: push_to_member(member_id, {"type": "session.end"}))


def close_sockets_of_session(session_key: str) -> None:
    """After a logout: the sockets opened with that session close."""
    transaction.on_commit(lambda: push_to_session(session_key, {"type": "session.end"}))
