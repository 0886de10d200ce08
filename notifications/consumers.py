"""The notification socket: /ws/notifications/?after=<last id seen>.

On connect the member's socket joins its member and session groups, then
receives every notification newer than ``after``, then live frames. Frames
from the client are small JSON objects; anything else is ignored.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.contrib.auth.base_user import AbstractBaseUser

from notifications.services import (
    BROADCAST_GROUP,
    broadcast_frame,
    catch_up,
    member_group,
    session_group,
    with_retry,
)

logger = logging.getLogger(__name__)

MAX_FRAME_BYTES = 4096
CLOSE_UNAUTHENTICATED = 4401
CLOSE_NOT_A_MEMBER = 4403
CLOSE_SESSION_ENDED = 4000


def read_frame(text_data: str | None) -> dict | None:
    """A client frame as a dict, or None for anything malformed, binary or oversized."""
    if text_data is None or len(text_data) > MAX_FRAME_BYTES:
        return None
    try:
        message = json.loads(text_data)
    except ValueError:
        return None
    return message if isinstance(message, dict) else None


# Every RELAY_REJOIN_SECONDS the relay renews its place in the broadcast group:
# the Redis layer drops group entries older than its group_expiry, and a Redis
# restarted without persistence has forgotten every group.
RELAY_REJOIN_SECONDS = 30.0


class BroadcastRelay:
    """The one member of the broadcast group in this process, for all its sockets.

    A notification to many members (an announcement, a new thread in a busy
    topic) is one ``notification.broadcast`` event. When every socket joined
    the broadcast group itself, the Redis layer stored the event once per
    socket and the process popped it once per socket: 2,000 sockets, 2,000
    copies and 2,000 round trips, about a second (issue 7). The relay joins
    the group once per process, receives each event once, and hands every
    local socket of a member in the event its own frame.
    """

    def __init__(self) -> None:
        self._sockets: dict[int, set[NotificationConsumer]] = {}
        self._task: asyncio.Task | None = None
        self._joined: asyncio.Future | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._layer = None

    async def add(self, consumer: NotificationConsumer) -> None:
        """Register a socket; returns once the relay is in the group (raises if it cannot be)."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop or self._layer is not consumer.channel_layer:
            # A new event loop or layer (tests, a reloaded server): start afresh.
            self._stop()
            self._sockets = {}
            self._loop, self._layer = loop, consumer.channel_layer
        self._sockets.setdefault(consumer.member_id, set()).add(consumer)
        if self._task is None or self._task.done():
            self._joined = loop.create_future()
            self._task = loop.create_task(self._run(self._layer, self._joined))
        joined = self._joined
        try:
            await asyncio.shield(joined)
        except BaseException:
            self.discard(consumer)
            raise

    def discard(self, consumer: NotificationConsumer) -> None:
        sockets = self._sockets.get(getattr(consumer, "member_id", None))
        if sockets is not None:
            sockets.discard(consumer)
            if not sockets:
                del self._sockets[consumer.member_id]
        if not self._sockets:
            self._stop()

    def _stop(self) -> None:
        if self._joined is not None and not self._joined.done():
            self._joined.cancel()
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self._task = None

    async def _run(self, layer, joined: asyncio.Future) -> None:
        try:
            channel = await layer.new_channel()
            await with_retry(lambda: layer.group_add(BROADCAST_GROUP, channel))
        except Exception as error:
            if not joined.done():
                joined.set_exception(error)
            return
        if not joined.done():
            joined.set_result(None)
        keeper = asyncio.get_running_loop().create_task(self._keep_joined(layer, channel))
        try:
            while True:
                try:
                    message = await layer.receive(channel)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    logger.exception("broadcast relay: receive failed; sockets catch up")
                    await asyncio.sleep(1)
                    continue
                if message.get("type") == "notification.broadcast":
                    await self._deliver(message)
        finally:
            keeper.cancel()
            with contextlib.suppress(Exception):
                await asyncio.shield(layer.group_discard(BROADCAST_GROUP, channel))

    async def _keep_joined(self, layer, channel: str) -> None:
        while True:
            await asyncio.sleep(RELAY_REJOIN_SECONDS)
            try:
                await with_retry(lambda: layer.group_add(BROADCAST_GROUP, channel))
            except Exception:
                logger.warning("broadcast relay: could not renew its group; retrying")

    async def _deliver(self, event: dict) -> None:
        sends = []
        for member_id, sockets in list(self._sockets.items()):
            frame = broadcast_frame(event, member_id)
            if frame is None:
                continue
            text = json.dumps(frame)
            sends.extend(socket.send(text_data=text) for socket in list(sockets))
        results = await asyncio.gather(*sends, return_exceptions=True)
        failed = [r for r in results if isinstance(r, Exception)]
        if failed:
            logger.warning("broadcast relay: %d of %d sends failed", len(failed), len(sends))


