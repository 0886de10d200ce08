"""The member account.

Email is the login and is never shown to other members; members are known by a
display name (pseudonyms welcome) and a handle used in URLs and @mentions. A new
account gets a random handle so that nothing about the person (not even the
local part of their email address) leaks before they choose one.
"""

from __future__ import annotations

import secrets

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from taggit.managers import TaggableManager
from taggit.models import GenericTaggedItemBase, TagBase

from common.catalogue import translated
from common.handles import HANDLE_PATTERN
from common.lengths import MARKDOWN_MAX_LENGTH, PLAIN_TEXT_MAX_LENGTH

BIO_MAX = MARKDOWN_MAX_LENGTH["bio"]
CONTACT_MESSAGE_MAX = PLAIN_TEXT_MAX_LENGTH["contact_message"]


def random_handle() -> str:
    return f"member-{secrets.token_hex(4)}"


def _invitation_token() -> str:
    # 256 bits: invitation links must not be guessable.
    return secrets.token_urlsafe(32)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields: object) -> User:
        if not email:
            raise ValueError("A member needs an email address.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields: object) -> User:
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields: object) -> User:
        fields.update(is_staff=True, is_superuser=True)
        return self._create(email, password, **fields)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username)

    def approved(self) -> models.QuerySet[User]:
        """Members who may read and write (``User.is_member``), as a query: the
        recipients of an announcement."""
        return self.filter(status=Status.ACTIVE, is_active=True, is_banned=False)


