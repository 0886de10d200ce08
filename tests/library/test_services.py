"""The library's writes: review, revisions, audit, stored files, the worker, collections."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pikepdf
import pytest
from django.core.files.storage import storages
from django.utils import timezone
from PIL import Image

from common.uploads import UploadRefused
from library import services
from library.models import (
    FilePage,
    Resource,
    ResourceFile,
    ResourceRevision,
    ResourceState,
    TextState,
)
from library.services import LibraryError, ResourceData
from members.models import AuditEntry
from notifications.models import Notification
from tests.library.conftest import jpeg_with_gps, pdf_bytes

pytestmark = pytest.mark.django_db


def stored_bytes(file: ResourceFile) -> bytes:
    with storages["uploads"].open(file.stored_as, "rb") as handle:
        return handle.read()


# --- Stored files carry no metadata ------------------------------------------------------


def test_a_stored_pdf_has_no_author_creator_or_xmp(member) -> None:
    file = services.stage_file(actor=member, name="draft.pdf", data=pdf_bytes("Page one"))
    data = stored_bytes(file)
    assert b"Amina Testname" not in data and b"Secret Word Processor" not in data
    with pikepdf.open(BytesIO(data)) as pdf:
        assert "/Info" not in pdf.trailer or not dict(pdf.docinfo)
        assert "/Metadata" not in pdf.Root
    assert "author name" in file.removed and "editing software" in file.removed
    # The stored name is random: nothing of the member's file name.
    assert "draft" not in file.stored_as and file.name == "draft.pdf"


def test_a_stored_photo_has_no_gps_camera_or_artist(member) -> None:
    file = services.stage_file(actor=member, name="march.jpg", data=jpeg_with_gps())
    with Image.open(BytesIO(stored_bytes(file))) as image:
        assert not image.getexif()
        assert "xmp" not in image.info and "exif" not in image.info
    assert "GPS position" in file.removed and "camera details" in file.removed


def test_a_refused_file_stores_nothing(member) -> None:
    with pytest.raises(UploadRefused):
        services.stage_file(
            actor=member, name="report.pdf", data=b"<!doctype html><script>x()</script>"
        )
    assert not ResourceFile.objects.exists()
    from pathlib import Path

    root = Path(storages["uploads"].location)
    assert not root.exists() or not any(p.is_file() for p in root.rglob("*"))


def test_files_are_encrypted_at_rest_when_a_key_is_set(member, settings) -> None:
    from cryptography.fernet import Fernet

    settings.FILE_ENCRYPTION_KEY = Fernet.generate_key().decode()
    original = b"Names of the witnesses: none written here.\n"
    file = services.stage_file(actor=member, name="notes.txt", data=original)
    assert file.encrypted and original not in stored_bytes(file)
    assert services.read_file(file) == original


# --- Review workflow -----------------------------------------------------------------


def test_a_members_resource_waits_for_review_and_reviewers_are_told(
    member, expert, moderator, make_resource
) -> None:
    resource = make_resource(by=member, title="Notes from a meeting")
    assert resource.state == ResourceState.REVIEW and resource.published_at is None
    told = set(
        Notification.objects.filter(kind="library_review").values_list("recipient", flat=True)
    )
    assert {expert.pk, moderator.pk} <= told and member.pk not in told


def test_an_experts_resource_is_published_at_once(expert, make_resource) -> None:
    resource = make_resource(by=expert)
    assert resource.state == ResourceState.PUBLISHED and resource.reviewed_by == expert


def test_only_reviewers_publish_and_the_uploader_is_told(member, expert, make_user, make_resource):
    resource = make_resource(by=member)
    with pytest.raises(LibraryError):
        services.publish_resource(actor=make_user(), resource=resource)
    with pytest.raises(LibraryError):
        services.publish_resource(actor=member, resource=resource)
    services.publish_resource(actor=expert, resource=resource)
    resource.refresh_from_db()
    assert resource.state == ResourceState.PUBLISHED
    assert Notification.objects.filter(recipient=member, kind="library_published").exists()
    assert AuditEntry.objects.filter(
        actor=expert, action=AuditEntry.Action.PUBLISH_RESOURCE, detail=f"#{resource.pk}"
    ).exists()


def test_the_uploader_edits_only_while_in_review(member, expert, make_resource) -> None:
    resource = make_resource(by=member)
    data = ResourceData(kind="report", title="Better title", source_url="https://example.org/a")
    services.update_resource(actor=member, resource=resource, data=data)
    services.publish_resource(actor=expert, resource=resource)
    with pytest.raises(LibraryError):
        services.update_resource(actor=member, resource=resource, data=data)


def test_an_edit_keeps_a_revision_of_what_changed(expert, make_resource) -> None:
    resource = make_resource(title="First title", publisher="Old publisher")
    data = ResourceData(
        kind="report",
        title="Second title",
        publisher="Old publisher",
        source_url="https://example.org/report",
    )
    services.update_resource(actor=expert, resource=resource, data=data)
    (revision,) = ResourceRevision.objects.filter(resource=resource)
    assert revision.editor == expert
    assert revision.changes == {"title": ["First title", "Second title"]}
    assert AuditEntry.objects.filter(action=AuditEntry.Action.EDIT_RESOURCE).count() == 1


def test_a_resource_needs_a_file_or_an_address(expert) -> None:
    with pytest.raises(LibraryError, match="file or the address"):
        services.create_resource(actor=expert, data=ResourceData(kind="report", title="Nothing"))
    assert not Resource.objects.exists()


def test_a_member_cannot_attach_someone_elses_staged_file(member, make_user) -> None:
    other = make_user()
    theirs = services.stage_file(actor=other, name="a.txt", data=b"theirs")
    resource = services.create_resource(
        actor=member,
        data=ResourceData(kind="other", title="Mine", source_url="https://example.org"),
        staged=services.staged_files(actor=member, ids=[theirs.pk]),
    )
    theirs.refresh_from_db()
    assert theirs.resource_id is None and not resource.files.exists()


def test_deleting_a_resource_removes_its_stored_bytes_after_commit(
    moderator, make_resource, django_capture_on_commit_callbacks
) -> None:
    resource = make_resource(pages=("Only page",))
    file = resource.files.get()
    assert storages["uploads"].exists(file.stored_as)
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_resource(actor=moderator, resource=resource)
    assert not storages["uploads"].exists(file.stored_as)
    assert not FilePage.objects.exists() and not Resource.objects.exists()


def test_unsaved_uploads_are_discarded_after_a_day(
    member, django_capture_on_commit_callbacks
) -> None:
    old = services.stage_file(actor=member, name="old.txt", data=b"old")
    new = services.stage_file(actor=member, name="new.txt", data=b"new")
    ResourceFile.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=2))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.discard_staged() == 1
    assert not storages["uploads"].exists(old.stored_as)
    assert ResourceFile.objects.filter(pk=new.pk).exists()


# --- The worker reads the text --------------------------------------------------------


def test_the_text_is_read_by_the_worker_not_on_save(expert, make_resource) -> None:
    resource = make_resource(pages=("Intro", "The word zanzibarian"), read=False)
    file = resource.files.get()
    assert file.text_state == TextState.PENDING and not FilePage.objects.exists()
    assert services.extract_pending() == 1
    file.refresh_from_db()
    assert file.text_state == TextState.DONE and file.page_count == 2
    assert list(FilePage.objects.values_list("number", flat=True)) == [1, 2]
    assert "zanzibarian" in FilePage.objects.get(number=2).text
    assert services.extract_pending() == 0  # read once


def test_a_scan_without_text_is_marked(expert, make_resource) -> None:
    resource = make_resource(pages=("",))
    assert resource.files.get().text_state == TextState.NONE


def test_a_file_that_cannot_be_read_keeps_its_resource(expert, make_resource) -> None:
    resource = make_resource(pages=("Readable",), read=False)
    file = resource.files.get()
    storages["uploads"].delete(file.stored_as)  # the bytes are gone: reading fails
    services.extract_pending()
    file.refresh_from_db()
    assert file.text_state == TextState.FAILED
    assert Resource.objects.filter(pk=resource.pk).exists()


def test_a_stopped_workers_claim_is_released(expert, make_resource) -> None:
    resource = make_resource(pages=("Text",), read=False)
    ResourceFile.objects.update(text_state=TextState.READING)
    assert services.extract_pending() == 0
    assert services.resume_reading() == 1
    assert services.extract_pending() == 1
    assert resource.files.get().text_state == TextState.DONE


# --- Collections ------------------------------------------------------------------------


def test_followers_of_a_collection_hear_of_a_new_item(
    member, moderator, make_user, make_resource
) -> None:
    collection = services.create_collection(
        actor=moderator, data=services.CollectionData(title="COVID-19 and policing")
    )
    services.follow_collection(member=member, collection=collection)
    bystander = make_user()
    resource = make_resource(title="Curfew checklist")
    services.add_to_collection(actor=moderator, collection=collection, resource=resource)
    notes = Notification.objects.filter(kind="library_collection_item")
    assert list(notes.values_list("recipient", flat=True)) == [member.pk]
    assert "Curfew checklist" in notes.get().text
    assert not notes.filter(recipient=bystander).exists()


def test_only_moderators_curate_and_only_published_resources_go_in(
    expert, member, moderator, make_resource
) -> None:
    with pytest.raises(LibraryError):
        services.create_collection(actor=expert, data=services.CollectionData(title="X"))
    collection = services.create_collection(
        actor=moderator, data=services.CollectionData(title="Series", slug="series")
    )
    waiting = make_resource(by=member)
    with pytest.raises(LibraryError, match="Publish"):
        services.add_to_collection(actor=moderator, collection=collection, resource=waiting)
    with pytest.raises(LibraryError):
        services.create_collection(
            actor=moderator, data=services.CollectionData(title="Other", slug="series")
        )


def test_items_move_up_and_down(moderator, make_resource) -> None:
    collection = services.create_collection(
        actor=moderator, data=services.CollectionData(title="Ordered")
    )
    first, second, third = (make_resource(title=t) for t in ("One", "Two", "Three"))
    items = [
        services.add_to_collection(actor=moderator, collection=collection, resource=r)
        for r in (first, second, third)
    ]
    services.move_item(actor=moderator, item=items[2], by=-1)
    order = list(collection.items.order_by("position").values_list("resource__title", flat=True))
    assert order == ["One", "Three", "Two"]
    services.move_item(actor=moderator, item=items[0], by=-1)  # already first: nothing moves
    order = list(collection.items.order_by("position").values_list("resource__title", flat=True))
    assert order == ["One", "Three", "Two"]


# --- Found in review -------------------------------------------------------------------


def test_sending_back_to_review_takes_its_notices_from_followers(
    member, expert, moderator, make_resource
) -> None:
    collection = services.create_collection(
        actor=moderator, data=services.CollectionData(title="Followed")
    )
    services.follow_collection(member=member, collection=collection)
    resource = make_resource(title="Secret title xyz")
    services.add_to_collection(actor=moderator, collection=collection, resource=resource)
    assert Notification.objects.filter(recipient=member, text__contains="Secret title").exists()
    services.unpublish_resource(actor=expert, resource=resource)
    assert not Notification.objects.filter(text__contains="Secret title").exists()


def test_moves_and_materials_are_in_the_audit_log(moderator, make_resource, make_user) -> None:
    from datetime import timedelta as td

    from events import services as event_services

    collection = services.create_collection(
        actor=moderator, data=services.CollectionData(title="Ordered")
    )
    first, second = (make_resource(title=t) for t in ("One", "Two"))
    services.add_to_collection(actor=moderator, collection=collection, resource=first)
    item = services.add_to_collection(actor=moderator, collection=collection, resource=second)
    before = AuditEntry.objects.count()
    services.move_item(actor=moderator, item=item, by=-1)
    assert AuditEntry.objects.count() == before + 1
    organiser = make_user(is_expert=True)
    start = timezone.now() + td(days=3)
    event = event_services.create_event(
        actor=organiser,
        data=event_services.EventData(
            title="Training", kind="training", starts_at=start, ends_at=start + td(hours=1)
        ),
    )
    material = services.attach_material(actor=organiser, event=event, resource=first, when="before")
    services.detach_material(actor=organiser, material=material)
    assert AuditEntry.objects.filter(action=AuditEntry.Action.EDIT_MATERIALS).count() == 2


def test_a_staged_file_goes_to_one_resource_only(member) -> None:
    file = services.stage_file(actor=member, name="a.txt", data=b"once")
    data = ResourceData(kind="other", title="First", source_url="https://example.org")
    stale = [ResourceFile.objects.get(pk=file.pk)]  # what a second, concurrent submit holds
    services.create_resource(actor=member, data=data, staged=[file])
    with pytest.raises(LibraryError, match="saved already"):
        services.create_resource(actor=member, data=data, staged=stale)
    assert ResourceFile.objects.get(pk=file.pk).resource.title == "First"
    assert Resource.objects.count() == 1


def test_moving_an_item_removed_meanwhile_does_nothing(moderator, make_resource) -> None:
    collection = services.create_collection(
        actor=moderator, data=services.CollectionData(title="Ordered")
    )
    item = services.add_to_collection(
        actor=moderator, collection=collection, resource=make_resource(title="One")
    )
    services.remove_from_collection(actor=moderator, item=item)
    services.move_item(actor=moderator, item=item, by=-1)  # no StopIteration, no change
    assert not collection.items.exists()
