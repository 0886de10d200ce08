"""The event pages, the calendar files and the feeds, as members and visitors get them."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from events import services
from events.models import Event, EventKind, EventVisibility, Registration
from tests.conftest import sign_in

PLACE = "Community hall, Kisumu"
PARTS = ("name", "bio", "organisation", "country", "languages", "role", "expertise")
LINK = "https://meet.example.org/assemblies"


def test_upcoming_and_past_lists(client, make_event, member) -> None:
    upcoming = make_event(title="Upcoming training")
    make_event(title="Old meeting", kind=EventKind.MEETING, shift=timedelta(days=-30))
    sign_in(client, member)
    page = client.get(reverse("events:list")).content.decode()
    assert "Upcoming training" in page and "Old meeting" not in page
    past = client.get(reverse("events:past")).content.decode()
    assert "Old meeting" in past and "Upcoming training" not in past
    assert upcoming.get_absolute_url() in page


def test_filters_by_kind_topic_and_language(client, make_event, member, topics) -> None:
    make_event(title="A webinar in French", kind=EventKind.WEBINAR, languages=["fr"])
    make_event(title="A training on force", tags=[topics[0]])
    sign_in(client, member)
    url = reverse("events:list")
    assert "A training on force" not in client.get(url, {"kind": "webinar"}).content.decode()
    by_topic = client.get(url, {"tag": topics[0].slug}).content.decode()
    assert "A training on force" in by_topic and "A webinar in French" not in by_topic
    by_language = client.get(url, {"language": "fr"}).content.decode()
    assert "A webinar in French" in by_language and "A training on force" not in by_language


def test_the_list_query_count_does_not_grow_with_rows(
    client, make_event, member, topics, django_assert_max_num_queries
) -> None:
    for n in range(12):
        make_event(title=f"Training {n}", tags=topics[:2])
    sign_in(client, member)
    with django_assert_max_num_queries(25):
        assert client.get(reverse("events:list")).status_code == 200


def test_visitors_see_only_public_announcements(client, make_event) -> None:
    make_event(title="Members only training")
    public = make_event(title="Open webinar", visibility=EventVisibility.PUBLIC)
    page = client.get(reverse("events:list")).content.decode()
    assert "Open webinar" in page and "Members only training" not in page
    assert client.get(public.get_absolute_url()).status_code == 200
    hidden = Event.objects.get(title="Members only training")
    assert client.get(hidden.get_absolute_url()).status_code == 404


def test_the_month_view_works_without_javascript(client, make_event, member) -> None:
    event = make_event(title="Training in the month")
    local = timezone.localtime(event.starts_at, ZoneInfo("UTC"))
    sign_in(client, member)
    page = client.get(reverse("events:month", args=[local.year, local.month])).content.decode()
    assert "Training in the month" in page
    assert "<table" in page and 'rel="next"' in page
    assert client.get(reverse("events:month", args=[2024, 13])).status_code == 404


def test_a_month_names_its_days_and_says_when_it_holds_no_event(client, make_event, member):
    # On a phone the month is a list of its days with events: each says its weekday.
    start = datetime(2031, 3, 4, 9, 0, tzinfo=ZoneInfo("UTC"))
    make_event(title="Two days in March", starts_at=start, ends_at=start + timedelta(days=1))
    sign_in(client, member)
    march = client.get(reverse("events:month", args=[2031, 3])).content.decode()
    assert march.count("Two days in March") == 2
    assert march.count('class="has-events"') == 2
    assert '<span class="day-name">Tuesday</span>' in march
    assert "No events this month." not in march
    april = client.get(reverse("events:month", args=[2031, 4])).content.decode()
    assert "No events this month." in april and "has-events" not in april


def test_times_are_shown_in_the_members_zone_and_the_events(client, make_event, member):
    start = datetime(2031, 3, 4, 9, 0, tzinfo=ZoneInfo("Africa/Nairobi"))
    event = make_event(starts_at=start, ends_at=start + timedelta(hours=2))
    member.time_zone = "America/Bogota"
    member.save(update_fields=["time_zone"])
    sign_in(client, member)
    page = client.get(event.get_absolute_url()).content.decode()
    assert "01:00" in page and "(America/Bogota)" in page  # 09:00 in Nairobi
    assert "09:00" in page and "(Africa/Nairobi)" in page


def test_place_and_link_only_for_confirmed_participants(client, make_event, member) -> None:
    event = make_event()
    sign_in(client, member)
    page = client.get(event.get_absolute_url()).content.decode()
    assert PLACE not in page and LINK not in page
    response = client.post(reverse("events:register", args=[event.pk]), {"note": "Hello"})
    assert response.status_code == 302
    page = client.get(event.get_absolute_url()).content.decode()
    assert PLACE in page and LINK in page
    client.post(reverse("events:leave", args=[event.pk]))
    assert PLACE not in client.get(event.get_absolute_url()).content.decode()


def test_a_public_place_is_shown_but_never_the_link(client, make_event, member) -> None:
    event = make_event(place_public=True)
    sign_in(client, member)
    page = client.get(event.get_absolute_url()).content.decode()
    assert PLACE in page and LINK not in page


def test_registering_twice_shows_the_message(client, make_event, member) -> None:
    event = make_event()
    services.register(member=member, event=event)
    sign_in(client, member)
    response = client.post(reverse("events:register", args=[event.pk]))
    assert response.status_code == 400
    assert "registered for this event already" in response.content.decode()


def test_participants_see_each_other_only_when_allowed(client, make_event, make_user) -> None:
    one, two = make_user(display_name="Una One"), make_user(display_name="Tom Two")
    hidden = make_event()
    shown = make_event(show_participants=True)
    for event in (hidden, shown):
        services.register(member=one, event=event)
        services.register(member=two, event=event)
    sign_in(client, one)
    assert "Tom Two" not in client.get(hidden.get_absolute_url()).content.decode()
    assert "Tom Two" in client.get(shown.get_absolute_url()).content.decode()


def test_organisers_see_the_list_and_export_it(client, make_event, organiser, make_user):
    event = make_event(requires_approval=True)
    member = make_user(display_name="=Eve")
    registration = services.register(member=member, event=event, note="@SUM(A1)")
    sign_in(client, organiser)
    page = client.get(reverse("events:participants", args=[event.pk])).content.decode()
    assert "Eve" in page and "@SUM(A1)" in page
    body = client.get(reverse("events:participants_csv", args=[event.pk])).content.decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][:3] == ["name", "handle", "state"]
    # Members' email addresses are never shown to other members, organisers included.
    assert member.email not in body
    assert rows[1][0] == "'=Eve" and rows[1][-1] == "'@SUM(A1)"
    client.post(reverse("events:decide", args=[event.pk, registration.pk]), {"answer": "accept"})
    registration.refresh_from_db()
    assert registration.state == "confirmed"


def test_members_cannot_open_the_participants_list(client, make_event, member) -> None:
    event = make_event()
    sign_in(client, member)
    assert client.get(reverse("events:participants", args=[event.pk])).status_code == 404
    assert client.get(reverse("events:participants_csv", args=[event.pk])).status_code == 404
    assert client.get(reverse("events:edit", args=[event.pk])).status_code == 404


def test_an_organiser_announces_an_event_through_the_form(client, organiser, topics) -> None:
    sign_in(client, organiser)
    response = client.post(
        reverse("events:create"),
        {
            "title": "Webinar on less-lethal weapons",
            "kind": "webinar",
            "time_zone": "Europe/Vienna",
            "starts_at": "2031-06-01T10:00",
            "ends_at": "2031-06-01T12:00",
            "capacity": "100",
            "visibility": "members",
            "languages": ["en", "de"],
            "tags": [topics[0].pk],
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    event = Event.objects.get()
    assert event.starts_at == datetime(2031, 6, 1, 8, 0, tzinfo=ZoneInfo("UTC"))  # CEST
    assert sorted(lang.code for lang in event.languages.all()) == ["de", "en"]


def test_the_form_shows_a_bad_capacity_and_keeps_what_was_typed(client, organiser) -> None:
    sign_in(client, organiser)
    response = client.post(
        reverse("events:create"),
        {
            "title": "Too big",
            "kind": "conference",
            "time_zone": "UTC",
            "starts_at": "2031-06-01T10:00",
            "ends_at": "2031-06-01T09:00",
            "capacity": "5",
            "visibility": "members",
            "languages": ["en"],
        },
    )
    assert response.status_code == 400
    assert "must end after it starts" in response.content.decode()
    assert "Too big" in response.content.decode()
    assert not Event.objects.exists()


# --- iCalendar and feeds -------------------------------------------------------------


def test_the_ics_of_an_event_parses_back_with_its_time_zone(client, make_event, member):
    start = datetime(2031, 3, 4, 9, 0, tzinfo=ZoneInfo("Africa/Nairobi"))
    event = make_event(starts_at=start, ends_at=start + timedelta(hours=2))
    sign_in(client, member)
    response = client.get(reverse("events:ics", args=[event.pk]))
    assert response["Content-Type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(response.content)
    (vevent,) = cal.walk("VEVENT")
    assert vevent["SUMMARY"] == event.title
    assert vevent.decoded("DTSTART") == start
    assert vevent["DTSTART"].params["TZID"] == "Africa/Nairobi"
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Africa/Nairobi"]
    assert "LOCATION" not in vevent  # not a confirmed participant
    services.register(member=member, event=event)
    vevent = icalendar.Calendar.from_ical(
        client.get(reverse("events:ics", args=[event.pk])).content
    ).walk("VEVENT")[0]
    assert PLACE in str(vevent["LOCATION"]) and LINK in str(vevent["LOCATION"])


def test_the_private_calendar_feed_holds_the_members_events(client, make_event, member):
    mine = make_event(title="Mine", time_zone="Europe/Vienna")
    make_event(title="Not mine")
    services.register(member=member, event=mine)
    token = services.calendar_token_for(member=member)
    assert len(token.token) >= 43  # 256 bits, URL-safe base64
    url = reverse("events:private_calendar", args=[token.token])
    cal = icalendar.Calendar.from_ical(client.get(url).content)  # no login: the token
    assert [str(e["SUMMARY"]) for e in cal.walk("VEVENT")] == ["Mine"]
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Vienna"]
    services.replace_calendar_token(member=member)
    assert client.get(url).status_code == 404


def test_the_calendar_settings_page_replaces_the_address(client, member) -> None:
    sign_in(client, member)
    old = services.calendar_token_for(member=member).token
    assert old in client.get(reverse("events:feed_settings")).content.decode()
    client.post(reverse("events:feed_settings"), {"reset": "1"})
    assert services.calendar_token_for(member=member).token != old


def test_the_atom_feed_has_public_events_only(client, make_event) -> None:
    make_event(title="Open webinar", visibility=EventVisibility.PUBLIC)
    make_event(title="Members training")
    body = client.get(reverse("events:feed")).content.decode()
    assert "Open webinar" in body and "Members training" not in body
    page = client.get(reverse("events:list")).content.decode()
    assert 'type="application/atom+xml"' in page


@pytest.mark.parametrize("name", ["events:list", "events:past"])
def test_lists_answer_visitors(client, db, name) -> None:
    assert client.get(reverse(name)).status_code == 200


def test_registration_rows_are_not_duplicated_by_the_form(client, make_event, member) -> None:
    event = make_event()
    sign_in(client, member)
    client.post(reverse("events:register", args=[event.pk]))
    client.post(reverse("events:register", args=[event.pk]))
    assert Registration.objects.filter(event=event).count() == 1


def test_a_member_chooses_their_time_zone_in_the_profile(client, member) -> None:
    sign_in(client, member)
    page = client.get(reverse("members:profile_edit")).content.decode()
    assert 'name="time_zone"' in page
    from members.forms import ProfileForm

    form = ProfileForm(instance=member.profile, member=member)
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.update(
        {
            "handle": member.handle,
            "time_zone": "Asia/Kolkata",
            **{
                f"{part}_visibility": "members"
                for part in (
                    "name",
                    "bio",
                    "organisation",
                    "country",
                    "languages",
                    "role",
                    "expertise",
                )
            },
        }
    )
    response = client.post(reverse("members:profile_edit"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    member.refresh_from_db()
    assert member.time_zone == "Asia/Kolkata"
