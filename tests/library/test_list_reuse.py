"""The library list kept whole (library.views.resource_list, common.fragments.kept_render).

Without search words the list's content (search form, filter menus, count,
rows, page links, collections) is kept by the catalogue version, which the
database moves on every write to what it shows (library migration 0003),
the viewer's class (members or visitors) and the query string. Each test
changes one thing the list shows by a plain ORM write, as any code path
might, and reads the list again: the change shows at once, and the members'
list never reaches a visitor.
"""

from __future__ import annotations

import importlib
import re
from datetime import date

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from common import fragments
from lessons.models import Instrument, Provision
from library.models import (
    CatalogueVersion,
    Collection,
    CollectionItem,
    Resource,
    ResourceFile,
    ResourceLanguage,
    ResourceState,
)
from members.models import Tag, User
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

LIBRARY = "/library/"


@pytest.fixture
def provision(db: None) -> Provision:
    instrument = Instrument.objects.create(
        slug="basic-principles",
        title="Basic Principles on the Use of Force and Firearms",
        short_title="Basic Principles",
        year=1990,
        source_url="https://www.ohchr.org/en/instruments-mechanisms/basic-principles",
    )
    return Provision.objects.create(
        instrument=instrument,
        number="13",
        title="Dispersing unlawful but non-violent assemblies",
        source_url="https://www.ohchr.org/en/instruments-mechanisms/basic-principles#13",
    )


@pytest.fixture
def setup(make_resource, topics, provision):
    for tag in topics:
        Tag.objects.filter(pk=tag.pk).update(is_official=True)
    paper = make_resource(
        title="Kettling and the courts", published_on=date(2019, 3, 1), tags=topics[:1]
    )
    paper.provisions.add(provision)
    public = make_resource(title="A public guide", visibility="public", tags=topics[1:2])
    return paper, public


def read(client: Client, member: User | None, url: str = LIBRARY) -> str:
    if member is not None:
        sign_in(client, member)
    response = client.get(url)
    assert response.status_code == 200
    match = re.search(r"<main\b.*?</main>", response.content.decode(), re.S)
    assert match, "no <main> on the page"
    return match.group(0)


def queries(client: Client, url: str = LIBRARY) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_next_member_gets_the_kept_list_without_its_queries(client, setup, make_user) -> None:
    first, second = make_user(), make_user()
    rendered = read(client, first)
    sign_in(client, second)
    client.get(LIBRARY)
    fragments.store.clear()
    cold = queries(client)
    warm = queries(client)
    # Neither the menus, the count, the rows with their languages, files and
    # topics, nor the collections: the version instead.
    assert warm <= cold - 8
    assert read(client, second) == rendered
    assert "Kettling and the courts" in rendered


def _rename(setup, **_):
    paper, _public = setup
    Resource.objects.filter(pk=paper.pk).update(title="Kettling before the courts")
    return "Kettling before the courts"


def _language(setup, **_):
    paper, _public = setup
    ResourceLanguage.objects.create(resource=paper, code="sw")
    return "Swahili"


def _file(setup, **_):
    paper, _public = setup
    ResourceFile.objects.create(
        resource=paper, name="annex.pdf", media_type="application/pdf", extension="pdf",
        size=10, stored_as="annex-stored",
    )  # fmt: skip
    return "1 file"


def _rename_topic(setup, topics, **_):
    Tag.objects.filter(pk=topics[0].pk).update(name="Containment tactics")
    return "Containment tactics"


def _file_under_topic(setup, topics, **_):
    paper, _public = setup
    paper.tags.add(topics[3])
    return f'?tag={topics[3].slug}"><bdi>'


def _rename_provision(setup, provision, **_):
    Provision.objects.filter(pk=provision.pk).update(title="Dispersal of assemblies")
    return "Dispersal of assemblies"


def _collection(setup, **_):
    paper, _public = setup
    collection = Collection.objects.create(slug="kettling", title="Kettling dossier")
    CollectionItem.objects.create(collection=collection, resource=paper)
    return "Kettling dossier</a> <bdi>(1)</bdi>"


def _withdraw(setup, **_):
    paper, _public = setup
    Resource.objects.filter(pk=paper.pk).update(state=ResourceState.REVIEW)
    return "1 resource"


def _new_resource(setup, make_resource, **_):
    make_resource(title="Stop and search in the city")
    return "Stop and search in the city"


