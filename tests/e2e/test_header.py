"""The header: one row at 1280 and 360 px, menus usable by keyboard and without JavaScript.

The header holds the site's mark and name, the primary sections, a search box,
the notification bell and an account menu; on a phone the sections and the
search box are behind one menu button. Both menus are <details>, so they open
without JavaScript; site.js only closes them on Escape and outside clicks.
The live bell is checked in tests/e2e/test_notifications.py.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from tests.conftest import sign_in
from tests.servers import free_port, server_env, start_daphne, stop
from tests.suites import skip_suite

pytestmark = pytest.mark.browser

TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
# Every visible item of the header row, with its box.
ROW_JS = """
() => [...document.querySelector(".header-row").children]
  .filter((element) => {
    const box = element.getBoundingClientRect();
    return box.width > 0 && box.height > 0;
  })
  .map((element) => {
    const box = element.getBoundingClientRect();
    return {name: element.className || element.tagName, top: box.top, bottom: box.bottom,
            left: box.left, right: box.right};
  })
"""
# Set HEADER_SCREENSHOTS=<folder> to photograph the header of each role, width and theme.
SCREENSHOTS = os.environ.get("HEADER_SCREENSHOTS")


@pytest.fixture
def server_url(transactional_db, tmp_path) -> Iterator[str]:
    """daphne without rate limits: the tests open many pages a minute."""
    port = free_port()
    process, _ = start_daphne(
        server_env(
            EMAIL_URL=f"file://{tmp_path}",
            SITE_URL=f"http://localhost:{port}",
            RATE_LIMITS="off",
        ),
        port,
    )
    yield f"http://localhost:{port}"
    stop(process)


@pytest.fixture
def people(make_user) -> dict[str, object]:
    from allauth.mfa.totp.internal.auth import TOTP

    moderator = make_user(display_name="Mod Erator", handle="mod", is_moderator=True)
    TOTP.activate(moderator, TOTP_SECRET)
    return {
        "member": make_user(display_name="Amina Wanjiru", handle="amina"),
        "moderator": moderator,
    }


@pytest.fixture
def open_as(browser, server_url, people) -> Iterator[Callable[..., object]]:
    """A page signed in as a role ("visitor", "member", "moderator") at a width."""
    contexts = []

    def open_page(role: str, width: int, *, javascript: bool = True, scheme: str = "light"):
        context = browser.new_context(
            base_url=server_url,
            locale="en-GB",
            viewport={"width": width, "height": 800},
            java_script_enabled=javascript,
            color_scheme=scheme,
        )
        contexts.append(context)
        if role != "visitor":
            client = Client()
            sign_in(client, people[role])
            context.add_cookies(
                [
                    {
                        "name": settings.SESSION_COOKIE_NAME,
                        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                        "url": server_url,
                    }
                ]
            )
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


def _photograph(page: object, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{SCREENSHOTS}/header-{name}.png")


def _one_row(page: object) -> tuple[list[str], float]:
    """Problems with the header row, and the header's height."""
    items = page.evaluate(ROW_JS)
    problems = []
    first = items[0]
    for item in items[1:]:
        # One row: every item's vertical middle falls inside the first item's band.
        middle = (item["top"] + item["bottom"]) / 2
        if not first["top"] <= middle <= first["bottom"]:
            problems.append(f"{item['name']} is on another row ({item})")
    width = page.evaluate("window.innerWidth")
    problems += [
        f"{item['name']} leaves the screen ({item})"
        for item in items
        if item["left"] < 0 or item["right"] > width
    ]
    height = page.evaluate("document.querySelector('.site-header').getBoundingClientRect().height")
    return problems, height


@pytest.mark.parametrize("width", [360, 1280])
def test_the_header_is_one_row_for_every_role(open_as, width: int) -> None:
    heights = {}
    for role in ("visitor", "member", "moderator"):
        for scheme in ("light", "dark"):
            page = open_as(role, width, scheme=scheme)
            page.goto("/forum/" if role != "visitor" else "/")
            problems, heights[role] = _one_row(page)
            assert not problems, f"{role} at {width} px: {problems}"
            # Nothing essential is hidden: the bell and the account menu at
            # every width, the sections and the search box on wide screens.
            banner = page.get_by_role("banner")
            if role != "visitor":
                expect(page.locator("#notifications-link")).to_be_visible()
                expect(page.locator("#account-menu > summary")).to_be_visible()
                search = page.get_by_role("search").get_by_label("Search")
                if width >= 768:
                    expect(search).to_be_visible()
                    expect(page.get_by_role("link", name="Forum")).to_be_visible()
                else:
                    expect(search).to_be_hidden()
            else:
                expect(banner.get_by_role("link", name="Log in")).to_be_visible()
            expect(banner.get_by_role("link", name="Leave quickly")).to_be_visible()
            _photograph(page, f"{role}-{width}-{scheme}")
            page.context.close()
    # One row of 44 px targets with a little padding.
    assert all(height <= 64 for height in heights.values()), heights
    print(f"header height at {width} px:", heights)


