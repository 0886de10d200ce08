"""The notification socket, through the real ASGI application (Origin check, session auth)."""

from __future__ import annotations

import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from members.models import Status
from network.asgi import application
from notifications import services as notifications
from notifications.services import close_sockets_of_member, close_sockets_of_session, notify
from tests.sockets import handshake

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@database_sync_to_async
def session_for(user) -> SessionStore:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return session


async def open_socket(
    user=None, *, after: int = 0, origin: str = "http://localhost", connect: bool = True
):
    headers = [(b"origin", origin.encode()), (b"host", b"localhost")]
    session = None
    if user is not None:
        session = await session_for(user)
        headers.append(
            (b"cookie", f"{settings.SESSION_COOKIE_NAME}={session.session_key}".encode())
        )
    communicator = WebsocketCommunicator(
        application, f"/ws/notifications/?after={after}", headers=headers
    )
    if not connect:
        return communicator, None, None, session
    connected, code = await communicator.connect()
    return communicator, connected, code, session


async def test_a_member_gets_what_they_missed_then_live_frames(member) -> None:
    send = database_sync_to_async(notify)
    first = (await send([member], kind="announcement", actor=None, text="one"))[0]
    second = (await send([member], kind="announcement", actor=None, text="two"))[0]
    third = (await send([member], kind="announcement", actor=None, text="three"))[0]

    socket, connected, _, _ = await open_socket(member, after=first.pk)
    assert connected
    caught_up = [await socket.receive_json_from(), await socket.receive_json_from()]
    assert [frame["id"] for frame in caught_up] == [second.pk, third.pk]
    assert caught_up[-1]["unread"] == 3

    live = (await send([member], kind="announcement", actor=None, text="four"))[0]
    frame = await socket.receive_json_from(timeout=2)
    assert frame["id"] == live.pk and frame["text"] == "four" and frame["unread"] == 4
    assert set(frame) == {"type", "id", "kind", "text", "url", "created", "unread"}
    await socket.disconnect()


async def test_anonymous_pending_banned_and_foreign_origins_are_refused(make_user) -> None:
    socket, _, _, _ = await open_socket(None, connect=False)
    assert await handshake(socket) == (False, 4401)

    pending = await database_sync_to_async(make_user)(status=Status.PENDING)
    socket, _, _, _ = await open_socket(pending, connect=False)
    assert await handshake(socket) == (False, 4403)

    banned = await database_sync_to_async(make_user)(is_banned=True, is_active=False)
    socket, _, _, _ = await open_socket(banned, connect=False)
    assert await handshake(socket) == (False, 4401)

    member = await database_sync_to_async(make_user)()
    _, connected, _, _ = await open_socket(member, origin="https://evil.example")
    assert not connected


async def test_malformed_unknown_and_oversized_frames_are_ignored(member) -> None:
    socket, connected, _, _ = await open_socket(member)
    assert connected
    for frame in ["{", "null", "[]", '{"type": "delete_everything"}', "x" * 10_000]:
        await socket.send_to(text_data=frame)
    await socket.send_to(bytes_data=b"\xff\xfe")
    assert await socket.receive_nothing(timeout=0.2)
    await socket.send_json_to({"type": "ping"})
    assert await socket.receive_json_from() == {"type": "pong"}
    await socket.disconnect()


async def test_logging_out_closes_the_sockets_of_that_session_only(member) -> None:
    this_browser, _, _, session = await open_socket(member)
    other_browser, _, _, _ = await open_socket(member)

    @database_sync_to_async
    def log_out() -> None:
        close_sockets_of_session(session_key=session.session_key)

    await log_out()
    assert (await this_browser.receive_output(timeout=2))["code"] == 4000
    assert await other_browser.receive_nothing(timeout=0.2)
    await other_browser.disconnect()


async def test_a_ban_or_password_change_closes_all_the_members_sockets(member) -> None:
    first, _, _, _ = await open_socket(member)
    second, _, _, _ = await open_socket(member)
    await database_sync_to_async(close_sockets_of_member)(member_id=member.pk)
    for socket in [first, second]:
        assert (await socket.receive_output(timeout=2))["code"] == 4000