@pytest.mark.parametrize(
    "change",
    [
        _rename,
        _language,
        _file,
        _rename_topic,
        _file_under_topic,
        _rename_provision,
        _collection,
        _withdraw,
        _new_resource,
    ],
    ids=lambda change: change.__name__.strip("_"),
)
def test_each_change_shows_at_once(
    client, setup, member, make_resource, topics, provision, change
) -> None:
    before = read(client, member)
    shown = change(setup, make_resource=make_resource, topics=topics, provision=provision)
    assert shown not in before
    after = read(client, member)
    assert shown in after
    # What rendering afresh gives, nothing kept.
    fragments.store.clear()
    assert read(client, member) == after


def test_the_members_list_never_reaches_a_visitor(client, setup, member) -> None:
    assert "Kettling and the courts" in read(client, member)
    visitor = read(Client(), None)
    assert "Kettling and the courts" not in visitor and "A public guide" in visitor
    assert ">2019<" not in visitor  # the menus too
    fragments.store.clear()
    assert "Kettling and the courts" not in read(Client(), None)
    assert "Kettling and the courts" in read(client, member)


def test_the_query_string_and_the_language_are_part_of_the_key(
    client, setup, member, topics
) -> None:
    everything = read(client, member)
    filtered = read(client, member, f"{LIBRARY}?tag={topics[1].slug}")
    assert filtered != everything
    assert "Remove filter" in filtered and "Kettling and the courts" not in filtered
    User.objects.filter(pk=member.pk).update(language="fr")
    assert "Bibliothèque" in read(client, member)


def test_a_search_is_not_kept(client, setup, member) -> None:
    read(client, member)
    kept = len(fragments.store)
    html = read(client, member, f"{LIBRARY}?q=kettling")
    assert "Kettling" in html
    assert len(fragments.store) == kept + 1  # its rows, not the page


def test_every_catalogue_version_trigger_is_in_the_database() -> None:
    """On SQLite a migration that rebuilds a table drops its triggers silently:
    such a migration must create them again, and this fails until it does."""
    migration = importlib.import_module("library.migrations.0003_catalogue_version")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
            wanted = {f"{table}_catalogue_version" for table in migration.TABLES}
            wanted.add("library_taggeditem_catalogue_version")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            wanted = set(migration.SQLITE_TRIGGERS)
        names = {row[0] for row in cursor.fetchall()}
    assert len(wanted) >= 10
    assert wanted <= names, sorted(wanted - names)


def test_the_version_moves_on_each_kind_of_write(setup, topics, provision) -> None:
    paper, _public = setup

    def version() -> int:
        return CatalogueVersion.objects.get(pk=1).version

    writes = [
        lambda: Resource.objects.filter(pk=paper.pk).update(series="Briefings"),
        lambda: ResourceLanguage.objects.create(resource=paper, code="ar"),
        lambda: paper.provisions.remove(provision),
        lambda: paper.tags.add(topics[4]),
        lambda: Tag.objects.filter(pk=topics[5].pk).update(description="Cameras"),
        lambda: Instrument.objects.update(short_title="BPUFF"),
        lambda: Collection.objects.create(slug="c", title="C"),
    ]
    for write in writes:
        before = version()
        write()
        assert version() > before
    # A topic filed on a thread is not the library's business.
    content_type = ContentType.objects.get_for_model(User)
    before = version()
    topics[0].tagged_items.create(content_type=content_type, object_id=1)
    assert version() == before


def test_the_audience_is_all_the_list_knows_of_its_viewer(
    setup, make_resource, member, expert, moderator, make_user
) -> None:
    """The kept list is shared by everyone of one audience: every viewer of an
    audience must have the same listed resources, whatever else they may see
    (a reviewer the review queue, an author their waiting resource)."""
    from django.contrib.auth.models import AnonymousUser

    from library import selectors

    author = make_user()
    waiting = make_resource(author, title="Waiting for review")
    Resource.objects.filter(pk=waiting.pk).update(state=ResourceState.REVIEW)
    viewers = [AnonymousUser(), member, expert, moderator, author]
    by_audience: dict[bool, set[frozenset[int]]] = {}
    for viewer in viewers:
        listed = frozenset(selectors.listed_resources(viewer).values_list("pk", flat=True))
        by_audience.setdefault(selectors.lists_as_member(viewer), set()).add(listed)
    assert set(by_audience) == {True, False}
    assert all(len(lists) == 1 for lists in by_audience.values()), by_audience
