"""Reads that views share: visibility rules and prefetching in one place."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.contrib.contenttypes.models import ContentType
from django.db.models import F, Model, Prefetch, Q, QuerySet, sql

from common.catalogue import sort_key
from members.models import (
    AuditEntry,
    ContactMessage,
    Invitation,
    Profile,
    SpokenLanguage,
    Status,
    Tag,
    User,
)


def members_listed() -> QuerySet[User]:
    """Approved, not banned members with everything a directory card shows."""
    return (
        User.objects.filter(status=Status.ACTIVE, is_banned=False)
        .select_related("profile")
        .prefetch_related(
            Prefetch("profile__languages", queryset=SpokenLanguage.objects.order_by("code")),
            "profile__expertise",
        )
    )


def directory(
    *,
    query: str = "",
    tag: Tag | None = None,
    country: str = "",
    language: str = "",
    role: str = "",
    open_to_questions: bool = False,
    experts_only: bool = False,
) -> QuerySet[User]:
    members = members_listed()
    if query:
        members = members.filter(Q(display_name__icontains=query) | Q(handle__icontains=query))
    if tag is not None:
        members = members.filter(profile__in=Profile.objects.filter(expertise__in=[tag]))
    if country:
        members = members.filter(profile__country=country)
    if language:
        # A subquery like the tag's: a join would repeat a member per matching
        # language and need DISTINCT, which sorts every member's every column.
        members = members.filter(profile__in=Profile.objects.filter(languages__code=language))
    if role:
        members = members.filter(profile__role=role)
    if open_to_questions:
        members = members.filter(profile__open_to_questions=True)
    if experts_only:
        members = members.filter(is_expert=True)
    # Every filter above keeps one row per member: no DISTINCT needed.
    return members.order_by("-is_expert", "display_name", "handle")


def member_by_handle(handle: str) -> User | None:
    return members_listed().filter(handle=handle).first()


def pending_requests() -> QuerySet[User]:
    """Verified sign-ups waiting for a moderator, oldest first."""
    return (
        User.objects.filter(status=Status.PENDING, is_banned=False, emailaddress__verified=True)
        .select_related("profile")
        .distinct()
        .order_by("date_joined")
    )


def audit_log() -> QuerySet[AuditEntry]:
    return AuditEntry.objects.select_related("actor", "target")


def moderator_ids() -> list[int]:
    """Who reads the moderators' queues: approved moderators and admins."""
    return list(
        User.objects.approved()
        .filter(Q(is_moderator=True) | Q(is_superuser=True))
        .values_list("pk", flat=True)
    )


def contact_messages(*, handled: bool) -> QuerySet[ContactMessage]:
    """The contact queue: messages waiting (oldest first, as they are answered),
    or those handled (the latest first)."""
    messages = ContactMessage.objects.filter(handled_at__isnull=not handled).select_related(
        "sender", "handled_by"
    )
    if handled:
        return messages.order_by("-handled_at", "-id")
    return messages.order_by("created_at", "id")


def contact_message(pk: int) -> ContactMessage | None:
    return ContactMessage.objects.select_related("sender", "handled_by").filter(pk=pk).first()


def invitations_of(member: User) -> QuerySet[Invitation]:
    return Invitation.objects.filter(created_by=member).select_related("used_by")


def topics() -> QuerySet[Tag]:
    """The whole vocabulary, by name (the topics page; follower counts come from
    notifications.selectors.with_follower_counts)."""
    return Tag.objects.order_by("name")


def topic_vocabulary() -> tuple[tuple[int, str, str, bool], ...]:
    """Every topic's id, slug, name and whether it is official (some forms offer
    only those), in one small query: what a page that offers the topics as
    choices is rendered from, for a key of a kept page."""
    return tuple(Tag.objects.order_by("pk").values_list("pk", "slug", "name", "is_official"))


def by_shown_name(tags: Iterable[Tag]) -> list[Tag]:
    """Topics in the order of the names the member reads: seed topics are shown
    translated (``Tag.display_name``), so the database's order by name is not theirs."""
    return sorted(tags, key=lambda tag: sort_key(tag.display_name))


def topic_by_slug(slug: str) -> Tag | None:
    return Tag.objects.filter(slug=slug).first()


class _AttachedTags(QuerySet):
    """An object's tags as attach_tags found them.

    Reading it (iterating, ``len``, ``bool``, ``count``, ``exists``) uses the
    list; anything that makes a new queryset (``values_list``, ``filter``,
    ``order_by``...) asks the database for exactly these tags, as the
    filtered queryset of a real prefetch would.
    """

    def _chain(self) -> QuerySet:
        return Tag.objects.filter(pk__in=[tag.pk for tag in self._result_cache or []])._chain()


def attach_tags(objects: Sequence[Model]) -> None:
    """``prefetch_related("tags")`` for a page of objects, in one query and a fraction of the time.

    Django's prefetch builds a filtered queryset for every object (taggit's
    ``tags_for``), which cost more than the query itself: 20 search hits,
    about 3 ms. Here one query brings each tag with the object it is on, and
    ``obj.tags.all()`` reads the result as it reads a prefetch.
    """
    if not objects:
        return
    content_type = ContentType.objects.get_for_model(type(objects[0]))
    tags = (
        Tag.objects.filter(
            tagged_items__content_type=content_type,
            tagged_items__object_id__in={obj.pk for obj in objects},
        )
        .annotate(on_object=F("tagged_items__object_id"))
        .order_by("name", "pk")
    )
    by_object: dict[int, list[Tag]] = defaultdict(list)
    for tag in by_shown_name(tags):
        by_object[tag.on_object].append(tag)
    # One Query for all: building one per object cost 0.1 ms each. Nothing
    # changes it: every new queryset is made by _AttachedTags._chain.
    query = sql.Query(Tag)
    for obj in objects:
        found = _AttachedTags(model=Tag, query=query)
        found._result_cache = by_object.get(obj.pk, [])  # as Django's prefetch does
        found._prefetch_done = True
        if not hasattr(obj, "_prefetched_objects_cache"):
            obj._prefetched_objects_cache = {}
        obj._prefetched_objects_cache["tags"] = found


def expertise_of(member: User) -> list[Tag]:
    """The topics the member says they know about on their profile, by name (one query)."""
    return by_shown_name(
        Tag.objects.filter(
            tagged_items__content_type=ContentType.objects.get_for_model(Profile),
            tagged_items__object_id__in=Profile.objects.filter(user=member).values("pk"),
        ).order_by("name", "pk")
    )
