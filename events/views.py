"""Event pages. Views parse input, call events.services, and render.

Public announcements, their lists and the month view are open to visitors
(``login_not_required``); everything else is members only. An event the
viewer may not see answers 404, never 403.
"""

from __future__ import annotations

import csv
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from common.filters import active_filters
from common.links import query_without_page
from common.views import attempt
from events import fragments, hooks, permissions, selectors, services
from events.forms import DecisionForm, EventFilterForm, EventForm, RegistrationForm
from events.models import Event, Registration
from events.services import EventData, EventError
from members import selectors as member_selectors

# --- Lists ----------------------------------------------------------------------


def _list(request: HttpRequest, *, past: bool) -> HttpResponse:
    languages = selectors.used_languages(request.user)
    form = EventFilterForm(request.GET or None, languages=languages)
    filters = form.cleaned_data if form.is_valid() else {}
    events = selectors.visible_events(
        request.user,
        past=past,
        kinds=filters.get("kind") or None,
        tags=[t.slug for t in filters.get("tag") or []] or None,
        languages=filters.get("language") or None,
        rows=False,
    )
    zone = selectors.member_zone(request.user)
    content = fragments.kept_event_list(
        request,
        events,
        zone=zone,
        with_rows=selectors.with_rows,
        per_page=selectors.EVENTS_PER_PAGE,
        context={
            "form": form,
            "past": past,
            "query": query_without_page(request),
            "chips": active_filters(request, form),
        },
        # What the content reads besides its rows: the query string (the
        # form, its chips and the page links are made from it), and the
        # topics and languages the form offers.
        inputs=(
            past,
            sorted(request.GET.lists()),
            member_selectors.topic_vocabulary(),
            tuple(languages),
        ),
    )
    now = timezone.localtime(timezone.now(), zone)
    return render(
        request,
        "events/event_list.html",
        {
            "content": content,
            "past": past,
            "can_create": permissions.can_create(request.user),
            "member_zone": zone,
            "this_month": (now.year, now.month),
        },
    )


@login_not_required
@require_safe
def event_list(request: HttpRequest) -> HttpResponse:
    return _list(request, past=False)


@login_not_required
@require_safe
def past_events(request: HttpRequest) -> HttpResponse:
    return _list(request, past=True)


@login_not_required
@require_safe
def calendar_now(request: HttpRequest) -> HttpResponse:
    now = timezone.localtime(timezone.now(), selectors.member_zone(request.user))
    return redirect("events:month", year=now.year, month=now.month)


@login_not_required
@require_safe
def month(request: HttpRequest, year: int, month: int) -> HttpResponse:
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        raise Http404
    previous = (year - 1, 12) if month == 1 else (year, month - 1)
    following = (year + 1, 1) if month == 12 else (year, month + 1)
    weeks = selectors.month(request.user, year, month)
    return render(
        request,
        "events/month.html",
        {
            "weeks": weeks,
            "any_event": any(day.events for week in weeks for day in week if day.in_month),
            "first": timezone.datetime(year, month, 1),
            # Month and weekday names as words, not dates in a line of text.
            "month_label": date_format(timezone.datetime(year, month, 1), "YEAR_MONTH_FORMAT"),
            "weekdays": [
                (date_format(day, "l"), date_format(day, "D"))
                for day in (timezone.datetime(2024, 1, 1) + timedelta(days=n) for n in range(7))
            ],
            "previous": previous,
            "following": following,
            "member_zone": selectors.member_zone(request.user),
        },
    )


# --- One event --------------------------------------------------------------------


def _event_or_404(request: HttpRequest, pk: int) -> Event:
    event = selectors.event_for(request.user, pk)
    if event is None:
        raise Http404
    return event


