"""Every write to the library goes through these functions.

Files: ``stage_file`` runs the upload pipeline (``common.uploads``: type by
content, metadata removed) and stores the cleaned bytes under a random name
as a *staged* file (no resource yet), so the member sees what was removed
before anything is saved; ``create_resource`` and ``update_resource`` then
attach the member's own staged files. The worker (``extract_pending``) reads
the text of new files into pages and indexes them; a file whose text cannot
be read is marked, and its resource stays. Stored bytes are removed from the
storage only after the transaction that deleted their rows commits.

Every change of a resource, a collection or an event's materials is in the
audit log (following a collection is the member's own affair, not audited),
and every edit of a resource's catalogue fields keeps a revision (who, when,
which fields changed from what to what).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Max, Model, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from common import extract, filestore
from common.errors import ServiceError
from common.languages import LANGUAGE_CODES, in_site_language
from common.markup import render_markdown
from common.uploads import CleanFile, UploadRefused, clean_upload
from library import search
from library.models import (
    ABSTRACT_MAX,
    INTRODUCTION_MAX,
    NOTE_MAX,
    Collection,
    CollectionItem,
    EventMaterial,
    FilePage,
    Resource,
    ResourceFile,
    ResourceKind,
    ResourceLanguage,
    ResourceRevision,
    ResourceState,
    ResourceVisibility,
    TextState,
)
from library.notification_kinds import NotificationKind
from library.permissions import (
    can_add,
    can_curate,
    can_delete,
    can_edit,
    can_follow,
    can_publish,
    can_unpublish,
    publishes_directly,
)
from members.models import AuditEntry, Tag, User
from members.services import audit
from notifications import services as notifications
from notifications.selectors import followers_of
from notifications.services import notify

log = logging.getLogger(__name__)

FILES_MAX = 10
TAGS_MAX = 5
PROVISIONS_MAX = 12
LANGUAGES_MAX = 6
AUTHOR_MEMBERS_MAX = 10
# Staged files nobody saved are removed by the worker after this long.
STAGED_FOR = timedelta(hours=24)


class LibraryError(ServiceError):
    """An action that is not allowed or not possible; the message is for the member."""


def read_file(file: ResourceFile) -> bytes:
    """The cleaned bytes of a stored file (decrypted when stored encrypted)."""
    return filestore.read(file.stored_as, encrypted=file.encrypted)


def _delete_stored(names: list[str]) -> None:
    filestore.delete_after_commit(names)


# --- Files -------------------------------------------------------------------------


def stage_file(*, actor: User, name: str, data: bytes, language: str = "en") -> ResourceFile:
    """Clean and store one uploaded file, not yet part of a resource.

    Raises ``UploadRefused`` (a ``ServiceError``) with the reason; nothing is
    stored then.
    """
    if not can_add(actor):
        raise LibraryError(_("Only members add files to the library."))
    if language not in LANGUAGE_CODES:
        language = "en"
    clean: CleanFile = clean_upload(name, data)
    stored_as, encrypted = filestore.store(clean.data, clean.extension)
    try:
        return ResourceFile.objects.create(
            resource=None,
            language=language,
            name=clean.name,
            media_type=clean.media_type,
            extension=clean.extension,
            size=len(clean.data),
            stored_as=stored_as,
            encrypted=encrypted,
            removed=list(clean.removed),
            uploaded_by=actor,
        )
    except Exception:
        filestore.delete_now([stored_as])
        raise


def staged_files(*, actor: User, ids: list[int]) -> list[ResourceFile]:
    """The actor's own staged files among ``ids`` (anything else is ignored)."""
    return list(
        ResourceFile.objects.filter(pk__in=ids[:FILES_MAX], resource=None, uploaded_by=actor)
    )


def discard_staged(*, older_than: timedelta = STAGED_FOR) -> int:
    """Remove staged files nobody saved (the worker runs this)."""
    stale = ResourceFile.objects.filter(resource=None, created_at__lt=timezone.now() - older_than)
    with transaction.atomic():
        names = list(stale.values_list("stored_as", flat=True))
        stale.delete()
        _delete_stored(names)
    return len(names)


