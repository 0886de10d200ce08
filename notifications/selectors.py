"""Reads of the inbox that views and other apps share: a member's notifications
and choices, and who follows what.

Follows point at any model (a tag, a member, a thread, a standard) through a
content type, so these take the model or object and know none of them.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, Max, Model, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from common.statements import Statement
from notifications import kinds
from notifications.models import Follow, Notification, NotificationPreference


def notifications_of(*, member: Any) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=member).select_related("actor")


# On every page a member opens (the header's badge): compiled once per
# process (common/statements.py), as an aggregate grouped by the one
# recipient, so it is a values_list; no notification at all is no row.
_INBOX_COUNTS = Statement(
    lambda member: (
        Notification.objects.filter(recipient_id=member)
        .values("recipient_id")
        .annotate(unread=Count("id", filter=Q(read_at__isnull=True)), last_id=Max("id"))
        .values_list("unread", "last_id")
        .order_by()
    ),
    "member",
)


def inbox_counts(*, member: Any) -> dict[str, int]:
    """The unread badge and the newest id, for the header and the live script."""
    rows = _INBOX_COUNTS.rows(member=member.pk)
    unread, last_id = rows[0] if rows else (0, 0)
    return {"unread": unread, "last_id": last_id or 0}


def deliveries_of(*, member: Any) -> dict[str, str]:
    """How the member hears of each registered kind: their choice, else its default."""
    chosen = dict(
        NotificationPreference.objects.filter(member=member).values_list("kind", "delivery")
    )
    return {kind.key: chosen.get(kind.key, kind.default_delivery) for kind in kinds.registered()}


def is_following(*, follower: Any, target: Model) -> bool:
    return Follow.objects.filter(
        follower=follower,
        content_type=ContentType.objects.get_for_model(target),
        object_id=target.pk,
    ).exists()


def followers_of(*, target: Model) -> QuerySet:
    """Members following ``target``; the forum and lessons use this for their events."""
    return get_user_model().objects.filter(
        follows__content_type=ContentType.objects.get_for_model(target),
        follows__object_id=target.pk,
    )


def followed_ids(*, follower: Any, model: type[Model]) -> list[int]:
    """The ids of the objects of ``model`` the member follows."""
    return list(
        Follow.objects.filter(
            follower=follower, content_type=ContentType.objects.get_for_model(model)
        ).values_list("object_id", flat=True)
    )


def with_follower_counts(queryset: QuerySet) -> QuerySet:
    """``queryset`` with ``follower_count`` on every row (one subquery, no join)."""
    followers = (
        Follow.objects.filter(
            content_type=ContentType.objects.get_for_model(queryset.model),
            object_id=OuterRef("pk"),
        )
        .values("object_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return queryset.annotate(follower_count=Coalesce(Subquery(followers), 0))


def with_follow_state(queryset: QuerySet, *, follower: Any) -> QuerySet:
    """``queryset`` with ``followed``: whether ``follower`` follows the row (an
    EXISTS column, so a page that shows one object and its follow button asks
    once)."""
    if not getattr(follower, "is_authenticated", False):
        return queryset.annotate(followed=Value(False))
    return queryset.annotate(
        followed=Exists(
            Follow.objects.filter(
                follower=follower,
                content_type=ContentType.objects.get_for_model(queryset.model),
                object_id=OuterRef("pk"),
            )
        )
    )


def followed_ids_by_model(
    *, follower: Any, models: list[type[Model]]
) -> dict[type[Model], set[int]]:
    """What the member follows of each of ``models``, in one query (``followed_ids`` for many)."""
    types = ContentType.objects.get_for_models(*models)
    by_type_id = {content_type.pk: model for model, content_type in types.items()}
    found: dict[type[Model], set[int]] = {model: set() for model in models}
    rows = Follow.objects.filter(follower=follower, content_type__in=types.values()).values_list(
        "content_type_id", "object_id"
    )
    for content_type_id, object_id in rows:
        found[by_type_id[content_type_id]].add(object_id)
    return found
