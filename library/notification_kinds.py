"""The library's kinds of notification, declared to the inbox (notifications/kinds.py).

Loaded by LibraryConfig.ready(); the strings are the ones stored on every row.
"""

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from notifications.kinds import Delivery, Kind, register


class NotificationKind(StrEnum):
    REVIEW = "library_review"  # to experts and moderators: a member's resource waits
    PUBLISHED = "library_published"  # to the uploader
    COLLECTION_ITEM = "library_collection_item"  # to a collection's followers


register(
    Kind(
        key=NotificationKind.REVIEW,
        label=_("Library resources waiting for review"),
        summary=_("A member added a resource that waits for review"),
        default_delivery=Delivery.APP,
        group=_("Library"),
    ),
    Kind(
        key=NotificationKind.PUBLISHED,
        label=_("Your library resources published"),
        summary=_("A resource you added is published"),
        default_delivery=Delivery.EMAIL,
        group=_("Library"),
    ),
    Kind(
        key=NotificationKind.COLLECTION_ITEM,
        label=_("New items in collections you follow"),
        summary=_("New resource in a collection you follow"),
        default_delivery=Delivery.DIGEST,
        group=_("Library"),
    ),
)