# --- Resources ---------------------------------------------------------------------


@dataclass
class ResourceData:
    """What the resource form gives the services; checked again here."""

    kind: str
    title: str
    authors: str = ""
    publisher: str = ""
    published_on: date | None = None
    abstract: str = ""
    country: str = ""
    region: str = ""
    series: str = ""
    number: int | None = None
    source_url: str = ""
    licence: str = ""
    visibility: str = ResourceVisibility.MEMBERS
    languages: list[str] = field(default_factory=lambda: ["en"])
    tags: list[Tag] = field(default_factory=list)
    provisions: list[Model] = field(default_factory=list)
    author_members: list[User] = field(default_factory=list)


TRACKED = (
    "kind",
    "title",
    "authors",
    "publisher",
    "published_on",
    "abstract",
    "country",
    "region",
    "series",
    "number",
    "source_url",
    "licence",
    "visibility",
)


def _check(data: ResourceData, *, files: int) -> None:
    if not data.title.strip():
        raise LibraryError(_("Give the resource a title."))
    if data.kind not in ResourceKind.values:
        raise LibraryError(_("Choose the type of resource."))
    if data.visibility not in ResourceVisibility.values:
        raise LibraryError(_("Choose who can read the resource."))
    if len(data.abstract) > ABSTRACT_MAX:
        raise LibraryError(
            _("The abstract can have at most %(max)s characters.") % {"max": f"{ABSTRACT_MAX:,}"}
        )
    if not files and not data.source_url:
        raise LibraryError(_("Add a file or the address where the resource can be found."))
    if data.published_on and data.published_on > timezone.localdate() + timedelta(days=366):
        raise LibraryError(_("The publication date is too far in the future."))
    if data.number is not None and not data.series.strip():
        raise LibraryError(_("A number belongs to a series: name the series too."))
    if len(data.tags) > TAGS_MAX:
        raise LibraryError(_("Choose at most %(max)d topics.") % {"max": TAGS_MAX})
    if len(data.provisions) > PROVISIONS_MAX:
        raise LibraryError(_("Choose at most %(max)d standards.") % {"max": PROVISIONS_MAX})
    if not data.languages or len(data.languages) > LANGUAGES_MAX:
        raise LibraryError(_("Choose between 1 and %(max)d languages.") % {"max": LANGUAGES_MAX})
    if any(code not in LANGUAGE_CODES for code in data.languages):
        raise LibraryError(_("Choose languages from the list."))
    if files > FILES_MAX:
        raise LibraryError(_("A resource can have at most %(max)d files.") % {"max": FILES_MAX})


def _snapshot(resource: Resource) -> dict[str, str]:
    values = {name: getattr(resource, name) for name in TRACKED}
    values["country"] = str(resource.country.code if resource.country else "")
    return {name: "" if value is None else str(value) for name, value in values.items()}


def _apply(resource: Resource, data: ResourceData) -> None:
    for name in TRACKED:
        value = getattr(data, name)
        setattr(resource, name, value.strip() if isinstance(value, str) else value)
    resource.abstract_html = render_markdown(resource.abstract)


def _set_relations(resource: Resource, data: ResourceData) -> None:
    resource.tags.set(data.tags)
    resource.provisions.set(data.provisions)
    resource.author_members.set(data.author_members[:AUTHOR_MEMBERS_MAX])
    ResourceLanguage.objects.filter(resource=resource).delete()
    ResourceLanguage.objects.bulk_create(
        ResourceLanguage(resource=resource, code=code) for code in dict.fromkeys(data.languages)
    )


def _claim(staged: list[ResourceFile], resource: Resource, actor: User) -> None:
    """Attach the actor's staged files; a file another save took meanwhile refuses this one."""
    if not staged:
        return
    claimed = ResourceFile.objects.filter(
        pk__in=[f.pk for f in staged], resource__isnull=True, uploaded_by=actor
    ).update(resource=resource)
    if claimed != len(staged):
        raise LibraryError(_("These files were saved already: reload the page and try again."))


