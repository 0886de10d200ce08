"""In Arabic, names, handles, dates and times keep their place in the meta lines.

A right-to-left line ("بقلم Jonas · 1 ديسمبر، 2026") is reordered by the Unicode
bidi algorithm: a Latin name next to digits, or a handle's "@", joins the run
beside it and swaps places with it, unless each sits in its own isolate. Names
are in ``<bdi>`` (tests/members/test_naming.py walks the templates for them);
here: every date is a ``<time>`` element, which the stylesheet isolates, and a
handle is a left-to-right isolate, in the templates and on the pages as an
Arabic-speaking member sees them.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from forum import services as forum_services
from lessons.models import LessonState
from members.models import User
from notifications.models import Notification
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

REPO_ROOT = Path(__file__).resolve().parents[2]
ARABIC_MONTHS = "يناير|فبراير|مارس|أبريل|أبريل|مايو|يونيو|يوليو|أغسطس|سبتمبر|أكتوبر|نوفمبر|ديسمبر"


@pytest.fixture(autouse=True)
def _back_to_the_default_language():
    yield
    translation.deactivate()


def _templates() -> list[tuple[Path, str]]:
    return [(p, p.read_text()) for p in sorted((REPO_ROOT / "templates").rglob("*.html"))]


def test_templates_show_every_date_in_a_time_element() -> None:
    """``|date:`` only inside ``<time>`` (its text or its ``datetime``); a date in a
    sentence goes through ``|timestamp``, which makes the ``<time>``."""
    offenders = []
    for path, text in _templates():
        for match in re.finditer(r"\|date:", text):
            before = text[: match.start()]
            if before.rfind("<time") <= before.rfind("</time>"):
                line = text.count("\n", 0, match.start()) + 1
                offenders.append(f"{path.relative_to(REPO_ROOT)}:{line}")
    assert not offenders, offenders


def test_templates_write_handles_as_left_to_right_isolates() -> None:
    offenders = [str(path.relative_to(REPO_ROOT)) for path, text in _templates() if "@{{" in text]
    assert not offenders, "use {{ handle|at_handle }}: " + ", ".join(offenders)


def test_the_stylesheet_isolates_times_and_counts() -> None:
    css = (REPO_ROOT / "network" / "static" / "network" / "site.css").read_text()
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    rules = re.findall(r"([^{}]+)\{([^}]*unicode-bidi:\s*isolate[^}]*)\}", css)
    selectors = {s.strip() for selector, _body in rules for s in selector.split(",")}
    assert {"time", ".count"} <= selectors


def _outside_isolates(html: str) -> str:
    """The page's body without what sits in an isolate: <bdi>, <time>, [dir] elements
    (the text, not the markup, is what the bidi algorithm reorders)."""
    body = html.split("<body", 1)[1]
    body = re.sub(r"<script.*?</script>", "", body, flags=re.S)
    # A select's options are one name each, not a line (a language's name may
    # contain a month's: "مايو").
    body = re.sub(r"<select.*?</select>", "", body, flags=re.S)
    for _ in range(3):  # isolates inside isolates
        body = re.sub(r"<bdi>[^<]*(?:<(?!/bdi>)[^<]*)*</bdi>", "", body)
        body = re.sub(r"<time [^>]*>[^<]*</time>", "", body)
        body = re.sub(r'<(\w+) [^>]*\bdir="[^"]+"[^>]*>[^<]*</\1>', "", body)
    return body


@pytest.fixture
def arabic_pages(client: Client, make_user, make_thread, topics) -> tuple[Client, User, list[str]]:
    from tests.lessons.conftest import make_lesson as _unused  # noqa: F401 - imports fixtures

    reader = make_user(language="ar", display_name="Layla Haddad", handle="layla")
    author = make_user(display_name="Jonas Becker", handle="jonas-b")
    reader.profile.expertise.set([topics[0]])
    thread = make_thread(author)
    forum_services.create_reply(author=author, thread=thread, body="A reply with facts.")
    forum_services.create_reply(author=reader, thread=thread, body="Thanks.")
    Notification.objects.create(recipient=reader, kind="reply", text="Jonas Becker replied")
    sign_in(client, reader)
    pages = [
        "/",
        "/forum/",
        thread.get_absolute_url(),
        "/search/?q=kettle",
        "/notifications/",
        "/members/",
        f"/members/{author.handle}/",
        f"/members/{reader.handle}/",
        "/lessons/feed/private/",
    ]
    return client, reader, pages


def test_arabic_pages_keep_dates_names_and_handles_in_their_isolates(arabic_pages) -> None:
    client, _reader, pages = arabic_pages
    for url in pages:
        html = client.get(url).content.decode()
        assert '<html lang="ar" dir="rtl">' in html, url
        outside = _outside_isolates(html)
        month = re.search(ARABIC_MONTHS, outside)
        assert not month, (url, month and outside[month.start() - 300 : month.end() + 40])
        assert "Jonas Becker" not in outside, url
        assert not re.search(r"@(layla|jonas-b)\b", outside), url
    # What was isolated is there: the dates in Arabic, the handle left to right.
    html = client.get(pages[2]).content.decode()
    assert re.search(rf"<time datetime=\"[^\"]+\">[^<]*(?:{ARABIC_MONTHS})", html)
    html = client.get("/members/jonas-b/").content.decode()
    assert '<span class="handle" dir="ltr">@jonas-b</span>' in html


def test_a_lessons_period_is_isolated_in_its_meta_line(
    client: Client, make_user, make_lesson_for_bidi
) -> None:
    reader = make_user(language="ar")
    lesson = make_lesson_for_bidi()
    sign_in(client, reader)
    for url in ["/lessons/", lesson.get_absolute_url()]:
        html = client.get(url).content.decode()
        assert "<bdi>2019\u20132021</bdi>" in html, url


@pytest.fixture
def make_lesson_for_bidi(make_user):
    from lessons import services
    from lessons.models import Setting

    def make():
        lesson = services.create_lesson(
            author=make_user(),
            data=services.LessonData(
                title="Negotiating with protest organisers",
                summary="Talking to organisers kept the march peaceful.",
                setting=Setting.DEMONSTRATION,
                what_happened="The police met the organisers.",
                period="2019\u20132021",
            ),
        )
        type(lesson).objects.filter(pk=lesson.pk).update(state=LessonState.PUBLISHED)
        return lesson

    return make


def test_the_list_separator_is_arabic_in_arabic() -> None:
    # Lists of languages and topics inside Arabic text use the Arabic comma.
    assert settings.LANGUAGE_CODE == "en"
    with translation.override("ar"):
        assert translation.pgettext("list separator", ", ") == "، "
    with translation.override("fr"):
        assert translation.pgettext("list separator", ", ") == ", "
