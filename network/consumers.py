"""A minimal WebSocket endpoint for health checks and the socket test harness.

`/ws/ping/` answers {"type": "pong"} to {"type": "ping"} and ignores anything
else; load balancers and the test suite use it to prove that the WebSocket
path, Origin check and session authentication work end to end. It admits and
closes exactly as the notification socket does (notifications.consumers.MemberSocket):
approved members only, closed on a ban, a password change or a logout.
"""

from __future__ import annotations

from notifications.consumers import MemberSocket


class PingConsumer(MemberSocket):
    pass
