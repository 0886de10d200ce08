"""The forum's reused rows: a thread in a list, a post on a thread page.

Each kind of row has one key function here, next to the context it is
rendered from (common.fragments explains the store). A template that starts
to read a new value gets it added in the key function and the context
together, in this file; the views only ask for the rows to be rendered.
tests/forum/test_fragments.py changes each input of each key and checks the
key changes.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from common.fragments import member_inputs, render_rows
from forum.forms import ReplyForm
from forum.models import Post, Thread
from forum.search import SearchHit
from forum.selectors import Viewer
from members.models import User
from members.selectors import attach_tags

THREAD_ROW_TEMPLATE = "forum/includes/thread_row.html"
SEARCH_HIT_TEMPLATE = "forum/includes/search_hit.html"
POST_TEMPLATE = "forum/includes/post.html"
REPLY_BOX_TEMPLATE = "forum/includes/reply_box.html"
# The client token of a reused empty reply box, replaced by a fresh one per page.
CLIENT_TOKEN_PLACEHOLDER = uuid.UUID("00000000-0000-4000-8000-0000c11e7700")


# --- A thread in a list -------------------------------------------------------------


def thread_row_key(thread: Thread, *, viewer: User) -> tuple:
    """Every value forum/includes/thread_row.html reads."""
    return (
        thread.pk,
        thread.title,  # and the slug in its link
        thread.language,
        thread.kind,
        thread.is_pinned,
        thread.is_locked,
        thread.is_hidden,
        bool(thread.accepted_post_id),
        thread.reply_count,
        thread.helpful_count,
        thread.last_activity_at,
        member_inputs(thread.author),
        member_inputs(thread.last_poster),  # the avatar beside the last activity
        tuple((tag.slug, tag.name) for tag in thread.tags.all()),
        viewer.is_authenticated,
    )


def thread_row_context(thread: Thread, *, viewer: User) -> dict[str, Any]:
    return {"thread": thread, "user": viewer}


def render_thread_rows(request: HttpRequest, threads: Iterable[Thread]) -> None:
    """Set ``thread.rendered`` on each thread of a page (its tags fetched in one query)."""
    threads = list(threads)
    attach_tags(threads)
    viewer = request.user
    rows = [
        (thread_row_key(thread, viewer=viewer), thread_row_context(thread, viewer=viewer))
        for thread in threads
    ]
    for thread, html in zip(threads, render_rows(request, THREAD_ROW_TEMPLATE, rows), strict=True):
        thread.rendered = html


# --- A post on a thread page --------------------------------------------------------


@dataclass(frozen=True)
class ThreadPage:
    """What every post of one thread page is rendered with, besides the post itself."""

    thread: Thread
    viewer: User
    state: Viewer
    can_reply: bool
    can_accept: bool

    @property
    def moderates(self) -> bool:
        return self.viewer.can_moderate


def post_key(post: Post, *, accepted: bool, page: ThreadPage) -> tuple:
    """Every value forum/includes/post.html reads: the post, its author, the
    thread, and the viewer's relation to the post."""
    viewer, thread, moderates = page.viewer, page.thread, page.moderates
    return (
        post.pk,
        post.is_opening,
        post.is_deleted,
        post.is_hidden,
        post.body_html,
        post.created_at,
        post.edit_count,
        post.helpful_count,
        tuple((a.pk, a.name, a.size, a.extension) for a in getattr(post, "attached_files", ())),
        member_inputs(post.author),
        thread.pk,
        thread.language,
        accepted,
        viewer.is_authenticated,
        moderates,
        page.can_reply,
        page.can_accept,
        post.author_id == viewer.pk,
        post.pk in page.state.helpful,
        page.state.open_flags.get(post.pk, 0) if moderates else 0,
    )


def post_context(post: Post, *, accepted: bool, page: ThreadPage) -> dict[str, Any]:
    return {
        "user": page.viewer,
        "thread": page.thread,
        "viewer_state": page.state,
        "viewer_id": page.viewer.pk,
        "moderates": page.moderates,
        "can_reply": page.can_reply,
        "can_accept": page.can_accept,
        "post": post,
        "accepted": accepted,
    }


def render_posts(request: HttpRequest, page: ThreadPage, posts: list[tuple[Post, bool]]) -> None:
    """Set ``post.rendered`` (``rendered_accepted``) on each (post, accepted) pair."""
    rows = [
        (
            post_key(post, accepted=accepted, page=page),
            post_context(post, accepted=accepted, page=page),
        )
        for post, accepted in posts
    ]
    for (post, accepted), html in zip(
        posts, render_rows(request, POST_TEMPLATE, rows), strict=True
    ):
        # The accepted answer may also be a reply on the page: two renderings.
        if accepted:
            post.rendered_accepted = html
        else:
            post.rendered = html


# --- The reply box ------------------------------------------------------------------


def reply_box_key(thread: Thread, *, can_reply: bool) -> tuple:
    """Every value forum/includes/reply_box.html reads when its form is empty."""
    return (thread.pk, thread.is_question, thread.is_locked, can_reply)


def render_reply_box(
    request: HttpRequest,
    thread: Thread,
    *,
    can_reply: bool,
    form: ReplyForm,
    preview: str | None,
) -> SafeString:
    """The box under the thread. An empty one (no quote, no preview, nothing
    posted) is the same for everyone who may reply: reused, with this page's
    own client token; a box that holds the member's text is rendered afresh."""
    context = {"thread": thread, "can_reply": can_reply, "preview": preview}
    if form.is_bound or preview is not None or form.initial.get("body"):
        html = render_to_string(
            REPLY_BOX_TEMPLATE, {**context, "reply_form": form, "csrf_token": get_token(request)}
        )
        return mark_safe(html)  # noqa: S308 - rendered by a template
    empty = ReplyForm(initial={"client_token": CLIENT_TOKEN_PLACEHOLDER})
    (html,) = render_rows(
        request,
        REPLY_BOX_TEMPLATE,
        [(reply_box_key(thread, can_reply=can_reply), {**context, "reply_form": empty})],
    )
    token = form.initial.get("client_token") or uuid.uuid4()
    return mark_safe(html.replace(str(CLIENT_TOKEN_PLACEHOLDER), str(token)))  # noqa: S308


# --- A search hit -------------------------------------------------------------


def search_hit_key(hit: SearchHit) -> tuple:
    """Every value forum/includes/search_hit.html reads (the thread's topics attached)."""
    return (
        hit.post.pk,  # its link
        str(hit.title),  # the thread's title, or the opening post's with its matches marked
        str(hit.snippet),
        hit.thread.kind,
        hit.post.is_opening,
        hit.post.created_at,
        tuple((tag.slug, tag.name) for tag in hit.thread.tags.all()),  # shown translated
    )


def render_search_hits(request: HttpRequest, hits: Iterable[SearchHit]) -> list[SafeString]:
    """A page of forum hits as HTML, each rendered once per key (a repeated search, a page back)."""
    rows = [(search_hit_key(hit), {"hit": hit}) for hit in hits]
    return render_rows(request, SEARCH_HIT_TEMPLATE, rows)
