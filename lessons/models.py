"""Reference standards that lessons are tied to.

An instrument (the UN Code of Conduct, the Basic Principles, ...) has numbered
provisions; lessons link to provisions and go through a review workflow.
"""

from __future__ import annotations

import secrets

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from taggit.managers import TaggableManager

from common.catalogue import translated
from common.lengths import MARKDOWN_MAX_LENGTH
from lessons.standards import NUMBER_FORMATS
from members.models import TaggedItem, User

SECTION_MAX = MARKDOWN_MAX_LENGTH["lesson_section"]
COMMENT_MAX = MARKDOWN_MAX_LENGTH["review_comment"]


def _feed_token() -> str:
    return secrets.token_urlsafe(32)


class Instrument(models.Model):
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=300)
    short_title = models.CharField(_("short title"), max_length=80)
    adopted_by = models.CharField(_("adopted by"), max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(_("year adopted"))
    source_url = models.URLField(_("official source"), max_length=500)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("instrument")
        verbose_name_plural = _("instruments")
        ordering = ["position", "year"]

    def __str__(self) -> str:
        return self.display_short_title

    def get_absolute_url(self) -> str:
        return reverse("lessons:instrument", args=[self.slug])

    # What pages show: the official title in the interface language
    # (lessons/standards.py), or the stored text when it has none.
    @property
    def display_title(self) -> str:
        return translated("standard title", self.title)

    @property
    def display_short_title(self) -> str:
        return translated("standard short title", self.short_title)

    @property
    def display_adopted_by(self) -> str:
        return translated("standard adopted by", self.adopted_by)


class Provision(models.Model):
    instrument = models.ForeignKey(Instrument, on_delete=models.CASCADE, related_name="provisions")
    # Text, not a number: "6", "7.3", "Principle 15" sort by position instead.
    number = models.CharField(_("number"), max_length=20)
    title = models.CharField(_("short title"), max_length=300)
    source_url = models.URLField(_("official source"), max_length=500)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("provision")
        verbose_name_plural = _("provisions")
        ordering = ["instrument", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["instrument", "number"], name="lessons_provision_unique_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument.display_short_title} {self.display_number}: {self.display_title}"

    def get_absolute_url(self) -> str:
        return reverse("lessons:provision", args=[self.instrument.slug, self.pk])

    @property
    def display_title(self) -> str:
        return translated("provision title", self.title)

    @property
    def display_number(self) -> str:
        """The number as the interface language writes it ("Art. 3", "المادة 3"), else as stored."""
        kind, _space, number = self.number.rpartition(" ")
        form = NUMBER_FORMATS.get(kind)
        return translated("provision number", form) % {"number": number} if form else self.number


# --- Lessons ---------------------------------------------------------------------


class Setting(models.TextChoices):
    DEMONSTRATION = "demonstration", _("Demonstration or public assembly")
    DETENTION = "detention", _("Arrest and detention")
    PATROL = "patrol", _("Patrol and everyday policing")
    STOP_AND_SEARCH = "stop_and_search", _("Stop and search")
    INVESTIGATION = "investigation", _("Investigation")
    TRAINING = "training", _("Training")
    OVERSIGHT = "oversight", _("Oversight and accountability")
    OTHER = "other", _("Other")


class LessonState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class Lesson(models.Model):
    """What worked and what did not, tied to the standards it concerns.

    Markdown fields keep the source the authors typed and the HTML the one
    sanitising pipeline made of it (``<field>_html``), written by lessons.services.
    """

    MARKDOWN_FIELDS = ("what_happened", "what_worked", "what_did_not", "recommendations")

    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), max_length=1000)
    country = CountryField(_("country"), blank=True)
    region = models.CharField(_("region or place"), max_length=120, blank=True)
    period = models.CharField(_("period"), max_length=80, blank=True)
    setting = models.CharField(_("setting"), max_length=20, choices=Setting.choices)
    what_happened = models.TextField(_("what happened"), max_length=SECTION_MAX)
    what_worked = models.TextField(_("what worked"), max_length=SECTION_MAX, blank=True)
    what_did_not = models.TextField(_("what did not work"), max_length=SECTION_MAX, blank=True)
    recommendations = models.TextField(_("recommendations"), max_length=SECTION_MAX, blank=True)
    what_happened_html = models.TextField(editable=False, blank=True)
    what_worked_html = models.TextField(editable=False, blank=True)
    what_did_not_html = models.TextField(editable=False, blank=True)
    recommendations_html = models.TextField(editable=False, blank=True)
    language = models.CharField(_("language"), max_length=10, default="en")
    tags = TaggableManager(through=TaggedItem, blank=True, verbose_name=_("topics"))
    provisions = models.ManyToManyField(
        Provision, blank=True, related_name="lessons", verbose_name=_("standards")
    )
    authors = models.ManyToManyField(
        User, through="LessonAuthor", related_name="lessons", verbose_name=_("authors")
    )
    state = models.CharField(max_length=12, choices=LessonState.choices, default=LessonState.DRAFT)
    # Public needs both: the authors ask for it and a reviewer agrees.
    public_requested = models.BooleanField(_("ask to publish publicly"), default=False)
    is_public = models.BooleanField(default=False)
    from_thread = models.ForeignKey(
        "forum.Thread", null=True, blank=True, on_delete=models.SET_NULL, related_name="lessons"
    )
    # "Capture what was learned": the training or meeting the lesson came out of
    # (named by string: lessons import no events; lessons.hooks finds it).
    from_event = models.ForeignKey(
        "events.Event", null=True, blank=True, on_delete=models.SET_NULL, related_name="lessons"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    revision_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [
            models.Index(fields=["state", "-published_at", "-id"], name="lesson_published"),
            models.Index(fields=["is_public", "state", "-published_at"], name="lesson_public"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("lessons:detail", args=[self.pk, self.slug])

    @property
    def slug(self) -> str:
        return slugify(self.title)[:60].strip("-") or "lesson"

    @property
    def is_published(self) -> bool:
        return self.state == LessonState.PUBLISHED


class LessonAuthor(models.Model):
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="authorships")
    member = models.ForeignKey(User, on_delete=models.CASCADE, related_name="authorships")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["lesson", "member"], name="lessons_author_once")
        ]

    def __str__(self) -> str:
        return f"{self.member_id} wrote {self.lesson_id}"


