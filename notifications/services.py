"""The member's inbox: notify(), live pushes, read state, follows and announcements.

Every app tells members about events through ``notify()`` inside its own
transaction. The rows are the truth; after commit each recipient's sockets get
a push, which may be lost (the channel layer delivers at most once) and is
made good by the catch-up on reconnect. A failed push is logged and never
fails the write that caused it.
"""

from __future__ import annotations

import array
import asyncio
import bisect
import json
import logging
import os
import re
import sys
import threading
from collections.abc import Awaitable, Callable, Collection, Iterable, Sequence
from datetime import timedelta
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction
from django.db.models import BooleanField, Count, Model, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from redis.exceptions import ConnectionError as RedisConnectionError

from notifications import kinds, mail
from notifications.kinds import Delivery
from notifications.models import Follow, Notification, NotificationPreference, OutboxEmail
from notifications.notification_kinds import NotificationKind

# A member (settings.AUTH_USER_MODEL), for type hints: the inbox knows members
# only through get_user_model().
Member = AbstractBaseUser

logger = logging.getLogger(__name__)

CATCH_UP_LIMIT = 100
PUSH_CONCURRENCY = 200
# Every socket joins this group; pushes to many members go through it (see _broadcasts).
BROADCAST_GROUP = "members.everyone"
BROADCAST_MIN_RECIPIENTS = 200
BROADCAST_CHUNK = 10_000


def member_group(member_id: int) -> str:
    return f"member.{member_id}"


def session_group(session_key: str) -> str:
    return f"session.{session_key}"


# --- Writing notifications ---------------------------------------------------------


def notify(
    recipients: Iterable[Member | int],
    *,
    kind: str,
    actor: Member | None,
    text: str,
    url: str = "",
    about: Model | None = None,
) -> list[Notification]:
    """Write one notification per recipient and push it after commit.

    The actor is never notified of their own action, a member appears once
    however many reasons put them in ``recipients``, banned members are
    skipped, and a member who turned this kind off gets nothing. ``about`` is
    the content the text quotes or the link opens (a post, a lesson): when it
    is removed, its app calls ``forget_notifications_about`` and the
    notification goes. ``kind`` must be one an app registered
    (notifications/kinds.py): anything else raises ``kinds.UnknownKind``.
    """
    kind = kinds.get(kind).key
    members = get_user_model()
    ids = {r.pk if isinstance(r, Model) else int(r) for r in recipients}
    if actor is not None:
        ids.discard(actor.pk)
    if not ids:
        return []
    ids = set(
        members.objects.filter(
            _among(members, "id", ids), is_active=True, is_banned=False
        ).values_list("pk", flat=True)
    )
    deliveries = delivery_for(ids, kind)
    with transaction.atomic():
        created = _insert_notifications(
            deliveries,
            kind=kind,
            actor=actor,
            text=text[:300],
            url=url,
            about=about,
            now=timezone.now(),
        )
        emails = [n for n in created if deliveries[n.recipient_id] == Delivery.EMAIL]
        if emails:
            queue_notification_emails(emails)
        list_url = reverse("notifications:list")
        frames = [_frame(n, list_url) for n in created]
        transaction.on_commit(lambda: push_notifications(frames))
    return created


def _among(model: type[Model], column: str, ids: Collection[int]) -> RawSQL:
    """A filter ``column IN ids`` that passes the ids as one parameter.

    Django's ``__in`` turns every id into a parameter of its own and prepares
    each one (measured: 0.55 s for three lookups of 5,000 ids, an
    announcement's); an array (PostgreSQL) or a JSON list (SQLite) is one.
    """
    # The SQL holds only quoted names from the model; the ids are a parameter.
    quote = connection.ops.quote_name
    name = f"{quote(model._meta.db_table)}.{quote(column)}"
    if connection.vendor == "postgresql":
        sql, ids_param = f"{name} = ANY(%s::bigint[])", list(ids)
    else:
        sql, ids_param = f"{name} IN (SELECT value FROM json_each(%s))", json.dumps(list(ids))  # noqa: S608
    return RawSQL(sql, (ids_param,), output_field=BooleanField())  # noqa: S611


