"""The event list kept whole (events.fragments.kept_event_list).

A kept list is keyed by its rows' ids and row versions (moved by database
triggers, events migration 0003), the count, the page, the query string,
the form's choices and the viewer's time zone. Each test changes one thing
the list shows by a plain ORM write, as any code path might, and reads the
list again: the change shows at once, and a list made for someone who may
see more (an invitation-only event) never reaches anyone else.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from common import fragments
from events.models import Event, EventLanguage, EventVisibility, Registration, RegistrationState
from members.models import Tag, User
from tests.conftest import sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_fragment_store")]

EVENTS = "/events/"


@pytest.fixture
def setup(make_event, topics):
    event = make_event(title="Kettling and the law", tags=topics[:1], capacity=5)
    EventLanguage.objects.create(event=event, code="sw")
    other = make_event(title="Body cameras in court", tags=topics[1:2])
    # Every language the tests add is already offered by the filter form: the
    # row's own version must show the change.
    for code in ("ar", "pt"):
        EventLanguage.objects.create(event=other, code=code)
    return event, other


def read(client: Client, member: User | None, url: str = EVENTS) -> str:
    if member is not None:
        sign_in(client, member)
    response = client.get(url)
    assert response.status_code == 200
    match = re.search(r"<main\b.*?</main>", response.content.decode(), re.S)
    assert match, "no <main> on the page"
    return match.group(0)


def queries(client: Client, url: str = EVENTS) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_next_member_gets_the_kept_list_without_the_rows_queries(
    client, setup, make_user
) -> None:
    first, second = make_user(), make_user()
    rendered = read(client, first)
    sign_in(client, second)
    client.get(EVENTS)
    fragments.store.clear()
    cold = queries(client)
    warm = queries(client)
    # Neither the events with their counts, their languages nor their topics.
    assert warm <= cold - 3
    assert read(client, second) == rendered
    assert "Kettling and the law" in rendered


def _rename(setup, **_):
    event, _other = setup
    Event.objects.filter(pk=event.pk).update(title="Kettling and the courts")
    return "Kettling and the courts"


def _cancel(setup, **_):
    from django.utils import timezone

    event, _other = setup
    Event.objects.filter(pk=event.pk).update(cancelled_at=timezone.now())
    return "Cancelled"


def _capacity(setup, **_):
    event, _other = setup
    Event.objects.filter(pk=event.pk).update(capacity=12)
    return "0 places of 12 taken"


def _language(setup, **_):
    event, _other = setup
    EventLanguage.objects.create(event=event, code="ar")
    return "sw, ar"


def _language_removed(setup, **_):
    event, _other = setup
    EventLanguage.objects.filter(event=event, code="sw").delete()
    EventLanguage.objects.create(event=event, code="pt")
    return "en, pt"


def _registration(setup, make_user, **_):
    event, _other = setup
    Registration.objects.create(event=event, member=make_user(), state=RegistrationState.CONFIRMED)
    return "1 place of 5 taken"


def _registration_cancelled(setup, make_user, **_):
    event, _other = setup
    first, _second = (
        Registration.objects.create(event=event, member=make_user(), state="confirmed")
        for _ in range(2)
    )
    read(Client(), make_user())  # kept with two places taken
    Registration.objects.filter(pk=first.pk).update(state=RegistrationState.CANCELLED)
    return "1 place of 5 taken"


def _rename_topic(setup, **_):
    event, _other = setup
    Tag.objects.filter(pk=event.tags.first().pk).update(name="Containment tactics")
    return "Containment tactics"


def _file_under_topic(setup, topics, **_):
    event, _other = setup
    event.tags.add(topics[2])
    return f'?tag={topics[2].slug}"><bdi>'


def _new_event(setup, make_event, **_):
    make_event(title="A webinar announced a moment ago")
    return "A webinar announced a moment ago"


@pytest.mark.parametrize(
    "change",
    [
        _rename,
        _cancel,
        _capacity,
        _language,
        _language_removed,
        _registration,
        _registration_cancelled,
        _rename_topic,
        _file_under_topic,
        _new_event,
    ],
    ids=lambda change: change.__name__.strip("_"),
)
def test_each_change_shows_at_once(
    client, setup, member, make_user, make_event, topics, change
) -> None:
    before = read(client, member)
    shown = change(setup, make_user=make_user, make_event=make_event, topics=topics)
    if change is not _file_under_topic:
        assert shown not in before
    after = read(client, member)
    assert shown in after
    # What rendering afresh gives, nothing kept.
    fragments.store.clear()
    assert read(client, member) == after


def test_an_event_removed_or_ended_leaves_the_list_at_once(client, setup, member) -> None:
    event, other = setup
    read(client, member)
    Event.objects.filter(pk=event.pk).delete()
    assert "Kettling and the law" not in read(client, member)
    # Ended: no longer upcoming, and in the past events at once.
    Event.objects.filter(pk=other.pk).update(
        starts_at=other.starts_at - timedelta(days=30), ends_at=other.ends_at - timedelta(days=30)
    )
    assert "Body cameras in court" not in read(client, member)
    assert "Body cameras in court" in read(client, member, "/events/past/")


def test_an_invitation_only_event_never_reaches_those_not_invited(
    client, setup, member, make_user
) -> None:
    event, _other = setup
    invitee = make_user()
    Event.objects.filter(pk=event.pk).update(visibility=EventVisibility.INVITATION)
    event.invitees.add(invitee)
    assert "Kettling and the law" in read(client, invitee)
    assert "Kettling and the law" not in read(client, member)
    assert "Kettling and the law" not in read(Client(), None)
    fragments.store.clear()
    assert "Kettling and the law" not in read(client, member)
    assert "Kettling and the law" in read(client, invitee)


def test_the_zone_the_query_string_and_the_language_are_part_of_the_key(
    client, setup, member
) -> None:
    event, _other = setup
    everything = read(client, member)
    slug = event.tags.first().slug
    filtered = read(client, member, f"{EVENTS}?tag={slug}")
    assert filtered != everything
    assert "Remove filter" in filtered and "Remove filter" not in everything
    assert "Body cameras in court" not in filtered
    User.objects.filter(pk=member.pk).update(time_zone="Asia/Kolkata")
    assert read(client, member) != everything
    User.objects.filter(pk=member.pk).update(time_zone="UTC", language="fr")
    assert "Filtrer" in read(client, member)


def test_a_topic_made_official_is_offered_in_the_filter_form(client, setup, member) -> None:
    spare = Tag.objects.create(name="Crowd monitoring", slug="crowd-monitoring", is_official=False)
    assert "Crowd monitoring" not in read(client, member)
    Tag.objects.filter(pk=spare.pk).update(is_official=True)
    assert "Crowd monitoring" in read(client, member)
    Tag.objects.filter(pk=spare.pk).update(name="Assembly monitoring")
    html = read(client, member)
    assert "Assembly monitoring" in html and "Crowd monitoring" not in html


def test_a_purge_empties_the_kept_lists(client, setup, member) -> None:
    read(client, member)
    assert len(fragments.store)
    fragments.forget_everything()
    assert not len(fragments.store)


def test_every_row_version_trigger_is_in_the_database() -> None:
    """On SQLite a migration that rebuilds a table drops its triggers silently:
    such a migration must create them again, and this fails until it does."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        else:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        names = {row[0] for row in cursor.fetchall()}
    wanted = {"events_event_row_version", "events_tag_row_version"}
    for table in ("events_eventlanguage", "events_registration", "events_taggeditem"):
        if connection.vendor == "postgresql":
            wanted.add(f"{table}_row_version")
        else:
            wanted |= {f"{table}_row_version_{event}" for event in ("insert", "update", "delete")}
    assert wanted <= names, sorted(wanted - names)


def test_the_database_moves_the_version_whatever_python_writes(setup) -> None:
    """A stale instance saved later can never move the version back."""
    event, _other = setup
    stale = Event.objects.get(pk=event.pk)
    Event.objects.filter(pk=event.pk).update(title="Kettling and the courts")
    moved = Event.objects.get(pk=event.pk).row_version
    stale.save()
    assert Event.objects.get(pk=event.pk).row_version > moved


def test_a_visitors_language_filter_names_no_members_only_event(client, setup, member) -> None:
    """The filter offers the languages of the events the viewer may see."""
    event, _other = setup
    Event.objects.filter(pk=event.pk).update(visibility=EventVisibility.PUBLIC)
    EventLanguage.objects.create(event=event, code="fr")
    # "ar" and "pt" are only on the members' event of the setup.
    assert "Arabic" in read(client, member)
    visitor = read(Client(), None)
    assert "French" in visitor and "Arabic" not in visitor
