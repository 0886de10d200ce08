"""The WebSocket Origin check compares scheme, host and port (network/origins.py)."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

from network.asgi import application

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


@database_sync_to_async
def cookie_for(user) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return f"{django_settings.SESSION_COOKIE_NAME}={session.session_key}"


async def opens(member, *, host: str, origin: str | None, **headers: str) -> bool:
    sent = [(b"host", host.encode()), (b"cookie", (await cookie_for(member)).encode())]
    if origin is not None:
        sent.append((b"origin", origin.encode()))
    sent += [(name.replace("_", "-").encode(), value.encode()) for name, value in headers.items()]
    communicator = WebsocketCommunicator(application, "/ws/ping/", headers=sent)
    connected, _ = await communicator.connect()
    if connected:
        await communicator.disconnect()
    return connected


@pytest.fixture
def site(settings):
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1", "network.example.org"]
    settings.SITE_URL = "http://127.0.0.1:8000"
    settings.CSRF_TRUSTED_ORIGINS = []
    return settings


async def test_the_pages_own_origin_opens_a_socket(member, site) -> None:
    assert await opens(member, host="localhost", origin="http://localhost")
    # A development server on another port: the host:port it serves.
    assert await opens(member, host="127.0.0.1:9000", origin="http://127.0.0.1:9000")
    assert await opens(member, host="localhost:8000", origin="http://LOCALHOST:8000")


async def test_an_origin_with_another_port_is_refused(member, site) -> None:
    assert not await opens(member, host="localhost", origin="http://localhost:8081")
    assert not await opens(member, host="localhost:8000", origin="http://localhost:8001")
    assert not await opens(member, host="localhost:8000", origin="http://localhost")


async def test_an_origin_with_another_scheme_is_refused(member, site) -> None:
    assert not await opens(member, host="localhost", origin="https://localhost")
    assert not await opens(member, host="127.0.0.1:8000", origin="https://127.0.0.1:8000")


async def test_foreign_missing_and_malformed_origins_are_refused(member, site) -> None:
    for origin in [None, "", "null", "https://evil.example", "http://localhost:99999", "file://"]:
        assert not await opens(member, host="localhost", origin=origin), origin
    # A host this site does not serve (DNS rebinding) is no origin of ours.
    assert not await opens(member, host="evil.example", origin="http://evil.example")


async def test_behind_a_proxy_the_origins_come_from_settings(member, site) -> None:
    # nginx passes $host (no port) and plain ws; the public origin is SITE_URL.
    site.SITE_URL = "https://network.example.org"
    assert await opens(member, host="network.example.org", origin="https://network.example.org")
    assert not await opens(
        member, host="network.example.org", origin="https://network.example.org:8443"
    )
    assert not await opens(member, host="network.example.org", origin="https://other.example.org")
    site.CSRF_TRUSTED_ORIGINS = ["https://www.example.org", "https://*.partner.example"]
    assert await opens(member, host="network.example.org", origin="https://www.example.org")
    assert await opens(member, host="network.example.org", origin="https://chat.partner.example")
    assert not await opens(member, host="network.example.org", origin="http://www.example.org")
    assert not await opens(
        member, host="network.example.org", origin="https://chat.partner.example:444"
    )


async def test_a_trusted_forwarded_proto_makes_the_own_origin_https(member, site) -> None:
    forwarded = {"x_forwarded_proto": "https"}
    # Not trusted (the default): the header changes nothing.
    assert not await opens(member, host="localhost", origin="https://localhost", **forwarded)
    site.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert await opens(member, host="localhost", origin="https://localhost", **forwarded)
    assert not await opens(member, host="localhost", origin="http://localhost", **forwarded)