def _insert_notifications(
    deliveries: dict[int, str],
    *,
    kind: str,
    actor: Member | None,
    text: str,
    url: str,
    about: Model | None,
    now: Any,
) -> list[Notification]:
    """The rows of one notify(), in member order, with their ids.

    What ``bulk_create`` does, as one INSERT ... SELECT over the member ids
    (two when some members want a digest) instead of preparing every field of
    every row in Python: 5,000 rows (an announcement) took 0.8 s on
    PostgreSQL and 1.3 s on SQLite with ``bulk_create``, 0.2 s with this.
    """
    waiting = sorted(m for m, d in deliveries.items() if d == Delivery.DIGEST)
    sent = sorted(m for m, d in deliveries.items() if d not in (Delivery.DIGEST, Delivery.OFF))
    field = Notification._meta.get_field
    created_at = field("created_at").get_db_prep_value(now, connection)
    table = connection.ops.quote_name(Notification._meta.db_table)
    columns = (
        "recipient_id, kind, actor_id, text, url, created_at, digested_at, about_type_id, about_id"
    )
    if connection.vendor == "postgresql":
        select = (
            "SELECT member, %s, %s::bigint, %s, %s, %s::timestamptz, %s::timestamptz,"
            " %s::integer, %s::bigint FROM unnest(%s::bigint[]) AS member ORDER BY member"
        )
    else:
        select = "SELECT value, %s, %s, %s, %s, %s, %s, %s, %s FROM json_each(%s) ORDER BY value"
    actor_id = actor.pk if actor is not None else None
    about_type_id = ContentType.objects.get_for_model(about).pk if about is not None else None
    about_id = about.pk if about is not None else None
    inserted: list[tuple[int, int, Any]] = []
    with connection.cursor() as cursor:
        # Only rows meant for the daily digest wait to be digested.
        for members, digested_at in ((sent, now), (waiting, None)):
            if not members:
                continue
            digested = field("digested_at").get_db_prep_value(digested_at, connection)
            ids = members if connection.vendor == "postgresql" else json.dumps(members)
            cursor.execute(
                f"INSERT INTO {table} ({columns}) {select} RETURNING id, recipient_id",
                [kind, actor_id, text, url, created_at, digested, about_type_id, about_id, ids],
            )
            inserted.extend((pk, member, digested_at) for pk, member in cursor.fetchall())
    inserted.sort(key=lambda row: row[1])
    # Instances as the database now holds them (positional arguments in the
    # model's field order: the fast way to make thousands).
    names = [f.attname for f in Notification._meta.concrete_fields]
    known = {
        "kind": kind,
        "actor_id": actor_id,
        "text": text,
        "url": url,
        "created_at": now,
        "about_type_id": about_type_id,
        "about_id": about_id,
    }
    if set(names) != {*known, "id", "recipient_id", "read_at", "digested_at"}:
        raise RuntimeError("Notification has new fields: add them to the INSERT above")
    template = [known.get(name) for name in names]
    slots = (names.index("id"), names.index("recipient_id"), names.index("digested_at"))
    actor_field = Notification._meta.get_field("actor")
    created = []
    for row in inserted:
        values = template.copy()
        for slot, value in zip(slots, row, strict=True):
            values[slot] = value
        notification = Notification(*values)
        notification._state.adding = False
        notification._state.db = connection.alias
        if actor is not None:
            actor_field.set_cached_value(notification, actor)
        created.append(notification)
    return created


def delivery_for(member_ids: Collection[int], kind: str) -> dict[int, str]:
    chosen = dict(
        NotificationPreference.objects.filter(
            _among(NotificationPreference, "member_id", member_ids), kind=kind
        ).values_list("member_id", "delivery")
    )
    default = kinds.default_delivery(kind)
    return {member_id: chosen.get(member_id, default) for member_id in member_ids}


def _frame(notification: Notification, list_url: str) -> dict[str, Any]:
    return {
        "type": "notification",
        "id": notification.pk,
        "kind": notification.kind,
        "text": notification.text,
        "url": notification.url or list_url,
        "created": notification.created_at.isoformat(),
        "recipient": notification.recipient_id,
    }


def absolute(url: str) -> str:
    return url if url.startswith(("http://", "https://")) else settings.SITE_URL + url


def queue_notification_emails(notifications: list[Notification]) -> None:
    """Outbox rows, one per notification, in each member's language. They name the
    kind of event and link to it; never a title, a name or a post (notifications/mail.py)."""
    members = get_user_model().objects.in_bulk([n.recipient_id for n in notifications])
    preferences_url = absolute(reverse("notifications:preferences"))
    list_url = reverse("notifications:list")
    emails = []
    for n in notifications:
        member = members[n.recipient_id]
        with translation.override(member.language or settings.LANGUAGE_CODE):
            summary = mail.notification_summary(n.kind)
            emails.append(
                OutboxEmail(
                    recipient_id=n.recipient_id,
                    notification_id=n.pk,
                    subject=mail.subject_for(member, summary),
                    body=render_to_string(
                        "notifications/email/notification_message.txt",
                        {
                            "summary": summary,
                            "url": absolute(mail.link_for_email(n.url) if n.url else list_url),
                            "preferences_url": preferences_url,
                        },
                    ),
                )
            )
    OutboxEmail.objects.bulk_create(emails)


