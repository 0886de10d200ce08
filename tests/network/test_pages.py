"""Public pages, error pages, languages and the headers every response carries."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style|\sstyle\s*=", re.IGNORECASE)


def assert_no_inline_code(html: str) -> None:
    assert not INLINE_SCRIPT.search(html), "inline <script> would be blocked by the CSP"
    assert not INLINE_HANDLER.search(html), "inline event handler would be blocked by the CSP"
    assert not INLINE_STYLE.search(html), "inline style would be blocked by the CSP"


def test_landing_page_explains_the_network_to_visitors(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1" in html and "policing" in html.lower() and "human rights" in html.lower()
    assert 'href="#main"' in html, "skip link"
    assert 'id="main"' in html
    assert 'href="/accounts/login/"' in html
    assert 'href="/accounts/signup/"' in html
    assert '<label for="language-select">' in html
    assert_no_inline_code(html)


def test_landing_page_for_a_member_offers_logout_not_login(client: Client, member) -> None:
    sign_in(client, member)
    html = client.get("/").content.decode()
    assert 'action="/accounts/logout/"' in html
    assert 'href="/accounts/login/"' not in html


def test_every_response_carries_the_security_headers(client: Client) -> None:
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "base-uri 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_unknown_url_gets_the_styled_404(client: Client) -> None:
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "We could not find that page" in html
    assert "/static/network/site.css" in html


@pytest.mark.urls("tests.network.urls_for_errors")
def test_a_crash_gets_the_styled_500_without_details() -> None:
    client = Client(raise_request_exception=False)
    response = client.get("/broken/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on our side" in html
    assert "a bug" not in html and "RuntimeError" not in html


@pytest.mark.urls("tests.network.urls_for_errors")
def test_a_refusal_gets_the_styled_403(client: Client) -> None:
    response = client.get("/forbidden/")
    assert response.status_code == 403
    assert "You are not allowed to do that" in response.content.decode()


def test_too_many_login_attempts_get_the_styled_429(client: Client, member, settings) -> None:
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "3/m/ip"}
    attempts = [
        client.post("/accounts/login/", {"login": member.email, "password": "wrong"})
        for _ in range(4)
    ]
    assert [response.status_code for response in attempts] == [200, 200, 200, 429]
    assert "Please slow down" in attempts[-1].content.decode()


def test_repeated_failed_logins_for_one_account_are_refused(client: Client, member) -> None:
    for _ in range(5):
        client.post("/accounts/login/", {"login": member.email, "password": "wrong"})
    response = client.post("/accounts/login/", {"login": member.email, "password": "wrong"})
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_visitors_get_dutch_from_their_browser(client: Client) -> None:
    response = client.get("/", headers={"accept-language": "nl"})
    assert response.headers["Content-Language"] == "nl"
    html = response.content.decode()
    assert '<html lang="nl"' in html
    assert "Inloggen" in html


def test_language_switcher_changes_the_language_without_javascript(client: Client) -> None:
    response = client.post("/i18n/setlang/", {"language": "nl", "next": "/"})
    assert response.status_code == 302
    html = client.get("/").content.decode()
    assert '<html lang="nl"' in html
    assert "Inloggen" in html


def test_health_endpoint_reports_the_database(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_static_files_and_favicon_are_served(client: Client) -> None:
    assert client.get("/favicon.ico").headers["Location"] == "/static/network/favicon.svg"
    css = client.get("/static/network/site.css")
    assert css.status_code == 200
    assert b"prefers-color-scheme" in b"".join(css.streaming_content)


def test_allauth_pages_use_the_site_layout(client: Client) -> None:
    html = client.get("/accounts/login/").content.decode()
    assert 'href="#main"' in html
    assert "/static/network/site.css" in html
    assert 'name="login"' in html and 'name="password"' in html
    assert_no_inline_code(html)
