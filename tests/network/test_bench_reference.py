"""The benchmark's references (issue 20): a bare page and a bare query, measured in the same run.

The thread page's budget is a ratio to a bare page of the same posts, and the
search page's to the bare engine query: both must measure what they claim
(the same 50 posts, one query; every match ranked), the reference page must
not exist outside the benchmark, and the table must say which ratio passes.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import Http404
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from bench.__main__ import format_table
from bench.pages import reference_search
from forum import services as forum_services
from forum.models import Post, Thread
from forum.search import index_posts
from network import bench_views


def test_the_reference_page_is_not_routed_outside_the_benchmark(client, member, make_thread):
    thread = make_thread(member)
    client.force_login(member)
    with pytest.raises(NoReverseMatch):
        reverse("bench_reference_thread", args=[thread.pk])
    assert client.get(f"/_bench/reference/thread/{thread.pk}/").status_code == 404


def test_the_reference_page_reads_the_posts_with_one_query(member, expert, make_thread):
    thread = make_thread(member)
    for n in range(4):
        forum_services.create_reply(author=expert, thread=thread, body=f"Reply number {n}.")
    request = RequestFactory().get("/")
    request.user = member
    with CaptureQueriesContext(connection) as queries:
        response = bench_views.reference_thread(request, thread.pk)
    assert len(queries) == 1, [q["sql"] for q in queries]
    html = response.content.decode()
    assert html.count("<article>") == 5
    assert thread.title in html and "Reply number 3." in html


def test_the_reference_page_shows_nothing_hidden_and_nothing_to_visitors(member, make_thread):
    thread = make_thread(member)
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with pytest.raises(Http404):
        bench_views.reference_thread(request, thread.pk)
    Thread.objects.filter(pk=thread.pk).update(is_hidden=True)
    request.user = member
    with pytest.raises(Http404):
        bench_views.reference_thread(request, thread.pk)


def test_the_bare_engine_query_counts_every_match(member, make_thread):
    for n in range(3):
        make_thread(member, title=f"Ombudsperson report {n}", body="The ombudsperson wrote back.")
    make_thread(member, title="Something else", body="Nothing to find here.")
    index_posts(list(Post.objects.values_list("pk", flat=True)))
    timings, matches = reference_search("ombudsperson", samples=3)
    assert matches == 3
    assert len(timings) == 3 and all(t > 0 for t in timings)


def _results(thread_rps_ratio: float, search_ratio: float) -> dict:
    return {
        "backends": {
            "postgresql": {
                "thread_page_50_posts": {"p95_ms": 10.0, "queries": 6},
                "home": {"p95_ms": 25.0, "p95_vs_thread_page": 2.5},
                "search": {
                    "p95_ms": 5.0,
                    "reference_p95_ms": 6.0,
                    "p95_vs_reference": search_ratio,
                },
                "thread_rps_vs_reference": thread_rps_ratio,
                "ws": {"fanout_2000_ms": 500.0, "fanout_2000_two_processes_ms": 300.0},
            }
        }
    }


def test_the_table_says_which_ratio_meets_its_budget():
    table = format_table(_results(thread_rps_ratio=1.6, search_ratio=0.83))
    rows = {line.split(" | ")[0].strip("| "): line for line in table.splitlines()}
    assert rows["thread page rps / reference rps"].endswith("| 1.6 pass |")
    assert rows["search p95 / bare engine query p95"].endswith("| 0.83 pass |")
    assert rows["home p95 / thread page p95"].endswith("| 2.5 FAIL |")
    assert rows["ws fanout one process / two processes"].endswith("| 1.67 pass |")
    table = format_table(_results(thread_rps_ratio=0.9, search_ratio=1.2))
    rows = {line.split(" | ")[0].strip("| "): line for line in table.splitlines()}
    assert rows["thread page rps / reference rps"].endswith("| 0.9 FAIL |")
    assert rows["search p95 / bare engine query p95"].endswith("| 1.2 FAIL |")
