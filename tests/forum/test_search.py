"""Search: ranked, stemmed, highlighted and escaped; hidden and deleted posts never found.

Every test here runs on both backends (SQLite FTS5 and PostgreSQL full-text
search) except the few marked for one of them.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from common import fulltext
from forum import search, services
from forum.models import Post, Thread, ThreadKind
from forum.search import search_posts
from members.models import Tag, TaggedItem, User
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

HOSTILE_QUERIES = [
    '"',
    '""',
    '"unclosed phrase',
    "*",
    "kettl*",
    "AND(",
    "kettling AND(",
    "NOT",
    "-",
    "-kettling",
    "kettling OR",
    "NEAR(",
    "NEAR(kettling police, 2)",
    "title:kettling",
    "{title} : ^kettling",
    "' OR 1=1 --",
    "100% %s %(q)s",
    "back\\slash",
    "a\x00b",
    "a:* & !b | (c <-> d)",
    "Ωμέγα полиция 警察 شرطة 🙂",
    "e\u0301te\u0301 Ǆ ½ ﷽",
    "kettling " * 40,
    "x" * 250,
    "(" * 100,
]


@pytest.fixture
def topics(db: None) -> dict[str, Tag]:
    names = ["Public assembly", "Training", "Use of force"]
    return {
        slug: Tag.objects.create(name=name, slug=slug)
        for name, slug in ((name, name.lower().replace(" ", "-")) for name in names)
    }


@pytest.fixture
def mod(make_user: Callable[..., User]) -> User:
    return make_user(is_moderator=True)


@pytest.fixture
def new_thread(member: User, topics: dict[str, Tag]) -> Callable[..., Thread]:
    def make(
        title: str,
        body: str,
        *,
        tags: tuple[str, ...] = ("training",),
        kind: str = ThreadKind.QUESTION,
        language: str = "en",
        author: User | None = None,
    ) -> Thread:
        return services.create_thread(
            author=author or member,
            title=title,
            body=body,
            tags=[topics[slug] for slug in tags],
            kind=kind,
            language=language,
        )

    return make


def found(query: str, **filters: object) -> list[Post]:
    return [hit.post for hit in search_posts(query, **filters)]


def opening(thread: Thread) -> Post:
    return thread.posts.get(is_opening=True)


# --- Matching and ranking -------------------------------------------------------


def test_finds_threads_by_words_in_the_title_or_the_body(new_thread) -> None:
    by_title = new_thread("Kettling during marches", "How long may police hold a crowd?")
    by_body = new_thread("Holding a crowd for hours", "Officers used kettling at the square.")
    new_thread("Body cameras", "Who keeps the footage, and for how long?")
    assert set(found("kettling")) == {opening(by_title), opening(by_body)}
    assert found("footage") == [opening(Thread.objects.get(title="Body cameras"))]
    assert found("nothing-matches-this") == []


def test_all_words_must_match_and_quotes_keep_a_phrase(new_thread) -> None:
    both = new_thread("Crowd control", "Police used water cannon on the crowd.")
    new_thread("Cannon law", "A water supply for the station.")
    assert found("water cannon crowd") == [opening(both)]
    assert set(found('"water cannon"')) == {opening(both)}
    assert found('"cannon water"') == []


def test_a_post_about_the_word_ranks_above_one_that_mentions_it_once(new_thread) -> None:
    about = new_thread(
        "Kettling: what the standards say", "Kettling is containment of a crowd by police."
    )
    # Newer, so it would come first if rank were ignored.
    mention = new_thread(
        "Notes from the assembly training",
        "We covered arrest procedures, first aid, legal observers, dispersal orders, "
        "crowd communication, kettling, and how to write up what we saw afterwards.",
    )
    hits = list(search_posts("kettling"))
    assert [hit.post for hit in hits] == [opening(about), opening(mention)]
    assert hits[0].rank > hits[1].rank


def test_words_are_stemmed(new_thread) -> None:
    thread = new_thread("Right to protest", "Members protested peacefully.")
    assert found("protests") == [opening(thread)]
    assert found("protesting") == [opening(thread)]


def test_one_hit_per_thread_its_best_post(new_thread, make_user) -> None:
    thread = new_thread("Body cameras on duty", "When must officers switch them on?")
    answer = services.create_reply(
        author=make_user(),
        thread=thread,
        body="Switch on before any use of force; a switched-off camera is a red flag.",
    )
    other = services.create_reply(
        author=make_user(), thread=thread, body="Nothing about that here."
    )
    assert found("switched") == [answer]
    hits = list(search_posts("camera"))
    assert len(hits) == 1 and hits[0].thread == thread
    assert other not in found("camera")


# --- Snippets -----------------------------------------------------------------------


def test_snippet_marks_the_words_and_escapes_member_text(new_thread) -> None:
    new_thread(
        "Script injection <b>test</b>",
        'Our protest: <script>alert(1)</script> & "dispersal" <img src=x onerror=alert(2)> '
        "where a < b all day long",
    )
    (hit,) = search_posts("protest")
    assert "<mark>protest</mark>" in hit.snippet
    assert "&lt;script&gt;" in hit.snippet
    assert "<script" not in hit.snippet and "<img" not in hit.snippet
    assert "&amp;" in hit.snippet and "a &lt; b" in hit.snippet
    assert "&lt;b&gt;test&lt;/b&gt;" in hit.title and "<b>" not in hit.title


def test_a_thread_written_only_of_xss_vectors_is_found_by_their_words(new_thread) -> None:
    # PostgreSQL's parser skips what is between <script> and </script> unless "<"
    # is swapped before indexing (see common.fulltext.LT_STANDIN_SQL).
    thread = new_thread(
        '<script>alert("xss-title")</script>',
        "<script>alert('xss-post')</script> <style>@import'/xss-canary/post';</style>",
    )
    for query in ("xss title", "xss post", "alert", "<script>", "import"):
        assert found(query) == [opening(thread)], query
    (hit,) = search_posts("alert")
    assert "&lt;script&gt;<mark>alert</mark>" in hit.snippet and "<script" not in hit.snippet


def test_snippet_of_a_long_post_is_an_excerpt_around_the_match(new_thread) -> None:
    filler = " ".join(f"word{n}" for n in range(200))
    new_thread("A long report", f"{filler} the kettling began at noon {filler}")
    (hit,) = search_posts("kettling")
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    assert "<mark>kettling</mark> began" in hit.snippet
    assert len(hit.snippet) < 600


def test_title_of_the_opening_post_is_highlighted(new_thread, make_user) -> None:
    thread = new_thread("Kettling during marches", "Police held a crowd for hours.")
    (hit,) = search_posts("kettling")
    assert hit.title == "<mark>Kettling</mark> during marches"
    answer = services.create_reply(
        author=make_user(), thread=thread, body="Chants and marches alike."
    )
    (hit,) = search_posts("chants")
    assert hit.post == answer
    # A reply is found by its own text; the title is shown as it is, escaped.
    assert hit.title == "Kettling during marches"


def test_marker_characters_typed_by_a_member_cannot_make_markup(new_thread) -> None:
    new_thread("Control characters", "Odd \x02text\x03 around protest \x03</mark>\x02 end")
    (hit,) = search_posts("protest")
    assert hit.snippet.count("<mark>") == hit.snippet.count("</mark>") == 1
    assert "&lt;/mark" in hit.snippet


# --- Never found ------------------------------------------------------------------


def test_hidden_and_deleted_posts_are_never_found(new_thread, make_user, mod) -> None:
    thread = new_thread("Stop and search records", "Who keeps records of each stop?")
    hidden = services.create_reply(
        author=make_user(), thread=thread, body="Doxxing the officer's family."
    )
    deleted = services.create_reply(
        author=make_user(), thread=thread, body="Regretted doxxing remark."
    )
    services.set_post_hidden(actor=mod, post=hidden, hidden=True)
    services.delete_post(actor=deleted.author, post=deleted)
    assert found("doxxing") == []
    assert found("records") == [opening(thread)]
    services.set_post_hidden(actor=mod, post=Post.objects.get(pk=hidden.pk), hidden=False)
    assert found("doxxing") == [hidden]


def test_posts_of_hidden_and_deleted_threads_are_never_found(new_thread, make_user, mod) -> None:
    hidden = new_thread("Hidden thread about surveillance", "Facial recognition at rallies.")
    services.create_reply(author=make_user(), thread=hidden, body="Facial recognition again.")
    services.switch_thread(actor=mod, thread=hidden, action="hide")
    deleted = new_thread("Deleted thread about surveillance", "Facial recognition vans.")
    answer = services.create_reply(
        author=make_user(), thread=deleted, body="Facial recognition vans too."
    )
    services.delete_post(actor=deleted.author, post=opening(deleted))
    hidden_opening = new_thread("Opening post hidden", "Facial recognition by drones.")
    services.set_post_hidden(actor=mod, post=opening(hidden_opening), hidden=True)
    assert found("facial recognition") == []
    assert found("surveillance") == []
    services.switch_thread(actor=mod, thread=hidden, action="unhide")
    assert {hit.thread for hit in search_posts("facial")} == {hidden}
    assert answer not in found("vans")


# --- Filters ----------------------------------------------------------------------


def test_tag_filter_needs_every_chosen_topic(new_thread) -> None:
    both = new_thread(
        "Dispersal orders one", "Dispersal at the square.", tags=("training", "use-of-force")
    )
    training = new_thread("Dispersal orders two", "Dispersal in class.", tags=("training",))
    new_thread("Dispersal orders three", "Dispersal in court.", tags=("public-assembly",))
    assert set(found("dispersal", tags=["training"])) == {opening(both), opening(training)}
    assert found("dispersal", tags=["training", "use-of-force"]) == [opening(both)]
    assert found("dispersal", tags=["no-such-topic"]) == []
    assert len(found("dispersal")) == 3


def test_kind_filter(new_thread) -> None:
    question = new_thread("Less-lethal weapons question", "Are batons less lethal?")
    talk = new_thread(
        "Less-lethal weapons discussion", "Batons, sprays and more.", kind=ThreadKind.DISCUSSION
    )
    assert found("batons", kind=ThreadKind.QUESTION) == [opening(question)]
    assert found("batons", kind=ThreadKind.DISCUSSION) == [opening(talk)]
    assert len(found("batons")) == 2


# --- Hostile input and edits -------------------------------------------------------


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_hostile_queries_never_raise(new_thread, query: str) -> None:
    thread = new_thread("Kettling and NEAR words", 'Kettling police AND ( NOT - " * title')
    hits = list(search_posts(query))
    assert all(hit.thread == thread for hit in hits)


def test_a_query_without_words_finds_nothing(new_thread) -> None:
    new_thread("Punctuation only", "Some text here.")
    for query in ["", "   ", '"" * - ( )', "***", "_"]:
        assert not fulltext.has_searchable_words(query)
        assert found(query) == []


def test_edits_are_reindexed(new_thread, member) -> None:
    thread = new_thread("Old title about batons", "Officers carried batons.")
    post = opening(thread)
    services.edit_post(
        editor=member, post=post, body="Officers carried pepper spray.", title="New title: sprays"
    )
    assert found("batons") == []
    assert found("pepper") == [post]
    (hit,) = search_posts("sprays")
    assert hit.post == post and "<mark>sprays</mark>" in hit.title
    answer = services.create_reply(author=member, thread=thread, body="Tear gas was used.")
    services.edit_post(editor=member, post=answer, body="Water cannon was used.")
    assert found("tear gas") == []
    assert found("water cannon") == [answer]


def test_only_the_newest_candidates_are_ranked(new_thread) -> None:
    threads = [new_thread(f"Training course {n}", "Curriculum on de-escalation.") for n in range(5)]
    results = search_posts("curriculum", limit_candidates=3)
    assert results.capped
    assert {hit.thread for hit in results} == set(threads[2:])
    assert not search_posts("curriculum").capped


# --- Backend specifics -------------------------------------------------------------


def test_postgresql_uses_the_thread_language_and_a_gin_index(
    require_postgresql: None, new_thread
) -> None:
    # The same Dutch word, stemmed as Dutch in a Dutch thread only.
    dutch = new_thread("Inzet bij demonstraties", "De politieagenten waren er.", language="nl")
    new_thread("Dutch word, English thread", "The politieagenten were there.", language="en")
    assert found("politieagent") == [opening(dutch)]
    assert len(found("politieagenten")) == 2
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = 'forum_post' AND indexdef LIKE %s",
            ["%USING gin (search_vector)%"],
        )
        assert cursor.fetchone() is not None


def test_edits_leave_one_index_entry_per_post(new_thread, member) -> None:
    thread = new_thread("Index rows", "First text.")
    services.edit_post(editor=member, post=opening(thread), body="Second text.")
    services.edit_post(editor=member, post=opening(thread), body="Third text.")
    if connection.vendor == "sqlite":
        # The FTS5 table is separate from forum_post: rows must be replaced.
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {search.FTS_TABLE}")  # noqa: S608
            assert cursor.fetchone() == (1,)
    else:
        # The vector is a column of the post itself.
        assert Post.objects.filter(search_vector__isnull=False).count() == 1
    assert found("third") == [opening(thread)]
    assert found("first") == []


# --- The page -----------------------------------------------------------------------


def _bulk_threads(author: User, tag: Tag, word: str, count: int) -> list[Post]:
    """Many matching threads quickly: rows as the services write them, then indexed."""
    threads = Thread.objects.bulk_create(
        Thread(title=f"Thread {n} about {word}", author=author, last_poster=author)
        for n in range(count)
    )
    posts = Post.objects.bulk_create(
        Post(
            thread=thread,
            author=author,
            is_opening=True,
            body=f"Notes on {word}, number {n}.",
            body_html=f"<p>Notes on {word}, number {n}.</p>",
            body_text=f"Notes on {word}, number {n}.",
        )
        for n, thread in enumerate(threads)
    )
    content_type = ContentType.objects.get_for_model(Thread)
    TaggedItem.objects.bulk_create(
        TaggedItem(content_type=content_type, object_id=thread.pk, tag=tag) for thread in threads
    )
    search.index_posts([post.pk for post in posts])
    return posts


def test_search_page_is_for_members_only(client: Client) -> None:
    response = client.get("/search/?q=kettling")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/accounts/login/")


def test_search_page_shows_hits_with_snippets_topics_and_links(
    client: Client, member, new_thread
) -> None:
    thread = new_thread(
        "Kettling during marches",
        "Police held the <crowd> for hours; kettling was <em>illegal</em>.",
        tags=("public-assembly", "use-of-force"),
    )
    sign_in(client, member)
    response = client.get("/search/", {"q": "<police> kettling"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="search"' in html and "aria-label=" in html
    assert "1 result for “&lt;police&gt; kettling”" in html
    assert f'href="{opening(thread).get_absolute_url()}"' in html
    assert "<mark>Kettling</mark> during marches" in html
    assert "<mark>kettling</mark>" in html
    assert "&lt;crowd&gt;" in html and "&lt;em&gt;illegal&lt;/em&gt;" in html
    assert "Public assembly" in html and "Use of force" in html
    assert "Question" in html
    assert "<script" not in html.split("</main>")[0].split('<main id="main"')[1]


def test_search_page_filters_by_topic_and_kind(client: Client, member, new_thread) -> None:
    new_thread("Dispersal question here", "Dispersal orders.", tags=("training",))
    new_thread(
        "Dispersal discussion here",
        "Dispersal orders.",
        tags=("public-assembly",),
        kind=ThreadKind.DISCUSSION,
    )
    sign_in(client, member)
    html = client.get("/search/", {"q": "dispersal", "tag": ["training"]}).content.decode()
    assert "1 result for" in html and "<mark>Dispersal</mark> question here" in html
    html = client.get("/search/", {"q": "dispersal", "kind": "discussion"}).content.decode()
    assert "1 result for" in html and "<mark>Dispersal</mark> discussion here" in html
    html = client.get("/search/", {"q": "dispersal"}).content.decode()
    assert "2 results for" in html


def test_empty_query_shows_the_form_and_a_hint(client: Client, member) -> None:
    sign_in(client, member)
    for params in ({}, {"q": ""}, {"q": "   "}):
        response = client.get("/search/", params)
        assert response.status_code == 200
        html = response.content.decode()
        assert 'name="q"' in html and "Type a few words" in html
        assert "field-error" not in html


def test_query_without_words_says_so(client: Client, member) -> None:
    sign_in(client, member)
    html = client.get("/search/", {"q": '*** "" -'}).content.decode()
    assert "has no words to search for" in html


def test_too_long_query_is_refused_and_kept(client: Client, member) -> None:
    sign_in(client, member)
    text = "kettling " * 30
    response = client.get("/search/", {"q": text})
    assert response.status_code == 200
    html = response.content.decode()
    assert "at most 200 characters" in html
    assert text.strip() in html
    assert "result for" not in html and "results for" not in html


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_search_page_survives_hostile_queries(client: Client, member, new_thread, query) -> None:
    new_thread("Kettling and NEAR words", 'Kettling police AND ( NOT - " * title')
    sign_in(client, member)
    response = client.get("/search/", {"q": query, "page": "x"})
    assert response.status_code == 200


def test_search_pages_through_results(client: Client, member, topics) -> None:
    _bulk_threads(member, topics["training"], "curriculum", 25)
    sign_in(client, member)
    html = client.get("/search/", {"q": "curriculum"}).content.decode()
    assert "25 results for" in html
    assert html.count('class="search-hit"') == 20
    assert 'rel="next" href="?q=curriculum&amp;page=2"' in html
    html = client.get("/search/", {"q": "curriculum", "page": 2}).content.decode()
    assert html.count('class="search-hit"') == 5


def test_search_page_runs_the_same_queries_for_10_and_200_matches(
    client: Client, member, topics
) -> None:
    _bulk_threads(member, topics["training"], "curriculum", 10)
    _bulk_threads(member, topics["use-of-force"], "dispersal", 200)
    sign_in(client, member)
    client.get("/search/", {"q": "warm up"})  # session, caches

    def queries_for(params: dict) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/search/", params)
        assert response.status_code == 200
        return len(captured)

    few = queries_for({"q": "curriculum"})
    many = queries_for({"q": "dispersal"})
    print(f"search page: {few} queries for 10 matches, {many} for 200")
    assert few == many
    assert queries_for({"q": "dispersal", "tag": ["use-of-force"], "kind": "question"}) <= many + 1
    assert few <= 12
