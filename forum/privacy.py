"""The forum's part of a member's own data (network.privacy asks each app for its part).

``export`` is the forum's section of the download; ``forget`` its part of
deleting the account, in that transaction (the writes are
``forum.services.forget_member``'s, the only writer of the forum's rows and
counters).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch

from forum import services
from forum.models import Flag, HelpfulMark, Post, PostRevision, Thread
from members.models import User
from members.privacy import by, when
from notifications.services import absolute


def export(member: User) -> dict[str, list[dict[str, Any]]]:
    """Threads and posts (with every revision), helpful marks given, flags filed."""
    threads = Thread.objects.filter(author=member).prefetch_related("tags")
    posts = (
        Post.objects.filter(author=member)
        .select_related("thread")
        .prefetch_related(
            Prefetch("revisions", queryset=PostRevision.objects.select_related("editor")),
            "attachments",
        )
    )
    marks = HelpfulMark.objects.filter(member=member).select_related("post__thread")
    flags = Flag.objects.filter(reporter=member).select_related("post__thread")
    return {
        "threads": [
            {
                "id": thread.pk,
                "title": thread.title,
                "kind": thread.kind,
                "language": thread.language,
                "topics": [tag.name for tag in thread.tags.all()],
                "created_at": when(thread.created_at),
                "is_locked": thread.is_locked,
                "is_hidden": thread.is_hidden,
                "is_deleted": thread.is_deleted,
                "url": absolute(thread.get_absolute_url()),
            }
            for thread in threads.order_by("created_at", "id")
        ],
        "posts": [
            {
                "id": post.pk,
                "thread": {"id": post.thread_id, "title": post.thread.title},
                "is_opening_post": post.is_opening,
                "text": post.body,
                "created_at": when(post.created_at),
                "edited_at": when(post.edited_at),
                "helpful_count": post.helpful_count,
                "is_hidden": post.is_hidden,
                "is_deleted": post.is_deleted,
                "url": absolute(post.get_absolute_url()),
                "attached_files": [
                    {
                        "name": file.name,
                        "type": file.media_type,
                        "size": file.size,
                        "removed_metadata": list(file.removed),
                        "download": absolute(file.get_absolute_url()),
                    }
                    for file in post.attachments.all()
                ],
                "revisions": [
                    {
                        "created_at": when(revision.created_at),
                        "edited_by": by(revision.editor, member),
                        "title": revision.title,
                        "text": revision.body,
                        # Purged by a moderator: the title and text are erased.
                        "purged_at": when(revision.purged_at),
                    }
                    for revision in post.revisions.all()
                ],
            }
            for post in posts.order_by("created_at", "id")
        ],
        "helpful_marks_given": [
            {
                "post": mark.post_id,
                "thread": mark.post.thread.title,
                "created_at": when(mark.created_at),
                "url": absolute(mark.post.get_absolute_url()),
            }
            for mark in marks.order_by("created_at", "id")
        ],
        "flags_filed": [
            {
                "post": flag.post_id,
                "thread": flag.post.thread.title,
                "reason": flag.reason,
                "note": flag.note,
                "created_at": when(flag.created_at),
                "resolved_at": when(flag.resolved_at),
                "outcome": flag.outcome,
            }
            for flag in flags.order_by("created_at", "id")
        ],
    }


def forget(member: User, *, keep_contributions: bool) -> None:
    services.forget_member(member=member, remove_posts=not keep_contributions)
