"""Leave quickly: a link to a neutral site on every page, first after the skip link.

The browser side (three presses of Escape, Back not returning, no referrer) is
in tests/e2e/test_browser_safety.py.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client, RequestFactory

from members.models import User
from network.failures import service_unavailable
from network.views import server_error
from tests.conftest import sign_in
from tests.network.test_configuration import PRODUCTION, run

EXIT_LINK = re.compile(
    r'<a class="skip-link" href="#main">[^<]*</a>\s*<header class="site-header">\s*'
    r'<div class="wrap header-row">\s*(?:\{#.*?#\}\s*)?'
    r'<a class="quick-exit" id="quick-exit" href="(?P<href>[^"]+)" rel="noreferrer">'
    r"Leave quickly</a>",
    re.DOTALL,
)


def exit_link(html: str) -> str | None:
    found = EXIT_LINK.search(html)
    return found.group("href") if found else None


@pytest.mark.django_db
def test_leave_quickly_is_on_every_page_first_after_the_skip_link(member: User, settings) -> None:
    settings.QUICK_EXIT_URL = "https://weather.example.net/today"
    visitor, signed_in = Client(), Client()
    sign_in(signed_in, member)
    pages = {
        "landing": visitor.get("/"),
        "login": visitor.get("/accounts/login/"),
        "not found": visitor.get("/no-such-page/"),
        "forum": signed_in.get("/forum/"),
        "account": signed_in.get("/accounts/email/"),
        "server error": server_error(RequestFactory().get("/")),
        "database down": service_unavailable(),
    }
    for name, response in pages.items():
        assert exit_link(response.content.decode()) == settings.QUICK_EXIT_URL, name


def test_quick_exit_url_comes_from_the_environment() -> None:
    result = run(
        [
            "-c",
            "import django; django.setup()\n"
            "from django.conf import settings; print(settings.QUICK_EXIT_URL)",
        ],
        {
            "DJANGO_SETTINGS_MODULE": "network.settings",
            "DEBUG": "true",
            "QUICK_EXIT_URL": "https://news.example.org/",
        },
    )
    assert result.stdout.strip() == "https://news.example.org/", result.stderr


@pytest.mark.parametrize("value", ["javascript:alert(1)", "weather.example", "ftp://example.org/"])
def test_a_quick_exit_url_that_is_not_a_web_address_stops_the_start(value: str) -> None:
    result = run(["manage.py", "check"], {**PRODUCTION, "QUICK_EXIT_URL": value})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Configuration error: QUICK_EXIT_URL:"), lines