def queue_email(*, member: Member, template: str, context: dict[str, Any]) -> OutboxEmail:
    """A templated email for one member, sent by the outbox worker after commit,
    in the language they chose for the site (else the site's)."""
    with translation.override(member.language or settings.LANGUAGE_CODE):
        full = {"member": member, "site_name": settings.SITE_NAME, **context}
        subject = render_to_string(f"notifications/email/{template}_subject.txt", full)
        body = render_to_string(f"notifications/email/{template}_message.txt", full)
    return OutboxEmail.objects.create(
        recipient=member, subject=mail.one_line(subject)[:300], body=body
    )


# --- Pushing ---------------------------------------------------------------------


def unread_counts(member_ids: Collection[int]) -> dict[int, int]:
    counts = dict(
        Notification.objects.filter(
            _among(Notification, "recipient_id", member_ids), read_at__isnull=True
        )
        .values("recipient_id")
        # COUNT(*), not COUNT(id): the partial index on unread rows answers it
        # alone (an index-only scan; 5,000 members: 60 ms instead of 150 ms).
        .annotate(unread=Count("*"))
        .values_list("recipient_id", "unread")
    )
    return {member_id: counts.get(member_id, 0) for member_id in member_ids}


def push_notifications(frames: list[dict[str, Any]]) -> None:
    """Send each frame to its recipient's sockets. Never raises."""
    if not frames:
        return
    try:
        unread = unread_counts({frame["recipient"] for frame in frames})
        if len(frames) >= BROADCAST_MIN_RECIPIENTS:
            messages = _broadcasts(frames, unread)
        else:
            messages = []
            for frame in frames:
                recipient = frame.pop("recipient")
                frame["unread"] = unread[recipient]
                messages.append(
                    (member_group(recipient), {"type": "notification.push", "frame": frame})
                )
        _send_to_groups(messages)
    except Exception:
        logger.exception("push of %d notifications failed; clients catch up", len(frames))


def _broadcasts(
    frames: list[dict[str, Any]], unread: dict[int, int]
) -> list[tuple[str, dict[str, Any]]]:
    """Events for the group every socket joins, one per BROADCAST_CHUNK recipients.

    A notify() to thousands of members (an announcement, a new thread in a
    busy topic) made one group send per member. With Redis that is four round
    trips each on the sending side and, on every daphne process, one blocking
    pop per message, one after another; the in-memory layer scans all its
    channels and groups on every group send. 5,000 members took seconds on
    either. One group send reaches every socket of a process as one message;
    each consumer finds its member in the sorted recipient list and sends only
    its own frame, so a socket still gets exactly the frames meant for it.

    The lists travel as bytes (little-endian int64): the in-memory layer
    deep-copies a message for every socket, and bytes are copied by
    reference; consumers search them in place (``broadcast_frame``).
    """
    by_event: dict[tuple, list[dict[str, Any]]] = {}
    for frame in frames:
        common = (frame["kind"], frame["text"], frame["url"], frame["created"])
        by_event.setdefault(common, []).append(frame)
    messages = []
    for (kind, text, url, created), group in by_event.items():
        group.sort(key=lambda frame: frame["recipient"])
        for start in range(0, len(group), BROADCAST_CHUNK):
            chunk = group[start : start + BROADCAST_CHUNK]
            members = [frame["recipient"] for frame in chunk]
            event = {
                "type": "notification.broadcast",
                "frame": {"type": "notification", "kind": kind, "text": text, "url": url,
                          "created": created},
                "members": _pack(members),
                "ids": _pack([frame["id"] for frame in chunk]),
                "unread": _pack([unread[member_id] for member_id in members]),
            }  # fmt: skip
            messages.append((BROADCAST_GROUP, event))
    return messages


def _pack(numbers: list[int]) -> bytes:
    packed = array.array("q", numbers)
    if sys.byteorder == "big":
        packed.byteswap()
    return packed.tobytes()


def _unpack(packed: bytes) -> Sequence[int]:
    if sys.byteorder == "big":
        numbers = array.array("q", packed)
        numbers.byteswap()
        return numbers
    # A view, not a copy: every socket of the process reads the same bytes.
    return memoryview(packed).cast("q")


