"""The library list's reused rows (library.fragments) are never stale.

A list renders each resource's row once per process and reuses it (issue 20);
every value the row shows is in its key, so an edit, a new topic, another
file or language, publication, or another interface language shows at once.
"""

from __future__ import annotations

import copy
from datetime import date

import pytest
from django.template.loader import get_template
from django.urls import reverse

from common import fragments
from library import fragments as library_fragments
from library import selectors, services
from library.models import Resource
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_store():
    fragments.store.clear()
    yield
    fragments.store.clear()


def _row(resource: Resource) -> Resource:
    return selectors.with_rows(Resource.objects.filter(pk=resource.pk)).get()


def _copy(instance, **changes):
    changed = copy.copy(instance)
    for name, value in changes.items():
        setattr(changed, name, value)
    return changed


class _Listed:
    """A prefetched relation's stand-in: ``all()`` answers the given rows."""

    def __init__(self, rows):
        self.rows = rows

    def all(self):
        return self.rows


def _relation(resource, name, rows):
    changed = _copy(resource)
    changed.__dict__["_prefetched_objects_cache"] = {
        **resource._prefetched_objects_cache,
        name: rows,
    }
    return changed


CHANGES = {
    "pk": lambda r: _copy(r, pk=r.pk + 1000),
    "title": lambda r: _copy(r, title=r.title + " (second edition)"),
    "kind": lambda r: _copy(r, kind="guidance"),
    "state": lambda r: _copy(r, state="review"),
    "authors": lambda r: _copy(r, authors="Someone Else"),
    "published_on": lambda r: _copy(r, published_on=date(2001, 1, 1)),
    "series": lambda r: _copy(r, series="Short Paper Series"),
    "number": lambda r: _copy(r, number=7),
    "languages": lambda r: _relation(
        r, "languages", [*r.languages.all(), _copy(r.languages.all()[0], code="ar")]
    ),
    "files": lambda r: _relation(r, "files", [object()]),
    "tags": lambda r: _relation(r, "tags", [_copy(r.tags.all()[0], name="Another topic")]),
}


@pytest.fixture
def row(make_resource, topics) -> Resource:
    return _row(make_resource(title="Curfews in twelve cities", languages=["en"], tags=topics[:1]))


def test_every_input_of_a_resource_row_has_a_change_below(row) -> None:
    assert len(library_fragments.resource_row_key(row)) == len(CHANGES)


@pytest.mark.parametrize("name", CHANGES)
def test_each_input_of_a_resource_row_changes_its_key(name, row) -> None:
    before = library_fragments.resource_row_key(row)
    assert library_fragments.resource_row_key(CHANGES[name](row)) != before


def test_a_reused_row_is_what_rendering_it_afresh_gives(rf, member, row) -> None:
    request = rf.get("/")
    request.user = member
    fresh = get_template(library_fragments.RESOURCE_ROW_TEMPLATE).render({"resource": row})
    library_fragments.render_resource_rows(request, [row])
    stored = len(fragments.store)
    again = _row(row)
    library_fragments.render_resource_rows(request, [again])
    assert len(fragments.store) == stored == 1
    assert again.rendered == row.rendered == fresh


def test_an_edit_and_a_new_topic_show_in_the_list_at_once(
    client, member, expert, make_resource, topics
) -> None:
    resource = make_resource(title="Curfews in twelve cities", tags=topics[:1])
    sign_in(client, member)
    url = reverse("library:list")
    assert "Curfews in twelve cities" in client.get(url).content.decode()
    data = services.ResourceData(
        kind="report",
        title="Curfews in fourteen cities",
        source_url="https://example.org/report",
        tags=topics[:2],
    )
    services.update_resource(actor=expert, resource=resource, data=data)
    page = client.get(url).content.decode()
    assert "Curfews in fourteen cities" in page and "Curfews in twelve cities" not in page
    assert f"?tag={topics[1].slug}" in page


def test_each_language_has_its_own_rows(client, member, make_resource) -> None:
    make_resource(title="A guide", kind="guidance")
    sign_in(client, member)
    url = reverse("library:list")
    assert "Guidance or tool" in client.get(url).content.decode()
    client.post(reverse("set_language"), {"language": "fr", "next": url})
    french = client.get(url).content.decode()
    assert "Guidance or tool" not in french
