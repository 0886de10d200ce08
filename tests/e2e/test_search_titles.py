"""In Chromium, a highlighted search title reads with its spaces (issue 17)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from playwright.sync_api import expect

from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser

TITLE = "Protecting journalists at protests"


def _seed() -> str:
    """A member and their thread, written outside Playwright's event loop."""
    from forum import services
    from forum.models import ThreadKind
    from members.models import Tag
    from tests.conftest import UserFactory

    try:
        member = UserFactory()
        topic = Tag.objects.create(name="Public assembly", slug="public-assembly")
        services.create_thread(
            author=member, title=TITLE, body="Press vests help.", tags=[topic],
            kind=ThreadKind.QUESTION, language="en",
        )  # fmt: skip
        return member.email
    finally:
        connection.close()


def test_a_highlighted_search_title_keeps_its_spaces(new_page) -> None:
    with ThreadPoolExecutor(max_workers=1) as pool:
        email = pool.submit(_seed).result()
    page = new_page()
    log_in(page, email, TEST_PASSWORD)
    page.goto("/search/?q=journalists+protests")
    title = page.locator(".search-hit-title a").first
    expect(title.locator("mark").first).to_be_visible()
    assert title.inner_text() == TITLE
