"""The newcomer: sign up, verify, wait, get approved, fill in the profile, find an expert."""

from __future__ import annotations

import re

import pytest
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.core.management import call_command
from playwright.sync_api import expect

from members.models import User
from notifications.models import OutboxEmail
from tests.e2e.conftest import account_menu

pytestmark = pytest.mark.browser

TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def current_code() -> str:
    import time

    return format_hotp_value(hotp_value(TOTP_SECRET, int(time.time()) // 30))


def test_sign_up_verify_wait_approve_profile_and_find_an_expert(new_page, daphne_server, settings):
    settings.DEMO_MODE = True
    call_command("seed_demo", verbosity=0)
    moderator = User.objects.create_user(
        "second-moderator@example.org", "moderator passphrase", is_moderator=True,
        status="active", display_name="Second Moderator",
    )  # fmt: skip
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=moderator, email=moderator.email, verified=True, primary=True)
    TOTP.activate(moderator, TOTP_SECRET)

    newcomer = new_page()
    newcomer.goto("/")
    newcomer.get_by_role("link", name="Request to join").first.click()
    newcomer.get_by_label("Email").fill("newcomer@example.org")
    newcomer.get_by_label(re.compile(r"^Password:?$")).fill("a long passphrase 42")
    newcomer.get_by_label("Password (again)").fill("a long passphrase 42")
    newcomer.get_by_label("Display name").fill("New Monitor")
    newcomer.get_by_label("Your work").select_option("activist")
    newcomer.get_by_label("Why do you want to join?").fill("I monitor protests in my town.")
    newcomer.get_by_role("button", name="Send my request").click()
    expect(newcomer.locator("main")).to_contain_text("Confirm your email address")

    link = re.search(r"https?://[^/\s]+(/accounts/confirm-email/\S+)", daphne_server.emails()[-1])
    newcomer.goto(link.group(1))
    newcomer.get_by_role("button", name="Confirm").click()
    # Confirmed in the browser that signed up: logged in, no second login.
    expect(newcomer.get_by_role("heading", level=1)).to_contain_text("waiting for a moderator")
    newcomer.goto("/members/")
    expect(newcomer.locator("main")).to_contain_text("waiting for a moderator")

    # The moderator logs in with a second factor and approves the request.
    mod = new_page()
    mod.goto("/accounts/login/")
    mod.get_by_label("Email").fill("second-moderator@example.org")
    mod.get_by_label("Password").fill("moderator passphrase")
    mod.get_by_role("button", name="Log in").click()
    mod.get_by_label(re.compile("code", re.IGNORECASE)).fill(current_code())
    mod.keyboard.press("Enter")
    account_menu(mod).get_by_role("link", name="Moderation").click()
    expect(mod.locator("main")).to_contain_text("I monitor protests in my town.")
    mod.get_by_role("button", name="Approve New Monitor").click()
    expect(mod.locator(".messages")).to_contain_text("New Monitor is now a member")
    assert OutboxEmail.objects.filter(subject__contains="approved").exists()

    # Now a member: complete the profile, then find an expert by tag.
    newcomer.goto("/")
    # exact: the first-steps checklist also offers "Complete your profile".
    account_menu(newcomer).get_by_role("link", name="Your profile", exact=True).click()
    newcomer.get_by_role("link", name="Edit your profile").click()
    newcomer.get_by_label("About you").fill("I document **protest policing**.")
    newcomer.get_by_label("Public assembly").check()
    newcomer.get_by_role("button", name="Save profile").click()
    expect(newcomer.locator(".prose strong")).to_have_text("protest policing")

    newcomer.get_by_role("link", name="Members").click()
    filters = newcomer.get_by_role("search", name="Filter members")
    filters.locator("summary").click()  # the filters start closed, under the name search
    filters.get_by_label("Expertise").select_option("use-of-force")
    filters.get_by_label("Experts only").check()
    filters.get_by_role("button", name="Search").click()
    cards = newcomer.locator(".member-card")
    joao = newcomer.locator(".member-card", has_text="João (demo expert)")
    expect(joao).to_be_visible()
    expect(joao).to_contain_text("Use of force")
    for card in cards.all():
        expect(card.locator(".badge-expert")).to_be_visible()
