"""Reads of the forum: lists and pages with a fixed number of queries however large."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.urls import reverse

from common.markup import mentioned_handles, plain_text, render_markdown
from common.statements import Statement
from forum import hooks
from forum.models import Flag, HelpfulMark, Post, PostAttachment, Thread, ThreadKind
from members.models import Tag, TaggedItem, User
from members.selectors import attach_tags, topics
from notifications.models import Follow
from notifications.selectors import followed_ids, with_follow_state, with_follower_counts

POSTS_PER_PAGE = 50
THREADS_PER_PAGE = 30


def visible_threads(viewer: User) -> QuerySet[Thread]:
    threads = Thread.objects.filter(is_deleted=False)
    if not viewer.can_moderate:
        threads = threads.filter(is_hidden=False)
    return threads


def thread_list(
    viewer: User,
    *,
    sort: str = "latest",
    tags: list[Tag] | None = None,
    kind: str = "",
    language: str = "",
    author: User | None = None,
) -> QuerySet[Thread]:
    threads = visible_threads(viewer)
    if tags:
        thread_type = ContentType.objects.get_for_model(Thread)
    for tag in tags or []:
        # "id IN (the tag's thread ids)", not taggit's join: the join compares
        # object_id::bigint with the thread id, which no index serves, so
        # PostgreSQL joined and sorted every thread of the tag (4,600 threads:
        # 19 ms). As a semi-join it walks the "thread_latest" index and probes
        # the tagged-item index until the page is full (0.5 ms).
        threads = threads.filter(
            pk__in=TaggedItem.objects.filter(tag=tag, content_type=thread_type).values("object_id")
        )
    if kind:
        threads = threads.filter(kind=kind)
    if language:
        threads = threads.filter(language=language)
    if author is not None:
        threads = threads.filter(author=author)
    if sort == "new":
        threads = threads.order_by("-created_at", "-id")
    elif sort == "unanswered":
        threads = threads.filter(kind=ThreadKind.QUESTION, reply_count=0).order_by(
            "-created_at", "-id"
        )
    elif sort == "helpful":
        threads = threads.order_by("-helpful_count", "-last_activity_at", "-id")
    else:
        threads = threads.order_by("-is_pinned", "-last_activity_at", "-id")
    # Tags: members.selectors.attach_tags on the page shown.
    return threads.select_related("author", "last_poster")


def thread_for(viewer: User, pk: int) -> Thread | None:
    """The thread if the viewer may see it (moderators see hidden and deleted ones).

    With what the viewer has done to it, so that the thread page asks no more:
    ``viewer_follows`` and ``viewer_found_accepted_helpful`` (its accepted answer).
    """
    # The accepted answer's search vector (longer than its text) is never read from here.
    threads = Thread.objects.select_related("author", "accepted_post__author").defer(
        "accepted_post__search_vector"
    )
    if viewer.is_authenticated:
        threads = threads.annotate(
            viewer_follows=Exists(
                Follow.objects.filter(
                    follower=viewer,
                    content_type=ContentType.objects.get_for_model(Thread),
                    object_id=OuterRef("pk"),
                )
            ),
            viewer_found_accepted_helpful=Exists(
                HelpfulMark.objects.filter(member=viewer, post=OuterRef("accepted_post"))
            ),
        )
    # A primary key finds one row: no ORDER BY (which .first() would add).
    thread = next(iter(threads.filter(pk=pk)[:1]), None)
    if thread is None or (not thread.is_visible and not viewer.can_moderate):
        return None
    attach_tags([thread])
    return thread


@dataclass(frozen=True)
class PageProbe:
    """What a request needs to know before it may reuse a rendered thread page."""

    pk: int
    title: str
    created_at: datetime
    page_version: int
    following: bool
    # The viewer wrote in the thread, marked one of its posts helpful, or has
    # a relation another app declares (forum.hooks.add_viewer_relation): their
    # page has their own actions on it, so it is rendered for them.
    involved: bool

    @property
    def slug(self) -> str:
        return Thread(title=self.title).slug


def _probe_query(viewer: User, pk: int, thread_type: int) -> QuerySet:
    involved = (
        Exists(Post.objects.filter(thread=OuterRef("pk"), author=viewer))
        | Exists(HelpfulMark.objects.filter(member=viewer, post__thread=OuterRef("pk")))
        | Q(author=viewer)
    )
    for relation in hooks.viewer_relations(viewer):
        involved |= relation
    return (
        visible_threads(viewer)
        .filter(pk=pk)
        .annotate(
            following=Exists(
                Follow.objects.filter(
                    follower=viewer, content_type_id=thread_type, object_id=OuterRef("pk")
                )
            ),
            involved=ExpressionWrapper(involved, output_field=BooleanField()),
        )
        .values_list("pk", "title", "created_at", "page_version", "following", "involved")
        .order_by()[:1]
    )


# Compiled once per process (common/statements.py): building these four
# subqueries took longer than PostgreSQL took to answer them. The stand-in
# viewer is a member who moderates nothing, as every viewer asking it is.
_PROBE = Statement(
    lambda viewer, pk, thread_type: _probe_query(User(pk=viewer), pk, thread_type),
    "viewer",
    "pk",
    "thread_type",
)


def thread_page_probe(viewer: User, pk: int) -> PageProbe | None:
    """The thread's page version and the viewer's relation to it, in one query,
    for a member who moderates nothing; None when they may not see the thread
    (the rule of ``visible_threads``, as ``thread_for`` applies it)."""
    if not viewer.is_authenticated or viewer.can_moderate:
        raise ValueError("the page probe is for members who moderate nothing")
    thread_type = ContentType.objects.get_for_model(Thread).pk
    rows = _PROBE.rows(viewer=viewer.pk, pk=pk, thread_type=thread_type)
    return PageProbe(*rows[0]) if rows else None


def may_see_post(viewer: User, post: Post) -> bool:
    """The one rule for a post's own URLs: a deleted or hidden post is for moderators only.

    Its author included: a moderator hides a post because it puts someone at
    risk, so its text leaves circulation for everyone, and the author can
    neither edit nor restore it (the thread page tells them it is hidden).
    """
    return post.is_visible or viewer.can_moderate


def post_for(viewer: User, pk: int) -> Post | None:
    """The post if the viewer may open it: in a thread they may see, and visible to them.

    Every URL that names a post (/forum/posts/<id>/...) asks this, so a deleted
    or hidden post answers 404 the same way on all of them.
    """
    post = Post.objects.select_related("author").filter(pk=pk).first()
    if post is None or not may_see_post(viewer, post):
        return None
    thread = thread_for(viewer, post.thread_id)
    if thread is None:
        return None
    post.thread = thread
    return post


def posts_of(thread: Thread, viewer: User | None = None) -> QuerySet[Post]:
    """The thread's posts in order, but the accepted answer (shown under the question).

    With a viewer, each post says whether they marked it helpful
    (``viewer_found_helpful``): one subquery instead of a query per page.
    """
    # The page shows the HTML only: the Markdown source, the plain text and the
    # search vector (each as long as the post, or longer) stay in the database.
    posts = (
        Post.objects.filter(thread=thread)
        .select_related("author")
        .defer("body", "body_text", "search_vector")
    )
    if viewer is not None and viewer.is_authenticated:
        posts = posts.annotate(
            viewer_found_helpful=Exists(
                HelpfulMark.objects.filter(member=viewer, post=OuterRef("pk"))
            )
        )
    if thread.accepted_post_id:
        # Shown right under the question instead.
        posts = posts.exclude(pk=thread.accepted_post_id)
    return posts.order_by("-is_opening", "created_at", "id")


def attach_files(posts: Iterable[Post]) -> None:
    """Set ``post.attached_files`` on each post: one query, and none when no post has any."""
    posts = list(posts)
    wanted = [post.pk for post in posts if post.attachment_count]
    by_post: dict[int, list[PostAttachment]] = {}
    if wanted:
        for attachment in PostAttachment.objects.filter(post_id__in=wanted).order_by("id"):
            by_post.setdefault(attachment.post_id, []).append(attachment)
    for post in posts:
        post.attached_files = by_post.get(post.pk, [])


def attachment_for(viewer: User, pk: int) -> PostAttachment | None:
    """The file if the viewer may see its post (post_for: the same 404s as the post's URLs)."""
    attachment = PostAttachment.objects.filter(pk=pk).first()
    if attachment is None or post_for(viewer, attachment.post_id) is None:
        return None
    return attachment


def page_of_post(post: Post) -> int:
    """Which page of its thread a post is on."""
    if post.is_opening:
        return 1
    earlier = Post.objects.filter(thread_id=post.thread_id, is_opening=False).filter(
        created_at__lt=post.created_at
    )
    if post.thread.accepted_post_id and post.thread.accepted_post_id != post.pk:
        earlier = earlier.exclude(pk=post.thread.accepted_post_id)
    if post.thread.accepted_post_id == post.pk:
        return 1
    return (earlier.count() + 1) // POSTS_PER_PAGE + 1


@dataclass
class Viewer:
    """What the viewer has done to the posts on a page: one query each."""

    helpful: set[int]
    following: bool
    open_flags: dict[int, int]


def viewer_state(viewer: User, thread: Thread, posts: list[Post]) -> Viewer:
    """From the annotations of ``thread_for`` and ``posts_of`` where they are there.

    Only moderators cost a query (the open flags on the page's posts).
    """
    ids = [p.pk for p in posts]
    if all(hasattr(p, "viewer_found_helpful") for p in posts if p.pk != thread.accepted_post_id):
        helpful = {p.pk for p in posts if getattr(p, "viewer_found_helpful", False)}
        if thread.accepted_post_id and getattr(thread, "viewer_found_accepted_helpful", False):
            helpful.add(thread.accepted_post_id)
    else:
        helpful = set(
            HelpfulMark.objects.filter(member=viewer, post_id__in=ids).values_list(
                "post_id", flat=True
            )
        )
    following = getattr(thread, "viewer_follows", None)
    if following is None:
        following = Follow.objects.filter(
            follower=viewer,
            content_type=ContentType.objects.get_for_model(Thread),
            object_id=thread.pk,
        ).exists()
    open_flags: dict[int, int] = {}
    if viewer.can_moderate:
        open_flags = dict(
            Flag.objects.filter(post_id__in=ids, resolved_at__isnull=True)
            .values("post_id")
            .annotate(n=Count("id"))
            .values_list("post_id", "n")
        )
    return Viewer(helpful=helpful, following=following, open_flags=open_flags)


def open_flags() -> QuerySet[Post]:
    """Posts with unresolved flags, the longest-waiting first, with those flags."""
    unresolved = Q(flags__resolved_at__isnull=True)
    return (
        Post.objects.annotate(
            first_flagged=Min("flags__created_at", filter=unresolved),
            open_flag_count=Count("flags", filter=unresolved),
        )
        .filter(open_flag_count__gt=0)
        .select_related("author", "thread")
        .prefetch_related(
            Prefetch(
                "flags",
                queryset=Flag.objects.filter(resolved_at__isnull=True).select_related("reporter"),
                to_attr="unresolved_flags",
            )
        )
        .order_by("first_flagged", "pk")
    )


def tags_with_followers() -> QuerySet[Tag]:
    return with_follower_counts(topics())


def tag_with_followers(slug: str, *, viewer: User | None = None) -> Tag | None:
    """The topic with ``follower_count`` and, for a viewer, ``followed`` (whether
    they follow it), in one query."""
    tags = tags_with_followers().filter(slug=slug)
    if viewer is not None:
        tags = with_follow_state(tags, follower=viewer)
    return tags.first()


def followed_tag_ids(member: User) -> list[int]:
    return followed_ids(follower=member, model=Tag)


def tag_list() -> QuerySet[Tag]:
    """Every topic with its follower and thread counts."""
    threads = (
        Thread.objects.filter(is_deleted=False, is_hidden=False, tags=OuterRef("pk"))
        .values("tags")
        .annotate(n=Count("id"))
        .values("n")
    )
    return tags_with_followers().annotate(thread_count=Coalesce(Subquery(threads), 0))


# --- Rendering a post's body ------------------------------------------------------


def render_body(body: str) -> tuple[str, str, list[User]]:
    """HTML, plain text, and the members mentioned (who exist and are members).

    A read: the services store what it returns, the preview only shows it.
    """
    handles = mentioned_handles(body)
    mentioned = (
        list(User.objects.filter(handle__in=handles, status="active", is_banned=False))
        if handles
        else []
    )
    html = render_markdown(
        body,
        mentions={m.handle: reverse("members:profile", args=[m.handle]) for m in mentioned},
    )
    return html, plain_text(html), mentioned


def preview(body: str) -> str:
    """The body as it would be posted; nothing is saved."""
    return render_body(body)[0]


# --- The member home's blocks (network/home.py) --------------------------------------


def _visible_posts() -> QuerySet[Post]:
    return Post.objects.filter(is_deleted=False, is_hidden=False)


def _in_circulation() -> QuerySet[Thread]:
    """Threads everyone may read: the home shows no hidden thread, to moderators neither
    (they find those in the forum, marked; nobody is asked to answer one)."""
    return Thread.objects.filter(is_deleted=False, is_hidden=False)


def activity_since(
    viewer: User,
    *,
    since: datetime,
    tag_ids: set[int],
    thread_ids: set[int],
    member_ids: set[int],
    limit: int,
) -> list[Thread]:
    """Threads with posts by others since ``since``, in what the viewer follows, latest first.

    A thread counts when it is followed or filed under a followed topic and
    someone else posted in it, or when a followed member posted in it. Only
    visible posts count: a reply that was hidden or deleted since is no news,
    and its author's name is never shown. Each thread comes with
    ``new_post_count``, ``latest_post_at`` and ``latest_poster`` (a member or
    None), in three queries whatever the number of rows (the threads with
    news, grouped, then those threads and their latest posters).
    """
    if not (tag_ids or thread_ids or member_ids):
        return []
    recent = _visible_posts().filter(
        created_at__gt=since, thread__is_deleted=False, thread__is_hidden=False
    )
    if viewer.is_authenticated:
        recent = recent.exclude(author=viewer)
    # Driven by the posts since the last visit (few, read from their time's
    # index, forum.Post's post_recent), not by every thread: a post by
    # someone else in a followed thread or topic, or by a followed member,
    # makes its thread news; then every recent post by others in those
    # threads counts (a followed member's reply followed by a stranger's is
    # two new posts, the stranger's the latest). Grouped by thread in the
    # database, so only the threads shown come back.
    in_followed_topic = Exists(
        TaggedItem.objects.filter(
            content_type=ContentType.objects.get_for_model(Thread),
            object_id=OuterRef("thread_id"),
            tag_id__in=tag_ids,
        )
    )
    # Grouped by ``thread_id + 0``, not the column: grouped by the column,
    # SQLite walks every post in the thread index to avoid a sort (106 ms on
    # the bench dataset) instead of the few recent ones in post_recent (2.5
    # ms); PostgreSQL hashes either.
    with_news = recent.filter(
        Q(thread_id__in=thread_ids) | in_followed_topic | Q(author_id__in=member_ids)
    ).values("thread_id")
    news = list(
        recent.annotate(
            thread_key=ExpressionWrapper(F("thread_id") + 0, output_field=IntegerField())
        )
        .filter(thread_key__in=with_news)
        .values("thread_key")
        .annotate(latest=Max("created_at"), count=Count("id"))
        .order_by("-latest", "-thread_key")[:limit]
    )
    if not news:
        return []
    newest = recent.filter(thread=OuterRef("pk")).order_by("-created_at", "-id")
    threads = _in_circulation().filter(pk__in=[row["thread_key"] for row in news])
    by_id = {
        thread.pk: thread
        for thread in threads.annotate(
            latest_poster_id=Subquery(newest.values("author_id")[:1])
        ).select_related("author")
    }
    posters = User.objects.in_bulk(
        {t.latest_poster_id for t in by_id.values() if t.latest_poster_id}
    )
    shown = []
    for row in news:
        thread = by_id.get(row["thread_key"])
        if thread is None:  # hidden between the two queries
            continue
        thread.new_post_count = row["count"]
        thread.latest_post_at = row["latest"]
        thread.latest_poster = posters.get(thread.latest_poster_id)
        shown.append(thread)
    return shown


def unanswered_in_topics(viewer: User, tags: list[Tag], *, limit: int) -> list[Thread]:
    """Questions in any of ``tags`` that nobody has answered yet, not the viewer's, newest first.

    "Unanswered" as the forum's own filter means it: no visible reply (and so
    no accepted answer); locked questions take no answer and are left out.
    """
    if not tags:
        return []
    in_topics = TaggedItem.objects.filter(
        tag__in=tags, content_type=ContentType.objects.get_for_model(Thread)
    ).values("object_id")
    return list(
        _in_circulation()
        .filter(
            kind=ThreadKind.QUESTION,
            reply_count=0,
            accepted_post__isnull=True,
            is_locked=False,
            pk__in=in_topics,
        )
        .exclude(author=viewer)
        .select_related("author")
        .order_by("-created_at", "-id")[:limit]
    )


def open_questions_of(member: User, *, limit: int) -> list[Thread]:
    """The member's own questions without an accepted answer, latest activity first."""
    return list(
        _in_circulation()
        .filter(author=member, kind=ThreadKind.QUESTION, accepted_post__isnull=True)
        .order_by("-last_activity_at", "-id")[:limit]
    )
