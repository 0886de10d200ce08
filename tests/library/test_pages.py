"""The library's pages as members and visitors use them: adding with files, downloads,
lists and filters, feed, citation, collections, materials, and the links into lessons."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from library import services
from library.models import Resource, ResourceFile, ResourceState
from tests.conftest import sign_in
from tests.library.conftest import jpeg_with_gps, pdf_bytes

pytestmark = pytest.mark.django_db

FORM = {
    "kind": "report",
    "title": "Curfew monitoring notes",
    "authors": "Field team",
    "languages": ["en"],
    "file_language": "en",
    "visibility": "members",
    "abstract": "What we *saw* at night.",
}


def upload(name: str, data: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


# --- Adding a resource with files ----------------------------------------------------------


def test_the_member_sees_what_was_removed_before_saving(client, member) -> None:
    sign_in(client, member)
    url = reverse("library:create")
    first = client.post(url, {**FORM, "files": [upload("notes.pdf", pdf_bytes("Night one"))]})
    page = first.content.decode()
    assert first.status_code == 200 and not Resource.objects.exists()
    assert "We removed:" in page and "author name" in page and "editing software" in page
    assert 'value="Curfew monitoring notes"' in page  # what the member typed is kept
    staged = ResourceFile.objects.get()
    second = client.post(url, {**FORM, "staged": [staged.pk]})
    resource = Resource.objects.get()
    assert second.status_code == 302 and second["Location"] == resource.get_absolute_url()
    assert resource.state == ResourceState.REVIEW and list(resource.files.all()) == [staged]


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("report.pdf", b"\x7fELF\x02\x01\x01" + b"\0" * 200, "cannot be uploaded"),
        ("report.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "HTML"),
        ("empty.pdf", b"", "empty"),
    ],
)
def test_a_hostile_file_is_refused_with_a_message_and_the_form_kept(
    client, member, name, data, message
) -> None:
    sign_in(client, member)
    response = client.post(reverse("library:create"), {**FORM, "files": [upload(name, data)]})
    page = response.content.decode()
    assert response.status_code == 400
    assert message.lower() in page.lower()
    assert 'value="Curfew monitoring notes"' in page and "What we *saw* at night." in page
    assert not ResourceFile.objects.exists() and not Resource.objects.exists()


def test_a_file_over_the_limit_is_refused(client, member, settings) -> None:
    settings.UPLOAD_MAX_BYTES = 1024
    sign_in(client, member)
    big = upload("big.txt", b"a" * 5000, "text/plain")
    response = client.post(reverse("library:create"), {**FORM, "files": [big]})
    assert response.status_code == 400 and not ResourceFile.objects.exists()


def test_a_link_without_a_file_is_saved_at_once(client, expert) -> None:
    sign_in(client, expert)
    data = {**FORM, "source_url": "https://example.org/report"}
    response = client.post(reverse("library:create"), data)
    resource = Resource.objects.get()
    assert response.status_code == 302 and resource.state == ResourceState.PUBLISHED
    assert "<em>saw</em>" in resource.abstract_html


def test_the_edit_form_removes_a_file(client, expert, make_resource) -> None:
    resource = make_resource(pages=("One",), source_url="https://example.org/r")
    file = resource.files.get()
    sign_in(client, expert)
    data = {**FORM, "title": resource.title, "remove_file": [file.pk]}
    data["source_url"] = "https://example.org/r"
    response = client.post(reverse("library:edit", args=[resource.pk]), data)
    assert response.status_code == 302 and not resource.files.exists()
    history = client.get(reverse("library:history", args=[resource.pk])).content.decode()
    assert "report.pdf" in history


# --- Downloads ----------------------------------------------------------------------------


def test_a_pdf_opens_inline_sandboxed(client, member, make_resource) -> None:
    resource = make_resource(pages=("Text",))
    file = resource.files.get()
    sign_in(client, member)
    response = client.get(file.get_absolute_url())
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


def test_other_files_download_as_attachments(client, expert) -> None:
    file = services.stage_file(actor=expert, name="notes.txt", data=b"plain notes")
    resource = services.create_resource(
        actor=expert,
        data=services.ResourceData(kind="other", title="Notes", visibility="public"),
        staged=[file],
    )
    response = client.get(resource.files.get().get_absolute_url())  # a visitor: public
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Security-Policy"] == "sandbox"


def test_behind_nginx_the_download_is_an_internal_redirect(client, member, settings, make_resource):
    settings.LIBRARY_ACCEL_REDIRECT = "/protected-library/"
    resource = make_resource(pages=("Text",))
    file = resource.files.get()
    sign_in(client, member)
    response = client.get(file.get_absolute_url())
    assert response["X-Accel-Redirect"] == f"/protected-library/{file.stored_as}"
    assert response.content == b""
    assert response["Content-Disposition"].startswith("inline;")


def test_files_are_404_to_who_may_not_read_them(client, member, make_user, make_resource):
    members_only = make_resource(pages=("Secret",)).files.get()
    assert client.get(members_only.get_absolute_url()).status_code == 404  # visitor
    pending = make_user(status="pending", approved_at=None)
    sign_in(client, pending)
    assert client.get(members_only.get_absolute_url()).status_code == 404
    uploader = make_user()
    waiting = make_resource(by=uploader, pages=("Waiting",)).files.get()
    sign_in(client, member)
    assert client.get(waiting.get_absolute_url()).status_code == 404
    sign_in(client, uploader)
    assert client.get(waiting.get_absolute_url()).status_code == 200


def test_a_staged_file_has_no_address(client, member) -> None:
    file = services.stage_file(actor=member, name="a.txt", data=b"not saved")
    sign_in(client, member)
    url = reverse("library:download", args=[file.pk, file.pk, file.name])
    assert client.get(url).status_code == 404


# --- Lists, feed, citation ----------------------------------------------------------------


def test_visitors_see_public_resources_only(client, make_resource) -> None:
    make_resource(title="Members paper")
    make_resource(title="Public paper", visibility="public")
    page = client.get(reverse("library:list")).content.decode()
    assert "Public paper" in page and "Members paper" not in page
    feed = client.get(reverse("library:feed")).content.decode()
    assert "Public paper" in feed and "Members paper" not in feed


def test_filters_by_type_year_language_and_collection(client, member, moderator, make_resource):
    make_resource(title="Old guidance", kind="guidance", published_on=date(2019, 1, 1))
    fr = make_resource(title="Rapport", languages=["fr"], published_on=date(2023, 1, 1))
    collection = services.create_collection(
        actor=moderator, data=services.CollectionData(title="Francophone", slug="fr")
    )
    services.add_to_collection(actor=moderator, collection=collection, resource=fr)
    sign_in(client, member)
    url = reverse("library:list")

    def titles(**query):
        page = client.get(url, query).content.decode()
        return {t for t in ("Old guidance", "Rapport") if t in page}

    assert titles(kind="guidance") == {"Old guidance"}
    assert titles(year="2023") == {"Rapport"}
    assert titles(language="fr") == {"Rapport"}
    assert titles(collection="fr") == {"Rapport"}


def test_the_filter_menus_offer_each_language_and_country_once(client, member, make_resource):
    for n in range(3):
        make_resource(title=f"Report {n}", languages=["fr", "en"], country="KE")
    sign_in(client, member)
    page = client.get(reverse("library:list")).content.decode()

    def options(name: str) -> list[str]:
        menu = re.search(rf'<select name="{name}".*?</select>', page, re.S).group(0)
        return re.findall(r'<option value="([^"]+)"', menu)

    assert options("language") == ["en", "fr"]
    assert options("country") == ["KE"]


def test_the_list_query_count_does_not_grow_with_rows(client, member, make_resource) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    sign_in(client, member)

    def queries(rows: int) -> int:
        for n in range(rows):
            make_resource(title=f"Paper {rows}-{n}", pages=("Text",))
        with CaptureQueriesContext(connection) as context:
            assert client.get(reverse("library:list")).status_code == 200
        return len(context.captured_queries)

    assert queries(2) == queries(10)


def test_the_citation_line_and_bibtex(client, member, make_resource) -> None:
    resource = make_resource(
        title="Policing assemblies",
        authors="Ana Ferreira",
        publisher="The Network",
        published_on=date(2020, 6, 1),
        series="Short Papers",
        number=2,
    )
    sign_in(client, member)
    page = client.get(resource.get_absolute_url()).content.decode()
    assert "Ana Ferreira, Policing assemblies, The Network, Short Papers 2, 2020" in page
    bib = client.get(reverse("library:bibtex", args=[resource.pk]))
    text = bib.content.decode()
    assert bib["Content-Type"] == "application/x-bibtex"
    assert text.startswith("@techreport{Ferreira2020,") and "year = {2020}" in text


# --- Collections ------------------------------------------------------------------------------


def test_a_series_collection_lists_by_year_and_number(client, moderator, make_resource) -> None:
    collection = services.create_collection(
        actor=moderator,
        data=services.CollectionData(title="Short Paper Series", slug="papers", order="series"),
    )
    for title, year, number in [("Third", 2021, 3), ("First", 2019, 1), ("Second", 2020, 2)]:
        resource = make_resource(
            title=title,
            published_on=date(year, 1, 1),
            series="SPS",
            number=number,
            visibility="public",
        )
        services.add_to_collection(actor=moderator, collection=collection, resource=resource)
    page = client.get(collection.get_absolute_url()).content.decode()
    assert page.index("First") < page.index("Second") < page.index("Third")


def test_following_a_collection_from_its_page(client, member, moderator) -> None:
    collection = services.create_collection(
        actor=moderator, data=services.CollectionData(title="COVID-19", slug="covid")
    )
    sign_in(client, member)
    url = reverse("library:collection_follow", args=["covid"])
    client.post(url)
    assert "Following" in client.get(collection.get_absolute_url()).content.decode()
    client.post(url, {"follow": "0"})
    assert "Following" not in client.get(collection.get_absolute_url()).content.decode()


# --- Links into the rest -----------------------------------------------------------------------


def test_a_provision_page_lists_its_resources(client, member, make_resource) -> None:
    from lessons.models import Instrument, Provision

    instrument = Instrument.objects.create(
        slug="code",
        title="Code of Conduct",
        short_title="Code",
        year=1979,
        source_url="https://example.org",
    )
    provision = Provision.objects.create(
        instrument=instrument, number="Art. 3", title="Force", source_url="https://example.org"
    )
    make_resource(title="Force guidance", provisions=[provision])
    make_resource(by=member, title="Waiting guidance", provisions=[provision])
    sign_in(client, member)
    page = client.get(provision.get_absolute_url()).content.decode()
    assert "In the library" in page and "Force guidance" in page
    assert "Waiting guidance" not in page  # not published yet


def test_event_materials_come_from_the_library(client, member, make_resource, make_user):
    from datetime import timedelta

    from django.utils import timezone

    from events import services as event_services

    organiser = make_user(is_expert=True)
    start = timezone.now() + timedelta(days=5)
    event = event_services.create_event(
        actor=organiser,
        data=event_services.EventData(
            title="Training", kind="training", starts_at=start, ends_at=start + timedelta(hours=2)
        ),
    )
    resource = make_resource(title="Reading for the training")
    sign_in(client, member)
    assert client.get(reverse("library:materials", args=[event.pk])).status_code == 404
    sign_in(client, organiser)
    client.post(
        reverse("library:materials", args=[event.pk]), {"resource": resource.pk, "when": "before"}
    )
    sign_in(client, member)
    page = client.get(event.get_absolute_url()).content.decode()
    assert "Reading for the training" in page and "Reading before the event" in page


def test_a_lesson_source_pointing_into_the_library_shows_type_and_year(
    client, member, make_resource, settings
) -> None:
    from lessons import services as lesson_services
    from lessons.models import LessonState

    resource = make_resource(title="Curfew report", published_on=date(2021, 3, 1))
    lesson = lesson_services.create_lesson(
        author=member,
        data=lesson_services.LessonData(
            title="Curfews",
            summary="What curfews taught us.",
            setting="other",
            what_happened="Patrols at night.",
            sources=[
                lesson_services.SourceData(
                    title="Curfew report", url=settings.SITE_URL + resource.get_absolute_url()
                )
            ],
        ),
    )
    type(lesson).objects.filter(pk=lesson.pk).update(state=LessonState.PUBLISHED)
    sign_in(client, member)
    page = client.get(lesson.get_absolute_url()).content.decode()
    assert "Library: Report" in page and ">2021<" in page


def test_a_photo_in_the_library_carries_no_gps(client, expert) -> None:
    from io import BytesIO

    from PIL import Image

    sign_in(client, expert)
    url = reverse("library:create")
    data = {**FORM, "files": [upload("march.jpg", jpeg_with_gps(), "image/jpeg")]}
    page = client.post(url, data).content.decode()
    assert "GPS position" in page
    staged = ResourceFile.objects.get()
    client.post(url, {**FORM, "staged": [staged.pk]})
    response = client.get(Resource.objects.get().files.get().get_absolute_url())
    with Image.open(BytesIO(response.content)) as image:
        assert not image.getexif()


def test_the_lesson_form_offers_library_documents_as_sources(
    client, member, make_user, make_resource, settings
) -> None:
    readable = make_resource(title="Curfew report", published_on=date(2021, 3, 1))
    make_resource(by=make_user(), title="Someone's waiting notes")
    sign_in(client, member)
    page = client.get(reverse("lessons:create")).content.decode()
    assert 'list="library-sources"' in page
    assert f'value="{settings.SITE_URL}{readable.get_absolute_url()}"' in page
    assert "Curfew report (Report, 2021)" in page
    assert "waiting notes" not in page


def test_visitors_do_not_see_which_members_wrote_a_public_resource(
    client, member, make_resource
) -> None:
    resource = make_resource(
        title="Public paper", visibility="public", authors="A. Author", author_members=[member]
    )
    assert member.name not in client.get(resource.get_absolute_url()).content.decode()
    sign_in(client, member)
    assert member.name in client.get(resource.get_absolute_url()).content.decode()


def test_a_visitors_filters_name_nothing_of_members_only_resources(client, make_resource):
    make_resource(title="Members paper", country="BY", published_on=date(1999, 5, 1))
    make_resource(title="Public paper", visibility="public", published_on=date(2020, 1, 1))
    page = client.get(reverse("library:list")).content.decode()
    assert "Belarus" not in page and ">1999<" not in page and ">2020<" in page


def test_more_files_than_a_resource_may_have_are_not_all_stored(client, member, settings):
    sign_in(client, member)
    files = [upload(f"{n}.txt", b"notes", "text/plain") for n in range(12)]
    response = client.post(reverse("library:create"), {**FORM, "files": files})
    assert "at most 10 files" in response.content.decode()
    assert ResourceFile.objects.count() == 10
