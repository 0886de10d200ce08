"""The event list's reused rows (events.fragments) are never stale.

The list renders each event's row once per process and reuses it (issue 20);
every value the row shows is in its key, so an edit, a cancellation, a new
registration, another time zone or interface language shows at once.
"""

from __future__ import annotations

import zoneinfo
from datetime import timedelta

import pytest
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone

from common import fragments
from events import fragments as event_fragments
from events import selectors, services
from events.models import Event
from members.models import User
from tests.conftest import copy_with, sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_fragment_store")]

UTC = zoneinfo.ZoneInfo("UTC")


def _row(event: Event) -> Event:
    return selectors.with_rows(Event.objects.filter(pk=event.pk)).get()


def _relation(event, name, rows):
    changed = copy_with(event)
    changed.__dict__["_prefetched_objects_cache"] = {
        **event._prefetched_objects_cache,
        name: rows,
    }
    return changed


CHANGES = {
    "pk": lambda e: (copy_with(e, pk=e.pk + 1000), UTC),
    "title": lambda e: (copy_with(e, title=e.title + " (second day)"), UTC),
    "kind": lambda e: (copy_with(e, kind="webinar"), UTC),
    "cancelled": lambda e: (copy_with(e, cancelled_at=timezone.now()), UTC),
    "starts_at": lambda e: (copy_with(e, starts_at=e.starts_at + timedelta(hours=1)), UTC),
    "zone": lambda e: (e, zoneinfo.ZoneInfo("Asia/Kolkata")),
    "languages": lambda e: (
        _relation(e, "languages", [*e.languages.all(), copy_with(e.languages.all()[0], code="ar")]),
        UTC,
    ),
    "confirmed_count": lambda e: (copy_with(e, confirmed_count=e.confirmed_count + 1), UTC),
    "capacity": lambda e: (copy_with(e, capacity=e.capacity + 1), UTC),
    "tags": lambda e: (
        _relation(e, "tags", [copy_with(e.tags.all()[0], name="Another topic")]),
        UTC,
    ),
}


@pytest.fixture
def row(make_event, topics) -> Event:
    return _row(make_event(title="Kettling and the law", tags=topics[:1]))


def test_every_input_of_an_event_row_has_a_change_below(row) -> None:
    assert len(event_fragments.event_row_key(row, UTC)) == len(CHANGES)


@pytest.mark.parametrize("name", CHANGES)
def test_each_input_of_an_event_row_changes_its_key(name, row) -> None:
    before = event_fragments.event_row_key(row, UTC)
    assert event_fragments.event_row_key(*CHANGES[name](row)) != before


def test_a_reused_row_is_what_rendering_it_afresh_gives(rf, member, row) -> None:
    request = rf.get("/")
    request.user = member
    fresh = get_template(event_fragments.EVENT_ROW_TEMPLATE).render(
        {"event": row, "member_zone": UTC}
    )
    event_fragments.render_event_rows(request, [row], UTC)
    again = _row(row)
    event_fragments.render_event_rows(request, [again], UTC)
    assert len(fragments.store) == 1
    assert again.rendered == row.rendered == fresh


def test_an_edit_a_registration_and_a_cancellation_show_in_the_list_at_once(
    client, member: User, organiser: User, make_event, event_data, topics
) -> None:
    event = make_event(title="Kettling and the law", tags=topics[:1], capacity=5)
    sign_in(client, member)
    url = reverse("events:list")
    page = client.get(url).content.decode()
    assert "Kettling and the law" in page and "0 places of 5 taken" in page
    services.update_event(
        actor=organiser,
        event=event,
        data=event_data(
            title="Kettling and the courts", tags=topics[:2], capacity=5, organisers=[organiser]
        ),
    )
    services.register(member=member, event=event)
    page = client.get(url).content.decode()
    assert "Kettling and the courts" in page and "Kettling and the law" not in page
    assert f"?tag={topics[1].slug}" in page and "1 place of 5 taken" in page
    services.cancel_event(actor=organiser, event=event)
    assert "Cancelled" in client.get(url).content.decode()


def test_each_member_sees_the_start_in_their_own_zone(client, member: User, make_event) -> None:
    event = make_event(title="Kettling and the law")
    sign_in(client, member)
    url = reverse("events:list")
    utc = timezone.localtime(event.starts_at, UTC).strftime("%H:%M")
    assert utc in client.get(url).content.decode()
    User.objects.filter(pk=member.pk).update(time_zone="Asia/Kolkata")
    kolkata = timezone.localtime(event.starts_at, zoneinfo.ZoneInfo("Asia/Kolkata"))
    page = client.get(url).content.decode()
    assert kolkata.strftime("%H:%M") in page and f">{utc}" not in page
