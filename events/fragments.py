"""The event list's reused rows (common.fragments explains the store).

``event_row_key`` names every value events/includes/event_row.html reads;
tests/events/test_fragments.py changes each input and checks the key
changes. A template that starts to read a new value gets it added here and
in the context together.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from typing import Any

from django.http import HttpRequest

from common.fragments import render_rows
from events.models import Event
from members.selectors import attach_tags

EVENT_ROW_TEMPLATE = "events/includes/event_row.html"


def event_row_key(event: Event, zone: zoneinfo.ZoneInfo) -> tuple:
    """Every value the row reads (its languages and topics prefetched, its count annotated)."""
    return (
        event.pk,
        event.title,  # and the slug in its link
        event.kind,
        event.cancelled_at is not None,
        event.starts_at,
        zone.key,  # the start is shown in the viewer's zone
        tuple(language.code for language in event.languages.all()),
        event.confirmed_count,
        event.capacity,
        tuple((tag.slug, tag.name) for tag in event.tags.all()),
    )


def event_row_context(event: Event, zone: zoneinfo.ZoneInfo) -> dict[str, Any]:
    return {"event": event, "member_zone": zone}


def render_event_rows(
    request: HttpRequest, events: Iterable[Event], zone: zoneinfo.ZoneInfo
) -> None:
    """Set ``event.rendered`` on each event of a page (its topics fetched in one query)."""
    events = list(events)
    attach_tags(events)
    rows = [(event_row_key(e, zone), event_row_context(e, zone)) for e in events]
    for event, html in zip(events, render_rows(request, EVENT_ROW_TEMPLATE, rows), strict=True):
        event.rendered = html
