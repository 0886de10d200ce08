"""Languages in a real browser: the switcher without JavaScript, Arabic right to left.

A member whose chosen language is Arabic logs in from an English browser and gets
the site in Arabic, mirrored: the page reads right to left, the site name sits at
the right edge, nothing scrolls sideways at phone or desktop width, and an
English thread keeps left-to-right text inside the Arabic page. Screenshots go to
docs/screenshots/arabic-<page>-<width>.png.
"""

from __future__ import annotations

import pytest

from forum import services as forum_services
from forum.models import ThreadKind
from members.models import Tag
from tests.conftest import REPO_ROOT, TEST_PASSWORD

pytestmark = pytest.mark.browser

SCREENSHOTS = REPO_ROOT / "docs" / "screenshots"

OVERFLOW_JS = "document.documentElement.scrollWidth - document.documentElement.clientWidth"
EDGES_JS = """
() => {
  const brand = document.querySelector(".brand").getBoundingClientRect();
  const width = document.documentElement.clientWidth;
  return {left: brand.left, right: width - brand.right, width};
}
"""


def test_switcher_works_without_javascript(browser, daphne_server) -> None:
    context = browser.new_context(
        base_url=daphne_server.url, locale="en-GB", java_script_enabled=False
    )
    try:
        page = context.new_page()
        page.goto("/")
        assert page.locator("html").get_attribute("lang") == "en"
        page.get_by_label("Language").select_option("fr")
        page.get_by_role("button", name="Change language").click()
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "fr"
        assert page.get_by_role("button", name="Changer de langue").is_visible()
    finally:
        context.close()


def test_arabic_member_gets_a_mirrored_site(new_page, make_user) -> None:
    member = make_user(email="arabic@example.org", language="ar", display_name="Salma")
    tag = Tag.objects.create(name="Public assembly", slug="public-assembly")
    thread = forum_services.create_thread(
        author=member,
        title="How do we document kettling at protests?",
        body="We saw police kettle a peaceful crowd for hours.",
        tags=[tag],
        kind=ThreadKind.QUESTION,
        language="en",
    )
    forum_services.create_thread(
        author=member,
        title="كيف نوثّق تطويق المتظاهرين؟",
        body="رأينا الشرطة تطوّق حشدًا سلميًا لساعات.",
        tags=[tag],
        kind=ThreadKind.QUESTION,
        language="ar",
    )
    page = new_page()  # an English browser
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill("arabic@example.org")
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    # Signed in: the account menu (its Log out is "تسجيل الخروج") is in the header.
    page.locator("#account-menu > summary").wait_for()

    for path, name in (("/forum/", "thread-list"), (thread.get_absolute_url(), "thread")):
        for width in (360, 1280):
            page.set_viewport_size({"width": width, "height": 800})
            page.goto(path)
            html = page.locator("html")
            assert html.get_attribute("lang") == "ar" and html.get_attribute("dir") == "rtl"
            assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
            assert page.evaluate(OVERFLOW_JS) <= 0, f"{path} scrolls sideways at {width}px"
            edges = page.evaluate(EDGES_JS)
            assert edges["right"] < edges["left"], f"{path}: the site name is not on the right"
            page.screenshot(path=SCREENSHOTS / f"arabic-{name}-{width}.png", full_page=True)

    # Content keeps its own direction: the English title reads left to right.
    title = page.get_by_role("heading", level=1)
    assert title.get_attribute("lang") == "en"
    assert title.evaluate("element => getComputedStyle(element).direction") == "ltr"


@pytest.mark.parametrize("language", ["fr", "es", "ar"])
def test_longer_translations_fit_a_phone(new_page, make_user, language: str) -> None:
    """French and Spanish run longer than English: nothing may push a page sideways."""
    make_user(email=f"{language}@example.org", language=language)
    page = new_page()
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto("/")
    assert page.evaluate(OVERFLOW_JS) <= 0, "/ scrolls sideways"
    page.goto("/accounts/login/")
    page.locator("#id_login").fill(f"{language}@example.org")
    page.locator("#id_password").fill(TEST_PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_load_state()
    for path in ("/", "/forum/", "/forum/new/", "/lessons/", "/members/", "/members/me/edit/"):
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == language
        assert page.evaluate(OVERFLOW_JS) <= 0, f"{path} scrolls sideways in {language}"
