"""The registration workflow of events, through the services the views call.

The tables are the specification (events/permissions.py explains the
decisions); every cell is a test:

- a member registers themself, once; the organisers' "no" is final;
- only the member cancels their registration, and only while it is active;
- only organisers accept or decline, and only a registration waiting for them;
- nothing changes once the event has started or was cancelled;
- visitors, members waiting for approval and banned members do nothing at all.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from events import permissions, services
from events.models import Event, EventVisibility, Registration, RegistrationState
from events.services import EventError
from members.models import Status, User

Viewer = User | AnonymousUser

ROLE_COLUMNS = {
    "anon": "anonymous",
    "pend": "pending",  # signed up, waiting for approval
    "self": "registrant",  # the member whose registration it is
    "memb": "member",  # another approved member
    "invt": "invited",  # a member on the invitation list
    "expt": "expert",  # an expert who does not organise this event
    "orgn": "organiser",
    "modr": "moderator",  # a moderator who does not organise this event
    "bann": "banned",  # the registrant, banned since (registration) / an invited member (register)
}


def _table(text: str, keys: int) -> dict[tuple[str, ...], bool]:
    """Parse a grid of ``Y`` (allowed) and ``.`` (refused); ``#`` starts a comment."""
    lines = [line.split("#")[0].split() for line in text.strip().splitlines()]
    lines = [line for line in lines if line]
    header, rows = lines[0], lines[1:]
    roles = [ROLE_COLUMNS[column] for column in header[keys:]]
    table: dict[tuple[str, ...], bool] = {}
    for row in rows:
        key, marks = tuple(row[:keys]), row[keys:]
        if len(marks) != len(roles) or not set(marks) <= {"Y", "."}:
            raise ValueError(f"malformed row {row}")
        for role, mark in zip(roles, marks, strict=True):
            if (*key, role) in table:
                raise ValueError(f"row {key} appears twice")
            table[(*key, role)] = mark == "Y"
    return table


# Actions on one member's registration (the ``self`` column's), event open.
# fmt: off
ON_REGISTRATION = _table("""
state       action   anon pend self memb orgn modr bann
pending     cancel   .    .    Y    .    .    .    .
pending     approve  .    .    .    .    Y    .    .
pending     refuse   .    .    .    .    Y    .    .
confirmed   cancel   .    .    Y    .    .    .    .
confirmed   approve  .    .    .    .    .    .    .
confirmed   refuse   .    .    .    .    .    .    .
waitlisted  cancel   .    .    Y    .    .    .    .
waitlisted  approve  .    .    .    .    .    .    .
waitlisted  refuse   .    .    .    .    .    .    .
cancelled   cancel   .    .    .    .    .    .    .
cancelled   approve  .    .    .    .    .    .    .
cancelled   refuse   .    .    .    .    .    .    .
refused     cancel   .    .    .    .    .    .    .
refused     approve  .    .    .    .    .    .    .
refused     refuse   .    .    .    .    .    .    .
""", keys=2)

# The same actions once the event has started, or was cancelled: nothing moves.
FROZEN_VARIANTS = ("started", "cancelled")

# Registering oneself, by the event as it is (no earlier registration unless named).
# Decisions: organisers may register for their own event; moderators see
# invitation-only events (they answer reports) but are not invited to them.
REGISTER = _table("""
variant            anon pend memb invt expt orgn modr bann
open               .    .    Y    Y    Y    Y    Y    .
public             .    .    Y    Y    Y    Y    Y    .
full               .    .    Y    Y    Y    Y    Y    .
needs_approval     .    .    Y    Y    Y    Y    Y    .
invitation         .    .    .    Y    .    Y    .    .
deadline_passed    .    .    .    .    .    .    .    .
started            .    .    .    .    .    .    .    .
past               .    .    .    .    .    .    .    .
cancelled          .    .    .    .    .    .    .    .
registered_before  .    .    .    .    .    .    .    .
waiting_before     .    .    .    .    .    .    .    .
cancelled_before   .    .    Y    Y    Y    Y    Y    .
refused_before     .    .    .    .    .    .    .    .
""", keys=1)

