"""The events' kinds of notification, declared to the inbox (notifications/kinds.py).

Loaded by EventsConfig.ready(); the strings are the ones stored on every row.
"""

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from notifications.kinds import Delivery, Kind, register


class NotificationKind(StrEnum):
    REGISTRATION = "event_registration"  # confirmed, moved from the waiting list, refused
    EVENT_CHANGED = "event_changed"  # time or place changed, or cancelled
    EVENT_REMINDER = "event_reminder"
    NEW_EVENT = "new_event"
    REGISTRATION_REQUEST = "event_registration_request"  # to the organisers
    CAPTURE_LESSONS = "event_capture_lessons"  # after the event: write down what was learned


register(
    Kind(
        key=NotificationKind.REGISTRATION,
        label=_("Your registrations for events"),
        summary=_("News about your registration for an event"),
        default_delivery=Delivery.EMAIL,
        group=_("Events"),
    ),
    Kind(
        key=NotificationKind.EVENT_CHANGED,
        label=_("Changes to events you registered for"),
        summary=_("An event you registered for changed or was cancelled"),
        default_delivery=Delivery.EMAIL,
        group=_("Events"),
    ),
    Kind(
        key=NotificationKind.EVENT_REMINDER,
        label=_("Reminders the day before an event"),
        summary=_("An event you registered for starts tomorrow"),
        default_delivery=Delivery.EMAIL,
        group=_("Events"),
    ),
    Kind(
        key=NotificationKind.NEW_EVENT,
        label=_("New events in topics you follow"),
        summary=_("New event in a topic you follow"),
        default_delivery=Delivery.DIGEST,
        group=_("Events"),
    ),
    Kind(
        key=NotificationKind.REGISTRATION_REQUEST,
        label=_("Registrations for events you organise"),
        summary=_("A member asks to join an event you organise"),
        default_delivery=Delivery.EMAIL,
        group=_("Events"),
    ),
    Kind(
        key=NotificationKind.CAPTURE_LESSONS,
        label=_("Invitations to capture what was learned at events you took part in"),
        summary=_("An event you took part in has ended: capture what was learned"),
        default_delivery=Delivery.APP,
        group=_("Events"),
    ),
)