relay = BroadcastRelay()


class MemberSocket(AsyncWebsocketConsumer):
    """A socket for approved members only, closed when their session ends.

    Every socket of the site is one of these: anonymous handshakes are
    accepted and closed at once with 4401, pending and banned members' with
    4403 (so the browser sees the code; see ``refuse``), and an open socket joins the
    member's group and its session's group, so a ban or a password change
    (``close_sockets_of_member``) and a logout (``close_sockets_of_session``)
    close it with 4000. A small ``{"type": "ping"}`` is answered with a pong;
    other client frames are ignored.
    """

    groups_joined: list[str]

    async def connect(self) -> None:
        self.groups_joined = []
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.refuse(CLOSE_UNAUTHENTICATED)
            return
        if not user.is_member:
            await self.refuse(CLOSE_NOT_A_MEMBER)
            return
        self.member_id = user.pk
        await self.open(user)

    async def refuse(self, code: int) -> None:
        """Accept the handshake, then close with ``code``.

        A socket closed before it is accepted becomes an HTTP 403 at the
        handshake, and a browser then sees only code 1006: live.js could not
        tell "signed out" from "server down" and would keep reconnecting.
        Accepted first, the close code reaches the page, which stops.
        """
        await self.accept()
        await self.close(code=code)

    async def open(self, user: AbstractBaseUser) -> None:
        """Join the member's groups and accept; subclasses add what they send first."""
        await self.join_groups()
        await self.accept()

    async def join_groups(self, *also: Awaitable[None]) -> None:
        """Join the member and session groups, at once with ``also``; raises if any fails.

        The joins run at once: each is two Redis round trips, and a burst of
        reconnects waits on them. If Redis is down the socket is refused; the
        client retries with backoff.
        """
        groups = [member_group(self.member_id)]
        session = self.scope.get("session")
        if session is not None and session.session_key:
            groups.append(session_group(session.session_key))
        results = await asyncio.gather(
            *(self._join(group) for group in groups), *also, return_exceptions=True
        )
        self.groups_joined = [g for g, r in zip(groups, results, strict=False) if r is None]
        for result in results:
            if isinstance(result, BaseException):
                raise result

    async def _join(self, group: str) -> None:
        await with_retry(lambda: self.channel_layer.group_add(group, self.channel_name))

    async def disconnect(self, code: int) -> None:
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        message = read_frame(text_data)
        if message is not None and message.get("type") == "ping":
            await self.send(text_data=json.dumps({"type": "pong"}))

    async def session_end(self, event: dict) -> None:
        await self.close(code=CLOSE_SESSION_ENDED)


class NotificationConsumer(MemberSocket):
    relayed = False

    async def open(self, user: AbstractBaseUser) -> None:
        # Join before reading the catch-up, so nothing falls between the two;
        # the client drops the duplicates by id.
        await self.join_groups(self._join_relay())
        await self.accept()
        for frame in await database_sync_to_async(catch_up)(member_id=user.pk, after=self._after()):
            await self.send(text_data=json.dumps(frame))

    async def _join_relay(self) -> None:
        await relay.add(self)
        self.relayed = True

    async def dispatch(self, message: dict) -> None:
        # channels' dispatch first runs close_old_connections() in the one
        # thread for sync code: a thread hop per message per socket, one after
        # another. An announcement to 2,000 sockets spent seconds queueing
        # there (py-spy: aclose_old_connections, run_in_executor). No handler
        # here touches the database except through database_sync_to_async,
        # which closes stale connections itself.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    def _after(self) -> int:
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        try:
            return max(0, int(query.get("after", ["0"])[0]))
        except ValueError:
            return 0

    async def disconnect(self, code: int) -> None:
        if self.relayed:
            relay.discard(self)
        await super().disconnect(code)

    async def notification_push(self, event: dict) -> None:
        await self.send(text_data=json.dumps(event["frame"]))

    async def notification_read(self, event: dict) -> None:
        await self.send(text_data=json.dumps(event["frame"]))
