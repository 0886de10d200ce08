"""What other apps lend an event page: its materials from the library, and the
lessons that came out of it (issue 19, items 5 and 6).

Events never import the library. The library (or network/composition.py,
once both exist) installs a ``MaterialSource`` at start-up; the event page
asks it for what to list under "Materials" (reading before, slides and
reports after). Without one, an event has no materials and the section is
not shown. An ``EventMaterial`` link model belongs with the library's side of
this seam (a foreign key to ``"events.Event"`` by string), so that events'
migrations need no library.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from events.models import Event
    from members.models import User


class MaterialSource(Protocol):
    def materials_for(self, event: Event, *, viewer: User) -> list[Any]:
        """What ``viewer`` may open among the event's materials: objects with
        ``title``, ``get_absolute_url()`` and ``when`` ("before" or "after")."""

    def manage_url(self, event: Event, *, viewer: User) -> str:
        """Where ``viewer`` adds or removes materials; empty when they may not."""


class NoMaterials:
    def materials_for(self, event: Event, *, viewer: User) -> list[Any]:
        return []

    def manage_url(self, event: Event, *, viewer: User) -> str:
        return ""


_source: MaterialSource = NoMaterials()


def set_material_source(source: MaterialSource) -> None:
    global _source  # one source, installed once at start-up
    _source = source


def material_source() -> MaterialSource:
    return _source


# --- Lessons: "capture what was learned" (network/composition.py installs it) -------------


class LessonSource(Protocol):
    def capture_url(self, event: Event) -> str:
        """Where a lesson draft is made of the event (the lessons' form, prefilled)."""

    def lessons_from(self, event: Event, *, viewer: User) -> list[Any]:
        """Lessons that came out of the event that ``viewer`` may open (``title``,
        ``get_absolute_url()``)."""


class NoLessons:
    def capture_url(self, event: Event) -> str:
        return ""

    def lessons_from(self, event: Event, *, viewer: User) -> list[Any]:
        return []


_lessons: LessonSource = NoLessons()


def set_lesson_source(source: LessonSource) -> None:
    global _lessons  # one source, installed once at start-up
    _lessons = source


def lesson_source() -> LessonSource:
    return _lessons
