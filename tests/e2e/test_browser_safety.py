"""A shared or watched browser: drafts, a quick exit, and forgetting this device.

Two people take turns on one browser (one Playwright context, as one browser
profile): what the first typed must not reach the second. Someone who must
hide the site leaves it with one click or three presses of Escape, and Back
does not bring it back. "Log out and forget this device" leaves nothing of
the site in the browser's storage and closes this browser's live sockets.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import expect

from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import account_menu, log_in, record_console, record_failed_resource
from tests.servers import free_port, server_env, start_daphne, stop

pytestmark = pytest.mark.browser

DRAFT = "The witness lives at the second house past the checkpoint."
DRAFT_KEYS = "Object.keys(localStorage).filter((key) => key.startsWith('network-draft:'))"
# A neutral site stands in for the real one (the test machine is offline): the
# browser context answers for it.
EXIT_URL = "https://weather.example.net/today"
BEFORE_URL = "https://weather.example.net/start"


def _make_thread(author_email: str) -> str:
    """A thread, made in another thread: Playwright's event loop runs in this one,
    in which the services' after-commit pushes cannot run."""
    from django.db import connection

    from forum import services as forum_services
    from members.models import Tag, User

    try:
        thread = forum_services.create_thread(
            author=User.objects.get(email=author_email),
            title="Documenting a checkpoint",
            body="What should we write down, and where do we keep it?",
            tags=[
                Tag.objects.get_or_create(slug="surveillance", defaults={"name": "Surveillance"})[0]
            ],
            kind="discussion",
            language="en",
        )
        return thread.get_absolute_url()
    finally:
        connection.close()


def make_thread(author_email: str) -> str:
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_make_thread, author_email).result()


def type_draft(page: object, thread_url: str) -> list[str]:
    page.goto(thread_url)
    page.get_by_role("textbox", name="Your reply").fill(DRAFT)
    # Kept while typing: a reload gives it back to its writer.
    page.reload()
    expect(page.get_by_role("textbox", name="Your reply")).to_have_value(DRAFT)
    keys = page.evaluate(DRAFT_KEYS)
    assert len(keys) == 1, keys
    return keys


def test_a_reply_draft_does_not_reach_the_next_member_on_the_same_browser(page, make_user) -> None:
    amina = make_user(display_name="Amina Wanjiru")
    joao = make_user(display_name="João Pereira")
    thread_url = make_thread(joao.email)

    log_in(page, amina.email, TEST_PASSWORD)
    amina_keys = type_draft(page, thread_url)
    account_menu(page).get_by_role("button", name="Log out").click()
    expect(page.get_by_role("banner").get_by_role("link", name="Log in")).to_be_visible()
    assert page.evaluate(DRAFT_KEYS) == []

    # The next person, on the same browser profile.
    log_in(page, joao.email, TEST_PASSWORD)
    page.goto(thread_url)
    expect(page.get_by_role("textbox", name="Your reply")).to_have_value("")
    stored = page.evaluate("Object.keys(localStorage)")
    assert not [key for key in stored if key in amina_keys], stored
    assert DRAFT not in page.evaluate("JSON.stringify(localStorage)")


def test_a_draft_left_by_a_session_that_ended_elsewhere_is_removed_for_the_next_member(
    page, make_user
) -> None:
    amina = make_user(display_name="Amina Wanjiru")
    joao = make_user(display_name="João Pereira")
    thread_url = make_thread(joao.email)
    log_in(page, amina.email, TEST_PASSWORD)
    type_draft(page, thread_url)

    # No logout here: the session expired, or was ended from another device.
    # The first page nobody is signed in to (the login page) removes her
    # draft: the next person at this browser may be anyone.
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    assert page.evaluate(DRAFT_KEYS) == []

    # Her draft again; the next person to sign in here never gets it.
    log_in(page, amina.email, TEST_PASSWORD)
    type_draft(page, thread_url)
    page.context.clear_cookies()
    log_in(page, joao.email, TEST_PASSWORD)
    assert page.evaluate(DRAFT_KEYS) == []
    page.goto(thread_url)
    expect(page.get_by_role("textbox", name="Your reply")).to_have_value("")