# Managing the event.
MANAGE = _table("""
variant     action        anon pend memb expt orgn modr bann
open        edit          .    .    .    .    Y    Y    .
open        cancel_event  .    .    .    .    Y    Y    .
open        participants  .    .    .    .    Y    .    .
past        edit          .    .    .    .    Y    Y    .
past        cancel_event  .    .    .    .    .    .    .
past        participants  .    .    .    .    Y    .    .
cancelled   edit          .    .    .    .    .    .    .
cancelled   cancel_event  .    .    .    .    .    .    .
cancelled   participants  .    .    .    .    Y    .    .
""", keys=2)

CREATE = _table("""
x     anon pend memb expt orgn modr bann
any   .    .    .    Y    Y    Y    .
""", keys=1)
# fmt: on

STATES = [s.value for s in RegistrationState]
ACTIONS_ON_REGISTRATION = ("cancel", "approve", "refuse")


def test_the_tables_cover_every_state_action_and_role() -> None:
    assert set(permissions.REGISTRATION_ACTIONS) == {"register", *ACTIONS_ON_REGISTRATION}
    assert {key[0] for key in ON_REGISTRATION} == set(STATES)
    assert {key[1] for key in ON_REGISTRATION} == set(ACTIONS_ON_REGISTRATION)
    assert len(ON_REGISTRATION) == len(STATES) * len(ACTIONS_ON_REGISTRATION) * 7


@pytest.fixture
def person(make_user: Callable[..., User]) -> Callable[[str], Viewer]:
    def make(role: str) -> Viewer:
        if role == "anonymous":
            return AnonymousUser()
        if role == "pending":
            return make_user(status=Status.PENDING, approved_at=None)
        if role == "expert":
            return make_user(is_expert=True)
        if role == "moderator":
            return make_user(is_moderator=True)
        return make_user()

    return make


def _ban(member: User) -> None:
    User.objects.filter(pk=member.pk).update(is_banned=True, is_active=False)
    member.refresh_from_db()


def _put(event: Event, member: User, state: str) -> Registration:
    return Registration.objects.create(
        event=event,
        member=member,
        state=state,
        position=1 if state == RegistrationState.WAITLISTED else None,
    )


def _act(action: str, actor: Viewer, registration: Registration) -> Registration:
    if action == "cancel":
        return services.cancel_registration(actor=actor, registration=registration)
    return services.decide_registration(
        actor=actor, registration=registration, accept=action == "approve"
    )


@pytest.mark.parametrize("variant", ["open", *FROZEN_VARIANTS])
@pytest.mark.parametrize(("state", "action", "role"), sorted(ON_REGISTRATION))
def test_actions_on_a_registration(
    make_event, organiser, person, make_user, variant, state, action, role
) -> None:
    event = make_event(requires_approval=True)
    registrant = make_user()
    registration = _put(event, registrant, state)
    if role == "registrant":
        actor = registrant
    elif role == "organiser":
        actor = organiser
    elif role == "banned":
        actor = registrant
        _ban(registrant)
    else:
        actor = person(role)
    if variant == "started":
        Event.objects.filter(pk=event.pk).update(
            starts_at=timezone.now() - timedelta(hours=1), registration_deadline=None
        )
    elif variant == "cancelled":
        Event.objects.filter(pk=event.pk).update(cancelled_at=timezone.now())
    event.refresh_from_db()
    registration.refresh_from_db()
    expected = ON_REGISTRATION[(state, action, role)] and variant == "open"

    assert permissions.may(actor, event, registration, action) is expected
    if expected:
        result = _act(action, actor, registration)
        assert (
            result.state
            == {
                "cancel": RegistrationState.CANCELLED,
                "approve": RegistrationState.CONFIRMED,
                "refuse": RegistrationState.REFUSED,
            }[action]
        )
    else:
        with pytest.raises(EventError):
            _act(action, actor, registration)
        registration.refresh_from_db()
        assert registration.state == state


