"""Demo data that spans apps: the demo lessons that grew out of demo forum threads.

Lessons know no forum (lessons.demo takes a ``thread_for(title)`` finder), so
the composition root hands them the forum's: ``forum.demo.demo_thread``
finds a demo thread by its title, or by its opening post's token when a demo
visitor renamed it. seed_demo runs it after the demo threads.
"""

from __future__ import annotations

from forum.demo import demo_thread
from lessons import demo as lessons_demo


def ensure_demo_lessons() -> int:
    """The demo lessons, those drafted from a demo thread linked to it; how many were made."""
    return lessons_demo.ensure_demo_lessons(thread_for=demo_thread)
