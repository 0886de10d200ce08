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

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.safestring import SafeString

from common.fragments import kept_page, render_rows
from events.models import Event
from members.selectors import attach_tags

EVENT_ROW_TEMPLATE = "events/includes/event_row.html"
EVENT_LIST_TEMPLATE = "events/includes/event_list_content.html"


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
    request: HttpRequest, events: Iterable[Event], zone: zoneinfo.ZoneInfo, *, csrf: bool = True
) -> None:
    """Set ``event.rendered`` on each event of a page (its topics fetched in one query)."""
    events = list(events)
    attach_tags(events)
    rows = [(event_row_key(e, zone), event_row_context(e, zone)) for e in events]
    rendered = render_rows(request, EVENT_ROW_TEMPLATE, rows, csrf=csrf)
    for event, html in zip(events, rendered, strict=True):
        event.rendered = html


def kept_event_list(
    request: HttpRequest,
    events: QuerySet[Event],
    *,
    zone: zoneinfo.ZoneInfo,
    with_rows: Any,
    per_page: int,
    context: dict[str, Any],
    inputs: tuple,
) -> SafeString:
    """One page of the event list (its count, filters, rows and page links),
    kept whole (common.fragments.kept_page) by its events' ids and row
    versions (moved by the database on every write to what a row shows:
    events migration 0003). ``events`` is the viewer's own query
    (``selectors.visible_events``: an invitation-only event is in the ids of
    those invited only), and a row shows nothing of the viewer's but their
    time zone, which is in the key."""
    return kept_page(
        request,
        events,
        version_field="row_version",
        per_page=per_page,
        template=EVENT_LIST_TEMPLATE,
        context={**context, "member_zone": zone},
        inputs=(inputs, zone.key),
        render_page_rows=lambda request, rows: render_event_rows(request, rows, zone, csrf=False),
        with_rows=with_rows,
    )