def test_the_moderator_finds_everything_in_the_account_menu(open_as) -> None:
    page = open_as("moderator", 1280)
    page.goto("/forum/")
    menu = page.locator("#account-menu")
    expect(menu.get_by_role("link", name="Moderation")).to_be_hidden()
    menu.locator("summary").click()
    for name in ("Your profile", "Preferences", "Account", "Invitations", "Moderation"):
        expect(menu.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(menu.get_by_role("button", name="Log out")).to_be_visible()
    _photograph(page, "account-menu-1280")
    # A click elsewhere closes it (site.js); so does opening it again.
    page.locator("main").click()
    expect(menu.get_by_role("link", name="Moderation")).to_be_hidden()


def test_the_account_menu_works_with_the_keyboard(open_as) -> None:
    page = open_as("member", 1280)
    page.goto("/forum/")
    summary = page.locator("#account-menu > summary")
    summary.focus()
    page.keyboard.press("Enter")
    profile = page.get_by_role("link", name="Your profile", exact=True)
    expect(profile).to_be_visible()
    page.keyboard.press("Tab")
    expect(profile).to_be_focused()
    # Escape closes the menu and gives focus back to its button.
    page.keyboard.press("Escape")
    expect(profile).to_be_hidden()
    expect(summary).to_be_focused()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Preferences")).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url("**/notifications/preferences/")


def test_the_phone_menu_works_with_the_keyboard(open_as) -> None:
    page = open_as("member", 360)
    page.goto("/members/")
    expect(page.get_by_role("link", name="Forum")).to_be_hidden()
    summary = page.locator("#nav-menu > summary")
    summary.focus()
    page.keyboard.press("Enter")
    # The search box comes first in the menu, then the sections.
    page.keyboard.press("Tab")
    expect(page.get_by_role("searchbox", name="Search")).to_be_focused()
    page.keyboard.type("kettle")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=kettle")
    summary.focus()
    page.keyboard.press("Enter")
    forum = page.get_by_role("link", name="Forum")
    expect(forum).to_be_visible()
    _photograph(page, "phone-menu-360")
    box = forum.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 300, box
    forum.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/forum/")
    expect(page.get_by_role("link", name="Forum")).to_be_hidden()


@pytest.mark.parametrize("width", [360, 1280])
def test_the_menus_work_without_javascript(open_as, width: int) -> None:
    page = open_as("moderator", width, javascript=False)
    page.goto("/members/")
    if width == 360:
        page.locator("#nav-menu > summary").click()
        forum = page.get_by_role("link", name="Forum")
        expect(forum).to_be_visible()
        forum.click()
        page.wait_for_url("**/forum/")
    menu = page.locator("#account-menu")
    menu.locator("summary").click()
    moderation = menu.get_by_role("link", name="Moderation")
    expect(moderation).to_be_visible()
    moderation.click()
    page.wait_for_url("**/members/moderation/pending/")
    page.locator("#account-menu summary").click()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in").first).to_be_visible()


def test_visitors_see_log_in_and_request_to_join(open_as) -> None:
    wide = open_as("visitor", 1280)
    wide.goto("/")
    header = wide.locator(".site-header")
    expect(header.get_by_role("link", name="Log in")).to_be_visible()
    expect(header.get_by_role("link", name="Request to join")).to_be_visible()
    expect(header.get_by_role("link", name="Lessons")).to_be_visible()
    phone = open_as("visitor", 360, javascript=False)
    phone.goto("/")
    header = phone.locator(".site-header")
    expect(header.get_by_role("link", name="Log in")).to_be_visible()
    phone.locator("#nav-menu > summary").click()
    expect(header.get_by_role("link", name="Request to join")).to_be_visible()
    expect(header.get_by_role("link", name="Lessons")).to_be_visible()


@pytest.mark.parametrize("width", [360, 1280])
def test_open_menus_have_no_serious_accessibility_violation(open_as, width: int) -> None:
    """axe-core over the header with its menus open, in both themes (the page
    sweep in test_accessibility.py sees them closed)."""
    from tests.e2e.test_accessibility import AXE_JS, AXE_OPTIONS, CHECKS_JS, _describe

    if not AXE_JS.exists():
        skip_suite("browser", f"axe-core is not installed at {AXE_JS} (npm ci; make test does)")
    problems = []
    for scheme in ("light", "dark"):
        page = open_as("moderator", width, scheme=scheme)
        page.context.add_init_script(script=AXE_JS.read_text() + "\n" + CHECKS_JS.read_text())
        page.goto("/forum/")
        menus = ["#nav-menu", "#account-menu"] if width < 768 else ["#account-menu"]
        for menu in menus:
            # Opened from the keyboard: after a click, focus moved by a script
            # shows no focus ring (:focus-visible), and the check would fail.
            page.locator(f"{menu} > summary").focus()
            page.keyboard.press("Enter")
            expect(page.locator(f"{menu} .menu-panel")).to_be_visible()
            where = f"{menu} open at {width} px, {scheme}"
            problems += _describe(where, page.evaluate("(o) => a11yChecks.axe(o)", AXE_OPTIONS))
            problems += [f"{where}: {p}" for p in page.evaluate("a11yChecks.focus()")]
    assert not problems, "\n".join(problems)