def create_resource(
    *, actor: User, data: ResourceData, staged: list[ResourceFile] = ()
) -> Resource:
    """Add a resource with the actor's staged files; experts' and moderators'
    resources are published at once, a member's wait for review."""
    if not can_add(actor):
        raise LibraryError(_("Only members add resources to the library."))
    staged = [f for f in staged if f.resource_id is None and f.uploaded_by_id == actor.pk]
    _check(data, files=len(staged))
    now = timezone.now()
    direct = publishes_directly(actor)
    with transaction.atomic():
        resource = Resource(
            created_by=actor,
            state=ResourceState.PUBLISHED if direct else ResourceState.REVIEW,
            published_at=now if direct else None,
            reviewed_by=actor if direct else None,
        )
        _apply(resource, data)
        resource.save()
        _set_relations(resource, data)
        _claim(staged, resource, actor)
        search.index_resources([resource.pk])
        audit(
            actor=actor,
            action=AuditEntry.Action.ADD_RESOURCE,
            target=None,
            detail=f"#{resource.pk}",
            url=resource.get_absolute_url(),
        )
        if not direct:
            _notify_reviewers(resource, actor)
    return resource


def update_resource(
    *,
    actor: User,
    resource: Resource,
    data: ResourceData,
    staged: list[ResourceFile] = (),
    remove_files: list[int] = (),
) -> Resource:
    """Change a resource's catalogue fields and files; one revision per save."""
    with transaction.atomic():
        resource = Resource.objects.select_for_update().get(pk=resource.pk)
        if not can_edit(actor, resource):
            raise LibraryError(_("You cannot change this resource."))
        staged = [f for f in staged if f.resource_id is None and f.uploaded_by_id == actor.pk]
        removing = list(resource.files.filter(pk__in=list(remove_files)))
        remaining = resource.files.count() - len(removing)
        _check(data, files=remaining + len(staged))
        before = _snapshot(resource)
        _apply(resource, data)
        after = _snapshot(resource)
        changes: dict[str, object] = {
            name: [before[name], after[name]] for name in TRACKED if before[name] != after[name]
        }
        if staged:
            changes["files_added"] = [f.name for f in staged]
        if removing:
            changes["files_removed"] = [f.name for f in removing]
        resource.updated_at = timezone.now()
        resource.save()
        _set_relations(resource, data)
        _claim(staged, resource, actor)
        if removing:
            names = [f.stored_as for f in removing]
            gone_pages = list(
                FilePage.objects.filter(file__in=[f.pk for f in removing]).values_list(
                    "pk", flat=True
                )
            )
            ResourceFile.objects.filter(pk__in=[f.pk for f in removing]).delete()
            # Their text leaves the index (SQLite's FTS5 keeps the text itself).
            search.unindex_resources([], gone_pages)
            _delete_stored(names)
        search.index_resources([resource.pk])
        search.index_pages_of(resource.pk)
        if changes:
            ResourceRevision.objects.create(resource=resource, editor=actor, changes=changes)
        audit(
            actor=actor,
            action=AuditEntry.Action.EDIT_RESOURCE,
            target=None,
            detail=f"#{resource.pk}",
            url=resource.get_absolute_url(),
        )
    return resource


def publish_resource(*, actor: User, resource: Resource) -> Resource:
    with transaction.atomic():
        resource = Resource.objects.select_for_update().get(pk=resource.pk)
        if not can_publish(actor, resource):
            raise LibraryError(
                _("Only experts and moderators publish resources waiting for review.")
            )
        resource.state = ResourceState.PUBLISHED
        resource.published_at = resource.updated_at = timezone.now()
        resource.reviewed_by = actor
        resource.save(update_fields=["state", "published_at", "updated_at", "reviewed_by"])
        audit(
            actor=actor,
            action=AuditEntry.Action.PUBLISH_RESOURCE,
            target=resource.created_by,
            detail=f"#{resource.pk}",
            url=resource.get_absolute_url(),
        )
        if resource.created_by_id:
            _notify_published(resource, actor)
    return resource


