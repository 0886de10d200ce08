"""A member's uploads in their data download, and what account deletion does to them."""

from __future__ import annotations

import pytest
from django.core.files.storage import storages

from library import services
from library.models import Resource, ResourceFile
from network.privacy import delete_account, export_member_data

pytestmark = pytest.mark.django_db


def test_the_download_lists_the_members_resources_and_files(member, make_resource) -> None:
    make_resource(by=member, title="My notes", pages=("Text",))
    data = export_member_data(member)
    assert [r["title"] for r in data["library_resources"]] == ["My notes"]
    (file,) = data["library_files"]
    assert file["name"] == "report.pdf" and "author name" in file["removed_metadata"]


@pytest.mark.parametrize("keep", [True, False])
def test_deleting_the_account_keeps_or_removes_uploads(
    member, expert, make_resource, keep, django_capture_on_commit_callbacks
) -> None:
    published = make_resource(by=member, title="Published notes", pages=("Text",))
    services.publish_resource(actor=expert, resource=published)
    waiting = make_resource(by=member, title="Waiting notes", pages=("Text",))
    staged = services.stage_file(actor=member, name="unsaved.txt", data=b"unsaved")
    stored = {f.pk: f.stored_as for f in ResourceFile.objects.all()}
    with django_capture_on_commit_callbacks(execute=True):
        delete_account(member, keep_contributions=keep)
    assert not Resource.objects.filter(pk=waiting.pk).exists()
    assert not ResourceFile.objects.filter(pk=staged.pk).exists()
    assert not storages["uploads"].exists(stored[staged.pk])
    kept = Resource.objects.filter(pk=published.pk).first()
    if keep:
        assert kept is not None and kept.created_by is None
        assert storages["uploads"].exists(kept.files.get().stored_as)
    else:
        assert kept is None
        assert not any(storages["uploads"].exists(name) for name in stored.values())


def test_the_download_does_not_name_a_resource_the_member_may_no_longer_open(
    expert, make_user, make_resource
) -> None:
    former_reviewer = make_user()
    owner = make_user()
    resource = make_resource(by=owner, title="Owner's waiting report")
    file = services.stage_file(actor=former_reviewer, name="annex.txt", data=b"annex")
    ResourceFile.objects.filter(pk=file.pk).update(resource=resource)
    (exported,) = export_member_data(former_reviewer)["library_files"]
    assert exported["resource"] is None and exported["download"] is None
