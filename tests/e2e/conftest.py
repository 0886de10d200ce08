"""Browser harness: Playwright driving Debian's Chromium (no downloaded browser)."""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.servers import free_port, server_env, start_daphne, stop
from tests.suites import skip_suite


@dataclass(frozen=True)
class LiveDaphne:
    url: str
    mail_dir: Path

    def emails(self) -> list[str]:
        return [path.read_text() for path in sorted(self.mail_dir.iterdir())]


CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        skip_suite("browser", f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the tests' own
    # ORM calls (fixtures creating data) are still synchronous and safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


def record_console(message: object, errors: list[str]) -> None:
    # Chromium also logs every 4xx document as "Failed to load resource";
    # record_failed_resource judges those.
    if message.type == "error" and not message.text.startswith("Failed to load resource"):
        errors.append(message.text)


def record_failed_resource(response: object, errors: list[str]) -> None:
    if response.status >= 400 and response.request.resource_type != "document":
        errors.append(f"{response.status} {response.url}")


@pytest.fixture
def daphne_server(transactional_db, tmp_path) -> Iterator[LiveDaphne]:
    """daphne in its own process on the test database: pages and WebSockets, as
    under `make run`. Email goes to files in ``mail_dir`` for the test to read."""
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    port = free_port()
    process, _ = start_daphne(
        server_env(EMAIL_URL=f"file://{mail_dir}", SITE_URL=f"http://localhost:{port}"), port
    )
    yield LiveDaphne(url=f"http://localhost:{port}", mail_dir=mail_dir)
    stop(process)


@pytest.fixture
def new_page(browser, daphne_server) -> Iterator[Callable[[], object]]:
    """Open pages in separate browser contexts (separate people); all closed afterwards.

    Console errors (a script error, or anything the CSP blocked) and a failed
    stylesheet, script or image fail the test. A page itself may answer 403 or
    404 on purpose (tests check those), so documents are not counted.
    """
    contexts, errors = [], []

    def open_page() -> object:
        context = browser.new_context(base_url=daphne_server.url, locale="en-GB")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.on("console", lambda message: record_console(message, errors))
        page.on("response", lambda response: record_failed_resource(response, errors))
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert not errors, f"browser console errors: {errors}"


@pytest.fixture
def page(new_page: Callable[[], object]) -> object:
    return new_page()


def account_menu(page: object) -> object:
    """The header's account menu, opened: profile, preferences, ..., Log out."""
    menu = page.locator("#account-menu")
    if menu.get_attribute("open") is None:
        menu.locator("summary").click()
    return menu


def log_in(page: object, email: str, password: str, totp_secret: str | None = None) -> None:
    """Log in through the login form, with the authenticator code when asked for one."""
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
    from playwright.sync_api import expect

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    if totp_secret:
        code = format_hotp_value(hotp_value(totp_secret, int(time.time()) // 30))
        page.get_by_label(re.compile("code", re.IGNORECASE)).fill(code)
        page.keyboard.press("Enter")
    # Signed in: the header shows the account menu (Log out is inside it).
    expect(page.locator("#account-menu > summary")).to_be_visible()
