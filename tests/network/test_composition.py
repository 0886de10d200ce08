"""The hooks and registries network fills at start-up (network.composition, network.privacy)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.utils.html import format_html

from common import redaction
from forum import hooks as forum_hooks
from forum import services as forum_services
from forum.models import Thread
from lessons import hooks as lesson_hooks
from members.models import User
from network import privacy
from network.threads_and_lessons import ForumThreads
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def test_every_copy_of_purged_text_has_its_scrubber() -> None:
    assert {"members.audit", "notifications.notifications", "notifications.outbox"} <= set(
        redaction.scrubbers()
    )


def test_a_new_apps_privacy_part_is_asked_for_its_section_and_its_rows(
    member: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new app adds one Part: its section joins the download, its forget runs in the
    deletion's transaction while the account still exists."""
    seen: list[tuple[str, bool, bool]] = []

    def export(who: User) -> dict[str, Any]:
        return {"library_loans": [{"member": who.handle}]}

    def forget(who: User, *, keep_contributions: bool) -> None:
        seen.append((who.handle, keep_contributions, User.objects.filter(pk=who.pk).exists()))

    monkeypatch.setattr(privacy, "PARTS", (*privacy.PARTS, privacy.Part(export, forget)))
    data = privacy.export_member_data(member)
    assert data["library_loans"] == [{"member": member.handle}]
    assert list(data)[-1] == "library_loans" and data["account"]["handle"] == member.handle

    privacy.delete_account(member, keep_contributions=True)
    assert seen == [(member.handle, True, True)]
    assert not User.objects.filter(pk=member.pk).exists()


def test_two_parts_may_not_write_the_same_section(
    member: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    clash = privacy.Part(export=lambda who: {"threads": []})
    monkeypatch.setattr(privacy, "PARTS", (*privacy.PARTS, clash))
    with pytest.raises(ImproperlyConfigured, match="threads"):
        privacy.export_member_data(member)


def test_the_thread_page_shows_what_other_apps_add(
    client: Client, member: User, make_thread, monkeypatch: pytest.MonkeyPatch
) -> None:
    """forum.hooks: a contributor's HTML lands among the actions and above the post."""
    assert "lessons" in forum_hooks._contributors
    monkeypatch.setattr(forum_hooks, "_contributors", dict(forum_hooks._contributors))

    def library(viewer: User, thread: Thread) -> forum_hooks.ThreadExtras:
        return forum_hooks.ThreadExtras(
            actions=(format_html('<a href="/library/cite/{}/">Cite</a>', thread.pk),),
            notes=(format_html('<p class="note">{}</p>', "Cited in the library."),),
        )

    forum_hooks.add_to_thread_page("library", library)
    thread = make_thread(member)
    sign_in(client, member)
    page = client.get(thread.get_absolute_url()).content.decode()
    assert f'<a href="/library/cite/{thread.pk}/">Cite</a>' in page
    assert page.index("Cited in the library.") < page.index('class="post')


def test_without_a_thread_source_no_thread_becomes_a_lesson(
    client: Client, member: User, expert: User, make_thread, monkeypatch: pytest.MonkeyPatch
) -> None:
    """lessons.hooks: the forum's threads are installed; without them ?from_thread= is 404."""
    assert isinstance(lesson_hooks.thread_source(), ForumThreads)
    thread = make_thread(member)
    answer = forum_services.create_reply(author=expert, thread=thread, body="Film it.")
    forum_services.accept_answer(actor=member, post=answer)
    sign_in(client, expert)
    assert client.get(f"/lessons/new/?from_thread={thread.pk}").status_code == 200
    monkeypatch.setattr(lesson_hooks, "_source", lesson_hooks.NoThreads())
    assert client.get(f"/lessons/new/?from_thread={thread.pk}").status_code == 404
