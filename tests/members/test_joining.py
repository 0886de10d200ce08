"""Joining: sign-up, verification, waiting for approval, invitations."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from members.models import AuditEntry, Invitation, Status, User
from members.services import create_invitation
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

SIGNUP = {
    "email": "new@example.org",
    "password1": "a long passphrase 42",
    "password2": "a long passphrase 42",
    "display_name": "Watcher",
    "organisation": "Legal monitors",
    "role": "lawyer",
    "motivation": "I represent families of people who died in custody.",
}


def sign_up_and_verify(client: Client, data: dict | None = None) -> User:
    response = client.post("/accounts/signup/", data or SIGNUP)
    assert response.status_code == 302, response.content.decode()[:2000]
    link = re.search(r"http://testserver(/accounts/confirm-email/[^\s]+)", mail.outbox[-1].body)
    client.post(link.group(1))
    return User.objects.get(email=(data or SIGNUP)["email"])


def test_verified_sign_up_waits_for_a_moderator(client: Client) -> None:
    user = sign_up_and_verify(client)
    assert user.status == Status.PENDING
    assert user.display_name == "Watcher"
    assert user.profile.motivation.startswith("I represent")
    assert user.profile.role == "lawyer"
    client.post("/accounts/login/", {"login": SIGNUP["email"], "password": SIGNUP["password1"]})
    response = client.get("/members/")
    assert response.status_code == 403
    assert "waiting for a moderator" in response.content.decode()


@pytest.mark.parametrize("url", ["/members/", "/members/me/edit/", "/members/invitations/"])
def test_a_pending_member_gets_the_waiting_page_not_the_content(
    client: Client, pending, member, url: str
) -> None:
    sign_in(client, pending)
    response = client.get(url)
    assert response.status_code == 403
    html = response.content.decode()
    assert "waiting for a moderator" in html
    assert member.name not in html


def test_a_pending_member_can_still_manage_their_account(client: Client, pending) -> None:
    sign_in(client, pending)
    for url in ["/accounts/email/", "/accounts/password/change/", "/accounts/2fa/"]:
        assert client.get(url).status_code == 200, url
    assert client.get("/members/waiting/").status_code == 200


def test_after_login_a_pending_member_lands_on_the_waiting_page(client: Client, pending) -> None:
    response = client.post(
        "/accounts/login/", {"login": pending.email, "password": "correct horse battery staple"}
    )
    assert response.headers["Location"] == "/members/waiting/"


def test_approval_can_be_switched_off_for_open_communities(client: Client, settings) -> None:
    settings.MEMBERSHIP_APPROVAL = False
    user = sign_up_and_verify(client)
    assert user.status == Status.ACTIVE


def test_an_invitation_lets_one_person_join_pre_approved(client: Client, member) -> None:
    invitation = create_invitation(inviter=member, note="for Ana")
    response = client.get(f"/members/join/{invitation.token}/")
    assert response.headers["Location"] == "/accounts/signup/"
    user = sign_up_and_verify(client)
    assert user.status == Status.ACTIVE
    invitation.refresh_from_db()
    assert invitation.used_by == user and invitation.used_at is not None
    assert AuditEntry.objects.filter(target=user, action="approve", actor=member).exists()

    # The same link a second time is refused, and a second sign-up waits.
    other = Client()
    response = other.get(f"/members/join/{invitation.token}/")
    assert response.status_code == 410
    assert "cannot be used" in response.content.decode()


def test_an_expired_invitation_is_refused(client: Client, member) -> None:
    invitation = create_invitation(inviter=member)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
    assert client.get(f"/members/join/{invitation.token}/").status_code == 410


def test_invitation_tokens_are_long_and_random(member) -> None:
    tokens = {create_invitation(inviter=member).token for _ in range(5)}
    assert len(tokens) == 5
    assert all(len(token) >= 43 for token in tokens)


def test_members_create_invitations_from_their_page(client: Client, member) -> None:
    sign_in(client, member)
    response = client.post("/members/invitations/", {"note": "for my colleague"})
    assert response.status_code == 302
    invitation = Invitation.objects.get(created_by=member)
    html = client.get("/members/invitations/").content.decode()
    assert f"/members/join/{invitation.token}/" in html
    assert "for my colleague" in html


def test_sign_up_without_the_required_answers_keeps_what_was_typed(client: Client) -> None:
    response = client.post("/accounts/signup/", {**SIGNUP, "role": "", "motivation": ""})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="new@example.org"' in html
    assert 'value="Legal monitors"' in html
    assert html.count("This field is required") == 2
    assert not User.objects.filter(email="new@example.org").exists()


def test_an_oversized_motivation_is_refused_with_a_message(client: Client) -> None:
    response = client.post("/accounts/signup/", {**SIGNUP, "motivation": "x" * 2001})
    assert response.status_code == 200
    assert "at most 2000 characters" in response.content.decode()


def test_a_reused_verification_link_does_not_break(client: Client) -> None:
    sign_up_and_verify(client)
    link = re.search(r"http://testserver(/accounts/confirm-email/[^\s]+)", mail.outbox[0].body)
    response = client.get(link.group(1))
    assert response.status_code in {200, 302, 404}
    assert "Traceback" not in response.content.decode()
