"""The header's navigation and the footer's language form are reused
(network/templatetags/chrome.py): never stale, never one member's for another.

Each test renders a page once so that the header is in the store, changes one
thing the header shows, and checks the next page shows the change.
"""

from __future__ import annotations

import re
from dataclasses import fields, replace

import pytest
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.urls import resolve

from common import fragments
from network.templatetags.chrome import HeaderViewer, site_nav_inputs
from notifications.models import Notification
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_store():
    fragments.store.clear()
    yield
    fragments.store.clear()


def header(html: str) -> str:
    match = re.search(r'<header class="site-header">.*?</header>', html, re.S)
    assert match, "the page has no site header"
    return match.group(0)


def page(client: Client, url: str = "/forum/") -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_header_is_reused_between_requests(client, member) -> None:
    sign_in(client, member)
    page(client)
    stored = len(fragments.store)
    page(client)
    assert len(fragments.store) == stored


def test_one_members_header_never_reaches_another(make_user) -> None:
    first = make_user(display_name="Amara First")
    second = make_user(display_name="Bilal Second")
    pages = {}
    for member in (first, second):
        client = Client()
        sign_in(client, member)
        pages[member.pk] = header(page(client))
    assert "Amara First" in pages[first.pk] and "Bilal Second" not in pages[first.pk]
    assert "Bilal Second" in pages[second.pk] and "Amara First" not in pages[second.pk]
    assert f"/members/{second.handle}/" in pages[second.pk]
    assert f"/members/{first.handle}/" not in pages[second.pk]


def test_a_new_name_or_handle_shows_at_once(client, make_user) -> None:
    member = make_user(display_name="Old Name")
    sign_in(client, member)
    assert "Old Name" in header(page(client))
    member.display_name = "New Name"
    member.handle = "new-handle"
    member.save()
    shown = header(page(client))
    assert "New Name" in shown and "@new-handle" in shown
    assert "Old Name" not in shown


def test_the_unread_count_follows_the_inbox(client, member) -> None:
    sign_in(client, member)
    assert re.search(r'id="unread-count" hidden>0<', header(page(client)))
    Notification.objects.create(recipient=member, kind="reply", text="A reply")
    assert re.search(r'id="unread-count">1<', header(page(client)))


def test_the_current_section_is_marked(client, member) -> None:
    sign_in(client, member)
    forum = header(page(client, "/forum/"))
    lessons = header(page(client, "/lessons/"))
    assert re.search(r'href="/forum/" aria-current="true"', forum)
    assert not re.search(r'href="/lessons/" aria-current="true"', forum)
    assert re.search(r'href="/lessons/" aria-current="true"', lessons)
    inbox = header(page(client, "/notifications/"))
    assert 'id="notifications-link" aria-current="page"' in inbox
    assert 'aria-current="page"' not in forum


def test_visitors_get_the_visitors_header(client, member) -> None:
    sign_in(client, member)
    page(client, "/lessons/")
    client.logout()
    shown = header(page(client, "/lessons/"))
    assert "Log in" in shown and member.name not in shown
    assert "/forum/" not in shown


def test_the_logout_form_carries_each_sessions_own_token(make_user) -> None:
    tokens = []
    for member in (make_user(), make_user()):
        client = Client(enforce_csrf_checks=True)
        sign_in(client, member)
        html = header(page(client))
        assert fragments.CSRF_PLACEHOLDER not in html
        token = re.search(
            r'action="/accounts/logout/".*?name="csrfmiddlewaretoken" value="([^"]+)"', html, re.S
        ).group(1)
        tokens.append(token)
        response = client.post("/accounts/logout/", {"csrfmiddlewaretoken": token})
        assert response.status_code == 302, "the token in the reused header was refused"
        assert client.get("/forum/").status_code == 302  # signed out
    assert tokens[0] != tokens[1]


def test_the_language_form_returns_to_this_page(client, member) -> None:
    sign_in(client, member)
    assert 'name="next" value="/forum/?kind=question"' in page(client, "/forum/?kind=question")
    assert 'name="next" value="/lessons/"' in page(client, "/lessons/")


def test_each_language_has_its_own_header(client, member) -> None:
    sign_in(client, member)
    assert "Log out" in header(page(client))
    client.post("/i18n/setlang/", {"language": "fr", "next": "/forum/"})
    french = header(page(client))
    assert "Se déconnecter" in french
    assert "Log out" not in french


def _inputs(user, path: str = "/forum/", unread: int = 0) -> tuple:
    request = RequestFactory().get(path)
    request.resolver_match = resolve(path)
    key, _context = site_nav_inputs(
        Context({"request": request, "user": user, "inbox_unread": unread})
    )
    return key


def test_each_input_of_the_header_changes_its_key(member) -> None:
    base = _inputs(member)
    viewer = HeaderViewer.of(member)
    assert base == _inputs(member)
    assert base != _inputs(member, unread=3)
    assert base != _inputs(member, path="/lessons/")
    assert _inputs(member, path="/notifications/") != _inputs(
        member, path="/notifications/preferences/"
    )
    # Every field of what the header may see of the member is in the key.
    changed = {
        "pk": viewer.pk + 1,
        "is_authenticated": False,
        "is_member": False,
        "can_moderate": True,
        "name": "Someone else",
        "handle": "someone-else",
    }
    assert {f.name for f in fields(HeaderViewer)} == set(changed)
    for name, value in changed.items():
        other = replace(viewer, **{name: value})
        assert (other, *base[1:]) != base, name
    assert base[0] == viewer


def test_the_header_sees_only_what_its_key_names(member) -> None:
    """The template is rendered from the key's values: a member attribute it
    is not given renders as nothing, so it cannot reach a reused header."""
    request = RequestFactory().get("/forum/")
    request.resolver_match = resolve("/forum/")
    _key, context = site_nav_inputs(Context({"request": request, "user": member}))
    assert isinstance(context["user"], HeaderViewer)
    assert Template("{{ user.email }}").render(Context(context)) == ""
    assert set(context) == {"user", "section", "on_notifications", "inbox_unread"}


def test_the_error_page_renders_the_chrome_without_a_request() -> None:
    from django.template.loader import render_to_string

    html = render_to_string("500.html", {"SITE_NAME": "Network", "QUICK_EXIT_URL": "/"})
    assert 'class="language-form"' in html
    assert 'name="next" value=""' in html
