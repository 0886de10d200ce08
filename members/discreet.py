"""Discreet mode: for a member who must not be seen using the network.

Chosen on the preferences page, it gives:

- a neutral browser tab: the title "Notes" and a plain icon on every page
  (``members.context_processors.discreet``, templates/base.html), so that a
  glance at the screen, the tab list or the history menu names nothing;
- email without the site's name in the subject or the sender's display name
  (notifications/mail.py, and allauth's account email through the adapter);
- a short session: the session cookie ends when the browser closes, and the
  session ends after DISCREET_IDLE_MINUTES (default 120) without a request.
  Every session of the member follows this from its next request, the one
  that turned it on at once, and each new login from the start.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from email.utils import formataddr, parseaddr

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.http import HttpRequest, HttpResponse

from members.models import User
from members.signout import CLEAR_STORAGE

IDLE_SESSION_KEY = "members_discreet_seen"
# A request writes the session (to record activity) at most this often.
SEEN_RESOLUTION = 60


def sender_for(member: User) -> str:
    """The From header of an email to the member: DEFAULT_FROM_EMAIL, without its
    display name in discreet mode (the outbox's email and allauth's alike)."""
    if not member.discreet_mode:
        return settings.DEFAULT_FROM_EMAIL
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return formataddr(("", address or settings.DEFAULT_FROM_EMAIL))


def set_discreet_mode(*, member: User, on: bool, session: SessionBase) -> None:
    """Turn discreet mode on or off; the session of the request follows at once."""
    with transaction.atomic():
        User.objects.filter(pk=member.pk).update(discreet_mode=on)
    member.discreet_mode = on
    if on:
        start_discreet_session(session)
    else:
        session.pop(IDLE_SESSION_KEY, None)
        session.set_expiry(None)


def start_discreet_session(session: SessionBase) -> None:
    session.set_expiry(0)
    session[IDLE_SESSION_KEY] = time.time()


def idle_limit() -> int:
    return settings.DISCREET_IDLE_MINUTES * 60


class DiscreetSessionMiddleware:
    """Keeps a discreet member's sessions short (after AuthenticationMiddleware).

    Before the view: a session idle too long ends. After it (so that the
    login request itself is covered, whatever "remember me" said): the
    session cookie lasts until the browser closes, and activity is recorded.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _is_discreet(request):
            seen = request.session.get(IDLE_SESSION_KEY)
            if seen is not None and time.time() - seen > idle_limit():
                # The session ends (its sockets with it); the login
                # requirement then sends the person to the login page, and
                # the browser forgets the drafts (as at every sign-out).
                get_adapter(request).logout(request)
                response = self.get_response(request)
                response.setdefault("Clear-Site-Data", CLEAR_STORAGE)
                return response
        response = self.get_response(request)
        if _is_discreet(request):
            session = request.session
            if not session.get_expire_at_browser_close():
                session.set_expiry(0)
            seen = session.get(IDLE_SESSION_KEY)
            if seen is None or time.time() - seen > SEEN_RESOLUTION:
                session[IDLE_SESSION_KEY] = time.time()
        return response


def _is_discreet(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.discreet_mode)
