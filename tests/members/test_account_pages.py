"""allauth's pages and emails speak as the rest of the site (issue 17).

Its defaults said "Hello from 127.0.0.1:8201!", "Please contact us" with no
contact, Title Case headings, "Sign Out" beside the header's "Log out", two
"Forgot your password?" links on the login page, the password rules (a
``<ul>``) inside a ``<p>``, and asked a new member to log in again right after
confirming their address.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.core import mail
from django.test import Client

from members.models import Status, User
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
VISITOR_PAGES = [
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/accounts/password/reset/done/",
    "/accounts/confirm-email/",
    "/accounts/confirm-email/not-a-key/",
    "/accounts/inactive/",
    "/accounts/password/reset/key/1-x/",
]
MEMBER_PAGES = [
    "/accounts/logout/",
    "/accounts/email/",
    "/accounts/password/change/",
    "/accounts/2fa/",
    "/accounts/sessions/",
    "/accounts/reauthenticate/",
    "/accounts/reauthenticate/code/",
]


class _Structure(HTMLParser):
    """Headings, buttons and labels as text, and block elements opened in a <p>."""

    BLOCKS = {"ul", "ol", "div", "p", "table", "form", "section", "h1", "h2", "h3"}
    TEXTS = {"h1", "h2", "h3", "button", "label", "legend", "title"}

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.blocks_in_p: list[str] = []
        self.texts: list[str] = []
        self._collect: list[list[str]] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in self.BLOCKS and "p" in self.open:
            self.blocks_in_p.append(tag)
        if tag in {"br", "img", "input", "meta", "link", "hr", "source"}:
            return
        badge = tag == "span" and "badge" in (dict(attrs).get("class") or "")
        self.open.append("badge" if badge else tag)
        if tag in self.TEXTS or badge:
            self._collect.append([])

    def handle_endtag(self, tag: str) -> None:
        if tag == "span" and self.open and self.open[-1] == "badge":
            tag = "badge"
        if tag in self.open:
            while self.open and self.open.pop() != tag:
                pass
        if (tag in self.TEXTS or tag == "badge") and self._collect:
            self.texts.append(" ".join("".join(self._collect.pop()).split()))

    def handle_data(self, data: str) -> None:
        # A badge in a label is text of its own ("Verified", "Primary").
        if self._collect:
            self._collect[-1].append(data)


def structure(html: str) -> _Structure:
    parser = _Structure()
    parser.feed(html)
    return parser


def title_case_words(text: str) -> list[str]:
    """Words after the first that start with a capital (not acronyms, not the site's name)."""
    text = text.replace("Policing & Human Rights Network", "")
    words = re.findall(r"[A-Za-z][\w'-]*", text)
    return [w for w in words[1:] if w[0].isupper() and not w.isupper()]


def pages(client: Client, member: User) -> dict[str, str]:
    shown = {url: client.get(url).content.decode() for url in VISITOR_PAGES}
    sign_in(client, member)
    shown.update({url: client.get(url).content.decode() for url in MEMBER_PAGES})
    return shown


def test_account_pages_are_in_sentence_case_and_say_log_out(client: Client, member) -> None:
    for url, html in pages(client, member).items():
        for text in structure(html).texts:
            assert not title_case_words(text), (url, text)
        for default in ["Sign Out", "Sign In", "sign out", "contact us", "Contact us",
                        "Sign-In", "sign-in", "Request Code", "Confirm Access"]:  # fmt: skip
            assert default not in html, (url, default)


def test_no_block_element_sits_inside_a_paragraph_on_account_pages(client: Client, member) -> None:
    for url, html in pages(client, member).items():
        assert structure(html).blocks_in_p == [], url


def test_the_password_rules_are_a_list_after_the_field_not_in_a_paragraph(client: Client) -> None:
    html = client.get("/accounts/signup/").content.decode()
    assert '<div class="helptext" id="id_password1_helptext"><ul>' in html


def test_the_login_page_offers_one_forgot_your_password_link(client: Client) -> None:
    html = client.get("/accounts/login/").content.decode()
    assert html.count("Forgot your password?") == 1
    assert html.count('href="/accounts/password/reset/"') == 1
    # allauth's link under the field is gone, not left as an empty help text.
    assert "id_password_helptext" not in html


def sign_up(client: Client) -> str:
    """Sign up; the confirmation link's path."""
    response = client.post("/accounts/signup/", SIGNUP)
    assert response.status_code == 302
    return re.search(r"http://testserver(/accounts/confirm-email/\S+)", mail.outbox[-1].body)[1]


def test_account_emails_greet_and_sign_with_the_sites_name_not_the_host(
    client: Client, settings
) -> None:
    sign_up(client)
    message = mail.outbox[-1]
    assert message.subject == f"[{settings.SITE_NAME}] Confirm your email address"
    assert "Hello from" not in message.body and "testserver!" not in message.body
    assert message.body.startswith("Hello,")
    assert f"{settings.SITE_NAME}\n{settings.SITE_URL}/" in message.body


def test_a_discreet_members_account_email_does_not_name_the_site(
    client: Client, member, settings
) -> None:
    member.discreet_mode = True
    member.save()
    client.post("/accounts/password/reset/", {"email": member.email})
    message = mail.outbox[-1]
    assert message.subject == "Reset your password"
    assert settings.SITE_NAME not in message.body


def test_confirming_in_the_browser_that_signed_up_logs_in_to_the_waiting_page(
    client: Client,
) -> None:
    link = sign_up(client)
    response = client.post(link)
    assert response.headers["Location"] == "/members/waiting/"
    user = User.objects.get(email=SIGNUP["email"])
    assert user.status == Status.PENDING
    assert client.session.get("_auth_user_id") == str(user.pk)
    # Logged in, still not inside.
    assert client.get("/members/").status_code == 403


def test_confirming_in_another_browser_confirms_but_does_not_log_in(client: Client) -> None:
    link = sign_up(client)
    other = Client()
    response = other.post(link)
    assert response.status_code == 302
    assert "_auth_user_id" not in other.session
    assert User.objects.get(email=SIGNUP["email"]).emailaddress_set.get().verified


def test_the_other_ways_to_confirm_it_is_you_speak_as_the_site(client: Client, member) -> None:
    sign_in(client, member)
    html = client.get("/accounts/reauthenticate/").content.decode()
    assert 'href="/accounts/reauthenticate/code/">Email me a code</a>' in html
    assert "Send me a sign-in code" not in html


def test_confirming_with_a_code_by_email_speaks_as_the_site(
    client: Client, member, settings
) -> None:
    sign_in(client, member)
    page = client.get("/accounts/reauthenticate/code/").content.decode()
    assert '<label for="id_recipient">Email the code to</label>' in page
    response = client.post("/accounts/reauthenticate/code/", {"recipient": member.email})
    assert response.headers["Location"].startswith("/accounts/reauthenticate/code/confirm/")
    message = mail.outbox[-1]
    assert message.subject == f"[{settings.SITE_NAME}] Your code to confirm it is you"
    assert "Enter it on the page that asked for it" in message.body
    assert "sign-in" not in message.body and "Hello from" not in message.body
    html = client.get(response.headers["Location"]).content.decode()
    texts = structure(html).texts
    assert "Enter the code" in texts and "Confirm" in texts
    assert f"We have sent a code to <bdi>{member.email}</bdi>" in html
    assert f"We have emailed a code to {member.email}." in html
    for default in ["Sign-In", "sign-in", "Confirm Access", "We've sent"]:
        assert default not in html, default
    for text in texts:
        assert not title_case_words(text), text


def test_logging_in_and_out_says_log_in_and_log_out(client: Client, member) -> None:
    from tests.conftest import TEST_PASSWORD

    page = client.post(
        "/accounts/login/", {"login": member.email, "password": TEST_PASSWORD}, follow=True
    ).content.decode()
    assert f"You are logged in as {member.name}." in page and "signed in" not in page
    client.get("/")  # the login's message is shown
    page = client.post("/accounts/logout/", follow=True).content.decode()
    assert "You are logged out." in page and "signed out" not in page


def test_removing_an_email_address_is_a_plain_form_without_a_script(client: Client, member) -> None:
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=member, email="old@example.org", verified=True)
    sign_in(client, member)
    html = client.get("/accounts/email/").content.decode()
    scripts = re.findall(r"<script[^>]*>", html)
    assert all("/static/network/" in tag for tag in scripts), scripts
    assert "onclick" not in html and "confirmDelete" not in html and "account.js" not in html
    assert '<button type="submit" name="action_remove">Remove</button>' in html
    page = client.post(
        "/accounts/email/", {"action_remove": "", "email": "old@example.org"}, follow=True
    ).content.decode()
    assert not EmailAddress.objects.filter(email="old@example.org").exists()
    assert "old@example.org is no longer one of your addresses." in page
