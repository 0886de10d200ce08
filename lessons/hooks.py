"""Where a lesson's draft can come from: a thread of the forum.

Lessons know a thread only as ``Lesson.from_thread``, a foreign key to
"forum.Thread" named by string (no import). "Turn into a lesson"
(/lessons/new/?from_thread=<pk>) asks the installed ``ThreadSource`` for the
thread the viewer may turn into a lesson and for the draft's first values;
network/composition.py installs the forum's at start-up, because only the
composition root may import both apps. Without one, ``?from_thread=`` finds
nothing (the page answers 404).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from django.db.models import Model

    from members.models import User


class ThreadSource(Protocol):
    def thread_to_turn(self, viewer: User, pk: int) -> Model | None:
        """The thread ``viewer`` may see and turn into a lesson, or None."""

    def draft(self, thread: Model, *, viewer: User) -> dict[str, Any]:
        """The lesson form's first values, from what ``viewer`` may read of ``thread``."""


class NoThreads:
    """No forum installed: no thread can become a lesson."""

    def thread_to_turn(self, viewer: User, pk: int) -> Model | None:
        return None

    def draft(self, thread: Model, *, viewer: User) -> dict[str, Any]:
        return {}


_source: ThreadSource = NoThreads()


def set_thread_source(source: ThreadSource) -> None:
    global _source  # one source, installed once at start-up
    _source = source


def thread_source() -> ThreadSource:
    return _source


# --- The library (network/composition.py installs it) ---------------------------------


class DocumentSource(Protocol):
    """What the library lends a lesson's sources and a provision's page."""

    def for_provision(self, provision: Model, *, viewer: User) -> list[Any]:
        """Resources linked to the provision that ``viewer`` may open: objects with
        ``title``, ``get_absolute_url()``, ``get_kind_display()`` and ``year``."""

    def describe_sources(self, urls: list[str], *, viewer: User) -> dict[str, Any]:
        """For each source address that is a library resource ``viewer`` may open,
        that resource (its type and year are shown beside the source)."""

    def source_choices(self, *, viewer: User) -> list[tuple[str, str]]:
        """(address, "Title (type, year)") of documents a source may point to."""


class NoDocuments:
    def for_provision(self, provision: Model, *, viewer: User) -> list[Any]:
        return []

    def describe_sources(self, urls: list[str], *, viewer: User) -> dict[str, Any]:
        return {}

    def source_choices(self, *, viewer: User) -> list[tuple[str, str]]:
        return []


_documents: DocumentSource = NoDocuments()


def set_document_source(source: DocumentSource) -> None:
    global _documents  # one source, installed once at start-up
    _documents = source


def document_source() -> DocumentSource:
    return _documents


# --- Events: "capture what was learned" (network/composition.py installs it) --------------


class EventSource(Protocol):
    def event_to_capture(self, viewer: User, pk: int) -> Model | None:
        """The event ``viewer`` may draft a lesson from (an organiser or a confirmed
        participant, once it has ended), else None."""

    def draft(self, event: Model, *, viewer: User) -> dict[str, Any]:
        """The lesson form's first values: setting training, the event's topics and standards."""

    def visible(self, viewer: User, event: Model) -> bool:
        """Whether ``viewer`` may open the event a lesson came out of."""


class NoEvents:
    def event_to_capture(self, viewer: User, pk: int) -> Model | None:
        return None

    def draft(self, event: Model, *, viewer: User) -> dict[str, Any]:
        return {}

    def visible(self, viewer: User, event: Model) -> bool:
        return False


_events: EventSource = NoEvents()


def set_event_source(source: EventSource) -> None:
    global _events  # one source, installed once at start-up
    _events = source


def event_source() -> EventSource:
    return _events
