"""Who may open which URL of the members app (members and notifications), per role.

A new URL in members/urls.py or members/notification_urls.py without a row
here fails test_every_url_has_a_row, so nobody adds a page without deciding
who may see it.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import get_resolver

from members.models import ContactMessage, Status, Tag
from members.services import create_invitation
from notifications.services import notify
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "pending", "member", "moderator"]
LOGIN = "login"  # redirected to the login page
WAIT = "waiting"  # the waiting page (403) instead of the content

# url name -> (method, expected outcome per role in ROLES order)
# Outcomes: an HTTP status, LOGIN or WAIT.
MATRIX: dict[str, tuple[str, list[object]]] = {
    "members:directory": ("get", [LOGIN, WAIT, 200, 200]),
    "members:profile_edit": ("get", [LOGIN, WAIT, 200, 200]),
    # Their own data: people waiting for approval may download it or leave too.
    "members:data_export": ("get", [LOGIN, 200, 200, 200]),
    "members:account_delete": ("get", [LOGIN, 200, 200, 200]),
    "members:waiting": ("get", [LOGIN, 200, 302, 302]),
    # The old topics page: it leads to the forum's (/forum/tags/).
    "follows:topics": ("get", [LOGIN, WAIT, 301, 301]),
    "follows:tag": ("post", [LOGIN, WAIT, 302, 302]),
    "follows:member": ("post", [LOGIN, WAIT, 302, 302]),
    "members:invitations": ("get", [LOGIN, WAIT, 200, 200]),
    "members:join": ("get", [302, 302, 302, 302]),
    "members:pending": ("get", [LOGIN, WAIT, 403, 200]),
    "members:audit": ("get", [LOGIN, WAIT, 403, 200]),
    "members:approve": ("post", [LOGIN, WAIT, 403, 302]),
    "members:reject": ("post", [LOGIN, WAIT, 403, 302]),
    "members:ban": ("post", [LOGIN, WAIT, 403, 302]),
    "members:set_role": ("post", [LOGIN, WAIT, 403, 302]),
    "members:contact_messages": ("get", [LOGIN, WAIT, 403, 200]),
    "members:contact_message": ("get", [LOGIN, WAIT, 403, 200]),
    "members:contact_message_handle": ("post", [LOGIN, WAIT, 403, 302]),
    "members:contact_message_delete": ("post", [LOGIN, WAIT, 403, 302]),
    # A profile nobody made public does not exist for visitors or pending people.
    "members:profile": ("get", [404, 404, 200, 200]),
    "notifications:list": ("get", [LOGIN, WAIT, 200, 200]),
    "notifications:preferences": ("get", [LOGIN, WAIT, 200, 200]),
    "notifications:announce": ("get", [LOGIN, WAIT, 403, 200]),
    "notifications:read_all": ("post", [LOGIN, WAIT, 302, 302]),
    # Someone else's notification: 404, never a hint that it exists.
    "notifications:open": ("post", [LOGIN, WAIT, 404, 404]),
    "notifications:read": ("post", [LOGIN, WAIT, 404, 404]),
}


def url_names() -> set[str]:
    namespaces = get_resolver().namespace_dict
    return {
        f"{namespace}:{pattern.name}"
        for namespace in ["members", "notifications", "follows"]
        for pattern in namespaces[namespace][1].url_patterns
    }


def test_every_url_has_a_row() -> None:
    assert url_names() == set(MATRIX)


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
        sign_in(client, users[role])
    invitation = create_invitation(inviter=target)
    (notification,) = notify([target], kind="announcement", actor=None, text="for target only")
    Tag.objects.create(slug="use-of-force", name="Use of force")
    contact = ContactMessage.objects.create(category="other", message="For the moderators")
    url = {
        "members:directory": "/members/",
        "members:profile_edit": "/members/me/edit/",
        "members:data_export": "/members/me/data/",
        "members:account_delete": "/members/me/delete/",
        "members:waiting": "/members/waiting/",
        "follows:topics": "/members/topics/",
        "follows:tag": "/members/topics/use-of-force/follow/",
        "follows:member": f"/members/{target.handle}/follow/",
        "members:invitations": "/members/invitations/",
        "members:join": f"/members/join/{invitation.token}/",
        "members:pending": "/members/moderation/pending/",
        "members:audit": "/members/moderation/audit/",
        "members:approve": f"/members/moderation/{subject.handle}/approve/",
        "members:reject": f"/members/moderation/{subject.handle}/reject/",
        "members:ban": f"/members/moderation/{target.handle}/ban/",
        "members:set_role": f"/members/moderation/{target.handle}/role/expert/",
        "members:profile": f"/members/{target.handle}/",
        "members:contact_messages": "/members/moderation/contact/",
        "members:contact_message": f"/members/moderation/contact/{contact.pk}/",
        "members:contact_message_handle": f"/members/moderation/contact/{contact.pk}/handled/",
        "members:contact_message_delete": f"/members/moderation/contact/{contact.pk}/delete/",
        "notifications:list": "/notifications/",
        "notifications:preferences": "/notifications/preferences/",
        "notifications:announce": "/notifications/announce/",
        "notifications:read_all": "/notifications/read-all/",
        "notifications:open": f"/notifications/{notification.pk}/open/",
        "notifications:read": f"/notifications/{notification.pk}/read/",
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
