"""The first browser journeys: a visitor reads the landing page; a demo member logs in."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.e2e.conftest import account_menu

pytestmark = pytest.mark.browser


def test_landing_page_renders_with_its_stylesheet(page) -> None:
    page.goto("/")
    assert page.locator("h1").inner_text().startswith("A safe place")
    # The stylesheet loaded: the skip link is moved off-screen until focused.
    skip_link = page.locator("a.skip-link")
    assert skip_link.bounding_box()["y"] < 0
    page.keyboard.press("Tab")
    assert skip_link.evaluate("element => element === document.activeElement")
    assert skip_link.bounding_box()["y"] >= 0


def test_demo_member_logs_in_with_the_keyboard_and_out_again(page, settings) -> None:
    settings.DEMO_MODE = True
    call_command("seed_demo", verbosity=0)
    page.goto("/")
    page.get_by_role("link", name="Log in").first.click()
    page.get_by_label("Email").fill("activist@demo.example")
    page.get_by_label("Password").fill("network-demo")
    page.keyboard.press("Enter")
    logout = account_menu(page).get_by_role("button", name="Log out")
    expect(logout).to_be_visible()
    assert urlsplit(page.url).path == "/"
    logout.click()
    expect(page.get_by_role("link", name="Log in").first).to_be_visible()


def test_wrong_password_keeps_the_email_and_says_what_went_wrong(page, settings) -> None:
    settings.DEMO_MODE = True
    call_command("seed_demo", verbosity=0)
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("activist@demo.example")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("main")).to_contain_text("not correct")
    assert page.get_by_label("Email").input_value() == "activist@demo.example"
