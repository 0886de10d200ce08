"""Who may do what in the forum: the one place the forum answers it.

Selectors, views, templates and services all ask here, so a read never
imports the writes (forum.services) to learn whether a button shows.
"""

from __future__ import annotations

from forum.models import Post, Thread, ThreadKind
from members.models import User


def can_post(member: User) -> bool:
    return member.is_authenticated and member.is_member


def can_reply(member: User, thread: Thread) -> bool:
    if not can_post(member) or not thread.is_visible:
        return False
    return not thread.is_locked or member.can_moderate


def can_edit(member: User, post: Post) -> bool:
    if not can_post(member) or post.is_deleted:
        return False
    if member.can_moderate:
        return True
    return post.author_id == member.pk and not post.thread.is_locked and not post.is_hidden


def can_delete(member: User, post: Post) -> bool:
    if not can_post(member) or post.is_deleted:
        return False
    return member.can_moderate or post.author_id == member.pk


def can_see_history(member: User, post: Post) -> bool:
    """Earlier text may hold what was removed for someone's safety ("[name removed]").

    As for lessons: the author and moderators only.
    """
    if not can_post(member):
        return False
    return member.can_moderate or post.author_id == member.pk


def can_accept(member: User, thread: Thread) -> bool:
    return (
        can_post(member)
        and thread.kind == ThreadKind.QUESTION
        and (member.can_moderate or thread.author_id == member.pk)
    )


def can_purge(member: User) -> bool:
    return can_post(member) and member.can_moderate
