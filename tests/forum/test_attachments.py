"""Files attached to posts: through the one upload pipeline, shown as download cards,
opened only by who may see the post, gone when the post is deleted or purged."""

from __future__ import annotations

from io import BytesIO

import pikepdf
import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from forum import services
from forum.models import Post, PostAttachment
from forum.services import ForumError
from network.privacy import delete_account, export_member_data
from tests.conftest import sign_in
from tests.library.conftest import jpeg_with_gps, pdf_bytes

pytestmark = pytest.mark.django_db


def test_a_reply_with_a_pdf_shows_a_download_card_and_the_file_is_clean(
    client, member, make_user, make_thread
) -> None:
    thread = make_thread(make_user())
    sign_in(client, member)
    upload = SimpleUploadedFile("route.pdf", pdf_bytes("Route plan"), "application/pdf")
    response = client.post(
        reverse("forum:reply", args=[thread.pk]), {"body": "The plan.", "attachments": [upload]}
    )
    assert response.status_code == 302
    attached = PostAttachment.objects.get()
    page = client.get(thread.get_absolute_url()).content.decode()
    assert attached.get_absolute_url() in page and "<img" not in page.split("route.pdf")[0][-300:]
    file = client.get(attached.get_absolute_url())
    assert file["Content-Security-Policy"] == "sandbox"
    assert file["X-Content-Type-Options"] == "nosniff"
    with pikepdf.open(BytesIO(file.content)) as pdf:
        assert not dict(pdf.docinfo) and "/Metadata" not in pdf.Root
    assert "author name" in attached.removed


def test_a_photo_keeps_no_gps(member, make_thread) -> None:
    thread = make_thread(member)
    post = services.create_reply(
        author=member, thread=thread, body="Photo", files=[("march.jpg", jpeg_with_gps())]
    )
    attached = post.attachments.get()
    from PIL import Image

    with storages["uploads"].open(attached.stored_as, "rb") as handle:
        assert not Image.open(handle).getexif()


def test_a_hostile_file_refuses_the_reply_and_keeps_the_text(
    client, member, make_user, make_thread
) -> None:
    thread = make_thread(make_user())
    sign_in(client, member)
    upload = SimpleUploadedFile("report.pdf", b"<!DOCTYPE html><script>x()</script>", "text/html")
    response = client.post(
        reverse("forum:reply", args=[thread.pk]),
        {"body": "Keep this text.", "attachments": [upload]},
    )
    page = response.content.decode()
    assert response.status_code == 400 and "HTML" in page and "Keep this text." in page
    assert not Post.objects.filter(body="Keep this text.").exists()
    assert not PostAttachment.objects.exists()


def test_at_most_three_files(member, make_thread) -> None:
    thread = make_thread(member)
    with pytest.raises(ForumError, match="at most 3"):
        services.create_reply(
            author=member, thread=thread, body="Many", files=[(f"{n}.txt", b"x") for n in range(4)]
        )


def test_deleting_the_post_deletes_its_files(
    member, make_thread, django_capture_on_commit_callbacks
) -> None:
    thread = make_thread(member)
    post = services.create_reply(
        author=member, thread=thread, body="With a file", files=[("a.txt", b"notes")]
    )
    stored = post.attachments.get().stored_as
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_post(actor=member, post=post)
    assert not PostAttachment.objects.exists() and not storages["uploads"].exists(stored)
    post.refresh_from_db()
    assert post.attachment_count == 0


def test_removing_an_account_removes_its_files_and_the_export_lists_them(
    member, make_user, make_thread, django_capture_on_commit_callbacks
) -> None:
    thread = make_thread(make_user())
    services.create_reply(author=member, thread=thread, body="Mine", files=[("a.txt", b"x")])
    (exported,) = [p for p in export_member_data(member)["posts"] if p["attached_files"]]
    assert exported["attached_files"][0]["name"] == "a.txt"
    stored = PostAttachment.objects.get().stored_as
    with django_capture_on_commit_callbacks(execute=True):
        delete_account(member, keep_contributions=False)
    assert not PostAttachment.objects.exists() and not storages["uploads"].exists(stored)


def test_a_thread_page_without_files_asks_for_none(client, member, make_thread) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    thread = make_thread(member)
    sign_in(client, member)
    with CaptureQueriesContext(connection) as context:
        client.get(thread.get_absolute_url())
    assert not any("forum_postattachment" in q["sql"] for q in context.captured_queries)


def test_purging_the_post_text_purges_its_files(
    member, moderator, make_thread, django_capture_on_commit_callbacks
) -> None:
    thread = make_thread(member)
    post = services.create_reply(
        author=member, thread=thread, body="Names inside", files=[("names.txt", b"names")]
    )
    stored = post.attachments.get().stored_as
    with django_capture_on_commit_callbacks(execute=True):
        services.purge_post_text(actor=moderator, post=post, reason="Names of witnesses")
    assert not PostAttachment.objects.exists() and not storages["uploads"].exists(stored)
