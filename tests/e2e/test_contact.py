"""The contact form in a browser: a visitor without an account, and without JavaScript."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_a_visitor_writes_to_the_moderators_on_a_phone_without_javascript(
    browser, daphne_server, tmp_path
) -> None:
    from members.models import ContactMessage

    context = browser.new_context(
        base_url=daphne_server.url,
        locale="en-GB",
        java_script_enabled=False,
        viewport={"width": 360, "height": 740},
    )
    try:
        page = context.new_page()
        page.goto("/")
        page.locator(".site-footer").get_by_role("link", name="Contact").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Contact the moderators")
        # The trap for robots is not there for people, nor for screen readers.
        expect(page.get_by_label("Leave this field empty")).to_be_hidden()
        page.get_by_label("Your name").fill("Nomvula")
        page.get_by_label("Email address for a reply").fill("not an address")
        page.get_by_label("What is it about?").select_option("safety")
        page.get_by_label("Message").fill("Someone posted the names of officers.")
        page.get_by_role("button", name="Send to the moderators").click()
        # Sent back with an error, with everything typed still there.
        expect(page.get_by_text("Enter a valid email address.")).to_be_visible()
        expect(page.get_by_label("Message")).to_have_value("Someone posted the names of officers.")
        expect(page.get_by_label("What is it about?")).to_have_value("safety")
        page.get_by_label("Email address for a reply").fill("nomvula@example.org")
        page.screenshot(path=str(tmp_path / "contact-360.png"), full_page=True)
        page.get_by_role("button", name="Send to the moderators").click()
        expect(page.get_by_text("your message is with the moderators")).to_be_visible()
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= 360, f"the page scrolls sideways ({scroll} px)"
    finally:
        context.close()
    message = ContactMessage.objects.get()
    assert (message.category, message.reply_to) == ("safety", "nomvula@example.org")
