"""Who may open which members URL: every pattern of the members app, for every role.

A new URL in members/urls.py without a row here fails
test_every_members_url_has_a_row, so nobody adds a page without deciding who
may see it.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import get_resolver

from members.models import Status
from members.services import invitation_create

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "pending", "member", "moderator"]
LOGIN = "login"  # redirected to the login page
WAIT = "waiting"  # the waiting page (403) instead of the content

# url name -> (method, expected outcome per role in ROLES order)
# Outcomes: an HTTP status, LOGIN or WAIT.
MATRIX: dict[str, tuple[str, list[object]]] = {
    "directory": ("get", [LOGIN, WAIT, 200, 200]),
    "profile_edit": ("get", [LOGIN, WAIT, 200, 200]),
    "waiting": ("get", [LOGIN, 200, 302, 302]),
    "invitations": ("get", [LOGIN, WAIT, 200, 200]),
    "join": ("get", [302, 302, 302, 302]),
    "pending": ("get", [LOGIN, WAIT, 403, 200]),
    "audit": ("get", [LOGIN, WAIT, 403, 200]),
    "approve": ("post", [LOGIN, WAIT, 403, 302]),
    "reject": ("post", [LOGIN, WAIT, 403, 302]),
    "ban": ("post", [LOGIN, WAIT, 403, 302]),
    "set_role": ("post", [LOGIN, WAIT, 403, 302]),
    # A profile nobody made public does not exist for visitors or pending people.
    "profile": ("get", [404, 404, 200, 200]),
}


def members_url_names() -> set[str]:
    members_urls = get_resolver().namespace_dict["members"][1]
    return {pattern.name for pattern in members_urls.url_patterns}


def test_every_members_url_has_a_row() -> None:
    assert members_url_names() == set(MATRIX)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_access(client: Client, make_user, moderator, role: str, name: str) -> None:
    subject = make_user(status=Status.PENDING, display_name="Subject Person")
    target = make_user(display_name="Target Member")
    users = {
        "pending": make_user(status=Status.PENDING),
        "member": make_user(),
        "moderator": moderator,
    }
    if role != "anonymous":
        client.force_login(users[role])
    invitation = invitation_create(inviter=target)
    url = {
        "directory": "/members/",
        "profile_edit": "/members/me/edit/",
        "waiting": "/members/waiting/",
        "invitations": "/members/invitations/",
        "join": f"/members/join/{invitation.token}/",
        "pending": "/members/moderation/pending/",
        "audit": "/members/moderation/audit/",
        "approve": f"/members/moderation/{subject.handle}/approve/",
        "reject": f"/members/moderation/{subject.handle}/reject/",
        "ban": f"/members/moderation/{target.handle}/ban/",
        "set_role": f"/members/moderation/{target.handle}/role/expert/",
        "profile": f"/members/{target.handle}/",
    }[name]
    method, outcomes = MATRIX[name]
    expected = outcomes[ROLES.index(role)]
    response = getattr(client, method)(
        url, {"reason": "test", "granted": "1"} if method == "post" else None
    )
    if expected == LOGIN:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/accounts/login/?next=")
    elif expected == WAIT:
        assert response.status_code == 403
        assert "waiting for a moderator" in response.content.decode()
    else:
        assert response.status_code == expected, response.content.decode()[:500]