def broadcast_frame(event: dict[str, Any], member_id: int) -> dict[str, Any] | None:
    """The frame of a ``notification.broadcast`` event meant for ``member_id``, if any."""
    members = _unpack(event["members"])
    index = bisect.bisect_left(members, member_id)
    if index == len(members) or members[index] != member_id:
        return None
    common = event["frame"]
    return {
        "type": "notification",
        "id": _unpack(event["ids"])[index],
        "kind": common["kind"],
        "text": common["text"],
        "url": common["url"],
        "created": common["created"],
        "unread": _unpack(event["unread"])[index],
    }


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


class _PushLoop:
    """One event loop, in a daemon thread, for the pushes of a process's sync code.

    ``async_to_sync`` outside an event loop runs each call on a new loop, and
    the Redis layer keeps its connection pools per loop: every push paid for
    new connections (measured: 120 ms to push a reply to 20 followers, most of
    it connecting). On this loop the pool stays open between pushes.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._pid = 0

    def run(self, function: Callable[[], Awaitable[None]]) -> None:
        with self._lock:
            # A forked worker (gunicorn --preload) has the loop but not its thread.
            if self._loop is None or self._pid != os.getpid():
                self._loop = asyncio.new_event_loop()
                self._pid = os.getpid()
                threading.Thread(
                    target=self._loop.run_forever, name="notification-push", daemon=True
                ).start()
            loop = self._loop
        asyncio.run_coroutine_threadsafe(function(), loop).result()


_push_loop = _PushLoop()


def _run_push(layer: Any, function: Callable[[], Awaitable[None]]) -> None:
    if isinstance(layer, InMemoryChannelLayer):
        # Its queues belong to the loop the consumers run on: async_to_sync
        # finds that loop when called from a view under daphne or a test.
        async_to_sync(function)()
    else:
        _push_loop.run(function)


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

    _run_push(layer, send_all)


# --- Reading ---------------------------------------------------------------------


def catch_up(*, member_id: int, after: int) -> list[dict[str, Any]]:
    """Frames for everything newer than ``after`` (the newest CATCH_UP_LIMIT)."""
    rows = list(
        Notification.objects.filter(recipient_id=member_id, id__gt=after).order_by("-id")[
            :CATCH_UP_LIMIT
        ]
    )
    if not rows:
        # The usual reconnect: nothing missed, and no count to send.
        return []
    unread = unread_counts([member_id])[member_id]
    list_url = reverse("notifications:list")
    frames = []
    for notification in reversed(rows):
        frame = _frame(notification, list_url)
        frame.pop("recipient")
        frame["unread"] = unread
        frames.append(frame)
    return frames


def mark_read(*, member: Member, ids: Iterable[int] | None = None) -> list[int]:
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


# --- Removed content -----------------------------------------------------------


def forget_notifications_about(*, model: type[Model], ids: Iterable[int] | QuerySet) -> int:
    """Delete every notification about these objects, and the email not yet sent of them.

    Each app calls this wherever it removes content (deleted by its author or
    a moderator, hidden by a moderator, removed with an account): a
    notification quotes the content's title and links to it, and it lives in
    other members' inboxes, sockets, digests and data exports. Deleted, not
    rewritten: nothing is left that points to what is gone. Open sockets are
    told, as for a read, so that badges and lists drop them. Returns how many.
    """
    about = Notification.objects.filter(about_type=ContentType.objects.get_for_model(model))
    if isinstance(ids, QuerySet):
        about = about.filter(about_id__in=ids)
    else:
        ids = list(ids)
        if not ids:
            return 0
        about = about.filter(_among(Notification, "about_id", ids))
    with transaction.atomic():
        gone = list(about.values_list("pk", "recipient_id"))
        if not gone:
            return 0
        by_member: dict[int, list[int]] = {}
        for pk, member_id in gone:
            by_member.setdefault(member_id, []).append(pk)
        for start in range(0, len(gone), 1000):
            # Cascades to their outbox rows (OutboxEmail.notification).
            Notification.objects.filter(
                pk__in=[pk for pk, _ in gone[start : start + 1000]]
            ).delete()

        def push() -> None:
            try:
                unread = unread_counts(list(by_member))
                _send_to_groups(
                    [
                        (
                            member_group(member_id),
                            {
                                "type": "notification.read",
                                "frame": {"type": "read", "ids": pks, "unread": unread[member_id]},
                            },
                        )
                        for member_id, pks in by_member.items()
                    ]
                )
            except Exception:
                logger.exception("push after removing %d notifications failed", len(gone))

        transaction.on_commit(push)
    return len(gone)


# --- Announcements and follows ---------------------------------------------------


def announce(*, actor: Member | None, text: str, to: Member | None = None) -> int:
    """A moderator announcement to one member or to every member. Returns how many."""
    if to is not None:
        recipients: Iterable[int] = [to.pk]
    else:
        recipients = get_user_model().objects.approved().values_list("pk", flat=True)
    with transaction.atomic():
        created = notify(
            recipients, kind=NotificationKind.ANNOUNCEMENT, actor=actor, text=text, url=""
        )
    return len(created)


def set_deliveries(*, member: Member, deliveries: dict[str, str]) -> None:
    """Save a member's choice of delivery for each of these kinds (all registered)."""
    for kind in deliveries:
        kinds.get(kind)
    with transaction.atomic():
        for kind, delivery in deliveries.items():
            NotificationPreference.objects.update_or_create(
                member=member, kind=kind, defaults={"delivery": delivery}
            )


