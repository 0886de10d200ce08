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

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from common.drafts import DRAFT_CLEAR_KEY
from common.fragments import (
    CSRF_PLACEHOLDER,
    check_generation,
    fill_csrf,
    kept_page,
    member_inputs,
    render_rows,
    row_key,
    store,
)
from forum.forms import ReplyForm
from forum.models import Post, Thread
from forum.search import SearchHit
from forum.selectors import THREADS_PER_PAGE, PageProbe, Viewer
from members.models import User
from members.selectors import attach_tags

THREAD_ROW_TEMPLATE = "forum/includes/thread_row.html"
THREAD_LIST_TEMPLATE = "forum/includes/thread_list_content.html"
TAG_THREADS_TEMPLATE = "forum/includes/tag_threads.html"
THREAD_CONTENT_TEMPLATE = "forum/includes/thread_content.html"
SEARCH_HIT_TEMPLATE = "forum/includes/search_hit.html"
POST_TEMPLATE = "forum/includes/post.html"
REPLY_BOX_TEMPLATE = "forum/includes/reply_box.html"
# The client token of a reused empty reply box, replaced by a fresh one per
# page; random per process (as the store is), so no post can contain it.
CLIENT_TOKEN_PLACEHOLDER = uuid.uuid4()


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


def render_thread_rows(
    request: HttpRequest, threads: Iterable[Thread], *, csrf: bool = True
) -> None:
    """Set ``thread.rendered`` on each thread of a page (its tags fetched in one query);
    ``csrf=False`` leaves the placeholder for a caller that keeps the page."""
    threads = list(threads)
    attach_tags(threads)
    viewer = request.user
    rows = [
        (thread_row_key(thread, viewer=viewer), thread_row_context(thread, viewer=viewer))
        for thread in threads
    ]
    rendered = render_rows(request, THREAD_ROW_TEMPLATE, rows, csrf=csrf)
    for thread, html in zip(threads, rendered, strict=True):
        thread.rendered = html


def kept_thread_list(
    request: HttpRequest,
    threads: QuerySet[Thread],
    *,
    template: str,
    context: dict[str, Any],
    inputs: tuple,
) -> SafeString:
    """One page of ``threads`` as ``template`` renders it, kept whole
    (common.fragments.kept_page) by its threads' ids and page versions (moved
    by the database on every write to what a row shows: the thread, its
    posts, topics, names of its posters; forum migrations 0008 and 0009).
    The rows come from the viewer's own query (``visible_threads``), so a
    moderator's list with a hidden thread never has a member's key, and they
    show nothing of the viewer's own (``thread_row_key``)."""
    return kept_page(
        request,
        threads,
        version_field="page_version",
        per_page=THREADS_PER_PAGE,
        template=template,
        context=context,
        inputs=inputs,
        render_page_rows=lambda request, rows: render_thread_rows(request, rows, csrf=False),
    )


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
    """Set ``post.rendered`` (``rendered_accepted``) on each (post, accepted) pair,
    with the CSRF placeholder left in (the thread page fills it in once)."""
    rows = [
        (
            post_key(post, accepted=accepted, page=page),
            post_context(post, accepted=accepted, page=page),
        )
        for post, accepted in posts
    ]
    for (post, accepted), html in zip(
        posts, render_rows(request, POST_TEMPLATE, rows, csrf=False), strict=True
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
    """The box under the thread, with the CSRF placeholder left in. An empty
    one (no quote, no preview, nothing posted) is the same for everyone who
    may reply: reused, with the client token placeholder that
    ``fill_thread_page`` replaces by a fresh token per page; a box that holds
    the member's text is rendered afresh with its own token."""
    context = {"thread": thread, "can_reply": can_reply, "preview": preview}
    if form.is_bound or preview is not None or form.initial.get("body"):
        html = render_to_string(
            REPLY_BOX_TEMPLATE, {**context, "reply_form": form, "csrf_token": CSRF_PLACEHOLDER}
        )
        return mark_safe(html)  # noqa: S308 - rendered by a template
    empty = ReplyForm(initial={"client_token": CLIENT_TOKEN_PLACEHOLDER})
    (html,) = render_rows(
        request,
        REPLY_BOX_TEMPLATE,
        [(reply_box_key(thread, can_reply=can_reply), {**context, "reply_form": empty})],
        csrf=False,
    )
    return html


# --- A whole thread page ------------------------------------------------------------
#
# For a member who moderates nothing and has no relation to the thread (wrote
# nothing in it, marked nothing in it helpful, no lesson of theirs made of it:
# forum.selectors.thread_page_probe), the thread page below the site's header
# is the same for everyone of their viewer class. It is kept whole, keyed by
# Thread.page_version, which the database moves on every write to what the
# page shows (forum migration 0008), so a request reads that version, its
# own follow state and its relation in one query and renders only the site's
# header around the kept page. Everyone else gets the page rendered (from the
# rows kept above) for them.


def reusable_page_number(request: HttpRequest) -> int | None:
    """The page number of a thread page request that a kept page may answer, else None.

    Not for moderators (their page has the moderation tools and flags), nor
    for a request with anything else to show: a ``?quote=``, a message from
    the last action, a draft to clear after posting.
    """
    viewer = request.user
    if not viewer.is_authenticated or viewer.can_moderate:
        return None
    params = request.GET
    if any(key != "page" for key in params) or len(params.getlist("page")) > 1:
        return None
    number = params.get("page", "1")
    if not (number.isascii() and number.isdigit()) or len(number) > 6:
        return None
    if request.session.get(DRAFT_CLEAR_KEY) or len(messages.get_messages(request)):
        return None
    return int(number)


def thread_page_key(probe: PageProbe, *, viewer: User, number: int) -> bytes:
    """Everything a kept thread page differs by (besides the language and time
    zone, which ``row_key`` adds): the thread and its version, the page, the
    viewer's follow state and viewer class (what the permissions read of a
    member who moderates nothing: whether they are a member, and an expert)."""
    return row_key(
        THREAD_CONTENT_TEMPLATE,
        (
            probe.pk,
            probe.created_at,  # a new thread given a deleted one's id starts again at 0
            probe.page_version,
            number,
            probe.following,
            viewer.is_member,
            viewer.is_expert,
        ),
    )


def kept_thread_page(request: HttpRequest, key: bytes) -> str | None:
    check_generation(request)  # a purge elsewhere empties the store first
    return store.get(key)


def keep_thread_page(key: bytes, content: str) -> None:
    store.put(key, content)


def render_thread_content(context: dict[str, Any]) -> str:
    """The page below the header, with the CSRF and client-token placeholders in."""
    return render_to_string(THREAD_CONTENT_TEMPLATE, {**context, "csrf_token": CSRF_PLACEHOLDER})


def fill_thread_page(request: HttpRequest, content: str, *, client_token: Any = None) -> SafeString:
    """``content`` for this request: its CSRF token and a fresh client token."""
    token = str(client_token or uuid.uuid4())
    html = fill_csrf(request, content.replace(str(CLIENT_TOKEN_PLACEHOLDER), token))
    return mark_safe(html)  # noqa: S308 - rendered by a template


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
