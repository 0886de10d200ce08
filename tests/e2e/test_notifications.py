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
