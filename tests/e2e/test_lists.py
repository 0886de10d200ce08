"""Thread lists as members see them: compact rows, filters that need no Ctrl-click.

At 1280 x 800 at least 12 threads show whole above the fold; on a 360 x 740
phone the first thread starts within the first screen. Several topics are
chosen by keyboard alone, with JavaScript off, and end up in the URL as the
same ``tag`` parameters as before; each chosen topic is a chip that removes it.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import expect

from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser

ROWS_ABOVE_THE_FOLD = 12
TITLES = [
    "Is it lawful to kettle a peaceful crowd for hours?",
    "Body-worn cameras during stop and search: who keeps the footage?",
    "Who should investigate a death in a police cell: internal affairs or an independent body?",
    "Officers who refuse unlawful orders: are they protected, and how do we train for it?",
    "Tear gas fired towards a covered market: what do the standards say?",
    "Police drones over demonstrations: are there standards?",
    "How can a protester complain when they cannot identify the officer?",
    "Police questioning children without a parent or lawyer present",
    "Collecting data on injuries from water cannon: what has worked?",
    "Shooting at moving vehicles: what should our policy say?",
    "Family not told where a detained relative is held: what can they do?",
    "Protesters charged with insulting the state over slogans: which standards help?",
    "Phones seized at a protest: may police search them without a warrant?",
    "Removing sit-in protesters who resist passively: where is the line on force?",
    "Oversight bodies staffed by seconded police investigators: can they be independent?",
    "Curfews during an epidemic: may the police beat those who break them?",
    "Journalists arrested while filming an eviction",
    "Training modules on de-escalation that held up in practice",
]
TOPICS = [
    ("public-assembly", "Public assembly"),
    ("use-of-force", "Use of force"),
    ("accountability", "Accountability"),
    ("arrest-and-detention", "Arrest and detention"),
    ("police-oversight", "Police oversight"),
]

# Where each thread row is, in the page's own coordinates.
ROW_BOXES_JS = """
() => [...document.querySelectorAll(".thread-list .thread-row")].map((row) => {
  const box = row.getBoundingClientRect();
  return {top: box.top, bottom: box.bottom};
})
"""


def _seed() -> dict[str, object]:
    """A forum like the demo's: long titles, two or three topics each, replies, answers."""
    from django.db import connection

    from forum import services
    from members.models import Tag
    from tests.conftest import UserFactory

    try:
        topics = [
            Tag.objects.get_or_create(slug=slug, defaults={"name": name})[0]
            for slug, name in TOPICS
        ]
        asker = UserFactory(display_name="Amina Wanjiru", handle="amina")
        expert = UserFactory(display_name="João Pereira", handle="joao", is_expert=True)
        for number, title in enumerate(TITLES):
            tags = [topics[number % 5], topics[(number + 2) % 5]]
            if number % 3 == 0:
                tags.append(topics[(number + 4) % 5])
            thread = services.create_thread(
                author=asker if number % 2 else expert,
                title=title,
                body="What do the standards say, and how do we document it?",
                tags=tags,
                kind="question" if number % 4 else "discussion",
                language="en",
            )
            if number % 3:
                answer = services.create_reply(
                    author=expert if number % 2 else asker,
                    thread=thread,
                    body="Necessity and proportionality; write down the times.",
                )
                if number % 4 and number % 2:
                    services.accept_answer(actor=asker, post=answer)
                    services.mark_helpful(member=asker, post=answer)
        return {"asker": asker, "topics": topics}
    finally:
        connection.close()


def seed() -> dict[str, object]:
    # From another thread: this one runs Playwright's event loop, in which the
    # services' after-commit pushes (async_to_sync) cannot run.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_seed).result()


def test_twelve_threads_above_the_fold_and_the_first_on_a_phones_first_screen(
    page, daphne_server
) -> None:
    seeded = seed()
    log_in(page, seeded["asker"].email, TEST_PASSWORD)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/forum/")
    rows = page.evaluate(ROW_BOXES_JS)
    whole = [row for row in rows if row["bottom"] <= 800]
    print(f"/forum/ at 1280x800: {len(whole)} whole rows above the fold")
    assert len(whole) >= ROWS_ABOVE_THE_FOLD, rows[:14]

    page.set_viewport_size({"width": 360, "height": 740})
    page.goto("/forum/")
    first = page.evaluate(ROW_BOXES_JS)[0]
    print(f"/forum/ at 360x740: first row's top at {first['top']:.0f} px")
    assert first["top"] < 740, first
    # The filters start closed on a phone: the summary shows, the checkboxes do not.
    expect(page.locator(".filter-panel > summary")).to_be_visible()
    expect(page.get_by_role("checkbox").first).to_be_hidden()
    # Topic pages and search show the same rows and pills.
    page.goto("/forum/tags/public-assembly/")
    assert page.evaluate(ROW_BOXES_JS)[0]["top"] < 740


def _tab_to(page: object, locator: object, limit: int = 80) -> None:
    """Press Tab until ``locator`` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if locator.evaluate("(element) => element === document.activeElement"):
            return
    pytest.fail(f"{locator} not reached by keyboard")


def test_several_topics_chosen_by_keyboard_without_javascript(browser, daphne_server) -> None:
    seeded = seed()
    context = browser.new_context(
        base_url=daphne_server.url, locale="en-GB", java_script_enabled=False
    )
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.set_viewport_size({"width": 360, "height": 740})
        page.goto("/accounts/login/")
        page.get_by_label("Email").fill(seeded["asker"].email)
        page.get_by_label("Password").fill(TEST_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.goto("/forum/?sort=new")

        panel = page.locator(".filter-panel")
        _tab_to(page, panel.locator("summary"))
        page.keyboard.press("Enter")  # a <details> opens without any script
        expect(panel).to_have_attribute("open", "")
        for name in ("Accountability", "Public assembly"):  # in the order of the list
            box = page.get_by_role("checkbox", name=name)
            _tab_to(page, box)
            page.keyboard.press("Space")
            expect(box).to_be_checked()
        _tab_to(page, panel.get_by_role("button", name="Filter"))
        page.keyboard.press("Enter")

        page.wait_for_url(lambda url: "tag=" in url)
        query = page.url.split("?", 1)[1]
        assert "tag=public-assembly" in query and "tag=accountability" in query, query
        assert "sort=new" in query, query
        rows = page.locator(".thread-list .thread-row")
        assert rows.count() > 0
        for row in rows.all():
            expect(row.locator(".topic-pills")).to_contain_text("Public assembly")
            expect(row.locator(".topic-pills")).to_contain_text("Accountability")
        # Each chosen topic is a chip; following one removes that topic only.
        chips = page.locator(".filter-chips")
        expect(chips).to_contain_text("Public assembly")
        chips.get_by_role("link", name="Remove filter Topics: Accountability").click()
        page.wait_for_url(lambda url: "accountability" not in url)
        query = page.url.split("?", 1)[1]
        assert "tag=public-assembly" in query and "accountability" not in query, query
        assert "sort=new" in query, query
    finally:
        context.close()
