"""Atom feeds, the Markdown export and the printable page of lessons."""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET
from collections.abc import Callable

import pytest
from django.test import Client

from lessons.models import FeedToken, Instrument, Lesson, LessonState, Provision, Setting
from lessons.services import LessonData, SourceData, create_lesson, transition
from members.models import Status, Tag, User, Visibility
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
HIDDEN_NAME = "A member of the network"


@pytest.fixture
def author(make_user: Callable[..., User]) -> User:
    return make_user(display_name="Ana Author", handle="ana-author", email="ana@example.org")


@pytest.fixture
def provision(db: None) -> Provision:
    instrument = Instrument.objects.create(
        slug="basic-principles",
        title="Basic Principles on the Use of Force and Firearms",
        short_title="Basic Principles",
        year=1990,
        source_url="https://www.ohchr.org/en/instruments-mechanisms/basic-principles",
    )
    return Provision.objects.create(
        instrument=instrument,
        number="13",
        title="Dispersing unlawful but non-violent assemblies",
        source_url="https://www.ohchr.org/en/instruments-mechanisms/basic-principles#13",
    )


@pytest.fixture
def write_lesson(author: User, expert: User, topics: list[Tag]) -> Callable[..., Lesson]:
    """A lesson written through the services and, unless ``state`` says otherwise,
    submitted by its author and published by an expert."""

    def write(
        *,
        state: str = LessonState.PUBLISHED,
        public: bool = True,
        by: User | None = None,
        **fields: object,
    ) -> Lesson:
        data: dict[str, object] = {
            "title": "Liaison officers at a march in Nairobi",
            "summary": "Named liaison officers on both sides kept a tense march peaceful.",
            "setting": Setting.DEMONSTRATION,
            "country": "KE",
            "region": "Nairobi",
            "period": "2023",
            "what_happened": "Organisers and police agreed a **route** the day before.",
            "what_worked": "A named liaison officer on both sides.",
            "recommendations": "Brief every unit on the agreement.",
            "public_requested": public,
            "tags": topics[:2],
        }
        data.update(fields)
        writer = by or author
        lesson = create_lesson(author=writer, data=LessonData(**data))
        if state in {LessonState.IN_REVIEW, LessonState.PUBLISHED}:
            transition(actor=writer, lesson=lesson, action="submit")
        if state == LessonState.PUBLISHED:
            transition(actor=expert, lesson=lesson, action="publish", make_public=public)
        lesson.refresh_from_db()
        return lesson

    return write


def feed_entries(content: bytes) -> dict[str, ET.Element]:
    root = ET.fromstring(content)  # noqa: S314 - our own feed, in a test
    assert root.tag == f"{ATOM}feed"
    return {entry.findtext(f"{ATOM}title"): entry for entry in root.findall(f"{ATOM}entry")}


def private_feed_url(client: Client, member: User) -> str:
    sign_in(client, member)
    response = client.get("/lessons/feed/private/")
    assert response.status_code == 200
    token = FeedToken.objects.get(member=member).token
    assert f"/lessons/feed/{token}/" in response.content.decode()
    client.logout()
    return f"/lessons/feed/{token}/"


# --- Public feed ----------------------------------------------------------------------


