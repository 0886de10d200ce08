"""Calendars and feeds of events: one event's .ics, the member's private
calendar feed, and the Atom feed of public announcements.

A calendar application cannot log in, so the secret token in the private
feed's address stands for the member (256 bits, replaceable), and only while
they are still a member. The feed holds the events the member organises or
is registered for.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from events import ics, selectors, services
from events.models import CalendarToken, Event, Registration
from members.selectors import attach_tags

FEED_LENGTH = 30
ICS_TYPE = "text/calendar; charset=utf-8"


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


@login_not_required
@require_safe
def event_ics(request: HttpRequest, pk: int) -> HttpResponse:
    event = selectors.event_for(request.user, pk)
    if event is None:
        raise Http404
    own = selectors.own_registration(request.user, event)
    body = ics.calendar_of(
        [event],
        viewer=request.user,
        registrations={event.pk: own} if own else {},
        base=_base(request),
        name=event.title,
    )
    response = HttpResponse(body, content_type=ICS_TYPE)
    response["Content-Disposition"] = f'attachment; filename="event-{event.pk}.ics"'
    if request.user.is_authenticated:
        patch_cache_control(response, private=True, max_age=0)
    return response


@login_not_required
@require_safe
def private_calendar(request: HttpRequest, token: str) -> HttpResponse:
    found = CalendarToken.objects.select_related("member").filter(token=token).first()
    # A banned, deactivated or no-longer-approved member's address stops working.
    if found is None or not found.member.is_member:
        raise Http404
    member = found.member
    events = list(selectors.events_of(member).prefetch_related("tags", "organisers"))
    own = {
        r.event_id: r
        for r in Registration.objects.filter(member=member, event__in=events).order_by("id")
    }
    body = ics.calendar_of(
        events,
        viewer=member,
        registrations=own,
        base=_base(request),
        name=_("%(site)s: your events") % {"site": settings.SITE_NAME},
    )
    response = HttpResponse(body, content_type=ICS_TYPE)
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "no-referrer"
    patch_cache_control(response, private=True, max_age=0)
    return response


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def calendar_settings(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        if request.POST.get("reset") == "1":
            services.replace_calendar_token(member=request.user)
            messages.success(
                request, _("Your calendar feed has a new address; the old one no longer works.")
            )
        return redirect("events:feed_settings")
    token = services.calendar_token_for(member=request.user)
    return render(
        request,
        "events/feed_settings.html",
        {
            "calendar_url": request.build_absolute_uri(
                reverse("events:private_calendar", args=[token.token])
            ),
            "token_created_at": token.created_at,
        },
    )


class PublicEventFeed(Feed):
    """The next public announcements, for feed readers."""

    feed_type = Atom1Feed

    def __init__(self, feed_url: str) -> None:
        self._feed_url = feed_url

    def title(self) -> str:
        return _("%(site)s: trainings and events") % {"site": settings.SITE_NAME}

    def subtitle(self) -> str:
        return _("Public trainings, webinars and meetings on policing and human rights.")

    def link(self) -> str:
        return reverse("events:list")

    def feed_url(self) -> str:
        return self._feed_url

    def items(self) -> list[Event]:
        events = list(selectors.visible_events(AnonymousUser())[:FEED_LENGTH])
        attach_tags(events)  # the categories, in one query
        return events

    def item_title(self, item: Event) -> str:
        return item.title

    def item_description(self, item: Event) -> str:
        return escape(f"{item.get_kind_display()} · {item.starts_at:%Y-%m-%d %H:%M} UTC")

    def item_link(self, item: Event) -> str:
        return item.get_absolute_url()

    def item_pubdate(self, item: Event) -> datetime:
        return item.created_at

    def item_updateddate(self, item: Event) -> datetime:
        return item.updated_at

    def item_author_name(self, item: Event) -> str:
        return settings.SITE_NAME

    def item_categories(self, item: Event) -> list[str]:
        return [tag.name for tag in item.tags.all()]


@login_not_required
@require_safe
def public_feed(request: HttpRequest) -> HttpResponse:
    return PublicEventFeed(request.build_absolute_uri(reverse("events:feed")))(request)
