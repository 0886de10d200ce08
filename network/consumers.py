"""A minimal WebSocket endpoint for health checks and the socket test harness.

`/ws/ping/` accepts signed-in members only, answers {"type": "pong"} to
{"type": "ping"} and ignores anything else; load balancers and the test suite
use it to prove that the WebSocket path, Origin check and session
authentication work end to end.
"""

from __future__ import annotations

import json

from channels.generic.websocket import AsyncWebsocketConsumer

from members.consumers import read_frame


class PingConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        await self.accept()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        message = read_frame(text_data)
        if message is not None and message.get("type") == "ping":
            await self.send(text_data=json.dumps({"type": "pong"}))
