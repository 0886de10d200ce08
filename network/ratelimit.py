"""Abuse limits of our own: posting, flagging, invitations, follows, search, previews, sockets.

allauth limits logins, sign-ups and email itself (``ACCOUNT_RATE_LIMITS``);
this module limits what members do once they are in, and decides which
address a request comes from for both (``client_ip``).

- ``RateLimitMiddleware`` looks the resolved URL name up in ``LIMITED_VIEWS``,
  so no view knows about limits, and answers the styled 429 page with a
  ``Retry-After`` header when a member (or, before login, an address) has
  used up one of the rates in ``settings.RATE_LIMITS``.
- ``SocketLimitMiddleware`` wraps the WebSocket router: connection attempts
  count like requests, and a member may hold at most
  ``settings.SOCKETS_PER_MEMBER`` open sockets across every process. A refused
  handshake is closed with code 4429 before it is accepted.

Counters live in Django's default cache, which is Redis when REDIS_URL is set,
so every process counts together; ``cache.add`` and ``cache.incr`` are atomic
there and in the local-memory cache. Windows are fixed (a minute, an hour, a
day, aligned to the clock), which is cheap and gives an exact Retry-After;
the price is that a burst straddling a boundary may reach twice a rate once.
Nobody is exempt, moderators included: a moderator's account that is misused
should be slowed down like any other, and the limits are far above what a
person does.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import ngettext

# --- Which address a request comes from ------------------------------------------


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or X-Forwarded-For behind our proxies.

    With ``TRUSTED_PROXY_COUNT`` = 0 (the default) X-Forwarded-For is ignored:
    anyone can send it. With N proxies of ours in front, each appends the
    address it received the request from, so the entry N places from the right
    was written by our outermost proxy; entries to its left came from the
    client and are never used. None when no valid address is known.
    """
    return _client_ip(request.META.get("REMOTE_ADDR", ""), request.headers.get("x-forwarded-for"))


def _socket_client_ip(scope: dict[str, Any]) -> str | None:
    # Read the header ourselves: daphne's --proxy-headers puts the *leftmost*
    # X-Forwarded-For entry into scope["client"], which the client chose.
    client = scope.get("client") or ("", 0)
    forwarded = [
        value.decode("latin-1")
        for name, value in scope.get("headers", [])
        if name.lower() == b"x-forwarded-for"
    ]
    return _client_ip(str(client[0]), ",".join(forwarded) or None)


def _client_ip(remote_addr: str, forwarded_for: str | None) -> str | None:
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0 and forwarded_for:
        entries = forwarded_for.split(",")
        # Fewer entries than proxies: the request did not come through all of
        # them (e.g. a health check); the peer's own address is then the truth.
        if len(entries) >= count:
            address = _clean_ip(entries[-count])
            if address:
                return address
    return _clean_ip(remote_addr)