async def test_a_notification_to_many_members_gives_each_socket_only_its_own_frame(
    make_user, monkeypatch
) -> None:
    # From BROADCAST_MIN_RECIPIENTS on, one event reaches every socket and
    # each socket picks out its member's frame.
    monkeypatch.setattr(notifications, "BROADCAST_MIN_RECIPIENTS", 2)
    first, second, bystander = [await database_sync_to_async(make_user)() for _ in range(3)]
    send = database_sync_to_async(notify)
    [earlier] = await send([second], kind="mention", actor=None, text="Unread before")
    sockets = {}
    for member, after in [(first, 0), (second, earlier.pk), (bystander, 0)]:
        sockets[member.pk], connected, _, _ = await open_socket(member, after=after)
        assert connected

    created = await send(
        [first, second], kind="announcement", actor=None, text="To many", url="/members/"
    )
    for notification, unread in zip(created, [1, 2], strict=True):
        socket = sockets[notification.recipient_id]
        assert await socket.receive_json_from(timeout=2) == {
            "type": "notification",
            "id": notification.pk,
            "kind": "announcement",
            "text": "To many",
            "url": "/members/",
            "created": notification.created_at.isoformat(),
            "unread": unread,
        }
    for socket in sockets.values():
        assert await socket.receive_nothing(timeout=0.2)
        await socket.disconnect()


async def broadcast_group_size() -> int:
    """How many channels the layer has in the broadcast group (in memory or in Redis)."""
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    if hasattr(layer, "groups"):
        return len(layer.groups.get(notifications.BROADCAST_GROUP, {}))
    key = layer._group_key(notifications.BROADCAST_GROUP)
    connection = layer.connection(layer.consistent_hash(notifications.BROADCAST_GROUP))
    return await connection.zcard(key)


async def forget_broadcast_group() -> None:
    """What a Redis restarted without persistence knows of the group: nothing."""
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    if hasattr(layer, "groups"):
        layer.groups.pop(notifications.BROADCAST_GROUP, None)
        return
    key = layer._group_key(notifications.BROADCAST_GROUP)
    connection = layer.connection(layer.consistent_hash(notifications.BROADCAST_GROUP))
    await connection.delete(key)


async def test_broadcasts_reach_every_socket_of_a_member_through_one_relay(
    make_user, monkeypatch
) -> None:
    """One member of the broadcast group per process, however many sockets it holds."""
    from notifications.consumers import relay

    monkeypatch.setattr(notifications, "BROADCAST_MIN_RECIPIENTS", 2)
    first, second = [await database_sync_to_async(make_user)() for _ in range(2)]
    phone, laptop, other = [(await open_socket(member))[0] for member in (first, first, second)]
    assert await broadcast_group_size() == 1

    created = await database_sync_to_async(notify)(
        [first, second], kind="announcement", actor=None, text="To all", url="/members/"
    )
    ids = {n.recipient_id: n.pk for n in created}
    for socket in (phone, laptop):
        frame = await socket.receive_json_from(timeout=2)
        assert (frame["id"], frame["text"]) == (ids[first.pk], "To all")
        assert await socket.receive_nothing(timeout=0.2)
    assert (await other.receive_json_from(timeout=2))["id"] == ids[second.pk]

    for socket in (phone, laptop, other):
        await socket.disconnect()
    # The last socket gone, the relay leaves the group.
    for _ in range(50):
        if not await broadcast_group_size():
            break
        await asyncio.sleep(0.02)
    assert await broadcast_group_size() == 0
    assert not relay._sockets


async def test_the_relay_renews_its_place_in_the_group(make_user, monkeypatch) -> None:
    """A Redis restarted without persistence forgets groups: the relay joins again."""
    from notifications import consumers

    monkeypatch.setattr(consumers, "RELAY_REJOIN_SECONDS", 0.1)
    monkeypatch.setattr(notifications, "BROADCAST_MIN_RECIPIENTS", 1)
    member = await database_sync_to_async(make_user)()
    socket, connected, _, _ = await open_socket(member)
    assert connected
    await forget_broadcast_group()
    assert await broadcast_group_size() == 0
    await asyncio.sleep(0.3)
    assert await broadcast_group_size() == 1
    [created] = await database_sync_to_async(notify)(
        [member], kind="announcement", actor=None, text="Still here"
    )
    assert (await socket.receive_json_from(timeout=2))["id"] == created.pk
    await socket.disconnect()


async def test_a_relay_that_cannot_join_refuses_the_socket_and_the_next_one_works(
    make_user, monkeypatch
) -> None:
    """Redis down when the first socket connects: refused (the client retries), never hung."""
    from channels.layers import get_channel_layer

    from notifications.consumers import relay

    member = await database_sync_to_async(make_user)()
    layer = get_channel_layer()
    real_group_add = layer.group_add

    async def redis_is_down(group, channel):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(layer, "group_add", redis_is_down)
    # The consumer raises: daphne closes that socket (1011) and the client retries.
    with pytest.raises(ConnectionError):
        await asyncio.wait_for(open_socket(member), timeout=10)
    assert not relay._sockets
    monkeypatch.setattr(layer, "group_add", real_group_add)
    socket, connected, _, _ = await asyncio.wait_for(open_socket(member), timeout=10)
    assert connected
    assert await broadcast_group_size() == 1
    await socket.disconnect()
