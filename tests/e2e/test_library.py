"""The library journey in Chromium: a member uploads a PDF that carries their name,
sees what was removed before saving, an expert publishes it, and another member
finds a word from page 2 and opens the file at that page."""

from __future__ import annotations

from io import BytesIO

import pikepdf
import pytest
from playwright.sync_api import expect

from library import services as library
from library.demo import demo_pdf
from library.models import Resource
from tests.conftest import TEST_PASSWORD
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.browser


def test_upload_review_publish_and_find_inside_the_file(new_page, make_user, tmp_path) -> None:
    activist = make_user(display_name="Amina Activist")
    expert = make_user(display_name="Joao Expert", is_expert=True)
    reader = make_user(display_name="Rea Reader")
    pdf = tmp_path / "curfew-notes.pdf"
    pdf.write_bytes(
        demo_pdf("Curfew notes", ("Night patrols", "The word okapimarsh on page two"), "Amina Q")
    )

    page = new_page()
    log_in(page, activist.email, TEST_PASSWORD)
    page.goto("/library/")
    page.get_by_role("link", name="Add a resource").click()
    page.get_by_label("Title").fill("Curfew monitoring notes")
    page.get_by_label("Type").select_option("report")
    page.get_by_label("Files (optional)").set_input_files(str(pdf))
    page.get_by_role("button", name="Continue").click()
    # Nothing is saved yet: the member sees what was removed, the title is kept.
    expect(page.get_by_role("heading", name="Your files, cleaned")).to_be_visible()
    expect(page.get_by_text("We removed:")).to_contain_text("author name")
    expect(page.get_by_label("Title")).to_have_value("Curfew monitoring notes")
    assert not Resource.objects.exists()
    page.get_by_role("button", name="Save the resource").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Curfew monitoring notes")
    expect(page.get_by_text("This resource waits for review")).to_be_visible()

    resource = Resource.objects.get()
    stored = library.read_file(resource.files.get())
    assert b"Amina Q" not in stored
    with pikepdf.open(BytesIO(stored)) as document:
        assert not dict(document.docinfo)

    expert_page = new_page()
    log_in(expert_page, expert.email, TEST_PASSWORD)
    expert_page.goto("/library/review/")
    expert_page.get_by_role("link", name="Curfew monitoring notes").click()
    expert_page.get_by_role("button", name="Publish").click()
    expect(expert_page.get_by_text("The resource is published.")).to_be_visible()

    library.extract_pending()  # the worker's turn
    reader_page = new_page()
    log_in(reader_page, reader.email, TEST_PASSWORD)
    reader_page.goto("/library/")
    reader_page.get_by_role("searchbox", name="Search the library").fill("okapimarsh")
    reader_page.get_by_role("searchbox", name="Search the library").press("Enter")
    hit = reader_page.get_by_role("link", name="Page 2")
    expect(hit).to_be_visible()
    assert hit.get_attribute("href").endswith("#page=2")
    response = reader_page.request.get(hit.get_attribute("href").split("#")[0])
    assert response.status == 200
    assert response.headers["content-security-policy"] == "sandbox"