# A member hears that someone started following them at most once a day per
# follower: following and unfollowing in a loop must not flood their inbox.
NEW_FOLLOWER_QUIET = timedelta(days=1)


def follow(*, follower: Member, target: Model) -> bool:
    """Start following; True when this is new. Following a member notifies them.

    The notification is not repeated for the same follower within
    ``NEW_FOLLOWER_QUIET``; the rule reads the notifications table, so it holds
    across processes and restarts (the follows limit in network.ratelimit
    slows the loop itself).
    """
    content_type = ContentType.objects.get_for_model(target)
    with transaction.atomic():
        _, created = Follow.objects.get_or_create(
            follower=follower, content_type=content_type, object_id=target.pk
        )
        if (
            created
            and isinstance(target, get_user_model())
            and not _told_of_follower(target, follower)
        ):
            notify(
                [target],
                kind=NotificationKind.NEW_FOLLOWER,
                actor=follower,
                text=f"{follower.name} started following you",
                url=reverse("members:profile", args=[follower.handle]),
            )
    return created


def _told_of_follower(member: Member, follower: Member) -> bool:
    return Notification.objects.filter(
        recipient=member,
        kind=NotificationKind.NEW_FOLLOWER,
        actor=follower,
        created_at__gt=timezone.now() - NEW_FOLLOWER_QUIET,
    ).exists()


def unfollow(*, follower: Member, target: Model) -> None:
    Follow.objects.filter(
        follower=follower,
        content_type=ContentType.objects.get_for_model(target),
        object_id=target.pk,
    ).delete()


def move_follows(*, source: Model, target: Model) -> None:
    """Followers of ``source`` follow ``target`` instead (two topics merged); a member
    who followed both keeps one follow."""
    content_type = ContentType.objects.get_for_model(source)
    with transaction.atomic():
        following = set(
            Follow.objects.filter(content_type=content_type, object_id=target.pk).values_list(
                "follower_id", flat=True
            )
        )
        follows = Follow.objects.filter(content_type=content_type, object_id=source.pk)
        follows.filter(follower_id__in=following).delete()
        follows.update(object_id=target.pk)


def close_sockets_of_member(*, member_id: int) -> None:
    """After a ban or a password change: every open socket of the member closes."""
    transaction.on_commit(lambda: push_to_member(member_id, {"type": "session.end"}))


def close_sockets_of_session(*, session_key: str) -> None:
    """After a logout: the sockets opened with that session close."""
    transaction.on_commit(lambda: push_to_session(session_key, {"type": "session.end"}))


# --- Purge -------------------------------------------------------------------------


def redact_notifications(
    *, phrases: list[str], placeholder: str, url_prefix: str, slugged: re.Pattern[str]
) -> int:
    """Notifications that quote purged words (a title) get the placeholder instead,
    and links to the object lose the slug made of them (members.privacy.scrub_purged_text).
    What the socket already showed in an open page is beyond reach; the page,
    the catch-up and the export read these rows."""
    quoting = Q(url__startswith=url_prefix)
    for phrase in phrases:
        quoting |= Q(text__contains=phrase)
    changed = []
    for notification in Notification.objects.filter(quoting).only("pk", "text", "url"):
        text = notification.text
        for phrase in phrases:
            text = text.replace(phrase, placeholder)
        url = slugged.sub(url_prefix, notification.url)
        if (text, url) != (notification.text, notification.url):
            notification.text, notification.url = text[:300], url
            changed.append(notification)
    Notification.objects.bulk_update(changed, ["text", "url"], batch_size=500)
    return len(changed)
