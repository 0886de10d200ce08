"""Threads and lessons, composed: the two domains never import each other.

- On a thread page (``forum.hooks``): "Turn into a lesson" for whoever may
  do it, and "This thread became a lesson" with the lessons drafted from the
  thread that the viewer may open (only while the thread has an accepted
  answer). The HTML comes from templates/lessons/includes/.
- On the new lesson page (``lessons.hooks``): the thread behind
  ``?from_thread=`` and the draft made of its question and accepted answer,
  copying only what the viewer may read.
- The thread page's reuse (``forum.hooks.add_viewer_relation``): an author
  of a lesson made of the thread may see it as a draft, so their page is
  their own; lessons migration 0009 moves the thread's page version when a
  lesson made of it changes.

``Lesson.from_thread`` stays a foreign key to "forum.Thread" by string: a
database link Django resolves, not an import between the apps.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from forum import selectors as forum_selectors
from forum.hooks import ThreadExtras
from forum.models import Post, Thread
from lessons import permissions as lesson_permissions
from lessons import selectors as lesson_selectors
from lessons.models import LessonAuthor
from members.models import User


def _answer_for(member: User, thread: Thread) -> Post | None:
    """The thread's accepted answer if ``member`` may read it, else None.

    Hiding an answer keeps it accepted (unhiding brings it back as it was);
    deleting it unaccepts it (forum.services.delete_post). A hidden accepted
    answer is no answer for whoever may not read it.
    """
    answer = thread.accepted_post if thread.accepted_post_id else None
    if answer is None or not forum_selectors.may_see_post(member, answer):
        return None
    return answer


def draft_from_thread(*, thread: Thread, viewer: User) -> dict[str, Any]:
    """Initial form values for "Turn into a lesson": the question and the accepted answer.

    Only what ``viewer`` may read is copied: never a hidden or deleted post.
    """
    opening = thread.posts.filter(is_opening=True).first()
    if opening is not None and not forum_selectors.may_see_post(viewer, opening):
        opening = None
    answer = _answer_for(viewer, thread)
    return {
        "title": thread.title,
        "summary": (answer.body_text if answer else "")[:600],
        "what_happened": opening.body if opening else "",
        "what_worked": answer.body if answer else "",
        "language": thread.language,
        "topics": list(thread.tags.filter(is_official=True)),
    }


def can_turn_into_lesson(member: User, thread: Thread) -> bool:
    """The asker, the one who answered, experts and moderators may do it.

    Only while the thread has an accepted answer the member may read.
    """
    if not lesson_permissions.can_create(member):
        return False
    answer = _answer_for(member, thread)
    if answer is None:
        return False
    if member.pk in {thread.author_id, answer.author_id}:
        return True
    return lesson_permissions.is_reviewer(member)


class ForumThreads:
    """lessons.hooks.ThreadSource: the forum's threads."""

    def thread_to_turn(self, viewer: User, pk: int) -> Thread | None:
        thread = forum_selectors.thread_for(viewer, pk)
        if thread is None or not can_turn_into_lesson(viewer, thread):
            return None
        return thread

    def draft(self, thread: Thread, *, viewer: User) -> dict[str, Any]:
        return draft_from_thread(thread=thread, viewer=viewer)


def _snippet(template: str, context: dict[str, Any]) -> SafeString:
    # The snippet's own line breaks are the page's: trimmed at both ends.
    return mark_safe(render_to_string(template, context).strip())  # noqa: S308 - a template's output


def lessons_on_thread_page(viewer: User, thread: Thread) -> ThreadExtras:
    """forum.hooks contributor: the thread page's lesson button and note."""
    actions = ()
    if can_turn_into_lesson(viewer, thread):
        actions = (_snippet("lessons/includes/turn_into_lesson.html", {"thread": thread}),)
    notes = ()
    # Only a thread with an accepted answer can become a lesson.
    if thread.accepted_post_id:
        lessons = list(
            lesson_selectors.visible_lessons(viewer)
            .filter(from_thread=thread)
            .order_by("created_at")
            # What the note shows (a link with the title, the state): not the lesson's texts.
            .only("pk", "title", "state")
        )
        if lessons:
            notes = (_snippet("lessons/includes/became_lesson.html", {"lessons": lessons}),)
    return ThreadExtras(actions=actions, notes=notes)


def wrote_a_lesson_of_the_thread(viewer: User) -> Exists:
    """forum.hooks relation: the viewer is an author of a lesson made of the thread."""
    return Exists(LessonAuthor.objects.filter(member=viewer, lesson__from_thread=OuterRef("pk")))