def unpublish_resource(*, actor: User, resource: Resource) -> Resource:
    """Back to review: only the uploader and the reviewers see it again."""
    with transaction.atomic():
        resource = Resource.objects.select_for_update().get(pk=resource.pk)
        if not can_unpublish(actor, resource):
            raise LibraryError(_("Only experts and moderators send a resource back to review."))
        resource.state = ResourceState.REVIEW
        resource.updated_at = timezone.now()
        resource.save(update_fields=["state", "updated_at"])
        # Followers no longer may open it: notices that quote its title go.
        notifications.forget_notifications_about(model=Resource, ids=[resource.pk])
        audit(
            actor=actor,
            action=AuditEntry.Action.UNPUBLISH_RESOURCE,
            target=resource.created_by,
            detail=f"#{resource.pk}",
            url=resource.get_absolute_url(),
        )
    return resource


def delete_resource(*, actor: User, resource: Resource) -> None:
    """Delete a resource, its files (stored bytes too), pages, revisions and links."""
    with transaction.atomic():
        resource = Resource.objects.select_for_update().get(pk=resource.pk)
        if not can_delete(actor, resource):
            raise LibraryError(_("You cannot delete this resource."))
        audit(
            actor=actor,
            action=AuditEntry.Action.DELETE_RESOURCE,
            target=resource.created_by if resource.created_by_id != actor.pk else None,
            detail=f"#{resource.pk}",
        )
        _remove(resource)


def remove_for_privacy(resource: Resource) -> None:
    """A resource goes with its uploader's account (library.privacy); no audit entry."""
    _remove(resource)


def delete_stored_after_commit(names: list[str]) -> None:
    _delete_stored(names)


def _remove(resource: Resource) -> None:
    files = list(resource.files.values_list("pk", "stored_as"))
    page_ids = list(FilePage.objects.filter(file__resource=resource).values_list("pk", flat=True))
    notifications.forget_notifications_about(model=Resource, ids=[resource.pk])
    resource_id = resource.pk
    resource.delete()
    search.unindex_resources([resource_id], page_ids)
    _delete_stored([name for _pk, name in files])


# --- Text inside files (the worker) -------------------------------------------------


def resume_reading() -> int:
    """Files a stopped worker was reading go back to the queue (the worker's start)."""
    return ResourceFile.objects.filter(text_state=TextState.READING).update(
        text_state=TextState.PENDING
    )


