"""Every write to events goes through these functions.

Registrations change state only here, under a lock on the event's row
(``select_for_update``; SQLite's IMMEDIATE transactions serialize writers), so
two members registering for the last place never both get it, and the
waiting list moves up in order when someone leaves. Notifications go through
``notify()`` inside the same transaction: a refused write notifies nobody.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Max, Model
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from common.errors import ServiceError
from common.languages import LANGUAGE_CODES, in_site_language
from common.markup import render_markdown
from events import hooks
from events.models import (
    ACTIVE_STATES,
    CAPACITY_MAX,
    CAPACITY_MIN,
    CalendarToken,
    Event,
    EventLanguage,
    EventVisibility,
    Registration,
    RegistrationState,
)
from events.notification_kinds import NotificationKind
from events.permissions import (
    can_cancel_event,
    can_create,
    can_edit,
    is_organiser,
    may,
)
from members.models import AuditEntry, Tag, User
from members.services import audit
from notifications.selectors import followers_of
from notifications.services import notify

TAGS_MAX = 5
PROVISIONS_MAX = 12
ORGANISERS_MAX = 10
LANGUAGES_MAX = 6
INVITEES_MAX = 500


class EventError(ServiceError):
    """An action that is not allowed or not possible; the message is for the member."""


# --- Events -----------------------------------------------------------------------


@dataclass
class EventData:
    """What the event form gives the services; checked again here."""

    title: str
    kind: str
    starts_at: datetime
    ends_at: datetime
    time_zone: str = "UTC"
    description: str = ""
    online_url: str = ""
    place: str = ""
    place_public: bool = False
    capacity: int = 30
    registration_deadline: datetime | None = None
    requires_approval: bool = False
    show_participants: bool = False
    visibility: str = EventVisibility.MEMBERS
    languages: list[str] = field(default_factory=lambda: ["en"])
    tags: list[Tag] = field(default_factory=list)
    provisions: list[Model] = field(default_factory=list)
    # Besides the member who saves the form (always an organiser on creation).
    organisers: list[User] = field(default_factory=list)
    invitees: list[User] = field(default_factory=list)


SIMPLE_FIELDS = (
    "title",
    "kind",
    "description",
    "starts_at",
    "ends_at",
    "time_zone",
    "online_url",
    "place",
    "place_public",
    "capacity",
    "registration_deadline",
    "requires_approval",
    "show_participants",
    "visibility",
)


def _check(data: EventData) -> None:
    if not data.title.strip():
        raise EventError(_("Give the event a title."))
    if data.starts_at is None or data.ends_at is None:
        raise EventError(_("Give the event a start and an end."))
    if data.ends_at <= data.starts_at:
        raise EventError(_("The event must end after it starts."))
    if not CAPACITY_MIN <= data.capacity <= CAPACITY_MAX:
        raise EventError(
            _("The number of places must be between %(min)d and %(max)s.")
            % {"min": CAPACITY_MIN, "max": f"{CAPACITY_MAX:,}"}
        )
    if data.registration_deadline is not None and data.registration_deadline > data.starts_at:
        raise EventError(_("Registration must close before the event starts."))
    try:
        zoneinfo.ZoneInfo(data.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise EventError(_("Unknown time zone: %(zone)s.") % {"zone": data.time_zone}) from None
    if data.online_url and not data.online_url.lower().startswith(("https://", "http://")):
        raise EventError(_("The online link must be an http or https address."))
    if not data.languages or len(data.languages) > LANGUAGES_MAX:
        raise EventError(_("Choose between 1 and %(max)d languages.") % {"max": LANGUAGES_MAX})
    if set(data.languages) - LANGUAGE_CODES:
        raise EventError(_("Unknown language."))
    if len(data.tags) > TAGS_MAX:
        raise EventError(_("Choose at most %(max)d topics.") % {"max": TAGS_MAX})
    if len(data.provisions) > PROVISIONS_MAX:
        raise EventError(_("Link at most %(max)d standards.") % {"max": PROVISIONS_MAX})
    if len(data.organisers) >= ORGANISERS_MAX:
        raise EventError(_("An event has at most %(max)d organisers.") % {"max": ORGANISERS_MAX})
    if len(data.invitees) > INVITEES_MAX:
        raise EventError(_("Invite at most %(max)d members.") % {"max": INVITEES_MAX})
    for member in [*data.organisers, *data.invitees]:
        if not member.is_member:
            raise EventError(_("%(name)s is not an active member.") % {"name": member.name})


def _apply(event: Event, data: EventData) -> None:
    for name in SIMPLE_FIELDS:
        setattr(event, name, getattr(data, name))
    event.title = event.title.strip()
    event.description_html = render_markdown(event.description) if event.description.strip() else ""


def _set_relations(event: Event, data: EventData, *, organisers: list[User]) -> None:
    event.tags.set(data.tags)
    event.provisions.set(data.provisions)
    event.organisers.set(organisers)
    event.invitees.set(data.invitees)
    EventLanguage.objects.filter(event=event).delete()
    EventLanguage.objects.bulk_create(
        EventLanguage(event=event, code=code) for code in dict.fromkeys(data.languages)
    )


def create_event(*, actor: User, data: EventData) -> Event:
    """Announce an event; the actor becomes its first organiser."""
    if not can_create(actor):
        raise EventError(_("Only experts and moderators organise events."))
    _check(data)
    if data.starts_at <= timezone.now():
        raise EventError(_("The event must start in the future."))
    with transaction.atomic():
        event = Event(created_by=actor)
        _apply(event, data)
        event.save()
        organisers = [actor, *(m for m in data.organisers if m.pk != actor.pk)]
        _set_relations(event, data, organisers=organisers)
        _notify_new_event(event, actor)
    return event


def update_event(*, actor: User, event: Event, data: EventData) -> Event:
    """Change an event; registered members hear of a new time or place."""
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        if not can_edit(actor, event):
            raise EventError(_("Only the organisers can change this event."))
        _check(data)
        if not data.organisers:
            raise EventError(_("An event needs at least one organiser."))
        was_organiser = is_organiser(actor, event)
        before = (event.starts_at, event.ends_at, event.place, event.online_url)
        _apply(event, data)
        event.updated_at = timezone.now()
        event.save()
        _set_relations(event, data, organisers=list(data.organisers))
        _promote_waitlist(event, actor=actor)
        if not was_organiser:
            audit(
                actor=actor,
                action=AuditEntry.Action.EDIT_EVENT,
                target=None,
                detail=event.title,
                url=event.get_absolute_url(),
            )
        if (event.starts_at, event.ends_at, event.place, event.online_url) != before:
            _notify_registered(
                event,
                actor,
                kind=NotificationKind.EVENT_CHANGED,
                text=_("“%(title)s” changed: check the time and place"),
            )
    return event


def cancel_event(*, actor: User, event: Event) -> Event:
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        if event.is_cancelled:
            raise EventError(_("This event is cancelled already."))
        if not can_cancel_event(actor, event):
            raise EventError(_("Only the organisers can cancel this event."))
        event.cancelled_at = event.updated_at = timezone.now()
        event.save(update_fields=["cancelled_at", "updated_at"])
        if not is_organiser(actor, event):
            audit(
                actor=actor,
                action=AuditEntry.Action.CANCEL_EVENT,
                target=None,
                detail=event.title,
                url=event.get_absolute_url(),
            )
        _notify_registered(
            event, actor, kind=NotificationKind.EVENT_CHANGED, text=_("“%(title)s” is cancelled")
        )
    return event


# --- Registrations ------------------------------------------------------------------


def _locked(event: Event) -> Event:
    return Event.objects.select_for_update().get(pk=event.pk)


def _confirmed_count(event: Event) -> int:
    return Registration.objects.filter(event=event, state=RegistrationState.CONFIRMED).count()


def _next_position(event: Event) -> int:
    last = Registration.objects.filter(event=event, state=RegistrationState.WAITLISTED).aggregate(
        n=Max("position")
    )["n"]
    return (last or 0) + 1


def _refusal(event: Event, registration: Registration | None, action: str) -> str:
    now = timezone.now()
    if event.is_cancelled:
        return _("This event is cancelled.")
    if action == "register":
        if registration is not None and registration.is_active:
            return _("You are registered for this event already.")
        if registration is not None and registration.state == RegistrationState.REFUSED:
            return _("The organisers did not accept your registration for this event.")
        if now >= event.starts_at:
            return _("This event has started or is over; registration is closed.")
        if now >= event.registration_closes_at:
            return _("Registration for this event has closed.")
        return _("You cannot register for this event.")
    if now >= event.starts_at:
        return _("This event has started; registrations no longer change.")
    if action == "cancel":
        return _("You can cancel only your own registration while it is active.")
    return _("Only the organisers decide registrations, while they wait for an answer.")


def latest_registration(*, member: User, event: Event) -> Registration | None:
    if not member.is_authenticated:
        return None
    return Registration.objects.filter(event=event, member=member).order_by("-id").first()


def register(*, member: User, event: Event, note: str = "") -> Registration:
    """Register ``member``: confirmed, waiting for approval, or on the waiting list."""
    note = note.strip()
    with transaction.atomic():
        event = _locked(event)
        registration = latest_registration(member=member, event=event)
        if not may(member, event, registration, "register"):
            raise EventError(_refusal(event, registration, "register"))
        now = timezone.now()
        new = Registration(event=event, member=member, note=note, created_at=now, updated_at=now)
        if event.requires_approval:
            new.state = RegistrationState.PENDING
        elif _confirmed_count(event) < event.capacity:
            new.state = RegistrationState.CONFIRMED
        else:
            new.state = RegistrationState.WAITLISTED
            new.position = _next_position(event)
        new.save()
        if new.state == RegistrationState.PENDING:
            _notify_organisers(event, member)
        else:
            _notify_registration(new, actor=None)
    return new


def cancel_registration(*, actor: User, registration: Registration) -> Registration:
    """The member leaves; the first on the waiting list takes the place."""
    with transaction.atomic():
        event = _locked(registration.event)
        registration = Registration.objects.get(pk=registration.pk)
        if not may(actor, event, registration, "cancel"):
            raise EventError(_refusal(event, registration, "cancel"))
        registration.state = RegistrationState.CANCELLED
        registration.position = None
        registration.updated_at = timezone.now()
        registration.save(update_fields=["state", "position", "updated_at"])
        _promote_waitlist(event, actor=None)
    return registration


def decide_registration(*, actor: User, registration: Registration, accept: bool) -> Registration:
    """An organiser accepts (confirmed, or the waiting list when full) or declines."""
    with transaction.atomic():
        event = _locked(registration.event)
        registration = Registration.objects.get(pk=registration.pk)
        action = "approve" if accept else "refuse"
        if not may(actor, event, registration, action):
            raise EventError(_refusal(event, registration, action))
        if not accept:
            registration.state = RegistrationState.REFUSED
        elif _confirmed_count(event) < event.capacity:
            registration.state = RegistrationState.CONFIRMED
        else:
            registration.state = RegistrationState.WAITLISTED
            registration.position = _next_position(event)
        registration.decided_by = actor
        registration.updated_at = timezone.now()
        registration.save(update_fields=["state", "position", "decided_by", "updated_at"])
        _notify_registration(registration, actor=actor)
    return registration


def _promote_waitlist(event: Event, *, actor: User | None) -> list[Registration]:
    """Fill free places from the waiting list, in order; the caller holds the lock."""
    if event.is_cancelled or event.has_started:
        return []
    free = event.capacity - _confirmed_count(event)
    if free <= 0:
        return []
    promoted = list(
        Registration.objects.filter(event=event, state=RegistrationState.WAITLISTED).order_by(
            "position", "id"
        )[:free]
    )
    now = timezone.now()
    for registration in promoted:
        registration.state = RegistrationState.CONFIRMED
        registration.position = None
        registration.updated_at = now
        registration.save(update_fields=["state", "position", "updated_at"])
        _notify_registration(registration, actor=actor, promoted=True)
    return promoted


# --- Reminders (the worker's, never a request's) ------------------------------------

REMINDER_AHEAD = timedelta(hours=24)


def send_reminders(*, now: datetime | None = None) -> int:
    """Remind confirmed participants of events starting within 24 hours, once each.

    Called by the outbox worker (``run_outbox``). Each registration is claimed
    by setting ``reminded_at`` where it is still empty, in the transaction that
    writes the notification: a second run, or a second worker, finds nothing
    left to claim, and a failed notification leaves the claim undone.
    """
    now = now or timezone.now()
    due = (
        Registration.objects.filter(
            state=RegistrationState.CONFIRMED,
            reminded_at__isnull=True,
            event__cancelled_at__isnull=True,
            event__starts_at__gt=now,
            event__starts_at__lte=now + REMINDER_AHEAD,
        )
        .select_related("event")
        .order_by("id")
    )
    sent = 0
    for registration in list(due[:1000]):
        with transaction.atomic():
            claimed = Registration.objects.filter(
                pk=registration.pk, reminded_at__isnull=True
            ).update(reminded_at=now)
            if not claimed:
                continue
            _notify_reminder(registration)
            sent += 1
    return sent


@in_site_language
def _notify_reminder(registration: Registration) -> None:
    event = registration.event
    notify(
        [registration.member_id],
        kind=NotificationKind.EVENT_REMINDER,
        actor=None,
        text=_("“%(title)s” starts within a day") % {"title": event.title},
        url=event.get_absolute_url(),
        about=event,
    )


# --- After the event: capture what was learned ------------------------------------------

# Events that ended longer ago than this are not invited any more (a worker
# that was down for a month does not send stale invitations).
CAPTURE_WINDOW = timedelta(days=7)


def invite_to_capture(*, now: datetime | None = None) -> int:
    """Invite the organisers and confirmed participants of events that just ended to
    draft a lesson from them (the outbox worker, once per event); returns how many
    events. Each event is claimed before anyone is notified, so it is sent once."""
    url_of = hooks.lesson_source().capture_url
    now = now or timezone.now()
    due = Event.objects.filter(
        ends_at__lte=now,
        ends_at__gt=now - CAPTURE_WINDOW,
        cancelled_at__isnull=True,
        lessons_invited_at__isnull=True,
    ).values_list("pk", flat=True)
    invited = 0
    for pk in list(due):
        with transaction.atomic():
            claimed = Event.objects.filter(pk=pk, lessons_invited_at__isnull=True).update(
                lessons_invited_at=now
            )
            if not claimed:
                continue
            event = Event.objects.get(pk=pk)
            url = url_of(event)
            if not url:
                continue
            people = {m.pk for m in event.organisers.all()} | set(
                event.registrations.filter(state=RegistrationState.CONFIRMED).values_list(
                    "member_id", flat=True
                )
            )
            _notify_capture(event, people, url)
            invited += 1
    return invited


@in_site_language
def _notify_capture(event: Event, people: set[int], url: str) -> None:
    notify(
        people,
        kind=NotificationKind.CAPTURE_LESSONS,
        actor=None,
        text=_("“%(title)s” has ended: capture what was learned as a lesson")
        % {"title": event.title},
        url=url,
        about=event,
    )


# --- Calendar feed --------------------------------------------------------------------


def calendar_token_for(*, member: User) -> CalendarToken:
    token, _created = CalendarToken.objects.get_or_create(member=member)
    return token


def replace_calendar_token(*, member: User) -> CalendarToken:
    """A new secret: the old feed address stops working at once."""
    with transaction.atomic():
        CalendarToken.objects.filter(member=member).delete()
        return CalendarToken.objects.create(member=member)


# --- Notices ------------------------------------------------------------------------


@in_site_language
def _notify_registration(
    registration: Registration, *, actor: User | None, promoted: bool = False
) -> None:
    event = registration.event
    if promoted:
        text = _("A place became free: you are now registered for “%(title)s”")
    else:
        text = {
            RegistrationState.CONFIRMED: _("You are registered for “%(title)s”"),
            RegistrationState.WAITLISTED: _("You are on the waiting list for “%(title)s”"),
            RegistrationState.REFUSED: _(
                "The organisers did not accept your registration for “%(title)s”"
            ),
        }[registration.state]
    notify(
        [registration.member_id],
        kind=NotificationKind.REGISTRATION,
        actor=actor,
        text=text % {"title": event.title},
        url=event.get_absolute_url(),
        about=event,
    )


@in_site_language
def _notify_organisers(event: Event, member: User) -> None:
    notify(
        event.organisers.all(),
        kind=NotificationKind.REGISTRATION_REQUEST,
        actor=member,
        text=_("%(name)s asks to join “%(title)s”") % {"name": member.name, "title": event.title},
        url=reverse("events:participants", args=[event.pk]),
        about=event,
    )


@in_site_language
def _notify_registered(event: Event, actor: User, *, kind: str, text: str) -> None:
    members = Registration.objects.filter(event=event, state__in=ACTIVE_STATES).values_list(
        "member_id", flat=True
    )
    notify(
        members,
        kind=kind,
        actor=actor,
        text=text % {"title": event.title},
        url=event.get_absolute_url(),
        about=event,
    )


@in_site_language
def _notify_new_event(event: Event, actor: User) -> None:
    organisers = set(event.organisers.values_list("pk", flat=True))
    if event.visibility == EventVisibility.INVITATION:
        interested = set(event.invitees.values_list("pk", flat=True))
        text = _("You are invited to “%(title)s”")
    else:
        interested = set()
        for tag in event.tags.all():
            interested.update(followers_of(target=tag).values_list("pk", flat=True))
        text = _("New event in a topic you follow: “%(title)s”")
    interested -= organisers
    if interested:
        notify(
            interested,
            kind=NotificationKind.NEW_EVENT,
            actor=actor,
            text=text % {"title": event.title},
            url=event.get_absolute_url(),
            about=event,
        )
