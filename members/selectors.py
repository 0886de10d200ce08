"""Reads that views share: visibility rules and prefetching in one place."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from members.models import (
    AuditEntry,
    Follow,
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


def invitations_of(member: User) -> QuerySet[Invitation]:
    return Invitation.objects.filter(created_by=member).select_related("used_by")


def tags_with_followers() -> QuerySet[Tag]:
    followers = (
        Follow.objects.filter(
            content_type=ContentType.objects.get_for_model(Tag), object_id=OuterRef("pk")
        )
        .values("object_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Tag.objects.annotate(follower_count=Coalesce(Subquery(followers), 0)).order_by("name")


def followed_tag_ids(member: User) -> list[int]:
    return list(
        Follow.objects.filter(
            follower=member, content_type=ContentType.objects.get_for_model(Tag)
        ).values_list("object_id", flat=True)
    )
