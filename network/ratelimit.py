"""Abuse limits of our own: posting, flagging, invitations, follows, search, previews,
the contact form, sockets.

allauth limits logins, sign-ups and email itself (``ACCOUNT_RATE_LIMITS``);
this module limits what members do once they are in (and the contact form, open to all).

- ``RateLimitMiddleware`` looks the resolved URL name up in ``LIMITED_VIEWS``,
  so no view knows about limits, and answers the styled 429 page with a
  ``Retry-After`` header when a member (or, before login, an address) has
  used up one of the rates in ``settings.RATE_LIMITS``.
- ``SocketLimitMiddleware`` wraps the WebSocket router: connection attempts
  count like requests, and a member may hold at most
  ``settings.SOCKETS_PER_MEMBER`` open sockets across every process. A refused
  handshake is closed with code 4429 before it is accepted.

The counting (fixed windows in the default cache) is common.ratelimit's and
the client's address common.clientip's: they know no app, and members'
allauth adapter uses the same address rule.

Nobody is exempt, moderators included: a moderator's account that is misused
should be slowed down like any other, and the limits are far above what a
person does.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import ngettext

from common.clientip import client_ip, socket_client_ip
from common.ratelimit import hit, who

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
    "library:list": Limit("search", _GET, only_with="q"),
    "library:create": Limit("upload", _POST, writes_text=True),
    "library:edit": Limit("upload", _POST, writes_text=True),
    # Open to visitors: counted by address, so one address cannot flood the queue.
    "contact": Limit("contact", _POST, writes_text=True),
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
        wait = hit(action, who(request.user, client_ip(request)))
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
        if await _in_thread(hit)("socket", who(user, socket_client_ip(scope))):
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
        # Wait for the handshake, accept it and close with the code: closed
        # unaccepted, daphne would answer 403 and the browser see only 1006.
        # live.js retries 4429 with backoff.
        message = await receive()
        if message["type"] == "websocket.connect":
            await send({"type": "websocket.accept"})
            await send({"type": "websocket.close", "code": CLOSE_TOO_MANY})
