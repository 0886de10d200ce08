"""The movement's documents: resources, their files, collections of them.

A **resource** is one document or link (a publication, a guidance note, a court
decision, ...) described by its catalogue fields. It may have **files**
(several: language versions), each cleaned by ``common.uploads`` before it is
stored under a random name through the ``library`` storage (never under
static files); the text inside a file is extracted by the worker into
**pages** (one row per PDF page), which the full-text engine indexes so that a
search can say "page 12". A **collection** is a curated, ordered list of
resources with a note per item, followed by members.

A resource a member adds waits for review (``state=review``): only its
uploader and the reviewers (experts and moderators) see it. Once published,
its ``visibility`` says who reads it: visitors too (public) or members only.
Every change of the catalogue fields keeps a **revision** (who, when, which
fields changed from what to what). Only ``library.services`` writes these rows.
"""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from taggit.managers import TaggableManager

from common.filestore import INLINE_EXTENSIONS
from members.models import TaggedItem, User

ABSTRACT_MAX = 10_000
INTRODUCTION_MAX = 5_000
NOTE_MAX = 1_000
PAGE_TEXT_MAX = 100_000


class ResourceKind(models.TextChoices):
    PUBLICATION = "publication", _("Publication")
    GUIDANCE = "guidance", _("Guidance or tool")
    TRAINING = "training", _("Training material")
    REPORT = "report", _("Report")
    LAW = "law", _("Law or policy")
    DECISION = "decision", _("Court decision")
    NEWS = "news", _("News or statement")
    OTHER = "other", _("Other")


class ResourceVisibility(models.TextChoices):
    PUBLIC = "public", _("Public: visitors can read it")
    MEMBERS = "members", _("Members only")


class ResourceState(models.TextChoices):
    REVIEW = "review", _("Waiting for review")
    PUBLISHED = "published", _("Published")


