"""The lessons' kinds of notification, declared to the inbox (notifications/kinds.py).

Loaded by LessonsConfig.ready(); the strings are the ones stored on every row.
"""

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from notifications.kinds import Delivery, Kind, register


class NotificationKind(StrEnum):
    REVIEW_REQUESTED = "review_requested"
    REVIEW = "review"
    NEW_LESSON = "new_lesson"
    CO_AUTHOR = "co_author"


register(
    Kind(
        key=NotificationKind.REVIEW_REQUESTED,
        label=_("Lessons waiting for your review"),
        summary=_("A lesson is waiting for your review"),
        default_delivery=Delivery.EMAIL,
        group=_("Lessons"),
    ),
    Kind(
        key=NotificationKind.REVIEW,
        label=_("Reviews of your lessons"),
        summary=_("News about the review of your lesson"),
        default_delivery=Delivery.EMAIL,
        group=_("Lessons"),
    ),
    Kind(
        key=NotificationKind.NEW_LESSON,
        label=_("New lessons in topics and standards you follow"),
        summary=_("New lesson in a topic or standard you follow"),
        default_delivery=Delivery.DIGEST,
        group=_("Lessons"),
    ),
    Kind(
        key=NotificationKind.CO_AUTHOR,
        label=_("Invitations to co-author a lesson"),
        summary=_("You were invited to co-author a lesson"),
        default_delivery=Delivery.EMAIL,
        group=_("Lessons"),
    ),
)
