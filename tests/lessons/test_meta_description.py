"""Public pages describe themselves to search engines and link previews (issue 17)."""

from __future__ import annotations

import html as html_module
import re

import pytest
from django.test import Client

from lessons.demo import ensure_standards
from lessons.models import Instrument, LessonState
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def descriptions(html: str) -> list[str]:
    return [
        html_module.unescape(content)
        for content in re.findall(r'<meta name="description" content="([^"]*)">', html)
    ]


def test_every_public_page_has_one_description(client: Client, make_lesson) -> None:
    ensure_standards()
    instrument = Instrument.objects.first()
    provision = instrument.provisions.first()
    lesson = make_lesson(state=LessonState.PUBLISHED, is_public=True)
    pages = {
        "/": "human rights",
        "/lessons/": "What worked and what did not",
        "/lessons/standards/": "The international standards",
        lesson.get_absolute_url(): lesson.summary,
        instrument.get_absolute_url(): instrument.title,
        provision.get_absolute_url(): provision.title,
    }
    for url, expected in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        (description,) = descriptions(response.content.decode())
        assert expected in description, (url, description)


def test_the_default_description_is_in_the_visitors_language(client: Client) -> None:
    english = descriptions(client.get("/").content.decode())
    french = descriptions(client.get("/", HTTP_ACCEPT_LANGUAGE="fr").content.decode())
    assert french and french != english
    assert "droits humains" in french[0] or "droits de l" in french[0]


def test_pages_kept_from_search_engines_carry_no_description(client: Client, member) -> None:
    assert descriptions(client.get("/accounts/login/").content.decode()) == []
    sign_in(client, member)
    assert descriptions(client.get("/lessons/").content.decode()) == []
