"""The forum journey: an activist asks, the expert who follows the topic answers, the
answer is accepted; each side is told live."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from members.models import Tag
from notifications.services import follow
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser


def test_activist_asks_expert_answers_live_and_the_answer_is_accepted(new_page, make_user):
    topic = Tag.objects.create(name="Public assembly", slug="public-assembly")
    Tag.objects.create(name="Use of force", slug="use-of-force")
    activist = make_user(display_name="Amina Activist")
    expert = make_user(display_name="Joao Expert", is_expert=True)
    follow(follower=expert, target=topic)

    expert_page = new_page()
    log_in(expert_page, expert.email, TEST_PASSWORD)
    expert_page.goto("/forum/")
    expect(expert_page.locator("body[data-live-state=open]")).to_be_attached()

    asker = new_page()
    log_in(asker, activist.email, TEST_PASSWORD)
    asker.get_by_role("link", name="Forum").click()
    asker.get_by_role("link", name="Ask a question or start a discussion").click()
    asker.get_by_label("Title").fill("Is it lawful to kettle a peaceful crowd for hours?")
    asker.get_by_label("Your question or topic").fill(
        "Police held about 200 people **without water** for five hours."
    )
    # The live preview renders through the server's sanitising pipeline.
    expect(asker.locator("[data-preview-output] strong")).to_have_text("without water")
    asker.get_by_label("Public assembly").check()
    asker.get_by_role("button", name="Post", exact=True).click()
    expect(asker.get_by_role("heading", level=1)).to_have_text(
        "Is it lawful to kettle a peaceful crowd for hours?"
    )
    expect(asker.locator("body[data-live-state=open]")).to_be_attached()

    # The expert, who follows the topic, is told at once.
    toast = expert_page.locator("#toasts .toast")
    expect(toast).to_contain_text("Is it lawful to kettle", timeout=2000)
    toast.get_by_role("link", name="Open").click()
    expert_page.get_by_role("textbox", name="Your answer").fill(
        "Containment must be necessary and proportionate; see Basic Principles 12-14."
    )
    expert_page.get_by_role("button", name="Post reply").click()
    expect(expert_page.locator(".messages")).to_contain_text("Your reply is posted.")

    # The activist is told of the answer live, opens it and accepts it.
    asker_toast = asker.locator("#toasts .toast")
    expect(asker_toast).to_contain_text("Joao Expert replied", timeout=2000)
    asker.reload()
    answer = asker.locator("article.post", has_text="Basic Principles 12-14")
    expect(answer.locator(".badge-expert")).to_be_visible()
    answer.get_by_role("button", name="Accept this answer").click()
    expect(asker.locator(".messages")).to_contain_text("Answer accepted.")
    accepted = asker.locator(".accepted-answer")
    expect(accepted).to_contain_text("Basic Principles 12-14")

    # And the expert hears that the answer was accepted.
    expect(expert_page.locator("#toasts .toast").last).to_contain_text("was accepted", timeout=2000)


def test_a_reply_being_written_survives_a_reload(new_page, make_user, make_thread) -> None:
    member = make_user()
    thread = make_thread(make_user())
    page = new_page()
    log_in(page, member.email, TEST_PASSWORD)
    page.goto(thread.get_absolute_url())
    page.get_by_role("textbox", name="Your answer").fill(
        "Half-written answer that must not be lost"
    )
    page.reload()
    expect(page.get_by_role("textbox", name="Your answer")).to_have_value(
        "Half-written answer that must not be lost"
    )
    page.get_by_role("button", name="Post reply").click()
    expect(page.locator(".messages")).to_contain_text("Your reply is posted.")
    # The page after the post forgets the draft when its script runs: wait for
    # it (the message is in the HTML before the deferred script has run).
    page.wait_for_load_state("load")
    # Once posted, the draft is forgotten.
    page.goto(thread.get_absolute_url())
    expect(page.get_by_role("textbox", name="Your answer")).to_have_value("")
