"""Lessons carry the language they are written in, and the list filters by it."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from lessons.models import LessonState

pytestmark = pytest.mark.django_db


def test_a_french_lesson_marks_its_text_as_french(client: Client, make_lesson) -> None:
    lesson = make_lesson(
        state=LessonState.PUBLISHED,
        is_public=True,
        title="Négocier avec les organisateurs",
        language="fr",
    )
    html = client.get(lesson.get_absolute_url(), headers={"accept-language": "en"}).content
    html = html.decode()
    assert '<h1 lang="fr" dir="auto">Négocier avec les organisateurs</h1>' in html
    assert html.count('<div class="prose" lang="fr" dir="auto">') >= 1
    listing = client.get("/lessons/").content.decode()
    assert 'lang="fr" dir="auto">Négocier avec les organisateurs</a>' in listing


def test_lesson_list_filters_by_content_language(client: Client, make_lesson) -> None:
    published = {"state": LessonState.PUBLISHED, "is_public": True}
    make_lesson(title="Negotiating with organisers", language="en", **published)
    make_lesson(title="Negociar con los organizadores", language="es", **published)
    html = client.get("/lessons/?language=es").content.decode()
    assert "Negociar con los organizadores" in html
    assert "Negotiating with organisers" not in html
    # The filter is a labelled field, kept after filtering.
    assert re.search(r'<option value="es" selected>', html)
