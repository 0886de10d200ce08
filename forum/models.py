"""Tagged question-and-answer threads, their posts, revisions, helpful marks and flags.

A thread's body is its opening post, so edits, revisions, helpful marks, flags
and search treat the question and its answers alike. Counters on Thread and
Post are denormalised and kept right by forum.services, which is the only
writer.
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager

from common.lengths import MARKDOWN_MAX_LENGTH
from common.links import quick_reverse
from members.models import TaggedItem, User

TITLE_MAX = 200
TITLE_MIN = 8
BODY_MAX = MARKDOWN_MAX_LENGTH["post"]


class ThreadKind(models.TextChoices):
    QUESTION = "question", _("Question")
    DISCUSSION = "discussion", _("Discussion")


class Thread(models.Model):
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    kind = models.CharField(
        _("kind"), max_length=12, choices=ThreadKind.choices, default=ThreadKind.QUESTION
    )
    language = models.CharField(_("language of the thread"), max_length=10, default="en")
    author = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="threads"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_activity_at = models.DateTimeField(default=timezone.now)
    last_poster = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Visible replies (not deleted, not hidden) and helpful marks on all posts.
    reply_count = models.PositiveIntegerField(default=0)
    helpful_count = models.PositiveIntegerField(default=0)
    accepted_post = models.OneToOneField(
        "Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_locked = models.BooleanField(_("locked"), default=False)
    is_pinned = models.BooleanField(_("pinned"), default=False)
    # Hidden by a moderator, or deleted with its opening post by its author.
    is_hidden = models.BooleanField(_("hidden"), default=False)
    is_deleted = models.BooleanField(_("deleted"), default=False)
    tags = TaggableManager(through=TaggedItem, blank=False, verbose_name=_("topics"))
    # Moved by the database, never by Python: triggers (migration 0008 and
    # lessons 0009) add one on every write to the thread, its posts and their
    # files, its topics, its posts' authors' names and badges, and the lessons
    # made of it. A reused thread page (forum.fragments) is keyed by it, so no
    # code path can change what the page shows without the page changing.
    page_version = models.PositiveBigIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-last_activity_at", "-id"]
        indexes = [
            models.Index(fields=["-is_pinned", "-last_activity_at", "-id"], name="thread_latest"),
            models.Index(fields=["-created_at", "-id"], name="thread_new"),
            models.Index(fields=["-helpful_count", "-id"], name="thread_helpful"),
            models.Index(fields=["kind", "reply_count"], name="thread_unanswered"),
            # The threads members may list: counted, and joined to a topic's
            # threads, from the index alone (issue 20).
            models.Index(
                fields=["id"],
                condition=models.Q(is_deleted=False, is_hidden=False),
                name="thread_listed",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return quick_reverse("forum:thread", self.pk, self.slug)

    @property
    def slug(self) -> str:
        slug = slugify(self.title)[:60].strip("-") or "thread"
        # Never the name of a thread action (/forum/<pk>/reply/ and so on).
        return f"{slug}-thread" if slug in {"reply", "follow", "unaccept", "topics"} else slug

    @property
    def is_visible(self) -> bool:
        return not (self.is_hidden or self.is_deleted)

    @property
    def is_question(self) -> bool:
        return self.kind == ThreadKind.QUESTION


class Post(models.Model):
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="posts"
    )
    is_opening = models.BooleanField(default=False)
    body = models.TextField(_("text"), max_length=BODY_MAX)
    body_html = models.TextField(editable=False)
    # Plain text of the body: search index and snippets.
    body_text = models.TextField(editable=False, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    edit_count = models.PositiveIntegerField(default=0)
    helpful_count = models.PositiveIntegerField(default=0)
    # How many files are attached (PostAttachment): a page asks for the files
    # only when a post it shows has some, so a thread without any costs no query.
    attachment_count = models.PositiveSmallIntegerField(default=0, editable=False)
    is_deleted = models.BooleanField(default=False)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_hidden = models.BooleanField(default=False)
    hidden_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Sent with the form: the same submission twice (a double click, a resend
    # after a timeout) creates one post.
    client_token = models.UUIDField(null=True, blank=True, editable=False)
    # PostgreSQL full-text vector (GIN index added in the migration); on SQLite
    # an FTS5 table takes its place (see forum.search).
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["thread", "created_at", "id"], name="post_in_thread"),
            # The posts since a member's last visit (the home's "new for
            # you"), with their threads and authors, from the index alone.
            models.Index(
                fields=["created_at", "thread", "author"],
                condition=models.Q(is_deleted=False, is_hidden=False),
                name="post_recent",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "client_token"], name="forum_post_once_per_token"
            )
        ]

    def __str__(self) -> str:
        return f"post {self.pk} in {self.thread_id}"

    def get_absolute_url(self) -> str:
        return quick_reverse("forum:post", self.pk)

    @property
    def is_visible(self) -> bool:
        return not (self.is_hidden or self.is_deleted)


class PostRevision(models.Model):
    """The text of a post (and the title, for an opening post) before an edit."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    editor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    title = models.CharField(max_length=TITLE_MAX, blank=True)
    body = models.TextField()
    # Purged by a moderator: title and body are erased (empty), the row stays
    # so the history shows that a version was removed, and when.
    purged_at = models.DateTimeField(null=True, blank=True)
    purged_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"revision of post {self.post_id} at {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_purged(self) -> bool:
        return self.purged_at is not None


class HelpfulMark(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="helpful_marks")
    member = models.ForeignKey(User, on_delete=models.CASCADE, related_name="helpful_marks")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "member"], name="forum_helpful_once")
        ]

    def __str__(self) -> str:
        return f"{self.member_id} found post {self.post_id} helpful"


class FlagReason(models.TextChoices):
    SAFETY = "safety", _("Puts someone at risk (names, locations, personal data)")
    ABUSE = "abuse", _("Abusive, harassing or hateful")
    SPAM = "spam", _("Spam or advertising")
    MISLEADING = "misleading", _("Dangerously misleading")
    OFF_TOPIC = "off_topic", _("Off topic")
    OTHER = "other", _("Something else")


class Flag(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="flags")
    reporter = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=12, choices=FlagReason.choices)
    note = models.CharField(_("note for the moderators"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(max_length=12, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["post", "reporter"],
                condition=models.Q(resolved_at__isnull=True),
                name="forum_flag_open_once",
            )
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(resolved_at__isnull=True),
                name="flag_open",
            )
        ]

    def __str__(self) -> str:
        return f"flag on post {self.post_id}: {self.reason}"


class PostAttachment(models.Model):
    """A file attached to a post, cleaned by common.uploads and stored by common.filestore.

    Shown under the post as a download card (never as an inline image), opened
    only through forum.views.attachment, which answers 404 to whoever may not
    see the post. Deleting or purging the post deletes its files for good.
    """

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="attachments")
    name = models.CharField(max_length=150)
    media_type = models.CharField(max_length=100)
    extension = models.CharField(max_length=8)
    size = models.PositiveBigIntegerField()
    stored_as = models.CharField(max_length=100, unique=True, editable=False)
    encrypted = models.BooleanField(default=False)
    # What common.uploads removed ("author name", "GPS position", ...).
    removed = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return quick_reverse("forum:attachment", self.pk, self.name)