class Status(models.TextChoices):
    PENDING = "pending", _("waiting for approval")
    ACTIVE = "active", _("member")
    REJECTED = "rejected", _("not approved")


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("email address"), unique=True)
    handle = models.CharField(
        _("handle"),
        max_length=30,
        unique=True,
        default=random_handle,
        validators=[
            RegexValidator(
                f"^{HANDLE_PATTERN}$",
                _("3 to 30 lower-case letters, digits, hyphens or underscores."),
            )
        ],
        help_text=_("Used in your profile address and for @mentions."),
    )
    display_name = models.CharField(
        _("display name"),
        max_length=80,
        blank=True,
        help_text=_("How other members see you. A pseudonym is fine."),
    )
    is_staff = models.BooleanField(_("staff status"), default=False)
    # False only for banned members: Django and allauth then refuse the login.
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    status = models.CharField(
        _("membership"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    is_expert = models.BooleanField(_("expert"), default=False)
    is_moderator = models.BooleanField(_("moderator"), default=False)
    is_banned = models.BooleanField(_("banned"), default=False)
    # The "first steps" checklist on the home page stays until its steps are
    # done or the member puts it away (network/guidance.py).
    first_steps_dismissed_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Visits, for the member home's "new since your last visit"
    # (members.services.record_visit): when the member was last seen, at most
    # a few minutes stale, and when the visit before the current one ended.
    last_seen_at = models.DateTimeField(null=True, blank=True, editable=False)
    previous_visit_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The interface language the member chose (a code from settings.LANGUAGES);
    # empty: the browser's (members/language.py).
    language = models.CharField(_("language of the site"), max_length=10, blank=True, default="")
    # Discreet mode (members/discreet.py): a neutral browser tab, no site name
    # in email subjects or the sender's name, and a short session.
    discreet_mode = models.BooleanField(_("discreet mode"), default=False)
    # The zone times are shown in (an IANA name, "Africa/Nairobi"); events
    # show the member's time beside the event's own.
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC")

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="members_user_email_ci_unique"),
            models.CheckConstraint(
                condition=~models.Q(is_banned=True, is_active=True),
                name="members_user_banned_is_inactive",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "date_joined"]),
            # The directory's order over listed members: PostgreSQL walks it
            # for a page of cards instead of sorting 5,000 members (13 ms).
            models.Index(
                models.F("is_expert").desc(),
                "display_name",
                "handle",
                name="member_directory",
                condition=models.Q(status=Status.ACTIVE, is_banned=False),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_member(self) -> bool:
        """Approved and not banned: may read and write members-only content."""
        return self.status == Status.ACTIVE and not self.is_banned and self.is_active

    # Set on request.user by members.access.StaffPowersMiddleware when this
    # session has not passed a second factor: staff powers are then off.
    staff_powers_locked = False

    @property
    def is_admin(self) -> bool:
        return self.is_superuser and self.is_member and not self.staff_powers_locked

    @property
    def can_moderate(self) -> bool:
        return (
            self.is_member
            and (self.is_moderator or self.is_superuser)
            and not self.staff_powers_locked
        )

    @property
    def name(self) -> str:
        """What other members see: the display name, else the handle; never the email."""
        return self.display_name or self.handle

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name


class RetiredHandle(models.Model):
    """A handle given up (changed, or of a deleted account), never given to anyone else.

    Only a keyed digest of the handle's skeleton is kept (members/naming.py):
    the account's owner asked for their data to go, and old posts that still
    say "@handle" must not come to point at someone new.
    """

    digest = models.CharField(max_length=64, unique=True)
    # Who gave it up for another handle (they may take it back); null once the
    # account is deleted: then nobody may.
    member = models.ForeignKey(
        "User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    retired_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"retired handle {self.digest[:8]}…"


class Tag(TagBase):
    """One topic of the shared vocabulary: threads, lessons and expertise use the same tags."""

    description = models.TextField(_("description"), blank=True, max_length=1000)
    # Members may propose a topic when tagging a thread; experts and moderators
    # make it official (or rename or merge it). Proposed topics work at once.
    is_official = models.BooleanField(_("official"), default=True)
    proposed_by = models.ForeignKey(
        "User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.display_name

    # What pages show: a topic of the seed vocabulary in the interface language
    # (members/vocabulary.py, common/catalogue.py); a topic members proposed, or
    # a text a moderator rewrote, as written.
    @property
    def display_name(self) -> str:
        return translated("topic name", self.name)

    @property
    def display_description(self) -> str:
        return translated("topic description", self.description)


class TaggedItem(GenericTaggedItemBase):
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="tagged_items")

    class Meta:
        verbose_name = _("tagged item")
        verbose_name_plural = _("tagged items")
        indexes = [
            models.Index(fields=["content_type", "object_id"]),
            # What is filed under a topic (a topic's page, its count, a topic
            # filter), read from the index alone: issue 20.
            models.Index(fields=["tag", "content_type", "object_id"], name="tagged_objects"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "tag"], name="members_taggeditem_unique"
            )
        ]


class MemberRole(models.TextChoices):
    ACTIVIST = "activist", _("Activist or human rights defender")
    RESEARCHER = "researcher", _("Researcher")
    LAWYER = "lawyer", _("Lawyer")
    TRAINER = "trainer", _("Trainer")
    POLICE = "police", _("Police practitioner")
    JOURNALIST = "journalist", _("Journalist")
    OTHER = "other", _("Other")


class Visibility(models.TextChoices):
    MEMBERS = "members", _("Members only")
    PUBLIC = "public", _("Everyone, including visitors")


def _visibility_field() -> models.CharField:
    return models.CharField(
        _("who can see this"),
        max_length=8,
        choices=Visibility.choices,
        default=Visibility.MEMBERS,
    )


class Profile(models.Model):
    """What a member tells others about themselves; each part has its own visibility.

    The display name and handle live on User (they are needed everywhere); the
    rest is here. Nothing is public unless the member sets that part to public.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    bio = models.TextField(_("about you"), blank=True, max_length=BIO_MAX)
    bio_html = models.TextField(blank=True, editable=False)
    organisation = models.CharField(_("organisation or section"), max_length=150, blank=True)
    country = CountryField(_("country"), blank=True)
    role = models.CharField(_("role"), max_length=12, choices=MemberRole.choices, blank=True)
    expertise = TaggableManager(
        through=TaggedItem, blank=True, verbose_name=_("expertise"), related_name="+"
    )
    open_to_questions = models.BooleanField(_("open to questions"), default=False)
    # Written at sign-up for the moderators who approve; never shown on the profile.
    motivation = models.TextField(_("why you want to join"), blank=True, max_length=2000)

    name_visibility = _visibility_field()
    bio_visibility = _visibility_field()
    organisation_visibility = _visibility_field()
    country_visibility = _visibility_field()
    languages_visibility = _visibility_field()
    role_visibility = _visibility_field()
    expertise_visibility = _visibility_field()

    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")
        indexes = [
            models.Index(fields=["country"]),
            models.Index(fields=["role"]),
        ]

    def __str__(self) -> str:
        return f"Profile of {self.user}"

    def is_public(self, part: str) -> bool:
        return getattr(self, f"{part}_visibility") == Visibility.PUBLIC

    @property
    def has_public_part(self) -> bool:
        return any(self.is_public(part) for part in PROFILE_PARTS)


PROFILE_PARTS = ("name", "bio", "organisation", "country", "languages", "role", "expertise")


class SpokenLanguage(models.Model):
    """One language a member speaks (an ISO 639 code of common.languages)."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="languages")
    code = models.CharField(_("language"), max_length=10)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["profile", "code"], name="members_language_unique")
        ]
        indexes = [models.Index(fields=["code"])]

    def __str__(self) -> str:
        return self.code


