"""The long forms: preferences as one table, the standards grouped in disclosures
with a filter box, the languages as a filterable list of checkboxes.

The filter box is progressive enhancement (network/static/network/forms.js):
without JavaScript the disclosures open and close by themselves and the form
submits the same names and values. Each page's height is printed.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from lessons.demo import ensure_standards
from lessons.models import Lesson
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser

FORM_PAGES = {
    "lesson-form": "/lessons/new/",
    "profile-form": "/members/me/edit/",
    "preferences": "/notifications/preferences/",
}
# Where to photograph them, to look at (not committed): FORMS_SCREENSHOTS=/tmp/forms
SHOTS = os.environ.get("FORMS_SCREENSHOTS")
STANDARDS = "Standards this lesson concerns"
FORCE = "UN Basic Principles on the Use of Force and Firearms by Law Enforcement Officials"


def test_long_forms_fit_a_phone_and_print_their_heights(page, make_user) -> None:
    ensure_standards()
    member = make_user(display_name="Amina Wanjiru", is_expert=True)
    log_in(page, member.email, TEST_PASSWORD)
    heights = {}
    for width in (1280, 360):
        page.set_viewport_size({"width": width, "height": 800})
        for name, path in FORM_PAGES.items():
            assert page.goto(path).status == 200, path
            scroll_width, height = page.evaluate(
                "[document.scrollingElement.scrollWidth, document.scrollingElement.scrollHeight]"
            )
            assert scroll_width <= width, f"{name} at {width} px is {scroll_width} px wide"
            heights[f"{name} at {width}"] = height
            if SHOTS:
                Path(SHOTS).mkdir(parents=True, exist_ok=True)
                page.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=True)
    print("page heights, px:", heights)
    if SHOTS:
        # The pickers themselves, filtered, at both widths.
        for width in (360, 1280):
            page.set_viewport_size({"width": width, "height": 800})
            page.goto("/lessons/new/")
            page.get_by_label("Filter the standards").fill("assembl")
            page.locator(".standards-field").screenshot(path=f"{SHOTS}/standards-{width}.png")
            page.goto("/members/me/edit/")
            part = page.get_by_role("group", name="Languages you speak")
            part.get_by_label("Filter the languages").fill("an")
            part.screenshot(path=f"{SHOTS}/languages-{width}.png")


def test_the_filter_box_narrows_the_standards_and_opens_their_group(page, make_user) -> None:
    ensure_standards()
    expert = make_user(is_expert=True)
    log_in(page, expert.email, TEST_PASSWORD)
    page.goto("/lessons/new/")
    standards = page.get_by_role("group", name=STANDARDS)
    groups = standards.locator("details")
    expect(groups.first).not_to_have_attribute("open", "")
    assert groups.count() > 3

    standards.get_by_label("Filter the standards").fill("non-violent assemblies")
    force = standards.locator("details", has_text=FORCE)
    expect(force).to_have_attribute("open", "")
    expect(standards.get_by_role("status")).to_have_text("Standards shown: 1")
    dispersing = standards.get_by_label(
        "UN Basic Principles on Force and Firearms, Principle 13: Dispersing unlawful"
    )
    expect(dispersing).to_be_visible()
    assert standards.locator("details:visible").count() == 1
    dispersing.check()
    expect(force.locator("summary")).to_contain_text("Chosen: 1")

    # Numbers too; clearing the filter shows every group again, the chosen one open.
    standards.get_by_label("Filter the standards").fill("principle 12")
    expect(
        standards.get_by_label("UN Basic Principles on Force and Firearms, Principle 12: Everyone")
    ).to_be_visible()
    standards.get_by_label("Filter the standards").fill("")
    expect(standards.locator("details:visible")).to_have_count(groups.count())
    expect(force).to_have_attribute("open", "")
    expect(standards.locator("details[open]")).to_have_count(1)

    # Enter in the filter box does not submit the form.
    standards.get_by_label("Filter the standards").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Write a lesson")


def test_the_language_filter_finds_a_language_without_ctrl_click(page, make_user) -> None:
    member = make_user()
    log_in(page, member.email, TEST_PASSWORD)
    page.goto("/members/me/edit/")
    languages = page.get_by_role("group", name="Languages you speak")
    languages.get_by_label("Filter the languages").fill("zulu")
    expect(languages.get_by_role("status")).to_have_text("Languages shown: 1")
    languages.get_by_label("Zulu", exact=True).check()
    languages.get_by_label("Filter the languages").fill("portug")
    languages.get_by_label("Portuguese", exact=True).check()
    page.get_by_role("button", name="Save profile").click()
    expect(page.locator(".messages")).to_be_visible()
    member.profile.refresh_from_db()
    assert set(member.profile.languages.values_list("code", flat=True)) == {"zu", "pt"}


def test_without_javascript_the_disclosures_open_and_the_lesson_saves(
    browser, daphne_server, make_user, topics
) -> None:
    ensure_standards()
    expert = make_user(is_expert=True)
    context = browser.new_context(
        base_url=daphne_server.url, locale="en-GB", java_script_enabled=False
    )
    try:
        page = context.new_page()
        page.goto("/accounts/login/")
        page.get_by_label("Email").fill(expert.email)
        page.get_by_label("Password").fill(TEST_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.goto("/lessons/new/")
        standards = page.get_by_role("group", name=STANDARDS)
        expect(standards.get_by_label("Filter the standards")).to_have_count(0)
        force = standards.locator("details", has_text=FORCE)
        force.locator("summary").click()
        expect(force).to_have_attribute("open", "")
        standards.get_by_label(
            "UN Basic Principles on Force and Firearms, Principle 13: Dispersing unlawful"
        ).check()
        page.get_by_label("Title", exact=True).fill("Dispersing a sit-in without force")
        page.get_by_label("Summary").fill("Negotiation worked where orders to leave had not.")
        page.get_by_label("What happened").fill("A sit-in blocked a road for a day.")
        page.get_by_role("group", name="Topics").get_by_label(topics[0].name).check()
        page.get_by_role("button", name="Save draft").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Dispersing a sit-in without force"
        )
        lesson = Lesson.objects.get(title="Dispersing a sit-in without force")
        assert [p.number for p in lesson.provisions.all()] == ["Principle 13"]

        # The preferences table submits without JavaScript too.
        page.goto("/notifications/preferences/")
        page.get_by_label("Someone followed you: Off").check()
        page.get_by_role("button", name="Save preferences").click()
        expect(page.get_by_label("Someone followed you: Off")).to_be_checked()
    finally:
        context.close()


def test_the_country_filter_finds_a_country_in_the_profile_and_the_directory(
    page, make_user
) -> None:
    member = make_user()
    log_in(page, member.email, TEST_PASSWORD)
    page.goto("/members/me/edit/")
    page.get_by_label("Filter the countries").fill("mozamb")
    expect(page.get_by_role("status").filter(has_text="Countries shown")).to_have_text(
        "Countries shown: 1"
    )
    page.get_by_label("Country", exact=True).select_option(label="Mozambique")
    page.get_by_role("button", name="Save profile").click()
    expect(page.locator(".messages")).to_be_visible()
    member.profile.refresh_from_db()
    assert member.profile.country == "MZ"

    page.goto("/members/")
    page.locator(".filter-panel > summary").click()
    page.get_by_label("Filter the countries").fill("mozamb")
    expect(page.get_by_role("status").filter(has_text="Countries shown")).to_have_text(
        "Countries shown: 1"
    )
    page.get_by_label("Filter the languages").fill("zulu")
    expect(page.get_by_role("status").filter(has_text="Languages shown")).to_have_text(
        "Languages shown: 1"
    )


def test_a_time_zone_never_chosen_is_preselected_from_the_browser(
    browser, daphne_server, make_user
) -> None:
    member = make_user(display_name="Zoe Zone")
    context = browser.new_context(
        base_url=daphne_server.url, locale="en-GB", timezone_id="Africa/Nairobi"
    )
    try:
        page = context.new_page()
        log_in(page, member.email, TEST_PASSWORD)
        page.goto("/members/me/edit/")
        expect(page.get_by_label("Your time zone")).to_have_value("Africa/Nairobi")
        page.get_by_role("button", name="Save").first.click()
        member.refresh_from_db()
        assert member.time_zone == "Africa/Nairobi"
        # Chosen once: the browser no longer decides.
        member.time_zone = "Europe/Vienna"
        member.save(update_fields=["time_zone"])
        page.goto("/members/me/edit/")
        expect(page.get_by_label("Your time zone")).to_have_value("Europe/Vienna")
    finally:
        context.close()
