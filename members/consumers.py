"""The notification socket: /ws/notifications/?after=<last id seen>.

On connect the member's socket joins its member and session groups, then
receives every notification newer than ``after``, then live frames. Frames
from the client are small JSON objects; anything else is ignored.
"""

from __future__ import annotations

import asyncio
import json
import logging
from urllib.parse import parse_qs

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from members.notifications import (
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


class NotificationConsumer(AsyncWebsocketConsumer):
    groups_joined: list[str]

    async def connect(self) -> None:
        self.groups_joined = []
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        if not user.is_member:
            await self.close(code=CLOSE_NOT_A_MEMBER)
            return
        self.member_id = user.pk
        groups = [member_group(user.pk), BROADCAST_GROUP]
        session = self.scope.get("session")
        if session is not None and session.session_key:
            groups.append(session_group(session.session_key))
        # Join before reading the catch-up, so nothing falls between the two;
        # the client drops the duplicates by id. The joins run at once: each
        # is two Redis round trips, and a burst of reconnects waits on them.
        results = await asyncio.gather(
            *(self._join(group) for group in groups), return_exceptions=True
        )
        self.groups_joined = [g for g, r in zip(groups, results, strict=True) if r is None]
        for result in results:
            if isinstance(result, BaseException):
                raise result
        await self.accept()
        for frame in await database_sync_to_async(catch_up)(user.pk, self._after()):
            await self.send(text_data=json.dumps(frame))

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

    async def _join(self, group: str) -> None:
        # If Redis is down this raises and the socket is refused; the client
        # retries with backoff and catches up once it is back.
        await with_retry(lambda: self.channel_layer.group_add(group, self.channel_name))

    def _after(self) -> int:
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        try:
            return max(0, int(query.get("after", ["0"])[0]))
        except ValueError:
            return 0

    async def disconnect(self, code: int) -> None:
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        message = read_frame(text_data)
        if message is not None and message.get("type") == "ping":
            await self.send(text_data=json.dumps({"type": "pong"}))

    async def notification_push(self, event: dict) -> None:
        await self.send(text_data=json.dumps(event["frame"]))

    async def notification_broadcast(self, event: dict) -> None:
        # One event for many members, shared by every socket of this process:
        # read it, never change it.
        frame = broadcast_frame(event, self.member_id)
        if frame is not None:
            await self.send(text_data=json.dumps(frame))

    async def notification_read(self, event: dict) -> None:
        await self.send(text_data=json.dumps(event["frame"]))

    async def session_end(self, event: dict) -> None:
        await self.close(code=CLOSE_SESSION_ENDED)
