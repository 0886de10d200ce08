"""The standards' titles and the topics on lesson pages read in the member's language
(tests/network/test_vocabulary_translations.py has the catalogue and the forum)."""

from __future__ import annotations

from html import unescape

import pytest
from django.test import Client
from django.utils import translation

from lessons.demo import ensure_standards
from lessons.models import LessonState, Provision
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _back_to_the_default_language():
    """A request activates the member's language for the rest of the thread; the
    tests after these (services called directly) expect the default."""
    yield
    translation.deactivate()


def test_standards_pages_show_the_official_titles_in_arabic(
    client: Client, make_user, make_lesson, topics
) -> None:
    ensure_standards()
    member = make_user(language="ar")
    provision = Provision.objects.get(instrument__slug="un-code-of-conduct", number="Art. 3")
    lesson = make_lesson(
        state=LessonState.PUBLISHED, provisions=[provision], tags=[topics[0]], language="en"
    )
    sign_in(client, member)
    title = "مدونة قواعد سلوك الموظفين المكلفين بإنفاذ القوانين"
    html = unescape(client.get("/lessons/standards/").content.decode())
    assert title in html
    assert "قرار الجمعية العامة للأمم المتحدة 34/169" in html
    assert "عدم استخدام القوة إلا في حالة الضرورة القصوى" in html
    assert "UN Code of Conduct for Law Enforcement Officials" not in html
    html = unescape(client.get(provision.get_absolute_url()).content.decode())
    assert "المادة 3" in html and "Art. 3" not in html
    html = unescape(client.get(lesson.get_absolute_url()).content.decode())
    assert "مدونة قواعد السلوك للأمم المتحدة، المادة 3" in html or (
        "مدونة قواعد السلوك للأمم المتحدة, المادة 3" in html
    )
    assert "<bdi>استخدام القوة</bdi>" in html
    html = unescape(client.get("/lessons/").content.decode())
    assert "<bdi>استخدام القوة</bdi>" in html


def test_the_lesson_forms_standards_are_grouped_under_translated_titles(
    client: Client, make_user, topics
) -> None:
    ensure_standards()
    expert = make_user(is_expert=True, language="fr")
    sign_in(client, expert)
    html = unescape(client.get("/lessons/new/").content.decode())
    assert (
        '<span class="choice-group-title">Principes de base sur le recours à la force et '
        "l'utilisation des armes à feu par les responsables de l'application des lois</span>"
    ) in html
    assert "<strong>Principe 9</strong>: Armes à feu uniquement face à une menace" in html
    # The topics to tick are French too, and sorted as they read.
    assert "Recours à la force" in html


def test_the_feed_shows_translated_topics(client: Client, make_lesson, topics) -> None:
    make_lesson(state=LessonState.PUBLISHED, is_public=True, tags=[topics[0]])
    feed = Client().get("/lessons/feed/", headers={"accept-language": "fr"}).content.decode()
    assert 'term="Recours à la force"' in feed
