"""What apps lend one another, wired once at start-up (network/apps.py ready()).

The domains (forum, lessons) never import each other, and the layers below
them never import the ones above. Where one shows or uses something of
another, the lower or the showing app declares a hook, and this module, the
composition root that may import every app, fills it:

- ``common.redaction`` scrubbers: purged text leaves notifications and queued
  or sent email (notifications' copies; members registers its audit log
  itself).
- ``forum.hooks`` (what other apps show on a thread page): the lessons'
  "Turn into a lesson" button and "This thread became a lesson" note
  (network.threads_and_lessons).
- ``lessons.hooks`` (where a lesson's draft can come from): a forum thread
  and its accepted answer (network.threads_and_lessons); and the library's
  documents on a provision's page and beside a lesson's sources
  (network.library_links).
- ``events.hooks``: an event's materials from the library (network.library_links)
  and the lessons that came out of it; ``lessons.hooks`` the event a lesson is
  captured from (network.events_and_lessons).

``install()`` may run more than once (each registration replaces itself).
"""

from __future__ import annotations


def install() -> None:
    from common import redaction
    from notifications import outbox
    from notifications import services as notifications

    redaction.add_scrubber("notifications.notifications", notifications.redact_notifications)
    redaction.add_scrubber("notifications.outbox", outbox.redact_outbox)

    from forum import hooks as forum_hooks
    from lessons import hooks as lesson_hooks
    from network import threads_and_lessons

    forum_hooks.add_to_thread_page("lessons", threads_and_lessons.lessons_on_thread_page)
    forum_hooks.add_viewer_relation("lessons", threads_and_lessons.wrote_a_lesson_of_the_thread)
    lesson_hooks.set_thread_source(threads_and_lessons.ForumThreads())

    from events import hooks as event_hooks
    from network import library_links

    event_hooks.set_material_source(library_links.LibraryMaterials())
    lesson_hooks.set_document_source(library_links.LibraryDocuments())

    from network import events_and_lessons

    event_hooks.set_lesson_source(events_and_lessons.EventLessons())
    lesson_hooks.set_event_source(events_and_lessons.LessonEvents())
