"""Who may do what with an event and its registrations: the one place events answers it.

Selectors, views, templates and services ask here, so a read never imports the
writes (events.services) to learn whether a button shows.

Decisions (issue 19 leaves them to us):

- **Experts and moderators create events.** Organising a training for the
  network is an expert's work; members who want one ask in the forum. The
  creator is the first organiser and may name other members as organisers,
  who then edit the event and decide registrations like the creator.
- **Moderators edit and cancel any event** (they keep the network safe: a
  misleading announcement, an organiser who left), and each such change by a
  non-organiser is in the audit log. They do not decide registrations and do
  not see participant lists: those are the organisers'.
- **The place** is shown to confirmed participants and organisers, or to
  everyone who sees the event when the organisers make it public; the
  **online link** only ever to confirmed participants and organisers.
- **Participants' names** are the organisers'; confirmed participants see
  each other only when the organisers allow it (default: only the count).

The registration workflow is a table (``REGISTRATION_ACTIONS``): each action
names the states it starts from and who may take it. ``NONE`` is "no active
registration" (never registered, or cancelled: a new registration is a new
row). ``events.services`` is the only place a registration changes state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy

from events.models import Event, EventVisibility, Registration, RegistrationState
from members.models import User

# --- Roles ----------------------------------------------------------------------


def _active(member: User) -> bool:
    return bool(member.is_authenticated and member.is_member)


def is_organiser(member: User, event: Event) -> bool:
    if not _active(member):
        return False
    return any(o.pk == member.pk for o in event.organisers.all())


def is_invited(member: User, event: Event) -> bool:
    if not _active(member):
        return False
    return any(i.pk == member.pk for i in event.invitees.all())


def can_create(member: User) -> bool:
    """Experts and moderators organise events."""
    return _active(member) and (member.is_expert or member.can_moderate)


def can_view(viewer: User, event: Event, registration: Registration | None = None) -> bool:
    if event.visibility == EventVisibility.PUBLIC:
        return True
    if not _active(viewer):
        return False
    if event.visibility == EventVisibility.MEMBERS:
        return True
    # Invitation only: the organisers, the invited, whoever is registered, moderators.
    if is_organiser(viewer, event) or is_invited(viewer, event) or viewer.can_moderate:
        return True
    return registration is not None and registration.member_id == viewer.pk


def can_edit(member: User, event: Event) -> bool:
    """Organisers and moderators, until the event is cancelled."""
    if not _active(member) or event.is_cancelled:
        return False
    return is_organiser(member, event) or member.can_moderate


def can_cancel_event(member: User, event: Event) -> bool:
    return can_edit(member, event) and not event.is_past


def can_see_participants(member: User, event: Event) -> bool:
    """The full list with notes and the CSV: organisers only."""
    return is_organiser(member, event)


def can_see_names(member: User, event: Event, registration: Registration | None) -> bool:
    """Who else comes: organisers, and confirmed participants when the organisers allow it."""
    if is_organiser(member, event):
        return True
    return bool(
        event.show_participants
        and _active(member)
        and registration is not None
        and registration.member_id == member.pk
        and registration.state == RegistrationState.CONFIRMED
    )


def _confirmed(member: User, registration: Registration | None) -> bool:
    return bool(
        _active(member)
        and registration is not None
        and registration.member_id == member.pk
        and registration.state == RegistrationState.CONFIRMED
    )


def can_see_place(member: User, event: Event, registration: Registration | None) -> bool:
    if event.place_public and can_view(member, event, registration):
        return True
    return is_organiser(member, event) or _confirmed(member, registration)


def can_see_online_link(member: User, event: Event, registration: Registration | None) -> bool:
    return is_organiser(member, event) or _confirmed(member, registration)


def registration_open(event: Event, *, now=None) -> bool:
    now = now or timezone.now()
    return not event.is_cancelled and now < event.registration_closes_at


# --- The registration workflow ------------------------------------------------------

NONE = "none"  # no active registration
SELF, ORGANISER = "self", "organiser"


@dataclass(frozen=True)
class Action:
    name: str
    label: Any
    sources: frozenset[str]
    roles: frozenset[str]


def _action(name: str, label: Any, sources: list[str], roles: list[str]) -> Action:
    return Action(name, label, frozenset(sources), frozenset(roles))


R = RegistrationState

REGISTRATION_ACTIONS: dict[str, Action] = {
    a.name: a
    for a in [
        # A refused member does not ask again: the organisers said no.
        _action("register", gettext_lazy("Register"), [NONE, R.CANCELLED], [SELF]),
        _action(
            "cancel",
            gettext_lazy("Cancel my registration"),
            [R.PENDING, R.CONFIRMED, R.WAITLISTED],
            [SELF],
        ),
        _action("approve", gettext_lazy("Accept"), [R.PENDING], [ORGANISER]),
        _action("refuse", gettext_lazy("Decline"), [R.PENDING], [ORGANISER]),
    ]
}


def roles_of(member: User, event: Event, registration: Registration | None) -> set[str]:
    """The actor's roles towards ``registration`` (None: the actor's own, not yet made)."""
    if not _active(member):
        return set()
    roles = set()
    if registration is None or registration.member_id == member.pk:
        roles.add(SELF)
    if is_organiser(member, event):
        roles.add(ORGANISER)
    return roles


def state_of(registration: Registration | None) -> str:
    return NONE if registration is None else registration.state


def may(
    member: User, event: Event, registration: Registration | None, name: str, *, now=None
) -> bool:
    """Whether ``member`` may take action ``name`` on ``registration`` of ``event``.

    For ``register``, ``registration`` is the member's own latest one (or None).
    """
    action = REGISTRATION_ACTIONS.get(name)
    if action is None or state_of(registration) not in action.sources:
        return False
    if not (action.roles & roles_of(member, event, registration)):
        return False
    if not can_view(member, event, registration):
        return False
    now = now or timezone.now()
    if event.is_cancelled:
        return False
    if name == "register":
        if event.visibility == EventVisibility.INVITATION and not (
            is_organiser(member, event) or is_invited(member, event)
        ):
            return False
        return registration_open(event, now=now)
    # Cancelling, accepting and declining end when the event starts.
    return now < event.starts_at


def allowed_actions(member: User, event: Event, registration: Registration | None) -> list[Action]:
    return [a for a in REGISTRATION_ACTIONS.values() if may(member, event, registration, a.name)]


def can_capture_lessons(member: User, event: Event, registration: Registration | None) -> bool:
    """ "Capture what was learned": organisers and confirmed participants, once it ended."""
    if not _active(member) or event.is_cancelled or not event.is_past:
        return False
    if is_organiser(member, event):
        return True
    return (
        registration is not None
        and registration.member_id == member.pk
        and registration.state == RegistrationState.CONFIRMED
    )