def _event_page(
    request: HttpRequest,
    event: Event,
    *,
    form: RegistrationForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    own = selectors.own_registration(user, event)
    actions = {a.name for a in permissions.allowed_actions(user, event, own)}
    context = {
        "event": event,
        "own": own if own is not None and own.member_id == getattr(user, "pk", None) else None,
        "can_register": "register" in actions,
        "can_leave": "cancel" in actions,
        "form": form or RegistrationForm(),
        "can_edit": permissions.can_edit(user, event),
        "can_cancel_event": permissions.can_cancel_event(user, event),
        "is_organiser": permissions.is_organiser(user, event),
        "sees_place": permissions.can_see_place(user, event, own),
        "sees_link": permissions.can_see_online_link(user, event, own),
        "names": selectors.confirmed_members(event)
        if permissions.can_see_names(user, event, own)
        else None,
        "counts": selectors.counts(event),
        "member_zone": selectors.member_zone(user),
        "materials": hooks.material_source().materials_for(event, viewer=user),
        "materials_url": hooks.material_source().manage_url(event, viewer=user),
        "lessons": hooks.lesson_source().lessons_from(event, viewer=user),
        "capture_url": hooks.lesson_source().capture_url(event)
        if permissions.can_capture_lessons(user, event, own)
        else "",
        "registration_open": permissions.registration_open(event),
    }
    return render(request, "events/event_detail.html", context, status=status)


@login_not_required
@require_safe
def event_detail(request: HttpRequest, pk: int, slug: str = "") -> HttpResponse:
    event = _event_or_404(request, pk)
    if slug != event.slug:
        return redirect(event.get_absolute_url(), permanent=True)
    return _event_page(request, event)


@require_POST
def register(request: HttpRequest, pk: int) -> HttpResponse:
    event = _event_or_404(request, pk)
    form = RegistrationForm(request.POST)
    if form.is_valid():
        done = attempt(
            request,
            form,
            lambda: services.register(
                member=request.user, event=event, note=form.cleaned_data["note"]
            ),
            refusals=EventError,
            success=_("Your registration is saved."),
            then=lambda _registration: redirect(event.get_absolute_url()),
        )
        if done is not None:
            return done
    return _event_page(request, event, form=form, status=400)


@require_POST
def leave(request: HttpRequest, pk: int) -> HttpResponse:
    event = _event_or_404(request, pk)
    own = selectors.own_registration(request.user, event)
    if own is None:
        raise Http404
    try:
        services.cancel_registration(actor=request.user, registration=own)
    except EventError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Your registration is cancelled."))
    return redirect(event.get_absolute_url())


# --- Organisers ---------------------------------------------------------------------


def _data(form: EventForm) -> EventData:
    d = form.cleaned_data
    return EventData(
        title=d["title"],
        kind=d["kind"],
        description=d["description"],
        starts_at=d["starts_at"],
        ends_at=d["ends_at"],
        time_zone=d["time_zone"],
        online_url=d["online_url"],
        place=d["place"],
        place_public=d["place_public"],
        capacity=d["capacity"],
        registration_deadline=d["registration_deadline"],
        requires_approval=d["requires_approval"],
        show_participants=d["show_participants"],
        visibility=d["visibility"],
        languages=d["languages"],
        tags=list(d["tags"]),
        provisions=list(d["provisions"]),
        organisers=d["organisers"],
        invitees=d["invitees"],
    )


def event_create(request: HttpRequest) -> HttpResponse:
    if not permissions.can_create(request.user):
        raise Http404
    initial = {"time_zone": request.user.time_zone, "languages": ["en"]}
    form = EventForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        done = attempt(
            request,
            form,
            lambda: services.create_event(actor=request.user, data=_data(form)),
            refusals=EventError,
            success=_("The event is announced."),
            then=lambda event: redirect(event.get_absolute_url()),
        )
        if done is not None:
            return done
    status = 400 if request.method == "POST" else 200
    return render(request, "events/event_form.html", {"form": form}, status=status)


def event_edit(request: HttpRequest, pk: int) -> HttpResponse:
    event = _event_or_404(request, pk)
    if not permissions.can_edit(request.user, event):
        raise Http404
    form = EventForm(request.POST or None, initial=EventForm.initial_for(event))
    if request.method == "POST" and form.is_valid():
        data = _data(form)
        if not permissions.is_organiser(request.user, event) and not data.organisers:
            data.organisers = list(event.organisers.all())
        elif permissions.is_organiser(request.user, event):
            data.organisers = [request.user, *(m for m in data.organisers if m != request.user)]
        done = attempt(
            request,
            form,
            lambda: services.update_event(actor=request.user, event=event, data=data),
            refusals=EventError,
            success=_("The event is saved."),
            then=lambda saved: redirect(saved.get_absolute_url()),
        )
        if done is not None:
            return done
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "events/event_form.html",
        {
            "form": form,
            "event": event,
            "can_cancel_event": permissions.can_cancel_event(request.user, event),
        },
        status=status,
    )


@require_POST
def event_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    event = _event_or_404(request, pk)
    if not permissions.can_edit(request.user, event):
        raise Http404
    try:
        services.cancel_event(actor=request.user, event=event)
    except EventError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The event is cancelled; everyone registered is told."))
    return redirect(event.get_absolute_url())


def _organised_or_404(request: HttpRequest, pk: int) -> Event:
    event = _event_or_404(request, pk)
    if not permissions.can_see_participants(request.user, event):
        raise Http404
    return event


@require_safe
def participants(request: HttpRequest, pk: int) -> HttpResponse:
    event = _organised_or_404(request, pk)
    rows = list(selectors.registrations(event))
    for row in rows:
        row.can_decide = permissions.may(request.user, event, row, "approve")
    return render(
        request,
        "events/participants.html",
        {"event": event, "rows": rows, "counts": selectors.counts(event)},
    )


@require_POST
def decide(request: HttpRequest, pk: int, registration: int) -> HttpResponse:
    event = _organised_or_404(request, pk)
    row = get_object_or_404(Registration, pk=registration, event=event)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to accept or decline."))
    else:
        try:
            services.decide_registration(
                actor=request.user, registration=row, accept=form.cleaned_data["answer"] == "accept"
            )
        except EventError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The member is told of your answer."))
    return redirect(reverse("events:participants", args=[event.pk]))


@require_safe
def participants_csv(request: HttpRequest, pk: int) -> HttpResponse:
    event = _organised_or_404(request, pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="event-{event.pk}-participants.csv"'
    response["Cache-Control"] = "private, no-store"
    writer = csv.writer(response)
    # No email address: members' addresses are never shown to other members;
    # organisers reach participants through the event's notices.
    writer.writerow(["name", "handle", "state", "position", "registered_at", "note"])
    for row in selectors.registrations(event):
        writer.writerow(
            [
                _spreadsheet_safe(row.member.name),
                row.member.handle,
                row.state,
                row.position or "",
                row.created_at.isoformat(),
                _spreadsheet_safe(row.note),
            ]
        )
    return response


def _spreadsheet_safe(text: str) -> str:
    # A cell starting with = + - @ is a formula to a spreadsheet (CSV injection).
    return "'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text
