"""Search inside the library's files, with the page of each hit, on SQLite and PostgreSQL.

Both CI suites run these: the embedded default (SQLite FTS5) and PostgreSQL.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from library import search, selectors, services
from library.services import ResourceData
from tests.conftest import sign_in
from tests.library.conftest import pdf_bytes

pytestmark = pytest.mark.django_db


def results_for(viewer, text):
    return search.search_resources(text, selectors.listed_resources(viewer))


def test_a_word_only_inside_a_pdf_is_found_with_its_page(member, make_resource) -> None:
    resource = make_resource(
        title="Annual report",
        pages=("Introduction to the report", "Custody records", "The word zanzibarian here"),
    )
    (hit,) = results_for(member, "zanzibarian")[:10]
    assert hit.resource == resource
    assert hit.page is not None and hit.page.number == 3
    assert hit.page.url.endswith("#page=3")
    assert "<mark>zanzibarian</mark>" in hit.page.snippet


def test_the_library_page_shows_the_hit_with_a_link_to_the_page(
    client, member, make_resource
) -> None:
    make_resource(title="Annual report", pages=("Nothing", "Quarantinekit twice: quarantinekit"))
    sign_in(client, member)
    page = client.get(reverse("library:list"), {"q": "quarantinekit"}).content.decode()
    assert "Page 2" in page and "#page=2" in page and "<mark>" in page


def test_text_joins_the_index_only_when_the_worker_read_it(member, make_resource) -> None:
    make_resource(title="Report", pages=("The word okapimarsh",), read=False)
    assert len(results_for(member, "okapimarsh")) == 0
    services.extract_pending()
    assert len(results_for(member, "okapimarsh")) == 1


def test_titles_and_abstracts_are_found_and_ranked_first(member, make_resource) -> None:
    in_title = make_resource(title="Kettling at protests")
    in_text = make_resource(title="Other report", pages=("Police used kettling once",))
    hits = results_for(member, "kettling")[:10]
    assert [hit.resource for hit in hits] == [in_title, in_text]
    assert "<mark>Kettling</mark>" in hits[0].title


def test_search_finds_only_what_the_viewer_may_open(
    member, make_user, make_resource, client
) -> None:
    make_resource(title="Members report", pages=("lemurquartz inside",))
    make_resource(title="Public report", pages=("lemurquartz inside",), visibility="public")
    author = make_user()
    make_resource(by=author, title="Waiting report", pages=("lemurquartz inside",))
    visitor_hits = client.get(reverse("library:list"), {"q": "lemurquartz"}).content.decode()
    assert "Public report" in visitor_hits and "Members report" not in visitor_hits
    titles = {hit.resource.title for hit in results_for(member, "lemurquartz")[:10]}
    assert titles == {"Members report", "Public report"}  # not the one waiting for review


def test_a_deleted_resources_text_leaves_the_index(moderator, member, make_resource) -> None:
    resource = make_resource(title="Gone", pages=("pangolinveil",))
    services.delete_resource(actor=moderator, resource=resource)
    assert len(results_for(member, "pangolinveil")) == 0
    fresh = make_resource(title="Fresh", pages=("unrelated words",))
    assert fresh.pk and len(results_for(member, "pangolinveil")) == 0


def test_the_site_search_shows_library_hits(client, member, make_resource) -> None:
    make_resource(title="Report", pages=("Intro", "The tapirglow finding"))
    sign_in(client, member)
    page = client.get(reverse("search"), {"q": "tapirglow"}).content.decode()
    assert "In the library" in page and "#page=2" in page


def test_filters_narrow_the_search(member, make_resource, topics) -> None:
    make_resource(title="Force report", pages=("ocelotmint",), tags=[topics[0]])
    make_resource(title="Other report", pages=("ocelotmint",), kind="guidance")
    findable = selectors.filtered(
        selectors.listed_resources(member), selectors.Filters(kinds=["guidance"])
    )
    hits = search.search_resources("ocelotmint", findable)[:10]
    assert [hit.resource.title for hit in hits] == ["Other report"]


def test_a_search_query_count_does_not_grow_with_hits(member, make_resource) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for(word: str, rows: int) -> int:
        for n in range(rows):
            make_resource(title=f"Report {word} {n}", pages=(word, f"{word} again"))
        with CaptureQueriesContext(connection) as context:
            hits = results_for(member, word)[:25]
            [hit.resource.languages.all() for hit in hits]
        assert len(hits) == rows
        return len(context.captured_queries)

    few, many = queries_for("civetlamp", 2), queries_for("genetmoss", 9)
    # The two candidate lists, the owners of the pages, the resources with their
    # languages, tags and files, the pages, two excerpt queries (and PostgreSQL parses).
    assert few == many <= 11


def test_the_page_of_a_language_version_is_searched_in_its_language(expert, make_resource):
    file = services.stage_file(
        actor=expert,
        name="guide.pdf",
        language="fr",
        data=pdf_bytes("Les manifestations pacifiques"),
    )
    services.create_resource(
        actor=expert,
        data=ResourceData(kind="guidance", title="Guide", languages=["fr"]),
        staged=[file],
    )
    services.extract_pending()
    # French stemming on PostgreSQL, porter with diacritics removed on SQLite: the
    # singular finds the plural either way.
    assert len(results_for(expert, "manifestation")) == 1


def test_a_file_removed_on_edit_leaves_no_text_in_the_index(expert, make_resource) -> None:
    from django.db import connection

    resource = make_resource(title="Report", pages=("wombatflute inside",))
    file = resource.files.get()
    data = ResourceData(kind="report", title="Report", source_url="https://example.org/r")
    services.update_resource(actor=expert, resource=resource, data=data, remove_files=[file.pk])
    assert len(results_for(expert, "wombatflute")) == 0
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM library_filepage_fts")
            assert cursor.fetchone()[0] == 0


def test_the_search_page_query_count_does_not_grow_with_hits(client, member, make_resource):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    sign_in(client, member)

    def queries(word: str, rows: int) -> int:
        for n in range(rows):
            make_resource(title=f"Paper {word} {n}", pages=(word,))
        with CaptureQueriesContext(connection) as context:
            client.get(reverse("library:list"), {"q": word})
        return len(context.captured_queries)

    assert queries("quokkabell", 2) == queries("marmotzinc", 8)
