"""Discreet mode: a neutral browser tab, no site name in email, a short session."""

from __future__ import annotations

import re
import time

import pytest
from django.core import mail
from django.test import Client
from django.utils.html import escape

from members.discreet import IDLE_SESSION_KEY
from members.models import User
from notifications import services as notifications
from notifications.models import Delivery, NotificationPreference, OutboxEmail
from notifications.outbox import deliver_due, send_digests
from tests.conftest import TEST_PASSWORD

pytestmark = pytest.mark.django_db

SENDER = "Policing & Human Rights Network <network@example.org>"


def log_in(member: User) -> Client:
    """A login with "remember me" ticked: discreet mode overrides it."""
    client = Client()
    response = client.post(
        "/accounts/login/", {"login": member.email, "password": TEST_PASSWORD, "remember": "on"}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def tab(html: str) -> tuple[str, str]:
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    icon = re.search(r'<link rel="icon" href="([^"]+)"', html).group(1)
    return title, icon


def test_the_preferences_page_turns_discreet_mode_on_and_off(member: User) -> None:
    client = log_in(member)
    page = client.get("/notifications/preferences/").content.decode()
    assert 'name="discreet_mode"' in page and 'for="id_discreet_mode"' in page
    response = client.post(
        "/notifications/preferences/", {"form": "discreet", "discreet_mode": "on"}
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.discreet_mode
    # This session is shortened at once, not only from the next login.
    assert client.session.get_expire_at_browser_close()
    client.post("/notifications/preferences/", {"form": "discreet"})
    member.refresh_from_db()
    assert not member.discreet_mode
    assert not client.session.get_expire_at_browser_close()


def test_discreet_mode_gives_the_tab_a_neutral_title_and_icon(
    make_user, make_thread, settings
) -> None:
    member = make_user(discreet_mode=True)
    thread = make_thread(member, title="Kettling at the march")
    client = log_in(member)
    for url in ["/", "/forum/", thread.get_absolute_url(), "/notifications/preferences/"]:
        title, icon = tab(client.get(url).content.decode())
        assert title == "Notes", url
        assert icon.endswith("network/discreet.svg")
    other = log_in(make_user())
    title, icon = tab(other.get(thread.get_absolute_url()).content.decode())
    assert "Kettling at the march" in title and escape(settings.SITE_NAME) in title
    assert icon.endswith("network/favicon.svg")


def test_a_discreet_login_ends_with_the_browser(make_user) -> None:
    client = log_in(make_user(discreet_mode=True))
    cookie = client.cookies["sessionid"]
    assert cookie["expires"] == "" and cookie["max-age"] == ""
    assert client.session.get_expire_at_browser_close()
    normal = log_in(make_user())
    assert not normal.session.get_expire_at_browser_close()


def test_a_discreet_session_ends_after_two_hours_idle(make_user) -> None:
    client = log_in(make_user(discreet_mode=True))
    assert client.get("/forum/").status_code == 200
    session = client.session
    session[IDLE_SESSION_KEY] = time.time() - 2 * 3600 + 120
    session.save()
    assert client.get("/forum/").status_code == 200, "still within two hours"
    session = client.session
    assert session[IDLE_SESSION_KEY] > time.time() - 60, "activity keeps it alive"
    session[IDLE_SESSION_KEY] = time.time() - 2 * 3600 - 1
    session.save()
    response = client.get("/forum/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    # As at every sign-out, the browser forgets this member's drafts.
    assert response["Clear-Site-Data"] == '"storage"'
    assert client.get("/forum/").status_code == 302, "the session is over"


def test_discreet_mode_leaves_the_site_name_out_of_email_subjects_and_sender(
    make_user, settings
) -> None:
    settings.DEFAULT_FROM_EMAIL = SENDER
    discreet, normal = make_user(discreet_mode=True), make_user()
    for member in (discreet, normal):
        NotificationPreference.objects.create(
            member=member, kind="expert_badge", delivery=Delivery.EMAIL
        )
        NotificationPreference.objects.create(
            member=member, kind="announcement", delivery=Delivery.DIGEST
        )
    notifications.notify([discreet, normal], kind="expert_badge", actor=None, text="x")
    notifications.notify([discreet, normal], kind="announcement", actor=None, text="y")
    send_digests()
    for email in OutboxEmail.objects.filter(recipient=discreet):
        assert settings.SITE_NAME not in email.subject
    for email in OutboxEmail.objects.filter(recipient=normal):
        assert email.subject.startswith(f"[{settings.SITE_NAME}] ")
    assert deliver_due() == (4, 0)
    senders = {message.to[0]: message.from_email for message in mail.outbox}
    assert senders == {discreet.email: "network@example.org", normal.email: SENDER}


def test_discreet_mode_leaves_the_site_name_out_of_account_email(make_user, settings) -> None:
    settings.DEFAULT_FROM_EMAIL = SENDER
    discreet = make_user(discreet_mode=True)
    Client().post("/accounts/password/reset/", {"email": discreet.email})
    (message,) = mail.outbox
    assert settings.SITE_NAME not in message.subject
    assert message.from_email == "network@example.org"


def test_the_preferences_page_says_exactly_when_a_discreet_session_ends(
    client, make_user, settings
) -> None:
    from tests.conftest import sign_in

    sign_in(client, make_user())
    html = client.get("/notifications/preferences/").content.decode()
    assert "You are logged out after 2 hours without using the site" in html
    assert "(a tab left open does not count)" in html
    assert "unless it is set to reopen your tabs where you left off" in html
    assert "signed out" not in html
    settings.DISCREET_IDLE_MINUTES = 45
    html = client.get("/notifications/preferences/").content.decode()
    assert "You are logged out after 45 minutes without using the site" in html
