"""The lessons journey: an expert turns a solved thread into a lesson tied to two
standards and submits it; a moderator is told live and publishes it; the member who
asked finds it from the standard's page and follows it back to the thread."""

from __future__ import annotations

import time

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from playwright.sync_api import expect

from forum import services as forum_services
from lessons.demo import ensure_standards
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser

TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
THREAD_TITLE = "Is it lawful to kettle a peaceful crowd for hours?"
QUESTION = "Police held about 200 people **without water** for five hours."
ANSWER = "Containment must be necessary and proportionate; see Basic Principles 12-14."
LESSON_TITLE = "Kettling a peaceful crowd: what held up in court"
SUMMARY = "A five-hour kettle without water was challenged; the proportionality test won."
INSTRUMENT = "UN Basic Principles on the Use of Force and Firearms by Law Enforcement Officials"
SHORT_TITLE = "UN Basic Principles on Force and Firearms"
PROVISIONS = {
    "Principle 12": "Everyone may take part in lawful and peaceful assemblies",
    # Also a number of the Body of Principles on detention: the label must tell them apart.
    "Principle 13": "Dispersing unlawful but non-violent assemblies",
}


def test_expert_turns_a_solved_thread_into_a_lesson_moderator_publishes_member_finds_it(
    new_page, make_user, make_thread
) -> None:
    ensure_standards()
    activist = make_user(display_name="Amina Activist")
    expert = make_user(display_name="Joao Expert", is_expert=True)
    moderator = make_user(is_moderator=True, display_name="Mod Erator")
    TOTP.activate(moderator, TOTP_SECRET)
    thread = make_thread(activist, title=THREAD_TITLE, body=QUESTION)
    answer = forum_services.create_reply(author=expert, thread=thread, body=ANSWER)
    forum_services.accept_answer(actor=activist, post=answer)

    # The moderator waits on a page with the live socket open.
    moderator_page = new_page()
    log_in(moderator_page, moderator.email, TEST_PASSWORD, totp_secret=TOTP_SECRET)
    moderator_page.goto("/lessons/review/")
    badge = moderator_page.locator("#unread-count")
    expect(badge).to_be_hidden()
    expect(moderator_page.locator("body[data-live-state=open]")).to_be_attached()

    # The expert turns the thread into a lesson: the question and the answer are filled in.
    expert_page = new_page()
    log_in(expert_page, expert.email, TEST_PASSWORD)
    expert_page.goto(thread.get_absolute_url())
    expert_page.get_by_role("link", name="Turn into a lesson").click()
    expect(expert_page.get_by_role("heading", level=1)).to_have_text("Write a lesson")
    title = expert_page.get_by_label("Title", exact=True)
    expect(title).to_have_value(THREAD_TITLE)
    expect(expert_page.get_by_label("What happened")).to_have_value(QUESTION)
    expect(expert_page.get_by_label("What worked")).to_have_value(ANSWER)
    expect(expert_page.get_by_label("Language you write in")).to_have_value("en")
    topics = expert_page.get_by_role("group", name="Topics")
    expect(topics.get_by_label("Public assembly", exact=True)).to_be_checked()
    expect(topics.get_by_label("Use of force", exact=True)).to_be_checked()

    title.fill(LESSON_TITLE)
    expert_page.get_by_label("Summary").fill(SUMMARY)
    expert_page.get_by_label("Setting").select_option(label="Demonstration or public assembly")
    expert_page.get_by_label("Country").select_option(label="Kenya")
    expert_page.get_by_label("Region or place").fill("Nairobi")
    expert_page.get_by_label("Period").fill("June 2024")
    expert_page.get_by_label("What did not work").fill("Complaints to the police went nowhere.")
    expert_page.get_by_label("Recommendations").fill("Film the **exits**; log every request.")
    standards = expert_page.get_by_role("group", name="Standards this lesson concerns")
    # The provisions sit in a disclosure per instrument: open the instrument's.
    standards.locator("summary", has_text=INSTRUMENT).click()
    for number, provision_title in PROVISIONS.items():
        standards.get_by_label(f"{SHORT_TITLE}, {number}: {provision_title}", exact=True).check()
    source = expert_page.get_by_role("group", name="Source 1")
    source.get_by_label("Title of the source").fill("High Court ruling on the kettle")
    source.get_by_label("Address (optional)").fill("https://example.org/ruling")
    expert_page.get_by_label("Ask to publish publicly").check()
    expert_page.get_by_role("button", name="Save draft").click()

    expect(expert_page.locator(".messages")).to_contain_text("Your draft is saved.")
    expect(expert_page.get_by_role("heading", level=1)).to_have_text(LESSON_TITLE)
    for number in PROVISIONS:
        expect(expert_page.get_by_role("link", name=f"{SHORT_TITLE}, {number}")).to_be_visible()

    # Submitting tells the reviewers who are not authors: the moderator, live.
    expect(moderator_page.locator("body[data-live-state=open]")).to_be_attached()
    sent = time.monotonic()
    expert_page.get_by_role("button", name="Submit for review").click()
    toast = moderator_page.locator("#toasts .toast")
    expect(toast).to_contain_text(f"“{LESSON_TITLE}” by Joao Expert is waiting", timeout=2000)
    expect(badge).to_have_text("1", timeout=2000)
    assert time.monotonic() - sent < 2
    expect(expert_page.locator(".messages")).to_contain_text("Submitted.")

    # The moderator follows the toast and publishes, publicly as the authors asked.
    toast.get_by_role("link", name="Open").click()
    expect(moderator_page.get_by_role("heading", level=1)).to_have_text(LESSON_TITLE)
    moderator_page.get_by_label("Comment (Markdown)").fill("Clear and well sourced.")
    moderator_page.get_by_label("Publish publicly, as the authors asked").check()
    moderator_page.get_by_role("button", name="Publish", exact=True).click()
    expect(moderator_page.locator(".messages")).to_contain_text("Published.")
    review = moderator_page.get_by_role("region", name="Review")
    expect(review).to_contain_text("Clear and well sourced.")

    # The activist finds it from the standard's page and follows it back to the thread.
    activist_page = new_page()
    log_in(activist_page, activist.email, TEST_PASSWORD)
    activist_page.goto("/lessons/standards/")
    instrument = activist_page.get_by_role("region", name=INSTRUMENT)
    expect(instrument.get_by_role("listitem").filter(has_text="Principle 12:")).to_contain_text(
        "(1 lesson)"
    )
    instrument.get_by_role("link", name="Principle 12", exact=True).click()
    expect(activist_page.get_by_role("heading", level=1)).to_have_text(
        f"{SHORT_TITLE}, Principle 12: {PROVISIONS['Principle 12']}"
    )
    activist_page.get_by_role("link", name=LESSON_TITLE).click()
    expect(activist_page.get_by_role("heading", level=1)).to_have_text(LESSON_TITLE)
    expect(activist_page.get_by_role("paragraph").filter(has_text=SUMMARY)).to_be_visible()
    discussed = activist_page.get_by_role("paragraph").filter(has_text="Discussed in")
    discussed.get_by_role("link", name=THREAD_TITLE).click()
    expect(activist_page.get_by_role("heading", level=1)).to_have_text(THREAD_TITLE)
    became = activist_page.get_by_role("paragraph").filter(has_text="This thread became a lesson")
    expect(became.get_by_role("link", name=LESSON_TITLE)).to_be_visible()
