"""A daphne process dies under an open page: the page reconnects and misses nothing."""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from notifications.notification_kinds import NotificationKind
from notifications.services import follow, notify
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import log_in, record_console, record_failed_resource
from tests.servers import free_port, server_env, start_daphne, stop

pytestmark = pytest.mark.browser

WAIT = 30_000  # ms: how long to wait for something to appear, never how long it may take


class Daphne:
    """daphne on a fixed port, to be killed and started again on that port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://localhost:{self.port}"
        self.process = None

    def start(self) -> None:
        self.process, _ = start_daphne(server_env(SITE_URL=self.url), self.port)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()


@pytest.fixture
def daphne(transactional_db) -> Iterator[Daphne]:
    server = Daphne()
    server.start()
    yield server
    stop(server.process)


def test_after_daphne_is_killed_the_page_reconnects_and_catches_up_once(
    browser, daphne: Daphne, make_user, make_thread
) -> None:
    member, replier = make_user(), make_user(display_name="Rita Replier")
    thread = make_thread(member, title="Kettling at the station")
    follow(follower=member, target=thread)
    before = notify([member], kind=NotificationKind.ANNOUNCEMENT, actor=None, text="Before")[0]
    context = browser.new_context(base_url=daphne.url, locale="en-GB")
    errors: list[str] = []
    page = context.new_page()
    # Generous waits for a loaded machine; what arrives is asserted exactly.
    page.set_default_timeout(30_000)
    page.on("console", lambda message: record_console(message, errors))
    page.on("response", lambda response: record_failed_resource(response, errors))
    try:
        log_in(page, member.email, TEST_PASSWORD)
        page.goto("/members/")
        badge = page.locator("#unread-count")
        expect(badge).to_have_text("1", timeout=WAIT)
        expect(page.locator("body[data-live-state=open]")).to_be_attached(timeout=WAIT)

        daphne.kill()
        expect(page.locator("body[data-live-state=open]")).not_to_be_attached(timeout=WAIT)
        # Written while no process holds the member's socket: no push reaches it.
        missed = [
            notify([member], kind=NotificationKind.ANNOUNCEMENT, actor=None, text=text)[0]
            for text in ("Missed one", "Missed two")
        ]
        daphne.start()

        # live.js retries with backoff (1 s, 2 s, 4 s, ... plus jitter) and
        # reconnects with ?after=<last id seen>: the two it missed, once each.
        expect(page.locator("body[data-live-state=open]")).to_be_attached(timeout=60_000)
        toasts = page.locator("#toasts .toast")
        expect(toasts).to_have_count(2, timeout=WAIT)
        expect(toasts.nth(0)).to_contain_text("Missed one")
        expect(toasts.nth(1)).to_contain_text("Missed two")
        expect(badge).to_have_text("3", timeout=WAIT)
        assert before.pk < missed[0].pk < missed[1].pk
        # Nothing arrives twice: a second reconnect would catch up from the
        # newest id, and the page never shows a toast for "Before".
        page.wait_for_timeout(1000)
        expect(toasts).to_have_count(2)
        expect(page.locator("#toasts .toast", has_text="Before")).to_have_count(0)

        # The reconnected socket is live again, not only caught up: a reply
        # posted through the new daphne reaches the open page without a reload.
        other = browser.new_context(base_url=daphne.url, locale="en-GB")
        other_page = other.new_page()
        other_page.set_default_timeout(30_000)
        log_in(other_page, replier.email, TEST_PASSWORD)
        other_page.goto(thread.get_absolute_url())
        other_page.get_by_role("textbox", name="Your answer").fill("Posted after the restart.")
        other_page.get_by_role("button", name="Post reply").click()
        expect(other_page.locator(".messages")).to_contain_text("Your reply is posted.")
        other.close()
        expect(toasts).to_have_count(3, timeout=WAIT)
        expect(toasts.nth(2)).to_contain_text("Rita Replier replied")
        expect(badge).to_have_text("4")
    finally:
        context.close()
    # While daphne was down the browser logged its failed reconnects; nothing else.
    assert [e for e in errors if not e.startswith("WebSocket connection to")] == []
