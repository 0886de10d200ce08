from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.utils import timezone

from events import services
from events.models import Event, EventKind
from members.models import User


@pytest.fixture
def organiser(make_user: Callable[..., User]) -> User:
    return make_user(is_expert=True, display_name="Orga Niser", handle="orga-niser")


@pytest.fixture
def event_data() -> Callable[..., services.EventData]:
    """What a filled-in event form gives the services; keywords override fields."""

    def make(**overrides: object) -> services.EventData:
        start = timezone.now() + timedelta(days=10)
        fields: dict[str, object] = {
            "title": "Policing assemblies: a two-day training",
            "kind": EventKind.TRAINING,
            "description": "We read the **Basic Principles** together.",
            "starts_at": start,
            "ends_at": start + timedelta(hours=6),
            "time_zone": "Africa/Nairobi",
            "place": "Community hall, Kisumu",
            "online_url": "https://meet.example.org/assemblies",
            "capacity": 2,
        }
        fields.update(overrides)
        return services.EventData(**fields)

    return make


@pytest.fixture
def make_event(
    organiser: User, event_data: Callable[..., services.EventData]
) -> Callable[..., Event]:
    """An event announced through ``create_event``; ``at`` moves it in time afterwards
    (past or started events cannot be created, only become so)."""

    def make(by: User | None = None, *, shift: timedelta | None = None, **fields: object) -> Event:
        event = services.create_event(actor=by or organiser, data=event_data(**fields))
        if shift is not None:
            Event.objects.filter(pk=event.pk).update(
                starts_at=event.starts_at + shift,
                ends_at=event.ends_at + shift,
                registration_deadline=None,
            )
            event.refresh_from_db()
        return event

    return make
