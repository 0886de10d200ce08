from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """The member's inbox: notifications, follows, push over WebSockets, the
    email outbox and digest. Knows members only through AUTH_USER_MODEL."""

    name = "notifications"
    verbose_name = _("Notifications")
