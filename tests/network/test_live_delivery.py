"""Live notifications across processes, against the real PostgreSQL and Redis.

The web processes here are real daphne processes sharing the test database
and a Redis server; the test process plays a third web process (its notify()
publishes through Redis) and a member's browser (a websockets client).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import pytest
from django.conf import settings
from django.test import Client
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from members.models import User
from notifications import services as notifications
from notifications.notification_kinds import NotificationKind
from notifications.services import notify
from tests.conftest import sign_in
from tests.servers import REPO_ROOT, PrivateRedis, server_env, start_daphne, stop

pytestmark = [pytest.mark.postgresql, pytest.mark.redis]


def session_cookie(member: User) -> str:
    client = Client()
    sign_in(client, member)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def open_socket(port: int, cookie: str, after: int = 0) -> ClientConnection:
    return connect(
        f"ws://127.0.0.1:{port}/ws/notifications/?after={after}",
        origin=f"http://127.0.0.1:{port}",
        additional_headers={"Cookie": cookie},
        open_timeout=30,  # generous on a loaded machine: waiting, not a speed limit
    )


def catch_up(socket: ClientConnection) -> list[dict]:
    """The catch-up frames sent on connect. The server handles frames in order,
    so the answer to a ping comes after the last of them."""
    socket.send(json.dumps({"type": "ping"}))
    received = []
    while (frame := json.loads(socket.recv(timeout=30))) != {"type": "pong"}:
        received.append(frame)
    return received


def frames(socket: ClientConnection, count: int, timeout: float = 5) -> list[dict]:
    """The next ``count`` frames; fails if they do not arrive within ``timeout``."""
    received, deadline = [], time.monotonic() + timeout
    while len(received) < count:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"received {received}, expected {count} frames"
        received.append(json.loads(socket.recv(timeout=remaining)))
    return received


def nothing_more(socket: ClientConnection, wait: float = 0.5) -> bool:
    try:
        socket.recv(timeout=wait)
    except TimeoutError:
        return True
    return False


def announce(text: str) -> None:
    notify(
        User.objects.filter(is_active=True),
        kind=NotificationKind.ANNOUNCEMENT,
        actor=None,
        text=text,
    )


@pytest.fixture
def web_processes(
    require_postgresql, redis_url: str, transactional_db
) -> Iterator[Callable[[int], list[int]]]:
    """Start n daphne processes on the test database and the CI Redis; their ports."""
    started = []

    def start(count: int, redis: str = redis_url) -> list[int]:
        ports = []
        for _ in range(count):
            process, port = start_daphne(server_env(REDIS_URL=redis))
            started.append(process)
            ports.append(port)
        return ports

    yield start
    for process in started:
        stop(process)


def test_notification_written_in_one_process_reaches_sockets_on_two_others(
    web_processes, make_user
) -> None:
    first, second = web_processes(2)
    member = make_user()
    cookie = session_cookie(member)
    with open_socket(first, cookie) as on_first, open_socket(second, cookie) as on_second:
        assert catch_up(on_first) == catch_up(on_second) == []
        notification = notify([member], kind=NotificationKind.ANNOUNCEMENT, actor=None, text="Hi")[
            0
        ]
        for socket in (on_first, on_second):
            [frame] = frames(socket, 1)
            assert frame["id"] == notification.pk
            assert frame["text"] == "Hi"
            assert frame["unread"] == 1


def test_a_notification_to_many_members_reaches_each_one_on_any_process(
    web_processes, make_user, monkeypatch
) -> None:
    # Past BROADCAST_MIN_RECIPIENTS one message per process carries every
    # recipient's frame (through Redis, as bytes); each socket sends its own.
    monkeypatch.setattr(notifications, "BROADCAST_MIN_RECIPIENTS", 2)
    first, second = web_processes(2)
    members = [make_user(), make_user(), make_user()]
    with (
        open_socket(first, session_cookie(members[0])) as socket_a,
        open_socket(second, session_cookie(members[1])) as socket_b,
        open_socket(first, session_cookie(members[2])) as bystander,
    ):
        assert catch_up(socket_a) == catch_up(socket_b) == catch_up(bystander) == []
        created = notify(members[:2], kind=NotificationKind.ANNOUNCEMENT, actor=None, text="All")
        for socket, notification in zip((socket_a, socket_b), created, strict=True):
            [frame] = frames(socket, 1)
            assert (frame["id"], frame["text"], frame["unread"]) == (notification.pk, "All", 1)
            assert nothing_more(socket, wait=0.2)
        assert nothing_more(bystander)


def test_announce_from_a_shell_reaches_every_web_process(
    web_processes, make_user, redis_url: str
) -> None:
    first, second = web_processes(2)
    members = [make_user(), make_user()]
    with (
        open_socket(first, session_cookie(members[0])) as socket_a,
        open_socket(second, session_cookie(members[1])) as socket_b,
    ):
        assert catch_up(socket_a) == catch_up(socket_b) == []
        subprocess.run(
            [sys.executable, "manage.py", "announce", "Server maintenance at 22:00 UTC"],
            cwd=REPO_ROOT,
            env=server_env(REDIS_URL=redis_url),
            check=True,
            capture_output=True,
            timeout=60,
        )
        for socket in (socket_a, socket_b):
            [frame] = frames(socket, 1)
            assert frame["kind"] == NotificationKind.ANNOUNCEMENT
            assert frame["text"] == "Server maintenance at 22:00 UTC"


def test_a_socket_idle_for_longer_than_redis_timeouts_still_receives(
    web_processes, make_user
) -> None:
    # redis-py's default 5 s socket timeout once killed the layer's blocking
    # read on idle sockets (see settings.CHANNEL_LAYERS).
    [port] = web_processes(1)
    member = make_user()
    with open_socket(port, session_cookie(member)) as socket:
        assert catch_up(socket) == []
        assert nothing_more(socket, wait=7)
        announce("After a quiet spell")
        [frame] = frames(socket, 1)
        assert frame["text"] == "After a quiet spell"


def test_after_redis_restarts_the_client_reconnects_and_misses_nothing(
    web_processes, make_user, settings, tmp_path, caplog
) -> None:
    redis = PrivateRedis(tmp_path)
    redis.start()
    layer = settings.CHANNEL_LAYERS["default"]
    host = {**layer["CONFIG"]["hosts"][0], "address": redis.url}
    settings.CHANNEL_LAYERS = {"default": {**layer, "CONFIG": {**layer["CONFIG"], "hosts": [host]}}}
    try:
        [port] = web_processes(1, redis=redis.url)
        member = make_user()
        cookie = session_cookie(member)
        with open_socket(port, cookie) as socket:
            assert catch_up(socket) == []
            announce("Before the restart")
            [before] = frames(socket, 1)
            redis.stop()
            # The server notices that its layer is gone and closes the socket.
            with pytest.raises(ConnectionClosed):
                frames(socket, 1, timeout=10)

        # A write meanwhile succeeds; only its push is lost (and logged).
        during = notify(
            [member], kind=NotificationKind.ANNOUNCEMENT, actor=None, text="During the outage"
        )[0]
        assert "1 of 1 pushes failed" in caplog.text
        # While Redis is down the server refuses new sockets rather than
        # accepting one that could never receive.
        with pytest.raises(InvalidStatus):
            open_socket(port, cookie, after=before["id"])

        redis.start()
        # The first attempt after the restart succeeds (stale pooled
        # connections are retried) and catches up on what was missed.
        with open_socket(port, cookie, after=before["id"]) as socket:
            [caught_up] = catch_up(socket)
            assert caught_up["id"] == during.pk
            assert caught_up["unread"] == 2
            announce("After the restart")
            [after] = frames(socket, 1)
            assert after["text"] == "After the restart"
            assert after["unread"] == 3
    finally:
        redis.stop()
