"""The library's part of a member's own data (network.privacy asks each app for its part).

``export``: the resources the member added (catalogue fields, state) and the
files they uploaded (name, type, size, what was removed from them, where to
download them while the account exists). ``forget``, in the deletion's
transaction, as for posts:

- keep: published resources they added stay, by "a former member" (the
  foreign keys are SET_NULL); resources still waiting for review, which
  nobody but them and the reviewers ever saw, are deleted;
- remove: every resource they added is deleted with its files, their text
  and their history, and so is every file they uploaded to another resource.

Staged files (uploaded, never saved) go either way. Stored bytes are removed
from the storage after the deletion commits.
"""

from __future__ import annotations

from typing import Any

from library import search, services
from library.models import FilePage, Resource, ResourceFile, ResourceState
from library.permissions import can_view
from members.privacy import when


def export(member: Any) -> dict[str, Any]:
    resources = Resource.objects.filter(created_by=member).prefetch_related("languages", "tags")
    files = ResourceFile.objects.filter(uploaded_by=member).select_related("resource")
    return {
        "library_resources": [
            {
                "title": r.title,
                "type": r.kind,
                "authors": r.authors,
                "publisher": r.publisher,
                "published_on": r.published_on.isoformat() if r.published_on else None,
                "abstract": r.abstract,
                "state": r.state,
                "visibility": r.visibility,
                "languages": [language.code for language in r.languages.all()],
                "topics": [tag.name for tag in r.tags.all()],
                "source_url": r.source_url,
                "added_at": when(r.created_at),
                "url": r.get_absolute_url(),
            }
            for r in resources.order_by("id")
        ],
        "library_files": [
            {
                "name": f.name,
                "type": f.media_type,
                "size": f.size,
                "removed_metadata": list(f.removed),
                # Another's resource, sent back to review since: not named any more.
                "resource": f.resource.title if _readable(member, f) else None,
                "uploaded_at": when(f.created_at),
                "download": f.get_absolute_url() if _readable(member, f) else None,
            }
            for f in files.order_by("id")
        ],
    }


def _readable(member: Any, file: ResourceFile) -> bool:
    return file.resource is not None and can_view(member, file.resource)


def forget(member: Any, *, keep_contributions: bool) -> None:
    doomed = Resource.objects.filter(created_by=member)
    if keep_contributions:
        doomed = doomed.filter(state=ResourceState.REVIEW)
    for resource in doomed:
        services.remove_for_privacy(resource)
    files = ResourceFile.objects.filter(uploaded_by=member)
    if keep_contributions:
        files = files.filter(resource__isnull=True)
    names = list(files.values_list("stored_as", flat=True))
    pages = list(FilePage.objects.filter(file__in=files).values_list("pk", flat=True))
    resources = list(files.exclude(resource=None).values_list("resource_id", flat=True))
    files.delete()
    search.unindex_resources([], pages)
    for pk in set(resources):
        search.index_resources([pk])
    services.delete_stored_after_commit(names)
