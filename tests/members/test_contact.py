"""The contact form: anyone writes to the moderators, and the text stays in their queue.

Nobody needs an account; a logged-in member finds the form filled in. Messages
wait in the moderators' contact queue, the moderators are told that one is
waiting (never what it says, in the app or by email), and a deleted message
leaves no copy anywhere: not in notifications, email, the audit log or the
data of whoever sent it.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from members.models import AuditEntry, ContactCategory, ContactMessage, User
from network import settings as shipped
from network.privacy import delete_account, export_member_data
from notifications.models import Notification, OutboxEmail
from notifications.outbox import deliver_due
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

# Words that must never leave the message's own row.
SECRET_TEXT = "The officer at gate 4 took zebrafinch photos"
SECRET_NAME = "Nomvula Quietname"
SECRET_ADDRESS = "nomvula.quiet@example.net"
SECRETS = (SECRET_TEXT, "zebrafinch", SECRET_NAME, SECRET_ADDRESS)


def form(**changes: str) -> dict[str, str]:
    data = {
        "name": SECRET_NAME,
        "reply_to": SECRET_ADDRESS,
        "category": ContactCategory.SAFETY,
        "message": SECRET_TEXT,
        "website": "",
    }
    data.update(changes)
    return data


def with_totp(user: User) -> User:
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    return user


@pytest.fixture
def moderators(make_user: Callable[..., User]) -> list[User]:
    return [
        with_totp(make_user(is_moderator=True, display_name="Mod Erator")),
        with_totp(make_user(is_superuser=True, is_staff=True, display_name="Ad Min")),
    ]


def everything_stored() -> str:
    """Every row of every table, as one text: where a copy would show."""
    out = io.StringIO()
    call_command("dumpdata", stdout=out)
    return out.getvalue()


# --- Writing -----------------------------------------------------------------------


def test_a_visitor_writes_to_the_moderators_without_an_account(client: Client) -> None:
    page = client.get("/contact/")
    assert page.status_code == 200
    html = page.content.decode()
    for field in ("name", "reply_to", "category", "message"):
        assert f'name="{field}"' in html and f'for="id_{field}"' in html
    response = client.post("/contact/", form(), follow=True)
    assert response.redirect_chain == [("/contact/", 302)]
    assert "your message is with the moderators" in response.content.decode()
    message = ContactMessage.objects.get()
    assert message.sender is None and message.message == SECRET_TEXT
    assert (message.name, message.reply_to, message.category) == (
        SECRET_NAME,
        SECRET_ADDRESS,
        "safety",
    )
    assert message.handled_at is None


def test_name_and_reply_address_are_optional(client: Client) -> None:
    response = client.post("/contact/", form(name="", reply_to=""))
    assert response.status_code == 302
    assert ContactMessage.objects.get().reply_to == ""


def test_a_logged_in_member_finds_the_form_filled_in_and_the_message_is_theirs(
    client: Client, make_user: Callable[..., User]
) -> None:
    member = make_user(display_name="Amina Wanjiru")
    sign_in(client, member)
    html = client.get("/contact/").content.decode()
    assert 'value="Amina Wanjiru"' in html and f'value="{member.email}"' in html
    assert "the moderators will see that this message comes from your account" in html
    client.post("/contact/", form(name="Amina Wanjiru", reply_to=member.email))
    assert ContactMessage.objects.get().sender == member


def test_someone_waiting_for_approval_can_write_too(
    client: Client, make_user: Callable[..., User]
) -> None:
    pending = make_user(status="pending", approved_at=None)
    sign_in(client, pending)
    assert client.get("/contact/").status_code == 200
    assert client.post("/contact/", form(category="joining")).status_code == 302
    assert ContactMessage.objects.get().sender == pending


def test_a_link_may_choose_what_the_message_is_about(client: Client) -> None:
    html = client.get("/contact/?about=joining").content.decode()
    assert '<option value="joining" selected>' in html
    html = client.get("/contact/?about=nonsense").content.decode()
    assert "selected>" not in html.split('name="category"')[1].split("</select>")[0].replace(
        '<option value="" selected>', ""
    )


def test_bad_input_keeps_what_was_typed_and_saves_nothing(client: Client) -> None:
    response = client.post(
        "/contact/", form(reply_to="not-an-address", message="", category="problem")
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Enter a valid email address." in html
    assert "This field is required." in html
    assert f'value="{SECRET_NAME}"' in html and 'value="not-an-address"' in html
    assert '<option value="problem" selected>' in html
    too_long = "a" * 5_001
    html = client.post("/contact/", form(message=too_long)).content.decode()
    assert "at most 5000 characters" in html and too_long in html
    assert not ContactMessage.objects.exists()


def test_a_robot_that_fills_the_hidden_field_is_thanked_and_nothing_is_kept(
    client: Client, moderators: list[User]
) -> None:
    html = client.get("/contact/").content.decode()
    assert '<div hidden><div class="field">' in html and 'name="website"' in html
    response = client.post("/contact/", form(website="https://spam.example"), follow=True)
    assert "your message is with the moderators" in response.content.decode()
    assert not ContactMessage.objects.exists()
    assert not Notification.objects.exists() and not OutboxEmail.objects.exists()


def test_the_form_is_rate_limited_with_the_styled_page(client: Client, settings) -> None:
    assert shipped.DEFAULT_RATE_LIMITS["contact"] == "5/h,20/d"
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "contact": "2/h"}
    for _ in range(2):
        assert client.post("/contact/", form()).status_code == 302
    refused = client.post("/contact/", form())
    assert refused.status_code == 429
    html = refused.content.decode()
    assert "Please slow down" in html and "/static/network/site.css" in html
    assert "your text is still in the form" in html
    assert int(refused.headers["Retry-After"]) >= 1
    assert ContactMessage.objects.count() == 2
    # Reading the form is never limited.
    assert client.get("/contact/").status_code == 200


# --- The moderators are told, never shown ----------------------------------------------


def test_moderators_are_told_a_message_waits_without_its_text_in_the_app_or_by_email(
    client: Client, moderators: list[User], make_user: Callable[..., User]
) -> None:
    member = make_user()
    client.post("/contact/", form())
    notes = Notification.objects.all()
    assert {note.recipient_id for note in notes} == {m.pk for m in moderators}
    for note in notes:
        assert note.kind == "contact_message" and note.actor is None
        assert note.text == "A message is waiting in the contact queue."
        assert note.url == "/members/moderation/contact/"
    # Moderators get it by email unless they chose otherwise: the email says it waits.
    emails = OutboxEmail.objects.all()
    assert {email.recipient_id for email in emails} == {m.pk for m in moderators}
    assert deliver_due() == (2, 0)
    assert sorted(sent.to[0] for sent in mail.outbox) == sorted(m.email for m in moderators)
    for sent in mail.outbox:
        assert "A message is waiting in the contact queue" in sent.subject
        assert "/members/moderation/contact/" in sent.body
        whole = sent.message().as_string()
        for secret in SECRETS:
            assert secret not in whole and secret not in sent.body
    for note in notes:
        for secret in SECRETS:
            assert secret not in note.text
    assert not Notification.objects.filter(recipient=member).exists()


# --- The queue -----------------------------------------------------------------------


def test_moderators_list_read_handle_and_delete_and_no_copy_is_left(
    client: Client, moderators: list[User]
) -> None:
    client.post("/contact/", form(message=SECRET_TEXT + "\n<script>alert(1)</script>"))
    message = ContactMessage.objects.get()
    moderator = moderators[0]
    client.cookies.clear()
    sign_in(client, moderator)

    queue = client.get("/members/moderation/contact/").content.decode()
    assert f'href="/members/moderation/contact/{message.pk}/"' in queue
    assert "A safety concern" in queue and SECRET_NAME in queue
    page = client.get(f"/members/moderation/contact/{message.pk}/").content.decode()
    assert SECRET_TEXT in page and f'href="mailto:{SECRET_ADDRESS}"' in page
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page

    response = client.post(f"/members/moderation/contact/{message.pk}/handled/", {"handled": "1"})
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.is_handled and message.handled_by == moderator
    waiting = client.get("/members/moderation/contact/").content.decode()
    assert f"/contact/{message.pk}/" not in waiting
    handled = client.get("/members/moderation/contact/?handled=1").content.decode()
    assert f"/contact/{message.pk}/" in handled
    client.post(f"/members/moderation/contact/{message.pk}/handled/", {"handled": "0"})
    message.refresh_from_db()
    assert not message.is_handled

    response = client.post(f"/members/moderation/contact/{message.pk}/delete/")
    assert response.status_code == 302
    assert not ContactMessage.objects.exists()
    assert client.get(f"/members/moderation/contact/{message.pk}/").status_code == 404
    actions = list(
        AuditEntry.objects.filter(actor=moderator)
        .order_by("created_at", "id")
        .values_list("action", "detail")
    )
    assert actions == [
        ("contact_handled", f"#{message.pk} (safety)"),
        ("contact_reopened", f"#{message.pk} (safety)"),
        ("contact_deleted", f"#{message.pk} (safety)"),
    ]
    audit = client.get("/members/moderation/audit/").content.decode()
    assert "deleted a contact message" in audit
    stored = everything_stored()
    for secret in SECRETS:
        assert secret not in stored, f"a copy of {secret!r} is left"


def test_the_queue_is_linked_from_the_moderation_pages(
    client: Client, moderators: list[User]
) -> None:
    sign_in(client, moderators[0])
    html = client.get("/members/moderation/pending/").content.decode()
    assert 'href="/members/moderation/contact/">Contact messages</a>' in html


@pytest.mark.parametrize("who", ["visitor", "pending", "member", "expert", "unverified"])
def test_nobody_but_moderators_reads_or_changes_the_queue(
    client: Client, make_user: Callable[..., User], who: str
) -> None:
    message = ContactMessage.objects.create(category="other", message=SECRET_TEXT)
    people = {
        "pending": lambda: make_user(status="pending", approved_at=None),
        "member": make_user,
        "expert": lambda: make_user(is_expert=True),
        # A moderator whose session never passed their second factor.
        "unverified": lambda: with_totp(make_user(is_moderator=True)),
    }
    if who == "unverified":
        client.force_login(people[who]())
    elif who != "visitor":
        sign_in(client, people[who]())
    base = "/members/moderation/contact/"
    answers = [
        client.get(base),
        client.get(f"{base}{message.pk}/"),
        client.post(f"{base}{message.pk}/handled/", {"handled": "1"}),
        client.post(f"{base}{message.pk}/delete/"),
    ]
    for response in answers:
        if who == "visitor":
            assert response.status_code == 302
            assert response["Location"].startswith("/accounts/login/")
        else:
            assert response.status_code == 403
        assert SECRET_TEXT not in response.content.decode()
    message.refresh_from_db()
    assert not message.is_handled


def test_the_queue_runs_the_same_queries_with_10_and_500_messages(
    client: Client, moderators: list[User], make_user: Callable[..., User]
) -> None:
    def grow(n: int) -> None:
        senders = [make_user() for _ in range(3)]
        ContactMessage.objects.bulk_create(
            ContactMessage(
                sender=senders[i % 3] if i % 2 else None, name=f"Person {i}", category="other",
                message=f"Message {i}", handled_by=moderators[0] if i % 5 == 0 else None,
            )
            for i in range(n)
        )  # fmt: skip

    sign_in(client, moderators[0])
    grow(10)
    client.get("/members/moderation/contact/")

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/members/moderation/contact/").status_code == 200
        return len(captured)

    small = count()
    grow(490)
    assert count() == small


# --- The sender's own data ---------------------------------------------------------------


def test_a_members_messages_are_in_their_data_and_go_with_their_account(
    client: Client, make_user: Callable[..., User]
) -> None:
    member = make_user()
    sign_in(client, member)
    client.post("/contact/", form())
    client.cookies.clear()
    client.post("/contact/", form(message="From a visitor about joining", category="joining"))

    data = export_member_data(member)
    assert [entry["message"] for entry in data["contact_messages"]] == [SECRET_TEXT]
    entry = data["contact_messages"][0]
    assert entry["about"] == "safety" and entry["reply_to"] == SECRET_ADDRESS
    assert entry["handled_at"] is None

    delete_account(member, keep_contributions=True)
    assert list(ContactMessage.objects.values_list("message", flat=True)) == [
        "From a visitor about joining"
    ]
    stored = everything_stored()
    assert SECRET_TEXT not in stored and "zebrafinch" not in stored


# --- Where people find it ---------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["/", "/accounts/login/", "/accounts/signup/", "/accounts/confirm-email/", "/no-such-page/"],
)
def test_every_page_links_to_the_contact_form_from_its_footer(client: Client, url: str) -> None:
    html = client.get(url).content.decode()
    footer = html.split('<footer class="site-footer">')[1]
    assert 'href="/contact/">Contact</a>' in footer


def test_pages_that_said_contact_us_link_to_the_form(
    client: Client, make_user: Callable[..., User]
) -> None:
    pages = {
        "/accounts/confirm-email/": "/contact/?about=joining",
        "/accounts/password/reset/done/": "/contact/?about=problem",
        "/accounts/password/reset/": "/contact/?about=problem",
        "/accounts/inactive/": "/contact/?about=other",
        "/no-such-page/": "/contact/?about=problem",
    }
    for url, link in pages.items():
        main = client.get(url).content.decode().split('<main id="main"')[1].split("</main>")[0]
        assert f'href="{link}"' in main, url
    sign_in(client, make_user(status="pending", approved_at=None))
    main = client.get("/members/waiting/").content.decode().split("</main>")[0]
    assert 'href="/contact/?about=joining"' in main
