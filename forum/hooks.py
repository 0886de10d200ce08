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
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.safestring import SafeString

if TYPE_CHECKING:
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