def test_public_feed_is_open_to_visitors_and_lists_only_public_lessons(
    client: Client, write_lesson: Callable[..., Lesson], topics: list[Tag]
) -> None:
    public = write_lesson(title="A public lesson")
    write_lesson(title="A members-only lesson", public=False)
    write_lesson(title="A draft lesson", state=LessonState.DRAFT)
    write_lesson(title="A lesson in review", state=LessonState.IN_REVIEW)

    response = client.get("/lessons/feed/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    entries = feed_entries(response.content)
    assert list(entries) == ["A public lesson"]
    entry = entries["A public lesson"]
    link = entry.find(f"{ATOM}link").get("href")
    assert link == f"http://testserver{public.get_absolute_url()}"
    assert entry.findtext(f"{ATOM}summary") == public.summary
    assert entry.findtext(f"{ATOM}published").startswith(public.published_at.date().isoformat())
    assert entry.findtext(f"{ATOM}updated")
    assert {c.get("term") for c in entry.findall(f"{ATOM}category")} == {t.name for t in topics[:2]}


def test_public_feed_hides_an_author_name_that_is_not_public(
    client: Client, write_lesson: Callable[..., Lesson], author: User
) -> None:
    write_lesson(title="A public lesson")

    content = client.get("/lessons/feed/").content
    entry = feed_entries(content)["A public lesson"]
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == HIDDEN_NAME
    assert b"Ana Author" not in content
    assert b"@example.org" not in content

    author.profile.name_visibility = Visibility.PUBLIC
    author.profile.save()
    entry = feed_entries(client.get("/lessons/feed/").content)["A public lesson"]
    assert entry.findtext(f"{ATOM}author/{ATOM}name") == "Ana Author"
    assert entry.find(f"{ATOM}author/{ATOM}email") is None


def test_public_feed_query_count_does_not_grow_with_lessons(
    client: Client,
    write_lesson: Callable[..., Lesson],
    django_assert_max_num_queries: Callable[..., object],
) -> None:
    for n in range(8):
        write_lesson(title=f"Public lesson {n}")
    with django_assert_max_num_queries(6):
        response = client.get("/lessons/feed/")
    assert len(feed_entries(response.content)) == 8


def test_each_feed_entry_carries_its_lessons_language(
    client: Client, write_lesson: Callable[..., Lesson]
) -> None:
    write_lesson(title="A public lesson")
    write_lesson(title="Une leçon publique", language="fr")
    entries = feed_entries(client.get("/lessons/feed/").content)
    xml_lang = "{http://www.w3.org/XML/1998/namespace}lang"
    assert entries["A public lesson"].get(xml_lang) == "en"
    assert entries["Une leçon publique"].get(xml_lang) == "fr"


def test_a_co_authored_entry_names_each_author_as_the_lesson_page_does(
    client: Client, write_lesson: Callable[..., Lesson], author: User, make_user, member: User
) -> None:
    from lessons.services import answer_invitation

    co_author = make_user(display_name="Cy Co-author", handle="cy")
    lesson = write_lesson(title="A public lesson", co_authors=[co_author])
    answer_invitation(member=co_author, lesson=lesson, accept=True)

    # A visitor: neither name is public.
    entry = feed_entries(client.get("/lessons/feed/").content)["A public lesson"]
    names = [a.findtext(f"{ATOM}name") for a in entry.findall(f"{ATOM}author")]
    assert names == [HIDDEN_NAME, HIDDEN_NAME]

    # The private feed: a member sees both names, one <author> each, in the page's order.
    url = private_feed_url(client, member)
    entry = feed_entries(client.get(url).content)["A public lesson"]
    names = [a.findtext(f"{ATOM}name") for a in entry.findall(f"{ATOM}author")]
    assert names == ["Ana Author", "Cy Co-author"]
    sign_in(client, member)
    page = client.get(lesson.get_absolute_url()).content.decode()
    assert page.index("Ana Author") < page.index("Cy Co-author")


def test_pages_with_a_feed_announce_it_for_autodiscovery(client: Client, member: User) -> None:
    public = '<link rel="alternate" type="application/atom+xml" href="{}" title="{}">'
    html = client.get("/lessons/").content.decode()
    assert public.format("/lessons/feed/", "Atom feed of public lessons") in html
    sign_in(client, member)
    assert public.format("/lessons/feed/", "Atom feed of public lessons") in (
        client.get("/lessons/").content.decode()
    )
    html = client.get("/lessons/feed/private/").content.decode()
    token = FeedToken.objects.get(member=member).token
    assert (
        f'<link rel="alternate" type="application/atom+xml" '
        f'href="http://testserver/lessons/feed/{token}/" title="Your private lessons feed">'
    ) in html


# --- Private feed ---------------------------------------------------------------------


def test_private_feed_lists_members_only_lessons_with_real_names(
    client: Client, write_lesson: Callable[..., Lesson], member: User
) -> None:
    write_lesson(title="A public lesson")
    write_lesson(title="A members-only lesson", public=False)
    write_lesson(title="A draft lesson", state=LessonState.DRAFT)
    url = private_feed_url(client, member)

    response = client.get(url)  # a feed reader: no session

    assert response.status_code == 200
    entries = feed_entries(response.content)
    assert set(entries) == {"A public lesson", "A members-only lesson"}
    names = {e.findtext(f"{ATOM}author/{ATOM}name") for e in entries.values()}
    assert names == {"Ana Author"}
    assert "noindex" in response["X-Robots-Tag"]
    assert "private" in response["Cache-Control"]


def test_private_feed_with_an_unknown_token_is_404(client: Client, member: User) -> None:
    private_feed_url(client, member)
    assert client.get("/lessons/feed/not-a-real-token-at-all/").status_code == 404


@pytest.mark.parametrize(
    "change",
    [
        {"is_banned": True, "is_active": False},
        {"is_active": False},
        {"status": Status.REJECTED},
    ],
    ids=["banned", "deactivated", "no-longer-approved"],
)
def test_private_feed_of_someone_no_longer_a_member_is_404(
    client: Client, write_lesson: Callable[..., Lesson], member: User, change: dict
) -> None:
    write_lesson(title="A members-only lesson", public=False)
    url = private_feed_url(client, member)
    assert client.get(url).status_code == 200

    User.objects.filter(pk=member.pk).update(**change)

    assert client.get(url).status_code == 404


def test_reset_makes_the_old_feed_address_stop_working(client: Client, member: User) -> None:
    old_url = private_feed_url(client, member)
    sign_in(client, member)

    response = client.post("/lessons/feed/private/", {"reset": "1"})

    assert response.status_code == 302
    assert response["Location"] == "/lessons/feed/private/"
    new_token = FeedToken.objects.get(member=member).token
    assert f"/lessons/feed/{new_token}/" != old_url
    assert len(new_token) >= 43  # secrets.token_urlsafe(32)
    client.logout()
    assert client.get(old_url).status_code == 404
    assert client.get(f"/lessons/feed/{new_token}/").status_code == 200


def test_feed_settings_page_keeps_the_same_address_and_warns_to_keep_it_secret(
    client: Client, member: User
) -> None:
    sign_in(client, member)
    first = client.get("/lessons/feed/private/")
    second = client.get("/lessons/feed/private/")

    assert FeedToken.objects.filter(member=member).count() == 1
    page = second.content.decode()
    assert FeedToken.objects.get(member=member).token in first.content.decode()
    assert "Anyone who has it can read the members-only lessons" in page
    assert '<label for="private-feed-url">' in page
    assert 'name="reset" value="1"' in page
    assert "no-store" in second["Cache-Control"]


def test_feed_settings_are_for_members_only(client: Client, make_user: Callable[..., User]) -> None:
    response = client.get("/lessons/feed/private/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]

    sign_in(client, make_user(status=Status.PENDING))
    assert client.get("/lessons/feed/private/").status_code == 403
    assert not FeedToken.objects.exists()


# --- Markdown export ------------------------------------------------------------------


def test_markdown_export_has_the_whole_lesson_and_download_headers(
    client: Client, write_lesson: Callable[..., Lesson], provision: Provision, topics
) -> None:
    lesson = write_lesson(
        provisions=[provision],
        sources=[
            SourceData(
                title="Guidelines on Freedom of Peaceful Assembly",
                publisher="OSCE/ODIHR",
                date=datetime.date(2019, 7, 15),
                url="https://www.osce.org/odihr/73405",
            )
        ],
    )

    response = client.get(f"/lessons/{lesson.pk}/export.md")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="liaison-officers-at-a-march-in-nairobi.md"'
    )
    text = response.content.decode()
    assert text.startswith("# Liaison officers at a march in Nairobi\n")
    for expected in [
        lesson.summary,
        "Demonstration or public assembly",
        "Kenya",
        "Nairobi",
        "2023",
        "## What happened",
        "agreed a **route** the day before",
        "## What worked",
        "## Recommendations",
        "Basic Principles 13: Dispersing unlawful but non-violent assemblies",
        "<https://www.ohchr.org/en/instruments-mechanisms/basic-principles#13>",
        "Guidelines on Freedom of Peaceful Assembly, OSCE/ODIHR, 2019-07-15",
        "<https://www.osce.org/odihr/73405>",
        f"- {topics[0].name}",
        f"<http://testserver{lesson.get_absolute_url()}>",
        "Published (public)",
        f"- {HIDDEN_NAME}",  # a visitor does not learn a private name
    ]:
        assert expected in text
    assert "## What did not work" not in text  # empty fields have no heading
    assert "Ana Author" not in text


FORGED_AUTHORS = "\n\n## Authors\n\n- Mallory Moderator\n"


def _export_structure(markdown: str) -> tuple[list[str], dict[str, list[str]], list[str]]:
    """Parse an export back as a Markdown reader would (raw HTML on, as on GitHub):
    the headings, the list items under each heading (as text), and every link target."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark", {"html": True}).enable("table").parse(markdown)
    headings: list[str] = []
    items: dict[str, list[str]] = {}
    links: list[str] = []

    def text(inline) -> str:
        return "".join(
            c.content for c in inline.children or [] if c.type in {"text", "code_inline"}
        )

    for index, token in enumerate(tokens):
        if token.type == "heading_open":
            headings.append(text(tokens[index + 1]))
        elif token.type == "inline":
            in_item = index > 1 and tokens[index - 2].type == "list_item_open"
            if in_item and headings:
                items.setdefault(headings[-1], []).append(text(token))
            links += [c.attrGet("href") for c in token.children or [] if c.type == "link_open"]
    return headings, items, links


def test_member_text_cannot_forge_the_structure_of_the_markdown_export(
    client: Client, write_lesson: Callable[..., Lesson], author: User, topics
) -> None:
    lesson = write_lesson(
        title="A title\n## Authors",
        summary="A summary." + FORGED_AUTHORS + "\n<!--",
        region="Nairobi\n# Heading",
        what_happened="What happened." + FORGED_AUTHORS + "\nAuthors\n=======\n\n<pre>",
        what_worked="Worked.\n\n```\nan unclosed fence that would swallow the rest",
        recommendations="> ## Authors\n> - Mallory Moderator\n\n<!-- hides the rest",
        sources=[
            SourceData(
                title="# Report\n## Authors",
                publisher="- Mallory Moderator",
                date=None,
                url="https://example.org/report>\n\n## Authors\n\n- Mallory <x>",
            )
        ],
    )
    author.display_name = "## Authors"
    author.save(update_fields=["display_name"])
    client.force_login(author)

    markdown = client.get(f"/lessons/{lesson.pk}/export.md").content.decode()
    headings, items, links = _export_structure(markdown)

    assert headings == [
        "A title ## Authors",
        "What happened",
        "What worked",
        "Recommendations",
        "Sources",
        "Topics",
        "Authors",
    ]
    assert items["Authors"] == ["## Authors"]  # the one author, under the name they chose
    assert len(items["Sources"]) == 1
    assert "Mallory" not in " ".join(items["Authors"] + items["Topics"])
    assert all("\n" not in link and ">" not in link and " " not in link for link in links)
    assert any(link.startswith("https://example.org/report%3E") for link in links)


def test_markdown_export_shows_real_names_to_members(
    client: Client, write_lesson: Callable[..., Lesson], member: User
) -> None:
    lesson = write_lesson(public=False)
    sign_in(client, member)
    text = client.get(f"/lessons/{lesson.pk}/export.md").content.decode()
    assert "- Ana Author" in text
    assert "Published (members only)" in text


def test_members_only_lesson_export_and_print_are_404_for_visitors(
    client: Client, write_lesson: Callable[..., Lesson]
) -> None:
    lesson = write_lesson(public=False)
    assert client.get(f"/lessons/{lesson.pk}/export.md").status_code == 404
    assert client.get(f"/lessons/{lesson.pk}/print/").status_code == 404


def test_draft_export_is_404_for_anyone_but_its_authors(
    client: Client, write_lesson: Callable[..., Lesson], author: User, member: User
) -> None:
    draft = write_lesson(state=LessonState.DRAFT)
    sign_in(client, member)
    assert client.get(f"/lessons/{draft.pk}/export.md").status_code == 404
    assert client.get(f"/lessons/{draft.pk}/print/").status_code == 404

    sign_in(client, author)
    response = client.get(f"/lessons/{draft.pk}/export.md")
    assert response.status_code == 200
    assert "Draft" in response.content.decode()
    assert "private" in response["Cache-Control"]


def test_unknown_lesson_export_is_404(client: Client, db: None) -> None:
    assert client.get("/lessons/999999/export.md").status_code == 404


# --- Printable page -------------------------------------------------------------------


def test_print_page_has_the_lesson_and_nothing_to_navigate(
    client: Client, write_lesson: Callable[..., Lesson], provision: Provision, member: User
) -> None:
    lesson = write_lesson(
        provisions=[provision],
        sources=[SourceData(title="Guidelines", url="https://www.osce.org/odihr/73405")],
    )
    sign_in(client, member)

    response = client.get(f"/lessons/{lesson.pk}/print/")

    assert response.status_code == 200
    page = response.content.decode()
    assert 'href="/static/lessons/print.css"' in page
    assert "<nav" not in page and "<form" not in page
    assert "<strong>route</strong>" in page  # the sanitised HTML
    assert "Basic Principles 13" in page
    assert "https://www.osce.org/odihr/73405" in page
    assert f"http://testserver{lesson.get_absolute_url()}" in page
    assert "Ana Author" in page
    assert "style=" not in page and "<style" not in page


def test_print_page_of_a_public_lesson_is_open_to_visitors(
    client: Client, write_lesson: Callable[..., Lesson]
) -> None:
    lesson = write_lesson()
    response = client.get(f"/lessons/{lesson.pk}/print/")
    assert response.status_code == 200
    assert HIDDEN_NAME in response.content.decode()
    assert "Ana Author" not in response.content.decode()


# --- Escaping -------------------------------------------------------------------------


def test_markup_in_a_title_is_escaped_everywhere(
    client: Client, write_lesson: Callable[..., Lesson]
) -> None:
    evil = "<script>alert(1)</script> & <b>bold</b>"
    lesson = write_lesson(title=evil, summary=f"Summary {evil}")

    feed = client.get("/lessons/feed/")
    assert b"<script>" not in feed.content
    entry = feed_entries(feed.content)[evil]  # the title reaches readers as plain text
    # The summary is HTML for feed readers: the markup arrives escaped, as text.
    assert entry.findtext(f"{ATOM}summary") == (
        "Summary &lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"
    )

    page = client.get(f"/lessons/{lesson.pk}/print/").content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page

    export = client.get(f"/lessons/{lesson.pk}/export.md")
    assert export["Content-Type"] == "text/markdown; charset=utf-8"
    assert export["Content-Disposition"].startswith("attachment;")
    assert export["X-Content-Type-Options"] == "nosniff"
    assert export["Content-Disposition"].endswith('filename="scriptalert1script-bboldb.md"')
