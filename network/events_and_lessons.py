"""What events and lessons lend each other (installed by network/composition.py).

"Capture what was learned" (issue 19, item 6): after a training or meeting, its
organisers and confirmed participants draft a lesson from it
(/lessons/new/?from_event=<id>): setting "training" for a training, the event's
official topics and its standards filled in, the event named in what
happened. ``Lesson.from_event`` links it back: the event page lists the lessons
that came out of it (those the viewer may open), the lesson page says which
event it came out of (if the viewer may open the event). The draft goes
through the lessons' normal review.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from common.markup import plain_text
from events import permissions as event_permissions
from events import selectors as event_selectors
from events.models import Event, EventKind
from lessons import permissions as lesson_permissions
from lessons import selectors as lesson_selectors
from lessons.models import Setting


class EventLessons:
    """events.hooks.LessonSource: the lessons' side of an event page."""

    def capture_url(self, event: Event) -> str:
        return reverse("lessons:create") + f"?from_event={event.pk}"

    def lessons_from(self, event: Event, *, viewer: Any) -> list[Any]:
        # The lessons' own visibility rule: drafts only to their authors, and so on.
        return list(
            lesson_selectors.visible_lessons(viewer)
            .filter(from_event=event)
            .order_by("created_at", "id")
        )


class LessonEvents:
    """lessons.hooks.EventSource: the events' side of the lesson form and page."""

    def event_to_capture(self, viewer: Any, pk: int) -> Event | None:
        event = event_selectors.event_for(viewer, pk)
        if event is None or not lesson_permissions.can_create(viewer):
            return None
        own = event_selectors.own_registration(viewer, event)
        return event if event_permissions.can_capture_lessons(viewer, event, own) else None

    def draft(self, event: Event, *, viewer: Any) -> dict[str, Any]:
        description = plain_text(event.description_html) if event.description_html else ""
        when = date_format(event.starts_at, "DATE_FORMAT")
        happened = _("%(kind)s “%(title)s”, %(date)s.") % {
            "kind": event.get_kind_display(),
            "title": event.title,
            "date": when,
        }
        languages = [language.code for language in event.languages.all()]
        return {
            "title": (_("What we learned at %(title)s") % {"title": event.title})[:200],
            "setting": Setting.TRAINING if event.kind == EventKind.TRAINING else Setting.OTHER,
            "what_happened": f"{happened}\n\n{description}".strip(),
            "topics": [tag for tag in event.tags.all() if tag.is_official],
            "provisions": list(event.provisions.all()),
            "language": languages[0] if languages else "en",
        }

    def visible(self, viewer: Any, event: Event) -> bool:
        return event_selectors.event_for(viewer, event.pk) is not None