def extract_pending(*, limit: int = 20) -> int:
    """Read the text of new files into pages and index it; never in a request.

    Each file is claimed (state pending -> being read) before it is read, so
    two workers never read the same file; a failure marks the file and keeps
    the resource.
    """
    done = 0
    candidates = list(
        ResourceFile.objects.filter(text_state=TextState.PENDING, resource__isnull=False)
        .order_by("id")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in candidates:
        claimed = ResourceFile.objects.filter(pk=pk, text_state=TextState.PENDING).update(
            text_state=TextState.READING
        )
        if not claimed:
            continue
        file = ResourceFile.objects.get(pk=pk)
        try:
            result = extract.extract_text(read_file(file), file.media_type)
        except Exception:  # extract.ExtractionFailed, a missing or unreadable file
            log.warning("library: the text of file %s could not be read", pk)
            ResourceFile.objects.filter(pk=pk).update(text_state=TextState.FAILED)
            continue
        with transaction.atomic():
            if not ResourceFile.objects.filter(pk=pk).exists():
                continue  # deleted while it was read
            FilePage.objects.filter(file_id=pk).delete()
            pages = FilePage.objects.bulk_create(
                FilePage(file_id=pk, number=number, text=text)
                for number, text in enumerate(result.pages, start=1)
                if text.strip()
            )
            ResourceFile.objects.filter(pk=pk).update(
                text_state=TextState.DONE if result.has_text else TextState.NONE,
                page_count=len(result.pages),
            )
            search.index_pages([page.pk for page in pages])
        done += 1
    return done


# --- Collections -------------------------------------------------------------------


@dataclass
class CollectionData:
    title: str
    slug: str = ""
    introduction: str = ""
    order: str = "curated"


def _check_collection(data: CollectionData) -> str:
    if not data.title.strip():
        raise LibraryError(_("Give the collection a title."))
    if len(data.introduction) > INTRODUCTION_MAX:
        raise LibraryError(
            _("The introduction can have at most %(max)s characters.")
            % {"max": f"{INTRODUCTION_MAX:,}"}
        )
    slug = slugify(data.slug or data.title)[:80].strip("-")
    if not slug:
        raise LibraryError(_("Give the collection an address made of letters and numbers."))
    return slug


def create_collection(*, actor: User, data: CollectionData) -> Collection:
    if not can_curate(actor):
        raise LibraryError(_("Only moderators make collections."))
    slug = _check_collection(data)
    with transaction.atomic():
        if Collection.objects.filter(slug=slug).exists():
            raise LibraryError(_("Another collection has this address already."))
        collection = Collection.objects.create(
            slug=slug,
            title=data.title.strip(),
            introduction=data.introduction,
            introduction_html=render_markdown(data.introduction),
            order=data.order,
            created_by=actor,
        )
        audit(
            actor=actor,
            action=AuditEntry.Action.EDIT_COLLECTION,
            target=None,
            detail=collection.slug,
            url=collection.get_absolute_url(),
        )
    return collection


def update_collection(*, actor: User, collection: Collection, data: CollectionData) -> Collection:
    if not can_curate(actor):
        raise LibraryError(_("Only moderators change collections."))
    slug = _check_collection(data)
    with transaction.atomic():
        collection = Collection.objects.select_for_update().get(pk=collection.pk)
        if Collection.objects.filter(slug=slug).exclude(pk=collection.pk).exists():
            raise LibraryError(_("Another collection has this address already."))
        collection.slug = slug
        collection.title = data.title.strip()
        collection.introduction = data.introduction
        collection.introduction_html = render_markdown(data.introduction)
        collection.order = data.order
        collection.updated_at = timezone.now()
        collection.save()
        audit(
            actor=actor,
            action=AuditEntry.Action.EDIT_COLLECTION,
            target=None,
            detail=collection.slug,
            url=collection.get_absolute_url(),
        )
    return collection


def add_to_collection(
    *, actor: User, collection: Collection, resource: Resource, note: str = ""
) -> CollectionItem:
    """Add a published resource at the end; the collection's followers hear of it."""
    if not can_curate(actor):
        raise LibraryError(_("Only moderators change collections."))
    if len(note) > NOTE_MAX:
        raise LibraryError(_("A note can have at most %(max)d characters.") % {"max": NOTE_MAX})
    if not resource.is_published:
        raise LibraryError(_("Publish the resource before you add it to a collection."))
    with transaction.atomic():
        collection = Collection.objects.select_for_update().get(pk=collection.pk)
        if CollectionItem.objects.filter(collection=collection, resource=resource).exists():
            raise LibraryError(_("This resource is in the collection already."))
        last = collection.items.aggregate(last=Max("position"))["last"]
        item = CollectionItem.objects.create(
            collection=collection,
            resource=resource,
            note=note.strip(),
            position=(last or 0) + 1,
            added_by=actor,
        )
        collection.updated_at = timezone.now()
        collection.save(update_fields=["updated_at"])
        audit(
            actor=actor,
            action=AuditEntry.Action.EDIT_COLLECTION,
            target=None,
            detail=f"{collection.slug} + #{resource.pk}",
            url=collection.get_absolute_url(),
        )
        _notify_followers(collection, resource, actor)
    return item


def remove_from_collection(*, actor: User, item: CollectionItem) -> None:
    if not can_curate(actor):
        raise LibraryError(_("Only moderators change collections."))
    with transaction.atomic():
        audit(
            actor=actor,
            action=AuditEntry.Action.EDIT_COLLECTION,
            target=None,
            detail=f"{item.collection.slug} - #{item.resource_id}",
            url=item.collection.get_absolute_url(),
        )
        item.delete()


def move_item(*, actor: User, item: CollectionItem, by: int) -> None:
    """Move an item up (by=-1) or down (by=1) in a curated collection."""
    if not can_curate(actor):
        raise LibraryError(_("Only moderators change collections."))
    with transaction.atomic():
        items = list(
            CollectionItem.objects.select_for_update()
            .filter(collection_id=item.collection_id)
            .order_by("position", "id")
        )
        index = next((i for i, other in enumerate(items) if other.pk == item.pk), None)
        if index is None:  # removed meanwhile
            return
        target = index + by
        if not 0 <= target < len(items):
            return
        items[index], items[target] = items[target], items[index]
        for position, other in enumerate(items, start=1):
            if other.position != position:
                other.position = position
                other.save(update_fields=["position"])
        collection = item.collection
        audit(
            actor=actor,
            action=AuditEntry.Action.EDIT_COLLECTION,
            target=None,
            detail=f"{collection.slug} ↕ #{item.resource_id}",
            url=collection.get_absolute_url(),
        )


def follow_collection(*, member: User, collection: Collection) -> bool:
    if not can_follow(member):
        raise LibraryError(_("Only members follow collections."))
    return notifications.follow(follower=member, target=collection)


def unfollow_collection(*, member: User, collection: Collection) -> None:
    notifications.unfollow(follower=member, target=collection)


# --- Event materials (events.hooks) -----------------------------------------------------


def organises(member: User, event: Model) -> bool:
    return bool(
        member.is_authenticated
        and member.is_member
        and (event.organisers.filter(pk=member.pk).exists() or member.can_moderate)
    )


def attach_material(*, actor: User, event: Model, resource: Resource, when: str) -> EventMaterial:
    """Organisers attach a published resource to their event (reading, or slides after)."""
    if not organises(actor, event):
        raise LibraryError(_("Only the organisers add materials to this event."))
    if not resource.is_published:
        raise LibraryError(_("Only published resources can be materials of an event."))
    with transaction.atomic():
        material, created = EventMaterial.objects.get_or_create(
            event=event, resource=resource, defaults={"when": when, "added_by": actor}
        )
        if not created:
            raise LibraryError(_("This resource is a material of the event already."))
        audit(
            actor=actor,
            action=AuditEntry.Action.EDIT_MATERIALS,
            target=None,
            detail=f"+ #{resource.pk}",
            url=event.get_absolute_url(),
        )
    return material


def detach_material(*, actor: User, material: EventMaterial) -> None:
    if not organises(actor, material.event):
        raise LibraryError(_("Only the organisers remove materials from this event."))
    with transaction.atomic():
        audit(
            actor=actor,
            action=AuditEntry.Action.EDIT_MATERIALS,
            target=None,
            detail=f"- #{material.resource_id}",
            url=material.event.get_absolute_url(),
        )
        material.delete()


# --- Notices -------------------------------------------------------------------------


@in_site_language
def _notify_reviewers(resource: Resource, actor: User) -> None:
    reviewers = User.objects.approved().filter(
        Q(is_expert=True) | Q(is_moderator=True) | Q(is_superuser=True)
    )
    notify(
        reviewers,
        kind=NotificationKind.REVIEW,
        actor=actor,
        text=_("A resource waits for review in the library: “%(title)s”")
        % {"title": resource.title},
        url=resource.get_absolute_url(),
        about=resource,
    )


@in_site_language
def _notify_published(resource: Resource, actor: User) -> None:
    notify(
        [resource.created_by_id],
        kind=NotificationKind.PUBLISHED,
        actor=actor,
        text=_("Your resource “%(title)s” is published in the library") % {"title": resource.title},
        url=resource.get_absolute_url(),
        about=resource,
    )


@in_site_language
def _notify_followers(collection: Collection, resource: Resource, actor: User) -> None:
    notify(
        followers_of(target=collection),
        kind=NotificationKind.COLLECTION_ITEM,
        actor=actor,
        text=_("New in the collection “%(collection)s”: “%(title)s”")
        % {"collection": collection.title, "title": resource.title},
        url=resource.get_absolute_url(),
        about=resource,
    )


__all__ = ["LibraryError", "UploadRefused"]
