"""The forum's kinds of notification, declared to the inbox (notifications/kinds.py).

Loaded by ForumConfig.ready(); the strings are the ones stored on every row.
"""

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from notifications.kinds import Delivery, Kind, register


class NotificationKind(StrEnum):
    REPLY = "reply"
    MENTION = "mention"
    ANSWER_ACCEPTED = "answer_accepted"
    NEW_THREAD = "new_thread"


register(
    Kind(
        key=NotificationKind.REPLY,
        label=_("Replies in threads you follow"),
        summary=_("New reply in a thread you follow"),
        default_delivery=Delivery.APP,
        group=_("Forum"),
    ),
    Kind(
        key=NotificationKind.MENTION,
        label=_("Someone mentioned you"),
        summary=_("Someone mentioned you"),
        default_delivery=Delivery.EMAIL,
        group=_("Forum"),
    ),
    Kind(
        key=NotificationKind.ANSWER_ACCEPTED,
        label=_("Your answer was accepted"),
        summary=_("Your answer was accepted"),
        default_delivery=Delivery.APP,
        group=_("Forum"),
    ),
    Kind(
        key=NotificationKind.NEW_THREAD,
        label=_("New threads in topics and by members you follow"),
        summary=_("New thread in a topic or by a member you follow"),
        default_delivery=Delivery.DIGEST,
        group=_("Forum"),
    ),
)
