"""The benchmark's reference page: what a bare Django page costs on this machine.

``make bench`` measures the product's thread page against this view in the
same run, on the same server processes (issue 20): the 50 posts of a thread
read with one query and rendered with a minimal template, through every
middleware the real page goes through. Its URL exists only when
``BENCH_REFERENCE_VIEWS`` is on (bench.common.server_environment turns it on
for the benchmark's servers); production never routes to it. Even there it
shows nothing to visitors and no hidden or deleted thread or post.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.views.decorators.http import require_safe

from forum import selectors
from forum.models import Post


@require_safe
def reference_thread(request: HttpRequest, pk: int) -> HttpResponse:
    # One query: the posts with their authors and thread, of a thread anyone
    # signed in may read (the reference asks nothing else of the database).
    posts = list(
        Post.objects.filter(
            thread_id=pk,
            thread__is_hidden=False,
            thread__is_deleted=False,
            is_deleted=False,
            is_hidden=False,
        )
        .select_related("author", "thread")
        .order_by("created_at", "id")[: selectors.POSTS_PER_PAGE]
    )
    if not posts or not request.user.is_authenticated:
        raise Http404
    # No request in the context: a bare page runs no context processors.
    return HttpResponse(
        render_to_string("bench/reference_thread.html", {"thread": posts[0].thread, "posts": posts})
    )
