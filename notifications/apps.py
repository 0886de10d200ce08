from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """The member's inbox: notifications, follows, push over WebSockets, the
    email outbox and digest. Knows members only through AUTH_USER_MODEL."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # The account kinds first: the preferences page lists them at the top.
        from notifications import notification_kinds, receivers  # noqa: F401

        # What happens to members reaches the inbox as signals (members/signals.py).
        receivers.connect()
