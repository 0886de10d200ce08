"""Live notifications in the browser: a moderator's announcement reaches a member at once."""

from __future__ import annotations

import time

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from playwright.sync_api import expect

from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser

TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
ANNOUNCEMENT = "<b>Training</b> moved to Thursday"


def test_announcement_reaches_the_member_live_and_stays_unread_until_read(
    new_page, make_user
) -> None:
    member = make_user(display_name="Amina Member")
    moderator = make_user(is_moderator=True, display_name="Mod Erator")
    TOTP.activate(moderator, TOTP_SECRET)

    member_page = new_page()
    log_in(member_page, member.email, TEST_PASSWORD)
    member_page.goto("/members/")
    # A second tab of the same member, to see read state follow across tabs.
    other_tab = member_page.context.new_page()
    other_tab.goto("/members/")
    badge = member_page.locator("#unread-count")
    expect(badge).to_be_hidden()
    # Wait until both tabs' sockets are open, so the test measures delivery.
    for tab in (member_page, other_tab):
        expect(tab.locator("body[data-live-state=open]")).to_be_attached()

    moderator_page = new_page()
    log_in(moderator_page, moderator.email, TEST_PASSWORD, totp_secret=TOTP_SECRET)
    moderator_page.goto("/notifications/announce/")
    moderator_page.get_by_label("Announcement").fill(ANNOUNCEMENT)
    sent = time.monotonic()
    moderator_page.get_by_role("button", name="Send announcement").click()

    toast = member_page.locator("#toasts .toast")
    expect(toast).to_contain_text(ANNOUNCEMENT, timeout=2000)
    expect(badge).to_have_text("1", timeout=2000)
    assert time.monotonic() - sent < 2
    expect(other_tab.locator("#unread-count")).to_have_text("1")
    # Inserted as text: the markup shows as typed and makes no element.
    assert toast.locator("b").count() == 0
    expect(moderator_page.locator(".messages")).to_contain_text("Announcement sent to")

    member_page.reload()
    member_page.get_by_role("link", name="Notifications").click()
    unread = member_page.locator(".notification-unread")
    expect(unread).to_have_count(1)
    expect(unread).to_contain_text(ANNOUNCEMENT)
    expect(member_page.locator("#unread-count")).to_have_text("1")

    unread.get_by_role("button", name="Mark as read").click()
    expect(member_page.locator(".notification-unread")).to_have_count(0)
    expect(member_page.locator("#unread-count")).to_be_hidden()
    # The other tab hears of it over its socket, without a reload.
    expect(other_tab.locator("#unread-count")).to_be_hidden(timeout=2000)


# --- Refused sockets ----------------------------------------------------------

CLOSE_CODE_OF = """(path) => new Promise((resolve) => {
  const socket = new WebSocket(`ws://${location.host}${path}`);
  socket.addEventListener("close", (event) => resolve(event.code));
})"""


def test_the_browser_sees_why_a_socket_is_refused(new_page, make_user) -> None:
    """Refusals are accepted and then closed with the code: refused at the
    handshake (HTTP 403), a browser sees only 1006 and cannot tell "signed
    out" from "server down"."""
    visitor = new_page()
    visitor.goto("/")
    for path in ("/ws/notifications/", "/ws/ping/"):
        assert visitor.evaluate(CLOSE_CODE_OF, path) == 4401

    from members.models import Status

    pending = make_user(status=Status.PENDING)
    page = new_page()
    log_in(page, pending.email, TEST_PASSWORD)
    assert page.evaluate(CLOSE_CODE_OF, "/ws/notifications/") == 4403


def test_a_tab_whose_session_ended_stops_reconnecting(new_page, make_user) -> None:
    from importlib import import_module

    from django.conf import settings

    member = make_user()
    page = new_page()
    opened: list[object] = []

    def route(socket) -> None:
        opened.append(socket)
        socket.connect_to_server()

    page.route_web_socket("**/ws/notifications/**", route)
    log_in(page, member.email, TEST_PASSWORD)
    page.goto("/forum/")
    expect(page.locator("body[data-live-state=open]")).to_be_attached()
    before = len(opened)  # the page after the login opened one too

    # The session expires while the tab is open, and the connection drops
    # (a restart, a network change): the tab reconnects once, learns from
    # the code that it is signed out, and stops.
    # Whatever the session engine (the database, or Redis in production settings).
    cookie = next(c for c in page.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME)
    import_module(settings.SESSION_ENGINE).SessionStore(session_key=cookie["value"]).delete()
    opened[-1].close(code=1012, reason="restart")
    deadline = time.monotonic() + 10
    while len(opened) == before and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert len(opened) == before + 1, "the tab did not reconnect after the drop"
    expect(page.locator("body[data-live-state=closed]")).to_be_attached()
    page.wait_for_timeout(6000)  # longer than the next two backoff delays
    assert len(opened) == before + 1, f"the tab kept reconnecting: {len(opened) - before}"


def test_a_tab_told_too_many_sockets_backs_off(new_page, make_user) -> None:
    """4429 comes on an accepted handshake: the backoff must not start over."""
    member = make_user()
    page = new_page()
    opened: list[object] = []

    def refuse(socket) -> None:
        opened.append(time.monotonic())
        socket.close(code=4429, reason="too many")

    log_in(page, member.email, TEST_PASSWORD)
    page.goto("about:blank")  # the page after the login opens no socket any more
    page.route_web_socket("**/ws/notifications/**", refuse)
    page.goto("/forum/")
    deadline = time.monotonic() + 10
    while not opened and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert opened, "the page opened no socket"
    page.wait_for_timeout(5000)  # a reset backoff would have retried several times
    assert len(opened) == 1, [round(t - opened[0], 2) for t in opened]
