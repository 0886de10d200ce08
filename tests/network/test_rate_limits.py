"""Abuse limits: allauth's on logins, ours on posting, flagging, invitations, search, sockets.

Every limit answers the styled 429 page with Retry-After once it is used up,
and not before; counters are per member; a forged X-Forwarded-For does not
buy a fresh counter; and what was refused saved nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from itertools import count

import pytest
from allauth.mfa.models import Authenticator
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings as django_settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core.cache import cache
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver

from common import ratelimit as counting
from common.clientip import client_ip
from forum.models import Flag, Post, Thread
from lessons.models import Lesson
from members.models import Invitation, User
from network import env, ratelimit
from network import settings as shipped
from network.asgi import application
from notifications.models import Notification
from tests.conftest import sign_in
from tests.forum.test_threads import thread_form
from tests.lessons.test_pages import form_data as lesson_form
from tests.sockets import handshake


@pytest.fixture(autouse=True)
def _shipped_limits(settings) -> None:
    """The limits as shipped (tests/conftest.py raises them for every other test)."""
    settings.RATE_LIMITS = dict(shipped.DEFAULT_RATE_LIMITS)
    settings.TRUSTED_PROXY_COUNT = 0


@pytest.fixture
def limit(settings) -> Callable[..., None]:
    """Change some of the limits for one test: limit(post="2/m")."""

    def change(**rates: str) -> None:
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, **rates}

    return change


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    """A clock the windows read; a test moves it. Starts 10 s into a day (UTC).

    For every test: on the real clock, requests counted up to a limit could
    straddle a window boundary and start a fresh count (a reply test saw its
    eleventh reply accepted when the minute turned).
    """
    moment = [1_700_006_400.0 + 10]  # 1_700_006_400 is a multiple of 86400
    monkeypatch.setattr(counting, "now", lambda: moment[0])
    yield moment


def assert_refused(response, *, text_kept: bool = False) -> int:
    """The styled 429 page with a Retry-After; returns the seconds to wait."""
    assert response.status_code == 429
    html = response.content.decode()
    assert "Please slow down" in html and "/static/network/site.css" in html
    assert ("your text is still in the form" in html) is text_kept
    wait = int(response.headers["Retry-After"])
    assert wait >= 1
    assert "You can try again in " in html
    return wait


# --- Which address a request comes from ---------------------------------------------


def request_from(remote_addr: str, forwarded_for: str | None = None):
    headers = {"x-forwarded-for": forwarded_for} if forwarded_for is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote_addr, headers=headers)


def test_forwarded_for_is_ignored_unless_proxies_are_trusted(settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request_from("192.0.2.10", "203.0.113.5")) == "192.0.2.10"


def test_behind_trusted_proxies_the_address_they_appended_counts(settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    # The client wrote "198.51.100.66"; our proxy appended the address it saw.
    assert client_ip(request_from("10.0.0.2", "198.51.100.66, 203.0.113.5")) == "203.0.113.5"
    settings.TRUSTED_PROXY_COUNT = 2
    forwarded = "198.51.100.66, 203.0.113.5, 10.0.0.1"
    assert client_ip(request_from("10.0.0.2", forwarded)) == "203.0.113.5"
    # Not through every proxy (a health check), or nonsense: the peer itself.
    assert client_ip(request_from("10.0.0.2", "203.0.113.5")) == "10.0.0.2"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request_from("10.0.0.2", "not-an-address")) == "10.0.0.2"
    assert client_ip(request_from("10.0.0.2", "[2001:db8::7]:443")) == "2001:db8::7"
    assert client_ip(request_from("", None)) is None


# --- allauth's limits -------------------------------------------------------------------


@pytest.mark.django_db
def test_a_forged_forwarded_for_does_not_escape_the_failed_login_limit(client: Client) -> None:
    # allauth allows 10 failed logins a minute per address (whatever the email).
    for n in range(10):
        page = client.post(
            "/accounts/login/",
            {"login": f"nobody{n}@example.org", "password": "wrong"},
            headers={"x-forwarded-for": f"198.51.100.{n}"},
        ).content.decode()
        assert "Too many failed login attempts" not in page
    page = client.post(
        "/accounts/login/",
        {"login": "someone.else@example.org", "password": "wrong"},
        headers={"x-forwarded-for": "198.51.100.200"},
    ).content.decode()
    assert "Too many failed login attempts" in page


def test_allauth_limits_ship_as_documented() -> None:
    # The tests here lower them to exercise them; this holds the shipped values
    # (README, "Abuse limits"): loosening or dropping one must be a decision.
    assert shipped.ACCOUNT_RATE_LIMITS == {
        "login": "30/m/ip",
        "login_failed": "10/m/ip,5/5m/key",
        "signup": "20/m/ip",
        "send_email": "5/m/key",
        "confirm_email": "1/3m/key",
        "reset_password": "20/m/ip,5/m/key",
        "reset_password_from_key": "20/m/ip",
        "change_password": "5/m/user",
        "manage_email": "10/m/user",
        "reauthenticate": "10/m/user",
    }


@pytest.mark.django_db
def test_a_forged_forwarded_for_does_not_escape_the_login_limit(client: Client, settings) -> None:
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "3/m/ip"}
    responses = [
        client.post(
            "/accounts/login/",
            {"login": f"nobody{n}@example.org", "password": "wrong"},
            headers={"x-forwarded-for": f"198.51.100.{n}"},
        )
        for n in range(4)
    ]
    assert [response.status_code for response in responses] == [200, 200, 200, 429]
    assert "Please slow down" in responses[-1].content.decode()


@pytest.mark.django_db
def test_behind_one_proxy_allauth_counts_the_forwarded_address(client: Client, settings) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    emails = (f"nobody{n}@example.org" for n in count())

    def fail(forwarded_for: str) -> str:
        return client.post(
            "/accounts/login/",
            {"login": next(emails), "password": "wrong"},
            headers={"x-forwarded-for": forwarded_for},
        ).content.decode()

    for n in range(10):
        # Whatever the client puts in front, the proxy's entry is the same.
        assert "Too many failed" not in fail(f"198.51.100.{n}, 203.0.113.7")
    assert "Too many failed" in fail("198.51.100.99, 203.0.113.7")
    assert "Too many failed" not in fail("203.0.113.8")


# --- Posting -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_eleventh_reply_in_a_minute_is_refused_and_saves_nothing(
    client: Client, member: User, make_user, make_thread
) -> None:
    thread = make_thread(make_user())
    sign_in(client, member)
    for n in range(10):  # shipped: 10 a minute
        response = client.post(f"/forum/{thread.pk}/reply/", {"body": f"Reply number {n}"})
        assert response.status_code == 302, n
    posts_before = Post.objects.count()

    refused = client.post(f"/forum/{thread.pk}/reply/", {"body": "The one too many"})
    assert assert_refused(refused, text_kept=True) <= 60
    assert "go back" in refused.content.decode()
    assert Post.objects.count() == posts_before
    assert not Post.objects.filter(body="The one too many").exists()

    # Counted per member: someone else still posts.
    sign_in(client, make_user())
    assert client.post(f"/forum/{thread.pk}/reply/", {"body": "Mine"}).status_code == 302


@pytest.mark.django_db
def test_new_threads_edits_and_replies_share_one_posting_limit(
    client: Client, member: User, make_thread, limit
) -> None:
    limit(post="2/m")
    thread = make_thread(member)
    sign_in(client, member)
    assert client.post(f"/forum/{thread.pk}/reply/", {"body": "A reply"}).status_code == 302
    reply = thread.posts.get(body="A reply")
    edited = client.post(f"/forum/posts/{reply.pk}/edit/", {"body": "An edited reply"})
    assert edited.status_code == 302
    assert_refused(client.post("/forum/new/", thread_form(title="Another")), text_kept=True)
    assert Thread.objects.count() == 1


@pytest.mark.django_db
def test_a_refused_lesson_saves_nothing(client: Client, member: User, topics, limit) -> None:
    limit(post="1/m")
    sign_in(client, member)
    assert client.post("/lessons/new/", lesson_form(topics)).status_code == 302
    assert_refused(client.post("/lessons/new/", lesson_form(topics)), text_kept=True)
    assert Lesson.objects.count() == 1


@pytest.mark.django_db
def test_previews_have_their_own_larger_limit(
    client: Client, member: User, make_user, make_thread, limit
) -> None:
    limit(post="1/m", preview="3/m")
    thread = make_thread(make_user())
    sign_in(client, member)
    assert client.post(f"/forum/{thread.pk}/reply/", {"body": "Posted"}).status_code == 302
    # The preview button shows the text without saving it: a preview, not a post.
    button = client.post(f"/forum/{thread.pk}/reply/", {"body": "Draft", "preview": "1"})
    assert button.status_code == 200
    for _ in range(2):
        assert client.post("/forum/preview/", {"body": "**bold**"}).status_code == 200
    assert_refused(client.post("/forum/preview/", {"body": "**bold**"}))


@pytest.mark.django_db
def test_a_preview_field_on_a_request_that_saves_counts_as_a_post(
    client: Client, member: User, topics, clock, limit
) -> None:
    """Lesson pages have no preview: a ``preview`` field there still saves, so it is a post."""
    limit(post="1/m", preview="50/m")
    client.force_login(member)
    assert client.post("/lessons/new/", lesson_form(topics, preview="1")).status_code == 302
    refused = client.post("/lessons/new/", lesson_form(topics, title="A second draft", preview="1"))
    assert_refused(refused, text_kept=True)
    assert Lesson.objects.count() == 1
    lesson = Lesson.objects.get()

    clock[0] += 60
    edit = f"/lessons/{lesson.pk}/edit/"
    edited = client.post(edit, lesson_form(topics, title="Edited once", preview="1"))
    assert edited.status_code == 302
    assert_refused(
        client.post(edit, lesson_form(topics, title="Edited twice", preview="1")), text_kept=True
    )
    lesson.refresh_from_db()
    assert lesson.title == "Edited once"

    clock[0] += 60
    act = f"/lessons/{lesson.pk}/act/"
    assert client.post(act, {"action": "submit", "preview": "1"}).status_code == 302
    assert_refused(client.post(act, {"action": "withdraw", "preview": "1"}), text_kept=True)
    lesson.refresh_from_db()
    assert lesson.state == "in_review"
    assert lesson.transitions.count() == 1


@pytest.mark.django_db
def test_a_real_preview_saves_nothing_and_counts_as_a_preview(
    client: Client, member: User, make_user, make_thread, limit
) -> None:
    limit(post="1/m", preview="4/m")
    thread = make_thread(make_user())
    post = thread.posts.get()
    client.force_login(member)
    threads, posts = Thread.objects.count(), Post.objects.count()
    previews = [
        client.post("/forum/new/", thread_form(title="Only a preview", preview="1")),
        client.post(f"/forum/{thread.pk}/reply/", {"body": "Only a preview", "preview": "1"}),
        client.post(f"/forum/{thread.pk}/reply/", {"body": "Again a preview", "preview": "1"}),
    ]
    assert [response.status_code for response in previews] == [200, 200, 200]
    assert all("Only a preview" in previews[n].content.decode() for n in (0, 1))
    assert (Thread.objects.count(), Post.objects.count()) == (threads, posts)
    # The posting limit is untouched: the one post a minute is still there.
    assert client.post(f"/forum/{thread.pk}/reply/", {"body": "Posted"}).status_code == 302
    # And previews have their own count, which runs out on its own.
    assert client.post("/forum/preview/", {"body": "**bold**"}).status_code == 200
    assert_refused(client.post("/forum/preview/", {"body": "**bold**"}))
    assert post.body != "Only a preview"


@pytest.mark.django_db
def test_a_limit_opens_again_in_the_next_window(
    client: Client, member: User, make_user, make_thread, clock: list[float], limit
) -> None:
    limit(post="2/m,3/h")
    thread = make_thread(make_user())
    sign_in(client, member)

    def reply() -> object:
        return client.post(f"/forum/{thread.pk}/reply/", {"body": f"At {clock[0]}"})

    assert [reply().status_code for _ in range(2)] == [302, 302]
    assert assert_refused(reply(), text_kept=True) == 50  # 10 s into the minute
    clock[0] += 49
    assert reply().status_code == 429  # retrying while refused uses nothing up...
    clock[0] += 1  # the next minute
    assert reply().status_code == 302  # ...so this is the hour's third
    clock[0] += 60
    # The minute is free again, the hour is not: wait for the next hour.
    assert assert_refused(reply(), text_kept=True) == 3600 - 120
    assert "try again in 58 minutes" in reply().content.decode()
    assert Post.objects.filter(author=member).count() == 3


# --- Flags, invitations, announcements, search ------------------------------------------


@pytest.mark.django_db
def test_flags_are_limited_per_member(
    client: Client, member: User, make_user, make_thread, limit, clock
) -> None:
    limit(flag="2/h")
    posts = [make_thread(make_user(), title=f"Thread {n}").posts.get() for n in range(3)]
    sign_in(client, member)
    for post in posts[:2]:
        response = client.post(f"/forum/posts/{post.pk}/flag/", {"reason": "abuse"})
        assert response.status_code == 302
    refused = client.post(f"/forum/posts/{posts[2].pk}/flag/", {"reason": "abuse"})
    assert assert_refused(refused, text_kept=True) == 3600 - 10
    assert Flag.objects.count() == 2
    # Showing the flag form is not flagging.
    assert client.get(f"/forum/posts/{posts[2].pk}/flag/").status_code == 200


@pytest.mark.django_db
def test_invitations_are_limited_per_day(client: Client, member: User, clock, limit) -> None:
    limit(invitation="2/d")
    sign_in(client, member)
    for _ in range(2):
        assert client.post("/members/invitations/", {"note": "For Ana"}).status_code == 302
    refused = client.post("/members/invitations/", {"note": "One more"})
    assert assert_refused(refused) == 86400 - 10
    assert "try again in 24 hours" in refused.content.decode()
    assert Invitation.objects.count() == 2
    assert client.get("/members/invitations/").status_code == 200


@pytest.mark.django_db
def test_following_and_unfollowing_members_is_limited(
    client: Client, member: User, make_user, limit, clock
) -> None:
    limit(follow="3/h")
    others = [make_user() for _ in range(3)]
    client.force_login(member)
    assert client.post(f"/members/{others[0].handle}/follow/").status_code == 302
    assert client.post(f"/members/{others[0].handle}/follow/", {"follow": "0"}).status_code == 302
    assert client.post(f"/members/{others[1].handle}/follow/").status_code == 302
    refused = client.post(f"/members/{others[2].handle}/follow/")
    assert assert_refused(refused) == 3600 - 10
    assert Notification.objects.filter(recipient=others[2]).count() == 0
    clock[0] += 3600
    assert client.post(f"/members/{others[2].handle}/follow/").status_code == 302


def test_following_members_ships_with_a_limit() -> None:
    assert shipped.DEFAULT_RATE_LIMITS["follow"] == "30/h"


@pytest.mark.django_db
def test_announcements_are_limited_per_moderator(
    client: Client, make_user, member: User, clock, limit
) -> None:
    moderator = make_user(is_moderator=True)
    # The announcement page is for moderators with two factors set up.
    Authenticator.objects.create(
        user=moderator, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    limit(announce="2/h")
    sign_in(client, moderator)
    for text in ["Welcome week", "Maintenance tonight"]:
        assert client.post("/notifications/announce/", {"text": text, "to": ""}).status_code == 302
    refused = client.post("/notifications/announce/", {"text": "A third one", "to": ""})
    assert assert_refused(refused, text_kept=True) == 3600 - 10
    assert not Notification.objects.filter(text="A third one").exists()
    assert Notification.objects.filter(recipient=member).count() == 2
    assert client.get("/notifications/announce/").status_code == 200


@pytest.mark.django_db
def test_searches_are_limited_but_the_empty_search_page_is_not(
    client: Client, member: User, make_user, limit
) -> None:
    limit(search="3/m")
    sign_in(client, member)
    for word in ["kettling", "custody", "bodycam"]:
        assert client.get("/search/", {"q": word}).status_code == 200
    assert_refused(client.get("/search/", {"q": "protest"}))
    assert client.get("/search/").status_code == 200
    # Another member's counter is their own.
    sign_in(client, make_user())
    assert client.get("/search/", {"q": "protest"}).status_code == 200


@pytest.mark.django_db
def test_the_limit_is_per_member_not_per_forged_address(
    client: Client, member: User, limit
) -> None:
    limit(search="2/m")
    sign_in(client, member)
    for n in range(2):
        client.get("/search/", {"q": "x"}, headers={"x-forwarded-for": f"198.51.100.{n}"})
    refused = client.get("/search/", {"q": "x"}, headers={"x-forwarded-for": "198.51.100.9"})
    assert refused.status_code == 429


@pytest.mark.django_db
def test_limits_can_be_turned_off(client: Client, member: User, settings) -> None:
    settings.RATE_LIMITS = {}
    sign_in(client, member)
    assert all(client.get("/search/", {"q": "x"}).status_code == 200 for _ in range(70))


def test_operators_change_or_turn_off_limits_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    defaults = {"post": "10/m,100/h", "search": "60/m"}
    monkeypatch.setenv("RATE_LIMITS", "search=120/m; post=20/m,200/h")
    assert env.get_rate_limits("RATE_LIMITS", defaults) == {"post": "20/m,200/h", "search": "120/m"}
    monkeypatch.setenv("RATE_LIMITS", "search=off")
    assert env.get_rate_limits("RATE_LIMITS", defaults) == {"post": "10/m,100/h"}
    monkeypatch.setenv("RATE_LIMITS", "off")
    assert env.get_rate_limits("RATE_LIMITS", defaults) == {}
    for bad in ["serch=10/m", "post=10/minute", "post=10/0m", "post=ten/m"]:
        monkeypatch.setenv("RATE_LIMITS", bad)
        with pytest.raises(env.ConfigError, match="RATE_LIMITS"):
            env.get_rate_limits("RATE_LIMITS", defaults)


def test_every_limited_page_exists() -> None:
    """A renamed URL would silently lose its limit."""

    def names(patterns: list, namespace: str = "") -> Iterator[str]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                yield from names(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield f"{namespace}{pattern.name}"

    assert set(ratelimit.LIMITED_VIEWS) <= set(names(get_resolver().url_patterns))
    assert {limit.action for limit in ratelimit.LIMITED_VIEWS.values()} <= set(
        shipped.DEFAULT_RATE_LIMITS
    )


# --- WebSockets -------------------------------------------------------------------------


@database_sync_to_async
def session_cookie_for(user: User) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return f"{django_settings.SESSION_COOKIE_NAME}={session.session_key}"


async def open_socket(
    cookie: str = "", *, forwarded_for: str = ""
) -> tuple[WebsocketCommunicator, bool, int | None]:
    headers = [(b"origin", b"http://localhost"), (b"host", b"localhost")]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    if forwarded_for:
        headers.append((b"x-forwarded-for", forwarded_for.encode()))
    socket = WebsocketCommunicator(application, "/ws/ping/", headers=headers)
    connected, code = await handshake(socket)
    return socket, connected, code


async def close_all(sockets: list[WebsocketCommunicator]) -> None:
    for socket in sockets:
        await socket.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_connection_attempts_are_limited_per_member(
    make_user: Callable[..., User], limit
) -> None:
    limit(socket="3/m")
    member = await database_sync_to_async(make_user)()
    other = await database_sync_to_async(make_user)()
    cookie = await session_cookie_for(member)
    opened = []
    for _ in range(3):
        socket, connected, _ = await open_socket(cookie)
        assert connected
        opened.append(socket)
    _, connected, code = await open_socket(cookie)
    assert (connected, code) == (False, ratelimit.CLOSE_TOO_MANY)
    socket, connected, _ = await open_socket(await session_cookie_for(other))
    assert connected
    await close_all([*opened, socket])


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_a_member_holds_a_limited_number_of_open_sockets(
    make_user: Callable[..., User], settings
) -> None:
    settings.SOCKETS_PER_MEMBER = 2
    cookie = await session_cookie_for(await database_sync_to_async(make_user)())
    first, connected_first, _ = await open_socket(cookie)
    second, connected_second, _ = await open_socket(cookie)
    assert connected_first and connected_second
    _, connected, code = await open_socket(cookie)
    assert (connected, code) == (False, ratelimit.CLOSE_TOO_MANY)
    # Closing one frees its place.
    await first.disconnect()
    third, connected, _ = await open_socket(cookie)
    assert connected
    await third.send_json_to({"type": "ping"})
    assert await third.receive_json_from() == {"type": "pong"}
    await close_all([second, third])


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_open_sockets_keep_their_count_alive_and_a_crashed_count_expires(
    make_user: Callable[..., User], settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ratelimit, "SOCKET_COUNT_TTL", 1)
    settings.SOCKETS_PER_MEMBER = 2
    member = await database_sync_to_async(make_user)()
    cookie = await session_cookie_for(member)
    held = [(await open_socket(cookie))[0] for _ in range(2)]
    await asyncio.sleep(1.5)  # longer than the counter lives without renewal
    _, connected, code = await open_socket(cookie)
    assert (connected, code) == (False, ratelimit.CLOSE_TOO_MANY)
    await close_all(held)

    # A process that died holding two sockets never gave them back.
    crashed = ratelimit._socket_key(member.pk)
    await database_sync_to_async(cache.set)(crashed, 2, 1)
    _, connected, _ = await open_socket(cookie)
    assert not connected  # refused attempts do not keep the stale count alive...
    await asyncio.sleep(1.2)
    socket, connected, _ = await open_socket(cookie)
    assert connected  # ...so the member is let back in once it expires
    await socket.disconnect()


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_visitors_sockets_are_counted_by_address_which_they_cannot_forge(
    settings, limit
) -> None:
    limit(socket="2/m")
    codes = [(await open_socket(forwarded_for=f"198.51.100.{n}"))[2] for n in range(3)]
    assert codes == [4401, 4401, ratelimit.CLOSE_TOO_MANY]

    # Behind one proxy of ours, the address it appended is the visitor's.
    await database_sync_to_async(cache.clear)()
    settings.TRUSTED_PROXY_COUNT = 1
    codes = [(await open_socket(forwarded_for=f"6.6.6.6, 203.0.113.{n}"))[2] for n in range(3)]
    assert codes == [4401, 4401, 4401]
    codes = [(await open_socket(forwarded_for=f"6.6.6.{n}, 203.0.113.9"))[2] for n in range(3)]
    assert codes == [4401, 4401, ratelimit.CLOSE_TOO_MANY]
