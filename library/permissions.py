"""Who may do what in the library: the one place the library answers it.

Selectors (which rows a list or a search may show), views (404 or not),
templates (which buttons) and services (refuse or write) all ask here.

- **Reading.** A published public resource: everyone, visitors too. A
  published members-only resource: approved members. A resource waiting for
  review: its uploader and the reviewers (experts and moderators), nobody
  else; to everyone else it does not exist (404). A file is readable exactly
  when its resource is.
- **Adding.** Every approved member adds resources. A member's resource
  waits for review; an expert's or a moderator's is published at once.
- **Reviewing and editing.** Experts and moderators publish, edit and
  unpublish any resource; the uploader edits their own while it waits for
  review. Moderators delete resources and curate collections.
"""

from __future__ import annotations

from typing import Any

from library.models import Resource, ResourceState, ResourceVisibility


def _active(member: Any) -> bool:
    return bool(member.is_authenticated and member.is_member)


def is_reviewer(member: Any) -> bool:
    return _active(member) and (member.is_expert or member.can_moderate)


def can_add(member: Any) -> bool:
    return _active(member)


def publishes_directly(member: Any) -> bool:
    """An expert's or a moderator's resource needs no review."""
    return is_reviewer(member)


def can_view(viewer: Any, resource: Resource) -> bool:
    if resource.state == ResourceState.REVIEW:
        return is_reviewer(viewer) or (_active(viewer) and resource.created_by_id == viewer.pk)
    if resource.visibility == ResourceVisibility.PUBLIC:
        return True
    return _active(viewer)


def can_edit(member: Any, resource: Resource) -> bool:
    if is_reviewer(member):
        return True
    return (
        _active(member)
        and resource.state == ResourceState.REVIEW
        and resource.created_by_id == member.pk
    )


def can_publish(member: Any, resource: Resource) -> bool:
    return is_reviewer(member) and resource.state == ResourceState.REVIEW


def can_unpublish(member: Any, resource: Resource) -> bool:
    return is_reviewer(member) and resource.state == ResourceState.PUBLISHED


def can_delete(member: Any, resource: Resource) -> bool:
    if _active(member) and member.can_moderate:
        return True
    return (
        _active(member)
        and resource.state == ResourceState.REVIEW
        and resource.created_by_id == member.pk
    )


def can_curate(member: Any) -> bool:
    """Moderators make and order collections."""
    return _active(member) and member.can_moderate


def can_follow(member: Any) -> bool:
    return _active(member)
