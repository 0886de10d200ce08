"""Server time and queries of the main pages, measured in-process.

``measure(scale)`` runs inside a Django process on the built dataset, with
the settings of production (DEBUG off: cached template loader, hashed static
files; with REDIS_URL, sessions in the database read through the cache).
``django.test.Client`` logged in as an ordinary member (member 0) opens each
page (the 50-post thread as a member with no relation to it, who gets the
kept page, ``bench.dataset.thread_reader``; and again as member 0, who wrote
in it and gets it rendered for them) a few times to warm up, then
``scale.page_samples`` times, timed with ``perf_counter`` around
``client.get``: the whole request through every middleware, without a
network or a WSGI server in between. One more request, outside the timed
ones, counts the queries (``CaptureQueriesContext`` turns on the debug
cursor, which costs time).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.common import Scale, member_email, percentile
from bench.dataset import COMMON_WORD, FIFTY_POSTS_TITLE, RARE_WORD, landmarks, thread_reader
from forum.models import Thread
from lessons.models import Lesson, LessonState
from members.models import Tag, User

WARM_UP = 5


def page_urls() -> dict[str, str]:
    """The page of each measurement, found in the built dataset."""
    most_used = (
        Tag.objects.annotate(n=Count("tagged_items")).order_by("-n", "pk").values("slug").first()
    )
    # The lesson made from the 50-post thread: it links back to the thread,
    # so its page runs every part (authors, standards, sources, thread).
    lesson = (
        Lesson.objects.filter(state=LessonState.PUBLISHED, from_thread__isnull=False)
        .order_by("pk")
        .first()
    )
    return {
        "home": "/",
        "thread_list": "/forum/",
        "thread_page_50_posts": landmarks()["thread_50_posts"],
        "thread_page_own_posts": landmarks()["thread_50_posts"],
        "tag_page": f"/forum/tags/{most_used['slug']}/",
        "lesson_page": lesson.get_absolute_url(),
        "directory": "/members/",
        "library_list": "/library/",
        "event_list": "/events/",
        "search": f"/search/?q={COMMON_WORD}",
        "search_rare": f"/search/?q={RARE_WORD}",
    }


def logged_in_client(page: str = "") -> Client:
    """Member 0's client; for the thread page, a reader with no relation to the thread."""
    client = Client()
    if page == "thread_page_50_posts":
        member = thread_reader(Thread.objects.get(title=FIFTY_POSTS_TITLE))
    else:
        member = User.objects.get(email=member_email(0))
    client.force_login(member)
    return client


def _get(client: Client, url: str) -> None:
    # secure=True: as behind the TLS proxy of production (the redirect to
    # HTTPS and the Secure cookies stay on).
    response = client.get(url, secure=True)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")


def measure(scale: Scale, *, show_queries: bool = False) -> dict:
    member, reader = logged_in_client(), logged_in_client("thread_page_50_posts")
    results: dict = {}
    # Other work on the machine shows in every figure: say how busy it was.
    load_before = os.getloadavg()[0]
    for name, url in page_urls().items():
        client = reader if name == "thread_page_50_posts" else member
        for _ in range(WARM_UP):
            _get(client, url)
        with CaptureQueriesContext(connection) as captured:
            _get(client, url)
        # Counted now: the next request's request_started signal empties the log.
        queries = len(captured)
        if show_queries:
            print(f"--- {name} {url}: {len(captured)} queries", file=sys.stderr)
            for query in captured.captured_queries:
                print(f"  [{query['time']}s] {query['sql'][:300]}", file=sys.stderr)
        timings = _timings(lambda c=client, u=url: _get(c, u), scale.page_samples)
        results[name] = {
            "p50_ms": round(percentile(timings, 0.50), 2),
            "p95_ms": round(percentile(timings, 0.95), 2),
            "queries": queries,
        }
        print(f"  {name}: {results[name]}", file=sys.stderr, flush=True)
    for name, word in (("search", COMMON_WORD), ("search_rare", RARE_WORD)):
        timings, matches = reference_search(word, scale.page_samples)
        results[name]["reference_p95_ms"] = round(percentile(timings, 0.95), 2)
        results[name]["reference_matches"] = matches
    _ratios(results)
    results["pages_load_average"] = round(max(load_before, os.getloadavg()[0]), 2)
    return results


# Pages whose p95 is budgeted against the thread page's (issue 20: <= 2x).
AGAINST_THREAD = ("home", "thread_list", "tag_page", "lesson_page", "library_list", "event_list")


def _ratios(results: dict) -> None:
    thread = results["thread_page_50_posts"]["p95_ms"]
    rendered = results["thread_page_own_posts"]["p95_ms"]
    for name in (*AGAINST_THREAD, "search_rare"):
        results[name]["p95_vs_thread_page"] = round(results[name]["p95_ms"] / thread, 2)
        # Against the page as it is rendered (for a member who wrote in it).
        results[name]["p95_vs_rendered_thread_page"] = round(results[name]["p95_ms"] / rendered, 2)
    search = results["search"]
    search["p95_vs_reference"] = round(search["p95_ms"] / search["reference_p95_ms"], 2)


def reference_search(word: str, samples: int) -> tuple[list[float], int]:
    """The bare engine query for ``word``, timed in-process: (ms per run, matches).

    PostgreSQL: one ``ts_rank_cd`` over the posts' GIN index, every match
    ranked, ``LIMIT 20``; SQLite: one FTS5 ``bm25`` query. No access rules,
    no thread, no excerpt: what the engine alone costs for the search page's
    query text (``fulltext.to_match``, as the page parses it).
    """
    from common import fulltext
    from forum.search import POSTS

    match = fulltext.to_match(word)
    if connection.vendor == "postgresql":
        vector = POSTS.vector_column
        sql = (
            f"SELECT id, ts_rank_cd({vector}, %s::tsquery, 1) AS rank FROM {POSTS.table}"  # noqa: S608
            f" WHERE {vector} @@ %s::tsquery ORDER BY rank DESC LIMIT 20"
        )
        params = [match, match]
        count_sql = f"SELECT count(*) FROM {POSTS.table} WHERE {vector} @@ %s::tsquery"  # noqa: S608
    else:
        fts = POSTS.fts_table
        sql = f"SELECT rowid, bm25({fts}) AS rank FROM {fts} WHERE {fts} MATCH %s ORDER BY rank LIMIT 20"  # noqa: S608,E501
        params = [match]
        count_sql = f"SELECT count(*) FROM {fts} WHERE {fts} MATCH %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(count_sql, params[:1])
        matches = cursor.fetchone()[0]

    def run() -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()

    for _ in range(WARM_UP):
        run()
    return _timings(run, samples), matches


def _timings(request: Callable[[], None], samples: int) -> list[float]:
    timings = []
    for _ in range(samples):
        started = time.perf_counter()
        request()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def profile(page: str, requests: int = 50) -> str:
    """pyinstrument's text report of ``requests`` GETs of one page (after warm-up).

    pyinstrument is not a dependency of the project: ``.venv/bin/pip install
    pyinstrument`` first.
    """
    from pyinstrument import Profiler

    client = logged_in_client(page)
    url = page_urls()[page]
    for _ in range(WARM_UP):
        _get(client, url)
    profiler = Profiler(interval=0.0005)
    with profiler:
        for _ in range(requests):
            _get(client, url)
    return profiler.output_text(unicode=True, color=False, show_all=False)
