"""Every ``<time datetime>`` is a valid HTML date/time string, and every page
writes its dates the same way (issue 17: microseconds made every list page
invalid HTML; the audit log used the short format no other page uses)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.test import Client
from django.utils import formats
from django.utils import timezone as django_timezone

from members.models import AuditEntry
from members.templatetags.members import iso
from tests.conftest import REPO_ROOT, sign_in

pytestmark = pytest.mark.django_db

# HTML's "valid global date and time string" at the precision we write:
# seconds, then Z or an offset (no fraction of a second).
VALID_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})")
VALID_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def datetime_attributes(html: str) -> list[str]:
    return re.findall(r'<time datetime="([^"]*)"', html)


def assert_valid_times(html: str) -> None:
    values = datetime_attributes(html)
    assert values, "the page shows no <time> element"
    for value in values:
        assert VALID_DATETIME.fullmatch(value) or VALID_DATE.fullmatch(value), value


def test_iso_drops_the_microseconds_and_keeps_the_offset() -> None:
    moment = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)
    assert iso(moment) == "2026-03-01T09:30:15+00:00"
    east = moment.astimezone(timezone(timedelta(hours=3)))
    assert iso(east) == "2026-03-01T12:30:15+03:00"
    assert iso(None) == ""


def test_no_template_writes_a_datetime_attribute_with_the_general_formatter() -> None:
    # ``|date:'c'`` is isoformat() with microseconds; ``|iso`` is the one way.
    offenders = [
        str(path.relative_to(REPO_ROOT))
        for path in (REPO_ROOT / "templates").rglob("*.html")
        if re.search(r"""\|date:["']c["']""", path.read_text())
    ]
    assert offenders == []


def test_thread_list_and_thread_page_times_are_valid_html(
    client: Client, member, make_thread
) -> None:
    thread = make_thread(member)
    sign_in(client, member)
    assert_valid_times(client.get("/forum/").content.decode())
    assert_valid_times(client.get(thread.get_absolute_url()).content.decode())


def test_audit_log_times_are_valid_and_in_the_sites_date_format(
    client: Client, member, make_user
) -> None:
    from allauth.mfa.models import Authenticator

    from members.services import set_role

    moderator = make_user(is_moderator=True)
    Authenticator.objects.create(
        user=moderator, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    set_role(actor=moderator, member=member, role="expert", granted=True)
    sign_in(client, moderator)
    html = client.get("/members/moderation/audit/").content.decode()
    assert_valid_times(html)
    entry = AuditEntry.objects.get()
    shown = formats.date_format(django_timezone.localtime(entry.created_at), "DATETIME_FORMAT")
    assert f">{shown}</time>" in html
