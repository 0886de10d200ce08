"""The ASGI application: HTTP and WebSocket routing, Origin check, session auth, Redis layer."""

from __future__ import annotations

import asyncio
import os

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import HttpCommunicator, WebsocketCommunicator
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from members.models import Status
from network.asgi import application
from notifications.consumers import CLOSE_SESSION_ENDED
from notifications.services import close_sockets_of_member, close_sockets_of_session
from tests.sockets import handshake

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@database_sync_to_async
def session_cookie_for(user) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def socket(
    path: str, *, origin: str = "http://localhost", cookie: str = ""
) -> WebsocketCommunicator:
    headers = [(b"origin", origin.encode()), (b"host", b"localhost")]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    return WebsocketCommunicator(application, path, headers=headers)


async def test_http_requests_reach_django_through_the_asgi_application() -> None:
    communicator = HttpCommunicator(
        application, "GET", "/healthz", headers=[(b"host", b"localhost")]
    )
    response = await communicator.get_response()
    assert response["status"] == 200
    assert response["body"] == b'{"status": "ok"}'


async def test_signed_in_member_gets_a_socket(member) -> None:
    communicator = socket("/ws/ping/", cookie=await session_cookie_for(member))
    connected, _ = await communicator.connect()
    assert connected
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from() == {"type": "pong"}
    await communicator.disconnect()


async def test_anonymous_visitor_is_refused_a_socket() -> None:
    communicator = socket("/ws/ping/")
    assert await handshake(communicator) == (False, 4401)


async def test_socket_from_a_foreign_origin_is_refused(member) -> None:
    communicator = socket(
        "/ws/ping/", origin="https://evil.example", cookie=await session_cookie_for(member)
    )
    connected, _ = await communicator.connect()
    assert not connected


async def test_pending_and_banned_members_are_refused_a_ping_socket(make_user) -> None:
    pending = await database_sync_to_async(make_user)(status=Status.PENDING)
    communicator = socket("/ws/ping/", cookie=await session_cookie_for(pending))
    assert await handshake(communicator) == (False, 4403)

    # A banned account is inactive too: its session no longer authenticates.
    banned = await database_sync_to_async(make_user)(is_banned=True, is_active=False)
    communicator = socket("/ws/ping/", cookie=await session_cookie_for(banned))
    assert await handshake(communicator) == (False, 4401)


async def test_a_ban_or_password_change_closes_the_members_ping_sockets(member) -> None:
    first = socket("/ws/ping/", cookie=await session_cookie_for(member))
    second = socket("/ws/ping/", cookie=await session_cookie_for(member))
    assert (await first.connect())[0] and (await second.connect())[0]
    # What member_ban and a password change call (tests/members/test_socket.py).
    await database_sync_to_async(close_sockets_of_member)(member_id=member.pk)
    for communicator in [first, second]:
        assert (await communicator.receive_output(timeout=2))["code"] == CLOSE_SESSION_ENDED


async def test_logging_out_closes_the_ping_sockets_of_that_session(member) -> None:
    cookie = await session_cookie_for(member)
    this_browser = socket("/ws/ping/", cookie=cookie)
    other_browser = socket("/ws/ping/", cookie=await session_cookie_for(member))
    assert (await this_browser.connect())[0] and (await other_browser.connect())[0]
    session_key = cookie.partition("=")[2]
    await database_sync_to_async(close_sockets_of_session)(session_key=session_key)
    assert (await this_browser.receive_output(timeout=2))["code"] == CLOSE_SESSION_ENDED
    assert await other_browser.receive_nothing(timeout=0.2)
    await other_browser.disconnect()


async def test_malformed_and_oversized_frames_are_ignored(member) -> None:
    communicator = socket("/ws/ping/", cookie=await session_cookie_for(member))
    await communicator.connect()
    for frame in ["not json", "[1, 2]", '{"type": "unknown"}', '{"type": "ping"}' + " " * 5000]:
        await communicator.send_to(text_data=frame)
    await communicator.send_to(bytes_data=b"\x00\x01")
    assert await communicator.receive_nothing(timeout=0.2)
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from() == {"type": "pong"}
    await communicator.disconnect()


def redis_layer(redis_url: str):
    from channels_redis.core import RedisChannelLayer

    config = dict(settings.CHANNEL_LAYERS["default"]["CONFIG"])
    config["prefix"] = f"test-{os.getpid()}"
    return RedisChannelLayer(**config)


@pytest.mark.redis
async def test_redis_layer_is_configured_when_redis_url_is_set(redis_url: str) -> None:
    layer = get_channel_layer()
    assert type(layer).__name__ == "RedisChannelLayer"


@pytest.mark.redis
async def test_an_idle_receiver_still_gets_messages_after_six_seconds(redis_url: str) -> None:
    """redis-py 8's default 5 s socket timeout would kill the layer's blocking read."""
    sender, receiver = redis_layer(redis_url), redis_layer(redis_url)
    channel = await receiver.new_channel()
    pending = asyncio.ensure_future(receiver.receive(channel))
    await asyncio.sleep(6.5)
    assert not pending.done(), "the blocking read ended while idle"
    await sender.send(channel, {"type": "hello"})
    message = await asyncio.wait_for(pending, timeout=5)
    assert message == {"type": "hello"}
    await sender.close_pools()
    await receiver.close_pools()


@pytest.mark.redis
async def test_group_messages_cross_between_separate_layer_instances(redis_url: str) -> None:
    """Two layer instances stand for two web processes sharing one Redis."""
    process_a, process_b = redis_layer(redis_url), redis_layer(redis_url)
    channels = [await process_b.new_channel() for _ in range(3)]
    for channel in channels:
        await process_b.group_add("user.42", channel)
    await process_a.group_send("user.42", {"type": "notification", "id": 1})
    received = await asyncio.gather(*(process_b.receive(c) for c in channels))
    assert received == [{"type": "notification", "id": 1}] * 3
    await process_a.close_pools()
    await process_b.close_pools()


@pytest.mark.redis
async def test_a_burst_of_connections_is_not_capped_at_redis_pys_default_pool(
    redis_url: str,
) -> None:
    layer = redis_layer(redis_url)
    channels = [f"{await layer.new_channel()}{n}" for n in range(300)]
    # Concurrent group_add calls each hold a pooled connection; with redis-py's
    # default max_connections=100 this fails with "Too many connections".
    await asyncio.gather(*(layer.group_add("burst", channel) for channel in channels))
    await layer.flush()
    await layer.close_pools()
