"""What other apps show on a thread page.

The forum knows no other domain, yet a thread page shows what other apps
made of the thread: the lessons' "Turn into a lesson" button and "This
thread became a lesson" note. An app that has something to show registers a
contributor with ``add_to_thread_page``; network/composition.py does it at
start-up, because only the composition root may import both apps. Each
contributor gets the viewer and the thread and returns ``ThreadExtras``:
HTML it rendered itself, placed by templates/forum/thread.html among the
thread's actions (beside "Follow this thread") and as notes above the
opening post. With no contributor the page simply shows neither.

A thread page is reused for every member of one viewer class
(forum.fragments.thread_page_key: member or not, expert or not; moderators
never share a page). So a contributor's HTML may depend on the viewer only
through those, and on a relation of the viewer to the thread that it
declares with ``add_viewer_relation``: a condition on the thread (an
``Exists`` over ``OuterRef("pk")``) that, when true, makes the page be
rendered for that viewer alone (the lessons: an author of a lesson made of
the thread sees its draft). What a contributor shows of the thread's data
must move ``Thread.page_version`` when it changes (a trigger, as lessons
migration 0009 does).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.safestring import SafeString

if TYPE_CHECKING:
    from django.db.models import Q

    from forum.models import Thread
    from members.models import User


@dataclass(frozen=True)
class ThreadExtras:
    """Rendered HTML for the thread page: buttons among its actions, notes above the post."""

    actions: tuple[SafeString, ...] = ()
    notes: tuple[SafeString, ...] = ()


Contributor = Callable[["User", "Thread"], ThreadExtras]

_contributors: dict[str, Contributor] = {}


def add_to_thread_page(name: str, contributor: Contributor) -> None:
    """Register ``contributor`` under ``name`` (registering a name again replaces it)."""
    _contributors[name] = contributor


def thread_page_extras(viewer: User, thread: Thread) -> ThreadExtras:
    """What every registered app shows on ``thread``'s page for ``viewer``, in order."""
    actions: list[SafeString] = []
    notes: list[SafeString] = []
    for contributor in _contributors.values():
        extras = contributor(viewer, thread)
        actions.extend(extras.actions)
        notes.extend(extras.notes)
    return ThreadExtras(actions=tuple(actions), notes=tuple(notes))


Relation = Callable[["User"], "Q"]

_relations: dict[str, Relation] = {}


def add_viewer_relation(name: str, relation: Relation) -> None:
    """Register ``relation``: given the viewer, a condition on the thread (its
    ``pk`` as ``OuterRef("pk")``) under which its page is the viewer's own.

    Register at start-up (an AppConfig's ``ready``), and use the viewer only
    as a value to filter by (``member=viewer``): the probe that asks it is
    compiled once per process with a stand-in viewer (common/statements.py),
    so reading its fields (``if viewer.is_expert``) would decide for all."""
    _relations[name] = relation


def viewer_relations(viewer: User) -> list[Q]:
    return [relation(viewer) for relation in _relations.values()]