class CoAuthorInvitation(models.Model):
    """A member asked to co-author a lesson, until they accept (then a LessonAuthor) or decline.

    Nobody's name appears on a lesson without their consent: an author names
    co-authors, each gets an invitation, and only an accepted one makes a
    ``LessonAuthor`` row (the invitation is then deleted). Every page, list,
    feed, export and search reads authors from ``LessonAuthor`` alone. A
    declined invitation is kept so that the same lesson cannot invite that
    member again.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting for an answer")
        DECLINED = "declined", _("Declined")

    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="invitations")
    member = models.ForeignKey(User, on_delete=models.CASCADE, related_name="co_author_invitations")
    invited_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["lesson", "member"], name="lessons_invitation_once")
        ]

    def __str__(self) -> str:
        return f"{self.member_id} invited to {self.lesson_id} ({self.state})"


class Source(models.Model):
    """A document or link the lesson cites."""

    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="sources")
    title = models.CharField(_("title"), max_length=300)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    date = models.DateField(_("date"), null=True, blank=True)
    url = models.URLField(_("address (URL)"), max_length=500, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class Transition(models.Model):
    """One step of the review workflow, or a review comment: who, when, why."""

    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="transitions")
    actor = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=20)
    from_state = models.CharField(max_length=12, choices=LessonState.choices)
    to_state = models.CharField(max_length=12, choices=LessonState.choices)
    comment = models.TextField(_("comment"), max_length=COMMENT_MAX, blank=True)
    comment_html = models.TextField(editable=False, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.lesson_id}: {self.action} by {self.actor_id}"


class LessonRevision(models.Model):
    """The lesson's text before an edit made after publication (or a retag)."""

    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="revisions")
    editor = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=200, blank=True)
    # Title, summary, Markdown fields, tags and provisions as they were.
    snapshot = models.JSONField()
    # Purged by a moderator: the snapshot is erased (empty), the row stays so
    # the history shows that a version was removed, and when.
    purged_at = models.DateTimeField(null=True, blank=True)
    purged_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"revision of {self.lesson_id} at {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_purged(self) -> bool:
        return self.purged_at is not None


class FeedToken(models.Model):
    """The secret in a member's private feed URL (members-only lessons)."""

    member = models.OneToOneField(User, on_delete=models.CASCADE, related_name="feed_token")
    token = models.CharField(max_length=64, unique=True, default=_feed_token)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"feed token of {self.member_id}"
