"""iCalendar (RFC 5545) files of events, built with the ``icalendar`` package.

Times are written in the event's own zone (``DTSTART;TZID=Africa/Nairobi``)
with its ``VTIMEZONE``, so a calendar shows the right hour after a change of
daylight saving time. The place and the online link are in the file only for
whom the event page shows them.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable

import icalendar
from django.conf import settings
from django.utils import timezone

from events import permissions
from events.models import Event, Registration
from members.models import User

PRODID = "-//practitioner-network//events//EN"


def _uid(event: Event) -> str:
    return f"event-{event.pk}@{settings.SITE_NAME.lower().replace(' ', '-')}"


def _component(event: Event, *, viewer: User, registration: Registration | None, base: str):
    zone = zoneinfo.ZoneInfo(event.time_zone)
    item = icalendar.Event()
    item.add("uid", _uid(event))
    item.add("dtstamp", timezone.now())
    item.add("dtstart", timezone.localtime(event.starts_at, zone))
    item.add("dtend", timezone.localtime(event.ends_at, zone))
    item.add("summary", event.title)
    url = base + event.get_absolute_url()
    item.add("url", url)
    item.add("description", f"{event.description}\n\n{url}".strip())
    item.add("last-modified", event.updated_at)
    item.add("sequence", int(event.updated_at.timestamp()) - int(event.created_at.timestamp()))
    item.add("status", "CANCELLED" if event.is_cancelled else "CONFIRMED")
    location = []
    if event.place and permissions.can_see_place(viewer, event, registration):
        location.append(event.place)
    if event.online_url and permissions.can_see_online_link(viewer, event, registration):
        location.append(event.online_url)
    if location:
        item.add("location", " · ".join(location))
    for tag in event.tags.all():
        item.add("categories", tag.name)
    return item


def calendar_of(
    events: Iterable[Event],
    *,
    viewer: User,
    registrations: dict[int, Registration],
    base: str,
    name: str,
) -> bytes:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    for event in events:
        cal.add_component(
            _component(event, viewer=viewer, registration=registrations.get(event.pk), base=base)
        )
    # One VTIMEZONE per zone the events use (RFC 5545, 3.6.5).
    cal.add_missing_timezones()
    return cal.to_ical()