class Invitation(models.Model):
    """A single-use, expiring link that lets one person join without waiting for approval."""

    token = models.CharField(max_length=64, unique=True, default=_invitation_token, editable=False)
    created_by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations_sent")
    note = models.CharField(_("note for yourself"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_by = models.OneToOneField(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="invitation_used"
    )
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation by {self.created_by} ({self.created_at:%Y-%m-%d})"

    @property
    def is_usable(self) -> bool:
        return self.used_at is None and self.expires_at > timezone.now()


class AuditEntry(models.Model):
    """Who did what to whom, when: every grant, revocation and moderator decision."""

    class Action(models.TextChoices):
        APPROVE = "approve", _("approved membership")
        REJECT = "reject", _("rejected membership")
        GRANT_EXPERT = "grant_expert", _("granted expert badge")
        REVOKE_EXPERT = "revoke_expert", _("revoked expert badge")
        GRANT_MODERATOR = "grant_moderator", _("made moderator")
        REVOKE_MODERATOR = "revoke_moderator", _("removed moderator role")
        GRANT_ADMIN = "grant_admin", _("made admin")
        REVOKE_ADMIN = "revoke_admin", _("removed admin role")
        BAN = "ban", _("banned")
        UNBAN = "unban", _("lifted ban")
        INVITE = "invite", _("created an invitation")
        HIDE_POST = "hide_post", _("hid a post")
        UNHIDE_POST = "unhide_post", _("unhid a post")
        DELETE_POST = "delete_post", _("deleted a post")
        RESTORE_POST = "restore_post", _("restored a post")
        HIDE_THREAD = "hide_thread", _("hid a thread")
        UNHIDE_THREAD = "unhide_thread", _("unhid a thread")
        LOCK_THREAD = "lock_thread", _("locked a thread")
        UNLOCK_THREAD = "unlock_thread", _("unlocked a thread")
        PIN_THREAD = "pin_thread", _("pinned a thread")
        UNPIN_THREAD = "unpin_thread", _("unpinned a thread")
        RETAG_THREAD = "retag_thread", _("changed a thread's topics")
        DISMISS_FLAG = "dismiss_flag", _("dismissed a flag")
        TAG_APPROVE = "tag_approve", _("made a topic official")
        TAG_RENAME = "tag_rename", _("renamed a topic")
        TAG_MERGE = "tag_merge", _("merged topics")
        RETAG_LESSON = "retag_lesson", _("changed a lesson's topics or standards")
        PURGE_POST_REVISION = "purge_post_revision", _("purged a version of a post")
        PURGE_LESSON_REVISION = "purge_lesson_revision", _("purged a version of a lesson")
        CONTACT_HANDLED = "contact_handled", _("marked a contact message handled")
        CONTACT_REOPENED = "contact_reopened", _("reopened a contact message")
        CONTACT_DELETED = "contact_deleted", _("deleted a contact message")
        EDIT_EVENT = "edit_event", _("changed an event organised by others")
        CANCEL_EVENT = "cancel_event", _("cancelled an event organised by others")
        ADD_RESOURCE = "add_resource", _("added a library resource")
        EDIT_RESOURCE = "edit_resource", _("changed a library resource")
        PUBLISH_RESOURCE = "publish_resource", _("published a library resource")
        UNPUBLISH_RESOURCE = "unpublish_resource", _("sent a library resource back to review")
        DELETE_RESOURCE = "delete_resource", _("deleted a library resource")
        EDIT_COLLECTION = "edit_collection", _("changed a library collection")
        EDIT_MATERIALS = "edit_materials", _("changed an event's materials")

    actor = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="audit_actions"
    )
    action = models.CharField(max_length=40, choices=Action.choices)
    target = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_entries"
    )
    detail = models.CharField(max_length=500, blank=True)
    # Where the thing acted on lives (a thread, a post), when it is not a member.
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.target}"


class ContactCategory(models.TextChoices):
    JOINING = "joining", _("Joining the network")
    PROBLEM = "problem", _("Report a problem with the site")
    SAFETY = "safety", _("A safety concern")
    OTHER = "other", _("Something else")


class ContactMessage(models.Model):
    """A message sent through the contact form, by anyone, to the moderators.

    It is read only in the moderators' queue: no email, notification or audit
    entry ever holds its text, its name or its reply address, so deleting the
    row deletes the message. ``sender`` is the account of someone who was
    logged in when they wrote it (their data download lists it; their
    account's deletion deletes it).
    """

    sender = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="contact_messages"
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    reply_to = models.EmailField(_("reply address"), blank=True)
    category = models.CharField(_("about"), max_length=10, choices=ContactCategory.choices)
    message = models.TextField(_("message"), max_length=CONTACT_MESSAGE_MAX)
    created_at = models.DateTimeField(default=timezone.now)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("contact message")
        verbose_name_plural = _("contact messages")
        indexes = [models.Index(fields=["handled_at", "created_at"])]

    def __str__(self) -> str:
        return f"Contact message {self.pk} ({self.category})"

    @property
    def is_handled(self) -> bool:
        return self.handled_at is not None