def _register_event(variant: str, make_event, make_user, organiser, invited: list[User]):
    fields: dict[str, object] = {}
    if variant == "public":
        fields["visibility"] = EventVisibility.PUBLIC
    if variant == "needs_approval":
        fields["requires_approval"] = True
    if variant == "invitation":
        fields["visibility"] = EventVisibility.INVITATION
    if variant == "full":
        fields["capacity"] = 1
    event = make_event(invitees=invited, **fields)
    now = timezone.now()
    if variant == "full":
        _put(event, make_user(), RegistrationState.CONFIRMED)
    elif variant == "deadline_passed":
        Event.objects.filter(pk=event.pk).update(registration_deadline=now - timedelta(minutes=1))
    elif variant == "started":
        Event.objects.filter(pk=event.pk).update(starts_at=now - timedelta(minutes=1))
    elif variant == "past":
        Event.objects.filter(pk=event.pk).update(
            starts_at=now - timedelta(days=2), ends_at=now - timedelta(days=1)
        )
    elif variant == "cancelled":
        Event.objects.filter(pk=event.pk).update(cancelled_at=now)
    event.refresh_from_db()
    return event


BEFORE = {
    "registered_before": RegistrationState.CONFIRMED,
    "waiting_before": RegistrationState.WAITLISTED,
    "cancelled_before": RegistrationState.CANCELLED,
    "refused_before": RegistrationState.REFUSED,
}


@pytest.mark.parametrize(("variant", "role"), sorted(REGISTER))
def test_registering(make_event, make_user, organiser, person, variant, role) -> None:
    actor = organiser if role == "organiser" else person(role if role != "banned" else "member")
    invited = [actor] if role in {"invited", "banned"} else []
    event = _register_event(variant, make_event, make_user, organiser, invited)
    if variant in BEFORE and actor.is_authenticated:
        _put(event, actor, BEFORE[variant])
    if role == "banned":
        _ban(actor)
    before = Registration.objects.filter(event=event).count()
    expected = REGISTER[(variant, role)]
    own = services.latest_registration(member=actor, event=event)

    assert permissions.may(actor, event, own, "register") is expected
    if expected:
        registration = services.register(member=actor, event=event, note="I train cadets.")
        assert registration.state == {
            "full": RegistrationState.WAITLISTED,
            "needs_approval": RegistrationState.PENDING,
        }.get(variant, RegistrationState.CONFIRMED)
        assert registration.note == "I train cadets."
    else:
        with pytest.raises(EventError):
            services.register(member=actor, event=event)
        assert Registration.objects.filter(event=event).count() == before


@pytest.mark.parametrize(("variant", "action", "role"), sorted(MANAGE))
def test_managing_an_event(make_event, organiser, person, event_data, variant, action, role):
    event = make_event()
    if role == "organiser":
        actor = organiser
    elif role == "banned":
        actor = organiser
        _ban(organiser)
    else:
        actor = person(role)
    now = timezone.now()
    if variant == "past":
        Event.objects.filter(pk=event.pk).update(
            starts_at=now - timedelta(days=2), ends_at=now - timedelta(days=1)
        )
    elif variant == "cancelled":
        Event.objects.filter(pk=event.pk).update(cancelled_at=now)
    event.refresh_from_db()
    expected = MANAGE[(variant, action, role)]
    if action == "participants":
        assert permissions.can_see_participants(actor, event) is expected
        return
    if action == "edit":
        assert permissions.can_edit(actor, event) is expected
        data = event_data(
            title="Renamed",
            starts_at=event.starts_at,
            ends_at=event.ends_at,
            organisers=[organiser],
        )
        call = lambda: services.update_event(actor=actor, event=event, data=data)  # noqa: E731
    else:
        assert permissions.can_cancel_event(actor, event) is expected
        call = lambda: services.cancel_event(actor=actor, event=event)  # noqa: E731
    if expected:
        call()
    else:
        with pytest.raises(EventError):
            call()
    event.refresh_from_db()
    if action == "edit":
        assert (event.title == "Renamed") is expected
    else:
        assert (event.cancelled_at is not None) is (expected or variant == "cancelled")


@pytest.mark.parametrize(("x", "role"), sorted(CREATE))
def test_who_creates_events(person, organiser, event_data, x, role) -> None:
    actor = organiser if role == "organiser" else person(role)
    if role == "banned":
        actor = person("expert")
        _ban(actor)
    expected = CREATE[(x, role)]
    assert permissions.can_create(actor) is expected
    if expected:
        assert services.create_event(actor=actor, data=event_data()).pk
    else:
        with pytest.raises(EventError):
            services.create_event(actor=actor, data=event_data())
        assert not Event.objects.exists()