class Resource(models.Model):
    kind = models.CharField(_("type"), max_length=12, choices=ResourceKind.choices)
    title = models.CharField(_("title"), max_length=300)
    authors = models.CharField(_("authors"), max_length=500, blank=True)
    author_members = models.ManyToManyField(
        User,
        blank=True,
        related_name="library_authorships",
        verbose_name=_("authors on the network"),
    )
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    published_on = models.DateField(_("publication date"), null=True, blank=True)
    abstract = models.TextField(_("abstract"), max_length=ABSTRACT_MAX, blank=True)
    abstract_html = models.TextField(editable=False, blank=True)
    tags = TaggableManager(through=TaggedItem, blank=True, verbose_name=_("topics"))
    provisions = models.ManyToManyField(
        "lessons.Provision", blank=True, related_name="resources", verbose_name=_("standards")
    )
    country = CountryField(_("country"), blank=True)
    region = models.CharField(_("region"), max_length=100, blank=True)
    series = models.CharField(_("series"), max_length=200, blank=True)
    number = models.PositiveIntegerField(_("number in the series"), null=True, blank=True)
    source_url = models.URLField(_("source address"), max_length=500, blank=True)
    licence = models.CharField(_("licence"), max_length=200, blank=True)
    visibility = models.CharField(
        _("who can read it"),
        max_length=10,
        choices=ResourceVisibility.choices,
        default=ResourceVisibility.MEMBERS,
    )
    state = models.CharField(max_length=10, choices=ResourceState.choices)
    created_by = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="library_uploads"
    )
    reviewed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-published_on", "-id"]
        indexes = [
            models.Index(fields=["state", "visibility", "-published_on"], name="library_listed"),
            models.Index(fields=["series", "number"], name="library_series"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("library:detail", args=[self.pk, self.slug])

    @property
    def slug(self) -> str:
        return slugify(self.title)[:60].strip("-") or "resource"

    @property
    def is_published(self) -> bool:
        return self.state == ResourceState.PUBLISHED

    @property
    def year(self) -> int | None:
        return self.published_on.year if self.published_on else None


class ResourceLanguage(models.Model):
    """A language the resource is written in (several: a bilingual report)."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="languages")
    code = models.CharField(max_length=10)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["resource", "code"], name="library_language_once")
        ]

    def __str__(self) -> str:
        return self.code


class TextState(models.TextChoices):
    PENDING = "pending", _("Text not read yet")
    READING = "reading", _("Text being read")
    DONE = "done", _("Searchable")
    NONE = "none", _("No searchable text")
    FAILED = "failed", _("The text could not be read")


class ResourceFile(models.Model):
    """One stored file of a resource, cleaned of its metadata before it was stored."""

    # None while staged: cleaned and stored, shown to the uploader, not yet saved
    # with a resource (library.services.stage_file).
    resource = models.ForeignKey(
        Resource, null=True, blank=True, on_delete=models.CASCADE, related_name="files"
    )
    language = models.CharField(_("language"), max_length=10, default="en")
    # The member's file name, made safe (common.uploads); shown and offered
    # as the download's name. The stored file has a random name.
    name = models.CharField(max_length=150)
    media_type = models.CharField(max_length=100)
    extension = models.CharField(max_length=8)
    size = models.PositiveBigIntegerField()
    stored_as = models.CharField(max_length=100, unique=True, editable=False)
    encrypted = models.BooleanField(default=False)
    # What the pipeline removed ("author name", "GPS position", ...).
    removed = models.JSONField(default=list, blank=True)
    text_state = models.CharField(
        max_length=8, choices=TextState.choices, default=TextState.PENDING
    )
    page_count = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="library_files"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["text_state"], name="library_file_text_state")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("library:download", args=[self.resource_id, self.pk, self.name])

    @property
    def opens_inline(self) -> bool:
        """PDFs and images open in the browser (sandboxed); the rest download."""
        return self.extension in INLINE_EXTENSIONS


class FilePage(models.Model):
    """The text of one page of a file (a PDF page; the whole text of other files)."""

    file = models.ForeignKey(ResourceFile, on_delete=models.CASCADE, related_name="pages")
    number = models.PositiveIntegerField()
    text = models.TextField(max_length=PAGE_TEXT_MAX)

    class Meta:
        ordering = ["file_id", "number"]
        constraints = [models.UniqueConstraint(fields=["file", "number"], name="library_page_once")]

    def __str__(self) -> str:
        return f"{self.file_id}:{self.number}"


class ResourceRevision(models.Model):
    """One saved change of a resource's catalogue fields: who, when, what changed."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="revisions")
    editor = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # {"field": [before, after], ...} as text; "files": [names added/removed].
    changes = models.JSONField(default=dict)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.resource_id}@{self.created_at:%Y-%m-%d}"


class CollectionOrder(models.TextChoices):
    CURATED = "curated", _("In the order the curators chose")
    SERIES = "series", _("By year and number (a series)")


class Collection(models.Model):
    slug = models.SlugField(_("address"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=200)
    introduction = models.TextField(_("introduction"), max_length=INTRODUCTION_MAX, blank=True)
    introduction_html = models.TextField(editable=False, blank=True)
    order = models.CharField(
        _("order"), max_length=8, choices=CollectionOrder.choices, default=CollectionOrder.CURATED
    )
    created_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title", "id"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("library:collection", args=[self.slug])


class CollectionItem(models.Model):
    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="items")
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="in_collections")
    position = models.PositiveIntegerField(default=0)
    note = models.TextField(_("note"), max_length=NOTE_MAX, blank=True)
    added_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["collection", "resource"], name="library_item_once")
        ]

    def __str__(self) -> str:
        return f"{self.collection_id}:{self.resource_id}"


class MaterialWhen(models.TextChoices):
    BEFORE = "before", _("Reading before the event")
    AFTER = "after", _("From the event: slides, reports")


class EventMaterial(models.Model):
    """A library resource attached to an event (events.hooks: the library's side)."""

    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="materials")
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="event_links")
    when = models.CharField(max_length=8, choices=MaterialWhen.choices, default=MaterialWhen.BEFORE)
    added_by = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["when", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "resource"], name="library_material_once")
        ]

    def __str__(self) -> str:
        return f"{self.event_id}:{self.resource_id}"

    # What the event page lists (events.hooks.MaterialSource): the resource.
    def get_absolute_url(self) -> str:
        return self.resource.get_absolute_url()

    @property
    def title(self) -> str:
        return self.resource.title


class CatalogueVersion(models.Model):
    """One row whose ``version`` the database moves on every write to what the
    library list shows: resources, their languages, files, standards and
    topics, collections and their items, topics and standards themselves
    (library migration 0003). The list is kept whole while it holds
    (library.views.resource_list); nothing in Python moves it."""

    version = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return str(self.version)
