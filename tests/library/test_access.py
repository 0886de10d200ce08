"""Who opens which library page, by resource state and visibility (the global matrix in
tests/network/test_url_matrix.py covers every URL for a published members-only resource)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from library import services
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

ROLES = ["visitor", "pending", "member", "uploader", "expert", "moderator"]


@pytest.fixture
def people(make_user, expert, moderator):
    return {
        "pending": make_user(status="pending", approved_at=None),
        "member": make_user(),
        "uploader": make_user(display_name="Uma Uploader"),
        "expert": expert,
        "moderator": moderator,
    }


def pages(resource):
    file = resource.files.get()
    return [
        resource.get_absolute_url(),
        file.get_absolute_url(),
        reverse("library:bibtex", args=[resource.pk]),
    ]


def statuses(client, people, urls, role):
    client.logout()
    if role != "visitor":
        sign_in(client, people[role])
    return {client.get(url).status_code for url in urls}


@pytest.mark.parametrize(
    ("state", "visibility", "opens"),
    [
        ("review", "members", {"uploader", "expert", "moderator"}),
        ("review", "public", {"uploader", "expert", "moderator"}),
        ("published", "members", {"member", "uploader", "expert", "moderator"}),
        ("published", "public", set(ROLES)),
    ],
)
def test_who_opens_a_resource_and_its_file(
    client, people, make_resource, state, visibility, opens
) -> None:
    resource = make_resource(by=people["uploader"], pages=("Text",), visibility=visibility)
    if state == "published":
        services.publish_resource(actor=people["expert"], resource=resource)
    for role in ROLES:
        expected = {200} if role in opens else {404}
        assert statuses(client, people, pages(resource), role) == expected, role


def test_a_resource_waiting_for_review_is_in_nobody_elses_lists(
    client, people, make_resource
) -> None:
    make_resource(by=people["uploader"], title="Waiting paper", visibility="public")
    for role in ["visitor", "member"]:
        client.logout()
        if role != "visitor":
            sign_in(client, people[role])
        assert "Waiting paper" not in client.get(reverse("library:list")).content.decode()
        assert "Waiting paper" not in client.get(reverse("library:feed")).content.decode()
    sign_in(client, people["member"])
    assert "Waiting paper" not in client.get(reverse("library:review")).content.decode()
    sign_in(client, people["expert"])
    assert "Waiting paper" in client.get(reverse("library:review")).content.decode()
    sign_in(client, people["uploader"])
    assert "Waiting paper" in client.get(reverse("library:review")).content.decode()
