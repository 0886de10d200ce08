"""Trainings, webinars, meetings and conferences, and who comes to them.

An event's times are stored in UTC (``starts_at``, ``ends_at``) together with
the name of the zone the organisers planned it in (``time_zone``): pages show
both the member's own zone and the event's. Registrations move through a small
state machine (``events.permissions.REGISTRATION_ACTIONS``); only
``events.services`` writes them, under a lock on the event row.

Materials from the library come later (issue 19, item 5): ``events.hooks``
holds the seam (a registry the library will fill), so that this app never
imports the library.
"""

from __future__ import annotations

import secrets

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager

from common.lengths import MARKDOWN_MAX_LENGTH
from members.models import TaggedItem, User

DESCRIPTION_MAX = MARKDOWN_MAX_LENGTH["event_description"]
CAPACITY_MIN, CAPACITY_MAX = 1, 10_000
NOTE_MAX = 500


def _calendar_token() -> str:
    # 32 random bytes: a 256-bit secret, 43 URL-safe characters.
    return secrets.token_urlsafe(32)


class EventKind(models.TextChoices):
    TRAINING = "training", _("Training")
    WEBINAR = "webinar", _("Webinar")
    MEETING = "meeting", _("Expert meeting")
    CONFERENCE = "conference", _("Conference")
    OTHER = "other", _("Other")


class EventVisibility(models.TextChoices):
    PUBLIC = "public", _("Public announcement")
    MEMBERS = "members", _("Members only")
    INVITATION = "invitation", _("Invitation only")


class Event(models.Model):
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=EventKind.choices)
    description = models.TextField(_("description"), max_length=DESCRIPTION_MAX, blank=True)
    description_html = models.TextField(editable=False, blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    # An IANA name ("Europe/Vienna"): the zone the event is planned in.
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")
    online_url = models.URLField(_("online link"), max_length=500, blank=True)
    place = models.CharField(_("place"), max_length=300, blank=True)
    place_public = models.BooleanField(
        _("show the place to everyone who sees the event"), default=False
    )
    tags = TaggableManager(through=TaggedItem, blank=True, verbose_name=_("topics"))
    # A database link to the lessons' standards, named by string (no import):
    # the same provisions lessons link to.
    provisions = models.ManyToManyField(
        "lessons.Provision", blank=True, related_name="events", verbose_name=_("standards")
    )
    organisers = models.ManyToManyField(
        User, related_name="organised_events", verbose_name=_("organisers")
    )
    # Invitation-only events: who, besides the organisers, sees and may register.
    invitees = models.ManyToManyField(
        User, blank=True, related_name="event_invitations", verbose_name=_("invited members")
    )
    capacity = models.PositiveIntegerField(_("places"), default=30)
    registration_deadline = models.DateTimeField(_("registration closes"), null=True, blank=True)
    requires_approval = models.BooleanField(
        _("organisers approve each registration"), default=False
    )
    show_participants = models.BooleanField(_("participants see who else comes"), default=False)
    visibility = models.CharField(
        _("who sees it"),
        max_length=12,
        choices=EventVisibility.choices,
        default=EventVisibility.MEMBERS,
    )
    created_by = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # Set by the worker when it has invited organisers and participants to
    # capture what was learned (once, after the event ended).
    lessons_invited_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Moved by the database on every write to what the event's list row shows
    # (the event, its languages, registrations and topics; migration 0003):
    # the event list is kept by its rows' ids and versions.
    row_version = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["visibility", "starts_at"], name="event_upcoming"),
            models.Index(fields=["ends_at"], name="event_ends"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="event_ends_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(capacity__gte=CAPACITY_MIN, capacity__lte=CAPACITY_MAX),
                name="event_capacity_range",
            ),
            models.CheckConstraint(
                condition=models.Q(registration_deadline__isnull=True)
                | models.Q(registration_deadline__lte=models.F("starts_at")),
                name="event_deadline_before_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("events:detail", args=[self.pk, self.slug])

    @property
    def slug(self) -> str:
        return slugify(self.title)[:60].strip("-") or "event"

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def is_past(self) -> bool:
        return self.ends_at <= timezone.now()

    @property
    def has_started(self) -> bool:
        return self.starts_at <= timezone.now()

    @property
    def registration_closes_at(self):
        return self.registration_deadline or self.starts_at


class EventLanguage(models.Model):
    """A language the event is held in (several: interpretation)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="languages")
    code = models.CharField(max_length=10)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "code"], name="events_language_once")
        ]

    def __str__(self) -> str:
        return self.code


class RegistrationState(models.TextChoices):
    PENDING = "pending", _("Waiting for the organisers")
    CONFIRMED = "confirmed", _("Confirmed")
    WAITLISTED = "waitlisted", _("On the waiting list")
    CANCELLED = "cancelled", _("Cancelled")
    REFUSED = "refused", _("Not accepted")


ACTIVE_STATES = (
    RegistrationState.PENDING,
    RegistrationState.CONFIRMED,
    RegistrationState.WAITLISTED,
)


class Registration(models.Model):
    """One member's registration for one event.

    A member has at most one active registration (pending, confirmed or
    waitlisted) per event; a cancelled one stays as history and a new
    registration is a new row. ``position`` orders the waiting list.
    """

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    member = models.ForeignKey(User, on_delete=models.CASCADE, related_name="event_registrations")
    state = models.CharField(max_length=12, choices=RegistrationState.choices)
    note = models.TextField(_("note to the organisers"), max_length=NOTE_MAX, blank=True)
    position = models.PositiveIntegerField(null=True, blank=True)
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Set by the reminder worker when it has sent the reminder (sent once).
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "member"],
                condition=models.Q(state__in=ACTIVE_STATES),
                name="events_one_active_registration",
            ),
            models.CheckConstraint(
                condition=models.Q(state=RegistrationState.WAITLISTED, position__isnull=False)
                | (~models.Q(state=RegistrationState.WAITLISTED) & models.Q(position__isnull=True)),
                name="events_waitlist_has_position",
            ),
        ]
        indexes = [models.Index(fields=["event", "state", "position"], name="registration_queue")]

    def __str__(self) -> str:
        return f"{self.member_id} for {self.event_id} ({self.state})"

    @property
    def is_active(self) -> bool:
        return self.state in ACTIVE_STATES


class CalendarToken(models.Model):
    """The secret in a member's private calendar feed URL; replaced on request."""

    member = models.OneToOneField(User, on_delete=models.CASCADE, related_name="calendar_token")
    token = models.CharField(max_length=64, unique=True, default=_calendar_token)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"calendar token of {self.member_id}"
