"""Events' part of a member's own data (network.privacy asks each app for its part).

``export``: the member's registrations (event, state, their note, when) and the
events they organise. ``forget``, in the deletion's transaction: their active
registrations are cancelled through the service first, so the waiting list
moves up as when they cancel themselves; the rows then go with the User row
(registrations and the calendar token cascade; organiser and invitee links
are removed, an event they created keeps no creator).
"""

from __future__ import annotations

from typing import Any

from events import services
from events.models import Event, Registration, RegistrationState
from members.privacy import when

ACTIVE = (RegistrationState.PENDING, RegistrationState.CONFIRMED, RegistrationState.WAITLISTED)


def export(member: Any) -> dict[str, Any]:
    registrations = (
        Registration.objects.filter(member=member).select_related("event").order_by("id")
    )
    return {
        "event_registrations": [
            {
                "event": r.event.title,
                "starts_at": when(r.event.starts_at),
                "state": r.state,
                "note": r.note,
                "registered_at": when(r.created_at),
            }
            for r in registrations
        ],
        "events_organised": [
            {"title": e.title, "starts_at": when(e.starts_at)}
            for e in Event.objects.filter(organisers=member).order_by("starts_at", "id")
        ],
    }


def forget(member: Any, *, keep_contributions: bool) -> None:
    for registration in Registration.objects.filter(member=member, state__in=ACTIVE).select_related(
        "event"
    ):
        if registration.event.is_cancelled or registration.event.has_started:
            continue  # nothing moves any more; the row goes with the account
        services.cancel_registration(actor=member, registration=registration)