def _clean_ip(value: str) -> str | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [2001:db8::1]:443
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # 192.0.2.1:443
        value = value.split(":")[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def _address_key(address: str | None) -> str:
    """One counter per IPv4 address, per /64 for IPv6 (a home gets a whole /64)."""
    if address is None:
        return "ip:unknown"
    parsed = ipaddress.ip_address(address)
    if parsed.version == 6:
        return f"ip:{ipaddress.IPv6Network((parsed, 64), strict=False).network_address}"
    return f"ip:{parsed}"


def _who(user: Any, address: str | None) -> str:
    if user is not None and user.is_authenticated:
        return f"member:{user.pk}"
    return _address_key(address)


# --- Counting ------------------------------------------------------------------------

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    amount: int
    period: int  # seconds


@lru_cache(maxsize=64)
def parse_rates(text: str) -> tuple[Rate, ...]:
    """Read "10/m,100/h" as (Rate(10, 60), Rate(100, 3600)); network.env checks the shape."""
    rates = []
    for part in text.split(","):
        amount, _, period = part.strip().partition("/")
        rates.append(Rate(int(amount), int(period[:-1] or 1) * _UNITS[period[-1]]))
    return tuple(rates)


def now() -> float:
    """The clock of every window (a seam for tests that cross a window)."""
    return time.time()


def hit(action: str, who: str) -> int | None:
    """Count one use of ``action`` by ``who``; the seconds to wait if over a rate, else None.

    A refused use is given back to every window it was counted in, so that a
    member who retries while refused does not use up the longer windows.
    """
    rates = settings.RATE_LIMITS.get(action)
    if not rates:
        return None
    moment = now()
    wait = None
    counted = []
    for rate in parse_rates(rates):
        window = int(moment // rate.period)
        key = f"rl:{action}:{rate.period}:{who}:{window}"
        # The key outlives its window by a little, then the cache drops it.
        cache.add(key, 0, timeout=rate.period + 5)
        try:
            used = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=rate.period + 5)
            used = 1
        counted.append(key)
        if used > rate.amount:
            until_next_window = max(1, math.ceil((window + 1) * rate.period - moment))
            wait = max(wait or 0, until_next_window)
    if wait is not None:
        for key in counted:
            with contextlib.suppress(ValueError):  # expired meanwhile: nothing to give back
                cache.decr(key)
    return wait


# --- Pages -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limit:
    action: str
    methods: frozenset[str]
    # The member sent text (a post, a lesson): the page says it is not lost.
    writes_text: bool = False
    # Count only when this GET parameter is non-empty (a search, not the empty form).
    only_with: str = ""
    # The view answers a POST with a ``preview`` field by showing the text and
    # saving nothing (forum.views): such a request counts as a preview. Only
    # views that truly do so say it; elsewhere the field lifts nothing (a lesson
    # form posted with preview=1 saves a draft: it is a post).
    previews: bool = False


_POST = frozenset({"POST"})
_GET = frozenset({"GET", "HEAD"})
# The name of the preview button of the forum's forms (forum.views reads it).
PREVIEW_FIELD = "preview"

# URL name -> what it counts against. Views need no code of their own.
LIMITED_VIEWS: dict[str, Limit] = {
    "forum:create": Limit("post", _POST, writes_text=True, previews=True),
    "forum:reply": Limit("post", _POST, writes_text=True, previews=True),
    "forum:post_edit": Limit("post", _POST, writes_text=True, previews=True),
    "lessons:create": Limit("post", _POST, writes_text=True),
    "lessons:edit": Limit("post", _POST, writes_text=True),
    "lessons:act": Limit("post", _POST, writes_text=True),
    "forum:preview": Limit("preview", _POST),
    "forum:post_flag": Limit("flag", _POST, writes_text=True),
    "members:invitations": Limit("invitation", _POST),
    "follows:member": Limit("follow", _POST),
    "notifications:announce": Limit("announce", _POST, writes_text=True),
    "search": Limit("search", _GET, only_with="q"),
}


class RateLimitMiddleware:
    """Answers 429 before the view when the member has used up a limit (see LIMITED_VIEWS)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        match = request.resolver_match
        limit = LIMITED_VIEWS.get(match.view_name) if match else None
        if limit is None or request.method not in limit.methods:
            return None
        if limit.only_with and not request.GET.get(limit.only_with, "").strip():
            return None
        action = limit.action
        if limit.previews and PREVIEW_FIELD in request.POST:
            action = "preview"
        wait = hit(action, _who(request.user, client_ip(request)))
        if wait is None:
            return None
        return too_many_requests(request, wait, text_kept=limit.writes_text)


def too_many_requests(request: HttpRequest, wait: int, *, text_kept: bool = False) -> HttpResponse:
    """The styled 429 page, with how long to wait (and Retry-After for programs)."""
    response = render(
        request,
        "429.html",
        {"wait": _wait_in_words(wait), "text_kept": text_kept},
        status=429,
    )
    response["Retry-After"] = str(wait)
    return response


def _wait_in_words(seconds: int) -> str:
    if seconds < 90:
        return ngettext("%(count)d second", "%(count)d seconds", seconds) % {"count": seconds}
    if seconds < 90 * 60:
        minutes = math.ceil(seconds / 60)
        return ngettext("%(count)d minute", "%(count)d minutes", minutes) % {"count": minutes}
    hours = math.ceil(seconds / 3600)
    return ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours}


# --- WebSockets --------------------------------------------------------------------------

CLOSE_TOO_MANY = 4429
# The open-socket counter expires this long after the last sign of life, so a
# process that crashed holding sockets cannot lock their member out for good;
# every open socket renews it at a third of that.
SOCKET_COUNT_TTL = 180

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


def _socket_key(member_id: int) -> str:
    return f"rl:sockets:member:{member_id}"


def _take_socket(member_id: int, limit: int) -> bool:
    key = _socket_key(member_id)
    cache.add(key, 0, timeout=SOCKET_COUNT_TTL)
    try:
        held = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=SOCKET_COUNT_TTL)
        held = 1
    if held > limit:
        _give_socket_back(member_id)
        return False
    cache.touch(key, SOCKET_COUNT_TTL)
    return True


def _give_socket_back(member_id: int) -> None:
    key = _socket_key(member_id)
    try:
        if cache.decr(key) < 0:  # the counter expired and restarted meanwhile
            cache.delete(key)
    except ValueError:  # expired: nothing to give back
        pass


def _renew_sockets(member_id: int) -> None:
    cache.touch(_socket_key(member_id), SOCKET_COUNT_TTL)


def _in_thread(function: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    # The cache is thread-safe: no need to queue behind the database thread.
    return sync_to_async(function, thread_sensitive=False)


class SocketLimitMiddleware:
    """Limits WebSocket connection attempts and open sockets per member.

    Sits inside AuthMiddlewareStack (it needs scope["user"]) and around the
    URL router. Visitors are counted by address; the consumers refuse them
    anyway, but only after a database lookup this spares.
    """

    def __init__(self, inner: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.inner = inner

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            return await self.inner(scope, receive, send)
        user = scope.get("user")
        if await _in_thread(hit)("socket", _who(user, _socket_client_ip(scope))):
            return await self._refuse(receive, send)
        limit = settings.SOCKETS_PER_MEMBER
        if not limit or user is None or not user.is_authenticated:
            return await self.inner(scope, receive, send)
        member_id = user.pk
        if not await _in_thread(_take_socket)(member_id, limit):
            return await self._refuse(receive, send)
        try:
            await self._run_renewing(member_id, scope, receive, send)
        finally:
            await _in_thread(_give_socket_back)(member_id)

    async def _run_renewing(
        self, member_id: int, scope: Scope, receive: Receive, send: Send
    ) -> None:
        connection = asyncio.ensure_future(self.inner(scope, receive, send))
        try:
            while True:
                done, _ = await asyncio.wait({connection}, timeout=SOCKET_COUNT_TTL / 3)
                if done:
                    return connection.result()
                await _in_thread(_renew_sockets)(member_id)
        finally:
            if not connection.done():  # this task was cancelled: so is the connection
                connection.cancel()
                await asyncio.gather(connection, return_exceptions=True)

    @staticmethod
    async def _refuse(receive: Receive, send: Send) -> None:
        # Wait for the handshake, then close it unaccepted: daphne answers
        # 403, test clients see the code. live.js retries with backoff.
        message = await receive()
        if message["type"] == "websocket.connect":
            await send({"type": "websocket.close", "code": CLOSE_TOO_MANY})
