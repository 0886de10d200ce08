"""The hooks and registries network fills at start-up (network.composition, network.privacy)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from common import redaction
from members.models import User
from network import privacy

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
