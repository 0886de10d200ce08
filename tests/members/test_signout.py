"""What a browser keeps of a member after they sign out: nothing of theirs.

Drafts live in the browser (forum.js keeps them in localStorage) under an
opaque key per member that the page carries; every response that ends the
signed-in session tells the browser to clear the site's storage, and "Sign out
and forget this device" clears its cache and cookies too. The browser side is
proved in Chromium by tests/e2e/test_browser_safety.py.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

import pytest
from allauth.usersessions.models import UserSession
from django.test import Client

from members.models import User
from notifications import services as notifications
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.django_db

FORGET_EVERYTHING = '"cache", "cookies", "storage"'


def log_in(member: User) -> Client:
    """A login through allauth, as a browser does it (this records the session)."""
    client = Client()
    response = client.post("/accounts/login/", {"login": member.email, "password": TEST_PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def draft_owner(client: Client, path: str = "/forum/") -> str | None:
    html = client.get(path).content.decode()
    found = re.search(r'<body[^>]* data-draft-owner="([^"]*)"', html)
    return found.group(1) if found else None


def test_drafts_are_keyed_by_an_opaque_key_per_member(make_user: Callable[..., User]) -> None:
    amina = make_user(email="amina@example.org", handle="amina")
    joao = make_user(email="joao@example.org", handle="joao")
    amina_client, joao_client = log_in(amina), log_in(joao)

    amina_key, joao_key = draft_owner(amina_client), draft_owner(joao_client)

    assert amina_key and joao_key and amina_key != joao_key
    # The same member, another page and another session: the same key, so a
    # draft survives a new login of its writer.
    assert draft_owner(amina_client, "/") == amina_key
    assert draft_owner(log_in(amina)) == amina_key
    # Nothing a reader of the browser's storage could tie to a person.
    for person, key in ((amina, amina_key), (joao, joao_key)):
        assert re.fullmatch(r"[0-9a-f]{32}", key)
        # Keyed with the site's secret: not the id, nor a plain hash of it.
        plain = [str(person.pk), person.email, person.handle]
        assert all(
            key not in hashlib.new(algorithm, value.encode()).hexdigest()
            for algorithm in ("md5", "sha1", "sha256")
            for value in plain
        )
        assert all(value not in key for value in plain[1:]) and key != plain[0]
    # A visitor's pages keep no drafts.
    assert draft_owner(Client(), "/") is None


def test_logout_tells_the_browser_to_clear_the_sites_storage(member: User) -> None:
    client = log_in(member)
    assert "Clear-Site-Data" not in client.get("/forum/")

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"storage"'
    assert client.get("/forum/")["Location"].startswith("/accounts/login/")


def test_a_logout_without_a_session_clears_nothing() -> None:
    response = Client().post("/accounts/logout/")

    assert response.status_code == 302
    assert "Clear-Site-Data" not in response


def test_every_way_a_session_ends_here_clears_the_sites_storage(member: User) -> None:
    # Changing the password signs out (ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE): the
    # same rule, with no code of its own.
    client = log_in(member)
    response = client.post(
        "/accounts/password/change/",
        {
            "oldpassword": TEST_PASSWORD,
            "password1": "a-new-long-pass",
            "password2": "a-new-long-pass",
        },
    )
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"storage"'


def test_sign_out_and_forget_ends_the_session_and_clears_this_browser(
    member: User, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    closed: list[str] = []
    monkeypatch.setattr(notifications, "push_to_session", lambda key, event: closed.append(key))
    client, elsewhere = log_in(member), log_in(member)
    session_key = client.session.session_key

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/forget-device/")

    assert response.status_code == 303
    assert response["Location"] == "/signed-out/"
    assert response["Clear-Site-Data"] == FORGET_EVERYTHING
    # Browsers that ignore Clear-Site-Data are told to drop the cookies one by one.
    for name in ("sessionid", "csrftoken", "messages"):
        assert response.cookies[name].value == "" and response.cookies[name]["max-age"] == 0
    # This session is over, its sockets closed, its row in the sessions list gone;
    # the member's other browser stays signed in.
    assert client.get("/forum/")["Location"].startswith("/accounts/login/")
    assert closed == [session_key]
    assert not UserSession.objects.filter(session_key=session_key).exists()
    assert elsewhere.get("/forum/").status_code == 200


def test_sign_out_and_forget_clears_the_browser_even_after_the_session_expired() -> None:
    response = Client().post("/accounts/forget-device/")

    assert response.status_code == 303
    assert response["Clear-Site-Data"] == FORGET_EVERYTHING


def test_sign_out_and_forget_is_a_post_with_a_csrf_token(member: User) -> None:
    client = log_in(member)
    assert client.get("/accounts/forget-device/").status_code == 405

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(member)
    assert strict.post("/accounts/forget-device/").status_code == 403
    assert strict.get("/forum/").status_code == 200


def test_sign_out_and_forget_is_offered_in_the_account_pages(member: User) -> None:
    client = log_in(member)
    for path in ("/accounts/email/", "/accounts/sessions/"):
        html = client.get(path).content.decode()
        assert re.search(
            r'<form method="post" action="/accounts/forget-device/"[^>]*>\s*'
            r'<input type="hidden" name="csrfmiddlewaretoken"',
            html,
        ), path
        assert "Log out and forget this device" in html


def test_the_signed_out_page_names_neither_the_member_nor_the_site(member: User, settings) -> None:
    client = log_in(member)
    client.post("/accounts/forget-device/")

    response = client.get("/signed-out/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Logged out</title>" in html
    assert member.display_name not in html and member.email not in html
    assert 'href="/accounts/login/"' in html
    assert "data-draft-owner" not in html
