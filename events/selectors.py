"""Reads of events: lists, one event, the month, participants; visibility applied here."""

from __future__ import annotations

import calendar
import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from common.languages import language_name
from events.models import (
    Event,
    EventLanguage,
    EventVisibility,
    Registration,
    RegistrationState,
)
from events.permissions import can_view
from members.models import User

EVENTS_PER_PAGE = 25


def member_zone(viewer: User) -> zoneinfo.ZoneInfo:
    name = getattr(viewer, "time_zone", "") or "UTC"
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _visible(viewer: User) -> Q:
    if not (viewer.is_authenticated and viewer.is_member):
        return Q(visibility=EventVisibility.PUBLIC)
    if viewer.can_moderate:
        return Q()
    return (
        ~Q(visibility=EventVisibility.INVITATION)
        | Q(organisers=viewer)
        | Q(invitees=viewer)
        | Q(registrations__member=viewer)
    )


def with_rows(events: QuerySet) -> QuerySet:
    """What a row of a list shows (events/fragments.py names it), in fixed queries;
    the topics are attached to the rows shown (members.selectors.attach_tags: taggit's
    prefetch builds a queryset per event, 60% of the event list's time)."""
    return events.prefetch_related("languages").annotate(
        confirmed_count=Count(
            "registrations",
            filter=Q(registrations__state=RegistrationState.CONFIRMED),
            distinct=True,
        )
    )


def visible_events(
    viewer: User,
    *,
    past: bool = False,
    kinds: list[str] | None = None,
    tags: list[str] | None = None,
    languages: list[str] | None = None,
    rows: bool = True,
) -> QuerySet:
    """The events the viewer may see, upcoming (or past), soonest (latest) first;
    with ``rows=False`` without what a list row shows (``with_rows``): the
    ids and versions a kept list is keyed by."""
    now = timezone.now()
    ids = Event.objects.filter(_visible(viewer))
    ids = ids.filter(ends_at__lte=now) if past else ids.filter(ends_at__gt=now)
    if kinds:
        ids = ids.filter(kind__in=kinds)
    if tags:
        ids = ids.filter(tags__slug__in=tags)
    if languages:
        ids = ids.filter(languages__code__in=languages)
    events = Event.objects.filter(pk__in=ids.values("pk"))
    events = events.order_by("-starts_at", "-id") if past else events.order_by("starts_at", "id")
    return with_rows(events) if rows else events


def used_languages(viewer: User) -> list[tuple[str, str]]:
    """The languages of the events the viewer may see: a visitor's filter names
    no language of a members-only or invitation-only event."""
    visible = Event.objects.filter(_visible(viewer)).values("pk")
    codes = (
        EventLanguage.objects.filter(event__in=visible)
        .order_by()  # no ordering column in the DISTINCT: one row per code
        .values_list("code", flat=True)
        .distinct()
    )
    return sorted(((c, language_name(c)) for c in set(codes)), key=lambda item: item[1])


def event_for(viewer: User, pk: int) -> Event | None:
    event = (
        with_rows(Event.objects.filter(pk=pk))
        .prefetch_related("tags", "organisers", "invitees", "provisions__instrument")
        .first()
    )
    if event is None:
        return None
    own = own_registration(viewer, event)
    return event if can_view(viewer, event, own) else None


def own_registration(viewer: User, event: Event) -> Registration | None:
    if not viewer.is_authenticated:
        return None
    return Registration.objects.filter(event=event, member=viewer).order_by("-id").first()


def registrations(event: Event) -> QuerySet:
    """Every registration for the organisers' list: active first, the waiting list in order."""
    return (
        Registration.objects.filter(event=event)
        .select_related("member")
        .order_by("state", "position", "created_at", "id")
    )


def confirmed_members(event: Event) -> QuerySet:
    return User.objects.filter(
        event_registrations__event=event,
        event_registrations__state=RegistrationState.CONFIRMED,
    ).order_by("display_name", "handle")


def counts(event: Event) -> dict[str, int]:
    rows = (
        Registration.objects.filter(event=event)
        .values("state")
        .annotate(n=Count("id"))
        .values_list("state", "n")
    )
    found = dict(rows)
    return {state: found.get(state, 0) for state in RegistrationState.values}


def events_of(member: User) -> QuerySet:
    """What the member's calendar feed holds: events they organise or are registered for."""
    active = (RegistrationState.CONFIRMED, RegistrationState.PENDING, RegistrationState.WAITLISTED)
    return (
        Event.objects.filter(
            Q(organisers=member) | Q(registrations__member=member, registrations__state__in=active)
        )
        .distinct()
        .order_by("starts_at")
    )


@dataclass
class Day:
    date: date
    in_month: bool
    events: list[Event]


def month(viewer: User, year: int, number: int) -> list[list[Day]]:
    """The weeks of a month (Monday first) with the events each day has, in the viewer's zone."""
    zone = member_zone(viewer)
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(year, number)
    first, last = weeks[0][0], weeks[-1][-1]
    start = datetime(first.year, first.month, first.day, tzinfo=zone)
    end = datetime(last.year, last.month, last.day, tzinfo=zone) + timedelta(days=1)
    ids = Event.objects.filter(_visible(viewer), starts_at__lt=end, ends_at__gt=start)
    events = list(Event.objects.filter(pk__in=ids.values("pk")).order_by("starts_at", "id"))
    by_day: dict[date, list[Event]] = {}
    for event in events:
        day = timezone.localtime(event.starts_at, zone).date()
        until = timezone.localtime(event.ends_at - timedelta(seconds=1), zone).date()
        while day <= until:
            by_day.setdefault(day, []).append(event)
            day += timedelta(days=1)
    return [[Day(d, d.month == number, by_day.get(d, [])) for d in week] for week in weeks]
