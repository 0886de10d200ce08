"""Server time and queries of the main pages, measured in-process.

``measure(scale)`` runs inside a Django process on the built dataset, with
the settings of production (DEBUG off: cached template loader, hashed static
files; with REDIS_URL, sessions in the database read through the cache).
``django.test.Client`` logged in as an ordinary member (member 0) opens each
page a few times to warm up, then ``scale.page_samples`` times, timed with
``perf_counter`` around ``client.get``: the whole request through every
middleware, without a network or a WSGI server in between. One more request,
outside the timed ones, counts the queries (``CaptureQueriesContext`` turns
on the debug cursor, which costs time).
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
from bench.dataset import COMMON_WORD, landmarks
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
        "thread_list": "/forum/",
        "thread_page_50_posts": landmarks()["thread_50_posts"],
        "tag_page": f"/forum/tags/{most_used['slug']}/",
        "lesson_page": lesson.get_absolute_url(),
        "directory": "/members/",
        "search": f"/search/?q={COMMON_WORD}",
    }


def logged_in_client() -> Client:
    client = Client()
    client.force_login(User.objects.get(email=member_email(0)))
    return client


def _get(client: Client, url: str) -> None:
    # secure=True: as behind the TLS proxy of production (the redirect to
    # HTTPS and the Secure cookies stay on).
    response = client.get(url, secure=True)
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} answered {response.status_code}")


def measure(scale: Scale, *, show_queries: bool = False) -> dict:
    client = logged_in_client()
    results: dict = {}
    # Other work on the machine shows in every figure: say how busy it was.
    load_before = os.getloadavg()[0]
    for name, url in page_urls().items():
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
        timings = _timings(lambda url=url: _get(client, url), scale.page_samples)
        results[name] = {
            "p50_ms": round(percentile(timings, 0.50), 2),
            "p95_ms": round(percentile(timings, 0.95), 2),
            "queries": queries,
        }
        print(f"  {name}: {results[name]}", file=sys.stderr, flush=True)
    results["pages_load_average"] = round(max(load_before, os.getloadavg()[0]), 2)
    return results


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

    client = logged_in_client()
    url = page_urls()[page]
    for _ in range(WARM_UP):
        _get(client, url)
    profiler = Profiler(interval=0.0005)
    with profiler:
        for _ in range(requests):
            _get(client, url)
    return profiler.output_text(unicode=True, color=False, show_all=False)
