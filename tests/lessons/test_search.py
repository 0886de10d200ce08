"""Lesson search: published lessons found, ranked, highlighted and escaped; drafts never.

Every test here runs on both backends (SQLite FTS5 and PostgreSQL full-text
search) except the few marked for one of them.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lessons import search, services
from lessons.models import Lesson, LessonState, Setting
from lessons.search import search_lessons
from lessons.services import LessonData
from members.models import Status, Tag, User
from network import search as search_views
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

LESSON_SECTION = '<h2 id="lesson-hits-heading">Lessons learned</h2>'


def _data(**overrides: object) -> LessonData:
    fields: dict[str, object] = {
        "title": "Negotiating with protest organisers",
        "summary": "Talking to organisers the day before kept the march peaceful.",
        "setting": Setting.DEMONSTRATION,
        "what_happened": "The police met the organisers and agreed a **route**.",
        "what_worked": "A named liaison officer on both sides.",
        "what_did_not": "Nobody told the officers at the far end.",
        "recommendations": "Brief every unit on the agreement.",
    }
    fields.update(overrides)
    return LessonData(**fields)


@pytest.fixture
def reviewer(make_user: Callable[..., User]) -> User:
    return make_user(is_expert=True)


@pytest.fixture
def new_lesson(member: User, reviewer: User) -> Callable[..., Lesson]:
    """A lesson written by ``member`` and taken through the workflow up to ``state``."""

    def make(state: str = LessonState.PUBLISHED, **fields: object) -> Lesson:
        lesson = services.create_lesson(author=member, data=_data(**fields))
        steps = {
            LessonState.DRAFT: [],
            LessonState.IN_REVIEW: [(member, "submit")],
            LessonState.PUBLISHED: [(member, "submit"), (reviewer, "publish")],
            LessonState.ARCHIVED: [(member, "submit"), (reviewer, "publish"), (member, "archive")],
        }[state]
        for actor, action in steps:
            services.transition(actor=actor, lesson=lesson, action=action)
        lesson.refresh_from_db()
        assert lesson.state == state
        return lesson

    return make


def found(text: str, viewer: User | AnonymousUser, **filters: object) -> list[int]:
    return [hit.id for hit in search_lessons(text, viewer, **filters).hits]


# --- Found --------------------------------------------------------------------------


def test_published_lesson_is_found_by_a_word_in_its_body_with_a_highlighted_snippet(
    new_lesson, member
) -> None:
    lesson = new_lesson(what_worked="A named liaison officer helped with the kettling risk.")
    new_lesson(title="Body cameras", summary="Who keeps footage.", what_happened="Footage.")
    (hit,) = search_lessons("kettling", member).hits
    assert hit.id == lesson.pk
    assert hit.url == lesson.get_absolute_url()
    assert hit.state == LessonState.PUBLISHED and not hit.is_archived
    assert "<mark>kettling</mark>" in hit.snippet
    assert hit.title == "Negotiating with protest organisers"


def test_words_are_stemmed_and_the_title_is_highlighted(new_lesson, member) -> None:
    lesson = new_lesson(title="Protesters and the police")
    (hit,) = search_lessons("protester", member).hits
    assert hit.id == lesson.pk
    assert hit.title == "<mark>Protesters</mark> and the police"
    # A match in the title only: the snippet is the start of the summary.
    assert hit.snippet.startswith("Talking to organisers")


def test_a_lesson_about_the_word_ranks_first(new_lesson, member) -> None:
    about = new_lesson(title="Kettling", summary="Kettling and its limits.")
    # Newer, so it would come first if rank were ignored.
    mention = new_lesson(recommendations="Avoid kettling.")
    assert found("kettling", member) == [about.pk, mention.pk]


def test_markdown_is_searched_as_text_not_as_source(new_lesson, member) -> None:
    lesson = new_lesson(what_happened="See [the report](https://example.org/secretword).")
    assert found("secretword", member) == []
    (hit,) = search_lessons("report", member).hits
    assert hit.id == lesson.pk and "[the" not in hit.snippet and "example.org" not in hit.snippet


def test_archived_lessons_are_found_marked_and_after_the_published_ones(new_lesson, member) -> None:
    archived = new_lesson(LessonState.ARCHIVED, title="Water cannon at the square")
    published = new_lesson(what_worked="No water cannon was needed.")
    hits = search_lessons("water cannon", member).hits
    assert [hit.id for hit in hits] == [published.pk, archived.pk]
    assert hits[1].is_archived and not hits[0].is_archived


def test_tags_must_all_match(new_lesson, member, topics: list[Tag]) -> None:
    both = new_lesson(tags=topics[:2], summary="Dispersal orders one.")
    new_lesson(tags=topics[:1], summary="Dispersal orders two.")
    assert found("dispersal", member, tags=[topics[0].slug, topics[1].slug]) == [both.pk]
    assert len(found("dispersal", member, tags=[topics[0].slug])) == 2
    assert found("dispersal", member, tags=["no-such-topic"]) == []


def test_limit_and_candidate_cap(new_lesson, member) -> None:
    lessons = [new_lesson(summary=f"Curriculum number {n}.") for n in range(4)]
    results = search_lessons("curriculum", member, limit=2)
    assert len(results.hits) == 2 and results.total == 4 and not results.capped
    capped = search_lessons("curriculum", member, limit_candidates=3)
    assert capped.capped
    assert {hit.id for hit in capped.hits} == {lesson.pk for lesson in lessons[1:]}


# --- Never found ------------------------------------------------------------------


def test_drafts_and_lessons_in_review_are_never_found(
    new_lesson, member, reviewer, make_user
) -> None:
    new_lesson(LessonState.DRAFT, summary="Draft about surveillance vans.")
    new_lesson(LessonState.IN_REVIEW, summary="Review about surveillance vans.")
    moderator = make_user(is_moderator=True)
    # Not even by their author, a reviewer or a moderator, who may open them.
    for viewer in (member, reviewer, moderator):
        assert found("surveillance", viewer) == []


def test_members_only_lessons_are_not_found_by_visitors_or_pending_members(
    new_lesson, member, reviewer, make_user
) -> None:
    members_only = new_lesson(summary="Members-only lesson on bodycams.")
    public = new_lesson(summary="Public lesson on bodycams.", public_requested=True)
    services.transition(actor=reviewer, lesson=public, action="make_public")
    pending = make_user(status=Status.PENDING)
    for viewer in (AnonymousUser(), pending):
        assert found("bodycams", viewer) == [public.pk]
    assert set(found("bodycams", member)) == {members_only.pk, public.pk}


def test_editing_a_lesson_updates_the_index(new_lesson, member) -> None:
    lesson = new_lesson(what_did_not="Batons were drawn too early.")
    assert found("batons", member) == [lesson.pk]
    services.edit_lesson(
        editor=member, lesson=lesson, data=_data(what_did_not="Pepper spray was drawn too early.")
    )
    assert found("batons", member) == []
    (hit,) = search_lessons("pepper", member).hits
    assert hit.id == lesson.pk and "<mark>Pepper</mark>" in hit.snippet


def test_edits_leave_one_index_entry_per_lesson(new_lesson, member) -> None:
    lesson = new_lesson(summary="First text.")
    services.edit_lesson(editor=member, lesson=lesson, data=_data(summary="Second text."))
    services.edit_lesson(editor=member, lesson=lesson, data=_data(summary="Third text."))
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"SELECT count(*) FROM {search.FTS_TABLE}")  # noqa: S608
        else:
            cursor.execute("SELECT count(*) FROM lessons_lesson WHERE search_vector IS NOT NULL")
        assert cursor.fetchone() == (1,)
    assert found("third", member) == [lesson.pk]
    assert found("first", member) == []


# --- Escaping -----------------------------------------------------------------------


def test_member_text_is_escaped_in_titles_and_snippets(new_lesson, member) -> None:
    new_lesson(
        title="<script>alert(1)</script> protest",
        summary='Our protest: <img src=x onerror=alert(2)> & "dispersal" where a < b',
    )
    (hit,) = search_lessons("protest", member).hits
    assert hit.title == "&lt;script&gt;alert(1)&lt;/script&gt; <mark>protest</mark>"
    assert "<mark>protest</mark>" in hit.snippet
    assert "&lt;img" in hit.snippet and "<img" not in hit.snippet
    assert "&amp;" in hit.snippet and "a &lt; b" in hit.snippet


def test_a_lesson_written_only_of_xss_vectors_is_found_by_their_words(
    client: Client, new_lesson, member
) -> None:
    """Vectors of ../shared/corpus as a whole lesson. PostgreSQL's parser reads text
    as HTML (tags dropped, <script> and <style> contents skipped), so before "<" was
    swapped such a lesson had an empty index entry there and was never found."""
    lesson = new_lesson(
        title="<script>alert('xss-lesson')</script>",
        summary="<img src=x onerror=alert('xss-summary')>",
        what_happened="<script>alert('xss-lesson-body')</script>",
        what_worked="<style>@import'/xss-canary/publisher';</style>",
        what_did_not="<svg/onload=alert('xss-name')>",
        recommendations='"><script>alert(String.fromCharCode(88,83,83))</script>',
    )
    for query in ("xss lesson body", "alert", "<script>", "import", "xss-summary", "xss name"):
        assert found(query, member) == [lesson.pk], query
    (hit,) = search_lessons("xss-lesson", member).hits
    assert "&lt;script&gt;" in hit.title and "<mark>" in hit.title and "<script" not in hit.title
    sign_in(client, member)
    html = client.get("/search/", {"q": "xss lesson body"}).content.decode()
    assert f'href="{lesson.get_absolute_url()}"' in html
    assert "&lt;script&gt;alert(" in html and "<script>alert(" not in html


@pytest.mark.parametrize(
    "query", ['"', '"unclosed', "*", "AND(", "NEAR(x, 2)", "' OR 1=1 --", "a:* & !b", "x" * 250]
)
def test_hostile_queries_never_raise(new_lesson, member, query: str) -> None:
    lesson = new_lesson(summary='Kettling police AND ( NOT - " * title')
    assert set(found(query, member)) <= {lesson.pk}


# --- Backend specifics -------------------------------------------------------------


def test_postgresql_uses_the_lesson_language_and_a_gin_index(
    require_postgresql: None, new_lesson, member
) -> None:
    dutch = new_lesson(summary="De politieagenten waren er.", language="nl")
    new_lesson(summary="The politieagenten were there.", language="en")
    assert found("politieagent", member) == [dutch.pk]
    assert len(found("politieagenten", member)) == 2
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'lessons_lesson'"
            " AND indexdef LIKE %s",
            ["%USING gin (search_vector)%"],
        )
        assert cursor.fetchone() is not None


# --- The page -----------------------------------------------------------------------


def _bulk_lessons(word: str, count: int) -> list[Lesson]:
    """Many published lessons quickly: rows as the services write them, then indexed."""
    now = timezone.now()
    lessons = Lesson.objects.bulk_create(
        Lesson(
            title=f"Lesson {n} about {word}",
            summary=f"Notes on {word}, number {n}.",
            setting=Setting.TRAINING,
            what_happened=f"It was about {word}.",
            what_happened_html=f"<p>It was about {word}.</p>",
            state=LessonState.PUBLISHED,
            published_at=now,
        )
        for n in range(count)
    )
    search.index_lessons([lesson.pk for lesson in lessons])
    return lessons


def test_search_page_shows_lessons_above_threads(
    client: Client, member, new_lesson, make_thread, monkeypatch
) -> None:
    lesson = new_lesson(title="Kettling <b>lessons</b>")
    archived = new_lesson(LessonState.ARCHIVED, title="Old kettling rules")
    new_lesson(LessonState.DRAFT, title="Draft kettling plan")
    make_thread(member)  # "How do we document kettling at protests?"
    sign_in(client, member)
    response = client.get("/search/", {"q": "kettling"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Search threads, answers and lessons" in html
    assert LESSON_SECTION in html and "2 lessons learned for “kettling”" in html
    assert f'href="{lesson.get_absolute_url()}"' in html
    assert f'href="{archived.get_absolute_url()}"' in html
    assert "<mark>Kettling</mark> &lt;b&gt;lessons&lt;/b&gt;" in html
    assert html.count('class="badge badge-warning">Archived<') == 1
    assert "Draft kettling plan" not in html
    assert "1 result for “kettling”" in html
    assert html.index(LESSON_SECTION) < html.index("document <mark>kettling</mark>")
    # Not when a kind of thread is chosen; on the first page only.
    html = client.get("/search/", {"q": "kettling", "kind": "question"}).content.decode()
    assert LESSON_SECTION not in html and "1 result for" in html
    make_thread(member, title="More kettling")
    monkeypatch.setattr(search_views, "HITS_PER_PAGE", 1)
    html = client.get("/search/", {"q": "kettling", "page": 2}).content.decode()
    assert "Page 2 of 2" in html and LESSON_SECTION not in html


def test_search_page_shows_the_best_five_lessons(client: Client, member) -> None:
    _bulk_lessons("curriculum", 7)
    sign_in(client, member)
    html = client.get("/search/", {"q": "curriculum"}).content.decode()
    assert html.count('class="search-hit search-hit-lesson"') == 5
    assert "7 lessons learned for “curriculum”" in html and "the best 5 are shown" in html
    assert "No threads or answers found." in html


def test_search_page_runs_the_same_queries_for_3_and_30_lessons(
    client: Client, member, make_thread
) -> None:
    _bulk_lessons("curriculum", 3)
    _bulk_lessons("dispersal", 30)
    for word in ("curriculum", "dispersal"):
        make_thread(member, title=f"A thread on {word}")
    sign_in(client, member)
    client.get("/search/", {"q": "warm up"})  # session, caches

    def queries_for(params: dict) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/search/", params)
        assert response.status_code == 200
        html = response.content.decode()
        assert LESSON_SECTION in html and "1 result for" in html
        return len(captured)

    few = queries_for({"q": "curriculum"})
    many = queries_for({"q": "dispersal"})
    print(f"search page: {few} queries for 3 matching lessons, {many} for 30")
    assert few == many
    assert few <= 16
