"""A minimal WebSocket endpoint for health checks and the socket test harness.

`/ws/ping/` accepts signed-in members only, answers {"type": "pong"} to
{"type": "ping"} and ignores anything else; load balancers and the test suite
use it to prove that the WebSocket path, Origin check and session
authentication work end to end.
"""

from __future__ import annotations

import json

from channels.generic.websocket import AsyncWebsocketConsumer

MAX_FRAME_BYTES = 4096


class PingConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        await self.accept()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data is None or len(text_data) > MAX_FRAME_BYTES:
            return
        try:
            message = json.loads(text_data)
        except ValueError:
            return
        if isinstance(message, dict) and message.get("type") == "ping":
            await self.send(text_data=json.dumps({"type": "pong"}))
