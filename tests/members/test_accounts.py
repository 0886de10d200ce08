"""The member account: email login, and nothing about the person shown by default."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import IntegrityError
from django.test import Client

from members.models import User

pytestmark = pytest.mark.django_db


def test_new_account_gets_a_random_handle_not_derived_from_the_email() -> None:
    user = User.objects.create_user("maria.lopez@example.org", "a long passphrase")
    assert user.handle.startswith("member-")
    assert "maria" not in user.handle
    assert str(user) == user.handle


def test_display_name_is_what_others_see() -> None:
    user = User.objects.create_user(
        "x@example.org", "a long passphrase", display_name="Rights Watcher"
    )
    assert user.name == "Rights Watcher"
    assert "x@example.org" not in str(user)


def test_email_is_unique_whatever_its_case() -> None:
    User.objects.create_user("Someone@Example.org", "a long passphrase")
    with pytest.raises(IntegrityError):
        User.objects.create(email="someone@example.org", handle="other-handle")


def test_member_logs_in_with_email(member) -> None:
    client = Client()
    response = client.post(
        "/accounts/login/",
        {"login": member.email.upper(), "password": "correct horse battery staple"},
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(member.pk)


def test_signup_requires_email_verification_before_login(client: Client) -> None:
    response = client.post(
        "/accounts/signup/",
        {
            "email": "new@example.org",
            "password1": "a long passphrase 42",
            "password2": "a long passphrase 42",
            "role": "activist",
            "motivation": "I monitor protests.",
        },
    )
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert len(mail.outbox) == 1
    assert "new@example.org" in mail.outbox[0].to


def test_signup_with_a_taken_email_does_not_reveal_the_account(client: Client, member) -> None:
    """Enumeration prevention: the response is the same as for a new address."""
    response = client.post(
        "/accounts/signup/",
        {
            "email": member.email,
            "password1": "a long passphrase 42",
            "password2": "a long passphrase 42",
            "role": "activist",
            "motivation": "I monitor protests.",
        },
    )
    assert response.status_code == 302
    assert User.objects.filter(email=member.email).count() == 1


def test_signup_with_a_weak_password_keeps_the_email_and_explains(client: Client) -> None:
    response = client.post(
        "/accounts/signup/",
        {"email": "new@example.org", "password1": "password", "password2": "password"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="new@example.org"' in html
    assert "too common" in html or "too short" in html
    assert not User.objects.filter(email="new@example.org").exists()
