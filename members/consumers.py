"""The notification socket: /ws/notifications/?after=<last id seen>.

On connect the member's socket joins its member and session groups, then
receives every notification newer than ``after``, then live frames. Frames
from the client are small JSON objects; anything else is ignored.
"""

from __future__ import annotations

import json
import logging
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from members.notifications import catch_up, member_group, session_group, with_retry

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
        groups = [member_group(user.pk)]
        session = self.scope.get("session")
        if session is not None and session.session_key:
            groups.append(session_group(session.session_key))
        # Join before reading the catch-up, so nothing falls between the two;
        # the client drops the duplicates by id.
        for group in groups:
            await self._join(group)
            self.groups_joined.append(group)
        await self.accept()
        for frame in await database_sync_to_async(catch_up)(user.pk, self._after()):
            await self.send(text_data=json.dumps(frame))

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

    async def notification_read(self, event: dict) -> None:
        await self.send(text_data=json.dumps(event["frame"]))

    async def session_end(self, event: dict) -> None:
        await self.close(code=CLOSE_SESSION_ENDED)
