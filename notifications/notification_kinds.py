"""The account kinds: what the inbox itself tells a member about their account
(membership, the expert badge, a new follower), the moderators' announcements,
and what members' moderation tells the moderators (a contact message waiting).

Decisions on membership are always emailed separately (the person cannot see
the app before approval, notifications/receivers.py), so their notification
stays in the app.
"""

from enum import StrEnum

from django.utils.translation import gettext_lazy as _

from notifications.kinds import Delivery, Kind, register


class NotificationKind(StrEnum):
    MEMBERSHIP = "membership"
    EXPERT_BADGE = "expert_badge"
    NEW_FOLLOWER = "new_follower"
    ANNOUNCEMENT = "announcement"
    CONTACT_MESSAGE = "contact_message"


register(
    Kind(
        key=NotificationKind.MEMBERSHIP,
        label=_("Your membership request"),
        summary=_("News about your membership request"),
        default_delivery=Delivery.APP,
        group=_("Account"),
    ),
    Kind(
        key=NotificationKind.EXPERT_BADGE,
        label=_("Expert badge"),
        summary=_("You were given the expert badge"),
        default_delivery=Delivery.EMAIL,
        group=_("Account"),
    ),
    Kind(
        key=NotificationKind.NEW_FOLLOWER,
        label=_("Someone followed you"),
        summary=_("Someone started following you"),
        default_delivery=Delivery.APP,
        group=_("Account"),
    ),
    Kind(
        key=NotificationKind.ANNOUNCEMENT,
        label=_("Announcements from the moderators"),
        summary=_("New announcement from the moderators"),
        default_delivery=Delivery.DIGEST,
        group=_("Account"),
    ),
    # Only moderators get it. Its notification and email say that a message is
    # waiting, never what it says or who sent it (members.services.send_contact_message).
    Kind(
        key=NotificationKind.CONTACT_MESSAGE,
        label=_("Messages through the contact form (moderators)"),
        summary=_("A message is waiting in the contact queue"),
        default_delivery=Delivery.EMAIL,
        group=_("Moderation"),
    ),
)