def test_sign_out_and_forget_leaves_no_storage_and_closes_this_browsers_sockets(
    page, make_user
) -> None:
    amina = make_user(display_name="Amina Wanjiru")
    thread_url = make_thread(amina.email)
    log_in(page, amina.email, TEST_PASSWORD)
    type_draft(page, thread_url)
    page.evaluate("sessionStorage.setItem('network-probe', '1')")
    # Another tab of the same browser, live.
    other_tab = page.context.new_page()
    other_tab.goto("/forum/")
    expect(other_tab.locator("body[data-live-state=open]")).to_be_attached()

    page.goto("/accounts/sessions/")
    page.get_by_role("button", name="Log out and forget this device").click()

    page.wait_for_url("**/signed-out/")
    expect(page.get_by_role("heading", level=1)).to_have_text("You are logged out")
    assert page.evaluate("[localStorage.length, sessionStorage.length]") == [0, 0]
    cookies = {cookie["name"] for cookie in page.context.cookies()}
    assert "sessionid" not in cookies, cookies
    # The server closed the socket the other tab had opened with that session.
    expect(other_tab.locator("body[data-live-state=closed]")).to_be_attached(timeout=5000)
    other_tab.goto("/forum/")
    assert "/accounts/login/" in other_tab.url


# --- Quick exit -------------------------------------------------------------------


@pytest.fixture
def exit_server(transactional_db, tmp_path) -> Iterator[str]:
    """daphne with the operator's own neutral site in QUICK_EXIT_URL."""
    port = free_port()
    process, _ = start_daphne(
        server_env(
            EMAIL_URL=f"file://{tmp_path}",
            SITE_URL=f"http://localhost:{port}",
            QUICK_EXIT_URL=EXIT_URL,
        ),
        port,
    )
    yield f"http://localhost:{port}"
    stop(process)


@pytest.fixture
def exit_context(browser, exit_server) -> Iterator[object]:
    contexts, errors, referers = [], [], []

    def open_context(**options: object) -> object:
        context = browser.new_context(base_url=exit_server, locale="en-GB", **options)
        contexts.append(context)

        def neutral_site(route: object) -> None:
            referers.append(route.request.headers.get("referer"))
            route.fulfill(
                content_type="text/html",
                body="<!DOCTYPE html><title>Weather</title><h1>Weather today</h1>",
            )

        context.route("https://weather.example.net/**", neutral_site)
        context.on(
            "page",
            lambda page: (
                page.on("console", lambda message: record_console(message, errors)),
                page.on("response", lambda response: record_failed_resource(response, errors)),
            ),
        )
        return context

    open_context.referers = referers
    yield open_context
    for context in contexts:
        context.close()
    assert not errors, f"browser console errors: {errors}"


def quick_exit_link(page: object) -> object:
    link = page.get_by_role("link", name="Leave quickly")
    expect(link).to_be_visible()
    expect(link).to_have_attribute("href", EXIT_URL)
    expect(link).to_have_attribute("rel", "noreferrer")
    return link


def test_three_escapes_leave_for_the_neutral_site_and_back_does_not_return(
    exit_context, exit_server, make_user
) -> None:
    member = make_user()
    page = exit_context().new_page()
    log_in(page, member.email, TEST_PASSWORD)
    page.goto(BEFORE_URL)
    page.goto("/forum/")
    quick_exit_link(page)
    # Right after the skip link for a keyboard.
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Skip to main content")
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Leave quickly")
    page.evaluate("document.activeElement.blur()")

    # Two presses, then a pause longer than the window: nothing happens.
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    page.wait_for_timeout(2300)
    page.keyboard.press("Escape")
    assert page.url.startswith(exit_server)

    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    page.wait_for_url(EXIT_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text("Weather today")
    # The site's page was replaced in the history, not added to it: Back goes
    # to the page before it.
    page.go_back()
    assert page.url == BEFORE_URL
    assert exit_context.referers and not any(exit_context.referers), exit_context.referers


def test_the_quick_exit_link_replaces_the_page_with_javascript_and_works_without(
    exit_context, exit_server
) -> None:
    page = exit_context().new_page()
    page.goto(BEFORE_URL)
    page.goto("/")
    quick_exit_link(page).click()
    page.wait_for_url(EXIT_URL)
    page.go_back()
    assert page.url == BEFORE_URL

    # Without JavaScript the link still leaves (an ordinary link, in the history).
    plain = exit_context(java_script_enabled=False).new_page()
    plain.goto("/accounts/login/")
    quick_exit_link(plain).click()
    plain.wait_for_url(EXIT_URL)
    assert exit_context.referers and not any(exit_context.referers), exit_context.referers
