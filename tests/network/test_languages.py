"""The interface language (browser, switcher, member's choice) and the content's own.

Visitors get the language of their browser or of the switcher; a member's choice is
stored on the account and wins everywhere. Dates follow the interface language.
Threads and lessons carry the language they are written in (``lang`` on the
text, not on the buttons around it) and lists filter by it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.test import Client

from forum.models import Post, Thread
from members.models import User
from tests.conftest import sign_in
from tests.members.test_profiles import profile_data

pytestmark = pytest.mark.django_db

COOKIE = settings.LANGUAGE_COOKIE_NAME


def html_tag(html: str) -> str:
    return re.search(r"<html[^>]*>", html).group(0)


def test_visitors_get_french_from_their_browser(client: Client) -> None:
    response = client.get("/", headers={"accept-language": "fr-CH, fr;q=0.9, en;q=0.5"})
    assert response.headers["Content-Language"] == "fr"
    html = response.content.decode()
    assert html_tag(html) == '<html lang="fr" dir="ltr">'
    assert "Se connecter" in html and "Log in" not in html


@pytest.mark.parametrize(("language", "text"), [("es", "Iniciar sesión"), ("ar", "تسجيل الدخول")])
def test_spanish_and_arabic_are_shipped(client: Client, language: str, text: str) -> None:
    html = client.get("/", headers={"accept-language": language}).content.decode()
    assert f'<html lang="{language}"' in html
    assert text in html


def test_arabic_pages_are_right_to_left(client: Client, member: User) -> None:
    html = client.get("/accounts/login/", headers={"accept-language": "ar"}).content.decode()
    assert html_tag(html) == '<html lang="ar" dir="rtl">'
    sign_in(client, member)
    html = client.get("/forum/", headers={"accept-language": "ar"}).content.decode()
    assert html_tag(html) == '<html lang="ar" dir="rtl">'


def test_switcher_is_a_labelled_form_that_works_without_javascript() -> None:
    client = Client(enforce_csrf_checks=True)
    html = client.get("/", headers={"accept-language": "en"}).content.decode()
    form = re.search(r'<form action="/i18n/setlang/" method="post".*?</form>', html, re.S)
    assert form, "the switcher posts to set_language"
    form = form.group(0)
    assert '<label for="language-select">' in form and 'id="language-select"' in form
    assert re.search(r'<button type="submit"[^>]*>', form), "a submit button, no script needed"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    options = re.findall(r'<option value="([a-z-]+)" lang="\1"', form)
    assert options == [code for code, _ in settings.LANGUAGES]
    assert "Français" in form and "Español" in form and "العربيّة" in form, (
        "each language in its own name"
    )

    refused = client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    assert refused.status_code == 403, "CSRF protected"

    response = client.post(
        "/i18n/setlang/", {"language": "fr", "next": "/", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert response.cookies[COOKIE].value == "fr"
    # The switcher wins over the browser from then on.
    html = client.get("/", headers={"accept-language": "es"}).content.decode()
    assert '<html lang="fr"' in html and "Se connecter" in html


def test_member_choice_wins_over_browser_and_cookie(client: Client, make_user) -> None:
    member = make_user(language="es")
    client.cookies[COOKIE] = "nl"
    sign_in(client, member)
    response = client.get("/forum/", headers={"accept-language": "fr"})
    html = response.content.decode()
    assert '<html lang="es"' in html
    assert "Preguntas y debates" in html
    assert response.headers["Content-Language"] == "es"
    # The browser remembers it, so the site stays in Spanish after logging out.
    assert response.cookies[COOKIE].value == "es"


def test_member_without_a_choice_gets_the_browser_language(client: Client, member) -> None:
    assert member.language == ""
    sign_in(client, member)
    html = client.get("/forum/", headers={"accept-language": "fr"}).content.decode()
    assert '<html lang="fr"' in html


def test_member_language_applies_from_login(make_user) -> None:
    make_user(email="hablo@example.org", language="es")
    client = Client()
    response = client.post(
        "/accounts/login/",
        {"login": "hablo@example.org", "password": "correct horse battery staple"},
        headers={"accept-language": "en"},
    )
    assert response.status_code == 302
    html = client.get(response.headers["Location"], headers={"accept-language": "en"})
    assert '<html lang="es"' in html.content.decode()


def test_member_chooses_the_language_in_their_profile(client: Client, member) -> None:
    sign_in(client, member)
    form = client.get("/members/me/edit/").content.decode()
    assert '<label for="id_site_language"' in form
    assert '<option value="" selected>' in form, "the browser's language until they choose"
    assert '<option value="fr" lang="fr">Français</option>' in form

    response = client.post("/members/me/edit/", profile_data(site_language="ar"))
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.language == "ar"
    html = client.get(response.headers["Location"], headers={"accept-language": "en"})
    assert html_tag(html.content.decode()) == '<html lang="ar" dir="rtl">'
    assert "حُفظ ملفك الشخصي." in html.content.decode(), "confirmed in the new language"

    client.post("/members/me/edit/", profile_data(site_language=""))
    member.refresh_from_db()
    assert member.language == "", "back to following the browser"


def test_profile_refuses_a_language_the_site_does_not_ship(client: Client, member) -> None:
    sign_in(client, member)
    response = client.post("/members/me/edit/", profile_data(site_language="tlh"))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    member.refresh_from_db()
    assert member.language == ""


def test_switcher_also_stores_a_member_choice(client: Client, make_user) -> None:
    member = make_user(language="es")
    sign_in(client, member)
    client.post("/i18n/setlang/", {"language": "fr", "next": "/forum/"})
    member.refresh_from_db()
    assert member.language == "fr", "otherwise their stored choice would undo the switch"
    assert '<html lang="fr"' in client.get("/forum/").content.decode()


def test_dates_follow_the_interface_language(client: Client, member, make_thread) -> None:
    thread = make_thread(member)
    when = datetime(2026, 3, 5, 14, 30, tzinfo=UTC)
    Post.objects.filter(thread=thread).update(created_at=when)
    Thread.objects.filter(pk=thread.pk).update(last_activity_at=when)
    sign_in(client, member)
    expected = {
        "en": "March 5, 2026",
        "fr": "5 mars 2026",
        "es": "5 de marzo de 2026",
        "nl": "5 maart 2026",
        # Not Django's fallback "مارس 5, 2026": Arabic has its own (network/formats).
        "ar": "5 مارس، 2026",
    }
    for language, date in expected.items():
        page = client.get(thread.get_absolute_url(), headers={"accept-language": language})
        assert date in page.content.decode(), language
        # The list's compact rows show the day only, in the same format.
        listing = client.get("/forum/", headers={"accept-language": language}).content.decode()
        assert f">{date}</time>" in listing, language
    # A post carries its time as well: day, month, year, then the time, in Arabic's order.
    page = client.get(thread.get_absolute_url(), headers={"accept-language": "ar"})
    assert "5 مارس، 2026، 14:30" in page.content.decode()


def test_numbers_and_plurals_follow_the_language(client: Client, member, make_user, make_thread):
    from forum import services

    thread = make_thread(member)
    other = make_user()
    services.create_reply(author=other, thread=thread, body="One")
    services.create_reply(author=other, thread=thread, body="Two")
    sign_in(client, member)
    assert "2 réponses" in client.get("/forum/", headers={"accept-language": "fr"}).content.decode()
    # Arabic has a dual: two replies is one word, not "2 + plural".
    assert "ردّان" in client.get("/forum/", headers={"accept-language": "ar"}).content.decode()


def test_a_french_thread_marks_its_text_as_french(client: Client, member, make_thread) -> None:
    thread = make_thread(member, title="Comment documenter une nasse ?", language="fr")
    sign_in(client, member)
    html = client.get(thread.get_absolute_url(), headers={"accept-language": "en"}).content
    html = html.decode()
    assert '<html lang="en"' in html
    assert '<h1 lang="fr" dir="auto">Comment documenter une nasse ?</h1>' in html
    assert re.search(r'<div class="prose" lang="fr" dir="auto">', html)
    # The buttons around it are in the interface language, and not marked French.
    assert '<article class="thread">' in html
    assert not re.search(r'<(article|li)[^>]* lang="fr"', html)


def test_thread_list_filters_by_content_language(
    client: Client, member: User, make_thread: Callable[..., Thread]
) -> None:
    make_thread(member, title="Question in English", language="en")
    make_thread(member, title="Pregunta en español", language="es")
    sign_in(client, member)
    html = client.get("/forum/?language=es").content.decode()
    assert "Pregunta en español" in html and "Question in English" not in html


def test_membership_emails_come_in_the_member_language(make_user) -> None:
    from members import services
    from members.models import Status
    from notifications.models import OutboxEmail

    moderator = make_user(is_moderator=True)
    french = make_user(status=Status.PENDING, language="fr")
    services.approve_member(moderator=moderator, member=french)
    email = OutboxEmail.objects.get(recipient=french)
    assert email.subject.startswith("Bienvenue sur ")
    assert "Un modérateur a approuvé votre demande" in email.body

    spanish = make_user(status=Status.PENDING, language="es")
    services.reject_member(moderator=moderator, member=spanish, reason="No.")
    assert OutboxEmail.objects.get(recipient=spanish).subject.startswith("Tu solicitud")


def test_writing_fields_follow_the_direction_of_what_is_typed(client: Client, member) -> None:
    """An Arabic post typed in an English interface reads right to left as it is typed."""
    sign_in(client, member)
    for path in ("/forum/new/", "/lessons/new/"):
        html = client.get(path).content.decode()
        assert re.search(r'<textarea[^>]*data-markdown="true"[^>]*dir="auto"', html), path


def test_language_lists_are_named_and_sorted_in_the_interface_language(
    client: Client, member
) -> None:
    sign_in(client, member)
    html = client.get("/members/me/edit/", headers={"accept-language": "fr"}).content.decode()
    # The languages one speaks are checkboxes (no Ctrl-click), in the same order.
    names = re.findall(
        r'<input type="checkbox" name="languages" value="[a-z]+"[^>]*> ([^<]+)</label>', html
    )
    assert "Anglais" in names and "English" not in names
    assert names.index("Allemand") < names.index("Anglais") < names.index("Espagnol")
    filters = client.get("/forum/", headers={"accept-language": "es"}).content.decode()
    assert '<option value="fr">Francés</option>' in filters
    names = re.findall(r'<option value="[a-z]+">([^<]+)</option>', filters)
    assert names.index("Alemán") < names.index("Árabe") < names.index("Armenio"), (
        "accented names sort with their letter, not after Z"
    )
    # Validation works whatever the language of the request.
    response = client.post("/members/me/edit/", profile_data(languages=["fr", "ar"]))
    assert response.status_code == 302
